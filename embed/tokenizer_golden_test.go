package embed

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// goldenVariant is one tokenizer configuration of testdata/tokenizer/golden.json.gz,
// whose ids and offsets come from Hugging Face's Rust tokenizer (see gen-golden.js).
type goldenVariant struct {
	Name       string          `json:"name"`
	File       string          `json:"file"`
	Normalizer map[string]any  `json:"normalizer"`
	Truncation json.RawMessage `json:"truncation"` // "keep" or the object/null to set
	MaxLength  int             `json:"max_length"`
	Cases      []struct {
		Text    string   `json:"text"`
		IDs     []int64  `json:"ids"`
		Offsets [][2]int `json:"offsets"`
		Special []int    `json:"special"`
	} `json:"cases"`
}

func loadGolden(t *testing.T) []goldenVariant {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "tokenizer", "golden.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var vs []goldenVariant
	if err := json.NewDecoder(zr).Decode(&vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// variantJSON rebuilds the tokenizer.json the generator fed to Hugging Face.
func variantJSON(t *testing.T, v goldenVariant) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizer", v.File))
	if err != nil {
		t.Fatal(err)
	}
	if v.Normalizer == nil && string(v.Truncation) == `"keep"` {
		return data
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if v.Normalizer != nil {
		n := doc["normalizer"].(map[string]any)
		for k, val := range v.Normalizer {
			n[k] = val
		}
	}
	if string(v.Truncation) != `"keep"` {
		var tr any
		if err := json.Unmarshal(v.Truncation, &tr); err != nil {
			t.Fatal(err)
		}
		doc["truncation"] = tr
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGoldenHuggingFace checks ids, offsets and the special-token mask against the
// Rust tokenizer for hand-written edge cases, seeded random Unicode strings and a
// sample of the WordNet corpus, under several normalizer and truncation settings.
func TestGoldenHuggingFace(t *testing.T) {
	for _, v := range loadGolden(t) {
		t.Run(v.Name, func(t *testing.T) {
			tok, err := NewBertTokenizer(variantJSON(t, v), v.MaxLength)
			if err != nil {
				t.Fatal(err)
			}
			failures := 0
			for i, c := range v.Cases {
				enc, err := tok.Encode(c.Text)
				if err != nil {
					t.Fatalf("case %d %q: %v", i, c.Text, err)
				}
				special := make([]int, len(enc.SpecialTokens))
				for j, s := range enc.SpecialTokens {
					if s {
						special[j] = 1
					}
				}
				if !slices.Equal(enc.IDs, c.IDs) || !slices.Equal(enc.Offsets, c.Offsets) || !slices.Equal(special, c.Special) {
					t.Errorf("case %d %q:\n got ids %v\nwant ids %v\n got offsets %v\nwant offsets %v\n got tokens %q\nwant tokens %q",
						i, c.Text, enc.IDs, c.IDs, enc.Offsets, c.Offsets, tok.Tokens(enc.IDs), tok.Tokens(c.IDs))
					if failures++; failures > 10 {
						t.Fatal("too many failures")
					}
				}
			}
		})
	}
}
