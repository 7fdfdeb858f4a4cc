package index

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// TestScansStopWhenCancelled: a filtered exact scan (and HNSW's exact fallback over
// live keys) stops evaluating the filter once the request's context ends.
func TestScansStopWhenCancelled(t *testing.T) {
	const n = 3 * scanCheckEvery
	vecs := clustered(41, n, 4, 3)
	for _, e := range []engine{{"exact", NewExact}, {"hnsw", NewHNSW}} {
		t.Run(e.name, func(t *testing.T) {
			x := mustNew(t, e.make, Config{Dimension: 4, Workers: 1})
			mustUpsert(t, x, seqKeys(n, 0), vecs)
			ctx, cancel := context.WithCancel(context.Background())
			var calls atomic.Int64
			allow := func(uint64) bool {
				if calls.Add(1) == 10 {
					cancel() // the client goes away mid-scan
				}
				return false // nothing matches: the scan would visit every key
			}
			_, err := x.Search(ctx, vecs[0], SearchOptions{K: 5, Filter: &Filter{Allow: allow}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("search after cancellation: %v, want context.Canceled", err)
			}
			if c := calls.Load(); c >= n {
				t.Fatalf("the filter ran on all %d keys after the context ended", c)
			}
		})
	}
}
