package embed

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzXLMRUnigram runs Precompiled, Metaspace and Unigram (xlmr-unigram.json) on any
// input: no panic, the same answer twice, ids inside the vocabulary, offsets inside the
// text and in order of start.
func FuzzXLMRUnigram(f *testing.F) {
	for _, s := range []string{"", " ", "hello world", "ｶﾞ e\u0301 ﬁ", "\u200b\u0000x", "😀👍🏽 中文 العربية", "\xff\xfe bad utf8 \xe2\x96", "▁▁ x  y"} {
		f.Add(s)
	}
	steps := newXLMRSteps(f, xlmrJSON(f))
	size := int64(steps.model.vocabSize())
	f.Fuzz(func(t *testing.T, text string) {
		ids, offs, err := steps.encode(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		ids2, offs2, err := steps.encode(text)
		if err != nil || !slices.Equal(ids, ids2) || !slices.Equal(offs, offs2) {
			t.Fatalf("%q: second run differs", text)
		}
		for i, id := range ids {
			if id < 0 || id >= size {
				t.Fatalf("%q: id %d outside the vocab", text, id)
			}
			s, e := offs[2*i], offs[2*i+1]
			if s < 0 || s > e || e > len(text) {
				t.Fatalf("%q: token %d offsets [%d,%d] outside the text", text, i, s, e)
			}
		}
	})
}

// FuzzPrecompiledCharsmap feeds arbitrary charsmaps and texts to the Precompiled
// normalizer: bad charsmaps are errors, good ones normalize without panicking and keep
// one alignment per byte, inside the original.
func FuzzPrecompiledCharsmap(f *testing.F) {
	var doc struct {
		Normalizer struct {
			Normalizers []struct {
				Charsmap string `json:"precompiled_charsmap"`
			} `json:"normalizers"`
		} `json:"normalizer"`
	}
	if err := json.Unmarshal(xlmrJSON(f), &doc); err != nil {
		f.Fatal(err)
	}
	real := doc.Normalizer.Normalizers[0].Charsmap
	f.Add(real[:64], "ｆｕｌｌ")
	f.Add(real, "abc ﬁ")
	f.Add("AAAAAA==", "x")
	f.Add("CAAAAAEAAAAAAAAAYQA=", "a")
	f.Fuzz(func(t *testing.T, charsmap, text string) {
		raw, _ := json.Marshal(map[string]string{"precompiled_charsmap": charsmap})
		n, err := parsePrecompiledNormalizer(raw)
		if err != nil {
			return
		}
		out, err := n.normalize(newNormalizedText(text, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(out.align) != len(out.text) {
			t.Fatalf("%d alignments for %d bytes", len(out.align), len(out.text))
		}
		for _, a := range out.align {
			if a[0] < 0 || a[0] > a[1] || a[1] > len(text) {
				t.Fatalf("alignment %v outside the %d-byte text", a, len(text))
			}
		}
	})
}

// FuzzXLMRPipeline runs the whole xlmr-unigram.json tokenizer (added tokens included) on
// any text and pair: no panic, ids inside the vocabulary, offsets inside their text.
func FuzzXLMRPipeline(f *testing.F) {
	for _, s := range []string{"", "a <mask> b", "<s></s><pad>", "ｶﾞ\u200b x  y ", "\xff<mask>\xfe"} {
		f.Add(s, "second <mask>")
	}
	tok, err := NewTokenizerFromJSON(xlmrJSON(f), 64)
	if err != nil {
		f.Fatal(err)
	}
	full := tok.(FullTokenizer)
	size := int64(full.VocabSize())
	check := func(t *testing.T, enc Encoding, limit int) {
		for i, id := range enc.IDs {
			if id < 0 || id >= size {
				t.Fatalf("id %d outside the vocab", id)
			}
			if o := enc.Offsets[i]; o[0] < 0 || o[0] > o[1] || o[1] > limit {
				t.Fatalf("offsets %v outside the text", o)
			}
		}
		if len(enc.IDs) > 64 {
			t.Fatalf("%d ids past the 64 limit", len(enc.IDs))
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		enc, err := full.Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		check(t, enc, len(a))
		pair, err := full.EncodePair(a, b)
		if err != nil {
			t.Fatal(err)
		}
		check(t, pair, max(len(a), len(b)))
	})
}
