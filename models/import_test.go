package models

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testGraph is an ONNX graph with BERT's signature and a symbolic width; externalGraph
// also keeps its weights in model.onnx_data.
var (
	testGraph     = string(fakeONNX(bertGraph(0)))
	externalGraph = string(fakeONNX(fakeGraph{inputs: []string{"input_ids", "attention_mask"}, output: "last_hidden_state",
		external: []string{"model.onnx_data"}}))
)

// exportDir writes a fake optimum export: files maps relative paths to contents.
func exportDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "my-export")
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestImport(t *testing.T) {
	no := false
	tests := []struct {
		name    string
		files   map[string]string
		opts    ImportOptions
		check   func(t *testing.T, p Pack)
		wantErr string
	}{
		{
			name:  "optimum layout with config",
			files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":64,"max_position_embeddings":512}`},
			check: func(t *testing.T, p Pack) {
				m := p.Manifest
				if m.Name != "local/my-export" || m.Dimension != 64 || m.Pooling != PoolingMean || len(m.Files) != 3 {
					t.Errorf("manifest %+v", m)
				}
				if !strings.HasPrefix(m.Source, "import:/") {
					t.Errorf("source %q", m.Source)
				}
			},
		},
		{
			name:  "onnx subdirectory with external data",
			files: map[string]string{"onnx/model.onnx": externalGraph, "onnx/model.onnx_data": "weights", "tokenizer.json": "{}", "config.json": `{"hidden_size":32}`},
			check: func(t *testing.T, p Pack) {
				if got := mustRead(t, filepath.Join(p.Dir, "model.onnx_data")); string(got) != "weights" {
					t.Errorf("external data %q", got)
				}
				if p.Manifest.Files["model.onnx_data"] != sha([]byte("weights")) {
					t.Errorf("files %v", p.Manifest.Files)
				}
			},
		},
		{
			name:  "overrides",
			files: map[string]string{"model.onnx": string(fakeONNX(fakeGraph{inputs: []string{"input_ids", "attention_mask"}, output: "hidden"})), "tokenizer.json": "{}"},
			opts: ImportOptions{Name: "me/custom", Dimension: 100, MaxTokens: 64, Pooling: PoolingLast, QueryTemplate: "Q: {instruction} | {query}",
				DocumentTemplate: "D: {document}", DefaultInstruction: "find it", InstructionMode: InstructionAttention, Normalize: &no, OutputName: "hidden"},
			check: func(t *testing.T, p Pack) {
				m := p.Manifest
				if m.Name != "me/custom" || m.Dimension != 100 || m.MaxTokens != 64 || m.Pooling != PoolingLast || m.QueryTemplate != "Q: {instruction} | {query}" ||
					m.DocumentTemplate != "D: {document}" || m.DefaultInstruction != "find it" || m.InstructionMode != InstructionAttention || m.Normalize || m.OutputName != "hidden" {
					t.Errorf("manifest %+v", m)
				}
			},
		},
		{
			name:  "like a preset takes the dimension from config.json",
			files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":384}`},
			opts:  ImportOptions{Like: "InF-IR/InF-Embed-style", Name: "me/inf-embed-minilm"},
			check: func(t *testing.T, p Pack) {
				m := p.Manifest
				if m.Dimension != 384 || m.InstructionMode != InstructionAttention || m.QueryTemplate != "{query} {instruction}" || m.Name != "me/inf-embed-minilm" {
					t.Errorf("manifest %+v", m)
				}
			},
		},
		{
			name:  "known name",
			files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}"},
			opts:  ImportOptions{Name: "BAAI/bge-small-en-v1.5"},
			check: func(t *testing.T, p Pack) {
				if p.Manifest.Pooling != PoolingCLS || p.Manifest.Dimension != 384 {
					t.Errorf("manifest %+v", p.Manifest)
				}
			},
		},
		{
			name: "source manifest",
			files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}",
				"instructd.json": `{"name":"x/y","dimension":8,"max_tokens":16,"pooling":"cls","output_name":"last_hidden_state","query_template":"{query}","document_template":"{document}","files":{"model.onnx":"` + strings.Repeat("0", 64) + `"}}`},
			check: func(t *testing.T, p Pack) {
				if p.Manifest.Name != "x/y" || p.Manifest.Dimension != 8 || p.Manifest.Files[ModelFile] != sha([]byte(testGraph)) {
					t.Errorf("manifest %+v", p.Manifest)
				}
			},
		},
		{name: "missing tokenizer", files: map[string]string{"model.onnx": testGraph, "config.json": `{"hidden_size":8}`}, wantErr: "no tokenizer.json"},
		{name: "missing model", files: map[string]string{"tokenizer.json": "{}"}, wantErr: "no model.onnx"},
		{name: "unknown dimension", files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}"}, wantErr: "dimension"},
		{name: "bad pooling", files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":8}`},
			opts: ImportOptions{Pooling: "max"}, wantErr: "unknown pooling"},
		{name: "bad template", files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":8}`},
			opts: ImportOptions{QueryTemplate: "{instruction}"}, wantErr: "lacks {query}"},
		{name: "unknown preset", files: map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}"},
			opts: ImportOptions{Like: "nobody/nothing"}, wantErr: "unknown preset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := exportDir(t, tt.files)
			out := t.TempDir()
			dest := filepath.Join(out, "pack")
			_, err := Import(src, dest, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if entries, _ := os.ReadDir(out); len(entries) != 0 {
					t.Errorf("failed import left %v", entries)
				}
				return
			}
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			loaded, err := Load(dest)
			if err != nil {
				t.Fatalf("load imported pack: %v", err)
			}
			if !bytes.Equal(mustRead(t, loaded.ModelPath()), []byte(tt.files[firstKey(tt.files, "model.onnx", "onnx/model.onnx")])) {
				t.Error("model bytes differ")
			}
			tt.check(t, loaded)
		})
	}
}

func firstKey(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return k
		}
	}
	return ""
}

func TestImportRefusesExistingDest(t *testing.T) {
	src := exportDir(t, map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":8}`})
	dest := t.TempDir()
	if _, err := Import(src, dest, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err %v", err)
	}
	if _, err := Import(filepath.Join(src, "nope"), filepath.Join(dest, "x"), ImportOptions{}); err == nil {
		t.Fatal("import of a missing directory succeeded")
	}
}

func TestLoadErrors(t *testing.T) {
	src := exportDir(t, map[string]string{"model.onnx": testGraph, "tokenizer.json": "{}", "config.json": `{"hidden_size":8}`})
	tests := []struct {
		name   string
		damage func(dir string) error
		want   string
	}{
		{"intact", func(string) error { return nil }, ""},
		{"corrupt model", func(d string) error { return os.WriteFile(filepath.Join(d, "model.onnx"), []byte("G"), 0o644) }, "checksum mismatch for model.onnx"},
		{"missing tokenizer", func(d string) error { return os.Remove(filepath.Join(d, "tokenizer.json")) }, "missing tokenizer.json"},
		{"missing listed file", func(d string) error { return os.Remove(filepath.Join(d, "config.json")) }, "verify config.json"},
		{"no manifest", func(d string) error { return os.Remove(filepath.Join(d, ManifestFile)) }, "not a model pack"},
		{"broken manifest", func(d string) error { return os.WriteFile(filepath.Join(d, ManifestFile), []byte("{"), 0o644) }, "parse instructd.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "pack")
			if _, err := Import(src, dest, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := tt.damage(dest); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dest)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if err != nil && errors.Unwrap(err) == nil && !strings.HasPrefix(err.Error(), "models: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestImportModelFile(t *testing.T) {
	fp16 := bertGraph(0)
	fp16.external = []string{"model_fp16.onnx_data", "model_fp16.onnx_data_1"}
	withInput := bertGraph(0)
	withInput.inputs = append(withInput.inputs, "pixel_values")
	base := map[string]string{
		"onnx/model_fp16.onnx":        string(fakeONNX(fp16)),
		"onnx/model_fp16.onnx_data":   "half weights",
		"onnx/model_fp16.onnx_data_1": "more half weights",
		"onnx/vision.onnx":            string(fakeONNX(withInput)),
		"tokenizer.json":              "{}",
		"config.json":                 `{"hidden_size":8}`,
	}
	tests := []struct {
		name      string
		modelFile string
		drop      string
		checkTok  func(string) error
		wantErr   string
	}{
		{name: "fp16 graph with two data files", modelFile: "onnx/model_fp16.onnx"},
		{name: "missing data file", modelFile: "onnx/model_fp16.onnx", drop: "onnx/model_fp16.onnx_data_1", wantErr: "model_fp16.onnx_data_1, which is missing"},
		{name: "unsupported input", modelFile: "onnx/vision.onnx", wantErr: `unsupported model input "pixel_values"`},
		{name: "not onnx", modelFile: "config.json", wantErr: "must be a relative *.onnx path"},
		{name: "outside", modelFile: "../x.onnx", wantErr: "must be a relative *.onnx path"},
		{name: "absent", modelFile: "onnx/model_q4.onnx", wantErr: "no onnx/model_q4.onnx"},
		{name: "tokenizer refused", modelFile: "onnx/model_fp16.onnx", checkTok: func(string) error { return errors.New("unsupported model \"WordLevel\"") },
			wantErr: `cannot use`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range base {
				if k != tt.drop {
					files[k] = v
				}
			}
			src := exportDir(t, files)
			out := t.TempDir()
			p, err := Import(src, filepath.Join(out, "pack"), ImportOptions{ModelFile: tt.modelFile, CheckTokenizer: tt.checkTok})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				if entries, _ := os.ReadDir(out); len(entries) != 0 {
					t.Errorf("failed import left %v", entries)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := Load(p.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if loaded.Manifest.ModelFile != "model_fp16.onnx" || loaded.ModelPath() != filepath.Join(p.Dir, "model_fp16.onnx") {
				t.Errorf("model file %q", loaded.Manifest.ModelFile)
			}
			for _, name := range []string{"model_fp16.onnx", "model_fp16.onnx_data", "model_fp16.onnx_data_1"} {
				if got := string(mustRead(t, filepath.Join(p.Dir, name))); got != files["onnx/"+name] || loaded.Manifest.Files[name] != sha([]byte(got)) {
					t.Errorf("%s not copied intact", name)
				}
			}
		})
	}
}

func TestImportPackWithModelFile(t *testing.T) {
	// A directory whose manifest names its graph (a generated family pack keeps onnx/model.onnx).
	src := exportDir(t, map[string]string{
		"onnx/model_fp16.onnx": testGraph, "tokenizer.json": "{}",
		ManifestFile: `{"name":"x/y","dimension":8,"max_tokens":16,"pooling":"cls","output_name":"last_hidden_state","query_template":"{query}",` +
			`"document_template":"{document}","model_file":"onnx/model_fp16.onnx"}`,
	})
	p, err := Import(src, filepath.Join(t.TempDir(), "pack"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest.ModelFile != "model_fp16.onnx" {
		t.Errorf("model file %q", p.Manifest.ModelFile)
	}
	if _, err := Load(p.Dir); err != nil {
		t.Fatal(err)
	}
}
