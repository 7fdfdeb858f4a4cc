package lexical

import (
	"math"

	"github.com/instructd/instructd/index"
)

// accumulator is per-search scratch: a score per dense document id, a
// filter verdict per id, and the ids touched (so only those are reset).
type accumulator struct {
	scores  []float64
	state   []uint8 // 0 untouched, 1 scoring, 2 filtered out
	touched []uint32
}

const (
	untouched uint8 = iota
	scoring
	filtered
)

func (ix *Index) getAccumulator(n int) *accumulator {
	acc, _ := ix.scratch.Get().(*accumulator)
	if acc == nil {
		acc = &accumulator{}
	}
	if len(acc.scores) < n {
		acc.scores = make([]float64, n)
		acc.state = make([]uint8, n)
	}
	return acc
}

func (ix *Index) putAccumulator(acc *accumulator) {
	for _, id := range acc.touched {
		acc.scores[id] = 0
		acc.state[id] = untouched
	}
	acc.touched = acc.touched[:0]
	ix.scratch.Put(acc)
}

// Search returns up to k documents by BM25 score against query (see the
// package doc for the formula), best first, ties broken by ascending key.
// Only documents sharing at least one term with the query are returned.
// allow, when non-nil, restricts the results to keys for which it returns true;
// it is called at most once per candidate, under the index's read lock, and
// must not call back into ix. Filtering does not change the statistics.
func (ix *Index) Search(query string, k int, allow func(key uint64) bool) []index.Result {
	if k <= 0 {
		return nil
	}
	qtf := queryTerms(Analyze(query))
	if len(qtf) == 0 {
		return nil
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.ids)
	if n == 0 {
		return nil
	}
	avgdl := float64(ix.totalLen) / float64(n)
	k1, b := ix.opts.K1, ix.opts.B
	acc := ix.getAccumulator(len(ix.docs))
	defer ix.putAccumulator(acc)

	for _, q := range qtf {
		p, ok := ix.postings[q.term]
		if !ok {
			continue
		}
		w := float64(q.tf) * idf(n, len(p.docs))
		for i, id := range p.docs {
			switch acc.state[id] {
			case filtered:
				continue
			case untouched:
				acc.touched = append(acc.touched, id)
				if allow != nil && !allow(ix.docs[id].key) {
					acc.state[id] = filtered
					continue
				}
				acc.state[id] = scoring
			}
			f := float64(p.tfs[i])
			dl := float64(ix.docs[id].length)
			acc.scores[id] += w * f * (k1 + 1) / (f + k1*(1-b+b*dl/avgdl))
		}
	}

	top := index.NewTopK(k)
	for _, id := range acc.touched {
		if acc.state[id] == scoring {
			top.Push(ix.docs[id].key, float32(acc.scores[id]))
		}
	}
	if hits := top.Sorted(); len(hits) > 0 {
		return hits
	}
	return nil
}

// idf is Lucene's BM25 idf, ln(1 + (N − df + 0.5)/(df + 0.5)), always > 0.
func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// queryTerms counts repeated query terms, keeping first-seen order.
func queryTerms(terms []string) []termFreq {
	return newDocument(0, terms).terms
}

// Matching returns the documents that contain every analyzed term of phrase
// (order and adjacency are not checked). A phrase that analyzes to no terms
// (empty, or only stop words) matches nothing. The map is the caller's.
func (ix *Index) Matching(phrase string) map[uint64]struct{} {
	out := make(map[uint64]struct{})
	terms := queryTerms(Analyze(phrase))
	if len(terms) == 0 {
		return out
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	lists := make([]*postingList, 0, len(terms))
	smallest := 0
	for _, t := range terms {
		p, ok := ix.postings[t.term]
		if !ok {
			return out
		}
		if len(lists) > 0 && len(p.docs) < len(lists[smallest].docs) {
			smallest = len(lists)
		}
		lists = append(lists, p)
	}
	candidates := make(map[uint32]int, len(lists[smallest].docs))
	for _, id := range lists[smallest].docs {
		candidates[id] = 0
	}
	for _, p := range lists {
		for _, id := range p.docs {
			if c, ok := candidates[id]; ok {
				candidates[id] = c + 1
			}
		}
	}
	for id, c := range candidates {
		if c == len(lists) {
			out[ix.docs[id].key] = struct{}{}
		}
	}
	return out
}

// ContainsTerms reports whether key's document contains every one of terms
// (already analyzed, e.g. by Analyze). An unknown key or no terms give false.
// For a handful of candidates this is cheaper than Matching, which lists every
// matching document in the collection.
func (ix *Index) ContainsTerms(key uint64, terms []string) bool {
	if len(terms) == 0 {
		return false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	id, ok := ix.ids[key]
	if !ok {
		return false
	}
	doc := &ix.docs[id]
	for _, t := range terms {
		found := false
		for _, dt := range doc.terms {
			if dt.term == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// DocFreq is the number of live documents containing term (an analyzed term,
// e.g. from Analyze); it is what BM25's idf is computed from.
func (ix *Index) DocFreq(term string) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if p, ok := ix.postings[term]; ok {
		return len(p.docs)
	}
	return 0
}
