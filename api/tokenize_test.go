package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/instructd/instructd/server"
)

// Tokenize is not faked: the tests below run the real server (a fake would only answer
// with rules it invented).
func (f *fakeService) Tokenize(ctx context.Context, req server.TokenizeRequest) (server.TokenizeResponse, error) {
	return server.TokenizeResponse{}, server.ErrUnavailable
}

func TestTokenizeRealServer(t *testing.T) { forEachBackend(t, testTokenizeRealServer) }

func testTokenizeRealServer(t *testing.T, b backendKind) {
	e, s := newRealEnv(t, b, Options{})
	m := s.Models()[0]
	decode := func(r response) tokenizeResponse {
		t.Helper()
		var out tokenizeResponse
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
		return out
	}

	r := e.do("POST", "/v1/tokenize", `{"inputs":"Hello World","input_type":"query"}`)
	e.expect(r, http.StatusOK, "query")
	out := decode(r)
	if out.Model != m.ID || len(out.Data) != 1 {
		t.Fatalf("response %s", r.body)
	}
	d := out.Data[0]
	if d.Text != m.DefaultInstruction+"\nHello World" || d.Count != len(d.IDs) || d.Count != len(d.Tokens) || d.Truncated {
		t.Errorf("query item %+v", d)
	}
	if d.Tokens[0] != "[CLS]" || d.Tokens[d.Count-1] != "[SEP]" || d.SpecialTokensMask[0] != 1 || d.SpecialTokensMask[1] != 0 {
		t.Errorf("special tokens: %q mask %v", d.Tokens, d.SpecialTokensMask)
	}
	if last := d.Offsets[d.Count-2]; d.Text[last[0]:last[1]] != "World" {
		t.Errorf("offsets %v do not index the rendered text %q", d.Offsets, d.Text)
	}

	r = e.do("POST", "/v1/tokenize", `{"inputs":["Hello World","a b"],"add_special_tokens":false,"model":"`+m.ID+`"}`)
	e.expect(r, http.StatusOK, "documents without special tokens")
	out = decode(r)
	if len(out.Data) != 2 || !slices.Equal(out.Data[0].Tokens, []string{"hello", "world"}) || out.Data[1].Index != 1 ||
		!slices.Equal(out.Data[1].SpecialTokensMask, []int{0, 0}) {
		t.Errorf("response %s", r.body)
	}

	r = e.do("POST", "/v1/tokenize", `{"inputs":"`+strings.Repeat("word ", 300)+`"}`)
	e.expect(r, http.StatusOK, "long")
	if d := decode(r).Data[0]; !d.Truncated || d.Count != m.MaxTokens {
		t.Errorf("long input: truncated %v, %d tokens (max %d)", d.Truncated, d.Count, m.MaxTokens)
	}

	bad := []struct {
		name, body string
		status     int
		field      string
	}{
		{"no inputs", `{}`, http.StatusBadRequest, "inputs"},
		{"number", `{"inputs":3}`, http.StatusBadRequest, "inputs"},
		{"mixed array", `{"inputs":["a",1]}`, http.StatusBadRequest, "inputs"},
		{"empty array", `{"inputs":[]}`, http.StatusBadRequest, "inputs"},
		{"empty text", `{"inputs":["a",""]}`, http.StatusBadRequest, "inputs[1]"},
		{"bad input type", `{"inputs":"a","input_type":"passage"}`, http.StatusBadRequest, "input_type"},
		{"instruction on a document", `{"inputs":"a","instruction":"x"}`, http.StatusBadRequest, "instruction"},
		{"unknown field", `{"inputs":"a","truncate":true}`, http.StatusBadRequest, "truncate"},
		{"unknown model", `{"inputs":"a","model":"nope"}`, http.StatusNotFound, "model"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/v1/tokenize", tt.body)
			e.expect(r, tt.status, tt.name)
			var b errorBody
			_ = json.Unmarshal([]byte(r.body), &b)
			if b.Error.Field != tt.field {
				t.Errorf("field %q, want %q (%s)", b.Error.Field, tt.field, r.body)
			}
		})
	}
}
