package embed

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// parseNormalizer builds a tokenizer.json normalizer; null gives nil (no normalizer).
func parseNormalizer(raw json.RawMessage) (textNormalizer, error) {
	typ, present, err := componentType(raw)
	if err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	if !present {
		return nil, nil
	}
	switch typ {
	case "NFC":
		return unicodeNormalizer{form: norm.NFC}, nil
	case "NFD":
		return unicodeNormalizer{form: norm.NFD}, nil
	case "NFKC":
		return unicodeNormalizer{form: norm.NFKC}, nil
	case "NFKD":
		return unicodeNormalizer{form: norm.NFKD}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "StripAccents":
		return stripAccentsNormalizer{}, nil
	case "Strip":
		var j struct {
			Left  *bool `json:"strip_left"`
			Right *bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("normalizer Strip: %w", err)
		}
		s := stripNormalizer{left: true, right: true}
		if j.Left != nil {
			s.left = *j.Left
		}
		if j.Right != nil {
			s.right = *j.Right
		}
		return s, nil
	case "Replace":
		var j struct {
			Pattern patternJSON `json:"pattern"`
			Content string      `json:"content"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		p, err := j.Pattern.compile()
		if err != nil {
			return nil, fmt.Errorf("normalizer Replace: %w", err)
		}
		return replaceNormalizer{pattern: p, content: j.Content}, nil
	case "Prepend":
		var j struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("normalizer Prepend: %w", err)
		}
		return prependNormalizer{s: j.Prepend}, nil
	case "BertNormalizer":
		var bn bertNormalizerJSON
		if err := json.Unmarshal(raw, &bn); err != nil {
			return nil, fmt.Errorf("normalizer BertNormalizer: %w", err)
		}
		return bertTextNormalizer{newBertNormalizer(bn)}, nil
	case "Precompiled":
		return parsePrecompiledNormalizer(raw)
	case "Sequence":
		var j struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("normalizer Sequence: %w", err)
		}
		var seq sequenceNormalizer
		for _, r := range j.Normalizers {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	default:
		return nil, fmt.Errorf("unsupported normalizer %q", typ)
	}
}

// sequenceNormalizer runs normalizers in order.
type sequenceNormalizer []textNormalizer

func (s sequenceNormalizer) normalize(n normalizedText) (normalizedText, error) {
	var err error
	for _, x := range s {
		if n, err = x.normalize(n); err != nil {
			return n, err
		}
	}
	return n, nil
}

// lowercaseNormalizer is HF's Lowercase: Rust's char::to_lowercase per character.
type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(n normalizedText) (normalizedText, error) {
	return mapRunes(n, appendLower), nil
}

// stripAccentsNormalizer is HF's StripAccents: removes combining marks (Mn, Mc, Me:
// unicode-normalization's is_combining_mark); it is meant to follow NFD.
type stripAccentsNormalizer struct{}

func (stripAccentsNormalizer) normalize(n normalizedText) (normalizedText, error) {
	return mapRunes(n, func(dst []rune, r rune) []rune {
		if r >= 0x300 && unicode.Is(unicode.M, r) {
			return dst
		}
		return append(dst, r)
	}), nil
}

// stripNormalizer is HF's Strip: removes leading and/or trailing whitespace.
type stripNormalizer struct{ left, right bool }

func (s stripNormalizer) normalize(n normalizedText) (normalizedText, error) {
	start, end := 0, len(n.text)
	if s.left {
		start = len(n.text) - len(strings.TrimLeftFunc(n.text, unicode.IsSpace))
	}
	if s.right {
		end = len(strings.TrimRightFunc(n.text, unicode.IsSpace))
	}
	if start >= end {
		return normalizedText{}, nil
	}
	return n.slice(start, end), nil
}

// prependNormalizer is HF's Prepend: puts a string before non-empty text.
type prependNormalizer struct{ s string }

func (p prependNormalizer) normalize(n normalizedText) (normalizedText, error) {
	return n.prepend(p.s), nil
}

// replaceNormalizer is HF's Replace: every match of a string or regex becomes content;
// the replacement's bytes take the alignment of the match's last character.
type replaceNormalizer struct {
	pattern splitPattern
	content string
}

func (r replaceNormalizer) normalize(n normalizedText) (normalizedText, error) {
	matches, err := r.pattern.findAll(n.text)
	if err != nil || len(matches) == 0 {
		return n, err
	}
	size := len(n.text)
	for _, m := range matches {
		if m[1] > m[0] {
			size += len(r.content) - (m[1] - m[0])
		}
	}
	b := make([]byte, 0, size)
	align := make([][2]int, 0, size)
	last := 0
	for _, m := range matches {
		b = append(b, n.text[last:m[0]]...)
		align = append(align, n.align[last:m[0]]...)
		if m[1] > m[0] {
			// HF's replace removes the match, then inserts the content after it: every
			// byte takes the alignment of the match's last byte.
			a := n.align[m[1]-1]
			b = append(b, r.content...)
			for range len(r.content) {
				align = append(align, a)
			}
		}
		last = m[1]
	}
	b = append(b, n.text[last:]...)
	align = append(align, n.align[last:]...)
	return normalizedText{text: string(b), align: align}, nil
}

// bertTextNormalizer adapts BertNormalizer to the pipeline: clean text, space around
// CJK ideographs, strip accents and lowercase, per character.
type bertTextNormalizer struct{ b *bertNormalizer }

func (t bertTextNormalizer) normalize(n normalizedText) (normalizedText, error) {
	return mapRunes(n, func(dst []rune, r rune) []rune {
		start := len(dst)
		out, isolate := t.b.appendRune(dst, r)
		if isolate {
			out = append(out[:start], append([]rune{' '}, append(out[start:], ' ')...)...)
		}
		return out
	}), nil
}
