package lexical

import (
	"math"

	"github.com/instructd/instructd/index"
)

// Search returns up to k documents by BM25 score against query (see the
// package doc for the formula), best first, ties broken by ascending key.
// Only documents sharing at least one term with the query are returned.
// allow, when non-nil, restricts the results to keys for which it returns true;
// it is called under the index's read lock and must not call back into ix.
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
	n := len(ix.docs)
	if n == 0 {
		return nil
	}
	avgdl := float64(ix.totalLen) / float64(n)
	k1, b := ix.opts.K1, ix.opts.B

	scores := make(map[uint64]float64)
	var denied map[uint64]struct{}
	for _, q := range qtf {
		p, ok := ix.postings[q.term]
		if !ok {
			continue
		}
		w := float64(q.tf) * idf(n, len(p.tf))
		for key, tf := range p.tf {
			if allow != nil {
				if _, seen := scores[key]; !seen {
					if _, no := denied[key]; no {
						continue
					}
					if !allow(key) {
						if denied == nil {
							denied = make(map[uint64]struct{})
						}
						denied[key] = struct{}{}
						continue
					}
				}
			}
			dl := float64(ix.docs[key].length)
			f := float64(tf)
			scores[key] += w * f * (k1 + 1) / (f + k1*(1-b+b*dl/avgdl))
		}
	}

	top := newTopK(k)
	for key, s := range scores {
		top.push(index.Result{Key: key, Score: float32(s)})
	}
	return top.sorted()
}

// idf is Lucene's BM25 idf, ln(1 + (N − df + 0.5)/(df + 0.5)), always > 0.
func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// queryTerms counts repeated query terms, keeping first-seen order.
func queryTerms(terms []string) []termFreq {
	doc := newDocument(terms)
	return doc.terms
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
		if len(lists) > 0 && len(p.tf) < len(lists[smallest].tf) {
			smallest = len(lists)
		}
		lists = append(lists, p)
	}
	for key := range lists[smallest].tf {
		if containsAll(lists, key) {
			out[key] = struct{}{}
		}
	}
	return out
}

func containsAll(lists []*postingList, key uint64) bool {
	for _, p := range lists {
		if _, ok := p.tf[key]; !ok {
			return false
		}
	}
	return true
}
