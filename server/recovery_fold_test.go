package server

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/instructd/instructd/index"
)

// TestCrashReplayOverlay crashes an HNSW collection after writes past its snapshot:
// the restart replays them into the index's exact side index and folds them into the
// graph in the background. Right after recovery, during the fold and after it, every
// written document is found by its own vector, deleted ones never are, and the counts
// hold; the next clean restart loads a snapshot with everything.
func TestCrashReplayOverlay(t *testing.T) {
	ctx := context.Background()
	d := testDeps(nil)
	d.newIndex = func(dim int, metric index.Metric, p IndexParams) (index.Index, error) {
		return index.New(index.Config{Dimension: dim, Metric: metric, ExactThreshold: 100})
	}
	d.loadIndex = index.Load
	cfg := DefaultConfig()
	cfg.DataDir, cfg.SnapshotInterval = t.TempDir(), 0
	open := func() *Server {
		t.Helper()
		s, err := openWith(ctx, cfg, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WaitRecovered(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	if _, _, err := s.CreateCollection(ctx, "c", CollectionSpec{Dimension: 8}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	vec := func() []float32 {
		v := make([]float32, 8)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	const n = 1500
	vecs := map[string][]float32{}
	var docs []Document
	for i := 0; i < n; i++ {
		id := "d" + itoa(i)
		vecs[id] = vec()
		docs = append(docs, Document{ID: id, Vector: vecs[id]})
	}
	if _, err := s.Upsert(ctx, "c", docs); err != nil {
		t.Fatal(err)
	}
	c, _ := s.collection("c")
	if err := index.WaitBuild(c.vec); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil { // writes the HNSW snapshot
		t.Fatal(err)
	}
	s = open()
	stale := [][]float32{vecs["d0"], vecs["d50"], vecs["d95"]} // replaced, replaced, deleted below
	// Past the snapshot: 100 replaced, 100 new, 30 deleted documents.
	docs = docs[:0]
	for i := 0; i < 100; i++ {
		id := "d" + itoa(i)
		vecs[id] = vec()
		docs = append(docs, Document{ID: id, Vector: vecs[id]})
		id = "new" + itoa(i)
		vecs[id] = vec()
		docs = append(docs, Document{ID: id, Vector: vecs[id]})
	}
	if _, err := s.Upsert(ctx, "c", docs); err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for i := 90; i < 120; i++ {
		deleted = append(deleted, "d"+itoa(i))
		delete(vecs, "d"+itoa(i))
	}
	if got, err := s.DeleteDocuments(ctx, "c", DeleteDocumentsRequest{IDs: deleted}); err != nil || got != len(deleted) {
		t.Fatalf("deleted %d, %v", got, err)
	}
	s.ready.Store(false) // crash: no shutdown snapshot
	_ = s.closeResources()

	check := func(s *Server, when string) {
		t.Helper()
		info, err := s.GetCollection(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		if info.Count != len(vecs) || info.Index.Count != len(vecs) || info.Index.Engine != "hnsw" {
			t.Fatalf("%s: count %d, index %+v; want %d on hnsw", when, info.Count, info.Index, len(vecs))
		}
		gone := map[string]bool{}
		for _, id := range deleted {
			gone[id] = true
		}
		queries := append([][]float32{}, stale...)
		for _, id := range []string{"d0", "d50", "d89", "d120", "d1499", "new0", "new99"} {
			queries = append(queries, vecs[id])
		}
		for i, q := range queries {
			resp, err := s.Search(ctx, "c", SearchRequest{Vector: q, K: 10, Include: []string{}})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Hits) != 10 {
				t.Fatalf("%s: query %d: %d hits", when, i, len(resp.Hits))
			}
			seen := map[string]bool{}
			for _, h := range resp.Hits {
				if gone[h.ID] || seen[h.ID] {
					t.Fatalf("%s: %s deleted or repeated in %+v", when, h.ID, resp.Hits)
				}
				seen[h.ID] = true
				// The score is that of the document's current vector, never a replaced one.
				if want := cosine(q, vecs[h.ID]); math.Abs(float64(h.Score)-want) > 1e-4 {
					t.Fatalf("%s: %s scored %v, its current vector scores %v", when, h.ID, h.Score, want)
				}
			}
			if i >= len(stale) && resp.Hits[0].Score < 0.9999 {
				t.Fatalf("%s: query %d (a live document's vector) does not find it first: %+v", when, i, resp.Hits)
			}
		}
	}
	s = open()
	check(s, "after recovery")
	c, _ = s.collection("c")
	if err := index.WaitBuild(c.vec); err != nil {
		t.Fatal(err)
	}
	check(s, "after the fold")
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close(ctx)
	check(s, "after a clean restart")
}
