package constraints

import (
	"math"
	"reflect"
	"testing"

	"github.com/instructd/instructd/index/lexical"
)

func TestExtractScopes(t *testing.T) {
	cases := []struct {
		query string
		want  []Constraint
	}{
		{"(Aaron excluding Moses) and (Egypt excluding pharaohs)",
			[]Constraint{{"Moses", "Aaron"}, {"pharaohs", "Egypt"}}},
		{"(the Medici excluding their involvement in the arts) compared with (the Sforza excluding Milan)",
			[]Constraint{{"their involvement in the arts", "the Medici"}, {"Milan", "the Sforza"}}},
		{"compare Mozart (leaving out Vienna) with Haydn (leaving out London)",
			[]Constraint{{"Vienna", "Mozart"}, {"London", "Haydn"}}},
		{"jazz without Armstrong, versus blues without Johnson",
			[]Constraint{{"Armstrong", "jazz"}, {"Johnson", "blues"}}},
		{"tigers but not lions; wolves but not foxes",
			[]Constraint{{"lions", "tigers"}, {"foxes", "wolves"}}},
		// one sub-topic, two exclusions: no scopes
		{"the Exodus, but don't mention Moses, and don't mention Aaron",
			[]Constraint{{"Moses", ""}, {"Aaron", ""}}},
		{"the Exodus without mentioning Moses or Aaron",
			[]Constraint{{"Moses", ""}, {"Aaron", ""}}},
	}
	for _, c := range cases {
		got := Extract("", c.query).Constraints
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Extract(%q).Constraints = %q, want %q", c.query, got, c.want)
		}
	}
}

// fixedStats gives every term the same document frequency except those listed.
type fixedStats struct {
	n  int
	df map[string]int
}

func (s fixedStats) Len() int { return s.n }
func (s fixedStats) DocFreq(term string) int {
	if d, ok := s.df[term]; ok {
		return d
	}
	return 10
}

func TestGrade(t *testing.T) {
	cases := []struct {
		name    string
		phrases []Constraint
		text    string
		want    float64
	}{
		{"plain mention", []Constraint{{Phrase: "Moses"}}, "Moses led the Israelites out of Egypt", 1},
		{"no mention", []Constraint{{Phrase: "Moses"}}, "Aaron was the first high priest", 0},
		{"the passage negates it (issue 13 example)", []Constraint{{Phrase: "made by man"}},
			"an object occurring naturally; not made by man", 0},
		{"without X satisfies", []Constraint{{Phrase: "seeds"}}, "a fruit without seeds", 0},
		{"no X satisfies", []Constraint{{Phrase: "sugar"}}, "a cake with no sugar or honey", 0},
		{"negation reaches over a list", []Constraint{{Phrase: "roots"}}, "a plant body without true stems or roots or leaves", 0},
		{"with the exception of X satisfies", []Constraint{{Phrase: "children"}}, "with the exception of the children, everyone was told", 0},
		{"other than X satisfies", []Constraint{{Phrase: "agoraphobia"}}, "any phobia (other than agoraphobia)", 0},
		{"avoiding X satisfies", []Constraint{{Phrase: "friendship"}}, "an unsociable disposition; avoiding friendship", 0},
		{"X-free satisfies", []Constraint{{Phrase: "caffeine"}}, "a caffeine-free drink", 0},
		{"non-X satisfies", []Constraint{{Phrase: "toxic"}}, "a non-toxic paint", 0},
		{"a negation ends at the clause", []Constraint{{Phrase: "seeds"}}, "not ripe; the seeds are black", 1},
		{"negated once, mentioned once: it states the negation", []Constraint{{Phrase: "seeds"}}, "without seeds, unlike other fruit with seeds", 0},
		{"negation reaches over stop words", []Constraint{{Phrase: "specific examples"}}, "having no reference to concrete objects or specific examples", 0},
		{"free alone does not negate", []Constraint{{Phrase: "stream"}}, "the free stream velocity", 1},
		{"head of a long phrase is enough", []Constraint{{Phrase: "their involvement in the arts"}},
			"the Medici were patrons of the arts", 1},
		{"relational noun alone is not a mention", []Constraint{{Phrase: "their involvement in the arts"}},
			"their involvement in banking made them rich", 0},
		{"half a name is half a violation", []Constraint{{Phrase: "Tom Robinson"}}, "Tom went home", 0.5},
		{"the worst phrase counts", []Constraint{{Phrase: "Aaron"}, {Phrase: "Moses"}}, "Moses spoke", 1},
	}
	for _, c := range cases {
		g := NewGrader(nil, c.phrases)
		if got := g.Grade(c.text); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: Grade(%q) against %q = %v, want %v", c.name, c.text, c.phrases, got, c.want)
		}
	}
}

func TestGradeIDFWeights(t *testing.T) {
	// "pressure" is in 900 of 1000 documents, "distribution" in 5: a passage with
	// only the common word barely mentions "pressure distribution".
	stats := fixedStats{n: 1000, df: map[string]int{"pressur": 900, "distribut": 5}}
	g := NewGrader(stats, []Constraint{{Phrase: "pressure distribution"}})
	if got := g.Grade("the pressure rose"); got != 0 {
		t.Errorf("common word alone: grade %v, want 0", got)
	}
	if got := g.Grade("a skewed distribution"); got != 1 {
		t.Errorf("rare head alone: grade %v, want 1", got)
	}
	// with a real index
	ix := lexical.New(lexical.Options{})
	for i, s := range []string{"pressure", "pressure", "pressure", "pressure distribution"} {
		ix.Upsert(uint64(i), s)
	}
	if NewGrader(ix, []Constraint{{Phrase: "pressure distribution"}}).Grade("pressure") >= 0.5 {
		t.Error("lexical.Index stats: the frequent word should count for little")
	}
}

func TestGradeScopes(t *testing.T) {
	g := NewGrader(nil, []Constraint{{"Moses", "Aaron"}, {"pharaohs", "Egypt"}})
	cases := []struct {
		text string
		want float64
	}{
		{"Aaron and his brother Moses", 1},         // Aaron's part excludes Moses
		{"Aaron the high priest", 0},               // on Aaron, no Moses
		{"Egypt, where Moses was born", 0},         // on Egypt: Moses is excluded from Aaron's part only
		{"Egypt and its pharaohs", 1},              // Egypt's part excludes pharaohs
		{"the pharaohs and Moses", 1},              // on neither part: every exclusion applies
		{"Aaron in Egypt, before the pharaohs", 1}, // on both parts: both apply
		{"Aaron in Egypt", 0},
	}
	for _, c := range cases {
		if got := g.Grade(c.text); got != c.want {
			t.Errorf("Grade(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if NewGrader(nil, []Constraint{{Phrase: "the"}}) != nil {
		t.Error("a phrase of stop words gives a nil grader")
	}
	var nilGrader *Grader
	if nilGrader.Grade("anything") != 0 {
		t.Error("a nil grader grades 0")
	}
}
