package index

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// roundTrip saves x, loads it back and checks that both answer identically.
func roundTrip(t *testing.T, x Index, queries [][]float32, path string) Index {
	t.Helper()
	if err := x.Save(path); err != nil {
		t.Fatalf("save: %v", err)
	}
	y, err := Load(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() { y.Close() })
	if x.Len() != y.Len() {
		t.Fatalf("Len %d after load, want %d", y.Len(), x.Len())
	}
	sx, sy := x.Stats(), y.Stats()
	sx.Bytes, sy.Bytes, sx.Capacity, sy.Capacity = 0, 0, 0, 0
	if sx != sy {
		t.Fatalf("stats after load %+v, want %+v", sy, sx)
	}
	for i, q := range queries {
		opts := SearchOptions{K: 10}
		if i%3 == 1 {
			opts.Filter = &Filter{Allow: func(k uint64) bool { return k%3 == 0 }}
		}
		a := mustSearch(t, x, q, opts)
		b := mustSearch(t, y, q, opts)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("query %d: loaded index answers %v, original %v", i, b, a)
		}
	}
	return y
}

func TestSnapshotRoundTrip(t *testing.T) {
	const n, dim = 3000, 24
	vecs := clustered(21, n+30, dim, 20)
	for _, e := range engines {
		for _, m := range []Metric{Cosine, Dot, L2} {
			t.Run(e.name+"/"+string(m), func(t *testing.T) {
				x := mustNew(t, e.make, Config{Dimension: dim, Metric: m, M: 12, EfSearch: 40, ExactThreshold: 1000})
				mustUpsert(t, x, seqKeys(n, 0), vecs[:n])
				if err := x.Delete(seqKeys(200, 100)...); err != nil {
					t.Fatal(err)
				}
				y := roundTrip(t, x, vecs[n:], filepath.Join(t.TempDir(), "idx"))
				// The loaded index keeps working: deleted keys revive, new keys go in.
				mustUpsert(t, y, []uint64{150, 99999}, [][]float32{vecs[150], vecs[n]})
				if y.Len() != n-200+2 {
					t.Fatalf("Len after upserts on loaded index = %d", y.Len())
				}
				if res := mustSearch(t, y, vecs[n], SearchOptions{K: 1}); res[0].Key != 99999 {
					t.Fatalf("new key not found on loaded index: %v", res)
				}
			})
		}
	}
}

// TestSnapshotAutoSwitchesAfterLoad checks that New's index reloads as a self-switching one.
func TestSnapshotAutoSwitchesAfterLoad(t *testing.T) {
	vecs := clustered(22, 300, 8, 5)
	x := mustNew(t, New, Config{Dimension: 8, ExactThreshold: 200})
	mustUpsert(t, x, seqKeys(150, 0), vecs[:150])
	path := filepath.Join(t.TempDir(), "idx")
	y := roundTrip(t, x, vecs[:5], path)
	if y.Stats().Engine != "exact" {
		t.Fatalf("engine %q before the threshold", y.Stats().Engine)
	}
	mustUpsert(t, y, seqKeys(150, 150), vecs[150:])
	if err := WaitBuild(y); err != nil {
		t.Fatal(err)
	}
	if y.Stats().Engine != "hnsw" {
		t.Fatalf("loaded auto index did not switch: %+v", y.Stats())
	}
	roundTrip(t, y, vecs[:5], path)
}

func writeSmall(t *testing.T, e engine) (string, []byte) {
	t.Helper()
	vecs := clustered(23, 40, 4, 3)
	x := mustNew(t, e.make, Config{Dimension: 4, M: 4, ExactThreshold: 20})
	mustUpsert(t, x, seqKeys(40, 0), vecs)
	if err := x.Delete(3, 4); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "small")
	if err := x.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func expectCorrupt(t *testing.T, path, what string) {
	t.Helper()
	y, err := Load(path)
	checkCorrupt(t, y, err, what)
}

// expectCorruptBytes decodes in memory (the exhaustive loops would spend their time in
// file system calls otherwise; Load only adds os.ReadFile).
func expectCorruptBytes(t *testing.T, data []byte, what string) {
	t.Helper()
	y, err := decode("mem", data)
	checkCorrupt(t, y, err, what)
}

func checkCorrupt(t *testing.T, y Index, err error, what string) {
	t.Helper()
	if err == nil {
		y.Close()
		t.Fatalf("%s: Load succeeded", what)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: err = %v, want ErrCorrupt", what, err)
	}
}

// TestSnapshotCorruption flips every byte and truncates at every length of small
// snapshots of each engine: Load must report ErrCorrupt every time.
func TestSnapshotCorruption(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			path, good := writeSmall(t, e)
			bad := make([]byte, len(good))
			for i := range good {
				for _, mask := range []byte{0x01, 0xff} {
					copy(bad, good)
					bad[i] ^= mask
					expectCorruptBytes(t, bad, "flip")
				}
			}
			for n := 0; n < len(good); n++ {
				expectCorruptBytes(t, good[:n], "truncate")
			}
			for _, n := range []int{0, 10, len(good) / 2, len(good) - 1} {
				if err := os.WriteFile(path, good[:n], 0o644); err != nil {
					t.Fatal(err)
				}
				expectCorrupt(t, path, "truncate file")
			}
			if err := os.WriteFile(path, append(append([]byte{}, good...), 0), 0o644); err != nil {
				t.Fatal(err)
			}
			expectCorrupt(t, path, "extend")
			// The intact file still loads, and a leftover temp file is removed.
			if err := os.WriteFile(path, good, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+".tmp", good[:10], 0o644); err != nil {
				t.Fatal(err)
			}
			y, err := Load(path)
			if err != nil {
				t.Fatalf("intact file: %v", err)
			}
			y.Close()
			if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("leftover .tmp not removed: %v", err)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil || errors.Is(err, ErrCorrupt) {
		t.Fatalf("missing file: err = %v, want a not-exist error", err)
	}
}

// TestSnapshotLarge round-trips a 100k×384 HNSW index and flips bytes at sampled
// positions in its header, body and trailer.
func TestSnapshotLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large snapshot test skipped in -short mode")
	}
	const n, dim = 100000, 384
	vecs := clustered(24, n+20, dim, 100)
	// A small ef_construction keeps the build quick; the format does not depend on it.
	start := time.Now()
	x := mustNew(t, NewHNSW, Config{Dimension: dim, M: 8, EfConstruction: 20, InitialCapacity: n})
	mustUpsert(t, x, seqKeys(n, 0), vecs[:n])
	t.Logf("built in %v", time.Since(start))
	if err := x.Delete(seqKeys(1000, 500)...); err != nil {
		t.Fatal(err)
	}
	vecs = vecs[n:]
	path := filepath.Join(t.TempDir(), "large")
	y := roundTrip(t, x, vecs, path)
	y.Close()
	t.Logf("round trip done at %v", time.Since(start))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()
	r := rand.New(rand.NewPCG(1, 2))
	positions := []int64{0, 7, 8, 12, 14, 16, 20, 40, 48, 63, 64, 100, size - 9, size - 8, size - 5, size - 4, size - 1}
	for range 12 {
		positions = append(positions, 64+r.Int64N(size-72))
	}
	b := make([]byte, 1)
	for _, pos := range positions {
		if _, err := f.ReadAt(b, pos); err != nil {
			t.Fatal(err)
		}
		orig := b[0]
		b[0] ^= 0x10
		if _, err := f.WriteAt(b, pos); err != nil {
			t.Fatal(err)
		}
		expectCorrupt(t, path, "flip")
		b[0] = orig
		if _, err := f.WriteAt(b, pos); err != nil {
			t.Fatal(err)
		}
	}
	for _, cut := range []int64{size - 1, size - 8, size / 2, 64, 10} {
		if err := f.Truncate(cut); err != nil {
			t.Fatal(err)
		}
		expectCorrupt(t, path, "truncate")
	}
}

// TestSnapshotForgedChecksum damages every byte of small snapshots and then repairs the
// checksum, as a hostile or buggy writer could: Load must either fail with ErrCorrupt
// or return an index that answers searches without crashing.
func TestSnapshotForgedChecksum(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			_, good := writeSmall(t, e)
			bad := make([]byte, len(good))
			end := len(good) - snapFooterLen
			q := []float32{1, 2, 3, 4}
			loaded := 0
			for i := 0; i < end; i++ {
				for _, mask := range []byte{0x01, 0xff} {
					copy(bad, good)
					bad[i] ^= mask
					binary.LittleEndian.PutUint32(bad[end:], crc32.Checksum(bad[:end], castagnoli))
					y, err := decode("mem", bad)
					if err != nil {
						if !errors.Is(err, ErrCorrupt) {
							t.Fatalf("byte %d: err = %v, want ErrCorrupt", i, err)
						}
						continue
					}
					loaded++
					for _, f := range []*Filter{nil, {Keys: map[uint64]struct{}{1: {}, 2: {}}}, {Allow: func(k uint64) bool { return k%2 == 0 }}} {
						if _, err := y.Search(context.Background(), q, SearchOptions{K: 5, Filter: f}); err != nil &&
							!errors.Is(err, ErrInvalidVector) {
							t.Fatalf("byte %d: search on a forged snapshot: %v", i, err)
						}
					}
					y.Close()
				}
			}
			t.Logf("%d of %d forged snapshots loaded (vector or label bytes changed)", loaded, 2*end)
		})
	}
}
