package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	bolt "go.etcd.io/bbolt"

	"github.com/instructd/instructd/server/store"
)

// recoveryCorpus fills a collection with plain, chunked and vector-only documents.
func recoveryCorpus(t *testing.T, ts *testServer) {
	t.Helper()
	mustCreate(t, ts, "c", CollectionSpec{})
	mustCreate(t, ts, "p", CollectionSpec{Chunking: &ChunkingSpec{WindowTokens: 3}})
	mustCreate(t, ts, "v", CollectionSpec{Dimension: 2, Metric: "dot"})
	mustUpsert(t, ts, "c",
		Document{ID: "a", Text: "apple orchard", Metadata: map[string]any{"k": 1}},
		Document{ID: "b", Text: "banana bread"},
		Document{ID: "c", Text: "cherry tart"},
	)
	mustUpsert(t, ts, "p", Document{ID: "long", Text: "one two three four five six seven"})
	mustUpsert(t, ts, "v", Document{ID: "x", Vector: []float32{1, 2}}, Document{ID: "y", Vector: []float32{-1, 0}})
}

type searchResult struct {
	IDs      []string
	Passages []*Passage
}

func snapshotResults(t *testing.T, ts *testServer) map[string]searchResult {
	t.Helper()
	reqs := map[string]struct {
		coll string
		req  SearchRequest
	}{
		"dense":    {"c", SearchRequest{Query: "apple orchard"}},
		"filtered": {"c", SearchRequest{Query: "apple orchard", Filter: []byte(`{"k": 1}`)}},
		"lexical":  {"c", SearchRequest{Query: "banana", Mode: ModeLexical}},
		"hybrid":   {"c", SearchRequest{Query: "cherry", Mode: ModeHybrid}},
		"passages": {"p", SearchRequest{Query: "five six"}},
		"vector":   {"v", SearchRequest{Vector: []float32{1, 1}}},
	}
	out := map[string]searchResult{}
	for name, r := range reqs {
		resp, err := ts.Search(context.Background(), r.coll, r.req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var sr searchResult
		for _, h := range resp.Hits {
			sr.IDs = append(sr.IDs, h.ID)
			sr.Passages = append(sr.Passages, h.Passage)
		}
		out[name] = sr
	}
	return out
}

func TestRecovery(t *testing.T) {
	cases := []struct {
		name string
		// damage runs after a clean close, with the data dir.
		damage func(t *testing.T, dir string)
		// crash skips the shutdown snapshot of the writes made after the first close.
		crash  bool
		reason string // rebuild reason; "" means the snapshot is loaded
	}{
		{"fresh snapshot", nil, false, ""},
		{"missing snapshot", func(t *testing.T, dir string) {
			for _, n := range []string{"c", "p", "v"} {
				for _, p := range snapshotPaths(dir, n) {
					_ = os.Remove(p)
				}
			}
		}, false, "missing"},
		{"corrupt snapshot", func(t *testing.T, dir string) {
			for _, n := range []string{"c", "p", "v"} {
				p := snapshotPaths(dir, n)[0]
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)/2] ^= 0xff
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, false, "corrupt"},
		{"truncated lexical snapshot only", func(t *testing.T, dir string) {
			if err := os.Truncate(snapshotPaths(dir, "c")[1], 10); err != nil {
				t.Fatal(err)
			}
		}, false, ""},
		// Writes after the snapshot are replayed from the store's change log: no rebuild.
		{"stale snapshot after crash", nil, true, ""},
		{"stale snapshot after crash, change log unusable", func(t *testing.T, dir string) {
			db, err := bolt.Open(filepath.Join(dir, storeFile), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.Update(func(tx *bolt.Tx) error {
				for _, n := range []string{"c", "p", "v"} {
					if err := tx.Bucket([]byte("collections")).Bucket([]byte(n)).Delete([]byte("logstart")); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}, true, "stale"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			emb := newFakeEmbedder("fake/model")
			ts := openTest(t, dir, emb)
			recoveryCorpus(t, ts)
			if tc.crash {
				// Snapshot, then write more and "crash": no shutdown snapshot.
				if err := ts.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
				ts = openTest(t, dir, emb)
				mustUpsert(t, ts, "c", Document{ID: "d", Text: "date loaf"})
				mustUpsert(t, ts, "p", Document{ID: "long", Text: "eight nine ten eleven twelve five six"})
				mustUpsert(t, ts, "v", Document{ID: "z", Vector: []float32{5, 5}})
				if err := ts.DeleteDocument(context.Background(), "c", "b"); err != nil {
					t.Fatal(err)
				}
			}
			want := snapshotResults(t, ts)
			embedded := emb.texts.Load()
			if tc.crash {
				ts.ready.Store(false)
				_ = ts.closeResources()
			} else if err := ts.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			ts = openTest(t, dir, emb)
			defer ts.Close(context.Background())
			// The searches embed their queries; recovery itself must embed nothing.
			if n := emb.texts.Load(); n != embedded {
				t.Fatalf("recovery embedded %d texts", n-embedded)
			}
			got := snapshotResults(t, ts)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("results differ after reopen:\n got %+v\nwant %+v", got, want)
			}
			rebuilt := testutil.ToFloat64(ts.metrics.rebuilds.WithLabelValues(tc.reason))
			if tc.reason == "" {
				for _, r := range []string{"missing", "stale", "corrupt"} {
					if n := testutil.ToFloat64(ts.metrics.rebuilds.WithLabelValues(r)); n != 0 {
						t.Fatalf("%v rebuilds (%s) with a fresh snapshot", n, r)
					}
				}
			} else if rebuilt != 3 {
				t.Fatalf("%v rebuilds for reason %s, want 3", rebuilt, tc.reason)
			}
			for _, n := range []string{"c", "p", "v"} {
				info, _ := ts.GetCollection(context.Background(), n)
				c, _ := ts.collection(n)
				if info.Index.Count != len(c.keys) {
					t.Fatalf("%s: index holds %d vectors, maps %d keys", n, info.Index.Count, len(c.keys))
				}
			}
		})
	}
}

func TestSnapshotOnlyWhenChanged(t *testing.T) {
	dir := t.TempDir()
	ts := openTest(t, dir, newFakeEmbedder("fake/model"))
	defer ts.Close(context.Background())
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "x"})
	ok := func() float64 { return testutil.ToFloat64(ts.metrics.snapshots.WithLabelValues("ok")) }
	if err := ts.snapshotAll(context.Background()); err != nil || ok() != 1 {
		t.Fatalf("first snapshot: %v, %v written", err, ok())
	}
	if err := ts.snapshotAll(context.Background()); err != nil || ok() != 1 {
		t.Fatalf("unchanged collection snapshotted again: %v, %v written", err, ok())
	}
	mustUpsert(t, ts, "c", Document{ID: "b", Text: "y"})
	if err := ts.snapshotAll(context.Background()); err != nil || ok() != 2 {
		t.Fatalf("changed collection not snapshotted: %v, %v written", err, ok())
	}
	// Deleting the collection removes its files.
	if err := ts.DeleteCollection(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, indexDir))
	if len(entries) != 0 {
		t.Fatalf("snapshot files left after delete: %v", entries)
	}
}

func TestPeriodicSnapshots(t *testing.T) {
	dir := t.TempDir()
	ts := openTest(t, dir, newFakeEmbedder("fake/model"), func(c *Config) { c.SnapshotInterval = 5e6 })
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "x"})
	for i := 0; i < 2000; i++ {
		if _, ok := readGeneration(snapshotPaths(dir, "c")[2]); ok {
			break
		}
		sleepMillis(5)
	}
	if _, ok := readGeneration(snapshotPaths(dir, "c")[2]); !ok {
		t.Fatal("no periodic snapshot written")
	}
	if err := ts.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryWithoutPack(t *testing.T) {
	// A collection whose model is not loaded still opens and serves vector searches.
	dir := t.TempDir()
	ts := openTest(t, dir, newFakeEmbedder("fake/model"))
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "apple"})
	if err := ts.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts = openTest(t, dir, nil)
	defer ts.Close(context.Background())
	if ids := searchIDs(t, ts, "c", SearchRequest{Vector: wordVector([]string{"apple"})}); !reflect.DeepEqual(ids, []string{"a"}) {
		t.Fatalf("vector search without pack: %v", ids)
	}
	if _, err := ts.Search(context.Background(), "c", SearchRequest{Query: "apple"}); err == nil {
		t.Fatal("text query without the pack succeeded")
	}
}

func TestRecoveryCorruptRecordLeavesCollectionUnavailable(t *testing.T) {
	dir := t.TempDir()
	ts := openTest(t, dir, newFakeEmbedder("fake/model"))
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "x"})
	if err := ts.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, storeFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("collections")).Bucket([]byte("c")).Bucket([]byte("docs")).Put([]byte("a"), []byte{1, 0xff})
	})
	if err2 := db.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.ModelPacks = []string{"pack"}
	s, err := openWith(context.Background(), cfg, testDeps(map[string]*fakeEmbedder{"pack": newFakeEmbedder("fake/model")}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	err = s.WaitRecovered(context.Background())
	if err == nil || !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("recovery over a corrupt record: %v", err)
	}
	// The collection stays unavailable (never half-loaded) and the server not ready.
	if _, err := s.Search(context.Background(), "c", SearchRequest{Vector: []float32{1, 0}, K: 1}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("search on a collection that failed to recover: %v, want ErrUnavailable", err)
	}
	if s.Ready() {
		t.Error("ready although a collection failed to recover")
	}
}
