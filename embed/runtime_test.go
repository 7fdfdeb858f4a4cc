package embed

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
)

func TestRuntimeRefcountAndSharing(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	rt, err := OpenRuntime(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if rt.Version() == "" {
		t.Error("empty ONNX Runtime version")
	}
	// A second handle shares the environment; a different explicit library is refused.
	rt2, err := OpenRuntime("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRuntime(filepath.Join(t.TempDir(), "other.so")); err == nil {
		t.Error("a different library path while loaded: want an error")
	}
	if err := rt2.Close(); err != nil {
		t.Fatal(err)
	}
	rt2.Close() // a second Close is a no-op and must not drop rt's reference

	// Two packs in one process: one shared runtime, and one Embedder that opens its own handle.
	ctx := context.Background()
	tiny, err := Open(ctx, testenv.Pack(t, "test-tiny"), Config{Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	minilm, err := Open(ctx, testenv.Pack(t, "test-minilm"), Config{LibraryPath: lib})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*Embedder{tiny, minilm} {
		res, err := e.Embed(ctx, []string{"two packs, one process"}, Options{Type: Query})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Vectors[0]) != e.Manifest().Dimension {
			t.Fatalf("%s: %d dims, want %d", e.Manifest().Name, len(res.Vectors[0]), e.Manifest().Dimension)
		}
	}
	if err := minilm.Close(); err != nil {
		t.Fatal(err)
	}
	// tiny still works: minilm's Close dropped only its own reference.
	if _, err := tiny.Embed(ctx, []string{"still alive"}, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := tiny.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestResolveLibrary(t *testing.T) {
	if got := ResolveLibrary("/x/lib.so"); got != "/x/lib.so" {
		t.Errorf("explicit path: got %s", got)
	}
	t.Setenv(ORTLibraryEnv, "/from/env.so")
	if got := ResolveLibrary(""); got != "/from/env.so" {
		t.Errorf("env: got %s", got)
	}
	t.Setenv(ORTLibraryEnv, "")
	got := ResolveLibrary("")
	if _, err := os.Stat(got); err != nil {
		t.Errorf("default search found %s, which does not exist: %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, t.TempDir(), Config{LibraryPath: testenv.ORTLibrary(t)}); err == nil {
		t.Error("not a pack: want an error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Open(cancelled, testenv.Pack(t, "test-tiny"), Config{LibraryPath: testenv.ORTLibrary(t)}); err == nil {
		t.Error("cancelled context: want an error")
	}
	rt, err := OpenRuntime(testenv.ORTLibrary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := NewSession(rt, filepath.Join(testenv.Pack(t, "test-tiny"), "model.onnx"), SessionOptions{OutputName: "pooler_output"}); err == nil {
		t.Error("missing output: want an error")
	}
	if _, err := NewSession(rt, filepath.Join(t.TempDir(), "none.onnx"), SessionOptions{}); err == nil {
		t.Error("missing model file: want an error")
	}
}
