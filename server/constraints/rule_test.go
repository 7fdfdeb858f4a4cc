package constraints

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/index/lexical"
)

func keysOf(rs []index.Result) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

func in(keys ...uint64) func(uint64) bool {
	m := map[uint64]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return func(k uint64) bool { return m[k] }
}

func TestApplyDefaultPutsViolatorsLast(t *testing.T) {
	// The same ranking at three score scales: cosine, BM25 and RRF.
	scales := map[string][]float32{
		"cosine": {0.91, 0.85, 0.80, 0.42, -0.1},
		"bm25":   {24.5, 17.0, 9.25, 3.5, 0.2},
		"rrf":    {0.0328, 0.0323, 0.0318, 0.0161, 0.0159},
	}
	for name, scores := range scales {
		t.Run(name, func(t *testing.T) {
			hits := make([]index.Result, len(scores))
			for i, s := range scores {
				hits[i] = index.Result{Key: uint64(i + 1), Score: s}
			}
			orig := append([]index.Result(nil), hits...)
			got := DefaultRule().Apply(hits, in(1, 3))
			if want := []uint64{2, 4, 5, 1, 3}; !reflect.DeepEqual(keysOf(got), want) {
				t.Fatalf("order %v, want %v", keysOf(got), want)
			}
			if !reflect.DeepEqual(hits, orig) {
				t.Fatal("Apply modified its input")
			}
			// score' = score − 1·span for violators.
			span := float64(scores[0] - scores[4])
			if d := math.Abs(float64(got[3].Score) - (float64(scores[0]) - span)); d > 1e-6 {
				t.Fatalf("violator score %v, want %v", got[3].Score, float64(scores[0])-span)
			}
		})
	}
}

func TestApplyTopViolatorTiesBottomNonViolator(t *testing.T) {
	// Key 1 scores max, so max − span = min: it ties with key 2 and must go below it.
	hits := []index.Result{{Key: 1, Score: 3}, {Key: 2, Score: 1}}
	got := DefaultRule().Apply(hits, in(1))
	if want := []uint64{2, 1}; !reflect.DeepEqual(keysOf(got), want) {
		t.Fatalf("order %v, want %v", keysOf(got), want)
	}
}

func TestApplySoftPenalty(t *testing.T) {
	// span = 10 − 0 = 10; penalty 0.25 → key 1 drops to 7.5, below key 2 (8) but above key 3 (5).
	hits := []index.Result{{Key: 1, Score: 10}, {Key: 2, Score: 8}, {Key: 3, Score: 5}, {Key: 4, Score: 0}}
	got := Rule{Penalty: 0.25}.Apply(hits, in(1))
	if want := []uint64{2, 1, 3, 4}; !reflect.DeepEqual(keysOf(got), want) {
		t.Fatalf("order %v, want %v", keysOf(got), want)
	}
	if got[1].Score != 7.5 {
		t.Fatalf("penalised score %v, want 7.5", got[1].Score)
	}
}

func TestApplyEdgeCases(t *testing.T) {
	hits := []index.Result{{Key: 1, Score: 0.5}, {Key: 2, Score: 0.5}, {Key: 3, Score: 0.5}}
	cases := []struct {
		name     string
		rule     Rule
		violates func(uint64) bool
		hits     []index.Result
		want     []uint64
	}{
		{"nil predicate", DefaultRule(), nil, hits, []uint64{1, 2, 3}},
		{"zero penalty", Rule{}, in(1), hits, []uint64{1, 2, 3}},
		{"negative penalty", Rule{Penalty: -1}, in(1), hits, []uint64{1, 2, 3}},
		{"NaN penalty", Rule{Penalty: math.NaN()}, in(1), hits, []uint64{1, 2, 3}},
		{"equal scores still demoted", DefaultRule(), in(1), hits, []uint64{2, 3, 1}},
		{"all zero scores", DefaultRule(), in(2), []index.Result{{Key: 1}, {Key: 2}, {Key: 3}}, []uint64{1, 3, 2}},
		{"all violate keeps order", DefaultRule(), in(1, 2, 3), hits, []uint64{1, 2, 3}},
		{"empty", DefaultRule(), in(1), nil, []uint64{}},
		{"single", DefaultRule(), in(1), hits[:1], []uint64{1}},
		{"unsorted input is sorted", DefaultRule(), in(9), []index.Result{{Key: 1, Score: 1}, {Key: 2, Score: 3}, {Key: 3, Score: 2}}, []uint64{2, 3, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.rule.Apply(c.hits, c.violates)
			if !reflect.DeepEqual(keysOf(got), c.want) {
				t.Fatalf("order %v, want %v", keysOf(got), c.want)
			}
		})
	}
}

type fakeMatcher map[string]map[uint64]struct{}

func (f fakeMatcher) Matching(p string) map[uint64]struct{} { return f[p] }

func TestViolations(t *testing.T) {
	m := fakeMatcher{"moses": {1: {}, 2: {}}, "aaron": {3: {}}}
	if Violations(m, nil) != nil {
		t.Fatal("no exclusions should give a nil predicate")
	}
	v := Violations(m, []string{"moses", "aaron", "unknown"})
	for k, want := range map[uint64]bool{1: true, 2: true, 3: true, 4: false} {
		if v(k) != want {
			t.Errorf("violates(%d) = %v, want %v", k, v(k), want)
		}
	}
}

// matchingOnly hides lexical.Index's ContainsTerms, forcing the Matching path.
type matchingOnly struct{ ix *lexical.Index }

func (m matchingOnly) Matching(p string) map[uint64]struct{} { return m.ix.Matching(p) }

func TestViolationsBothPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	vocab := strings.Fields("Moses Aaron Egypt Pharaoh plague sea desert Sinai law tablets the of and")
	ix := lexical.New(lexical.Options{})
	for k := uint64(0); k < 300; k++ {
		words := make([]string, 1+rng.Intn(8))
		for i := range words {
			words[i] = vocab[rng.Intn(len(vocab))]
		}
		ix.Upsert(k, strings.Join(words, " "))
	}
	for _, exclude := range [][]string{{"Moses"}, {"Moses's staff", "red sea"}, {"the Pharaoh of Egypt"}, {"the of"}, {"unicorn", "Sinai desert"}} {
		direct, viaSets := orFalse(Violations(ix, exclude)), orFalse(Violations(matchingOnly{ix}, exclude))
		for k := uint64(0); k < 310; k++ {
			if direct(k) != viaSets(k) {
				t.Fatalf("%q: key %d direct %v, via Matching %v", exclude, k, direct(k), viaSets(k))
			}
		}
	}
}

// orFalse reads a nil predicate (nothing to exclude) as "violates nothing".
func orFalse(f func(uint64) bool) func(uint64) bool {
	if f == nil {
		return func(uint64) bool { return false }
	}
	return f
}

func TestApplyGradedScalesThePenalty(t *testing.T) {
	hits := []index.Result{{Key: 1, Score: 10}, {Key: 2, Score: 9}, {Key: 3, Score: 6}, {Key: 4, Score: 0}}
	grades := map[uint64]float64{1: 0.5, 2: 1, 3: math.NaN(), 4: -1}
	got := DefaultRule().ApplyGraded(hits, func(k uint64) float64 { return grades[k] })
	// span 10: key 1 loses 5 (→5), key 2 loses 10 (→−1); NaN and negative grades are 0
	want := []index.Result{{Key: 3, Score: 6}, {Key: 1, Score: 5}, {Key: 4, Score: 0}, {Key: 2, Score: -1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ApplyGraded = %v, want %v", got, want)
	}
	if got := (Rule{}).ApplyGraded(hits, func(uint64) float64 { return 1 }); !reflect.DeepEqual(got, hits) {
		t.Errorf("a zero penalty changed the list: %v", got)
	}
}
