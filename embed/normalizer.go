package embed

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// bertNormalizer is Hugging Face's BertNormalizer, applied one input character at a
// time so that every output character keeps the byte range of the input character it
// came from (HF's alignments). HF runs its steps over the whole string in this order:
// clean_text, handle_chinese_chars, strip_accents (NFD, then drop Mn), lowercase; each
// step is per character, so running all of them per character gives the same text.
type bertNormalizer struct {
	cleanText    bool
	chinese      bool
	stripAccents bool
	lowercase    bool
}

// newBertNormalizer applies HF's defaults: clean_text, handle_chinese_chars and
// lowercase default to true, and strip_accents null follows lowercase.
func newBertNormalizer(j bertNormalizerJSON) *bertNormalizer {
	n := &bertNormalizer{cleanText: true, chinese: true, lowercase: true}
	if j.CleanText != nil {
		n.cleanText = *j.CleanText
	}
	if j.HandleChineseChars != nil {
		n.chinese = *j.HandleChineseChars
	}
	if j.Lowercase != nil {
		n.lowercase = *j.Lowercase
	}
	n.stripAccents = n.lowercase
	if j.StripAccents != nil {
		n.stripAccents = *j.StripAccents
	}
	return n
}

// appendRune appends the normalized form of r (zero or more characters) to dst.
// isolate reports a CJK ideograph, around which HF inserts spaces.
func (n *bertNormalizer) appendRune(dst []rune, r rune) (out []rune, isolate bool) {
	if r < utf8.RuneSelf { // ASCII: no decomposition, no CJK
		if n.cleanText {
			if r < 0x20 || r == 0x7f {
				if r != '\t' && r != '\n' && r != '\r' {
					return dst, false
				}
				r = ' '
			}
		}
		if n.lowercase && 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r), false
	}
	if n.cleanText {
		if r == utf8.RuneError || isBertControl(r) {
			return dst, false
		}
		if isBertWhitespace(r) {
			return append(dst, ' '), false
		}
	}
	isolate = n.chinese && isChineseChar(r)
	if n.stripAccents {
		return appendStrippedLower(dst, r, n.lowercase), isolate
	}
	if n.lowercase {
		return appendLower(dst, r), isolate
	}
	return append(dst, r), isolate
}

// appendStrippedLower appends NFD(r) without its nonspacing marks (Mn), each
// character lowercased when lower is set.
func appendStrippedLower(dst []rune, r rune, lower bool) []rune {
	if sIndex := r - hangulBase; sIndex >= 0 && sIndex < hangulCount {
		// Hangul syllables decompose algorithmically into conjoining jamo (Lo).
		dst = append(dst, hangulL+sIndex/hangulNCount, hangulV+(sIndex%hangulNCount)/hangulTCount)
		if t := sIndex % hangulTCount; t != 0 {
			dst = append(dst, hangulT+t)
		}
		return dst
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFD.Properties(buf[:n]).Decomposition()
	if d == nil {
		if unicode.Is(unicode.Mn, r) {
			return dst
		}
		if lower {
			return appendLower(dst, r)
		}
		return append(dst, r)
	}
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		d = d[size:]
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		if lower {
			dst = appendLower(dst, c)
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// appendLower appends Rust's char::to_lowercase(r): the simple lowercase mapping,
// except U+0130 (İ), the one character whose full lowercase mapping is two characters.
func appendLower(dst []rune, r rune) []rune {
	if r == 'İ' {
		return append(dst, 'i', '\u0307')
	}
	return append(dst, unicode.ToLower(r))
}

// Hangul syllable decomposition constants (Unicode §3.12).
const (
	hangulBase   = 0xAC00
	hangulL      = 0x1100
	hangulV      = 0x1161
	hangulT      = 0x11A7
	hangulTCount = 28
	hangulNCount = 21 * hangulTCount
	hangulCount  = 19 * hangulNCount
)

// isBertWhitespace is HF's BERT whitespace: \t, \n, \r or Unicode White_Space.
func isBertWhitespace(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || unicode.IsSpace(r)
}

// isBertControl is HF's BERT control test: categories Cc, Cf and Co (the
// unicode_categories "other" classes that can occur in text), except \t, \n and \r.
func isBertControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isChineseChar reports the CJK ideograph blocks that HF's BertNormalizer spaces out
// (its table, including its 0x2B920 lower bound for extension E).
func isChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}
