package index

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestFilteredSearch checks allow-lists and predicates at several selectivities: k
// results whenever at least k keys match, only matching keys, and the true top k on
// the exact path.
func TestFilteredSearch(t *testing.T) {
	const n, dim, k = 10000, 32, 10
	vecs := clustered(11, n+20, dim, 50)
	keys := seqKeys(n, 0)
	ref := mustNew(t, NewExact, Config{Dimension: dim})
	mustUpsert(t, ref, keys, vecs[:n])
	r := rand.New(rand.NewPCG(5, 5))
	for _, e := range engines {
		// A low threshold keeps the 50% allow-list on the graph (bitset) path.
		x := mustNew(t, e.make, Config{Dimension: dim, ExactThreshold: 500})
		mustUpsert(t, x, keys, vecs[:n])
		cases := []struct {
			name  string
			frac  float64
			exact bool // the exact path is taken, so results equal exact search
		}{
			{"50%", 0.5, e.name == "exact"},
			{"5%", 0.05, true},
			{"0.1%", 0.001, true},
			{"5_keys", 5.0 / n, true},
		}
		for _, c := range cases {
			allow := map[uint64]struct{}{}
			for len(allow) < max(1, int(c.frac*n)) {
				allow[uint64(r.IntN(n))] = struct{}{}
			}
			// Unknown keys in an allow-list are ignored.
			allow[n+12345] = struct{}{}
			matches := len(allow) - 1
			filters := map[string]*Filter{
				"keys":      {Keys: allow},
				"predicate": {Allow: func(key uint64) bool { _, ok := allow[key]; return ok }},
			}
			for form, f := range filters {
				t.Run(fmt.Sprintf("%s/%s/%s", e.name, c.name, form), func(t *testing.T) {
					var rsum float64
					for _, q := range vecs[n:] {
						got := mustSearch(t, x, q, SearchOptions{K: k, Filter: f})
						want := mustSearch(t, ref, q, SearchOptions{K: k, Filter: f})
						if len(got) != min(k, matches) {
							t.Fatalf("got %d results with %d matching, want %d", len(got), matches, min(k, matches))
						}
						for _, res := range got {
							if _, ok := allow[res.Key]; !ok {
								t.Fatalf("key %d is not allowed", res.Key)
							}
						}
						if c.exact || (form == "predicate" && c.frac < 0.01) {
							sameTopK(t, got, want, 1e-5)
						}
						rsum += recall(got, want)
					}
					if rs := rsum / 20; rs < 0.95 {
						t.Fatalf("filtered recall@%d = %.3f", k, rs)
					}
				})
			}
		}
	}
}

// TestFilteredSearchDeleted checks that deleted keys stay out of filtered results.
func TestFilteredSearchDeleted(t *testing.T) {
	const n, dim = 3000, 16
	vecs := clustered(12, n, dim, 10)
	for _, e := range engines {
		x := mustNew(t, e.make, Config{Dimension: dim, ExactThreshold: 500})
		mustUpsert(t, x, seqKeys(n, 0), vecs)
		allow := map[uint64]struct{}{}
		var del []uint64
		for i := 0; i < n; i += 2 {
			allow[uint64(i)] = struct{}{}
			if i%4 == 0 {
				del = append(del, uint64(i))
			}
		}
		if err := x.Delete(del...); err != nil {
			t.Fatal(err)
		}
		for _, f := range []*Filter{{Keys: allow}, {Allow: func(k uint64) bool { return k%2 == 0 }}} {
			for _, q := range vecs[:50] {
				res := mustSearch(t, x, q, SearchOptions{K: 20, Filter: f})
				if len(res) != 20 {
					t.Fatalf("%s: got %d results", e.name, len(res))
				}
				for _, r := range res {
					if r.Key%4 == 0 || r.Key%2 == 1 {
						t.Fatalf("%s: key %d returned (deleted or not allowed)", e.name, r.Key)
					}
				}
			}
		}
	}
}
