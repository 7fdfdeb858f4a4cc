package server

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/instructd/instructd/index"
)

// TestAutomaticCompaction deletes half of an HNSW collection: past 1,000 tombstones and
// 30% of the graph a compaction starts by itself, and afterwards the graph holds no
// tombstones and every live document is still found by its own vector.
func TestAutomaticCompaction(t *testing.T) {
	d := testDeps(nil)
	d.newIndex = func(dim int, metric index.Metric, p IndexParams) (index.Index, error) {
		return index.New(index.Config{Dimension: dim, Metric: metric, ExactThreshold: 100})
	}
	d.loadIndex = index.Load
	cfg := DefaultConfig()
	cfg.DataDir, cfg.SnapshotInterval = t.TempDir(), 0
	s, err := openWith(context.Background(), cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if err := s.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := s.CreateCollection(ctx, "c", CollectionSpec{Dimension: 4}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 3000
	vecs := make(map[string][]float32, n)
	var docs []Document
	for i := 0; i < n; i++ {
		v := []float32{rng.Float32() + 0.1, rng.Float32(), rng.Float32(), rng.Float32()}
		id := "d" + itoa(i)
		vecs[id] = v
		docs = append(docs, Document{ID: id, Vector: v})
	}
	if _, err := s.Upsert(ctx, "c", docs); err != nil {
		t.Fatal(err)
	}
	c, _ := s.collection("c")
	if err := index.WaitBuild(c.vec); err != nil {
		t.Fatal(err)
	}
	var del []string
	for i := 0; i < n; i += 2 {
		del = append(del, "d"+itoa(i))
	}
	if got, err := s.DeleteDocuments(ctx, "c", DeleteDocumentsRequest{IDs: del}); err != nil || got != n/2 {
		t.Fatalf("deleted %d, %v", got, err)
	}
	var st CollectionStats
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if st, err = s.Stats(ctx, "c"); err != nil || (!st.Compacting && st.DeletedVectors == 0) {
			break
		}
	}
	if err != nil || st.Compacting || st.DeletedVectors != 0 || st.LiveVectors != n/2 || st.Engine != "hnsw" {
		t.Fatalf("after automatic compaction: %+v %v", st, err)
	}
	for i := 1; i < 200; i += 2 {
		id := "d" + itoa(i)
		res, err := s.Search(ctx, "c", SearchRequest{Vector: vecs[id], K: 1, Ef: 200})
		if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != id {
			t.Fatalf("search for %s after compaction: %+v %v", id, res.Hits, err)
		}
	}
}
