package embed

import "unicode/utf8"

// runeChange is one output character of a normalization step with Hugging Face's
// "change" count: 0 replaces the next input character, +1 is inserted after the
// previous one, -k replaces the next input character and removes k more.
type runeChange struct {
	r      rune
	change int
}

// transform rebuilds n from a sequence of (character, change) pairs exactly as Hugging
// Face's NormalizedString::transform_range does for the whole string: a replacing
// character takes the alignment of the input character it replaces, an inserted one
// the alignment of the last input byte consumed. skip input characters are removed
// before the first output character (HF's initial_offset).
func transform(n normalizedText, out []runeChange, skip int) normalizedText {
	var b []byte
	var align [][2]int
	pos := 0 // byte offset into n.text
	next := func() {
		if pos < len(n.text) {
			_, size := utf8.DecodeRuneInString(n.text[pos:])
			pos += size
		}
	}
	for range skip {
		next()
	}
	for _, rc := range out {
		var a [2]int
		switch {
		case rc.change > 0:
			if pos > 0 {
				a = n.align[pos-1]
			} else if len(n.align) > 0 {
				a = [2]int{n.align[0][0], n.align[0][0]}
			}
		case pos < len(n.align):
			a = n.align[pos]
		case len(n.align) > 0:
			last := n.align[len(n.align)-1][1]
			a = [2]int{last, last}
		}
		if rc.change <= 0 {
			next()
			for range -rc.change {
				next()
			}
		}
		k := len(b)
		b = utf8.AppendRune(b, rc.r)
		for range len(b) - k {
			align = append(align, a)
		}
	}
	return normalizedText{text: string(b), align: align}
}

// mapRunes applies a per-character rewrite: f appends the replacement of r (zero or
// more characters) to dst. Every output byte keeps the range of the character it came
// from, which is what HF's char-by-char transforms produce.
func mapRunes(n normalizedText, f func(dst []rune, r rune) []rune) normalizedText {
	var b []byte
	var align [][2]int
	var buf []rune
	changed := false
	for i := 0; i < len(n.text); {
		r, size := utf8.DecodeRuneInString(n.text[i:])
		buf = f(buf[:0], r)
		if !changed && len(buf) == 1 && buf[0] == r && (r != utf8.RuneError || size != 1) {
			i += size
			continue
		}
		if !changed {
			changed = true
			b = append(make([]byte, 0, len(n.text)+8), n.text[:i]...)
			align = append(make([][2]int, 0, len(n.text)+8), n.align[:i]...)
		}
		a := n.align[i]
		for _, c := range buf {
			k := len(b)
			b = utf8.AppendRune(b, c)
			for range len(b) - k {
				align = append(align, a)
			}
		}
		i += size
	}
	if !changed {
		return n
	}
	return normalizedText{text: string(b), align: align}
}

// slice returns text[start:end] with its alignment.
func (n normalizedText) slice(start, end int) normalizedText {
	return normalizedText{text: n.text[start:end], align: n.align[start:end]}
}

// prepend puts s before n; its bytes take the alignment of n's first character (HF's
// NormalizedString::prepend). An empty n is left alone, as in HF.
func (n normalizedText) prepend(s string) normalizedText {
	if n.text == "" {
		return n
	}
	align := make([][2]int, 0, len(s)+len(n.align))
	for range len(s) {
		align = append(align, n.align[0])
	}
	return normalizedText{text: s + n.text, align: append(align, n.align...)}
}
