package embed

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// parsePreTokenizer builds a tokenizer.json pre_tokenizer; null gives nil.
func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	typ, present, err := componentType(raw)
	if err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	if !present {
		return nil, nil
	}
	switch typ {
	case "ByteLevel":
		return parseByteLevelPreTokenizer(raw)
	case "Split":
		return parseSplitPreTokenizer(raw)
	case "Whitespace":
		return whitespacePreTokenizer{}, nil
	case "WhitespaceSplit":
		return funcSplitPreTokenizer{f: unicode.IsSpace, behavior: splitRemoved}, nil
	case "Punctuation":
		var j struct {
			Behavior string `json:"behavior"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
		}
		b := splitIsolated
		if j.Behavior != "" {
			if b, err = parseSplitBehavior(j.Behavior); err != nil {
				return nil, fmt.Errorf("pre_tokenizer Punctuation: %w", err)
			}
		}
		return funcSplitPreTokenizer{f: isBertPunct, behavior: b}, nil
	case "Digits":
		var j struct {
			IndividualDigits bool `json:"individual_digits"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Digits: %w", err)
		}
		b := splitContiguous
		if j.IndividualDigits {
			b = splitIsolated
		}
		return funcSplitPreTokenizer{f: isRustNumeric, behavior: b}, nil
	case "BertPreTokenizer":
		return sequencePreTokenizer{
			funcSplitPreTokenizer{f: unicode.IsSpace, behavior: splitRemoved},
			funcSplitPreTokenizer{f: isBertPunct, behavior: splitIsolated},
		}, nil
	case "Metaspace":
		return parseMetaspacePreTokenizer(raw)
	case "Sequence":
		var j struct {
			PreTokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("pre_tokenizer Sequence: %w", err)
		}
		var seq sequencePreTokenizer
		for _, r := range j.PreTokenizers {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	default:
		return nil, fmt.Errorf("unsupported pre_tokenizer %q", typ)
	}
}

// sequencePreTokenizer runs pre-tokenizers in order.
type sequencePreTokenizer []preTokenizer

func (s sequencePreTokenizer) preTokenize(pieces []normalizedText) ([]normalizedText, error) {
	var err error
	for _, p := range s {
		if pieces, err = p.preTokenize(pieces); err != nil {
			return nil, err
		}
	}
	return pieces, nil
}

// funcSplitPreTokenizer splits at every character for which f is true.
type funcSplitPreTokenizer struct {
	f        func(rune) bool
	behavior splitBehavior
}

func (s funcSplitPreTokenizer) preTokenize(pieces []normalizedText) ([]normalizedText, error) {
	out := make([]normalizedText, 0, len(pieces)*2)
	for _, p := range pieces {
		m, _ := funcPattern(s.f).findAll(p.text)
		out = applyBehavior(out, p, segments(len(p.text), m, false), s.behavior)
	}
	return out, nil
}

// whitespacePreTokenizer is HF's Whitespace: keeps the matches of \w+|[^\w\s]+.
type whitespacePreTokenizer struct{}

func (whitespacePreTokenizer) preTokenize(pieces []normalizedText) ([]normalizedText, error) {
	out := make([]normalizedText, 0, len(pieces)*2)
	for _, p := range pieces {
		var m [][2]int
		start, kind := -1, 0 // kind 1: word run, 2: other non-space run
		for i, r := range p.text {
			k := 2
			switch {
			case isRegexWord(r):
				k = 1
			case unicode.IsSpace(r):
				k = 0
			}
			if k != kind {
				if kind != 0 {
					m = append(m, [2]int{start, i})
				}
				start, kind = i, k
			}
		}
		if kind != 0 {
			m = append(m, [2]int{start, len(p.text)})
		}
		out = applyBehavior(out, p, segments(len(p.text), m, true), splitRemoved)
	}
	return out, nil
}

// isRegexWord is the Rust regex crate's Unicode \w (HF's Whitespace pre-tokenizer and
// the added tokens' single_word test): Alphabetic, marks, decimal digits, connector
// punctuation and the zero-width joiners (Join_Control).
func isRegexWord(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.Nd, unicode.Pc, unicode.Nl, unicode.Other_Alphabetic, unicode.Join_Control)
}

// isBertPunct is HF's is_punctuation: ASCII punctuation or Unicode P* (Unicode 9).
func isBertPunct(r rune) bool {
	if r < 0x80 {
		return isASCIIPunct(byte(r))
	}
	return isHFPunct(r)
}

// isRustNumeric is Rust's char::is_numeric: categories Nd, Nl and No.
func isRustNumeric(r rune) bool {
	if r < 0x80 {
		return '0' <= r && r <= '9'
	}
	return unicode.IsNumber(r)
}
