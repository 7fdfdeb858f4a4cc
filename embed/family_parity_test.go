package embed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/models"
)

// familyPack is one generated pack shaped like a real family's ONNX export
// (scripts/make-family-pack.py) and how close its vectors must be to numpy's float64 ones.
type familyPack struct {
	name string
	// tolerance bounds max |Δ| per component against the numpy reference. The fp16 pack's
	// graph rounds its output to float16 (relative error 2⁻¹¹ on states of magnitude up to
	// ~4, then normalised), so it gets 2e-3.
	tolerance float64
}

var familyPacks = []familyPack{
	{"test-qwen3", 1e-4},
	{"test-qwen3-fp16", 1e-3},
	{"test-xlmr", 1e-4},
	{"test-gemma3", 1e-4},
	{"test-modernbert", 1e-4},
}

// familyReference is a family pack's reference.json.gz.
type familyReference struct {
	Family    string          `json:"family"`
	MaxTokens int             `json:"max_tokens"`
	Cases     []familyCase    `json:"cases"`
	TJS       []familyTJSCase `json:"transformers_js"`
}

// familyCase is one text: its type (query or document), the raw text, the rendered input
// (template applied), the ids from Hugging Face's tokenizer and numpy's vector.
type familyCase struct {
	Name   string    `json:"name"`
	Type   string    `json:"type"`
	Text   string    `json:"text"`
	Input  string    `json:"input"`
	IDs    []int64   `json:"ids"`
	Vector []float32 `json:"vector"`
}

// familyTJSCase is transformers.js's vector for the case of the same name.
type familyTJSCase struct {
	Name   string    `json:"name"`
	Vector []float32 `json:"vector"`
}

// familyPackDir returns the generated pack's directory, skipping the test when setup has
// not generated it (scripts/setup.d/20-families.sh).
func familyPackDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "models", name)
	if _, err := os.Stat(filepath.Join(dir, models.ManifestFile)); err != nil {
		t.Skipf("family pack %s not generated (run `make setup`; scripts/setup.d/20-families.sh): %v", name, err)
	}
	return dir
}

func loadFamilyReference(t *testing.T, dir string) familyReference {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "reference.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var ref familyReference
	if err := json.NewDecoder(zr).Decode(&ref); err != nil {
		t.Fatalf("parse %s/reference.json.gz: %v", dir, err)
	}
	if len(ref.Cases) == 0 {
		t.Fatalf("%s: reference has no cases", dir)
	}
	return ref
}

// TestFamilySessionParity feeds the reference ids straight to a Session, all cases in one
// right-padded batch, and pools as the Embedder does: this checks the graph signatures
// (past_key_values, position_ids, int32 ids, float16 outputs, external data, rank-2
// outputs) independently of the tokenizer.
func TestFamilySessionParity(t *testing.T) {
	for _, fp := range familyPacks {
		t.Run(fp.name, func(t *testing.T) {
			dir := familyPackDir(t, fp.name)
			ref := loadFamilyReference(t, dir)
			pack, err := models.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			m := pack.Manifest
			rt, err := OpenRuntime(testenv.ORTLibrary(t))
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			s, err := NewSession(rt, pack.ModelPath(), SessionOptions{OutputName: m.OutputName, IntraOpThreads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := checkPooling(m, s); err != nil {
				t.Fatal(err)
			}
			encs := make([]*Encoding, len(ref.Cases))
			length := 0
			for i, c := range ref.Cases {
				mask := make([]int64, len(c.IDs))
				for j := range mask {
					mask[j] = 1
				}
				encs[i] = &Encoding{IDs: c.IDs, AttentionMask: mask, TypeIDs: make([]int64, len(c.IDs))}
				length = max(length, len(c.IDs))
			}
			d := m.Dimension
			out, err := s.Run(encs, length, d)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range ref.Cases {
				v := make([]float32, d)
				if s.Pooled() {
					copy(v, out[i*d:(i+1)*d])
				} else if err := Pool(v, out[i*length*d:(i+1)*length*d], encs[i].AttentionMask, d, m.Pooling); err != nil {
					t.Fatal(err)
				}
				Normalize(v)
				if diff := maxAbsDiff(v, c.Vector); diff > fp.tolerance {
					t.Errorf("%s (%d tokens, padded to %d): max |Δ| = %.3g > %.0e", c.Name, len(c.IDs), length, diff, fp.tolerance)
				}
			}
		})
	}
}

// loadTJS reads the transformers.js vectors setup wrote beside the reference
// (scripts/family-pack/transformers.mjs), by case name; nil when the pack has none.
func loadTJS(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "transformers-js.json.gz"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var cases []familyTJSCase
	if err := json.NewDecoder(zr).Decode(&cases); err != nil {
		t.Fatalf("parse %s/transformers-js.json.gz: %v", dir, err)
	}
	out := map[string][]float32{}
	for _, c := range cases {
		out[c.Name] = c.Vector
	}
	return out
}

// openFamily opens a family pack through OpenModel. When this build's Go tokenizer cannot
// read the pack's tokenizer.json yet (BPE and Unigram come with the general tokenizer
// pipeline), it opens the Embedder with referenceTokenizer instead and reports false:
// everything but tokenization is then still checked.
func openFamily(t *testing.T, dir string, cfg Config, ref familyReference) (Model, bool) {
	t.Helper()
	pack, err := models.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.LibraryPath = testenv.ORTLibrary(t)
	e, err := OpenModel(context.Background(), dir, cfg)
	real := true
	if err != nil {
		tok, tokErr := LoadTokenizer(pack.TokenizerPath(), pack.Manifest.MaxTokens)
		if tokErr == nil {
			closeTokenizer(tok)
			t.Fatal(err)
		}
		t.Logf("this build's Go tokenizer cannot load %s (%s), using the reference ids: %v", pack.TokenizerPath(), pack.Manifest.TokenizerType, tokErr)
		cfg.tokenizer = newReferenceTokenizer(pack.Manifest, ref)
		real = false
		emb, err := open(context.Background(), dir, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		e = emb
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e, real
}

// referenceTokenizer answers with the reference's ids for the reference's inputs (the
// append token, if any, left to appendTokenizer, which wraps it as the Embedder would).
type referenceTokenizer struct {
	ids    map[string][]int64
	append string
	id     int64
	max    int
}

func newReferenceTokenizer(m models.Manifest, ref familyReference) Tokenizer {
	r := &referenceTokenizer{ids: map[string][]int64{}, append: m.AppendToken, id: -1, max: m.MaxTokens}
	if m.AppendToken != "" {
		r.max--
		for _, c := range ref.Cases {
			r.id = c.IDs[len(c.IDs)-1] // every case ends with the appended token
		}
	}
	for _, c := range ref.Cases {
		ids := c.IDs
		if m.AppendToken != "" {
			ids = ids[:len(ids)-1]
		}
		r.ids[c.Input] = ids
	}
	if m.AppendToken == "" {
		return r
	}
	return &appendTokenizer{FullTokenizer: r, id: r.id, max: m.MaxTokens}
}

func (r *referenceTokenizer) MaxLength() int { return r.max }

func (r *referenceTokenizer) Encode(text string) (Encoding, error) { return r.EncodeWith(text, true) }

func (r *referenceTokenizer) EncodeWith(text string, _ bool) (Encoding, error) {
	ids, ok := r.ids[text]
	if !ok && text == "warm up the embedding engine" { // Open's warm-up
		ids, ok = []int64{1, 2, 3}, true
	}
	if !ok {
		return Encoding{}, fmt.Errorf("referenceTokenizer: %q is not a reference input", text)
	}
	n := len(ids)
	mask := make([]int64, n)
	for i := range mask {
		mask[i] = 1
	}
	return Encoding{IDs: slices.Clone(ids), AttentionMask: mask, TypeIDs: make([]int64, n), Offsets: make([][2]int, n), SpecialTokens: make([]bool, n)}, nil
}

func (r *referenceTokenizer) EncodePair(string, string) (Encoding, error) {
	return Encoding{}, errors.New("referenceTokenizer: no pairs")
}

func (r *referenceTokenizer) TokenToID(tok string) (int64, bool) {
	return r.id, tok == r.append && r.id >= 0
}

func (r *referenceTokenizer) Tokens(ids []int64) []string { return make([]string, len(ids)) }

func (r *referenceTokenizer) VocabSize() int { return 0 }

// cosine of two vectors.
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

// TestFamilyEmbedderParity runs every reference case through the Embedder (templates,
// default instruction, append_token, truncation, batching with padding, two workers):
// token ids equal Hugging Face's, vectors are within the pack's tolerance of numpy's and
// have cosine ≥ 0.9999 with transformers.js's on the same ONNX file.
func TestFamilyEmbedderParity(t *testing.T) {
	for _, fp := range familyPacks {
		t.Run(fp.name, func(t *testing.T) {
			dir := familyPackDir(t, fp.name)
			ref := loadFamilyReference(t, dir)
			tjs := loadTJS(t, dir)
			e, realTokenizer := openFamily(t, dir, Config{MaxBatchSize: 8, MaxWait: 20 * time.Millisecond, InferenceWorkers: 2, IntraOpThreads: 2}, ref)
			m := e.Manifest()
			for _, c := range ref.Cases {
				if !realTokenizer {
					break
				}
				enc, err := e.Tokenizer().Encode(c.Input)
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				if !slices.Equal(enc.IDs, c.IDs) {
					t.Errorf("%s: ids\n got %v\nwant %v", c.Name, enc.IDs, c.IDs)
				}
				if len(enc.IDs) > m.MaxTokens {
					t.Errorf("%s: %d tokens exceed max_tokens %d", c.Name, len(enc.IDs), m.MaxTokens)
				}
			}
			// Concurrent callers, one text each, share padded batches.
			vecs := make([][]float32, len(ref.Cases))
			var wg sync.WaitGroup
			for i, c := range ref.Cases {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := e.Embed(context.Background(), []string{c.Text}, Options{Type: InputType(c.Type)})
					if err != nil {
						t.Errorf("%s: %v", c.Name, err)
						return
					}
					vecs[i] = res.Vectors[0]
				}()
			}
			wg.Wait()
			compared := 0
			for i, c := range ref.Cases {
				if vecs[i] == nil {
					continue
				}
				if d := maxAbsDiff(vecs[i], c.Vector); d > fp.tolerance {
					t.Errorf("%s: max |Δ| vs numpy = %.3g > %.0e", c.Name, d, fp.tolerance)
				}
				if v, ok := tjs[c.Name]; ok {
					compared++
					if cos := cosine(vecs[i], v); cos < 0.9999 {
						t.Errorf("%s: cosine with transformers.js = %.6f < 0.9999", c.Name, cos)
					}
				}
			}
			if tjs != nil && compared < len(ref.Cases)/2 {
				t.Errorf("only %d cases compared with transformers.js", compared)
			}
		})
	}
}

// TestFamilyParityCLI runs `instructd embed` on each family pack's documents.
func TestFamilyParityCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the instructd binary")
	}
	root := testenv.RepoRoot(t)
	bin := filepath.Join(t.TempDir(), "instructd")
	build := exec.Command("go", "build", "-o", bin, "./cmd/instructd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, fp := range familyPacks {
		t.Run(fp.name, func(t *testing.T) {
			dir := familyPackDir(t, fp.name)
			ref := loadFamilyReference(t, dir)
			tok, err := LoadTokenizer(filepath.Join(dir, "tokenizer.json"), ref.MaxTokens)
			if err != nil {
				t.Skipf("the CLI needs a Go tokenizer for this pack's tokenizer.json: %v", err)
			}
			closeTokenizer(tok)
			var in bytes.Buffer
			var want []familyCase
			for _, c := range ref.Cases {
				if c.Type != string(Document) {
					continue
				}
				line, _ := json.Marshal(map[string]any{"id": len(want), "text": c.Text})
				in.Write(append(line, '\n'))
				want = append(want, c)
			}
			cmd := exec.Command(bin, "embed", "--model", dir, "--ort-lib", testenv.ORTLibrary(t), "--type", "document")
			cmd.Stdin = &in
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("instructd embed: %v\n%s", err, stderr.String())
			}
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<24)
			n := 0
			for ; sc.Scan(); n++ {
				var rec struct {
					ID        int       `json:"id"`
					Embedding []float32 `json:"embedding"`
				}
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.ID != n || n >= len(want) {
					t.Fatalf("output line %d: %v (id %d of %d)", n+1, err, rec.ID, len(want))
				}
				if d := maxAbsDiff(rec.Embedding, want[n].Vector); d > fp.tolerance {
					t.Errorf("cli %s: max |Δ| = %.3g > %.0e", want[n].Name, d, fp.tolerance)
				}
			}
			if n != len(want) {
				t.Errorf("cli: %d vectors for %d texts", n, len(want))
			}
		})
	}
}

// TestMatryoshkaDimensions checks Options.Dimensions on a pack that lists
// matryoshka_dimensions: a listed length returns the full vector's prefix re-normalised,
// an unlisted one is ErrInvalidInput naming the allowed lengths, and the cache keeps
// serving full vectors.
func TestMatryoshkaDimensions(t *testing.T) {
	dir := familyPackDir(t, "test-qwen3")
	ref := loadFamilyReference(t, dir)
	e, _ := openFamily(t, dir, Config{CacheSize: 16, InferenceWorkers: 1, IntraOpThreads: 1}, ref)
	ctx := context.Background()
	texts := []string{ref.Cases[2].Text, ref.Cases[1].Text} // question, short
	full, err := e.Embed(ctx, texts, Options{Type: Query})
	if err != nil {
		t.Fatal(err)
	}
	cut, err := e.Embed(ctx, texts, Options{Type: Query, Dimensions: 16})
	if err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		want := TruncateNormalize(full.Vectors[i], 16)
		if len(cut.Vectors[i]) != 16 || maxAbsDiff(cut.Vectors[i], want) > 1e-7 {
			t.Errorf("text %d: dimensions 16 gave %v, want %v", i, cut.Vectors[i], want)
		}
	}
	again, err := e.Embed(ctx, texts, Options{Type: Query})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Vectors[0], full.Vectors[0]) {
		t.Error("a truncated call changed the cached full vector")
	}
	for _, d := range []int{12, -1, 33} {
		_, err := e.Embed(ctx, texts, Options{Dimensions: d})
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("dimensions %d: err %v, want ErrInvalidInput", d, err)
		}
		if d == 12 && (err == nil || !strings.Contains(err.Error(), "[8 16 32]")) {
			t.Errorf("dimensions 12: error %v does not name the allowed lengths", err)
		}
	}
}

func TestTruncateNormalize(t *testing.T) {
	v := []float32{3, 4, 12}
	got := TruncateNormalize(v, 2)
	if !slices.Equal(got, []float32{0.6, 0.8}) || !slices.Equal(v, []float32{3, 4, 12}) {
		t.Errorf("TruncateNormalize = %v (input now %v)", got, v)
	}
	if got := TruncateNormalize(v, 5); len(got) != 3 {
		t.Errorf("d beyond the length: %v", got)
	}
}

// TestFamilyPooledRejectsAttention: a pack whose graph pools (pooling none) has no token
// vectors, so attention mode is a clear ErrInvalidInput, not a failed batch.
func TestFamilyPooledRejectsAttention(t *testing.T) {
	dir := familyPackDir(t, "test-gemma3")
	ref := loadFamilyReference(t, dir)
	e, _ := openFamily(t, dir, Config{InferenceWorkers: 1, IntraOpThreads: 1}, ref)
	inst := "find passages"
	_, err := e.Embed(context.Background(), []string{ref.Cases[0].Text}, Options{Type: Query, Mode: models.InstructionAttention, Instruction: &inst})
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "template") {
		t.Errorf("attention on a pooled graph: err %v, want ErrInvalidInput suggesting template", err)
	}
}

// TestAppendTokenAlreadyAppended: when the post-processor already ends texts with the
// append token (Qwen3-Embedding's updated tokenizer.json), nothing is added and the
// tokenizer keeps its full max length.
func TestAppendTokenAlreadyAppended(t *testing.T) {
	dir := familyPackDir(t, "test-qwen3")
	ref := loadFamilyReference(t, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tj map[string]any
	if err := json.Unmarshal(raw, &tj); err != nil {
		t.Fatal(err)
	}
	tj["post_processor"] = map[string]any{
		"type":           "TemplateProcessing",
		"single":         []any{map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"SpecialToken": map[string]any{"id": "<|endoftext|>", "type_id": 0}}},
		"pair":           []any{map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}}},
		"special_tokens": map[string]any{"<|endoftext|>": map[string]any{"id": "<|endoftext|>", "ids": []int{151643}, "tokens": []string{"<|endoftext|>"}}},
	}
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	raw, _ = json.Marshal(tj)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := loadTokenizer(path, ref.MaxTokens, "<|endoftext|>")
	if err != nil {
		t.Skipf("this build's Go tokenizer cannot load the Qwen3 tokenizer: %v", err)
	}
	defer closeTokenizer(tok)
	if _, wrapped := tok.(*appendTokenizer); wrapped || tok.MaxLength() != ref.MaxTokens {
		t.Errorf("post-processor appends already: got %T with max %d", tok, tok.MaxLength())
	}
	for _, c := range ref.Cases {
		enc, err := tok.Encode(c.Input)
		if err != nil {
			t.Fatal(err)
		}
		// Same ids as appending after truncation one short: the template reserves its token.
		if !slices.Equal(enc.IDs, c.IDs) {
			t.Errorf("%s: ids\n got %v\nwant %v", c.Name, enc.IDs, c.IDs)
		}
	}
}
