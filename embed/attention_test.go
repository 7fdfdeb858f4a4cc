package embed

import (
	"math"
	"math/rand/v2"
	"testing"
)

// attendNaive is the textbook form: materialise A and E, then average E's rows.
func attendNaive(inst []float32, li int, q []float32, lq, d int) []float32 {
	e := make([]float64, li*d)
	for i := 0; i < li; i++ {
		s := make([]float64, lq)
		m := math.Inf(-1)
		for j := 0; j < lq; j++ {
			for k := 0; k < d; k++ {
				s[j] += float64(inst[i*d+k]) * float64(q[j*d+k])
			}
			s[j] /= math.Sqrt(float64(d))
			m = math.Max(m, s[j])
		}
		var sum float64
		for j := range s {
			s[j] = math.Exp(s[j] - m)
			sum += s[j]
		}
		for j := 0; j < lq; j++ {
			for k := 0; k < d; k++ {
				e[i*d+k] += s[j] / sum * float64(q[j*d+k])
			}
		}
	}
	out := make([]float32, d)
	for k := 0; k < d; k++ {
		var acc float64
		for i := 0; i < li; i++ {
			acc += e[i*d+k]
		}
		out[k] = float32(acc / float64(li))
	}
	Normalize(out)
	return out
}

func TestAttendMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const li, lq, d = 5, 7, 16
	inst := make([]float32, li*d)
	q := make([]float32, lq*d)
	for i := range inst {
		inst[i] = float32(rng.NormFloat64())
	}
	for i := range q {
		q[i] = float32(rng.NormFloat64())
	}
	got, err := Attend(inst, li, q, lq, d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := maxAbsDiff(got, attendNaive(inst, li, q, lq, d)); diff > 1e-6 {
		t.Fatalf("max |Δ| = %g", diff)
	}
	// Padding beyond lq must not change anything: rows past the valid count are ignored.
	padded := append(append([]float32(nil), q...), make([]float32, 3*d)...)
	for i := lq * d; i < len(padded); i++ {
		padded[i] = 50
	}
	again, _ := Attend(inst, li, padded, lq, d)
	if diff := maxAbsDiff(got, again); diff != 0 {
		t.Fatalf("padding changed the result by %g", diff)
	}
}

func TestAttendRejectsBadShapes(t *testing.T) {
	if _, err := Attend(make([]float32, 4), 2, make([]float32, 4), 0, 2); err == nil {
		t.Error("empty query: want an error")
	}
	if _, err := Attend(make([]float32, 3), 2, make([]float32, 4), 2, 2); err == nil {
		t.Error("short instruction buffer: want an error")
	}
}
