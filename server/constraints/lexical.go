package constraints

import (
	"github.com/instructd/instructd/index"
)

// Searcher is a BM25 index as SearchLexical needs it; lexical.Index implements it.
type Searcher interface {
	Stats
	// Search returns the top k documents for query among those allow admits (nil: all).
	Search(query string, k int, allow func(key uint64) bool) []index.Result
}

// SearchLexical runs a lexical search under negative constraints and returns at
// most fetch hits, re-ranked by rule:
//
//   - the candidates are the top fetch documents for the cleaned query (the
//     constraint clauses removed) and, when it differs, for the original query;
//   - each candidate keeps its BM25 score for the cleaned query, except one whose
//     text states the negation of an excluded phrase ("not made by man",
//     "without seeds"): it keeps its score for the original query, because it
//     matches the query's own "without X" word for word;
//   - then every candidate loses its violation grade (g) × rule.Penalty × span.
//
// texts returns the indexed texts of the given keys (missing keys grade 0); allow
// filters candidates (nil: all). With a nil g this is a plain search for cleaned.
func SearchLexical(ix Searcher, original, cleaned string, g *Grader, rule Rule, fetch int,
	allow func(key uint64) bool, texts func(keys []uint64) map[uint64]string) []index.Result {
	hits := ix.Search(cleaned, fetch, allow)
	if g == nil {
		return hits
	}
	inSet := make(map[uint64]bool, 2*len(hits))
	keys := make([]uint64, 0, 2*len(hits))
	add := func(rs []index.Result) {
		for _, r := range rs {
			if !inSet[r.Key] {
				inSet[r.Key] = true
				keys = append(keys, r.Key)
			}
		}
	}
	add(hits)
	if original != cleaned && original != "" {
		add(ix.Search(original, fetch, allow))
	}
	text := texts(keys)
	member := func(k uint64) bool { return inSet[k] }
	cleanScore := scores(ix.Search(cleaned, len(keys), member))
	var origScore map[uint64]float32
	out := make([]index.Result, 0, len(keys))
	grades := make(map[uint64]float64, len(keys))
	for _, k := range keys {
		t := text[k]
		score, ok := cleanScore[k]
		if original != cleaned && original != "" && g.Negates(t) {
			if origScore == nil {
				origScore = scores(ix.Search(original, len(keys), member))
			}
			score, ok = origScore[k]
		}
		if !ok {
			continue // matches none of the cleaned query's terms
		}
		grades[k] = g.Grade(t)
		out = append(out, index.Result{Key: k, Score: score})
	}
	sortResults(out)
	out = rule.ApplyGraded(out, func(k uint64) float64 { return grades[k] })
	if len(out) > fetch {
		out = out[:fetch]
	}
	return out
}

func scores(rs []index.Result) map[uint64]float32 {
	m := make(map[uint64]float32, len(rs))
	for _, r := range rs {
		m[r.Key] = r.Score
	}
	return m
}
