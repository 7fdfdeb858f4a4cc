package models

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	root := t.TempDir()
	r := Registry{Root: root}
	if got := r.Dir("BAAI/bge-small-en-v1.5"); got != filepath.Join(root, "BAAI--bge-small-en-v1.5") {
		t.Errorf("Dir = %s", got)
	}
	if list, err := r.List(); err != nil || len(list) != 0 {
		t.Fatalf("empty registry: %v %v", list, err)
	}
	src := exportDir(t, map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":8}`})
	if _, err := Import(src, r.Dir("me/model"), ImportOptions{Name: "me/model"}); err != nil {
		t.Fatal(err)
	}
	if p, err := r.Resolve("me/model"); err != nil || p.Manifest.Name != "me/model" {
		t.Fatalf("resolve by name: %+v %v", p, err)
	}
	if p, err := r.Resolve(r.Dir("me/model")); err != nil || p.Dir != r.Dir("me/model") {
		t.Fatalf("resolve by dir: %+v %v", p, err)
	}
	if _, err := r.Resolve("me/other"); err == nil || !strings.Contains(err.Error(), "instructd model pull me/other") {
		t.Errorf("resolve of a missing pack: %v", err)
	}
	if _, err := r.Resolve("not a name"); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Errorf("resolve of garbage: %v", err)
	}
	list, err := r.List()
	if err != nil || len(list) != 1 || list[0].Manifest.Name != "me/model" || list[0].Err != nil {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestDefaultRegistryEnv(t *testing.T) {
	t.Setenv(EnvModelDir, "/srv/packs")
	r, err := DefaultRegistry()
	if err != nil || r.Root != "/srv/packs" {
		t.Fatalf("%+v %v", r, err)
	}
	t.Setenv(EnvModelDir, "")
	t.Setenv("XDG_CACHE_HOME", "/tmp/cache")
	r, err = DefaultRegistry()
	if err != nil || r.Root != "/tmp/cache/instructd/models" {
		t.Fatalf("%+v %v", r, err)
	}
}
