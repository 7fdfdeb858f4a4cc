package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/wire"
)

// TestDocumentAPIsRealServer drives list/scroll, patch, bulk delete, collection patch,
// stats, compaction, backup and restore through the Go client against the real server.
func TestDocumentAPIsRealServer(t *testing.T) { forEachBackend(t, testDocumentAPIsRealServer) }

func testDocumentAPIsRealServer(t *testing.T, b backendKind) {
	e, _ := newRealEnv(t, b, Options{})
	ctx := context.Background()
	cl := e.cl
	if _, _, err := cl.CreateCollection(ctx, "d", wire.CollectionSpec{Dimension: 2}); err != nil {
		t.Fatal(err)
	}
	var docs []wire.Document
	for i, tenant := range []string{"a", "b", "a", "b", "a"} {
		docs = append(docs, wire.Document{ID: "d" + string(rune('0'+i)), Vector: []float32{1, float32(i)},
			Metadata: map[string]any{"tenant": tenant, "i": i}})
	}
	if _, err := cl.Upsert(ctx, "d", docs); err != nil {
		t.Fatal(err)
	}

	// List and scroll: pages of 2 cover every document once, in id order.
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := cl.ListDocuments(ctx, "d", client.ListOptions{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Documents {
			ids = append(ids, d.ID)
		}
		if page.NextCursor == "" || pages > 5 {
			break
		}
		cursor = page.NextCursor
	}
	if want := []string{"d0", "d1", "d2", "d3", "d4"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("scrolled %v, want %v", ids, want)
	}
	page, err := cl.ListDocuments(ctx, "d", client.ListOptions{Limit: 10, Cursor: "", Filter: json.RawMessage(`{"tenant":"b"}`)})
	if err != nil || len(page.Documents) != 2 || page.Documents[0].ID != "d1" {
		t.Fatalf("filtered list: %+v %v", page, err)
	}

	// Patch: metadata merge and title, the vector kept.
	title := "renamed"
	got, err := cl.PatchDocument(ctx, "d", "d2", wire.DocumentPatch{Title: &title, Metadata: map[string]any{"tenant": nil, "x": "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != title || got.Metadata["x"] != "y" || got.Metadata["tenant"] != nil || got.Metadata["i"] == nil {
		t.Fatalf("patched document %+v", got)
	}
	full, err := cl.GetDocument(ctx, "d", "d2")
	if err != nil || !reflect.DeepEqual(full.Vector, []float32{1, 2}) || full.Title != title {
		t.Fatalf("after patch: %+v %v", full, err)
	}

	// Bulk deletes: by ids (unknown ids skipped), then by filter.
	if n, err := cl.DeleteDocuments(ctx, "d", wire.DeleteDocumentsRequest{IDs: []string{"d0", "nope"}}); err != nil || n != 1 {
		t.Fatalf("delete by ids: %d %v", n, err)
	}
	if n, err := cl.DeleteDocuments(ctx, "d", wire.DeleteDocumentsRequest{Filter: json.RawMessage(`{"tenant":"b"}`)}); err != nil || n != 2 {
		t.Fatalf("delete by filter: %d %v", n, err)
	}
	e.expect(e.do("POST", "/v1/collections/d/delete", `{"ids":["x"],"filter":{"a":1}}`), http.StatusBadRequest, "ids and filter")

	// ef_search after creation.
	ef := 64
	info, err := cl.PatchCollection(ctx, "d", wire.CollectionPatch{EfSearch: &ef})
	if err != nil || info.Spec.Index.EfSearch != 64 {
		t.Fatalf("patch collection: %+v %v", info.Spec, err)
	}
	st, err := cl.Stats(ctx, "d")
	if err != nil || st.Documents != 2 || st.LiveVectors != 2 || st.EfSearch != 64 {
		t.Fatalf("stats %+v %v", st, err)
	}
	// The store file's pages and its write generations are the local engine's own; a
	// backend keeps its storage to itself.
	if b == backendLocal && (st.StoreBytes <= 0 || st.Generation == 0) {
		t.Fatalf("local stats without store bytes or generation: %+v", st)
	}

	// Compaction runs in the background and keeps every live vector. The local engine
	// rebuilds its HNSW graph without tombstones; a backend compacts its own storage
	// and index by itself, so there the call starts nothing (started is false).
	if started, err := cl.Compact(ctx, "d"); err != nil || (b == backendLocal && !started) {
		t.Fatalf("compact: %v %v", started, err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if st, err = cl.Stats(ctx, "d"); err != nil || !st.Compacting || time.Now().After(deadline) {
			break
		}
	}
	if st.Compacting || st.LiveVectors != 2 || st.DeletedVectors != 0 {
		t.Fatalf("after compaction: %+v %v", st, err)
	}

	// Backup, restore under another name: same documents, same search results.
	var buf bytes.Buffer
	if err := cl.Backup(ctx, "d", &buf); err != nil {
		t.Fatal(err)
	}
	if n, err := cl.Restore(ctx, "d2", bytes.NewReader(buf.Bytes())); err != nil || n != 2 {
		t.Fatalf("restore: %d %v", n, err)
	}
	for _, id := range []string{"d2", "d4"} {
		a, _ := cl.GetDocument(ctx, "d", id)
		b, err := cl.GetDocument(ctx, "d2", id)
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("restored %s = %+v (%v), want %+v", id, b, err, a)
		}
	}
	res, err := cl.Search(ctx, "d2", wire.SearchRequest{Vector: []float32{1, 4}, K: 1})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].ID != "d4" {
		t.Fatalf("search on the restored collection: %+v %v", res, err)
	}
	if _, err := cl.Restore(ctx, "d2", bytes.NewReader(buf.Bytes())); err == nil {
		t.Fatal("restore over an existing collection succeeded")
	}
	cut := buf.Bytes()[:bytes.LastIndexByte(buf.Bytes()[:buf.Len()-1], '\n')+1]
	if _, err := cl.Restore(ctx, "d3", bytes.NewReader(cut)); err == nil {
		t.Fatal("restore of a cut backup succeeded")
	}
}
