package weaviate

import "testing"

func TestEfForRecall(t *testing.T) {
	for _, tc := range []struct {
		target float64
		want   int
	}{
		{0, 300}, // the default target, 0.98
		{0.5, 100},
		{0.84, 100},
		{0.9, 150},
		{0.98, 300},
		{0.99, 400},
		{0.999, 512},
		{1, 512},
	} {
		if got := efForRecall(tc.target); got != tc.want {
			t.Errorf("efForRecall(%g) = %d, want %d", tc.target, got, tc.want)
		}
	}
}
