package store

import (
	"reflect"
	"testing"
)

func TestChangeLogRecordsWritesAfterAGeneration(t *testing.T) {
	s, _ := openTemp(t)
	created, err := s.CreateCollection("c", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if ch, ok, err := s.ChangesSince("c", created); err != nil || !ok || ch.Writes != 0 {
		t.Fatalf("fresh collection: %+v %v %v", ch, ok, err)
	}
	r1, err := s.Put("c", []Record{{ID: "a", Vector: []float32{1}}, {ID: "b", Vector: []float32{2}}})
	if err != nil {
		t.Fatal(err)
	}
	// "a" becomes chunked: its whole-document key is dropped from the vector index.
	r2, err := s.Put("c", []Record{{ID: "a", Text: "xy", Passages: []Passage{{Start: 0, End: 2, Vector: []float32{3}}}}})
	if err != nil {
		t.Fatal(err)
	}
	prevB, gen3, err := s.Delete("c", "b")
	if err != nil {
		t.Fatal(err)
	}
	ch, ok, err := s.ChangesSince("c", r1.Generation)
	if err != nil || !ok {
		t.Fatalf("changes: %v %v", ok, err)
	}
	want := Changes{IDs: []string{"a", "b"}, Dropped: append(append([]uint64(nil), r2.Stale...), prevB.Key), Writes: 2}
	if !reflect.DeepEqual(ch, want) {
		t.Fatalf("changes since %d: %+v, want %+v", r1.Generation, ch, want)
	}
	if err := s.TrimLog("c", r2.Generation); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.LogLen("c"); n != 1 {
		t.Errorf("%d entries after trimming up to %d, want 1", n, r2.Generation)
	}
	if _, ok, _ := s.ChangesSince("c", r1.Generation); ok {
		t.Error("the log claims to cover writes it trimmed")
	}
	ch, ok, err = s.ChangesSince("c", r2.Generation)
	if err != nil || !ok || !reflect.DeepEqual(ch.IDs, []string{"b"}) || ch.Writes != 1 {
		t.Fatalf("after trim: %+v %v %v", ch, ok, err)
	}
	if ch, _, _ := s.ChangesSince("c", gen3); ch.Writes != 0 {
		t.Errorf("%d writes after the last generation", ch.Writes)
	}
}
