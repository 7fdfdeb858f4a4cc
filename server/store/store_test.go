package store

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestRecordRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		rec  Record
	}{
		{"empty", Record{ID: "a", Key: 1}},
		{"full", Record{ID: "ü/é", Key: 1 << 40, Title: "t", Text: "hello world", Metadata: []byte(`{"x":1}`), Vector: []float32{1, -2.5, float32(math.SmallestNonzeroFloat32)}}},
		{"passages", Record{ID: "p", Key: 7, Text: "abcdef", Passages: []Passage{{Key: 8, Start: 0, End: 3, Vector: []float32{1, 2}}, {Key: 9, Start: 2, End: 6, Vector: []float32{3, 4}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := encodeRecord(nil, &tc.rec)
			got, err := decodeRecord(b, true)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.rec) {
				t.Fatalf("round trip: got %+v want %+v", got, tc.rec)
			}
			// Every truncation is an error, never a panic.
			for i := 0; i < len(b); i++ {
				if _, err := decodeRecord(b[:i], true); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("truncated to %d: err %v, want ErrCorrupt", i, err)
				}
			}
			// Vectors are skipped on request.
			got, err = decodeRecord(b, false)
			if err != nil || got.Vector != nil {
				t.Fatalf("without vectors: %v %v", got.Vector, err)
			}
		})
	}
}

func TestCorruptLengths(t *testing.T) {
	for _, b := range [][]byte{nil, {2}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, {1, 1, 0xff, 0xff, 0xff, 0x7f}} {
		if _, err := decodeRecord(b, true); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%x: err %v, want ErrCorrupt", b, err)
		}
	}
}

func TestPutGetDeleteReopen(t *testing.T) {
	s, path := openTemp(t)
	gen0, err := s.CreateCollection("c", []byte(`{"dimension":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCollection("c", nil); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: %v", err)
	}
	recs := []Record{{ID: "a", Text: "x", Vector: []float32{1, 0}}, {ID: "b", Vector: []float32{0, 1}}}
	res, err := s.Put("c", recs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 || res.Generation <= gen0 || recs[0].Key == recs[1].Key {
		t.Fatalf("put: %+v keys %d %d", res, recs[0].Key, recs[1].Key)
	}
	keyA := recs[0].Key
	// Replace a with a chunked version: same key, old doc key stale in the vector index.
	rep := []Record{{ID: "a", Text: "xyz", Passages: []Passage{{Start: 0, End: 1, Vector: []float32{1, 1}}}}}
	res2, err := s.Put("c", rep)
	if err != nil {
		t.Fatal(err)
	}
	if rep[0].Key != keyA || res2.Added != 0 || !reflect.DeepEqual(res2.Stale, []uint64{keyA}) || res2.Generation <= res.Generation {
		t.Fatalf("replace: %+v key %d", res2, rep[0].Key)
	}
	if _, err := s.Put("missing", recs); !errors.Is(err, ErrNotFound) {
		t.Fatalf("put into missing collection: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Get("c", "a")
	if err != nil || got.Text != "xyz" || len(got.Passages) != 1 || got.Passages[0].Vector[1] != 1 {
		t.Fatalf("get after reopen: %+v %v", got, err)
	}
	var n int
	gen, err := s.Scan("c", true, func(r Record) error { n++; return nil })
	if err != nil || n != 2 || gen != res2.Generation {
		t.Fatalf("scan: n=%d gen=%d err=%v", n, gen, err)
	}
	prev, gen3, err := s.Delete("c", "a")
	if err != nil || prev.Key != keyA || len(prev.Passages) != 1 || gen3 <= gen {
		t.Fatalf("delete: %+v %d %v", prev, gen3, err)
	}
	if _, _, err := s.Delete("c", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Get("c", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if err := s.DeleteCollection("c"); err != nil {
		t.Fatal(err)
	}
	// Generations never repeat, even for a re-created collection.
	gen4, err := s.CreateCollection("c", nil)
	if err != nil || gen4 <= gen3 {
		t.Fatalf("re-create: gen %d after %d, %v", gen4, gen3, err)
	}
	cols, err := s.Collections()
	if err != nil || len(cols) != 1 || cols[0].Generation != gen4 {
		t.Fatalf("collections: %+v %v", cols, err)
	}
}
