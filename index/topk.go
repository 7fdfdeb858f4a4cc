package index

import "sort"

// TopK keeps the k best results seen so far in a fixed-size min-heap (the worst
// result at the root), so a scan costs O(n log k) and allocates once. Ties rank the
// smaller key first. It is not safe for concurrent use.
type TopK struct {
	k     int
	items []Result
}

// NewTopK returns an empty TopK that keeps k results.
func NewTopK(k int) *TopK { return &TopK{k: k, items: make([]Result, 0, k)} }

// worse orders results: lower score first, then larger key (a stable tie-break).
func worse(a, b Result) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.Key > b.Key
}

// Push offers one result.
func (t *TopK) Push(key uint64, score float32) {
	r := Result{Key: key, Score: score}
	if len(t.items) < t.k {
		t.items = append(t.items, r)
		t.up(len(t.items) - 1)
		return
	}
	if !worse(t.items[0], r) {
		return
	}
	t.items[0] = r
	t.down(0)
}

func (t *TopK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(t.items[i], t.items[p]) {
			return
		}
		t.items[i], t.items[p] = t.items[p], t.items[i]
		i = p
	}
}

func (t *TopK) down(i int) {
	n := len(t.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && worse(t.items[r], t.items[l]) {
			m = r
		}
		if !worse(t.items[m], t.items[i]) {
			return
		}
		t.items[i], t.items[m] = t.items[m], t.items[i]
		i = m
	}
}

// Merge offers every result of o.
func (t *TopK) Merge(o *TopK) {
	for _, r := range o.items {
		t.Push(r.Key, r.Score)
	}
}

// Sorted returns the results best first; t must not be used afterwards.
func (t *TopK) Sorted() []Result {
	out := t.items
	sort.Slice(out, func(i, j int) bool { return worse(out[j], out[i]) })
	return out
}
