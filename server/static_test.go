package server

import (
	"context"
	"math"
	"testing"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/internal/testenv"
)

// TestStaticPackEndToEnd serves a generated static pack (sentence-transformers layout,
// F16 table, Normalize module) with no ONNX Runtime anywhere: the library path points
// nowhere, so any attempt to load ONNX Runtime would fail the test.
func TestStaticPackEndToEnd(t *testing.T) {
	t.Setenv("INSTRUCTD_ORT_LIB", "/nonexistent/libonnxruntime.so.1")
	ctx := context.Background()
	packDir := testenv.Pack(t, "test-static-st-f16")
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.ModelPacks = []string{packDir}
	cfg.ORTLibrary = ""
	cfg.SnapshotInterval = 0
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open with a static pack and no ONNX Runtime: %v", err)
	}
	defer s.Close(ctx)
	models := s.Models()
	if len(models) != 1 || models[0].ID != "test/static-st-f16" || models[0].Dimension != 32 {
		t.Fatalf("models: %+v", models)
	}

	direct, err := embed.OpenStatic(packDir, embed.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	texts := []string{"a tiger is a large striped cat", "the lazy dog sleeps"}
	want, err := direct.Embed(ctx, texts, embed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Embed(ctx, EmbedRequest{Inputs: texts})
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		for j := range want.Vectors[i] {
			if d := math.Abs(float64(got.Vectors[i][j] - want.Vectors[i][j])); d > 1e-7 {
				t.Fatalf("text %d dim %d: server %v, engine %v", i, j, got.Vectors[i][j], want.Vectors[i][j])
			}
		}
	}
	if got.Tokens != want.Tokens || got.Tokens == 0 {
		t.Errorf("tokens %d, want %d", got.Tokens, want.Tokens)
	}
	short, err := s.Embed(ctx, EmbedRequest{Inputs: texts[:1], Dimensions: 8, InputType: "query"})
	if err != nil || len(short.Vectors[0]) != 8 {
		t.Fatalf("dimensions 8: %+v %v", short, err)
	}

	if _, _, err := s.CreateCollection(ctx, "docs", CollectionSpec{}); err != nil {
		t.Fatal(err)
	}
	docs := []Document{
		{ID: "tiger", Text: texts[0]},
		{ID: "dog", Text: texts[1]},
		{ID: "other", Text: "quarterly revenue grew by four percent"},
		// Only unknown characters: no ids survive, so the vector is all zeros, as in
		// sentence-transformers. It must be stored and searchable without harm.
		{ID: "emoji", Text: "😀😀😀"},
	}
	if res, err := s.Upsert(ctx, "docs", docs); err != nil || res.Upserted != 4 {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	resp, err := s.Search(ctx, "docs", SearchRequest{Query: texts[1], K: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Hits) == 0 || resp.Hits[0].ID != "dog" || resp.Hits[0].Score < 0.999 {
		t.Fatalf("search for a document's own text: %+v", resp.Hits)
	}
	for _, h := range resp.Hits {
		if math.IsNaN(float64(h.Score)) {
			t.Fatalf("hit %s has a NaN score", h.ID)
		}
	}
	if _, err := s.Search(ctx, "docs", SearchRequest{Query: "😀", K: 4}); err != nil {
		t.Fatalf("search with an all-zero query vector: %v", err)
	}
}
