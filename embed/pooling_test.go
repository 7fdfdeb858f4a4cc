package embed

import (
	"math"
	"slices"
	"testing"

	"github.com/instructd/instructd/models"
)

func TestPool(t *testing.T) {
	// Three rows of d=2; the third is padding.
	states := []float32{1, 2, 3, 4, 100, 100}
	mask := []int64{1, 1, 0}
	cases := []struct {
		mode models.Pooling
		want []float32
	}{
		{models.PoolingMean, []float32{2, 3}},
		{models.PoolingCLS, []float32{1, 2}},
		{models.PoolingLast, []float32{3, 4}},
	}
	for _, c := range cases {
		dst := make([]float32, 2)
		if err := Pool(dst, states, mask, 2, c.mode); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(dst, c.want) {
			t.Errorf("%s: got %v, want %v", c.mode, dst, c.want)
		}
	}
	if err := Pool(make([]float32, 2), states, mask, 2, "max"); err == nil {
		t.Error("unknown pooling: want an error")
	}
	if err := Pool(make([]float32, 3), states, mask, 2, models.PoolingMean); err == nil {
		t.Error("wrong dst size: want an error")
	}
	allPad := make([]float32, 2)
	if err := Pool(allPad, states, []int64{0, 0, 0}, 2, models.PoolingMean); err != nil || allPad[0] != 0 || allPad[1] != 0 {
		t.Errorf("no valid tokens: got %v, %v", allPad, err)
	}
}

func TestNormalize(t *testing.T) {
	v := []float32{3, 4}
	Normalize(v)
	if math.Abs(float64(v[0])-0.6) > 1e-7 || math.Abs(float64(v[1])-0.8) > 1e-7 {
		t.Fatalf("got %v", v)
	}
	zero := []float32{0, 0}
	Normalize(zero)
	if zero[0] != 0 || zero[1] != 0 {
		t.Fatalf("zero vector changed: %v", zero)
	}
}
