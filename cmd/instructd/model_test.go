package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/instructd/instructd/models"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestModelCommand(t *testing.T) {
	reg := t.TempDir()
	t.Setenv(models.EnvModelDir, reg)
	model := "not really onnx"
	sum := sha256.Sum256([]byte(model))
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/BAAI/bge-small-en-v1.5/resolve/main/onnx/model.onnx":
			w.Header().Set("X-Linked-Etag", `"`+hex.EncodeToString(sum[:])+`"`)
			w.Write([]byte(model))
		case "/BAAI/bge-small-en-v1.5/resolve/main/tokenizer.json":
			w.Write([]byte("{}"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer hub.Close()
	t.Setenv("HF_ENDPOINT", hub.URL)

	src := t.TempDir()
	writeFiles(t, src, map[string]string{"onnx/model.onnx": "g", "tokenizer.json": "{}", "config.json": `{"hidden_size":16}`})

	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T)
	}{
		{name: "no subcommand", args: nil, wantErr: "usage"},
		{name: "unknown subcommand", args: []string{"push"}, wantErr: "unknown model command"},
		{name: "pull without repo", args: []string{"pull"}, wantErr: "missing Hugging Face repo"},
		{name: "pull bad name", args: []string{"pull", "nope"}, wantErr: "not a Hugging Face repo name"},
		{name: "pull extra args", args: []string{"pull", "a/b", "c"}, wantErr: "unexpected arguments"},
		{
			name: "pull with flags after the repo", args: []string{"pull", "BAAI/bge-small-en-v1.5", "--quiet", "--revision", "main"},
			check: func(t *testing.T) {
				if _, err := models.Load(filepath.Join(reg, "BAAI--bge-small-en-v1.5")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{name: "import bad normalize", args: []string{"import", src, "--normalize", "maybe"}, wantErr: "--normalize"},
		{name: "import bad pooling", args: []string{"import", src, "--pooling", "max"}, wantErr: "unknown pooling"},
		{
			name: "import with overrides", args: []string{"import", "--name", "me/tiny", src, "--pooling", "cls", "--normalize", "false", "--query-template", "q: {query}"},
			check: func(t *testing.T) {
				p, err := models.Load(filepath.Join(reg, "me--tiny"))
				if err != nil {
					t.Fatal(err)
				}
				if m := p.Manifest; m.Pooling != models.PoolingCLS || m.Normalize || m.QueryTemplate != "q: {query}" || m.Dimension != 16 {
					t.Errorf("manifest %+v", m)
				}
			},
		},
		{name: "list", args: []string{"list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runModel(context.Background(), tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
}
