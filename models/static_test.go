package models

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// staticTable returns a safetensors file with one F32 tensor of rows × dim zeros.
func staticTable(t *testing.T, tensor string, rows, dim int) []byte {
	t.Helper()
	hdr, err := json.Marshal(map[string]any{
		tensor:         map[string]any{"dtype": "F32", "shape": []int{rows, dim}, "data_offsets": []int{0, 4 * rows * dim}},
		"__metadata__": map[string]string{"format": "pt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	out = append(out, hdr...)
	return append(out, make([]byte, 4*rows*dim)...)
}

const staticTok = `{"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":1,"b":2}}}`

func TestStaticKnownModelsAreValid(t *testing.T) {
	for _, k := range knownStaticModels() {
		m := k.Manifest
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		if err := ValidateRepo(m.Name); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		if !k.Pullable || m.RuntimeOrDefault() != RuntimeStatic || m.Description == "" {
			t.Errorf("%s: incomplete entry %+v", m.Name, k)
		}
		if _, ok := knownStatic(strings.ToUpper(m.Name)); !ok {
			t.Errorf("%s: not found case-insensitively", m.Name)
		}
	}
}

func TestStaticPullKnownModel2Vec(t *testing.T) {
	h := newFakeHub(t)
	repo := "minishlab/potion-base-8M"
	h.add(repo, "main", "model.safetensors", fakeFile{body: staticTable(t, "embeddings", 3, 256), lfs: true})
	h.add(repo, "main", "tokenizer.json", fakeFile{body: []byte(staticTok)})
	h.add(repo, "main", "config.json", fakeFile{body: []byte(`{"model_type":"model2vec","normalize":true,"hidden_dim":256}`)})
	dest := filepath.Join(t.TempDir(), "potion")
	p, err := Pull(context.Background(), repo, dest, PullOptions{Endpoint: h.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	m := p.Manifest
	if m.RuntimeOrDefault() != RuntimeStatic || m.Static.Layout != StaticModel2Vec || m.Dimension != 256 || !m.Normalize {
		t.Errorf("manifest %+v", m)
	}
	for _, f := range []string{"model.safetensors", "tokenizer.json", "config.json"} {
		if m.Files[f] == "" {
			t.Errorf("%s not recorded in files %v", f, m.Files)
		}
	}
	if _, err := Load(dest); err != nil {
		t.Fatalf("load pulled pack: %v", err)
	}
	for _, r := range h.log() {
		if strings.HasSuffix(r.Path, ".onnx") {
			t.Errorf("pull of a static model asked for %s", r.Path)
		}
	}
}

func TestStaticPullDimensionMismatch(t *testing.T) {
	h := newFakeHub(t)
	repo := "minishlab/potion-base-8M"
	h.add(repo, "main", "model.safetensors", fakeFile{body: staticTable(t, "embeddings", 3, 8)})
	h.add(repo, "main", "tokenizer.json", fakeFile{body: []byte(staticTok)})
	h.add(repo, "main", "config.json", fakeFile{body: []byte(`{"normalize":true}`)})
	dest := filepath.Join(t.TempDir(), "potion")
	if _, err := Pull(context.Background(), repo, dest, PullOptions{Endpoint: h.srv.URL}); err == nil || !strings.Contains(err.Error(), "8 dims") {
		t.Fatalf("err %v, want a dimension mismatch", err)
	}
	assertNoPack(t, dest)
}

func TestStaticPullUnknownSentenceTransformers(t *testing.T) {
	h := newFakeHub(t)
	repo := "someone/static-thing"
	h.add(repo, "main", "modules.json", fakeFile{body: []byte(`[{"idx":0,"name":"0","path":"0_StaticEmbedding","type":"sentence_transformers.models.StaticEmbedding"},` +
		`{"idx":1,"name":"1","path":"1_Normalize","type":"sentence_transformers.models.Normalize"}]`)})
	h.add(repo, "main", "0_StaticEmbedding/model.safetensors", fakeFile{body: staticTable(t, "embedding.weight", 3, 16), lfs: true})
	h.add(repo, "main", "0_StaticEmbedding/tokenizer.json", fakeFile{body: []byte(staticTok)})
	dest := filepath.Join(t.TempDir(), "st")
	p, err := Pull(context.Background(), repo, dest, PullOptions{Endpoint: h.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	m := p.Manifest
	if m.Static == nil || m.Static.Layout != StaticSentenceTransformers || m.Dimension != 16 || !m.Normalize || m.MaxTokens != 8192 {
		t.Errorf("manifest %+v", m)
	}
	if got := p.TokenizerPath(); got != filepath.Join(dest, "0_StaticEmbedding", "tokenizer.json") {
		t.Errorf("tokenizer path %s", got)
	}
}

func TestStaticImport(t *testing.T) {
	yes := true
	tests := []struct {
		name      string
		files     map[string]string
		opts      ImportOptions
		layout    string
		dim       int
		normalize bool
		wantErr   string
	}{
		{
			name: "model2vec",
			files: map[string]string{"model.safetensors": string(staticTable(t, "embeddings", 3, 12)), "tokenizer.json": staticTok,
				"config.json": `{"model_type":"model2vec","normalize":false}`},
			layout: StaticModel2Vec, dim: 12,
		},
		{
			name: "sentence-transformers without Normalize",
			files: map[string]string{"0_StaticEmbedding/model.safetensors": string(staticTable(t, "embedding.weight", 3, 20)),
				"0_StaticEmbedding/tokenizer.json": staticTok,
				"modules.json":                     `[{"path":"0_StaticEmbedding","type":"sentence_transformers.models.StaticEmbedding"}]`},
			layout: StaticSentenceTransformers, dim: 20,
		},
		{
			name: "normalize override",
			files: map[string]string{"model.safetensors": string(staticTable(t, "embeddings", 3, 12)), "tokenizer.json": staticTok,
				"config.json": `{"normalize":false}`},
			opts:   ImportOptions{Normalize: &yes},
			layout: StaticModel2Vec, dim: 12, normalize: true,
		},
		{
			name: "dimension disagrees with the table",
			files: map[string]string{"model.safetensors": string(staticTable(t, "embeddings", 3, 12)), "tokenizer.json": staticTok,
				"config.json": `{}`},
			opts:    ImportOptions{Dimension: 64},
			wantErr: "table has 12 dims",
		},
		{
			name: "wrong tensor name",
			files: map[string]string{"model.safetensors": string(staticTable(t, "weights", 3, 12)), "tokenizer.json": staticTok,
				"config.json": `{}`},
			wantErr: "no tensor embeddings",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := exportDir(t, tt.files)
			dest := filepath.Join(t.TempDir(), "pack")
			p, err := Import(src, dest, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				assertNoPack(t, dest)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := p.Manifest
			if m.Static == nil || m.Static.Layout != tt.layout || m.Dimension != tt.dim || m.Normalize != tt.normalize || m.Name != "local/my-export" {
				t.Errorf("manifest %+v", m)
			}
			if len(m.Files) != len(tt.files) {
				t.Errorf("files %v, want %d", m.Files, len(tt.files))
			}
			if _, err := Load(dest); err != nil {
				t.Errorf("load: %v", err)
			}
		})
	}
}
