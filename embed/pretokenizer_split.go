package embed

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// patternJSON is a Split/Replace pattern: {"String": "..."} or {"Regex": "..."}.
type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

// splitPattern finds the non-overlapping matches of a pattern, left to right, as
// [start, end) byte ranges.
type splitPattern interface {
	findAll(s string) ([][2]int, error)
}

func (p patternJSON) compile() (splitPattern, error) {
	switch {
	case p.String != nil && p.Regex == nil:
		return stringPattern(*p.String), nil
	case p.Regex != nil && p.String == nil:
		return compileRegexPattern(*p.Regex)
	default:
		return nil, fmt.Errorf("pattern must have exactly one of String or Regex")
	}
}

// stringPattern matches a literal string.
type stringPattern string

func (p stringPattern) findAll(s string) ([][2]int, error) {
	if p == "" {
		return nil, nil
	}
	var out [][2]int
	for i := 0; ; {
		j := strings.Index(s[i:], string(p))
		if j < 0 {
			return out, nil
		}
		out = append(out, [2]int{i + j, i + j + len(p)})
		i += j + len(p)
	}
}

// regexPattern is a general regex (Oniguruma syntax in HF; regexp2 here, which has
// the lookarounds Go's regexp lacks). The GPT-2, GPT-4/Llama-3 and Qwen split patterns
// use a hand-written scanner instead (gptsplit.go).
type regexPattern struct {
	re *regexp2.Regexp
}

func compileRegexPattern(expr string) (splitPattern, error) {
	if p, ok := knownSplitPattern(expr); ok {
		return p, nil
	}
	return compileRegexp2(expr)
}

func compileRegexp2(expr string) (regexPattern, error) {
	re, err := regexp2.Compile(onigWordClasses(expr), regexp2.None)
	if err != nil {
		return regexPattern{}, fmt.Errorf("regex %q: %w", expr, err)
	}
	return regexPattern{re: re}, nil
}

func (p regexPattern) findAll(s string) ([][2]int, error) {
	if s == "" {
		return nil, nil
	}
	runes := []rune(s)
	// byteAt[i] is the byte offset of rune i.
	byteAt := make([]int, len(runes)+1)
	for i, b := 0, 0; i < len(runes); i++ {
		byteAt[i] = b
		_, size := utf8.DecodeRuneInString(s[b:])
		b += size
	}
	byteAt[len(runes)] = len(s)
	var out [][2]int
	m, err := p.re.FindRunesMatch(runes)
	for ; m != nil && err == nil; m, err = p.re.FindNextMatch(m) {
		out = append(out, [2]int{byteAt[m.Index], byteAt[m.Index+m.Length]})
	}
	if err != nil {
		return nil, fmt.Errorf("regex: %w", err)
	}
	return out, nil
}

// onigWord is Oniguruma's Unicode \w, which HF's patterns mean: regexp2's (.NET's)
// lacks spacing marks (Mc, Me) and adds the zero-width joiners.
const onigWord = `\p{L}\p{M}\p{Nd}\p{Pc}`

// onigWordClasses rewrites \w and \W to Oniguruma's sets, inside and outside
// character classes (\W inside a class is left alone).
func onigWordClasses(expr string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\' && i+1 < len(expr):
			next := expr[i+1]
			i++
			switch {
			case next == 'w' && inClass:
				b.WriteString(onigWord)
			case next == 'w':
				b.WriteString("[" + onigWord + "]")
			case next == 'W' && !inClass:
				b.WriteString("[^" + onigWord + "]")
			default:
				b.WriteByte(c)
				b.WriteByte(next)
			}
			continue
		case c == '[' && !inClass:
			inClass = true
		case c == ']' && inClass:
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// splitBehavior is HF's SplitDelimiterBehavior.
type splitBehavior uint8

const (
	splitRemoved splitBehavior = iota
	splitIsolated
	splitMergedWithPrevious
	splitMergedWithNext
	splitContiguous
)

func parseSplitBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed":
		return splitRemoved, nil
	case "Isolated":
		return splitIsolated, nil
	case "MergedWithPrevious":
		return splitMergedWithPrevious, nil
	case "MergedWithNext":
		return splitMergedWithNext, nil
	case "Contiguous":
		return splitContiguous, nil
	}
	return 0, fmt.Errorf("unsupported split behavior %q", s)
}

// splitSegment is a [start, end) range and whether it matched the delimiter.
type splitSegment struct {
	start, end int
	match      bool
}

// segments turns matches into HF's find_matches output: the whole text as matching
// and non-matching segments (empty matches included).
func segments(n int, matches [][2]int, invert bool) []splitSegment {
	if n == 0 {
		return []splitSegment{{0, 0, invert}}
	}
	out := make([]splitSegment, 0, 2*len(matches)+1)
	prev := 0
	for _, m := range matches {
		if prev != m[0] {
			out = append(out, splitSegment{prev, m[0], invert})
		}
		out = append(out, splitSegment{m[0], m[1], !invert})
		prev = m[1]
	}
	if prev != n {
		out = append(out, splitSegment{prev, n, invert})
	}
	return out
}

// applyBehavior is HF's NormalizedString::split: it groups segments by behavior and
// appends the non-empty pieces of n to dst.
func applyBehavior(dst []normalizedText, n normalizedText, segs []splitSegment, b splitBehavior) []normalizedText {
	var ranges [][2]int
	switch b {
	case splitIsolated:
		for _, s := range segs {
			ranges = append(ranges, [2]int{s.start, s.end})
		}
	case splitRemoved:
		for _, s := range segs {
			if !s.match {
				ranges = append(ranges, [2]int{s.start, s.end})
			}
		}
	case splitMergedWithPrevious:
		prev := false
		for _, s := range segs {
			if s.match && !prev && len(ranges) > 0 {
				ranges[len(ranges)-1][1] = s.end
			} else {
				ranges = append(ranges, [2]int{s.start, s.end})
			}
			prev = s.match
		}
	case splitMergedWithNext:
		prev := false
		for i := len(segs) - 1; i >= 0; i-- {
			s := segs[i]
			if s.match && !prev && len(ranges) > 0 {
				ranges[len(ranges)-1][0] = s.start
			} else {
				ranges = append(ranges, [2]int{s.start, s.end})
			}
			prev = s.match
		}
		for i, j := 0, len(ranges)-1; i < j; i, j = i+1, j-1 {
			ranges[i], ranges[j] = ranges[j], ranges[i]
		}
	case splitContiguous:
		prev := false
		for i, s := range segs {
			if i > 0 && s.match == prev {
				ranges[len(ranges)-1][1] = s.end
			} else {
				ranges = append(ranges, [2]int{s.start, s.end})
			}
			prev = s.match
		}
	}
	for _, r := range ranges {
		if r[1] > r[0] {
			dst = append(dst, n.slice(r[0], r[1]))
		}
	}
	return dst
}

// splitPreTokenizer is HF's Split pre-tokenizer.
type splitPreTokenizer struct {
	pattern  splitPattern
	behavior splitBehavior
	invert   bool
}

func parseSplitPreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	var j struct {
		Pattern  patternJSON `json:"pattern"`
		Behavior string      `json:"behavior"`
		Invert   bool        `json:"invert"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
	}
	p, err := j.Pattern.compile()
	if err != nil {
		return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
	}
	b, err := parseSplitBehavior(j.Behavior)
	if err != nil {
		return nil, fmt.Errorf("pre_tokenizer Split: %w", err)
	}
	return splitPreTokenizer{pattern: p, behavior: b, invert: j.Invert}, nil
}

func (s splitPreTokenizer) preTokenize(pieces []normalizedText) ([]normalizedText, error) {
	out := make([]normalizedText, 0, len(pieces)*2)
	for _, p := range pieces {
		m, err := s.pattern.findAll(p.text)
		if err != nil {
			return nil, err
		}
		out = applyBehavior(out, p, segments(len(p.text), m, s.invert), s.behavior)
	}
	return out, nil
}

// funcPattern matches every single character for which f is true (HF's char patterns).
type funcPattern func(rune) bool

func (f funcPattern) findAll(s string) ([][2]int, error) {
	var out [][2]int
	for i, r := range s {
		if f(r) {
			out = append(out, [2]int{i, i + utf8.RuneLen(r)})
		}
	}
	return out, nil
}
