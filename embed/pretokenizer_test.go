package embed

import "testing"

func TestClassifyRune(t *testing.T) {
	tests := []struct {
		r    rune
		want runeClass
	}{
		{'a', classWord}, {'Z', classWord}, {'7', classWord}, {'é', classWord}, {'中', classWord}, {'😀', classWord},
		{' ', classSpace}, {'\t', classSpace}, {'\n', classSpace}, {'\u00a0', classSpace}, {'\u2028', classSpace}, {'\u3000', classSpace},
		{'.', classPunct}, {'!', classPunct}, {'[', classPunct}, {'_', classPunct},
		// ASCII symbols count as punctuation (Rust's is_ascii_punctuation) …
		{'$', classPunct}, {'+', classPunct}, {'<', classPunct}, {'=', classPunct}, {'^', classPunct}, {'`', classPunct}, {'|', classPunct}, {'~', classPunct},
		// … but non-ASCII symbols do not: only the P* categories.
		{'€', classWord}, {'±', classWord}, {'©', classWord},
		{'«', classPunct}, {'—', classPunct}, {'。', classPunct}, {'¿', classPunct}, {'‰', classPunct},
	}
	for _, tt := range tests {
		if got := classifyRune(tt.r); got != tt.want {
			t.Errorf("classifyRune(%q) = %d, want %d", tt.r, got, tt.want)
		}
	}
}
