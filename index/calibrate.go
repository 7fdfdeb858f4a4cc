package index

import (
	"context"
	"errors"
	"fmt"
)

// calibrationEfs are the ef values Calibrate tries, smallest first. They stop at 512,
// the former fixed default: on data where even 512 misses the target (random
// high-dimensional vectors), calibration never makes searches slower than before.
var calibrationEfs = []int{16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512}

// ErrNotGraph means the index answers exactly (no graph yet): nothing to calibrate.
var ErrNotGraph = errors.New("index: exact engine, no ef to calibrate")

// Calibration is the outcome of Calibrate.
type Calibration struct {
	// Ef is the smallest tried ef whose recall reached the target (the largest tried
	// when none did); Recall its measured recall@k.
	Ef     int
	Recall float64
	// Queries and Vectors say what it was measured on.
	Queries, Vectors int
}

// Calibrate measures recall@k of the HNSW graph on sample queries (vectors taken from
// the collection itself, with their own keys, which are left out of both result
// lists) against exact search, and returns the smallest ef reaching target.
func Calibrate(ctx context.Context, ix Index, keys []uint64, queries [][]float32, k int, target float64) (Calibration, error) {
	if len(keys) != len(queries) || len(queries) == 0 || k <= 0 {
		return Calibration{}, fmt.Errorf("%w: %d keys, %d queries, k %d", ErrInvalidArgument, len(keys), len(queries), k)
	}
	h, release := graphOf(ix)
	if h == nil {
		return Calibration{}, ErrNotGraph
	}
	truth := make([]map[uint64]bool, len(queries))
	q := make([]float32, h.cfg.Dimension)
	h.mu.RLock()
	if h.closed {
		h.mu.RUnlock()
		release()
		return Calibration{}, ErrClosed
	}
	live, err := h.liveKeys()
	n := len(live)
	for i := 0; err == nil && i < len(queries); i++ {
		if err = ctx.Err(); err != nil {
			break
		}
		if err = prepare(q, queries[i], h.cfg.Dimension, h.cfg.Metric); err != nil {
			break
		}
		var res []Result
		if res, err = h.exact(q, k+1, live); err == nil {
			truth[i] = topWithout(res, keys[i], k)
		}
	}
	h.mu.RUnlock()
	release()
	if err != nil {
		return Calibration{}, fmt.Errorf("index: calibrate: %w", err)
	}
	best := Calibration{Queries: len(queries), Vectors: n}
	for _, ef := range calibrationEfs {
		hit, total := 0, 0
		for i, qv := range queries {
			res, err := ix.Search(ctx, qv, SearchOptions{K: k + 1, Ef: ef})
			if err != nil {
				return Calibration{}, fmt.Errorf("index: calibrate: %w", err)
			}
			for key := range topWithout(res, keys[i], k) {
				if truth[i][key] {
					hit++
				}
			}
			total += len(truth[i])
		}
		recall := 1.0
		if total > 0 {
			recall = float64(hit) / float64(total)
		}
		best.Ef, best.Recall = ef, recall
		if recall >= target {
			break
		}
	}
	return best, nil
}

// topWithout is the first k keys of res other than self.
func topWithout(res []Result, self uint64, k int) map[uint64]bool {
	out := make(map[uint64]bool, k)
	for _, r := range res {
		if r.Key != self && len(out) < k {
			out[r.Key] = true
		}
	}
	return out
}

// graphOf returns the HNSW engine behind ix (nil when it searches exactly), held so
// that an auto index cannot swap or close it until release.
func graphOf(ix Index) (*hnswIndex, func()) {
	switch x := ix.(type) {
	case *hnswIndex:
		return x, func() {}
	case *autoIndex:
		x.mu.RLock()
		if h, ok := x.cur.(*hnswIndex); ok {
			return h, x.mu.RUnlock
		}
		x.mu.RUnlock()
	}
	return nil, nil
}
