package server

import (
	"context"
	"errors"
	"testing"
)

// TestCollectionsRecoverOneByOne holds the second collection's recovery and checks
// that the first already answers, the second answers ErrLoading (503) and shows
// "loading", and the server turns ready only when both are done.
func TestCollectionsRecoverOneByOne(t *testing.T) {
	dir := t.TempDir()
	ts := openTest(t, dir, nil)
	ctx := context.Background()
	for _, n := range []string{"a", "b"} {
		mustCreate(t, ts, n, CollectionSpec{Dimension: 2})
		mustUpsert(t, ts, n, Document{ID: "x", Vector: []float32{1, 0}})
	}
	if err := ts.Close(ctx); err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	d := testDeps(nil)
	d.hooks.recovering = func(name string) {
		if name == "b" {
			close(entered)
			<-release
		}
	}
	cfg := DefaultConfig()
	cfg.DataDir, cfg.SnapshotInterval = dir, 0
	s, err := openWith(ctx, cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	<-entered
	if s.Ready() {
		t.Error("ready while a collection is loading")
	}
	if _, err := s.Search(ctx, "a", SearchRequest{Vector: []float32{1, 0}, K: 1}); err != nil {
		t.Errorf("search on the recovered collection: %v", err)
	}
	_, err = s.Search(ctx, "b", SearchRequest{Vector: []float32{1, 0}, K: 1})
	if !errors.Is(err, ErrLoading) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("search on a loading collection: %v, want ErrLoading", err)
	}
	if _, err := s.Upsert(ctx, "b", []Document{{ID: "y", Vector: []float32{0, 1}}}); !errors.Is(err, ErrLoading) {
		t.Errorf("upsert into a loading collection: %v, want ErrLoading", err)
	}
	if info, err := s.GetCollection(ctx, "b"); err != nil || info.Status != StatusLoading {
		t.Errorf("loading collection described as %+v, %v", info, err)
	}
	close(release)
	if err := s.WaitRecovered(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.Ready() {
		t.Error("not ready after recovery")
	}
	info, err := s.GetCollection(ctx, "b")
	if err != nil || info.Status != StatusReady || info.Count != 1 {
		t.Errorf("recovered collection described as %+v, %v", info, err)
	}
}
