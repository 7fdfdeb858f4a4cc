package index

import (
	"context"
	"testing"
	"time"
)

// TestAutoBuildsGraphInBackground pauses the exact → HNSW build after the graph is
// built and checks that searches and writes are answered meanwhile (by the exact
// engine), and that the writes made during the build are in the swapped-in graph.
func TestAutoBuildsGraphInBackground(t *testing.T) {
	const n, dim = 300, 8
	vecs := clustered(31, n+60, dim, 6)
	ix := mustNew(t, New, Config{Dimension: dim, ExactThreshold: n})
	a := ix.(*autoIndex)
	paused, release := make(chan struct{}), make(chan struct{})
	a.buildPause = func() {
		close(paused)
		<-release
	}
	mustUpsert(t, ix, seqKeys(n, 0), vecs[:n]) // reaches the threshold: the build starts
	select {
	case <-paused:
	case <-time.After(time.Minute):
		t.Fatal("the build never started")
	}
	// The build is held: every call below would block if it held the index's lock.
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 20; i++ {
			res, err := ix.Search(context.Background(), vecs[i], SearchOptions{K: 1})
			if err != nil {
				done <- err
				return
			}
			if res[0].Key != uint64(i) {
				t.Errorf("exact search for vector %d found %d", i, res[0].Key)
			}
		}
		// Writes during the build: new keys, a replaced one and deleted ones.
		if err := ix.Upsert(seqKeys(60, n), vecs[n:]); err != nil {
			done <- err
			return
		}
		if err := ix.Upsert([]uint64{7}, [][]float32{vecs[n+1]}); err != nil {
			done <- err
			return
		}
		done <- ix.Delete(3, uint64(n+5))
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("searches and writes blocked while the graph was being built")
	}
	if got := ix.Stats().Engine; got != "exact" {
		t.Fatalf("engine %q during the build, want exact", got)
	}
	close(release)
	if err := WaitBuild(ix); err != nil {
		t.Fatal(err)
	}
	if got := ix.Stats().Engine; got != "hnsw" {
		t.Fatalf("engine %q after the build, want hnsw", got)
	}
	if got, want := ix.Len(), n+60-2; got != want {
		t.Fatalf("Len %d after the swap, want %d", got, want)
	}
	for _, k := range []uint64{3, uint64(n + 5)} {
		res := mustSearch(t, ix, vecs[k], SearchOptions{K: 1, Filter: &Filter{Keys: map[uint64]struct{}{k: {}}}})
		if len(res) != 0 {
			t.Errorf("key %d deleted during the build is still found: %v", k, res)
		}
	}
	if res := mustSearch(t, ix, vecs[n+10], SearchOptions{K: 1}); res[0].Key != uint64(n+10) {
		t.Errorf("key written during the build not found: %v", res)
	}
	res := mustSearch(t, ix, vecs[n+1], SearchOptions{K: 2})
	if len(res) < 2 || (res[0].Key != 7 && res[1].Key != 7) {
		t.Errorf("key 7 replaced during the build does not carry its new vector: %v", res)
	}
}

// TestAutoCloseDuringBuild closes the index while a build is held; Close waits for it
// and nothing leaks or panics.
func TestAutoCloseDuringBuild(t *testing.T) {
	vecs := clustered(32, 100, 4, 3)
	ix, err := New(Config{Dimension: 4, ExactThreshold: 100})
	if err != nil {
		t.Fatal(err)
	}
	a := ix.(*autoIndex)
	paused, release := make(chan struct{}), make(chan struct{})
	a.buildPause = func() { close(paused); <-release }
	mustUpsert(t, ix, seqKeys(100, 0), vecs)
	<-paused
	closed := make(chan error, 1)
	go func() { closed <- ix.Close() }()
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), vecs[0], SearchOptions{K: 1}); err == nil {
		t.Error("search after Close succeeded")
	}
}
