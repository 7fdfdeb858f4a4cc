package embed

import (
	"testing"
)

func TestBertNormalizerAppendRune(t *testing.T) {
	uncased := newBertNormalizer(bertNormalizerJSON{})
	f := false
	tr := true
	cased := newBertNormalizer(bertNormalizerJSON{Lowercase: &f})
	lowerKeep := newBertNormalizer(bertNormalizerJSON{StripAccents: &f})
	casedStrip := newBertNormalizer(bertNormalizerJSON{Lowercase: &f, StripAccents: &tr})
	raw := newBertNormalizer(bertNormalizerJSON{CleanText: &f, HandleChineseChars: &f})
	tests := []struct {
		name        string
		n           *bertNormalizer
		in          rune
		want        string
		wantIsolate bool
	}{
		{"ascii lowercased", uncased, 'A', "a", false},
		{"cased keeps case", cased, 'A', "A", false},
		{"nul dropped", uncased, 0, "", false},
		{"bell dropped", uncased, '\a', "", false},
		{"vertical tab dropped, not whitespace", uncased, '\v', "", false},
		{"tab becomes space", uncased, '\t', " ", false},
		{"nbsp becomes space", uncased, '\u00a0', " ", false},
		{"ideographic space becomes space", uncased, '\u3000', " ", false},
		{"next line (Cc) dropped", uncased, '\u0085', "", false},
		{"zero width space (Cf) dropped", uncased, '\u200b', "", false},
		{"private use (Co) dropped", uncased, '\ue000', "", false},
		{"replacement char dropped", uncased, '\ufffd', "", false},
		{"raw keeps controls", raw, '\a', "\a", false},
		{"accent stripped", uncased, 'É', "e", false},
		{"accent kept when strip_accents false", lowerKeep, 'É', "é", false},
		{"cased does not strip by default", cased, 'É', "É", false},
		{"cased strips when asked", casedStrip, 'É', "E", false},
		{"dotted capital I without stripping", lowerKeep, 'İ', "i\u0307", false},
		{"dotted capital I with stripping", uncased, 'İ', "i", false},
		{"lone combining mark dropped", uncased, '\u0301', "", false},
		{"greek question mark is a semicolon", uncased, '\u037e', ";", false},
		{"ohm sign to omega", uncased, '\u2126', "ω", false},
		{"hangul syllable to jamo", uncased, '한', "\u1112\u1161\u11ab", false},
		{"hangul without final", uncased, '가', "\u1100\u1161", false},
		{"cjk isolated", uncased, '中', "中", true},
		{"cjk compatibility ideograph decomposed", uncased, '\uf900', "\u8c48", true},
		{"cjk not isolated when disabled", raw, '中', "中", false},
		{"extension gap not chinese", uncased, '\U0002b820', "\U0002b820", false},
		{"emoji kept", uncased, '😀', "😀", false},
		{"sharp s kept", uncased, 'ß', "ß", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isolate := tt.n.appendRune(nil, tt.in)
			if string(got) != tt.want || isolate != tt.wantIsolate {
				t.Fatalf("appendRune(%U) = %q isolate %v, want %q isolate %v", tt.in, string(got), isolate, tt.want, tt.wantIsolate)
			}
		})
	}
}

func TestNewBertNormalizerDefaults(t *testing.T) {
	f := false
	tests := []struct {
		name string
		j    bertNormalizerJSON
		want bertNormalizer
	}{
		{"all defaults", bertNormalizerJSON{}, bertNormalizer{cleanText: true, chinese: true, stripAccents: true, lowercase: true}},
		{"strip_accents null follows lowercase", bertNormalizerJSON{Lowercase: &f}, bertNormalizer{cleanText: true, chinese: true}},
		{"explicit strip_accents wins", bertNormalizerJSON{StripAccents: &f}, bertNormalizer{cleanText: true, chinese: true, lowercase: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := *newBertNormalizer(tt.j); got != tt.want {
				t.Fatalf("%+v, want %+v", got, tt.want)
			}
		})
	}
}
