package embed

import (
	"unicode"
	"unicode/utf8"
)

// The split patterns of GPT-2 and of GPT-4/Llama-3/Qwen need a lookahead (\s+(?!\S))
// that Go's regexp lacks. regexp2 runs them (and any other pattern), but these three
// are what almost every byte-level BPE tokenizer.json uses and regexp2 dominated the
// profile, so they get a hand-written scanner: each alternative below is the regex's,
// tried in the regex's order, with the backtracking of \s*[\r\n]+ and \s+(?!\S) worked
// out. TestGPTSplitMatchesRegexp2 proves it identical to regexp2 on every golden text.
const (
	// llama3Pattern is GPT-4's cl100k split, used by Llama-3.
	llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// qwenPattern is the cl100k split with single digits, used by Qwen2/Qwen3.
	qwenPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// knownSplitPattern returns the scanner for a well-known pattern; ok is false for any
// other pattern.
func knownSplitPattern(expr string) (splitPattern, bool) {
	switch expr {
	case gpt2Pattern:
		return gptSplit{gpt4: false}, true
	case llama3Pattern:
		return gptSplit{gpt4: true, maxDigits: 3}, true
	case qwenPattern:
		return gptSplit{gpt4: true, maxDigits: 1}, true
	}
	return nil, false
}

// gptSplit scans the GPT-2 pattern (gpt4 false) or the cl100k family (gpt4 true, with
// \p{N}{1,maxDigits}).
type gptSplit struct {
	gpt4      bool
	maxDigits int
}

// charClass is how the patterns see a character.
type charClass uint8

const (
	clsOther charClass = iota // none of the below: [^\s\p{L}\p{N}]
	clsLetter
	clsNumber
	clsSpace
)

// asciiClass classifies ASCII characters without a Unicode lookup.
var asciiClass = func() (t [128]charClass) {
	for c := range 128 {
		r := rune(c)
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			t[c] = clsLetter
		case '0' <= r && r <= '9':
			t[c] = clsNumber
		case r == ' ' || ('\t' <= r && r <= '\r'):
			t[c] = clsSpace
		}
	}
	return t
}()

func classOf(r rune) charClass {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch {
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsNumber
	case unicode.IsSpace(r):
		return clsSpace
	}
	return clsOther
}

// at decodes the character at byte i.
func at(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// run returns the end of the run of class c starting at i (at most max characters;
// max < 0: no limit).
func run(s string, i int, c charClass, limit int) int {
	for n := 0; i < len(s) && n != limit; n++ {
		r, size := at(s, i)
		if classOf(r) != c {
			break
		}
		i += size
	}
	return i
}

func (g gptSplit) findAll(s string) ([][2]int, error) {
	out := make([][2]int, 0, len(s)/4+1)
	for i := 0; i < len(s); {
		var n int
		if g.gpt4 {
			n = g.matchGPT4(s, i)
		} else {
			n = matchGPT2(s, i)
		}
		out = append(out, [2]int{i, i + n})
		i += n
	}
	return out, nil
}

// contraction returns the length of 's 't 're 've 'm 'll 'd at s[0] (a quote).
func contraction(s string, fold bool) int {
	if len(s) < 2 {
		return 0
	}
	lower := func(c byte) byte {
		if fold && 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	switch lower(s[1]) {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if len(s) > 2 && lower(s[2]) == 'e' {
			return 3
		}
	case 'l':
		if len(s) > 2 && lower(s[2]) == 'l' {
			return 3
		}
	}
	return 0
}

// matchSpaces handles the whitespace alternatives shared by both patterns, at a
// whitespace character i: \s*[\r\n]+ (gpt4 only), \s+(?!\S), \s+.
func matchSpaces(s string, i int, newlines bool) int {
	end, lastNL, lastStart, count := i, -1, i, 0
	for end < len(s) {
		r, size := at(s, end)
		if classOf(r) != clsSpace {
			break
		}
		if r == '\r' || r == '\n' {
			lastNL = end
		}
		lastStart = end
		end += size
		count++
	}
	if newlines && lastNL >= 0 {
		return lastNL + 1 - i
	}
	if end == len(s) || count < 2 {
		return end - i
	}
	return lastStart - i
}

func (g gptSplit) matchGPT4(s string, i int) int {
	r, size := at(s, i)
	if r == '\'' {
		if n := contraction(s[i:], true); n > 0 {
			return n
		}
	}
	c := classOf(r)
	switch c {
	case clsLetter:
		return run(s, i, clsLetter, -1) - i
	case clsNumber:
		return run(s, i, clsNumber, g.maxDigits) - i
	}
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if r != '\r' && r != '\n' && i+size < len(s) {
		if r2, _ := at(s, i+size); classOf(r2) == clsLetter {
			return run(s, i+size, clsLetter, -1) - i
		}
	}
	//  ?[^\s\p{L}\p{N}]+[\r\n]*
	j := i
	if r == ' ' {
		j++
	}
	if k := run(s, j, clsOther, -1); k > j {
		for k < len(s) && (s[k] == '\r' || s[k] == '\n') {
			k++
		}
		return k - i
	}
	return matchSpaces(s, i, true)
}

func matchGPT2(s string, i int) int {
	r, _ := at(s, i)
	if r == '\'' {
		if n := contraction(s[i:], false); n > 0 {
			return n
		}
	}
	j := i
	if r == ' ' && i+1 < len(s) {
		j++
	}
	r2, _ := at(s, j)
	if c := classOf(r2); c != clsSpace {
		return run(s, j, c, -1) - i
	}
	return matchSpaces(s, i, false)
}
