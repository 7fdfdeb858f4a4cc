package index

import (
	"context"
	"testing"
)

// TestHNSWReupsertSameVector: upserting a key again with the vector it already has (a
// re-sent document, a write replayed at recovery) keeps the node as it is, and
// revives it when it was deleted; a changed vector still replaces the old one.
func TestHNSWReupsertSameVector(t *testing.T) {
	const n, dim = 500, 8
	vecs := clustered(61, n+1, dim, 5)
	ix := mustNew(t, NewHNSW, Config{Dimension: dim})
	mustUpsert(t, ix, seqKeys(n, 0), vecs[:n])
	mustUpsert(t, ix, seqKeys(n, 0), vecs[:n]) // all unchanged
	if got := ix.Len(); got != n {
		t.Fatalf("Len %d after re-upserting the same vectors, want %d", got, n)
	}
	if err := ix.Delete(7); err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, ix, []uint64{7}, [][]float32{vecs[7]}) // revive, same vector
	if st := ix.Stats(); st.Count != n || st.Deleted != 0 {
		t.Fatalf("after reviving key 7: %+v", st)
	}
	res, err := ix.Search(context.Background(), vecs[7], SearchOptions{K: 1, Ef: 200})
	if err != nil || len(res) != 1 || res[0].Key != 7 {
		t.Fatalf("revived key 7 not found: %v %v", res, err)
	}
	mustUpsert(t, ix, []uint64{7}, [][]float32{vecs[n]}) // a changed vector replaces
	res, err = ix.Search(context.Background(), vecs[n], SearchOptions{K: 1, Ef: 200})
	if err != nil || len(res) != 1 || res[0].Key != 7 {
		t.Fatalf("key 7 with its new vector not found: %v %v", res, err)
	}
}
