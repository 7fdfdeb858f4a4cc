package lexical

import (
	"reflect"
	"strings"
	"testing"
)

func TestAnalyze(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only stop words", "The and of, to be or not to be!", nil},
		{"lowercase and stem", "Running RUNS runner quickly", []string{"run", "run", "runner", "quick"}},
		{"accents folded", "Café résumé naïve Ångström", []string{"cafe", "resum", "naiv", "angstrom"}},
		{"possessive", "Moses's staff, Moses' rod", []string{"mose", "staff", "mose", "rod"}},
		{"curly apostrophe contraction is a stop word", "don’t DON'T", nil},
		{"punctuation and hyphens split words", "state-of-the-art: e-mail", []string{"state", "art", "e", "mail"}},
		{"numbers kept", "in 1984 pi was 3.14", []string{"1984", "pi", "3.14"}},
		{"acronym with dots is one word", "the U.S.A. team", []string{"u.s.a", "team"}},
		{"cjk ideographs one per term", "東京タワー", []string{"東", "京", "タワー"}},
		{"greek lowercased not stemmed", "ΑΘΗΝΑ", []string{"αθηνα"}},
		{"dotted capital I folds", "İstanbul", []string{"istanbul"}},
		{"invalid utf-8 does not panic", string([]byte{0xff, 'd', 'o', 'g', 0xfe}), []string{"dog"}},
		{"knot is not not", "knot not knots", []string{"knot", "knot"}},
		{"overlong word dropped", strings.Repeat("a", maxTermBytes+1) + " cat", []string{"cat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Analyze(c.in)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Analyze(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestAnalyzeStemsQueryAndDocumentAlike(t *testing.T) {
	doc := Analyze("The connected connections were connecting")
	for _, term := range doc {
		if term != "connect" {
			t.Fatalf("got %q, want every term to stem to connect", doc)
		}
	}
}
