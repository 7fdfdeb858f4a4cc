// Package testenv finds what scripts/setup.sh generates (ONNX Runtime, test model
// packs, the WordNet corpus) so that tests in any package can use it. A missing
// artefact fails the test with a pointer to `make setup`: tests never skip silently.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory holding go.mod, found by walking up from the working directory.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

func mustExist(tb testing.TB, path string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("testenv: %s is missing (run `make setup`): %v", path, err)
	}
	return path
}

// ORTLibrary returns the ONNX Runtime shared library: $INSTRUCTD_ORT_LIB, else the one setup fetched.
func ORTLibrary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("INSTRUCTD_ORT_LIB"); p != "" {
		return mustExist(tb, p)
	}
	return mustExist(tb, filepath.Join(RepoRoot(tb), ".deps", "onnxruntime", "libonnxruntime.so.1"))
}

// Pack returns the directory of a generated test model pack: "test-minilm" (MiniLM-shaped,
// 6 layers, 384 dims) or "test-tiny" (a small pack for fast unit tests).
func Pack(tb testing.TB, name string) string {
	tb.Helper()
	return mustExist(tb, filepath.Join(RepoRoot(tb), "models", name))
}

// WordNetCorpus returns the generated WordNet gloss corpus (BEIR corpus.jsonl layout).
func WordNetCorpus(tb testing.TB) string {
	tb.Helper()
	return mustExist(tb, filepath.Join(RepoRoot(tb), "testdata", "generated", "wordnet.jsonl"))
}
