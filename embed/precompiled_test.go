package embed

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func xlmrJSON(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "tokenizer", "xlmr-unigram.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPrecompiledXLMR pins a few of Hugging Face's encodings (tokens 0.23.2, no special
// tokens) whose offsets show the charsmap's quirks: grapheme lookups, NFKC expansions and
// deletions, and the shift a deletion at the start causes.
func TestPrecompiledXLMR(t *testing.T) {
	steps := newXLMRSteps(t, xlmrJSON(t))
	cases := []struct {
		in   string
		ids  []int64
		offs []int
	}{
		{"ﬁx", []int64{2975}, []int{0, 4}},                                 // ﬁ -> fi
		{"e\u0301t", []int64{9, 761, 33}, []int{0, 1, 0, 1, 3, 4}},         // é keeps only e's span
		{"\u200bab", []int64{4, 62}, []int{0, 4, 4, 5}},                    // deleted at start
		{"a\u200bb", []int64{4, 211}, []int{0, 1, 1, 5}},                   // becomes a space
		{"ｶﾞ", []int64{9, 2645, 3}, []int{0, 3, 0, 3, 3, 6}},               // halfwidth kana
		{"😀😀 x", []int64{9, 3, 9, 169}, []int{0, 4, 0, 8, 8, 9, 9, 10}},    // fused unknowns
		{"x  \t y", []int64{9, 169, 9, 24}, []int{0, 1, 0, 1, 4, 5, 5, 6}}, // whitespace run
	}
	for _, c := range cases {
		ids, offs, err := steps.encode(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, c.ids) || !slices.Equal(offs, c.offs) {
			t.Errorf("%q: got %v %v, want %v %v", c.in, ids, offs, c.ids, c.offs)
		}
	}
}

func TestPrecompiledErrors(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte{1, 2})
	tooBig := make([]byte, 8)
	binary.LittleEndian.PutUint32(tooBig, 400)
	badUTF8 := []byte{0, 0, 0, 0, 0xff, 0xfe}
	for name, spec := range map[string]string{
		"not base64":      `{"precompiled_charsmap":"!!!"}`,
		"too short":       `{"precompiled_charsmap":"` + short + `"}`,
		"trie past end":   `{"precompiled_charsmap":"` + base64.StdEncoding.EncodeToString(tooBig) + `"}`,
		"blob not UTF-8":  `{"precompiled_charsmap":"` + base64.StdEncoding.EncodeToString(badUTF8) + `"}`,
		"charsmap number": `{"precompiled_charsmap":5}`,
		"not an object":   `[]`,
	} {
		if _, err := parsePrecompiledNormalizer(json.RawMessage(spec)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, spec := range []string{`{"precompiled_charsmap":null}`, `{"precompiled_charsmap":""}`, `{}`} {
		n, err := parsePrecompiledNormalizer(json.RawMessage(spec))
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		out, err := n.normalize(newNormalizedText("ｆ x", 0))
		if err != nil || out.text != "ｆ x" {
			t.Errorf("%s: identity expected, got %q, %v", spec, out.text, err)
		}
	}
}
