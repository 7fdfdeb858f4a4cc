package index

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// overlayModel is what a test expects the index to hold: an exact reference index
// and the set of live keys.
type overlayModel struct {
	ref  Index
	live map[uint64]bool
}

func (m *overlayModel) upsert(t *testing.T, ix Index, keys []uint64, vecs [][]float32) {
	t.Helper()
	mustUpsert(t, ix, keys, vecs)
	mustUpsert(t, m.ref, keys, vecs)
	for _, k := range keys {
		m.live[k] = true
	}
}

func (m *overlayModel) delete(t *testing.T, ix Index, keys ...uint64) {
	t.Helper()
	if err := ix.Delete(keys...); err != nil {
		t.Fatal(err)
	}
	if err := m.ref.Delete(keys...); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		m.live[k] = false
	}
}

// check compares ix with the model: Len; an allow-list search over keys (live,
// replaced, deleted) equals the exact one; unfiltered and predicate searches return
// each key at most once, never a deleted one, and mostly the exact top k.
func (m *overlayModel) check(t *testing.T, ix Index, keys []uint64, queries [][]float32) {
	t.Helper()
	if got, want := ix.Len(), m.ref.Len(); got != want {
		t.Fatalf("Len %d, want %d", got, want)
	}
	if got, want := ix.Stats().Count, m.ref.Len(); got != want {
		t.Fatalf("Stats.Count %d, want %d", got, want)
	}
	allow := map[uint64]struct{}{}
	for _, k := range keys {
		allow[k] = struct{}{}
	}
	even := func(k uint64) bool { return k%2 == 0 }
	var hit, total float64
	for _, q := range queries {
		opts := SearchOptions{K: 10, Filter: &Filter{Keys: allow}}
		sameTopK(t, mustSearch(t, ix, q, opts), mustSearch(t, m.ref, q, opts), 1e-4)
		for _, opts := range []SearchOptions{{K: 10}, {K: 10, Ef: 200}, {K: 10, Filter: &Filter{Allow: even}}} {
			got, want := mustSearch(t, ix, q, opts), mustSearch(t, m.ref, q, opts)
			seen := map[uint64]bool{}
			for _, r := range got {
				if seen[r.Key] {
					t.Fatalf("key %d returned twice: %v", r.Key, got)
				}
				seen[r.Key] = true
				if !m.live[r.Key] {
					t.Fatalf("dead key %d returned: %v", r.Key, got)
				}
				if opts.Filter != nil && !even(r.Key) {
					t.Fatalf("filtered-out key %d returned", r.Key)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d results, want %d", len(got), len(want))
			}
			hit += recall(got, want) * float64(len(want))
			total += float64(len(want))
		}
	}
	if hit/total < 0.9 {
		t.Fatalf("recall %.3f against exact search", hit/total)
	}
}

// TestOverlayFold writes into an HNSW index in overlay mode, checks searches before,
// during (fold held after its first round, more writes meanwhile) and after the fold,
// then the graph swapped in and its snapshot.
func TestOverlayFold(t *testing.T) {
	const n, dim = 600, 8
	vecs := clustered(41, n+300, dim, 6)
	cfg := Config{Dimension: dim, ExactThreshold: 100, InitialCapacity: 100}
	ix := mustNew(t, New, cfg)
	m := &overlayModel{ref: mustNew(t, NewExact, cfg), live: map[uint64]bool{}}
	m.upsert(t, ix, seqKeys(n, 0), vecs[:n])
	if got := ix.Stats().Engine; got != "hnsw" {
		t.Fatalf("engine %q, want hnsw", got)
	}
	if !BeginOverlay(ix) {
		t.Fatal("BeginOverlay refused an HNSW index")
	}
	// Replayed writes: 50 replaced keys, 50 new ones, 10 deleted, a new one deleted.
	m.upsert(t, ix, seqKeys(50, 0), vecs[n:n+50])
	m.upsert(t, ix, seqKeys(50, n), vecs[n+50:n+100])
	m.delete(t, ix, append(seqKeys(10, 50), n+3)...)
	keys := append(append(seqKeys(70, 0), seqKeys(60, n)...), seqKeys(10, 300)...)
	queries := append(append([][]float32{}, vecs[n:n+40]...), vecs[100:120]...)
	m.check(t, ix, keys, queries)

	a := ix.(*autoIndex)
	paused, release := make(chan struct{}), make(chan struct{})
	a.buildPause = func() { close(paused); <-release }
	StartFold(ix)
	select {
	case <-paused:
	case <-time.After(time.Minute):
		t.Fatal("the fold never started")
	}
	// The replayed keys are in the graph now, but hidden: still served once, from delta.
	m.check(t, ix, keys, queries)
	// Searches run on while writes land during the fold.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			res, err := ix.Search(context.Background(), vecs[i%len(vecs)], SearchOptions{K: 10})
			if err != nil {
				t.Error(err)
				return
			}
			seen := map[uint64]bool{}
			for _, r := range res {
				if seen[r.Key] || (r.Key >= 50 && r.Key < 60) || r.Key == n+3 {
					t.Errorf("search during the fold: key %d repeated or deleted: %v", r.Key, res)
					return
				}
				seen[r.Key] = true
			}
			searches.Add(1)
		}
	}()
	m.upsert(t, ix, []uint64{100, 1, n + 200}, [][]float32{vecs[n+110], vecs[n+111], vecs[n+112]})
	m.delete(t, ix, 0, n+1, 200)
	m.check(t, ix, append(keys, 100, 200, n+200), append(queries, vecs[n+110:n+113]...))
	close(release)
	if err := WaitBuild(ix); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if searches.Load() == 0 {
		t.Error("no search ran during the fold")
	}
	if _, ok := a.cur.(*hnswIndex); !ok {
		t.Fatalf("engine after the fold is %T, want the graph", a.cur)
	}
	keys = append(keys, 100, 200, n+200)
	queries = append(queries, vecs[n+110:n+113]...)
	m.check(t, ix, keys, queries)
	// Writes after the fold go to the graph; the snapshot holds everything.
	m.upsert(t, ix, []uint64{2, n + 250}, [][]float32{vecs[n+120], vecs[n+121]})
	path := filepath.Join(t.TempDir(), "fold.idx")
	if err := ix.Save(path); err != nil {
		t.Fatal(err)
	}
	y, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	m.check(t, y, append(keys, 2, n+250), append(queries, vecs[n+120:n+122]...))
}

// TestOverlaySaveWaitsForFold saves an overlay whose fold is held: Save returns only
// once the graph holds the replayed writes, and the snapshot has them.
func TestOverlaySaveWaitsForFold(t *testing.T) {
	const n, dim = 300, 8
	vecs := clustered(42, n+20, dim, 4)
	cfg := Config{Dimension: dim, ExactThreshold: 50, InitialCapacity: 50}
	ix := mustNew(t, New, cfg)
	m := &overlayModel{ref: mustNew(t, NewExact, cfg), live: map[uint64]bool{}}
	m.upsert(t, ix, seqKeys(n, 0), vecs[:n])
	BeginOverlay(ix)
	m.upsert(t, ix, []uint64{5, n}, vecs[n:n+2])
	m.delete(t, ix, 6)
	path := filepath.Join(t.TempDir(), "fold.idx")
	if err := ix.Save(path); err == nil {
		t.Fatal("Save of an overlay with no fold running succeeded")
	}
	paused, release := make(chan struct{}), make(chan struct{})
	ix.(*autoIndex).buildPause = func() { close(paused); <-release }
	StartFold(ix)
	<-paused
	saved := make(chan error, 1)
	go func() { saved <- ix.Save(path) }()
	select {
	case err := <-saved:
		t.Fatalf("Save returned during the fold: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	y, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	m.check(t, y, []uint64{5, 6, 7, n}, vecs[n:n+2])
}

// TestOverlayCloseDuringFold closes the index while its fold is held.
func TestOverlayCloseDuringFold(t *testing.T) {
	vecs := clustered(43, 220, 4, 3)
	ix, err := New(Config{Dimension: 4, ExactThreshold: 50, InitialCapacity: 50})
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, ix, seqKeys(200, 0), vecs[:200])
	BeginOverlay(ix)
	mustUpsert(t, ix, seqKeys(20, 190), vecs[200:])
	paused, release := make(chan struct{}), make(chan struct{})
	ix.(*autoIndex).buildPause = func() { close(paused); <-release }
	StartFold(ix)
	<-paused
	closed := make(chan error, 1)
	go func() { closed <- ix.Close() }()
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := WaitBuild(ix); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), vecs[0], SearchOptions{K: 1}); err == nil {
		t.Error("search after Close succeeded")
	}
}

// TestOverlayOnlyOnGraph: an index still on exact search takes writes directly.
func TestOverlayOnlyOnGraph(t *testing.T) {
	ix := mustNew(t, New, Config{Dimension: 4})
	mustUpsert(t, ix, seqKeys(10, 0), clustered(44, 10, 4, 2))
	if BeginOverlay(ix) {
		t.Fatal("BeginOverlay switched an exact index")
	}
	StartFold(ix) // nothing to fold: a no-op
	if err := WaitBuild(ix); err != nil || ix.Len() != 10 {
		t.Fatalf("WaitBuild %v, Len %d", err, ix.Len())
	}
}
