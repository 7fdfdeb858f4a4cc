package embed

import (
	"slices"
	"testing"
	"unicode/utf8"
)

func TestWordPieceTokenize(t *testing.T) {
	vocab := map[string]int{"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##a": 5, "é": 6, "##é": 7, "unaff": 8}
	wp, err := newWordPiece(vocab, "[UNK]", "##", 10)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		word    string
		wantIDs []int32
		// wantSpans are [start, end) byte ranges of the word (orig is the identity here).
		wantSpans [][2]int32
	}{
		{"unaffable", []int32{8, 3}, [][2]int32{{0, 5}, {5, 9}}}, // longest match first: "unaff"
		{"unable", []int32{1, 3}, [][2]int32{{0, 2}, {2, 6}}},
		{"aaa", []int32{4, 5, 5}, [][2]int32{{0, 1}, {1, 2}, {2, 3}}},
		{"éé", []int32{6, 7}, [][2]int32{{0, 2}, {2, 4}}},
		{"unx", []int32{0}, [][2]int32{{0, 3}}},                    // uncoverable rest: the whole word is [UNK]
		{"aaaaaaaaaa", []int32{4, 5, 5, 5, 5, 5, 5, 5, 5, 5}, nil}, // 10 characters: within the limit
		{"aaaaaaaaaaa", []int32{0}, [][2]int32{{0, 11}}},           // 11 characters: over max_input_chars_per_word
		{"éééééééééé", []int32{6, 7, 7, 7, 7, 7, 7, 7, 7, 7}, nil}, // the limit counts characters, not bytes
		{"x", []int32{0}, [][2]int32{{0, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			orig := make([][2]int32, 0, len(tt.word))
			for i, r := range tt.word {
				for range utf8.RuneLen(r) {
					orig = append(orig, [2]int32{int32(i), int32(i + utf8.RuneLen(r))})
				}
			}
			toks := wp.tokenize(nil, []byte(tt.word), utf8.RuneCountInString(tt.word), orig)
			var ids []int32
			var spans [][2]int32
			for _, tk := range toks {
				ids = append(ids, tk.id)
				spans = append(spans, [2]int32{tk.start, tk.end})
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Fatalf("ids %v, want %v", ids, tt.wantIDs)
			}
			if tt.wantSpans != nil && !slices.Equal(spans, tt.wantSpans) {
				t.Fatalf("spans %v, want %v", spans, tt.wantSpans)
			}
		})
	}
}

func TestWordPieceKeepsEarlierTokens(t *testing.T) {
	wp, err := newWordPiece(map[string]int{"[UNK]": 0, "a": 1}, "[UNK]", "##", 100)
	if err != nil {
		t.Fatal(err)
	}
	prev := []token{{id: 9, start: 0, end: 1}}
	got := wp.tokenize(prev, []byte("ab"), 2, [][2]int32{{2, 3}, {3, 4}})
	if want := []token{{9, 0, 1}, {0, 2, 4}}; !slices.Equal(got, want) {
		t.Fatalf("tokens %v, want %v", got, want)
	}
}
