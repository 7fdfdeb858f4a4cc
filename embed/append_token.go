package embed

import (
	"fmt"
	"io"
)

// appendTokenizer appends a token to every text after truncation, for packs whose model
// pools the state of a final token the tokenizer does not add itself (Qwen3-Embedding
// appends "<|endoftext|>" and pools its last state). The inner tokenizer truncates one
// token short, so the appended token always fits in MaxLength.
type appendTokenizer struct {
	FullTokenizer
	id  int64
	max int
}

// loadTokenizer loads the pack's tokenizer, wrapped to append token when it is set and
// the tokenizer's post-processor does not already end every text with it. The common case
// (it does not) loads the tokenizer once, one token short.
func loadTokenizer(path string, maxTokens int, token string) (Tokenizer, error) {
	if token == "" {
		return LoadTokenizer(path, maxTokens)
	}
	if maxTokens < 2 {
		return nil, fmt.Errorf("embed: max_tokens %d leaves no room for append_token %q", maxTokens, token)
	}
	tok, err := LoadTokenizer(path, maxTokens-1)
	if err != nil {
		return nil, err
	}
	full, ok := tok.(FullTokenizer)
	if !ok {
		closeTokenizer(tok)
		return nil, fmt.Errorf("embed: tokenizer %s cannot look up append_token %q", path, token)
	}
	id, ok := full.TokenToID(token)
	if !ok {
		closeTokenizer(tok)
		return nil, fmt.Errorf("embed: append_token %q is not in the vocabulary of %s", token, path)
	}
	probe, err := full.Encode("a")
	if err != nil {
		closeTokenizer(tok)
		return nil, fmt.Errorf("embed: tokenizer %s: %w", path, err)
	}
	if n := len(probe.IDs); n > 0 && probe.IDs[n-1] == id {
		// The post-processor already appends it: use the tokenizer as it is, at full length.
		closeTokenizer(tok)
		return LoadTokenizer(path, maxTokens)
	}
	return &appendTokenizer{FullTokenizer: full, id: id, max: maxTokens}, nil
}

// closeTokenizer frees a tokenizer that holds native memory (the Rust-backed one).
func closeTokenizer(t Tokenizer) {
	if c, ok := t.(io.Closer); ok {
		c.Close()
	}
}

// MaxLength is the inner limit plus the appended token.
func (t *appendTokenizer) MaxLength() int { return t.max }

// Encode tokenizes text and appends the token unless the text already ends with it.
func (t *appendTokenizer) Encode(text string) (Encoding, error) {
	return t.EncodeWith(text, true)
}

// EncodeWith appends the token only when special tokens are added.
func (t *appendTokenizer) EncodeWith(text string, addSpecialTokens bool) (Encoding, error) {
	enc, err := t.FullTokenizer.EncodeWith(text, addSpecialTokens)
	if err != nil || !addSpecialTokens {
		return enc, err
	}
	if n := len(enc.IDs); n > 0 && enc.IDs[n-1] == t.id {
		return enc, nil
	}
	enc.IDs = append(enc.IDs, t.id)
	enc.AttentionMask = append(enc.AttentionMask, 1)
	enc.TypeIDs = append(enc.TypeIDs, 0)
	enc.Offsets = append(enc.Offsets, [2]int{0, 0})
	enc.SpecialTokens = append(enc.SpecialTokens, true)
	return enc, nil
}

// Close frees the inner tokenizer.
func (t *appendTokenizer) Close() error {
	if c, ok := t.FullTokenizer.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
