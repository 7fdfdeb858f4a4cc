package constraints

import (
	"math"
	"sort"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/index/lexical"
)

// DefaultPenalty is the Rule penalty used when a request does not set one: it
// puts every violating hit below every non-violating hit.
const DefaultPenalty = 1.0

// Rule re-ranks search hits that violate a negative constraint.
type Rule struct {
	// Penalty is the demotion of a violating hit in units of the candidate
	// list's score span (see the package doc); ≤ 0 or NaN disables the rule.
	Penalty float64
}

// DefaultRule returns the rule with Penalty DefaultPenalty (1.0).
func DefaultRule() Rule { return Rule{Penalty: DefaultPenalty} }

// Apply re-ranks hits: those whose key violates (per violates) lose
// Penalty × span of score, then the list is sorted by the new score, best first
// (stable; at equal new score a non-violating hit ranks first). It returns a
// new slice and leaves hits untouched. A nil violates, an empty list or a
// disabled rule return an unchanged (unsorted) copy.
func (r Rule) Apply(hits []index.Result, violates func(key uint64) bool) []index.Result {
	if violates == nil {
		return r.ApplyGraded(hits, nil)
	}
	return r.ApplyGraded(hits, func(key uint64) float64 {
		if violates(key) {
			return 1
		}
		return 0
	})
}

// ApplyGraded is Apply with a graded violation: a hit whose key grades g in (0, 1]
// loses g × Penalty × span of score (grades outside [0, 1] are clamped; NaN is 0).
func (r Rule) ApplyGraded(hits []index.Result, grade func(key uint64) float64) []index.Result {
	out := make([]index.Result, len(hits))
	copy(out, hits)
	if grade == nil || len(out) == 0 || !(r.Penalty > 0) || math.IsInf(r.Penalty, 1) {
		return out
	}
	span := scoreSpan(out)
	bad := make([]bool, len(out))
	for i := range out {
		g := grade(out[i].Key)
		if !(g > 0) {
			continue
		}
		bad[i] = true
		out[i].Score = float32(float64(out[i].Score) - min(g, 1)*r.Penalty*span)
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		i, j := order[a], order[b]
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return !bad[i] && bad[j]
	})
	sorted := make([]index.Result, len(out))
	for n, i := range order {
		sorted[n] = out[i]
	}
	return sorted
}

// scoreSpan is max − min of the scores, falling back to |max| and then 1 so
// that a list of equal scores still has a scale to penalise by.
func scoreSpan(hits []index.Result) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, h := range hits {
		s := float64(h.Score)
		if math.IsNaN(s) {
			continue
		}
		lo = math.Min(lo, s)
		hi = math.Max(hi, s)
	}
	span := hi - lo
	if math.IsInf(lo, 1) || math.IsInf(span, 0) || math.IsNaN(span) {
		return 1
	}
	if span == 0 {
		span = math.Abs(hi)
	}
	if span == 0 {
		span = 1
	}
	return span
}

// Matcher is the slice of a lexical index that Violations needs.
type Matcher interface {
	// Matching returns the keys of documents containing every analyzed term of phrase.
	Matching(phrase string) map[uint64]struct{}
}

// TermChecker is implemented by lexical.Index: checking the few candidates of
// a search directly is cheaper than listing every matching document.
type TermChecker interface {
	// ContainsTerms reports whether key's document contains every one of the analyzed terms.
	ContainsTerms(key uint64, terms []string) bool
}

// Violations returns a predicate reporting whether a key's document contains
// any of the excluded phrases (every analyzed term of the phrase), or nil when
// nothing can violate (no phrases, or none with index terms). When m is also a
// TermChecker the predicate asks it per key; otherwise the matching sets are
// computed once, here.
func Violations(m Matcher, exclude []string) func(key uint64) bool {
	if m == nil || len(exclude) == 0 {
		return nil
	}
	if tc, ok := m.(TermChecker); ok {
		var phrases [][]string
		for _, p := range exclude {
			if terms := lexical.Analyze(p); len(terms) > 0 {
				phrases = append(phrases, terms)
			}
		}
		if len(phrases) == 0 {
			return nil
		}
		return func(key uint64) bool {
			for _, terms := range phrases {
				if tc.ContainsTerms(key, terms) {
					return true
				}
			}
			return false
		}
	}
	bad := make(map[uint64]struct{})
	for _, phrase := range exclude {
		for k := range m.Matching(phrase) {
			bad[k] = struct{}{}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return func(key uint64) bool {
		_, ok := bad[key]
		return ok
	}
}

// sortResults orders by score, best first, ties by key (as lexical.Index does).
func sortResults(rs []index.Result) {
	sort.SliceStable(rs, func(a, b int) bool {
		if rs[a].Score != rs[b].Score {
			return rs[a].Score > rs[b].Score
		}
		return rs[a].Key < rs[b].Key
	})
}
