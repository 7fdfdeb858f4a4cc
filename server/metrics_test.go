package server

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "x"}, Document{ID: "b", Text: "y"})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "z"})
	if err := ts.DeleteDocument(ctx, "c", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Search(ctx, "c", SearchRequest{Query: "x"}); err != nil {
		t.Fatal(err)
	}
	m := ts.metrics
	if got := testutil.ToFloat64(m.documents.WithLabelValues("c")); got != 1 {
		t.Fatalf("documents gauge %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.ingested.WithLabelValues("c")); got != 3 {
		t.Fatalf("ingested counter %v, want 3", got)
	}
	if n := testutil.CollectAndCount(m.searchLatency); n != 1 {
		t.Fatalf("%d search latency series, want 1", n)
	}
	// The registry gathers without error (no duplicate or inconsistent metrics).
	if _, err := ts.Registry().Gather(); err != nil {
		t.Fatal(err)
	}
	if err := ts.DeleteCollection(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.searchLatency); n != 0 {
		t.Fatalf("%d search latency series left after delete", n)
	}
}
