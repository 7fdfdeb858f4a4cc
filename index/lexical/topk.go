package lexical

import (
	"sort"

	"github.com/instructd/instructd/index"
)

// topK keeps the k best results seen so far in a min-heap whose root is the
// worst kept result ("worse" = lower score, or equal score and larger key).
type topK struct {
	k    int
	heap []index.Result
}

func newTopK(k int) *topK { return &topK{k: k} }

// better reports whether a ranks before b: higher score, then smaller key.
func better(a, b index.Result) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Key < b.Key
}

// push offers r, evicting the current worst when full and r is better.
func (t *topK) push(r index.Result) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, r)
		t.up(len(t.heap) - 1)
		return
	}
	if !better(r, t.heap[0]) {
		return
	}
	t.heap[0] = r
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !better(t.heap[parent], t.heap[i]) {
			break
		}
		t.heap[parent], t.heap[i] = t.heap[i], t.heap[parent]
		i = parent
	}
}

func (t *topK) down(i int) {
	n := len(t.heap)
	for {
		worst := i
		l, r := 2*i+1, 2*i+2
		if l < n && better(t.heap[worst], t.heap[l]) {
			worst = l
		}
		if r < n && better(t.heap[worst], t.heap[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		t.heap[i], t.heap[worst] = t.heap[worst], t.heap[i]
		i = worst
	}
}

// sorted returns the kept results best first; t must not be used afterwards.
func (t *topK) sorted() []index.Result {
	out := t.heap
	sort.Slice(out, func(i, j int) bool { return better(out[i], out[j]) })
	t.heap = nil
	return out
}
