package embed

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/instructd/instructd/internal/testenv"
)

// pieceTokenizer is a fake BERT-like tokenizer: whitespace separates words,
// every punctuation rune is a token, and letter/digit runs are cut into word
// pieces of at most piece runes. It adds [CLS] and [SEP] and truncates to max.
type pieceTokenizer struct{ max, piece int }

func (p pieceTokenizer) MaxLength() int { return p.max }

func (p pieceTokenizer) Encode(text string) (Encoding, error) {
	offs := [][2]int{{0, 0}}
	runStart, runLen := -1, 0
	flush := func(end int) {
		if runStart >= 0 {
			offs = append(offs, [2]int{runStart, end})
		}
		runStart, runLen = -1, 0
	}
	for i, r := range text {
		_, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			flush(i)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if runLen == p.piece {
				flush(i)
			}
			if runStart < 0 {
				runStart = i
			}
			runLen++
		default:
			flush(i)
			offs = append(offs, [2]int{i, i + size})
		}
	}
	flush(len(text))
	truncated := len(offs)-1 > p.max-2
	if truncated {
		offs = offs[:p.max-1]
	}
	offs = append(offs, [2]int{0, 0})
	enc := Encoding{Offsets: offs, Truncated: truncated}
	for i := range offs {
		enc.IDs = append(enc.IDs, int64(i))
		enc.SpecialTokens = append(enc.SpecialTokens, i == 0 || i == len(offs)-1)
	}
	return enc, nil
}

// allTokens tokenizes text without truncation.
func allTokens(t *testing.T, tok Tokenizer, text string) [][2]int {
	t.Helper()
	enc, err := tok.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	if enc.Truncated {
		t.Fatal("reference tokenizer truncated")
	}
	toks, err := textTokens(enc, len(text))
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// checkChunks asserts every documented property of spans. full must tokenize
// text without truncation; cut is the tokenizer that Chunk used. strict demands
// the full overlap whenever overlap ≤ window/2 and words are short (see below).
func checkChunks(t *testing.T, cut, full Tokenizer, text string, spans []Span, window, overlap int, strict bool) {
	t.Helper()
	if len(spans) == 0 || spans[0].Start != 0 || spans[len(spans)-1].End != len(text) {
		t.Fatalf("spans %v do not cover [0, %d)", spans, len(text))
	}
	toks := allTokens(t, full, text)
	starts := map[int]int{} // token start offset → token index
	for i, tk := range toks {
		if _, dup := starts[tk[0]]; !dup {
			starts[tk[0]] = i
		}
	}
	for i, s := range spans {
		if s.Start >= s.End && len(text) > 0 {
			t.Fatalf("span %d %v is empty", i, s)
		}
		for _, b := range []int{s.Start, s.End} {
			if b == 0 || b == len(text) {
				continue
			}
			if _, ok := starts[b]; !ok {
				t.Fatalf("span %d %v: boundary %d is not a token start", i, s, b)
			}
			if utf8.ValidString(text) && !utf8.RuneStart(text[b]) {
				t.Fatalf("span %d: boundary %d inside a rune", i, b)
			}
		}
		enc, err := cut.Encode(text[s.Start:s.End])
		if err != nil {
			t.Fatal(err)
		}
		n := len(enc.IDs) - 2
		if enc.Truncated || n > window {
			t.Fatalf("span %d %v holds %d tokens (truncated %v), window %d", i, s, n, enc.Truncated, window)
		}
		if i == 0 {
			continue
		}
		prev := spans[i-1]
		if s.Start <= prev.Start || s.Start > prev.End || s.End <= prev.End {
			t.Fatalf("spans %d %v and %d %v are not consecutive", i-1, prev, i, s)
		}
		shared := 0
		for _, tk := range toks {
			if tk[0] >= s.Start && tk[1] <= prev.End {
				shared++
			}
		}
		// Fewer shared tokens are allowed only to start the span at a word
		// start (no word start lay within window/4 tokens before the target).
		// With overlap ≤ window/2 and words short enough to back off over, that never happens.
		strict := strict && 2*overlap <= window && longestWord(text, toks) <= window/4+1
		if shared < overlap && (strict || shared == 0 || !wordStart(text, toks, starts[s.Start])) {
			t.Fatalf("spans %v and %v share %d tokens, want ≥ %d", prev, s, shared, overlap)
		}
	}
}

// longestWord is the largest number of tokens in one word (pieces joined without a word start).
func longestWord(text string, toks [][2]int) int {
	longest, run := 0, 0
	for i := range toks {
		if wordStart(text, toks, i) {
			run = 0
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

// chunkWords returns n distinct words, some long enough to be several pieces.
func chunkWords(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "w%d", i)
		if i%5 == 0 {
			b.WriteString("abcdefghij") // several word pieces
		}
		if i%11 == 0 {
			b.WriteString(",")
		}
	}
	return b.String()
}

func TestChunkProperties(t *testing.T) {
	cut := pieceTokenizer{max: 32, piece: 4}
	full := pieceTokenizer{max: 1 << 20, piece: 4}
	texts := map[string]string{
		"long ascii":   chunkWords(400),
		"unicode":      strings.Repeat("Ünïcödé naïve café — 東京タワー 😀 ok, ", 40),
		"spaces first": "   \n\t" + chunkWords(90) + "  \n",
		"one big word": strings.Repeat("x", 300) + " tail",
		"punctuation":  strings.Repeat("a,b.c;d!", 60),
	}
	params := []struct{ window, overlap int }{{30, 0}, {30, 5}, {16, 8}, {10, 9}, {3, 1}, {1, 0}}
	for name, text := range texts {
		for _, p := range params {
			t.Run(fmt.Sprintf("%s/w%d-o%d", name, p.window, p.overlap), func(t *testing.T) {
				spans, err := Chunk(cut, text, p.window, p.overlap)
				if err != nil {
					t.Fatal(err)
				}
				checkChunks(t, cut, full, text, spans, p.window, p.overlap, true)
			})
		}
	}
}

func TestChunkPrefersWordBoundaries(t *testing.T) {
	// Every word is 3 pieces of 4 runes; windows must never split one.
	text := strings.TrimSpace(strings.Repeat("abcdefghijkl ", 50))
	spans, err := Chunk(pieceTokenizer{max: 40, piece: 4}, text, 20, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range spans {
		for _, b := range []int{s.Start, s.End} {
			if b != 0 && b != len(text) && text[b-1] != ' ' {
				t.Fatalf("boundary %d splits a word (spans %v)", b, spans)
			}
		}
	}
}

func TestChunkFitsInOneSpan(t *testing.T) {
	tok := pieceTokenizer{max: 32, piece: 4}
	for _, text := range []string{"", "short text", strings.TrimSpace(strings.Repeat("ab ", 30))} {
		spans, err := Chunk(tok, text, 30, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(spans) != 1 || spans[0] != (Span{0, len(text)}) {
			t.Fatalf("Chunk(%q) = %v, want one span [0, %d)", text, spans, len(text))
		}
	}
	// 31 tokens no longer fit in a window of 30.
	spans, _ := Chunk(tok, strings.TrimSpace(strings.Repeat("ab ", 31)), 30, 5)
	if len(spans) != 2 {
		t.Fatalf("31 tokens gave %d spans, want 2", len(spans))
	}
}

func TestChunkValidatesArguments(t *testing.T) {
	tok := pieceTokenizer{max: 32, piece: 4}
	cases := []struct {
		name            string
		tok             Tokenizer
		window, overlap int
	}{
		{"nil tokenizer", nil, 10, 0},
		{"negative overlap", tok, 10, -1},
		{"overlap equals window", tok, 10, 10},
		{"zero window", tok, 0, 0},
		{"window beyond max length minus specials", tok, 31, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Chunk(c.tok, "some text", c.window, c.overlap); !errors.Is(err, ErrChunkArgs) {
				t.Fatalf("err = %v, want ErrChunkArgs", err)
			}
		})
	}
	if _, err := Chunk(tok, "some text", 30, 29); err != nil {
		t.Fatalf("largest valid window: %v", err)
	}
}

// badOffsets returns offsets past the end of the text.
type badOffsets struct{ pieceTokenizer }

func (b badOffsets) Encode(text string) (Encoding, error) {
	enc, err := b.pieceTokenizer.Encode(text)
	if len(enc.Offsets) > 2 {
		enc.Offsets[1] = [2]int{0, len(text) + 5}
	}
	return enc, err
}

func TestChunkRejectsBadOffsets(t *testing.T) {
	if _, err := Chunk(badOffsets{pieceTokenizer{max: 16, piece: 4}}, chunkWords(50), 10, 2); err == nil {
		t.Fatal("want an error for offsets outside the text")
	}
}

func TestChunkRealTokenizer(t *testing.T) {
	path := filepath.Join(testenv.Pack(t, "test-minilm"), "tokenizer.json")
	cut, err := LoadTokenizer(path, 128)
	if err != nil {
		t.Fatal(err)
	}
	full, err := LoadTokenizer(path, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("Tokenization of unbelievably long documents, e.g. Übersetzungsprogramme "+
		"and naïve café reviews (東京 2024): chunk them! ", 60)
	for _, p := range []struct{ window, overlap int }{{126, 0}, {126, 32}, {64, 16}, {20, 19}} {
		t.Run(fmt.Sprintf("w%d-o%d", p.window, p.overlap), func(t *testing.T) {
			spans, err := Chunk(cut, text, p.window, p.overlap)
			if err != nil {
				t.Fatal(err)
			}
			if len(spans) < 2 {
				t.Fatalf("got %d spans for a long text", len(spans))
			}
			checkChunks(t, cut, full, text, spans, p.window, p.overlap, true)
		})
	}
	if _, err := Chunk(cut, text, 127, 0); !errors.Is(err, ErrChunkArgs) {
		t.Fatalf("window 127 with max length 128: %v, want ErrChunkArgs", err)
	}
}

// BenchmarkChunkRealTokenizer chunks a 12.8 KB text; its peer, encode-whole,
// tokenizes the same text once without truncation (the floor for any chunker).
func BenchmarkChunkRealTokenizer(b *testing.B) {
	path := filepath.Join(testenv.Pack(b, "test-minilm"), "tokenizer.json")
	tok, err := LoadTokenizer(path, 128)
	if err != nil {
		b.Fatal(err)
	}
	whole, err := LoadTokenizer(path, 1<<20)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("The quick brown fox jumps over the lazy dog near the riverbank. ", 200)
	b.Run("chunk", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for i := 0; i < b.N; i++ {
			if _, err := Chunk(tok, text, 126, 16); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode-whole", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for i := 0; i < b.N; i++ {
			if _, err := whole.Encode(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzChunk(f *testing.F) {
	f.Add("hello world, this is a test of chunking", uint8(5), uint8(2))
	f.Add(strings.Repeat("Ünïcödé 東京 ", 20), uint8(3), uint8(1))
	f.Add("\xff\xfe broken utf8 \xc3", uint8(2), uint8(0))
	f.Add("0!!0\xb60", uint8(3), uint8(0x1e))
	f.Add("0000000 0 0000000", uint8(5), uint8(2))
	f.Add("0000!0000", uint8(3), uint8(2))
	f.Fuzz(func(t *testing.T, text string, window, overlap uint8) {
		cut := pieceTokenizer{max: 32, piece: 3}
		w, o := int(window%30)+1, int(overlap%30)
		spans, err := Chunk(cut, text, w, o)
		if o >= w {
			if !errors.Is(err, ErrChunkArgs) {
				t.Fatalf("window %d overlap %d: err %v, want ErrChunkArgs", w, o, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkChunks(t, cut, pieceTokenizer{max: 1 << 30, piece: 3}, text, spans, w, o, false)
	})
}
