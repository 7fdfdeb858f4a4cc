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

	"github.com/instructd/instructd/internal/testenv"
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
	// The hub serves test-tiny's real graph and tokenizer: pull checks both before it
	// publishes a pack. Its graph is 32 wide, so the repo is one instructd does not know.
	tiny := testenv.Pack(t, "test-tiny")
	model, err := os.ReadFile(filepath.Join(tiny, models.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	tokenizer, err := os.ReadFile(filepath.Join(tiny, models.TokenizerFile))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(model)
	const repo = "someone/tiny-bert"
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/" + repo + "/resolve/main/onnx/model.onnx":
			w.Header().Set("X-Linked-Etag", `"`+hex.EncodeToString(sum[:])+`"`)
			w.Write(model)
		case "/" + repo + "/resolve/main/tokenizer.json":
			w.Write(tokenizer)
		case "/" + repo + "/resolve/main/config.json":
			w.Write([]byte(`{"hidden_size":32,"max_position_embeddings":512}`))
		case "/broken/tokenizer/resolve/main/tokenizer.json":
			w.Write([]byte(`{"model":{"type":"WordLevel","vocab":{}}}`))
		case "/broken/tokenizer/resolve/main/config.json":
			w.Write([]byte(`{"hidden_size":32}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer hub.Close()
	t.Setenv("HF_ENDPOINT", hub.URL)

	src := t.TempDir()
	writeFiles(t, src, map[string]string{"onnx/model_fp16.onnx": string(model), "tokenizer.json": string(tokenizer), "config.json": `{"hidden_size":32}`})

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
			name: "pull with flags after the repo", args: []string{"pull", repo, "--quiet", "--revision", "main", "--variant", "fp32"},
			check: func(t *testing.T) {
				p, err := models.Load(filepath.Join(reg, "someone--tiny-bert"))
				if err != nil {
					t.Fatal(err)
				}
				if p.Manifest.Dimension != 32 || p.Manifest.Variant != models.VariantFP32 {
					t.Errorf("manifest %+v", p.Manifest)
				}
			},
		},
		{name: "pull a variant the repo lacks", args: []string{"pull", repo, "--quiet", "--variant", "q4", "--dir", filepath.Join(reg, "q4")}, wantErr: "no q4 ONNX model"},
		{name: "pull an unsupported tokenizer", args: []string{"pull", "broken/tokenizer", "--quiet"}, wantErr: "cannot use the tokenizer of broken/tokenizer"},
		{name: "import without model file", args: []string{"import", src}, wantErr: "--model-file"},
		{name: "import bad normalize", args: []string{"import", src, "--normalize", "maybe"}, wantErr: "--normalize"},
		{name: "import bad pooling", args: []string{"import", src, "--model-file", "onnx/model_fp16.onnx", "--pooling", "max"}, wantErr: "unknown pooling"},
		{
			name: "import with overrides", args: []string{"import", "--name", "me/tiny", src, "--model-file", "onnx/model_fp16.onnx", "--pooling", "cls", "--normalize", "false", "--query-template", "q: {query}"},
			check: func(t *testing.T) {
				p, err := models.Load(filepath.Join(reg, "me--tiny"))
				if err != nil {
					t.Fatal(err)
				}
				if m := p.Manifest; m.Pooling != models.PoolingCLS || m.Normalize || m.QueryTemplate != "q: {query}" || m.Dimension != 32 || m.ModelFile != "model_fp16.onnx" {
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

// TestInstructionSummary: `model list` says how each known model takes an instruction; an
// LLM reranker takes it in its prompt, a cross-encoder not at all.
func TestInstructionSummary(t *testing.T) {
	for repo, want := range map[string]string{
		"BAAI/bge-small-en-v1.5":                  "template",
		"InF-IR/InF-Embed-style":                  "attention",
		"cross-encoder/ms-marco-MiniLM-L-6-v2":    "none",
		"onnx-community/Qwen3-Reranker-0.6B-ONNX": "prompt",
	} {
		k, ok := models.Known(repo)
		if !ok {
			t.Errorf("%s is not known", repo)
			continue
		}
		if got := instructionSummary(k.Manifest); got != want {
			t.Errorf("%s: %q, want %q", repo, got, want)
		}
	}
}
