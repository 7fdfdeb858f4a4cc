package embed

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

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
