package embed

import (
	"fmt"
	"math"
)

// Attend combines an instruction and a query the InF-Embed way. inst holds li token
// vectors and query lq token vectors, d floats each, row-major, and ONLY the valid tokens
// of each encoding (special tokens included, padding excluded): passing valid rows only is
// the mask, so no padded query token can receive attention weight (the released InF-Embed
// code adds -1e-8 to masked scores, which masks nothing). With I and Q those matrices:
//
//	A = softmax_rows(I·Qᵀ / √d)   (li × lq)
//	E = A·Q                        (li × d)
//	v = mean of E's rows, L2-normalised
//
// Since the mean of E's rows is (mean of A's rows)·Q, v is computed without materialising E.
func Attend(inst []float32, li int, query []float32, lq int, d int) ([]float32, error) {
	if li <= 0 || lq <= 0 || d <= 0 || len(inst) < li*d || len(query) < lq*d {
		return nil, fmt.Errorf("embed: attend: bad shapes: instruction %d×%d (%d floats), query %d×%d (%d floats)",
			li, d, len(inst), lq, d, len(query))
	}
	scale := 1 / math.Sqrt(float64(d))
	scores := make([]float64, lq)
	weights := make([]float64, lq) // mean over instruction tokens of A's rows
	for i := 0; i < li; i++ {
		row := inst[i*d : i*d+d]
		maxScore := math.Inf(-1)
		for j := 0; j < lq; j++ {
			q := query[j*d : j*d+d]
			var s float64
			for k, x := range row {
				s += float64(x) * float64(q[k])
			}
			s *= scale
			scores[j] = s
			if s > maxScore {
				maxScore = s
			}
		}
		var sum float64
		for j, s := range scores {
			e := math.Exp(s - maxScore)
			scores[j] = e
			sum += e
		}
		for j, e := range scores {
			weights[j] += e / sum
		}
	}
	acc := make([]float64, d)
	for j := 0; j < lq; j++ {
		w := weights[j] / float64(li)
		q := query[j*d : j*d+d]
		for k, x := range q {
			acc[k] += w * float64(x)
		}
	}
	out := make([]float32, d)
	for k, x := range acc {
		out[k] = float32(x)
	}
	Normalize(out)
	return out, nil
}
