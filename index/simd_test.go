package index

import (
	"math"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestSIMDBuilds checks that the AVX2 build is the one in use where the CPU allows it,
// and that the portable build (used on CPUs without AVX2) gives the same answers.
func TestSIMDBuilds(t *testing.T) {
	const n, dim = 2000, 384
	vecs := clustered(41, n+20, dim, 20)
	cfg, err := Config{Dimension: dim}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	builds := map[bool]*hnswIndex{}
	for _, avx2 := range []bool{false, true} {
		if avx2 && !(cpu.X86.HasAVX2 && cpu.X86.HasFMA) {
			continue
		}
		x, err := newHNSWBuild(cfg, avx2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		if x.usesAVX() != avx2 {
			t.Fatalf("build avx2=%v reports AVX kernels = %v", avx2, x.usesAVX())
		}
		mustUpsert(t, x, seqKeys(n, 0), vecs[:n])
		builds[avx2] = x
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		x, err := NewHNSW(Config{Dimension: dim})
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if !x.(*hnswIndex).usesAVX() {
			t.Fatal("the CPU has AVX2+FMA but NewHNSW uses the portable build")
		}
	}
	if len(builds) < 2 {
		t.Logf("no AVX2 on this CPU: only the portable build was checked")
		return
	}
	for _, q := range vecs[n:] {
		a := mustSearch(t, builds[false], q, SearchOptions{K: 10})
		b := mustSearch(t, builds[true], q, SearchOptions{K: 10})
		if recall(a, b) < 0.9 {
			t.Fatalf("portable and AVX2 builds disagree: %v vs %v", a, b)
		}
		if math.Abs(float64(a[0].Score-b[0].Score)) > 1e-4 {
			t.Fatalf("top scores differ: %v vs %v", a[0], b[0])
		}
	}
}
