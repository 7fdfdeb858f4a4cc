package embed

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// metaspacePreTokenizer is tokenizer.json's "Metaspace" pre-tokenizer (SentencePiece's
// whitespace handling): every ' ' becomes the replacement char (▁ by default), the piece
// gets a leading replacement when its prepend scheme asks for one, and with split on it
// is cut before every replacement char (Hugging Face's MergedWithNext).
type metaspacePreTokenizer struct {
	replacement string
	prepend     string // "always", "first" or "never"
	split       bool
}

// parseMetaspacePreTokenizer reads {"type":"Metaspace","replacement":"▁",
// "prepend_scheme":"always"|"first"|"never","split":true}. As in Hugging Face, a missing
// prepend_scheme is "always", a missing split is true, the legacy "add_prefix_space"
// true changes nothing and false is an error unless prepend_scheme is "never".
func parseMetaspacePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	var spec struct {
		Replacement    *string `json:"replacement"`
		PrependScheme  *string `json:"prepend_scheme"`
		Split          *bool   `json:"split"`
		AddPrefixSpace *bool   `json:"add_prefix_space"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("metaspace pre-tokenizer: %w", err)
	}
	m := &metaspacePreTokenizer{replacement: "\u2581", prepend: "always", split: true}
	if spec.Replacement != nil {
		if utf8.RuneCountInString(*spec.Replacement) != 1 || !utf8.ValidString(*spec.Replacement) {
			return nil, fmt.Errorf("metaspace pre-tokenizer: replacement %q must be exactly one character", *spec.Replacement)
		}
		m.replacement = *spec.Replacement
	}
	if spec.PrependScheme != nil {
		switch *spec.PrependScheme {
		case "always", "first", "never":
			m.prepend = *spec.PrependScheme
		default:
			return nil, fmt.Errorf("metaspace pre-tokenizer: prepend_scheme %q is not one of always, first, never", *spec.PrependScheme)
		}
	}
	if spec.AddPrefixSpace != nil && !*spec.AddPrefixSpace && m.prepend != "never" {
		return nil, fmt.Errorf("metaspace pre-tokenizer: add_prefix_space false contradicts prepend_scheme %q (set prepend_scheme to \"never\")", m.prepend)
	}
	if spec.Split != nil {
		m.split = *spec.Split
	}
	return m, nil
}

func (m *metaspacePreTokenizer) preTokenize(pieces []normalizedText) ([]normalizedText, error) {
	rewritten := make([]normalizedText, len(pieces))
	total := 0
	for i, p := range pieces {
		rewritten[i] = m.rewrite(p)
		if m.split {
			total += strings.Count(rewritten[i].text, m.replacement) + 1
		} else {
			total++
		}
	}
	out := make([]normalizedText, 0, total)
	for _, p := range rewritten {
		if p.text == "" {
			continue
		}
		if !m.split {
			out = append(out, p)
			continue
		}
		start := 0
		for start < len(p.text) {
			next := strings.Index(p.text[start+1:], m.replacement)
			end := len(p.text)
			if next >= 0 {
				end = start + 1 + next
			}
			out = append(out, normalizedText{text: p.text[start:end], align: p.align[start:end:end]})
			start = end
		}
	}
	return out, nil
}

// rewrite replaces spaces and prepends the replacement where the scheme asks. Every byte
// of a replacement that stands for a space keeps that space's alignment; a prepended one
// takes the first char's, as Hugging Face's NormalizedString::prepend does.
func (m *metaspacePreTokenizer) rewrite(p normalizedText) normalizedText {
	if p.text == "" {
		return p
	}
	spaces := strings.Count(p.text, " ")
	prepend := false
	startsWithRepl := strings.HasPrefix(p.text, m.replacement) || (p.text[0] == ' ' && spaces > 0)
	switch m.prepend {
	case "always":
		prepend = !startsWithRepl
	case "first":
		prepend = !startsWithRepl && p.align[0][0] == 0
	}
	if spaces == 0 && !prepend {
		return p
	}
	rl := len(m.replacement)
	n := len(p.text) + spaces*(rl-1)
	if prepend {
		n += rl
	}
	var b strings.Builder
	b.Grow(n)
	align := make([][2]int, 0, n)
	if prepend {
		b.WriteString(m.replacement)
		for range rl {
			align = append(align, p.align[0])
		}
	}
	last := 0
	for i := 0; i < len(p.text); i++ {
		if p.text[i] != ' ' {
			continue
		}
		b.WriteString(p.text[last:i])
		align = append(align, p.align[last:i]...)
		b.WriteString(m.replacement)
		for range rl {
			align = append(align, p.align[i])
		}
		last = i + 1
	}
	b.WriteString(p.text[last:])
	align = append(align, p.align[last:]...)
	return normalizedText{text: b.String(), align: align}
}
