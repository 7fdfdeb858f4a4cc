package embed

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// unicodeNormalizer is one of Hugging Face's NFC, NFD, NFKC and NFKD normalizers.
// Text already in the form is returned as is (HF's alignments stay the identity);
// otherwise the (character, change) sequence of HF's unicode-normalization-alignments
// crate is rebuilt — decompose, reorder marks stably by combining class carrying
// their changes, then compose, a composite taking starter.change + mark.change - 1 —
// so that offsets match HF's, where a composed character maps to its base only.
type unicodeNormalizer struct {
	form norm.Form
}

func (u unicodeNormalizer) normalize(n normalizedText) (normalizedText, error) {
	if u.form.IsNormalString(n.text) {
		return n, nil
	}
	decomp := norm.NFD
	if u.form == norm.NFKC || u.form == norm.NFKD {
		decomp = norm.NFKD
	}
	var seq []runeChange
	var buf [utf8.UTFMax]byte
	for _, r := range n.text {
		k := utf8.EncodeRune(buf[:], r)
		d := decomp.String(string(buf[:k]))
		first := true
		for _, c := range d {
			ch := 1
			if first {
				ch, first = 0, false
			}
			seq = append(seq, runeChange{r: c, change: ch})
		}
	}
	reorderMarks(seq)
	if u.form == norm.NFC || u.form == norm.NFKC {
		seq = composeChanges(seq)
	}
	return transform(n, seq, 0), nil
}

// ccc is the canonical combining class of r.
func ccc(r rune) uint8 {
	var buf [utf8.UTFMax]byte
	k := utf8.EncodeRune(buf[:], r)
	return norm.NFD.Properties(buf[:k]).CCC()
}

// reorderMarks sorts each run of non-starters by combining class, stably.
func reorderMarks(seq []runeChange) {
	for i := 1; i < len(seq); i++ {
		c := ccc(seq[i].r)
		if c == 0 {
			continue
		}
		for j := i; j > 0; j-- {
			p := ccc(seq[j-1].r)
			if p == 0 || p <= c {
				break
			}
			seq[j-1], seq[j] = seq[j], seq[j-1]
		}
	}
}

// composeChanges applies canonical composition to a decomposed, reordered sequence.
func composeChanges(seq []runeChange) []runeChange {
	out := seq[:0:0]
	starter := -1
	last := -1 // combining class of the last character kept after the starter; -1: none
	for _, rc := range seq {
		c := int(ccc(rc.r))
		if starter >= 0 && (last == -1 || (last != 0 && last < c)) {
			if comp, ok := composePair(out[starter].r, rc.r); ok {
				out[starter].r = comp
				out[starter].change += rc.change - 1
				continue
			}
		}
		if c == 0 {
			starter, last = len(out), -1
		} else if starter >= 0 {
			last = c
		}
		out = append(out, rc)
	}
	return out
}

// composePair returns the primary composite of a and b, if any.
func composePair(a, b rune) (rune, bool) {
	s := norm.NFC.String(string([]rune{a, b}))
	r, size := utf8.DecodeRuneInString(s)
	if size == len(s) && r != a {
		return r, true
	}
	return 0, false
}
