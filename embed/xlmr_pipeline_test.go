package embed

import (
	"slices"
	"strconv"
	"testing"
)

// xlmrMaxLength is far above any golden text, so nothing is truncated.
const xlmrMaxLength = 8192

// checkXLMRCase compares one encoding with Hugging Face's.
func checkXLMRCase(t *testing.T, what string, enc Encoding, want xlmrCase) bool {
	t.Helper()
	types := want.Types
	if types == nil {
		types = make([]int64, len(want.IDs))
	}
	offs := make([]int, 0, 2*len(enc.Offsets))
	for _, o := range enc.Offsets {
		offs = append(offs, o[0], o[1])
	}
	special := []int{}
	for i, s := range enc.SpecialTokens {
		if s {
			special = append(special, i)
		}
	}
	if want.Special == nil {
		want.Special = []int{}
	}
	if slices.Equal(enc.IDs, want.IDs) && slices.Equal(enc.TypeIDs, types) && slices.Equal(offs, want.Offsets) && slices.Equal(special, want.Special) {
		return true
	}
	t.Errorf("%s:\n got ids %v\nwant ids %v\n got types %v\nwant types %v\n got offsets %v\nwant offsets %v\n got special %v\nwant special %v",
		what, enc.IDs, want.IDs, enc.TypeIDs, types, offs, want.Offsets, special, want.Special)
	return false
}

// TestXLMRPipelineGolden loads xlmr-unigram.json (and its variants) through
// NewTokenizerFromJSON and checks every golden encoding from Hugging Face's Rust
// tokenizer: single texts with special tokens, every 3rd without, and pairs, including
// texts that hold <s>, </s>, <mask> (lstrip) and the other added tokens.
func TestXLMRPipelineGolden(t *testing.T) {
	main := readXLMRGolden(t, "xlmr-golden.json.gz")
	others := readXLMRGolden(t, "xlmr-golden-variants.json.gz")
	for _, v := range append(main.Variants, others.Variants...) {
		t.Run(v.Name, func(t *testing.T) {
			tok, err := NewTokenizerFromJSON(xlmrVariantJSON(t, v), xlmrMaxLength)
			if err != nil {
				t.Fatal(err)
			}
			full, ok := tok.(FullTokenizer)
			if !ok {
				t.Fatalf("%T is not a FullTokenizer", tok)
			}
			failures := 0
			fail := func(ok bool) {
				if !ok {
					if failures++; failures > 10 {
						t.Fatal("too many failures")
					}
				}
			}
			for k, want := range v.Single {
				text := main.Texts[k*v.Every]
				enc, err := full.Encode(text)
				if err != nil {
					t.Fatalf("%q: %v", text, err)
				}
				fail(checkXLMRCase(t, "single "+quoteXLMR(text), enc, want))
			}
			for k, want := range v.Plain {
				text := main.Texts[k*main.PlainEvery]
				enc, err := full.EncodeWith(text, false)
				if err != nil {
					t.Fatalf("%q: %v", text, err)
				}
				fail(checkXLMRCase(t, "plain "+quoteXLMR(text), enc, want))
			}
			for k, want := range v.Pairs {
				p := main.Pairs[k]
				enc, err := full.EncodePair(p[0], p[1])
				if err != nil {
					t.Fatalf("%q: %v", p, err)
				}
				fail(checkXLMRCase(t, "pair "+quoteXLMR(p[0])+" / "+quoteXLMR(p[1]), enc, want))
			}
		})
	}
}

// TestXLMRPipelineVocab checks the fairseq layout of the vocabulary through the
// pipeline: <s> 0, <pad> 1, </s> 2, <unk> 3, <mask> last.
func TestXLMRPipelineVocab(t *testing.T) {
	tok, err := NewTokenizerFromJSON(xlmrJSON(t), xlmrMaxLength)
	if err != nil {
		t.Fatal(err)
	}
	full := tok.(FullTokenizer)
	for tokStr, want := range map[string]int64{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 8001, "▁the": 8} {
		if id, ok := full.TokenToID(tokStr); !ok || id != want {
			t.Errorf("TokenToID(%q) = %d, %v; want %d", tokStr, id, ok, want)
		}
	}
	if n := full.VocabSize(); n != 8002 {
		t.Errorf("VocabSize = %d, want 8002", n)
	}
	if got := full.Tokens([]int64{0, 8, 8001, 2}); !slices.Equal(got, []string{"<s>", "▁the", "<mask>", "</s>"}) {
		t.Errorf("Tokens = %q", got)
	}
}

func quoteXLMR(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return strconv.Quote(s)
}
