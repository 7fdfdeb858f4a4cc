package lexical

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/segment"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"golang.org/x/text/unicode/norm"
)

// maxTermBytes drops longer "words" (base64 blobs, URLs without breaks): they
// never match a query and would only bloat the dictionary.
const maxTermBytes = 128

// Analyze turns text into index terms: UAX #29 words, lowercased, accent-folded,
// English stop words removed, Latin words Snowball-stemmed. It is the analyzer
// used for both documents and queries, exported so that other packages (the
// negative-constraint matcher) see text exactly as the index does.
func Analyze(text string) []string {
	if text == "" {
		return nil
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
	}
	var terms []string
	seg := segment.NewWordSegmenterDirect([]byte(text))
	for seg.Segment() {
		if seg.Type() == segment.None {
			continue
		}
		if t := normalizeWord(seg.Text(), seg.Type()); t != "" {
			terms = append(terms, t)
		}
	}
	// seg.Err() is only set for tokens longer than the scanner buffer; the
	// words before the failure are still good, so they are kept.
	return terms
}

// normalizeWord lowercases, folds and stems one segmented word; "" drops it.
func normalizeWord(w string, typ int) string {
	if len(w) > maxTermBytes {
		return ""
	}
	w = strings.ToLower(w)
	if !isASCII(w) {
		w = foldAccents(strings.ReplaceAll(w, "\u2019", "'"))
	}
	if typ == segment.Number {
		return w
	}
	if isStopWord(w) {
		return ""
	}
	w = stripPossessive(w)
	if w == "" || isStopWord(w) {
		return ""
	}
	if isLatinWord(w) && len(w) > 2 {
		env := snowballstem.NewEnv(w)
		english.Stem(env)
		w = env.Current()
	}
	return w
}

// stripPossessive removes a trailing "'s" or "'" ("Moses's", "Moses'" → "moses").
func stripPossessive(w string) string {
	w = strings.TrimSuffix(w, "'s")
	return strings.Trim(w, "'")
}

// foldAccents removes combining marks after canonical decomposition ("é" → "e").
func foldAccents(w string) string {
	d := norm.NFD.String(w)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isLatinWord reports whether w is made only of a–z and apostrophes, the
// alphabet the English stemmer is defined on.
func isLatinWord(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (c < 'a' || c > 'z') && c != '\'' {
			return false
		}
	}
	return true
}
