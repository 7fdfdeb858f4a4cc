package index

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSearch measures one single-threaded query against the exact and HNSW
// engines at growing sizes (D=384, k=10, default ef): the crossover sets
// DefaultExactThreshold. Run: go test -run '^$' -bench Search -benchtime 300x ./index/
func BenchmarkSearch(b *testing.B) {
	const dim = 384
	vecs := clustered(31, benchSizes[len(benchSizes)-1]+100, dim, 100)
	queries := vecs[benchSizes[len(benchSizes)-1]:]
	for _, n := range benchSizes {
		for _, e := range []engine{{"exact", NewExact}, {"hnsw", NewHNSW}} {
			x, err := e.make(Config{Dimension: dim, InitialCapacity: n, Workers: 1})
			if err != nil {
				b.Fatal(err)
			}
			if err := x.Upsert(seqKeys(n, 0), vecs[:n]); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/N=%d", e.name, n), func(b *testing.B) {
				ctx := context.Background()
				for i := 0; b.Loop(); i++ {
					if _, err := x.Search(ctx, queries[i%len(queries)], SearchOptions{K: 10}); err != nil {
						b.Fatal(err)
					}
				}
			})
			x.Close()
		}
	}
}

// BenchmarkUpsert compares a single-threaded bulk build with one split across workers.
func BenchmarkUpsert(b *testing.B) {
	const n, dim = 5000, 384
	vecs := clustered(32, n, dim, 50)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				x, err := NewHNSW(Config{Dimension: dim, InitialCapacity: n, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if err := x.Upsert(seqKeys(n, 0), vecs); err != nil {
					b.Fatal(err)
				}
				x.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}

var benchSizes = []int{1000, 2500, 5000, 10000, 20000}

// BenchmarkBuilds compares a query on the portable and the AVX2 build of the shim,
// which shows that the AVX kernels are really taken.
func BenchmarkBuilds(b *testing.B) {
	const n, dim = 3000, 384
	vecs := clustered(33, n+100, dim, 30)
	cfg, err := Config{Dimension: dim, Workers: 1}.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	for _, avx2 := range []bool{false, true} {
		x, err := newHNSWBuild(cfg, avx2)
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Upsert(seqKeys(n, 0), vecs[:n]); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("graph/avx2=%v", avx2), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := x.Search(context.Background(), vecs[n+i%100], SearchOptions{K: 10, Ef: 128}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// An allow-list of 2,000 keys takes the exact path: pure distance kernels.
		keys := seqKeys(n, 0)
		b.Run(fmt.Sprintf("scan/avx2=%v", avx2), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := x.exact(vecs[n+i%100], 10, keys); err != nil {
					b.Fatal(err)
				}
			}
		})
		x.Close()
	}
}
