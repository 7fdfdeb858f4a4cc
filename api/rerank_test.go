package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/wire"
)

// Rerank is the fake service's reranker: it has none.
func (f *fakeService) Rerank(ctx context.Context, req server.RerankRequest) (server.RerankResponse, error) {
	return server.RerankResponse{}, fmt.Errorf("fake: no reranker: %w", server.ErrNotFound)
}

// newRerankEnv serves the router over a real server with test-tiny and test-reranker
// on backend b.
func newRerankEnv(t *testing.T, b backendKind) *testEnv {
	t.Helper()
	e, _ := serveReal(t, realConfig(t, b, "test-tiny", "test-reranker"), Options{})
	return e
}

// TestRerankAPI: POST /v1/rerank over the real test reranker, through raw HTTP (the
// shapes Cohere, Jina and TEI clients send) and the Go client; 400s and 404s; the rerank
// stage of a search; GET /v1/models reports kinds.
func TestRerankAPI(t *testing.T) { forEachBackend(t, testRerankAPI) }

func testRerankAPI(t *testing.T, b backendKind) {
	e := newRerankEnv(t, b)
	ctx := context.Background()
	body := `{"query":"boiling point of water","documents":["foxes eat berries",{"text":"water boils at lower temperatures at altitude"},"owls hunt at night"],"top_n":2,"return_documents":true}`
	r := e.do("POST", "/v1/rerank", body)
	e.expect(r, http.StatusOK, "rerank")
	var res wire.RerankResponse
	if err := json.Unmarshal([]byte(r.body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Model != "instructd/test-reranker" || len(res.Results) != 2 || res.Results[0].Document == nil || res.Usage.TotalTokens == 0 ||
		res.Results[0].RelevanceScore < res.Results[1].RelevanceScore {
		t.Fatalf("rerank: %s", r.body)
	}
	// The client, with texts (TEI's field), agrees with the raw call.
	cres, err := e.cl.Rerank(ctx, wire.RerankRequest{Model: "instructd/test-reranker", Query: "boiling point of water",
		Texts: []string{"foxes eat berries", "water boils at lower temperatures at altitude", "owls hunt at night"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cres.Results) != 3 || cres.Results[0].Index != res.Results[0].Index || cres.Results[0].RelevanceScore != res.Results[0].RelevanceScore {
		t.Fatalf("client: %+v vs %+v", cres, res)
	}
	for _, tc := range []struct{ body, code string }{
		{`{"query":"q"}`, "invalid_input"},
		{`{"documents":["a"]}`, "invalid_input"},
		{`{"query":"q","documents":[1]}`, "invalid_json"},
		{`{"query":"q","documents":[{"txt":"a"}]}`, "invalid_input"},
		{`{"query":"q","documents":["a"],"texts":["b"]}`, "invalid_input"},
		{`{"query":"q","documents":[""]}`, "invalid_input"},
		{`{"query":"q","documents":["a"],"top_n":-1}`, "invalid_input"},
		{`{"query":"q","documents":["a"],"rank_fields":["x"]}`, "invalid_input"},
	} {
		r := e.do("POST", "/v1/rerank", tc.body)
		e.expect(r, http.StatusBadRequest, tc.body)
		if r.errorCode() != tc.code {
			t.Errorf("%s: code %q, want %q (%s)", tc.body, r.errorCode(), tc.code, r.body)
		}
	}
	e.expect(e.do("POST", "/v1/rerank", `{"model":"nope","query":"q","documents":["a"]}`), http.StatusNotFound, "unknown model")
	e.expect(e.do("POST", "/v1/rerank", `{"model":"instructd/test-tiny","query":"q","documents":["a"]}`), http.StatusNotFound, "an embedder")
	var apiErr *client.Error
	if _, err := e.cl.Rerank(ctx, wire.RerankRequest{Model: "nope", Query: "q", Texts: []string{"a"}}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("client, unknown model: %v", err)
	}

	// The search stage over the real reranker: hits come back in its order with its scores.
	if _, _, err := e.cl.CreateCollection(ctx, "c", server.CollectionSpec{}); err != nil {
		t.Fatal(err)
	}
	docs := []server.Document{{ID: "fox", Text: "foxes eat berries"}, {ID: "water", Text: "water boils at lower temperatures at altitude"},
		{ID: "owl", Text: "owls hunt at night"}}
	if _, err := e.cl.Upsert(ctx, "c", docs); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"dense", "lexical", "hybrid"} {
		sr, err := e.cl.Search(ctx, "c", wire.SearchRequest{Query: "boiling point of water at night", Mode: mode, K: 2,
			Rerank: &wire.RerankStage{Model: "instructd/test-reranker", Candidates: 3}})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if len(sr.Hits) == 0 || sr.Timings.RerankMillis <= 0 {
			t.Fatalf("%s: %+v", mode, sr)
		}
		texts := make([]string, len(sr.Hits))
		for i, h := range sr.Hits {
			texts[i] = h.Text
		}
		rr, err := e.cl.Rerank(ctx, wire.RerankRequest{Query: "boiling point of water at night", Texts: texts})
		if err != nil {
			t.Fatal(err)
		}
		for i, res := range rr.Results {
			if res.Index != i || float32(res.RelevanceScore) != sr.Hits[i].Score {
				t.Errorf("%s: hit %d (%s, %v) disagrees with /v1/rerank %+v", mode, i, sr.Hits[i].ID, sr.Hits[i].Score, res)
			}
		}
	}
	r = e.do("POST", "/v1/collections/c/search", `{"query":"x","rerank":{"model":"nope"}}`)
	e.expect(r, http.StatusBadRequest, "unknown reranker in search")

	r = e.do("GET", "/v1/models", "")
	e.expect(r, http.StatusOK, "models")
	var ml struct {
		Data []wire.ModelInfo `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &ml); err != nil || len(ml.Data) != 2 || ml.Data[0].Kind != "embedder" || ml.Data[1].Kind != "reranker" {
		t.Fatalf("models: %s", r.body)
	}
}
