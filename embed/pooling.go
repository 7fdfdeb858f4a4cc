package embed

import (
	"fmt"
	"math"

	"github.com/instructd/instructd/models"
)

// Pool reduces one text's token vectors to a sentence vector. states holds L rows of d
// floats (row-major); mask marks the real tokens (1) among the L rows, so padding never
// contributes. mean averages the real tokens, cls takes the first row, last takes the
// last real token (for decoder models padded on the right). dst receives the d floats.
func Pool(dst, states []float32, mask []int64, d int, mode models.Pooling) error {
	if len(dst) != d || len(states) < len(mask)*d {
		return fmt.Errorf("embed: pool: %d states for %d tokens × %d dims into %d", len(states), len(mask), d, len(dst))
	}
	switch mode {
	case models.PoolingMean, "":
		clear(dst)
		n := 0
		for t, m := range mask {
			if m == 0 {
				continue
			}
			n++
			row := states[t*d : t*d+d]
			for j, v := range row {
				dst[j] += v
			}
		}
		if n == 0 {
			return nil
		}
		inv := 1 / float32(n)
		for j := range dst {
			dst[j] *= inv
		}
	case models.PoolingCLS:
		if len(mask) == 0 {
			clear(dst)
			return nil
		}
		copy(dst, states[:d])
	case models.PoolingLast:
		clear(dst)
		for t := len(mask) - 1; t >= 0; t-- {
			if mask[t] != 0 {
				copy(dst, states[t*d:t*d+d])
				break
			}
		}
	default:
		return fmt.Errorf("embed: unknown pooling %q", mode)
	}
	return nil
}

// Normalize scales v to unit L2 length in place; a zero vector is left as it is.
func Normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

// checkPooling matches the manifest's pooling with the session's output: pooling none
// needs an output that is already one vector per text (rank 2), every other pooling needs
// token vectors (rank 3).
func checkPooling(m models.Manifest, s *Session) error {
	switch {
	case m.Pooling == models.PoolingNone && !s.Pooled():
		return fmt.Errorf("pooling none needs a batch × dim output, but %q has token vectors (set pooling mean, cls or last)", m.OutputName)
	case m.Pooling != models.PoolingNone && s.Pooled():
		return fmt.Errorf("output %q is already pooled (batch × dim): set pooling none", m.OutputName)
	}
	return nil
}
