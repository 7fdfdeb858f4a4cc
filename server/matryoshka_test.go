package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// matryoshkaPack copies test-tiny (dimension 32) with matryoshka_dimensions [8, 16].
func matryoshkaPack(t *testing.T) string {
	t.Helper()
	src := testenv.Pack(t, "test-tiny")
	dst := t.TempDir()
	for _, f := range []string{"model.onnx", "tokenizer.json"} {
		if err := os.Symlink(filepath.Join(src, f), filepath.Join(dst, f)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := models.ReadManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	m.Name, m.MatryoshkaDimensions = "instructd/test-tiny-matryoshka", []int{8, 16}
	raw, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dst, models.ManifestFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestMatryoshkaCollectionsAndEmbeddings: a model collection may take one of the model's
// matryoshka_dimensions (documents and queries are embedded at that length), not another
// length; /v1/embeddings' dimensions follows the same list.
func TestMatryoshkaCollectionsAndEmbeddings(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.ModelPacks = []string{matryoshkaPack(t)}
	cfg.ORTLibrary = testenv.ORTLibrary(t)
	cfg.Threads = 1
	cfg.SnapshotInterval = 0
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)

	if _, _, err := s.CreateCollection(ctx, "short", CollectionSpec{Model: "instructd/test-tiny-matryoshka", Dimension: 16}); err != nil {
		t.Fatal(err)
	}
	var ie *InputError
	if _, _, err := s.CreateCollection(ctx, "odd", CollectionSpec{Model: "instructd/test-tiny-matryoshka", Dimension: 12}); !errors.As(err, &ie) || ie.Field != "dimension" || !strings.Contains(err.Error(), "[8 16]") {
		t.Fatalf("dimension 12: %v, want an InputError on dimension naming [8 16]", err)
	}
	if _, err := s.Upsert(ctx, "short", []Document{{ID: "fox", Text: "the quick brown fox"}, {ID: "dog", Text: "a lazy dog"}}); err != nil {
		t.Fatal(err)
	}
	fox, err := s.GetDocument(ctx, "short", "fox")
	if err != nil || len(fox.Vector) != 16 {
		t.Fatalf("document vector: %d dims, %v", len(fox.Vector), err)
	}
	resp, err := s.Search(ctx, "short", SearchRequest{Query: "quick brown fox", K: 2})
	if err != nil || len(resp.Hits) != 2 {
		t.Fatalf("search: %+v %v", resp, err)
	}

	full, err := s.Embed(ctx, EmbedRequest{Inputs: []string{"the quick brown fox"}})
	if err != nil {
		t.Fatal(err)
	}
	cut, err := s.Embed(ctx, EmbedRequest{Inputs: []string{"the quick brown fox"}, Dimensions: 16})
	if err != nil || len(cut.Vectors[0]) != 16 {
		t.Fatalf("dimensions 16: %v", err)
	}
	// The stored document vector is the full vector's prefix, re-normalised.
	for i, v := range cut.Vectors[0] {
		if d := v - fox.Vector[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("component %d: embeddings %g, stored %g", i, v, fox.Vector[i])
		}
	}
	if len(full.Vectors[0]) != 32 {
		t.Fatalf("full vector has %d dims", len(full.Vectors[0]))
	}
	if _, err := s.Embed(ctx, EmbedRequest{Inputs: []string{"a"}, Dimensions: 12}); !errors.As(err, &ie) || ie.Field != "dimensions" {
		t.Fatalf("dimensions 12: %v, want an InputError on dimensions", err)
	}
}
