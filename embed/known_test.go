package embed

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// TestKnownModelsOnTheirTestPacks runs every known embedder's manifest on the generated
// packs that have its tokenizer type and ONNX signature (KnownModel.TestPacks): each
// pack's graph and tokenizer with the known
// model's templates, pooling, normalisation and append token, with the width, output and
// max tokens the small pack has. A query and a document must embed. A model is listed as
// known only when such a pack exists; the test skips, saying so, only when the generated
// pack is absent.
func TestKnownModelsOnTheirTestPacks(t *testing.T) {
	root := testenv.RepoRoot(t)
	lib := testenv.ORTLibrary(t)
	for _, k := range models.KnownModels() {
		if k.Manifest.KindOrDefault() != models.KindEmbedder {
			continue
		}
		for _, name := range k.TestPacks {
			t.Run(k.Manifest.Name+"/"+name, func(t *testing.T) {
				src := filepath.Join(root, "models", name)
				if _, err := os.Stat(filepath.Join(src, models.ManifestFile)); err != nil {
					t.Skipf("generated pack %s is absent (scripts/setup.sh makes it): %v", name, err)
				}
				checkKnownOnPack(t, k, src, lib)
			})
		}
	}
}

// checkKnownOnPack builds a pack from src's files and k's manifest and embeds with it.
func checkKnownOnPack(t *testing.T, k models.KnownModel, src, lib string) {
	test, err := models.ReadManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := tokenizerModelType(t, models.Pack{Dir: src, Manifest: test}.TokenizerPath()); got != k.Manifest.TokenizerType {
		t.Fatalf("test pack %s has a %s tokenizer, the known model a %s one", src, got, k.Manifest.TokenizerType)
	}
	m := k.Manifest
	m.Dimension, m.OutputName, m.MaxTokens, m.ModelFile = test.Dimension, test.OutputName, test.MaxTokens, test.ModelFile
	m.Semantic, m.Files = false, nil
	m.MatryoshkaDimensions = slices.DeleteFunc(slices.Clone(m.MatryoshkaDimensions), func(d int) bool { return d > m.Dimension })
	if len(m.MatryoshkaDimensions) == 0 {
		m.MatryoshkaDimensions = nil
	}
	dir := packWithManifest(t, src, m)

	ctx := context.Background()
	e, err := OpenModel(ctx, dir, Config{LibraryPath: lib, IntraOpThreads: 1, InferenceWorkers: 1})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	}()
	query, err := e.Embed(ctx, []string{"what do foxes eat?"}, Options{Type: Query, Wait: true})
	if err != nil {
		t.Fatalf("embed a query: %v", err)
	}
	doc, err := e.Embed(ctx, []string{"Foxes eat rodents, birds and berries."}, Options{Type: Document, Wait: true})
	if err != nil {
		t.Fatalf("embed a document: %v", err)
	}
	for what, v := range map[string][]float32{"query": query.Vectors[0], "document": doc.Vectors[0]} {
		if len(v) != m.Dimension {
			t.Fatalf("%s vector has %d components, want %d", what, len(v), m.Dimension)
		}
		var ss float64
		for _, f := range v {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				t.Fatalf("%s vector holds %v", what, f)
			}
			ss += float64(f) * float64(f)
		}
		if m.Normalize && math.Abs(ss-1) > 1e-3 {
			t.Errorf("%s vector has norm² %v, want 1", what, ss)
		}
	}
	if slices.Equal(query.Vectors[0], doc.Vectors[0]) {
		t.Error("query and document embed to the same vector")
	}
	if m.AppendToken != "" {
		full, ok := e.Tokenizer().(FullTokenizer)
		if !ok {
			t.Fatal("append_token needs a FullTokenizer")
		}
		id, ok := full.TokenToID(m.AppendToken)
		if !ok {
			t.Fatalf("append_token %q is not in the test pack's vocabulary", m.AppendToken)
		}
		enc, err := full.Encode(RenderQuery(m.QueryTemplate, m.DefaultInstruction, "what do foxes eat?"))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(enc.IDs); n == 0 || enc.IDs[n-1] != id {
			t.Errorf("encoded query does not end with append_token %q (ids %v)", m.AppendToken, enc.IDs)
		}
	}
}

// packWithManifest returns a temporary pack directory holding src's files (symlinked) with
// manifest m, and checks that it loads and that pull would accept its graph (if any) under m.
func packWithManifest(t *testing.T, src string, m models.Manifest) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == models.ManifestFile {
			continue
		}
		target, err := filepath.Abs(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, models.ManifestFile), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	pack, err := models.Load(dir)
	if err != nil {
		t.Fatalf("the known manifest on %s does not load: %v", src, err)
	}
	if m.RuntimeOrDefault() != models.RuntimeONNX {
		return dir // no graph: a static pack is a token-vector table
	}
	g, err := models.ReadGraph(pack.ModelPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := models.CheckGraph(g, m); err != nil {
		t.Fatalf("pull would refuse the test pack's graph under the known manifest: %v", err)
	}
	return dir
}

// tokenizerModelType returns tokenizer.json's model.type (WordPiece, BPE, Unigram).
func tokenizerModelType(t *testing.T, path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Model struct {
			Type string `json:"type"`
		} `json:"model"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Model.Type
}
