package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

// tokenLister is what tokenize needs of a tokenizer beyond Encode (embed.FullTokenizer has it).
type tokenLister interface {
	EncodeWith(text string, addSpecialTokens bool) (embed.Encoding, error)
	Tokens(ids []int64) []string
}

// tokenizeConfig is one tokenize run: how each text is rendered and encoded.
type tokenizeConfig struct {
	tok     tokenLister
	render  func(string) string
	special bool
	// appendID, when ≥ 0, is the pack's append_token, added after truncation when special
	// tokens are on (the tokenizer was loaded one token short to leave room for it).
	appendID    int64
	appendToken string
}

// runTokenize writes, for JSONL {"id","text"} on stdin, JSONL {"id","text","ids","tokens",
// "offsets"} on stdout: text is what the tokenizer encoded (the pack's template applied with
// --model) and offsets are [start, end) bytes of it. Bad lines are reported on stderr by line
// number and skipped; the command then exits non-zero.
func runTokenize(ctx context.Context, args []string) error {
	fs := newFlags("tokenize", "tokenize --tokenizer FILE | --model PACK [flags] < in.jsonl > out.jsonl",
		`echo '{"id":"1","text":"Héllo wörld"}' | instructd tokenize --tokenizer tokenizer.json`,
		`echo '{"id":"q","text":"what do owls eat"}' | instructd tokenize --model Qwen/Qwen3-Embedding-0.6B --type query --instruction "find answers"`)
	tokFile := fs.String("tokenizer", "", "a tokenizer.json (no template)")
	model := fs.String("model", "", "a model pack directory or pulled name: its tokenizer, max tokens, template and append token")
	typ := fs.String("type", "document", "with --model: query or document")
	instruction := fs.String("instruction", "", "with --model, for queries: the instruction (default: the pack's; --instruction= for none)")
	noSpecial := fs.Bool("no-special", false, "leave out special tokens ([CLS], <s>, the append token)")
	maxTokens := fs.Int("max-tokens", 0, "with --tokenizer: truncation length (default: tokenizer.json's, else 512)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noPositional(fs); err != nil {
		return err
	}
	if (*tokFile == "") == (*model == "") {
		return errors.New("give exactly one of --tokenizer FILE or --model PACK (see instructd tokenize --help)")
	}
	cfg := tokenizeConfig{special: !*noSpecial, appendID: -1, render: func(s string) string { return s }}
	var tok embed.Tokenizer
	var err error
	if *tokFile != "" {
		setFlag := ""
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "type" || f.Name == "instruction" {
				setFlag = f.Name
			}
		})
		if setFlag != "" {
			return fmt.Errorf("--%s needs --model (a bare tokenizer has no template)", setFlag)
		}
		if tok, err = embed.LoadTokenizer(*tokFile, *maxTokens); err != nil {
			return err
		}
	} else {
		var inst *string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "instruction" {
				inst = instruction
			}
		})
		if tok, err = packTokenizer(*model, *typ, inst, &cfg); err != nil {
			return err
		}
	}
	if c, ok := tok.(io.Closer); ok {
		defer c.Close()
	}
	lister, ok := tok.(tokenLister)
	if !ok {
		return errors.New("this build's tokenizer cannot list tokens (built with -tags hftokenizers?)")
	}
	cfg.tok = lister
	return tokenizeStream(ctx, cfg, os.Stdin, os.Stdout, os.Stderr)
}

// packTokenizer loads a pack's tokenizer with its max tokens and sets cfg's rendering and
// append token from its manifest, as embedding does.
func packTokenizer(nameOrDir, typ string, instruction *string, cfg *tokenizeConfig) (embed.Tokenizer, error) {
	dir := nameOrDir
	if st, err := os.Stat(nameOrDir); err != nil || !st.IsDir() {
		p, err := models.Resolve(nameOrDir)
		if err != nil {
			return nil, err
		}
		dir = p.Dir
	}
	m, err := models.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	switch typ {
	case "document":
		if instruction != nil {
			return nil, errors.New("--instruction applies to --type query only")
		}
		cfg.render = func(s string) string { return embed.RenderDocument(m.DocumentTemplate, s) }
	case "query":
		inst := m.DefaultInstruction
		if instruction != nil {
			inst = *instruction
		}
		cfg.render = func(s string) string {
			if m.Mode() == models.InstructionAttention && inst != "" {
				return s // the instruction is encoded on its own
			}
			return embed.RenderQuery(m.QueryTemplate, inst, s)
		}
	default:
		return nil, fmt.Errorf("--type must be query or document, not %q", typ)
	}
	path := models.Pack{Dir: dir, Manifest: m}.TokenizerPath()
	tok, err := embed.LoadTokenizer(path, m.MaxTokens)
	if err != nil || m.AppendToken == "" {
		return tok, err
	}
	// The append token goes after truncation unless the post-processor already ends every
	// text with it; then the tokenizer keeps one token of room for it.
	lookup, ok := tok.(interface{ TokenToID(string) (int64, bool) })
	if !ok {
		return nil, fmt.Errorf("this build's tokenizer cannot look up append_token %q", m.AppendToken)
	}
	id, ok := lookup.TokenToID(m.AppendToken)
	if !ok {
		return nil, fmt.Errorf("append_token %q is not in the vocabulary of %s", m.AppendToken, path)
	}
	if probe, err := tok.Encode("a"); err == nil && len(probe.IDs) > 0 && probe.IDs[len(probe.IDs)-1] == id {
		return tok, nil
	}
	if m.MaxTokens < 2 {
		return nil, fmt.Errorf("max_tokens %d leaves no room for append_token %q", m.MaxTokens, m.AppendToken)
	}
	if c, ok := tok.(io.Closer); ok {
		c.Close()
	}
	cfg.appendID, cfg.appendToken = id, m.AppendToken
	return embed.LoadTokenizer(path, m.MaxTokens-1)
}

// tokenizeLine is one output line.
type tokenizeLine struct {
	ID      json.RawMessage `json:"id"`
	Text    string          `json:"text"`
	IDs     []int64         `json:"ids"`
	Tokens  []string        `json:"tokens"`
	Offsets [][2]int        `json:"offsets"`
}

// tokenizeStream tokenizes JSONL lines from in, in order.
func tokenizeStream(ctx context.Context, cfg tokenizeConfig, in io.Reader, out, errOut io.Writer) error {
	bad := 0
	report := func(line int, err error) {
		bad++
		fmt.Fprintf(errOut, "instructd tokenize: line %d: %v\n", line, err)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var writeErr error
	readErr := readLines(ctx, in, report, func(lines []embedLine) bool {
		for _, l := range lines {
			text := cfg.render(l.text)
			e, err := cfg.tok.EncodeWith(text, cfg.special)
			if err != nil {
				report(l.line, err)
				continue
			}
			rec := tokenizeLine{ID: l.id, Text: text, IDs: e.IDs, Tokens: cfg.tok.Tokens(e.IDs), Offsets: e.Offsets}
			if cfg.appendID >= 0 && cfg.special {
				rec.IDs = append(rec.IDs, cfg.appendID)
				rec.Tokens = append(rec.Tokens, cfg.appendToken)
				rec.Offsets = append(rec.Offsets, [2]int{0, 0})
			}
			if err := enc.Encode(rec); err != nil {
				writeErr = fmt.Errorf("write output: %w", err)
				return false
			}
		}
		return true
	})
	return finishJSONL(w, writeErr, readErr, ctx.Err(), bad)
}
