package index

import (
	"context"
	"math/rand/v2"
	"testing"
)

// clustered returns n seeded vectors around nc random centres (the shape of embedding
// clouds, and harder for ANN than uniform noise).
func clustered(seed uint64, n, dim, nc int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	centres := make([][]float32, nc)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range centres[i] {
			centres[i][j] = float32(r.NormFloat64())
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(nc)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + 0.6*float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

func seqKeys(n int, offset uint64) []uint64 {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = offset + uint64(i)
	}
	return keys
}

type engine struct {
	name string
	make func(Config) (Index, error)
}

var engines = []engine{
	{"exact", NewExact},
	{"hnsw", NewHNSW},
	{"auto", New},
}

func mustNew(t testing.TB, mk func(Config) (Index, error), cfg Config) Index {
	t.Helper()
	x, err := mk(cfg)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func mustUpsert(t testing.TB, x Index, keys []uint64, vecs [][]float32) {
	t.Helper()
	if err := x.Upsert(keys, vecs); err != nil {
		t.Fatalf("upsert: %v", err)
	}
}

func mustSearch(t testing.TB, x Index, q []float32, opts SearchOptions) []Result {
	t.Helper()
	res, err := x.Search(context.Background(), q, opts)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	return res
}

// recall is |got ∩ want| / |want| over keys.
func recall(got, want []Result) float64 {
	if len(want) == 0 {
		return 1
	}
	set := make(map[uint64]bool, len(want))
	for _, r := range want {
		set[r.Key] = true
	}
	hit := 0
	for _, r := range got {
		if set[r.Key] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

// sameTopK checks that got is want up to float noise: same length, scores equal within
// tol rank by rank, and keys equal wherever the scores are not tied within tol.
func sameTopK(t *testing.T, got, want []Result, tol float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d", len(got), len(want))
	}
	for i := range want {
		d := got[i].Score - want[i].Score
		if d > tol || d < -tol {
			t.Fatalf("rank %d: score %v, want %v (key %d vs %d)", i, got[i].Score, want[i].Score, got[i].Key, want[i].Key)
		}
	}
	wantKeys := map[uint64]float32{}
	for _, r := range want {
		wantKeys[r.Key] = r.Score
	}
	last := want[len(want)-1].Score
	for _, r := range got {
		if _, ok := wantKeys[r.Key]; !ok && r.Score-last > tol {
			t.Fatalf("key %d (score %v) not in the exact top-k", r.Key, r.Score)
		}
	}
}
