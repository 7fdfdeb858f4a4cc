package server

import (
	"context"
	"testing"
	"time"
)

// pausedServer opens a server whose snapshot and collection deletion pause at their
// hooks until released, with collections "a" and "b" holding one vector each.
func pausedServer(t *testing.T) (s *Server, snapshotting, deleting chan string, release chan struct{}) {
	t.Helper()
	snapshotting, deleting, release = make(chan string, 1), make(chan string, 1), make(chan struct{})
	d := testDeps(nil)
	signal := func(ch chan string, name string) {
		select {
		case ch <- name:
		default: // nobody waits for this one (e.g. the shutdown snapshot)
		}
		<-release
	}
	d.hooks.snapshotting = func(name string) { signal(snapshotting, name) }
	d.hooks.deleting = func(name string) { signal(deleting, name) }
	cfg := DefaultConfig()
	cfg.DataDir, cfg.SnapshotInterval = t.TempDir(), 0
	s, err := openWith(context.Background(), cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitRecovered(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	t.Cleanup(func() { // runs first: a failed test must not leave the hooks held
		select {
		case <-release:
		default:
			close(release)
		}
	})
	for _, n := range []string{"a", "b"} {
		if _, _, err := s.CreateCollection(context.Background(), n, CollectionSpec{Dimension: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Upsert(context.Background(), n, []Document{{ID: "x", Vector: []float32{1, 0}}}); err != nil {
			t.Fatal(err)
		}
	}
	return s, snapshotting, deleting, release
}

// mustAnswer runs work and fails the test if it does not return while the slow
// operation is held (it would block until release if it waited on that operation).
func mustAnswer(t *testing.T, what string, work func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- work() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: blocked while the slow operation was held", what)
	}
}

// TestSnapshotDoesNotBlockWrites holds a snapshot of "a" midway and checks that writes
// to and searches on "a" are answered meanwhile.
func TestSnapshotDoesNotBlockWrites(t *testing.T) {
	s, snapshotting, _, release := pausedServer(t)
	ctx := context.Background()
	snapDone := make(chan error, 1)
	go func() { snapDone <- s.snapshotAll(ctx) }()
	<-snapshotting // snapshot of "a" or "b" held, after it read the generation
	for _, n := range []string{"a", "b"} {
		mustAnswer(t, "upsert into "+n+" during a snapshot", func() error {
			_, err := s.Upsert(ctx, n, []Document{{ID: "y", Vector: []float32{0, 1}}})
			return err
		})
		mustAnswer(t, "search on "+n+" during a snapshot", func() error {
			_, err := s.Search(ctx, n, SearchRequest{Vector: []float32{0, 1}, K: 2})
			return err
		})
	}
	close(release)
	if err := <-snapDone; err != nil {
		t.Fatal(err)
	}
}

// TestDeleteCollectionDoesNotStallServer holds DeleteCollection("a") while it owns
// "a"'s write lock and checks that the rest of the server is answered meanwhile:
// listing, describing, searching and writing "b", creating "c".
func TestDeleteCollectionDoesNotStallServer(t *testing.T) {
	s, _, deleting, release := pausedServer(t)
	ctx := context.Background()
	delDone := make(chan error, 1)
	go func() { delDone <- s.DeleteCollection(ctx, "a") }()
	<-deleting
	mustAnswer(t, "list collections", func() error { _, err := s.ListCollections(ctx); return err })
	mustAnswer(t, "describe b", func() error { _, err := s.GetCollection(ctx, "b"); return err })
	mustAnswer(t, "search b", func() error {
		_, err := s.Search(ctx, "b", SearchRequest{Vector: []float32{1, 0}, K: 1})
		return err
	})
	mustAnswer(t, "upsert into b", func() error {
		_, err := s.Upsert(ctx, "b", []Document{{ID: "z", Vector: []float32{1, 1}}})
		return err
	})
	mustAnswer(t, "create c", func() error {
		_, _, err := s.CreateCollection(ctx, "c", CollectionSpec{Dimension: 3})
		return err
	})
	close(release)
	if err := <-delDone; err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCollection(ctx, "a"); err == nil {
		t.Error("a still exists after its deletion")
	}
}
