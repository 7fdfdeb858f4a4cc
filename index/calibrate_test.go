package index

import (
	"context"
	"errors"
	"testing"
)

// TestCalibrateReachesTarget: the chosen ef reaches the target recall on the
// collection's own vectors, a higher target never picks a smaller ef, and an exact
// index has nothing to calibrate.
func TestCalibrateReachesTarget(t *testing.T) {
	const n, dim = 3000, 16
	vecs := clustered(51, n, dim, 20)
	ix := mustNew(t, NewHNSW, Config{Dimension: dim, M: 8, EfConstruction: 64})
	mustUpsert(t, ix, seqKeys(n, 0), vecs)
	keys := seqKeys(100, 0)
	qs := vecs[:100]
	lo, err := Calibrate(context.Background(), ix, keys, qs, 10, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	hi, err := Calibrate(context.Background(), ix, keys, qs, 10, 0.999)
	if err != nil {
		t.Fatal(err)
	}
	if lo.Recall < 0.9 || lo.Vectors != n || lo.Queries != 100 {
		t.Fatalf("target 0.9: %+v", lo)
	}
	if hi.Ef < lo.Ef || (hi.Recall < 0.999 && hi.Ef != calibrationEfs[len(calibrationEfs)-1]) {
		t.Fatalf("target 0.999 chose %+v after %+v for 0.9", hi, lo)
	}
	ex := mustNew(t, NewExact, Config{Dimension: dim})
	mustUpsert(t, ex, keys, qs)
	if _, err := Calibrate(context.Background(), ex, keys, qs, 10, 0.9); !errors.Is(err, ErrNotGraph) {
		t.Fatalf("exact index: %v, want ErrNotGraph", err)
	}
}
