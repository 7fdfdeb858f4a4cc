package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
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

// Calibrate measures recall@k of the HNSW graph against exact search and returns the
// smallest ef reaching target. The queries are fresh points made from sample vectors of
// the collection (keys are their own keys): each sample is moved by a random offset as
// long as its distance to its nearest other vector, so that it is a new point of the
// same neighbourhood rather than a graph node. A graph node is found from itself far
// more easily than a new query is (on 100k clustered vectors, self-queries reached 0.98
// at ef 24 where fresh queries got 0.935), so calibrating on them overstates recall.
func Calibrate(ctx context.Context, ix Index, keys []uint64, queries [][]float32, k int, target float64) (Calibration, error) {
	if len(keys) != len(queries) || len(queries) == 0 || k <= 0 {
		return Calibration{}, fmt.Errorf("%w: %d keys, %d queries, k %d", ErrInvalidArgument, len(keys), len(queries), k)
	}
	h, release := graphOf(ix)
	if h == nil {
		return Calibration{}, ErrNotGraph
	}
	dim := h.cfg.Dimension
	truth := make([]map[uint64]bool, len(queries))
	fresh := make([][]float32, len(queries))
	q := make([]float32, dim)
	rng := rand.New(rand.NewPCG(1, uint64(len(queries))))
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
		if err = prepare(q, queries[i], dim, h.cfg.Metric); err != nil {
			break
		}
		var res []Result
		if res, err = h.exact(q, 2, live); err != nil {
			break
		}
		fresh[i] = perturb(rng, q, nearestDistance(q, res, keys[i], h.cfg.Metric))
		if err = prepare(q, fresh[i], dim, h.cfg.Metric); err != nil {
			break
		}
		if res, err = h.exact(q, k, live); err == nil {
			truth[i] = topWithout(res, ^uint64(0), k)
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
		for i, qv := range fresh {
			res, err := ix.Search(ctx, qv, SearchOptions{K: k, Ef: ef})
			if err != nil {
				return Calibration{}, fmt.Errorf("index: calibrate: %w", err)
			}
			for key := range topWithout(res, ^uint64(0), k) {
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

// nearestDistance is the distance from q (prepared) to its nearest vector other than self,
// from the exact results res (scores: inner product for cosine and dot, negated squared
// distance for l2; dot assumes neighbours of q's own length). 0 when there is none.
func nearestDistance(q []float32, res []Result, self uint64, metric Metric) float64 {
	var qq float64
	for _, x := range q {
		qq += float64(x) * float64(x)
	}
	for _, r := range res {
		if r.Key == self {
			continue
		}
		s := float64(r.Score)
		switch metric {
		case L2:
			return math.Sqrt(max(-s, 0))
		default: // cosine (unit vectors) and dot
			return math.Sqrt(max(2*qq-2*s, 0))
		}
	}
	return 0
}

// perturb returns q moved by a random Gaussian offset of expected length dist.
func perturb(rng *rand.Rand, q []float32, dist float64) []float32 {
	out := make([]float32, len(q))
	sd := dist / math.Sqrt(float64(len(q)))
	for i, x := range q {
		out[i] = x + float32(rng.NormFloat64()*sd)
	}
	return out
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
