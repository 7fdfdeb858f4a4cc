package eval

import (
	"math"
	"sort"

	"github.com/instructd/instructd/server"
)

// Judgments maps a document id to its graded relevance for one query; a value > 0 is relevant.
type Judgments map[string]int

// NumRelevant counts the documents judged relevant (relevance > 0).
func (j Judgments) NumRelevant() int {
	n := 0
	for _, rel := range j {
		if rel > 0 {
			n++
		}
	}
	return n
}

// gain is the relevance of id as an nDCG gain: the judgment when positive, else 0.
func (j Judgments) gain(id string) int {
	if rel := j[id]; rel > 0 {
		return rel
	}
	return 0
}

// Rank orders search hits as trec_eval does (score descending, then document id descending)
// and returns their ids, keeping only the first occurrence of a repeated id.
func Rank(hits []server.SearchHit) []string {
	sorted := make([]server.SearchHit, len(hits))
	copy(sorted, hits)
	sort.SliceStable(sorted, func(a, b int) bool {
		if sorted[a].Score != sorted[b].Score {
			return sorted[a].Score > sorted[b].Score
		}
		return sorted[a].ID > sorted[b].ID
	})
	ids := make([]string, 0, len(sorted))
	seen := make(map[string]struct{}, len(sorted))
	for _, h := range sorted {
		if _, dup := seen[h.ID]; dup {
			continue
		}
		seen[h.ID] = struct{}{}
		ids = append(ids, h.ID)
	}
	return ids
}

// cut returns the first k ids of ranking; k <= 0 means no cut-off.
func cut(ranking []string, k int) []string {
	if k > 0 && k < len(ranking) {
		return ranking[:k]
	}
	return ranking
}

// discount is nDCG's log2(rank+1) for a 1-based rank.
func discount(rank int) float64 { return math.Log2(float64(rank) + 1) }

// NDCG is nDCG@k with linear gain; the ideal ranking holds every relevant document in j.
// It is 0 when j has no relevant document.
func NDCG(ranking []string, j Judgments, k int) float64 {
	gains := make([]int, 0, len(j))
	for _, rel := range j {
		if rel > 0 {
			gains = append(gains, rel)
		}
	}
	if len(gains) == 0 {
		return 0
	}
	sort.Sort(sort.Reverse(sort.IntSlice(gains)))
	var ideal float64
	for i, g := range gains {
		if k > 0 && i >= k {
			break
		}
		ideal += float64(g) / discount(i+1)
	}
	var dcg float64
	for i, id := range cut(ranking, k) {
		if g := j.gain(id); g > 0 {
			dcg += float64(g) / discount(i+1)
		}
	}
	return dcg / ideal
}

// Recall is Recall@k: relevant documents within the top k over all relevant documents in j.
func Recall(ranking []string, j Judgments, k int) float64 {
	n := j.NumRelevant()
	if n == 0 {
		return 0
	}
	found := 0
	for _, id := range cut(ranking, k) {
		if j[id] > 0 {
			found++
		}
	}
	return float64(found) / float64(n)
}

// MRR is the reciprocal rank of the first relevant document within the top k, or 0.
func MRR(ranking []string, j Judgments, k int) float64 {
	for i, id := range cut(ranking, k) {
		if j[id] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// AP is average precision over the top k (trec_eval's map_cut_k): the precision at the rank
// of each relevant document within the top k, summed, over all relevant documents in j.
func AP(ranking []string, j Judgments, k int) float64 {
	n := j.NumRelevant()
	if n == 0 {
		return 0
	}
	var sum float64
	found := 0
	for i, id := range cut(ranking, k) {
		if j[id] > 0 {
			found++
			sum += float64(found) / float64(i+1)
		}
	}
	return sum / float64(n)
}
