package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
)

// TestRealServerTruncationTokensNormalisation checks, against the real server and the
// test-tiny pack (max_tokens 128, normalize true), the rules the fake service only
// imitates: which documents are reported truncated, the token counts of
// /v1/embeddings (the pack's tokenizer, special tokens included) and unit-length
// vectors.
func TestRealServerTruncationTokensNormalisation(t *testing.T) {
	forEachBackend(t, testRealServerTruncationTokensNormalisation)
}

func testRealServerTruncationTokensNormalisation(t *testing.T, b backendKind) {
	e, _ := newRealEnv(t, b, Options{})
	e.expect(e.do("PUT", "/v1/collections/c", ""), http.StatusCreated, "create")
	long := strings.Repeat("word ", 300) // ~300 tokens: past max_tokens 128
	r := e.do("POST", "/v1/collections/c/documents", `{"documents":[{"id":"long","text":"`+long+`"},{"id":"short","text":"a short text"}]}`)
	e.expect(r, http.StatusOK, "upsert")
	var up struct {
		Upserted  int      `json:"upserted"`
		Truncated []string `json:"truncated"`
	}
	if err := json.Unmarshal([]byte(r.body), &up); err != nil {
		t.Fatal(err)
	}
	if up.Upserted != 2 || len(up.Truncated) != 1 || up.Truncated[0] != "long" {
		t.Fatalf("upsert answer %s: want only \"long\" truncated", r.body)
	}

	r = e.do("POST", "/v1/embeddings", `{"input":["hello world","bye"]}`)
	e.expect(r, http.StatusOK, "embeddings")
	var out struct {
		Data []struct {
			Embedding []float64 `json:"embedding"`
		} `json:"data"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	// BERT WordPiece: [CLS] hello world [SEP] and [CLS] bye [SEP].
	if out.Usage.PromptTokens != 7 || out.Usage.TotalTokens != 7 {
		t.Errorf("usage %+v, want 7 tokens (4 + 3 with special tokens)", out.Usage)
	}
	// Queries go through the query cache: the second identical call is served from it and
	// must report the same usage (OpenAI-compatible clients bill by it).
	for round := range 2 {
		r = e.do("POST", "/v1/embeddings", `{"input":["hello world","bye"],"input_type":"query","instruction":""}`)
		e.expect(r, http.StatusOK, "query embeddings")
		var q struct {
			Usage struct {
				PromptTokens int `json:"prompt_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(r.body), &q); err != nil {
			t.Fatal(err)
		}
		if q.Usage.PromptTokens != 7 {
			t.Errorf("query round %d (cache hit: %v): usage %d, want 7", round, round == 1, q.Usage.PromptTokens)
		}
	}
	for i, d := range out.Data {
		var n float64
		for _, f := range d.Embedding {
			n += f * f
		}
		if math.Abs(math.Sqrt(n)-1) > 1e-3 {
			t.Errorf("embedding %d has norm %.4f, want 1 (the pack normalises)", i, math.Sqrt(n))
		}
	}
}
