package server

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/internal/testenv"
)

// openReal opens a server with the real embed, index and lexical packages and the
// generated test-tiny pack.
func openReal(t *testing.T, dir string) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.ModelPacks = []string{testenv.Pack(t, "test-tiny")}
	cfg.ORTLibrary = testenv.ORTLibrary(t)
	cfg.Threads = 1
	cfg.SnapshotInterval = 0
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open with test-tiny: %v", err)
	}
	if err := s.WaitRecovered(context.Background()); err != nil {
		t.Fatalf("open with test-tiny: %v", err)
	}
	return s
}

func TestRealPackEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openReal(t, dir)
	if m := s.Models(); len(m) != 1 || m[0].ID != "instructd/test-tiny" || m[0].Dimension != 32 {
		t.Fatalf("models: %+v", m)
	}
	if _, _, err := s.CreateCollection(ctx, "docs", CollectionSpec{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateCollection(ctx, "chunked", CollectionSpec{Chunking: &ChunkingSpec{WindowTokens: 16, OverlapTokens: 4}}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("the quick brown fox jumps over the lazy dog ", 40)
	docs := []Document{
		{ID: "fox", Text: "the quick brown fox", Metadata: map[string]any{"animal": "fox"}},
		{ID: "dog", Text: "a lazy dog sleeps", Metadata: map[string]any{"animal": "dog"}},
		{ID: "long", Text: long},
	}
	res, err := s.Upsert(ctx, "docs", docs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Upserted != 3 || !reflect.DeepEqual(res.Truncated, []string{"long"}) {
		t.Fatalf("upsert: %+v", res)
	}
	if res, err := s.Upsert(ctx, "chunked", docs); err != nil || len(res.Truncated) != 0 {
		t.Fatalf("chunked upsert: %+v %v", res, err)
	}
	fox, err := s.GetDocument(ctx, "docs", "fox")
	if err != nil || len(fox.Vector) != 32 {
		t.Fatalf("get: %+v %v", fox, err)
	}
	resp, err := s.Search(ctx, "docs", SearchRequest{Vector: fox.Vector, K: 3})
	if err != nil || resp.Hits[0].ID != "fox" || resp.Hits[0].Score < 0.999 {
		t.Fatalf("vector search: %+v %v", resp, err)
	}
	resp, err = s.Search(ctx, "docs", SearchRequest{Query: "lazy dog", K: 3, Filter: []byte(`{"animal": {"$ne": "fox"}}`), Mode: ModeHybrid})
	if err != nil || len(resp.Hits) != 2 {
		t.Fatalf("hybrid filtered search: %+v %v", resp, err)
	}
	for _, h := range resp.Hits {
		if h.ID == "fox" {
			t.Fatal("filter ignored")
		}
	}
	resp, err = s.Search(ctx, "chunked", SearchRequest{Query: "quick brown fox", K: 3})
	if err != nil || len(resp.Hits) != 3 {
		t.Fatalf("chunked search: %+v %v", resp, err)
	}
	for _, h := range resp.Hits {
		if h.Passage == nil || h.Text[h.Passage.Start:h.Passage.End] != h.Passage.Text {
			t.Fatalf("hit %s: bad passage %+v", h.ID, h.Passage)
		}
	}
	if _, err := s.Embed(ctx, EmbedRequest{Inputs: []string{"hi"}, Dimensions: 8, InputType: "query"}); err != nil {
		t.Fatal(err)
	}
	want := searchAll(t, s, fox.Vector)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = openReal(t, dir)
	defer s.Close(ctx)
	for _, r := range []string{"missing", "stale", "corrupt"} {
		if n := testutil.ToFloat64(s.metrics.rebuilds.WithLabelValues(r)); n != 0 {
			t.Fatalf("%v rebuilds (%s) after a clean shutdown", n, r)
		}
	}
	if got := searchAll(t, s, fox.Vector); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %v, want %v", got, want)
	}
}

func searchAll(t *testing.T, s *Server, v []float32) []string {
	t.Helper()
	var out []string
	for _, coll := range []string{"docs", "chunked"} {
		resp, err := s.Search(context.Background(), coll, SearchRequest{Vector: v, K: 10, Include: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range resp.Hits {
			out = append(out, coll+"/"+h.ID)
		}
	}
	return out
}

func TestRealIndexRecoveryBeyondExactThreshold(t *testing.T) {
	// 24,000 vectors, past index.DefaultExactThreshold: the real index has built its HNSW
	// graph; its snapshot must reload, a rebuild (snapshot removed) must answer the
	// same, and writes past a snapshot must be replayed after a crash.
	ctx := context.Background()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.SnapshotInterval = 0
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateCollection(ctx, "v", CollectionSpec{Dimension: 8}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, 8)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	const n = 24_000
	if n <= index.DefaultExactThreshold {
		t.Fatal("the test must cross the exact threshold")
	}
	for b := 0; b < n/500; b++ {
		docs := make([]Document, 500)
		for i := range docs {
			docs[i] = Document{ID: "d" + itoa(b*500+i), Vector: vec(), Metadata: map[string]any{"b": b}}
		}
		if _, err := s.Upsert(ctx, "v", docs); err != nil {
			t.Fatal(err)
		}
	}
	queries := make([][]float32, 20)
	for i := range queries {
		queries[i] = vec()
	}
	run := func(s *Server) [][]string {
		var out [][]string
		for _, q := range queries {
			resp, err := s.Search(ctx, "v", SearchRequest{Vector: q, K: 10, Ef: 200, Include: []string{}})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, h := range resp.Hits {
				ids = append(ids, h.ID)
			}
			out = append(out, ids)
		}
		return out
	}
	engine := func(s *Server) string {
		c, err := s.collection("v")
		if err != nil {
			t.Fatal(err)
		}
		if err := index.WaitBuild(c.vec); err != nil {
			t.Fatal(err)
		}
		info, _ := s.GetCollection(ctx, "v")
		return info.Index.Engine
	}
	if e := engine(s); e != "hnsw" {
		t.Fatalf("engine %q after %d vectors, want hnsw", e, n)
	}
	// The default ef is calibrated for the target recall (0.98) once the graph exists.
	var st CollectionStats
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = s.Stats(ctx, "v"); err != nil || st.CalibratedEf > 0 {
			break
		}
	}
	if err != nil || st.CalibratedEf == 0 || st.EfSearch != st.CalibratedEf || (st.CalibratedRecall < 0.98 && st.CalibratedEf < 512) {
		t.Fatalf("no usable calibration: %+v %v", st, err)
	}
	t.Logf("calibrated ef %d (recall@10 %.3f on %d vectors)", st.CalibratedEf, st.CalibratedRecall, st.CalibratedVectors)
	want := run(s)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	if got := run(s); !reflect.DeepEqual(got, want) {
		t.Fatal("results differ after loading the snapshot")
	}
	if info, _ := s.GetCollection(ctx, "v"); info.Count != n || info.Index.Count != n || info.Index.Engine != "hnsw" {
		t.Fatalf("info after reload: %+v", info)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range snapshotPaths(dir, "v") {
		_ = removeIfExists(p)
	}
	s, err = Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	got := run(s)
	// A rebuilt HNSW graph may differ slightly; require high overlap.
	var same, total int
	for i := range got {
		set := map[string]bool{}
		for _, id := range want[i] {
			set[id] = true
		}
		for _, id := range got[i] {
			if set[id] {
				same++
			}
		}
		total += len(want[i])
	}
	if float64(same)/float64(total) < 0.95 {
		t.Fatalf("rebuilt index overlaps the original in %d/%d results", same, total)
	}

	// Writes past the last snapshot, then a crash (no shutdown snapshot): the restart
	// loads the HNSW snapshot and replays just those writes from the change log.
	if err := s.Close(ctx); err != nil { // snapshot of the rebuilt index
		t.Fatal(err)
	}
	s, err = Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	extra := Document{ID: "extra", Vector: queries[0]}
	for _, step := range []func() error{
		func() error { _, err := s.Upsert(ctx, "v", []Document{extra}); return err },
		func() error { return s.DeleteDocument(ctx, "v", "extra") },
		func() error { _, err := s.Upsert(ctx, "v", []Document{extra}); return err },
		func() error { return s.DeleteDocument(ctx, "v", got[1][0]) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	wantCrash := run(s)
	s.ready.Store(false)
	_ = s.closeResources()
	s2, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	if err := s2.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"missing", "stale", "corrupt"} {
		if v := testutil.ToFloat64(s2.metrics.rebuilds.WithLabelValues(r)); v != 0 {
			t.Fatalf("%v rebuilds (%s) after a crash with the change log intact", v, r)
		}
	}
	gotCrash := run(s2)
	if !reflect.DeepEqual(gotCrash, wantCrash) {
		t.Fatalf("results differ after replaying the writes past the snapshot:\n got %v\nwant %v", gotCrash, wantCrash)
	}
	if gotCrash[0][0] != "extra" {
		t.Fatalf("the replayed upsert is not found first: %v", gotCrash[0])
	}
	if info, _ := s2.GetCollection(ctx, "v"); info.Count != n || info.Index.Count != n || info.Index.Engine != "hnsw" {
		t.Fatalf("info after replay: %+v", info)
	}
}
