package index

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Golden snapshots pin format version 1. Regenerate (only when the format changes on
// purpose, with a version bump) by running the test with INSTRUCTD_UPDATE_GOLDEN=1.
func TestSnapshotGolden(t *testing.T) {
	update := os.Getenv("INSTRUCTD_UPDATE_GOLDEN") == "1"
	vecs := clustered(51, 30, 4, 3)
	for _, e := range []engine{{"exact", NewExact}, {"hnsw", NewHNSW}} {
		t.Run(e.name, func(t *testing.T) {
			golden := filepath.Join("testdata", "snapshot-v1-"+e.name+".golden")
			x := mustNew(t, e.make, Config{Dimension: 4, M: 4, EfConstruction: 16, EfSearch: 32, ExactThreshold: 100, Workers: 1})
			mustUpsert(t, x, seqKeys(30, 100), vecs)
			if err := x.Delete(105, 106); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "snap")
			if err := x.Save(path); err != nil {
				t.Fatal(err)
			}
			fresh, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if update {
				if err := os.WriteFile(golden, fresh, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (regenerate with INSTRUCTD_UPDATE_GOLDEN=1)", err)
			}
			// The exact engine's bytes are fully determined by its input; an HNSW graph
			// depends on float rounding of the SIMD build, so only its loading is pinned.
			if e.name == "exact" && !bytes.Equal(fresh, want) {
				t.Fatalf("snapshot bytes differ from %s: the format changed", golden)
			}
			y, err := Load(golden)
			if err != nil {
				t.Fatalf("loading %s: %v", golden, err)
			}
			defer y.Close()
			if y.Len() != 28 || y.Stats().Engine != e.name {
				t.Fatalf("golden: Len %d, stats %+v", y.Len(), y.Stats())
			}
			for i, v := range vecs {
				res := mustSearch(t, y, v, SearchOptions{K: 1})
				key := uint64(100 + i)
				if key == 105 || key == 106 {
					if res[0].Key == key {
						t.Fatalf("deleted key %d found in golden snapshot", key)
					}
					continue
				}
				if res[0].Key != key {
					t.Fatalf("golden: key %d not found by its vector: %v", key, res)
				}
			}
		})
	}
}
