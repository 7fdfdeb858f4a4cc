package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
)

// newRealEnv serves the router over a real *server.Server with the test-tiny pack on
// backend b.
func newRealEnv(t *testing.T, b backendKind, opts Options) (*testEnv, *server.Server) {
	t.Helper()
	cfg := realConfig(t, b, "test-tiny")
	cfg.Limits.MaxLineBytes = 400
	return serveReal(t, cfg, opts)
}

// TestRealServer runs the API against the real server: every endpoint, and bad input
// that must leave what was stored intact.
func TestRealServer(t *testing.T) { forEachBackend(t, testRealServer) }

func testRealServer(t *testing.T, b backendKind) {
	e, s := newRealEnv(t, b, Options{IngestBatchDocs: 3})
	ctx := context.Background()
	dim := s.Models()[0].Dimension

	e.expect(e.do("GET", "/healthz", ""), http.StatusOK, "healthz")
	e.expect(e.do("GET", "/readyz", ""), http.StatusOK, "readyz")
	e.expect(e.do("PUT", "/v1/collections/c", ""), http.StatusCreated, "create")
	e.expect(e.do("PUT", "/v1/collections/c", "{}"), http.StatusOK, "create again")
	e.expect(e.do("PUT", "/v1/collections/c", `{"metric":"dot"}`), http.StatusConflict, "conflict")
	e.expect(e.do("PUT", "/v1/collections/..%2Fx", ""), http.StatusBadRequest, "bad name")
	e.expect(e.do("GET", "/v1/collections/nope", ""), http.StatusNotFound, "unknown")
	e.expect(e.do("DELETE", "/v1/collections/c", ""), http.StatusNoContent, "delete")

	t.Run("ndjson", func(t *testing.T) { checkBadLines(t, e, true, dim, true) })
	e.intact(7, "after NDJSON")

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"empty query", "POST", "/v1/collections/c/search", `{"query":"  "}`, 400},
		{"k zero", "POST", "/v1/collections/c/search", `{"query":"x","k":0}`, 400},
		{"k above max", "POST", "/v1/collections/c/search", `{"query":"x","k":100000}`, 400},
		{"malformed filter", "POST", "/v1/collections/c/search", `{"query":"x","filter":{"$bogus":1}}`, 400},
		{"filter wrong type", "POST", "/v1/collections/c/search", `{"query":"x","filter":"lang"}`, 400},
		{"wrong dimension", "POST", "/v1/collections/c/search", `{"vector":[1,2]}`, 400},
		{"invalid UTF-8", "POST", "/v1/collections/c/search", "{\"query\":\"\xff\"}", 400},
		{"malformed JSON", "POST", "/v1/collections/c/documents", `{"documents":[{"id":`, 400},
		{"upsert wrong dimension", "POST", "/v1/collections/c/documents", `{"documents":[{"id":"x","vector":[1]}]}`, 400},
		{"upsert huge number", "POST", "/v1/collections/c/documents", `{"documents":[{"id":"x","vector":[1e400]}]}`, 400},
		{"unknown model", "POST", "/v1/embeddings", `{"input":"x","model":"nope"}`, 404},
		{"token ids", "POST", "/v1/embeddings", `{"input":[[1,2]]}`, 400},
		{"unknown collection", "POST", "/v1/collections/nope/search", `{"query":"x"}`, 404},
		{"unknown document", "GET", "/v1/collections/c/documents/nope", "", 404},
	} {
		e.expect(e.do(tc.method, tc.path, tc.body), tc.status, tc.name)
		e.intact(7, tc.name)
	}

	res, err := e.cl.Search(ctx, "c", server.SearchRequest{Query: "alpha beta", K: 3, Include: []string{"text"}})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search: %+v %v", res, err)
	}
	doc, err := e.cl.GetDocument(ctx, "c", "zürich ☃")
	if err != nil || len(doc.Vector) != dim {
		t.Fatalf("get: %+v %v", doc, err)
	}
	res, err = e.cl.Search(ctx, "c", server.SearchRequest{Vector: doc.Vector, K: 1})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != "zürich ☃" {
		t.Fatalf("search by own vector: %+v %v", res, err)
	}
	batch, err := e.cl.SearchBatch(ctx, "c", []server.SearchRequest{{Query: "city"}, {Query: "beir", Mode: "lexical"}})
	if err != nil || len(batch) != 2 {
		t.Fatalf("batch: %+v %v", batch, err)
	}
	emb, err := e.cl.Embed(ctx, client.EmbedRequest{Input: []string{"a", "b"}, InputType: "query"})
	if err != nil || len(emb.Vectors) != 2 || len(emb.Vectors[0]) != dim || emb.PromptTokens == 0 {
		t.Fatalf("embed: %+v %v", emb, err)
	}
	models, err := e.cl.Models(ctx)
	if err != nil || len(models) != 1 || models[0].Semantic {
		t.Fatalf("models: %+v %v", models, err)
	}
	m := e.do("GET", "/metrics", "")
	for _, want := range []string{"instructd_http_request_duration_seconds", `instructd_collection_documents{collection="c"} 7`} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if err := e.cl.DeleteDocument(ctx, "c", "a/b"); err != nil {
		t.Fatal(err)
	}
	if err := e.cl.DeleteCollection(ctx, "c"); err != nil {
		t.Fatal(err)
	}
}
