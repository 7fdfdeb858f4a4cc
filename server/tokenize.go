package server

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

// TokenizeRequest asks how a pack tokenizes texts: the same rendering (template,
// instruction) and tokenizer (max tokens, append token) that embedding uses.
type TokenizeRequest struct {
	// Model names a loaded pack; "" is the default pack.
	Model string
	// Inputs are the texts, at most Limits.MaxInputs.
	Inputs []string
	// AddSpecialTokens keeps the post-processor's special tokens ([CLS], <s>, …).
	AddSpecialTokens bool
	// InputType is query or document ("" means document), as for embeddings.
	InputType string
	// Instruction overrides the pack's default instruction for queries; nil keeps it.
	Instruction *string
}

// Tokenization is one input as the model sees it.
type Tokenization struct {
	// Text is the input after the pack's template: what the tokenizer encodes. Offsets
	// index into it.
	Text string
	// IDs, Tokens, Offsets ([start, end) bytes of Text; special tokens [0, 0]) and
	// Special run in parallel, one entry per token.
	IDs     []int64
	Tokens  []string
	Offsets [][2]int
	Special []bool
	// Truncated reports that Text was cut to the pack's max tokens.
	Truncated bool
}

// TokenizeResponse holds one Tokenization per input, in order.
type TokenizeResponse struct {
	// Model is the pack that tokenized.
	Model string
	// Results follow the inputs.
	Results []Tokenization
}

// tokenLister is what Tokenize needs of a pack's tokenizer beyond Encode (embed's
// FullTokenizer offers it).
type tokenLister interface {
	EncodeWith(text string, addSpecialTokens bool) (embed.Encoding, error)
	Tokens(ids []int64) []string
}

// Tokenize renders and tokenizes texts as POST /v1/embeddings would before inference. In
// instruction mode attention the instruction is encoded apart from the query, so a query's
// Text is the query alone.
func (s *Server) Tokenize(ctx context.Context, req TokenizeRequest) (TokenizeResponse, error) {
	p, err := s.pack(req.Model)
	if err != nil {
		return TokenizeResponse{}, err
	}
	if err := s.checkTexts(req.Inputs); err != nil {
		return TokenizeResponse{}, err
	}
	m := p.emb.Manifest()
	render := func(t string) string { return embed.RenderDocument(m.DocumentTemplate, t) }
	switch req.InputType {
	case "", "document":
		if req.Instruction != nil {
			return TokenizeResponse{}, invalid("instruction", "instructions apply to input_type query only")
		}
	case "query":
		instruction := m.DefaultInstruction
		if req.Instruction != nil {
			instruction = *req.Instruction
		}
		render = func(t string) string {
			if m.Mode() == models.InstructionAttention && instruction != "" {
				return t
			}
			return embed.RenderQuery(m.QueryTemplate, instruction, t)
		}
	default:
		return TokenizeResponse{}, invalid("input_type", "must be query or document, got %q", req.InputType)
	}
	tok, ok := p.emb.Tokenizer().(tokenLister)
	if !ok {
		return TokenizeResponse{}, fmt.Errorf("server: the tokenizer of model %q cannot list tokens in this build: %w", p.name, ErrUnavailable)
	}
	out := TokenizeResponse{Model: p.name, Results: make([]Tokenization, len(req.Inputs))}
	for i, in := range req.Inputs {
		if err := ctx.Err(); err != nil {
			return TokenizeResponse{}, err
		}
		text := render(in)
		enc, err := tok.EncodeWith(text, req.AddSpecialTokens)
		if err != nil {
			return TokenizeResponse{}, invalid(fmt.Sprintf("inputs[%d]", i), "cannot tokenize: %v", err)
		}
		out.Results[i] = Tokenization{Text: text, IDs: enc.IDs, Tokens: tok.Tokens(enc.IDs), Offsets: enc.Offsets,
			Special: enc.SpecialTokens, Truncated: enc.Truncated}
	}
	return out, nil
}

// checkTexts applies the limits every text input obeys.
func (s *Server) checkTexts(inputs []string) error {
	switch {
	case len(inputs) == 0:
		return invalid("inputs", "at least one input is required")
	case len(inputs) > s.cfg.Limits.MaxInputs:
		return invalid("inputs", "at most %d inputs, got %d", s.cfg.Limits.MaxInputs, len(inputs))
	}
	for i, in := range inputs {
		switch {
		case in == "":
			return invalid(fmt.Sprintf("inputs[%d]", i), "must not be empty")
		case !utf8.ValidString(in):
			return invalid(fmt.Sprintf("inputs[%d]", i), "not valid UTF-8")
		case len(in) > s.cfg.Limits.MaxTextBytes:
			return invalid(fmt.Sprintf("inputs[%d]", i), "%d bytes exceed the limit of %d", len(in), s.cfg.Limits.MaxTextBytes)
		}
	}
	return nil
}
