package models

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const bge = "BAAI/bge-small-en-v1.5"

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// bgeRepo serves a small fake bge-small repo and returns the model and tokenizer bytes.
func bgeRepo(h *fakeHub) (model, tok []byte) {
	g := bertGraph(384)
	g.padding = 3<<20 + 12345 // weights inside the graph, big enough to interrupt
	model = fakeONNX(g)
	tok = []byte(`{"model":{"type":"WordPiece","vocab":{"[UNK]":0}}}`)
	h.add(bge, "main", "onnx/model.onnx", fakeFile{body: model, lfs: true})
	h.add(bge, "main", "tokenizer.json", fakeFile{body: tok})
	h.add(bge, "main", "config.json", fakeFile{body: []byte(`{"hidden_size":384}`)})
	return model, tok
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertNoPack checks that dest does not exist.
func assertNoPack(t *testing.T, dest string) {
	t.Helper()
	if _, err := os.Lstat(dest); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s exists after a failed pull (err %v)", dest, err)
	}
}

func TestPullKnownRepo(t *testing.T) {
	h := newFakeHub(t)
	model, tok := bgeRepo(h)
	dest := filepath.Join(t.TempDir(), "packs", "BAAI--bge-small-en-v1.5")
	var last Progress
	calls := 0
	p, err := Pull(context.Background(), bge, dest, PullOptions{
		Endpoint: h.srv.URL + "/", Token: "secret",
		Progress: func(pr Progress) {
			calls++
			if pr.File == ModelFile {
				last = pr
			}
		},
	})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if !bytes.Equal(mustRead(t, p.ModelPath()), model) || !bytes.Equal(mustRead(t, p.TokenizerPath()), tok) {
		t.Fatal("pulled files differ from the served ones")
	}
	want, _ := Known(bge)
	m := p.Manifest
	if m.Files[ModelFile] != sha(model) || m.Files[TokenizerFile] != sha(tok) || m.Files["config.json"] == "" {
		t.Errorf("manifest files %v", m.Files)
	}
	if m.Variant != VariantFP32 || m.ModelFile != "" {
		t.Errorf("variant %q, model file %q", m.Variant, m.ModelFile)
	}
	m.Files, m.Source, m.Variant = nil, "", ""
	if !reflect.DeepEqual(m, want.Manifest) {
		t.Errorf("manifest %+v, want the known one %+v", m, want.Manifest)
	}
	if p.Manifest.Source != "huggingface:"+bge+"@main" {
		t.Errorf("source %q", p.Manifest.Source)
	}
	if last.Done != int64(len(model)) || last.Total != int64(len(model)) || calls < 3 {
		t.Errorf("progress: last %+v after %d calls", last, calls)
	}
	loaded, err := Load(dest)
	if err != nil {
		t.Fatalf("load pulled pack: %v", err)
	}
	if !reflect.DeepEqual(loaded.Manifest, p.Manifest) {
		t.Errorf("reloaded manifest differs")
	}
	for _, r := range h.log() {
		if !strings.HasPrefix(r.Path, "/cdn/") && r.Auth != "Bearer secret" {
			t.Errorf("request %s without the token (Authorization %q)", r.Path, r.Auth)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(dest))
	if len(entries) != 1 {
		t.Errorf("parent holds %d entries, want only the pack (staging left behind?)", len(entries))
	}
	// A second pull finds the pack and downloads nothing.
	n := len(h.log())
	if _, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL}); err != nil {
		t.Fatalf("second pull: %v", err)
	}
	if len(h.log()) != n {
		t.Errorf("second pull made %d requests", len(h.log())-n)
	}
	// Asking for another variant into the same directory is refused, not answered with fp32.
	if _, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL, Variant: VariantInt8}); err == nil ||
		!strings.Contains(err.Error(), "already holds the fp32 variant") {
		t.Errorf("pull of another variant into the pack: err %v", err)
	}
}

// interruptModel runs a pull whose model download is cut halfway and checks what it leaves.
func interruptModel(t *testing.T, h *fakeHub, dest string) {
	t.Helper()
	h.mu.Lock()
	h.cutOnce["onnx/model.onnx"] = true
	h.mu.Unlock()
	_, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL})
	if err == nil || !errors.Is(err, errResumable) {
		t.Fatalf("interrupted pull: err %v, want a resumable error", err)
	}
	assertNoPack(t, dest)
	part := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".pull", ModelFile+".part")
	st, err := os.Stat(part)
	if err != nil || st.Size() == 0 {
		t.Fatalf("no partial download kept at %s: %v", part, err)
	}
}

func TestPullResumesWithRange(t *testing.T) {
	h := newFakeHub(t)
	model, _ := bgeRepo(h)
	dest := filepath.Join(t.TempDir(), "pack")
	interruptModel(t, h, dest)
	before := len(h.log())
	p, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL})
	if err != nil {
		t.Fatalf("resumed pull: %v", err)
	}
	if !bytes.Equal(mustRead(t, p.ModelPath()), model) || p.Manifest.Files[ModelFile] != sha(model) {
		t.Fatal("resumed model differs from the served one")
	}
	ranged := false
	for _, r := range h.log()[before:] {
		if strings.HasSuffix(r.Path, "onnx/model.onnx") && strings.HasPrefix(r.Range, "bytes=") && r.Range != "bytes=0-" {
			ranged = true
		}
	}
	if !ranged {
		t.Errorf("second pull did not send a Range request: %+v", h.log()[before:])
	}
}

func TestPullServerIgnoringRangeRestarts(t *testing.T) {
	h := newFakeHub(t)
	model, _ := bgeRepo(h)
	dest := filepath.Join(t.TempDir(), "pack")
	interruptModel(t, h, dest)
	h.mu.Lock()
	h.ignoreRange = true
	h.mu.Unlock()
	p, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if got := mustRead(t, p.ModelPath()); !bytes.Equal(got, model) {
		t.Fatalf("model is %d bytes, want %d identical bytes", len(got), len(model))
	}
	if _, err := Load(dest); err != nil {
		t.Fatal(err)
	}
}

func TestPullChecksumMismatch(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	model := randomBytes(1<<20, 2)
	h.add(bge, "main", "onnx/model.onnx", fakeFile{body: model, lfs: true, etag: sha([]byte("something else"))})
	dir := t.TempDir()
	dest := filepath.Join(dir, "pack")
	_, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL})
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "onnx/model.onnx") {
		t.Fatalf("err %v, want a checksum mismatch naming the file", err)
	}
	assertNoPack(t, dest)
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestPullNotFound(t *testing.T) {
	h := newFakeHub(t)
	h.add(bge, "main", "tokenizer.json", fakeFile{body: []byte("{}")})
	tests := []struct {
		name, repo, want string
	}{
		{"known repo without onnx", bge, "no fp32 ONNX model"},
		{"unknown repo without config", "nobody/nothing", "cannot tell the output dimension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "pack")
			_, err := Pull(context.Background(), tt.repo, dest, PullOptions{Endpoint: h.srv.URL})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			assertNoPack(t, dest)
		})
	}
}

func TestPullRejectsBadNames(t *testing.T) {
	for _, repo := range []string{"", "noslash", "a/b/c", "../etc", "a/..", "a b/c", "org/na me"} {
		if _, err := Pull(context.Background(), repo, t.TempDir()+"/x", PullOptions{Endpoint: "http://127.0.0.1:1"}); err == nil {
			t.Errorf("Pull(%q) succeeded", repo)
		}
	}
	if _, err := Pull(context.Background(), "InF-IR/InF-Embed-style", t.TempDir()+"/x", PullOptions{}); err == nil ||
		!strings.Contains(err.Error(), "preset") {
		t.Errorf("pulling a preset: err %v", err)
	}
}

func TestPullContextCancel(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	h.mu.Lock()
	h.stallAfter["onnx/model.onnx"] = true
	h.mu.Unlock()
	dest := filepath.Join(t.TempDir(), "pack")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Pull(ctx, bge, dest, PullOptions{Endpoint: h.srv.URL, Progress: func(p Progress) {
		if p.File == ModelFile && p.Done > 0 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	assertNoPack(t, dest)
}

func TestPullUsesHFEndpoint(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	v2 := fakeONNX(bertGraph(384))
	h.add(bge, "v2", "onnx/model.onnx", fakeFile{body: v2, lfs: true})
	h.add(bge, "v2", "tokenizer.json", fakeFile{body: []byte("{}")})
	t.Setenv("HF_ENDPOINT", h.srv.URL)
	t.Setenv("HF_TOKEN", "from-env")
	p, err := Pull(context.Background(), bge, filepath.Join(t.TempDir(), "pack"), PullOptions{Revision: "v2"})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if got := mustRead(t, p.ModelPath()); !bytes.Equal(got, v2) {
		t.Errorf("model differs from the v2 file")
	}
	if r := h.log()[0]; r.Auth != "Bearer from-env" {
		t.Errorf("Authorization %q, want the HF_TOKEN", r.Auth)
	}
}

func TestPullUnknownRepoFromConfigs(t *testing.T) {
	repo := "someone/tiny-encoder"
	tests := []struct {
		name    string
		files   map[string]string
		want    Manifest
		wantErr string
	}{
		{
			name:  "config only",
			files: map[string]string{"config.json": `{"hidden_size":256,"max_position_embeddings":514,"model_type":"xlm-roberta"}`},
			want:  Manifest{Dimension: 256, MaxTokens: 512, Pooling: PoolingMean, QueryTemplate: "{query}", DocumentTemplate: "{document}"},
		},
		{
			name: "sentence-transformers configs",
			files: map[string]string{
				"config.json":                       `{"hidden_size":128,"max_position_embeddings":512}`,
				"sentence_bert_config.json":         `{"max_seq_length":200}`,
				"1_Pooling/config.json":             `{"word_embedding_dimension":128,"pooling_mode_cls_token":true}`,
				"config_sentence_transformers.json": `{"prompts":{"query":"query: ","passage":"passage: "}}`,
			},
			want: Manifest{Dimension: 128, MaxTokens: 200, Pooling: PoolingCLS, QueryTemplate: "query: {query}", DocumentTemplate: "passage: {document}"},
		},
		{
			name:    "broken config",
			files:   map[string]string{"config.json": `{"hidden_size":`},
			wantErr: "parse config.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHub(t)
			h.add(repo, "main", "model.onnx", fakeFile{body: fakeONNX(bertGraph(0)), lfs: true})
			h.add(repo, "main", "tokenizer.json", fakeFile{body: []byte("{}")})
			for p, b := range tt.files {
				h.add(repo, "main", p, fakeFile{body: []byte(b)})
			}
			p, err := Pull(context.Background(), repo, filepath.Join(t.TempDir(), "pack"), PullOptions{Endpoint: h.srv.URL})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("pull: %v", err)
			}
			m := p.Manifest
			got := Manifest{Dimension: m.Dimension, MaxTokens: m.MaxTokens, Pooling: m.Pooling, QueryTemplate: m.QueryTemplate, DocumentTemplate: m.DocumentTemplate}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("inferred %+v, want %+v", got, tt.want)
			}
			if m.Name != repo || !m.Normalize || m.OutputName != "last_hidden_state" {
				t.Errorf("manifest %+v", m)
			}
		})
	}
}

func TestPullExternalData(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	g := bertGraph(384)
	g.external = []string{"model.onnx_data", "model.onnx_data_1"}
	h.add(bge, "main", "onnx/model.onnx", fakeFile{body: fakeONNX(g), lfs: true})
	data := map[string][]byte{"model.onnx_data": randomBytes(1<<16, 3), "model.onnx_data_1": randomBytes(1<<10, 4)}
	for name, b := range data {
		h.add(bge, "main", "onnx/"+name, fakeFile{body: b, lfs: true})
	}
	h.add(bge, "main", "onnx/unrelated.onnx_data", fakeFile{body: []byte("not named by the graph"), lfs: true})
	p, err := Pull(context.Background(), bge, filepath.Join(t.TempDir(), "pack"), PullOptions{Endpoint: h.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range data {
		if got := mustRead(t, filepath.Join(p.Dir, name)); !bytes.Equal(got, b) || p.Manifest.Files[name] != sha(b) {
			t.Errorf("external data file %s not pulled intact", name)
		}
	}
	if len(p.Manifest.Files) != 5 {
		t.Errorf("files %v, want the graph, its two data files, tokenizer and config", p.Manifest.Files)
	}
	if _, err := Load(p.Dir); err != nil {
		t.Fatal(err)
	}

	// A graph that names a file the repo lacks fails, naming it.
	g.external = []string{"model.onnx_data", "missing.bin"}
	h.add(bge, "main", "onnx/model.onnx", fakeFile{body: fakeONNX(g), lfs: true})
	_, err = Pull(context.Background(), bge, filepath.Join(t.TempDir(), "pack"), PullOptions{Endpoint: h.srv.URL})
	if err == nil || !strings.Contains(err.Error(), "missing.bin") {
		t.Fatalf("err %v, want one naming missing.bin", err)
	}
}

func TestPullVariant(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	fp16 := bertGraph(384)
	fp16.external = []string{"model_fp16.onnx_data"}
	files := map[string][]byte{
		"onnx/model_fp16.onnx":      fakeONNX(fp16),
		"onnx/model_fp16.onnx_data": randomBytes(4096, 5),
		"onnx/model_quantized.onnx": fakeONNX(bertGraph(384)),
	}
	for p, b := range files {
		h.add(bge, "main", p, fakeFile{body: b, lfs: true})
	}
	tests := []struct {
		variant   string
		wantFiles []string // remote paths that must land in the pack under their base names
		wantErr   string
	}{
		{variant: VariantFP16, wantFiles: []string{"onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data"}},
		{variant: VariantInt8, wantFiles: []string{"onnx/model_quantized.onnx"}},
		{variant: VariantQ4, wantErr: "no q4 ONNX model in BAAI/bge-small-en-v1.5 at main (tried onnx/model_q4.onnx, model_q4.onnx)"},
		{variant: "bf16", wantErr: `unknown variant "bf16"`},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			before := len(h.log())
			p, err := Pull(context.Background(), bge, filepath.Join(t.TempDir(), "pack"), PullOptions{Endpoint: h.srv.URL, Variant: tt.variant})
			for _, r := range h.log()[before:] {
				if strings.HasSuffix(r.Path, "/onnx/model.onnx") {
					t.Errorf("pulled the fp32 graph for variant %s", tt.variant)
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := p.Manifest
			if m.Variant != tt.variant || m.ModelFile != filepath.Base(tt.wantFiles[0]) || p.ModelPath() != filepath.Join(p.Dir, m.ModelFile) {
				t.Errorf("variant %q, model file %q", m.Variant, m.ModelFile)
			}
			for _, remote := range tt.wantFiles {
				name := filepath.Base(remote)
				if !bytes.Equal(mustRead(t, filepath.Join(p.Dir, name)), files[remote]) || m.Files[name] != sha(files[remote]) {
					t.Errorf("%s not pulled intact as %s", remote, name)
				}
			}
			if _, err := Load(p.Dir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPullRefusesBeforeWeights(t *testing.T) {
	withInput := bertGraph(384)
	withInput.inputs = append(withInput.inputs, "pixel_values")
	pooled := bertGraph(384)
	pooled.output, pooled.pooled = "sentence_embedding", true
	tests := []struct {
		name     string
		graph    fakeGraph
		checkTok func(string) error
		want     string
	}{
		{"unsupported tokenizer", bertGraph(384), func(path string) error {
			if !strings.HasSuffix(path, TokenizerFile) {
				t.Errorf("checked %s", path)
			}
			return errors.New(`unsupported normalizer "Precompiled"`)
		}, `cannot use the tokenizer of BAAI/bge-small-en-v1.5: unsupported normalizer "Precompiled"`},
		{"unsupported input", withInput, nil, `onnx/model.onnx: models: unsupported model input "pixel_values"`},
		{"output missing", pooled, nil, `no output "last_hidden_state" (outputs [sentence_embedding])`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHub(t)
			bgeRepo(h)
			tt.graph.external = []string{"model.onnx_data"}
			h.add(bge, "main", "onnx/model.onnx", fakeFile{body: fakeONNX(tt.graph), lfs: true})
			h.add(bge, "main", "onnx/model.onnx_data", fakeFile{body: randomBytes(1<<20, 6), lfs: true})
			dir := t.TempDir()
			dest := filepath.Join(dir, "pack")
			_, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL, CheckTokenizer: tt.checkTok})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			for _, r := range h.log() {
				if strings.HasSuffix(r.Path, "model.onnx_data") {
					t.Errorf("weights requested (%s) before the refusal", r.Path)
				}
			}
			assertNoPack(t, dest)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

func TestPullOffline(t *testing.T) {
	h := newFakeHub(t)
	endpoint := h.srv.URL
	h.srv.Close() // nothing listens there any more
	dest := filepath.Join(t.TempDir(), "pack")
	_, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: endpoint})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "HF_ENDPOINT") || !strings.Contains(err.Error(), endpoint) ||
		!strings.Contains(err.Error(), "model import") || strings.Contains(err.Error(), "resume") {
		t.Fatalf("err %v, want ErrUnreachable naming the endpoint, HF_ENDPOINT and model import, not resuming", err)
	}
	assertNoPack(t, dest)
	// Nothing arrived, so nothing is left to resume: no staging directory, no .part files.
	if entries, err := os.ReadDir(filepath.Dir(dest)); err != nil || len(entries) != 0 {
		t.Fatalf("offline pull left %v behind (%v)", entries, err)
	}
	_, err = Pull(context.Background(), "someone/unknown-model", dest, PullOptions{Endpoint: endpoint})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("unknown repo: err %v, want ErrUnreachable", err)
	}
}

func TestPullRenamedRepoKeepsChecksum(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	h.add(bge, "main", "onnx/model.onnx", fakeFile{body: []byte("real model"), lfs: true, etag: sha([]byte("tampered"))})
	h.mu.Lock()
	h.renamed["old-org/old-name"] = bge
	h.mu.Unlock()
	_, err := Pull(context.Background(), "old-org/old-name", filepath.Join(t.TempDir(), "pack"), PullOptions{Endpoint: h.srv.URL})
	// The repo is unknown under its old name, so config.json is read through the rename; the
	// model's checksum header sits on the second redirect and must still be checked.
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("err %v, want a checksum mismatch found through the rename redirect", err)
	}
}

func TestPullRefusesConcurrentPull(t *testing.T) {
	h := newFakeHub(t)
	bgeRepo(h)
	dest := filepath.Join(t.TempDir(), "pack")
	l, err := lockFile(filepath.Join(filepath.Dir(dest), ".pack.lock"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL})
	if !errors.Is(err, errBusy) {
		t.Fatalf("err %v, want errBusy", err)
	}
	l.unlock()
	if _, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL}); err != nil {
		t.Fatalf("pull after the lock is gone: %v", err)
	}
}

func TestPullCompletesAWholePartialFile(t *testing.T) {
	h := newFakeHub(t)
	model, _ := bgeRepo(h)
	dest := filepath.Join(t.TempDir(), "pack")
	staging := filepath.Join(filepath.Dir(dest), ".pack.pull")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(staging, ModelFile+".part"), model, 0o644); err != nil {
		t.Fatal(err)
	}
	// A leftover of an interrupted pull of another variant must not reach the pack.
	if err := os.WriteFile(filepath.Join(staging, "model_fp16.onnx.part"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Pull(context.Background(), bge, dest, PullOptions{Endpoint: h.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest.Files[ModelFile] != sha(model) {
		t.Error("model checksum differs")
	}
	if exists(filepath.Join(dest, "model_fp16.onnx.part")) {
		t.Error("a leftover of another pull was published with the pack")
	}
	for _, r := range h.log() {
		if strings.HasPrefix(r.Path, "/cdn/") && strings.HasSuffix(r.Path, "model.onnx") && r.Range == "" {
			t.Errorf("the whole model was downloaded again")
		}
	}
}
