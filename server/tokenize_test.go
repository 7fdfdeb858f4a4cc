package server

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestTokenizeRealPack(t *testing.T) {
	ctx := context.Background()
	s := openReal(t, t.TempDir())
	defer s.Close(ctx)
	m := s.Models()[0]
	none := ""
	long := strings.Repeat("word ", 400)
	tests := []struct {
		name       string
		req        TokenizeRequest
		wantText   string
		wantTokens []string // nil: not checked
		wantTrunc  bool
	}{
		{
			name:       "query with the default instruction",
			req:        TokenizeRequest{Inputs: []string{"Hello World"}, InputType: "query", AddSpecialTokens: true},
			wantText:   m.DefaultInstruction + "\nHello World",
			wantTokens: []string{"[CLS]", "given", "a", "query", ",", "retrieve", "relevant", "passages", "hello", "world", "[SEP]"},
		},
		{
			name:       "query without instruction or special tokens",
			req:        TokenizeRequest{Inputs: []string{"Hello World"}, InputType: "query", Instruction: &none},
			wantText:   "Hello World",
			wantTokens: []string{"hello", "world"},
		},
		{
			name:       "document",
			req:        TokenizeRequest{Model: m.ID, Inputs: []string{"naïve café"}, AddSpecialTokens: true},
			wantText:   "naïve café",
			wantTokens: []string{"[CLS]", "naive", "cafe", "[SEP]"},
		},
		{
			name:      "truncated",
			req:       TokenizeRequest{Inputs: []string{long}, InputType: "document", AddSpecialTokens: true},
			wantText:  long,
			wantTrunc: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Tokenize(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Model != m.ID || len(res.Results) != 1 {
				t.Fatalf("response %+v", res)
			}
			r := res.Results[0]
			if r.Text != tt.wantText || r.Truncated != tt.wantTrunc {
				t.Errorf("text %q truncated %v, want %q %v", r.Text, r.Truncated, tt.wantText, tt.wantTrunc)
			}
			if tt.wantTokens != nil && !slices.Equal(r.Tokens, tt.wantTokens) {
				t.Errorf("tokens %q, want %q", r.Tokens, tt.wantTokens)
			}
			n := len(r.IDs)
			if len(r.Tokens) != n || len(r.Offsets) != n || len(r.Special) != n || n == 0 {
				t.Fatalf("parallel arrays differ: %d ids, %d tokens, %d offsets, %d special", n, len(r.Tokens), len(r.Offsets), len(r.Special))
			}
			if tt.wantTrunc && n != m.MaxTokens {
				t.Errorf("%d tokens, want the pack's max %d", n, m.MaxTokens)
			}
			for i, tok := range r.Tokens {
				o := r.Offsets[i]
				if r.Special[i] != (tok == "[CLS]" || tok == "[SEP]") {
					t.Errorf("token %q special %v", tok, r.Special[i])
				}
				if r.Special[i] {
					continue
				}
				// Offsets index the rendered text; the lowercased, accent-stripped piece matches the token.
				piece := strings.ToLower(r.Text[o[0]:o[1]])
				piece = strings.NewReplacer("ï", "i", "é", "e").Replace(piece)
				if piece != strings.TrimPrefix(tok, "##") {
					t.Errorf("token %q has offsets %v covering %q", tok, o, r.Text[o[0]:o[1]])
				}
			}
		})
	}
}

func TestTokenizeRejects(t *testing.T) {
	ctx := context.Background()
	s := openReal(t, t.TempDir())
	defer s.Close(ctx)
	inst := "x"
	tests := []struct {
		name  string
		req   TokenizeRequest
		field string
	}{
		{"no inputs", TokenizeRequest{}, "inputs"},
		{"empty input", TokenizeRequest{Inputs: []string{"a", ""}}, "inputs[1]"},
		{"bad utf-8", TokenizeRequest{Inputs: []string{"\xff"}}, "inputs[0]"},
		{"instruction on a document", TokenizeRequest{Inputs: []string{"a"}, Instruction: &inst}, "instruction"},
		{"bad input type", TokenizeRequest{Inputs: []string{"a"}, InputType: "passage"}, "input_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Tokenize(ctx, tt.req)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("err %v, want an InputError on %s", err, tt.field)
			}
		})
	}
	if _, err := s.Tokenize(ctx, TokenizeRequest{Model: "nope", Inputs: []string{"a"}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown model: err %v", err)
	}
}
