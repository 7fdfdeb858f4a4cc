package index

import (
	"fmt"
	"math"

	"github.com/viterin/vek/vek32"
)

// prepare checks v against the index's dimension and metric and copies it into dst
// (normalised for cosine). It is used for stored vectors and queries alike.
func prepare(dst, v []float32, dim int, metric Metric) error {
	if len(v) != dim {
		return fmt.Errorf("%w: got %d, want %d", ErrDimension, len(v), dim)
	}
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: NaN or Inf component", ErrInvalidVector)
		}
		sum += f * f
	}
	if metric != Cosine {
		copy(dst, v)
		return nil
	}
	if sum == 0 || math.IsInf(sum, 0) {
		return fmt.Errorf("%w: zero or overflowing norm under cosine", ErrInvalidVector)
	}
	inv := float32(1 / math.Sqrt(sum))
	for i, x := range v {
		dst[i] = x * inv
	}
	return nil
}

// prepareBatch validates keys and vectors and returns them as one contiguous block.
func prepareBatch(keys []uint64, vectors [][]float32, dim int, metric Metric) ([]float32, error) {
	if len(keys) != len(vectors) {
		return nil, fmt.Errorf("%w: %d keys but %d vectors", ErrInvalidArgument, len(keys), len(vectors))
	}
	flat := make([]float32, len(vectors)*dim)
	for i, v := range vectors {
		if err := prepare(flat[i*dim:(i+1)*dim], v, dim, metric); err != nil {
			return nil, fmt.Errorf("key %d: %w", keys[i], err)
		}
	}
	return flat, nil
}

// similarity is the "higher is better" score of a stored vector against a query.
func similarity(metric Metric, q, v []float32) float32 {
	if metric == L2 {
		return -squaredL2(q, v)
	}
	return vek32.Dot(q, v)
}

// squaredL2 is the squared Euclidean distance, unrolled by four.
func squaredL2(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	n := len(a)
	b = b[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		d0, d1, d2, d3 := a[i]-b[i], a[i+1]-b[i+1], a[i+2]-b[i+2], a[i+3]-b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return s0 + s1 + s2 + s3
}
