package server

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/instructd/instructd/index"
)

// Benchmarks use the real store (fsync on) and the real index; figures are meant as
// ratios between sub-benchmarks of one run:
//
//	go test ./server -run '^$' -bench . -benchtime 2x
func benchServer(b *testing.B) *Server {
	b.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = b.TempDir()
	cfg.SnapshotInterval = 0
	s, err := Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.WaitRecovered(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func randomVectors(rng *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		out[i] = v
	}
	return out
}

// BenchmarkUpsertVectors measures durable ingest of pre-computed 384-d vectors by call
// size: one fsynced transaction per call, so larger calls amortise the commit.
func BenchmarkUpsertVectors(b *testing.B) {
	const total = 2048
	rng := rand.New(rand.NewPCG(1, 1))
	vecs := randomVectors(rng, total, 384)
	for _, batch := range []int{1, 64, 512} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := benchServer(b)
				if _, _, err := s.CreateCollection(context.Background(), "v", CollectionSpec{Dimension: 384}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for off := 0; off < total; off += batch {
					docs := make([]Document, batch)
					for i := range docs {
						docs[i] = Document{ID: fmt.Sprintf("d%d", off+i), Vector: vecs[off+i], Metadata: map[string]any{"i": off + i}}
					}
					if _, err := s.Upsert(context.Background(), "v", docs); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// BenchmarkFilteredSearch compares the two ways a filter can reach the index on 20,000
// documents (HNSW): an allow-list of keys built per query by a metadata scan, and the
// per-candidate predicate Search uses, at 10% and 1% selectivity, with recall@10
// against an exact filtered scan.
func BenchmarkFilteredSearch(b *testing.B) {
	const n, dim = 20_000, 32
	s := benchServer(b)
	ctx := context.Background()
	if _, _, err := s.CreateCollection(ctx, "v", CollectionSpec{Dimension: dim}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	vecs := randomVectors(rng, n, dim)
	for off := 0; off < n; off += 1000 {
		docs := make([]Document, 1000)
		for i := range docs {
			docs[i] = Document{ID: fmt.Sprintf("d%d", off+i), Vector: vecs[off+i], Metadata: map[string]any{"b": (off + i) % 100}}
		}
		if _, err := s.Upsert(ctx, "v", docs); err != nil {
			b.Fatal(err)
		}
	}
	c, _ := s.collection("v")
	queries := randomVectors(rng, 50, dim)
	for _, sel := range []struct {
		name   string
		filter string
	}{{"10pct", `{"b": {"$lt": 10}}`}, {"1pct", `{"b": 7}`}} {
		// Exact reference: vector-only collections with cosine; brute force in Go.
		f, _ := parseFilter([]byte(sel.filter))
		exact := make([]map[string]bool, len(queries))
		for qi, q := range queries {
			exact[qi] = exactTop(s, c, f, q, 10)
		}
		for _, mode := range []string{"keyset", "predicate"} {
			b.Run(sel.name+"/"+mode, func(b *testing.B) {
				var hit, total int
				i := 0
				for b.Loop() {
					q := queries[i%len(queries)]
					// What Search does, with the filter form under test.
					c.mu.RLock()
					vf := c.vectorFilter(f)
					if mode == "keyset" {
						vf = keySetFilter(c, f)
					}
					res, err := c.vec.Search(ctx, q, index.SearchOptions{K: 10, Filter: vf})
					c.mu.RUnlock()
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range res {
						if exact[i%len(queries)][c.keys[r.Key].doc.id] {
							hit++
						}
					}
					total += 10
					i++
				}
				b.ReportMetric(float64(hit)/float64(total), "recall@10")
			})
		}
	}
}

// keySetFilter is the allow-list alternative to vectorFilter: a metadata scan per query.
func keySetFilter(c *collection, f filterNode) *index.Filter {
	keys := map[uint64]struct{}{}
	for k, ref := range c.keys {
		if f.match(ref.doc.meta) {
			keys[k] = struct{}{}
		}
	}
	return &index.Filter{Keys: keys}
}

// exactTop is the exact filtered top-k by cosine, for recall.
func exactTop(s *Server, c *collection, f filterNode, q []float32, k int) map[string]bool {
	var ids []string
	for id, e := range c.docs {
		if f.match(e.meta) {
			ids = append(ids, id)
		}
	}
	recs, err := s.store.GetMany(c.name, ids, true)
	if err != nil {
		panic(err)
	}
	type scored struct {
		id string
		s  float64
	}
	all := make([]scored, 0, len(recs))
	for _, r := range recs {
		var dot float64
		for i := range q {
			dot += float64(q[i]) * float64(r.Vector[i])
		}
		all = append(all, scored{r.ID, dot / math.Sqrt(norm(r.Vector))})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].s > all[j].s })
	out := map[string]bool{}
	for i := 0; i < k && i < len(all); i++ {
		out[all[i].id] = true
	}
	return out
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// BenchmarkRecovery measures Open of a collection of 20,000 pre-computed 384-d vectors
// with a fresh snapshot against a rebuild from the store (snapshot sidecar removed).
func BenchmarkRecovery(b *testing.B) {
	const n, dim = 20_000, 384
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.DataDir = b.TempDir()
	cfg.SnapshotInterval = 0
	s, err := Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.WaitRecovered(ctx); err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.CreateCollection(ctx, "v", CollectionSpec{Dimension: dim}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for off := 0; off < n; off += 1000 {
		docs := make([]Document, 1000)
		vecs := randomVectors(rng, 1000, dim)
		for i := range docs {
			docs[i] = Document{ID: fmt.Sprintf("d%d", off+i), Vector: vecs[i], Metadata: map[string]any{"i": off + i}}
		}
		if _, err := s.Upsert(ctx, "v", docs); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"snapshot", "rebuild"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				if mode == "rebuild" {
					if err := removeIfExists(snapshotPaths(cfg.DataDir, "v")[2]); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				s, err := Open(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.WaitRecovered(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if info, _ := s.GetCollection(ctx, "v"); info.Index.Count != n {
					b.Fatalf("recovered %d vectors", info.Index.Count)
				}
				if err := s.Close(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
