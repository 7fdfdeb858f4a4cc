package weaviate_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	wvc "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate/entities/models"

	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/wire"
)

// listIDs are document ids whose byte order differs from Weaviate's object (UUID)
// order and from a case-insensitive order: upper before lower case, a prefix before
// its extensions, multi-byte UTF-8 last.
var listIDs = []string{"a", "ab", "B", "Doc-1", "doc-1", "_x", "é", "z~", "10", "9", "A-", "zz", "Ω"}

// maintDocs are vector-only documents with ids listIDs plus doc-00..doc-(n-1).
func maintDocs(n, dim int) []wire.Document {
	r := rand.New(rand.NewPCG(5, 6))
	ids := slices.Clone(listIDs)
	for i := 0; i < n; i++ {
		ids = append(ids, fmt.Sprintf("doc-%02d", i))
	}
	docs := make([]wire.Document, len(ids))
	for i, id := range ids {
		docs[i] = wire.Document{ID: id, Title: "title " + id, Vector: randVec(r, dim),
			Metadata: map[string]any{"g": float64(i % 3), "n": float64(i), "tag": []any{"t" + fmt.Sprint(i%2)}}}
	}
	return docs
}

// listAll pages through a collection (limit per page, optional filter) and returns
// every page as the server sent it.
func (in *instance) listAll(coll string, limit int, filter string) []wire.DocumentPage {
	in.t.Helper()
	var pages []wire.DocumentPage
	cursor := ""
	for n := 0; ; n++ {
		if n > 1000 {
			in.t.Fatalf("listing %s does not end", coll)
		}
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if filter != "" {
			q.Set("filter", filter)
		}
		var p wire.DocumentPage
		in.must(200, "GET", "/v1/collections/"+coll+"/documents?"+q.Encode(), nil, &p)
		pages = append(pages, p)
		if p.NextCursor == "" {
			return pages
		}
		cursor = p.NextCursor
	}
}

func pageIDs(pages []wire.DocumentPage) []string {
	var out []string
	for _, p := range pages {
		for _, d := range p.Documents {
			out = append(out, d.ID)
		}
	}
	return out
}

// sameJSON fails unless a and b encode to the same JSON.
func sameJSON(t testing.TB, what string, a, b any) {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("%s differ:\nlocal    %s\nweaviate %s", what, ja, jb)
	}
}

// TestDocumentMaintenanceParity runs listing, patches, bulk deletes, collection patches,
// stats and compaction on a local server and on one over Weaviate and requires the same
// answers.
func TestDocumentMaintenanceParity(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	wv := newWeaviateServer(t, cl, 0)
	lo := newLocalServer(t)
	const dim = 4
	docs := maintDocs(20, dim)
	both := []*instance{lo, wv}
	for _, in := range both {
		in.must(201, "PUT", "/v1/collections/dm", wire.CollectionSpec{Dimension: dim}, nil)
		in.must(200, "POST", "/v1/collections/dm/documents", map[string]any{"documents": docs}, nil)
	}
	want := make([]string, len(docs))
	for i, d := range docs {
		want[i] = d.ID
	}
	sort.Strings(want) // byte order
	for _, c := range []struct {
		limit  int
		filter string
	}{{7, ""}, {len(docs), ""}, {1000, ""}, {4, `{"g": 1}`}, {3, `{"tag": "t0", "n": {"$lt": 20}}`}, {5, `{"missing": 1}`}} {
		a, b := lo.listAll("dm", c.limit, c.filter), wv.listAll("dm", c.limit, c.filter)
		sameJSON(t, fmt.Sprintf("pages (limit %d, filter %q)", c.limit, c.filter), a, b)
		if c.filter == "" && !slices.Equal(pageIDs(b), want) {
			t.Fatalf("listing order %v, want %v", pageIDs(b), want)
		}
	}
	var bad map[string]any
	for _, in := range both {
		if st := in.do("GET", "/v1/collections/dm/documents?limit=1001", nil, &bad); st != 400 {
			t.Fatalf("limit 1001: status %d", st)
		}
		in.must(404, "GET", "/v1/collections/nope/documents", nil, nil)
	}

	// Patch: title and metadata change, the vector stays, filters see the new metadata.
	var before wire.Document
	wv.must(200, "GET", "/v1/collections/dm/documents/doc-03", nil, &before)
	patch := map[string]any{"title": "patched", "metadata": map[string]any{"g": 7, "extra": "x", "n": nil}}
	var pa, pb wire.Document
	lo.must(200, "PATCH", "/v1/collections/dm/documents/doc-03", patch, &pa)
	wv.must(200, "PATCH", "/v1/collections/dm/documents/doc-03", patch, &pb)
	sameJSON(t, "patched documents", pa, pb)
	if pb.Title != "patched" || pb.Metadata["g"] != float64(7) || pb.Metadata["extra"] != "x" || pb.Metadata["n"] != nil {
		t.Fatalf("patched: %+v", pb)
	}
	var after wire.Document
	wv.must(200, "GET", "/v1/collections/dm/documents/doc-03", nil, &after)
	if !slices.Equal(after.Vector, before.Vector) || after.Title != "patched" {
		t.Fatalf("patch changed the vector or lost the title: %v -> %v", before.Vector, after.Vector)
	}
	for _, in := range both {
		var res wire.SearchResponse
		in.must(200, "POST", "/v1/collections/dm/search", map[string]any{"vector": before.Vector, "k": 5,
			"filter": rawJSON(`{"extra": "x", "g": 7}`), "include": []string{"metadata", "title"}}, &res)
		if len(res.Hits) != 1 || res.Hits[0].ID != "doc-03" || res.Hits[0].Title != "patched" {
			t.Fatalf("search after patch: %+v", res.Hits)
		}
		in.must(200, "POST", "/v1/collections/dm/search", map[string]any{"vector": before.Vector, "k": 50,
			"filter": rawJSON(`{"n": 3}`)}, &res)
		if slices.Contains(hitIDs(res), "doc-03") {
			t.Fatalf("a removed metadata field still matches: %v", hitIDs(res))
		}
		in.must(404, "PATCH", "/v1/collections/dm/documents/nope", patch, nil)
		if st := in.do("PATCH", "/v1/collections/dm/documents/doc-03", map[string]any{}, &bad); st != 400 {
			t.Fatalf("empty patch: status %d", st)
		}
	}
	sameJSON(t, "pages after patch", lo.listAll("dm", 9, `{"extra": "x"}`), wv.listAll("dm", 9, `{"extra": "x"}`))

	// Bulk deletes: by ids (absent ones skipped) and by filter; both forms at once are refused.
	var da, db wire.DeleteDocumentsResult
	ids := map[string]any{"ids": []string{"doc-00", "doc-01", "B", "nope", "doc-00"}}
	lo.must(200, "POST", "/v1/collections/dm/delete", ids, &da)
	wv.must(200, "POST", "/v1/collections/dm/delete", ids, &db)
	if da.Deleted != 3 || db.Deleted != 3 {
		t.Fatalf("delete by ids: local %d weaviate %d, want 3", da.Deleted, db.Deleted)
	}
	byFilter := map[string]any{"filter": rawJSON(`{"g": 2}`)}
	lo.must(200, "POST", "/v1/collections/dm/delete", byFilter, &da)
	wv.must(200, "POST", "/v1/collections/dm/delete", byFilter, &db)
	if da.Deleted == 0 || da.Deleted != db.Deleted {
		t.Fatalf("delete by filter: local %d weaviate %d", da.Deleted, db.Deleted)
	}
	for _, in := range both {
		in.must(404, "GET", "/v1/collections/dm/documents/doc-00", nil, nil)
		in.must(404, "GET", "/v1/collections/dm/documents/B", nil, nil)
		for _, body := range []map[string]any{{}, {"ids": []string{"x"}, "filter": rawJSON(`{"g": 1}`)}} {
			if st := in.do("POST", "/v1/collections/dm/delete", body, &bad); st != 400 {
				t.Fatalf("delete %v: status %d", body, st)
			}
		}
		var d wire.DeleteDocumentsResult
		in.must(200, "POST", "/v1/collections/dm/delete", map[string]any{"filter": rawJSON(`{"g": 2}`)}, &d)
		if d.Deleted != 0 {
			t.Fatalf("second delete by filter removed %d", d.Deleted)
		}
	}
	sameJSON(t, "pages after deletes", lo.listAll("dm", 6, ""), wv.listAll("dm", 6, ""))

	// Collection patch: ef_search shows in the collection and its stats.
	for _, in := range both {
		var ci wire.CollectionInfo
		in.must(200, "PATCH", "/v1/collections/dm", map[string]any{"ef_search": 77}, &ci)
		if ci.Spec.Index.EfSearch != 77 {
			t.Fatalf("patch answer: %+v", ci.Spec.Index)
		}
		in.must(200, "GET", "/v1/collections/dm", nil, &ci)
		if ci.Spec.Index.EfSearch != 77 || (in == wv && ci.Index.EfSearch != 77) {
			t.Fatalf("GET after patch: spec %+v index %+v", ci.Spec.Index, ci.Index)
		}
		if st := in.do("PATCH", "/v1/collections/dm", map[string]any{"ef_search": 0}, &bad); st != 400 {
			t.Fatalf("ef_search 0: status %d", st)
		}
	}
	var sa, sb wire.CollectionStats
	lo.must(200, "GET", "/v1/collections/dm/stats", nil, &sa)
	wv.must(200, "GET", "/v1/collections/dm/stats", nil, &sb)
	if sb.Status != "ready" || sb.Documents != sa.Documents || sb.LiveVectors != sa.Documents || sb.EfSearch != 77 ||
		sb.Engine != "weaviate-hnsw" || sa.EfSearch != 77 {
		t.Fatalf("stats: local %+v\nweaviate %+v", sa, sb)
	}
	// A second process sees the new ef once it loads the collection.
	wv2 := newWeaviateServer(t, cl, 0)
	wv2.must(200, "GET", "/v1/collections/dm/stats", nil, &sb)
	if sb.EfSearch != 77 {
		t.Fatalf("another process's stats: ef %d", sb.EfSearch)
	}
	var cr wire.CompactResult
	wv.must(202, "POST", "/v1/collections/dm/compact", nil, &cr)
	if cr.Started {
		t.Fatal("compaction on weaviate reports started")
	}
	wv.must(404, "POST", "/v1/collections/nope/compact", nil, nil)
	wv.must(404, "GET", "/v1/collections/nope/stats", nil, nil)
}

// raw sends a request with a raw body and returns the status and the body.
func (in *instance) raw(method, path, contentType string, body []byte) (int, []byte) {
	in.t.Helper()
	req, _ := http.NewRequest(method, in.url+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// backup returns a collection's backup stream and its records sorted by id (a
// Weaviate backup is in object order).
func (in *instance) backup(coll string) ([]byte, wire.BackupHeader, []wire.BackupRecord) {
	in.t.Helper()
	st, body := in.raw("GET", "/v1/collections/"+coll+"/backup", "", nil)
	if st != 200 {
		in.t.Fatalf("backup %s: status %d %s", coll, st, body)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 64<<20)
	var head wire.BackupHeader
	var recs []wire.BackupRecord
	for i := 0; sc.Scan(); i++ {
		var err error
		if i == 0 {
			err = json.Unmarshal(sc.Bytes(), &head)
		} else {
			var r wire.BackupRecord
			err = json.Unmarshal(sc.Bytes(), &r)
			recs = append(recs, r)
		}
		if err != nil {
			in.t.Fatalf("backup line %d: %v", i, err)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	return body, head, recs
}

func (in *instance) restore(coll string, stream []byte, want int) {
	in.t.Helper()
	st, body := in.raw("POST", "/v1/collections/"+coll+"/restore", "application/x-ndjson", stream)
	if st != want {
		in.t.Fatalf("restore %s: status %d, want %d: %s", coll, st, want, body)
	}
}

// sameRecords compares backup records: ids, fields, metadata, spans exactly; vectors
// within tol.
func sameRecords(t testing.TB, what string, a, b []wire.BackupRecord, tol float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d records vs %d", what, len(a), len(b))
	}
	vecEq := func(x, y []float32) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if d := float64(x[i] - y[i]); d > tol || d < -tol {
				return false
			}
		}
		return true
	}
	for i := range a {
		x, y := a[i], b[i]
		var mx, my any
		_ = json.Unmarshal(x.Metadata, &mx)
		_ = json.Unmarshal(y.Metadata, &my)
		jx, _ := json.Marshal(mx)
		jy, _ := json.Marshal(my)
		if x.ID != y.ID || x.Title != y.Title || x.Text != y.Text || !bytes.Equal(jx, jy) || !vecEq(x.Vector, y.Vector) || len(x.Passages) != len(y.Passages) {
			t.Fatalf("%s: record %d differs:\n%+v\n%+v", what, i, x, y)
		}
		for j := range x.Passages {
			p, q := x.Passages[j], y.Passages[j]
			if p.Start != q.Start || p.End != q.End || !vecEq(p.Vector, q.Vector) {
				t.Fatalf("%s: record %s passage %d differs: %+v vs %+v", what, x.ID, j, p, q)
			}
		}
	}
}

// TestBackupAcrossBackends restores a Weaviate collection's backup into a local server
// and a local backup into Weaviate: the same documents, metadata and vectors.
func TestBackupAcrossBackends(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	wv := newWeaviateServer(t, cl, 0)
	lo := newLocalServer(t)
	const dim = 6
	docs := maintDocs(1100, dim) // more than one backup page
	wv.must(201, "PUT", "/v1/collections/bk", map[string]any{"dimension": dim, "metric": "dot", "index": map[string]any{"ef_search": 40}}, nil)
	wv.must(200, "POST", "/v1/collections/bk/documents", map[string]any{"documents": docs}, nil)
	streamW, headW, recsW := wv.backup("bk")
	if headW.Documents != len(docs) || len(recsW) != len(docs) || headW.Spec.Replicas != 1 || headW.Spec.Index.EfSearch != 40 {
		t.Fatalf("weaviate backup header %+v with %d records", headW, len(recsW))
	}
	lo.restore("bk", streamW, 201)
	lo.restore("bk", streamW, 409)
	_, headL, recsL := lo.backup("bk")
	if headL.Spec.Metric != wire.Dot || headL.Spec.Index.EfSearch != 40 {
		t.Fatalf("local spec after restore: %+v", headL.Spec)
	}
	sameRecords(t, "weaviate backup vs its local restore", recsW, recsL, 0)
	// And back: the local backup into Weaviate under another name.
	streamL, _, _ := lo.backup("bk")
	wv.restore("bk2", streamL, 201)
	wv.restore("bk", streamL, 409)
	_, _, recsW2 := wv.backup("bk2")
	sameRecords(t, "local backup vs its weaviate restore", recsL, recsW2, 0)
	var got wire.Document
	wv.must(200, "GET", "/v1/collections/bk2/documents/doc-07", nil, &got)
	for i, d := range docs {
		if d.ID == "doc-07" && !slices.Equal(got.Vector, docs[i].Vector) {
			t.Fatalf("restored vector %v, want %v", got.Vector, docs[i].Vector)
		}
	}
	var res wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/bk2/search", map[string]any{"vector": got.Vector, "k": 1, "filter": rawJSON(`{"n": {"$gte": 0}}`)}, &res)
	if len(res.Hits) != 1 {
		t.Fatalf("search the restored collection: %+v", res.Hits)
	}
	// A bad record fails the restore and names it.
	bad := bytes.Replace(streamL, []byte(`"id":"doc-05"`), []byte(`"id":""`), 1)
	st, body := wv.raw("POST", "/v1/collections/bk3/restore", "application/x-ndjson", bad)
	if st != 400 || !strings.Contains(string(body), "records[") {
		t.Fatalf("bad record: %d %s", st, body)
	}
}

// TestChunkedDocumentMaintenance lists, patches, deletes and backs up a chunked
// collection (passages as Weaviate objects) like the local engine does.
func TestChunkedDocumentMaintenance(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	pack := tinyPack(t)
	wv := newWeaviateServer(t, cl, 0, pack)
	lo := newLocalServer(t, pack)
	spec := map[string]any{"chunking": map[string]any{"window_tokens": 8, "overlap_tokens": 2}}
	words := strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau")
	var docs []wire.Document
	for i := 0; i < 12; i++ {
		text := strings.Join(words[i%5:], " ") + " " + strings.Repeat(words[i]+" ", i)
		docs = append(docs, wire.Document{ID: listIDs[i], Title: "t" + listIDs[i], Text: text, Metadata: map[string]any{"i": float64(i), "odd": i%2 == 1}})
	}
	both := []*instance{lo, wv}
	for _, in := range both {
		in.must(201, "PUT", "/v1/collections/ch", spec, nil)
		in.must(200, "POST", "/v1/collections/ch/documents", map[string]any{"documents": docs}, nil)
	}
	sameJSON(t, "chunked pages", lo.listAll("ch", 5, ""), wv.listAll("ch", 5, ""))
	sameJSON(t, "chunked pages, filtered", lo.listAll("ch", 2, `{"odd": true}`), wv.listAll("ch", 2, `{"odd": true}`))
	_, _, before := wv.backup("ch")
	_, _, local := lo.backup("ch")
	sameRecords(t, "chunked backups (embedded on each side)", local, before, 1e-4)
	var multi bool
	for _, r := range before {
		multi = multi || len(r.Passages) > 1
	}
	if !multi {
		t.Fatal("no document has several passages: the test text is too short")
	}

	// Patch keeps every passage and its vector; the new metadata filters passages.
	patch := map[string]any{"metadata": map[string]any{"odd": nil, "lang": "el"}}
	var pa, pb wire.Document
	lo.must(200, "PATCH", "/v1/collections/ch/documents/ab", patch, &pa)
	wv.must(200, "PATCH", "/v1/collections/ch/documents/ab", patch, &pb)
	sameJSON(t, "patched chunked documents", pa, pb)
	_, _, after := wv.backup("ch")
	for i := range before {
		if before[i].ID == "ab" {
			before[i].Metadata = json.RawMessage(`{"i":1,"lang":"el"}`)
		}
	}
	sameRecords(t, "chunked backup after patch", before, after, 0)
	for _, in := range both {
		var res wire.SearchResponse
		in.must(200, "POST", "/v1/collections/ch/search", map[string]any{"query": "gamma delta", "mode": "dense", "k": 5,
			"filter": rawJSON(`{"lang": "el"}`)}, &res)
		if len(res.Hits) != 1 || res.Hits[0].ID != "ab" || res.Hits[0].Passage == nil {
			t.Fatalf("search patched chunked: %+v", res.Hits)
		}
	}

	// Deletes remove documents and their passages.
	for _, in := range both {
		var d wire.DeleteDocumentsResult
		in.must(200, "POST", "/v1/collections/ch/delete", map[string]any{"filter": rawJSON(`{"odd": true}`)}, &d)
		if d.Deleted != 5 {
			t.Fatalf("chunked delete by filter: %d", d.Deleted)
		}
		in.must(200, "POST", "/v1/collections/ch/delete", map[string]any{"ids": []string{"a", "B"}}, &d)
		if d.Deleted != 2 {
			t.Fatalf("chunked delete by ids: %d", d.Deleted)
		}
	}
	sameJSON(t, "chunked pages after deletes", lo.listAll("ch", 4, ""), wv.listAll("ch", 4, ""))
	var sa, sb wire.CollectionStats
	lo.must(200, "GET", "/v1/collections/ch/stats", nil, &sa)
	wv.must(200, "GET", "/v1/collections/ch/stats", nil, &sb)
	if sa.Documents != 5 || sb.Documents != 5 || sb.LiveVectors != sa.LiveVectors+sa.Documents {
		t.Fatalf("chunked stats (weaviate objects = passages + documents): local %+v\nweaviate %+v", sa, sb)
	}
	var res wire.SearchResponse
	streamW, _, recsW := wv.backup("ch")
	lo.restore("ch2", streamW, 201)
	_, _, recsL := lo.backup("ch2")
	sameRecords(t, "chunked weaviate backup vs local restore", recsW, recsL, 0)
	streamL, _, _ := lo.backup("ch2")
	wv.restore("ch3", streamL, 201)
	_, _, recsW3 := wv.backup("ch3")
	sameRecords(t, "chunked local backup vs weaviate restore", recsL, recsW3, 0)
	wv.must(200, "POST", "/v1/collections/ch3/search", map[string]any{"query": "gamma delta", "mode": "dense", "k": 3,
		"filter": rawJSON(`{"lang": "el"}`)}, &res)
	if len(res.Hits) != 1 || res.Hits[0].ID != "ab" || res.Hits[0].Passage == nil || res.Hits[0].Passage.Text == "" {
		t.Fatalf("search the restored chunked collection: %+v", res.Hits)
	}
	wv.must(200, "POST", "/v1/collections/ch/search", map[string]any{"query": "gamma delta", "mode": "dense", "k": 10}, &res)
	for _, h := range res.Hits {
		if h.ID == "a" || h.ID == "B" {
			t.Fatalf("a deleted document's passage is still found: %+v", h)
		}
	}
}

// TestUpsertAllOrNothing makes Weaviate reject one object of a call (a metadata
// property another writer created with another type) and requires that nothing of the
// call is stored and the previous versions are intact.
func TestUpsertAllOrNothing(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	wv := newWeaviateServer(t, cl, 0)
	wv.must(201, "PUT", "/v1/collections/aon", wire.CollectionSpec{Dimension: 3}, nil)
	v1 := []wire.Document{
		{ID: "a", Title: "a1", Vector: []float32{1, 0, 0}, Metadata: map[string]any{"k": "x"}},
		{ID: "b", Title: "b1", Vector: []float32{0, 1, 0}},
	}
	wv.must(200, "POST", "/v1/collections/aon/documents", map[string]any{"documents": v1}, nil)
	// Another writer declares "clash" as a number array: our text values are rejected.
	client, err := wvc.NewClient(wvc.Config{Host: strings.TrimPrefix(cl.URL(0), "http://"), Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	prop := &models.Property{Name: "m_" + hex.EncodeToString([]byte("clash")) + "_s", DataType: []string{"int[]"}}
	ctx := weaviatetest.Context(t, time.Minute)
	if err := client.Schema().PropertyCreator().WithClassName("Instructd_aon").WithProperty(prop).Do(ctx); err != nil {
		t.Fatal(err)
	}
	call := []wire.Document{
		{ID: "a", Title: "a2", Vector: []float32{0, 0, 1}},
		{ID: "c", Title: "c1", Vector: []float32{1, 1, 0}},
		{ID: "b", Title: "b2", Vector: []float32{1, 0, 1}, Metadata: map[string]any{"clash": "text"}},
		{ID: "d", Title: "d1", Vector: []float32{1, 1, 1}},
	}
	var e map[string]any
	if st := wv.do("POST", "/v1/collections/aon/documents", map[string]any{"documents": call}, &e); st != 400 ||
		!strings.Contains(fmt.Sprint(e), "documents[2]") {
		t.Fatalf("rejected object: status %d %v", st, e)
	}
	for _, want := range v1 {
		var got wire.Document
		wv.must(200, "GET", "/v1/collections/aon/documents/"+want.ID, nil, &got)
		if got.Title != want.Title || !slices.Equal(got.Vector, want.Vector) || fmt.Sprint(got.Metadata) != fmt.Sprint(want.Metadata) {
			t.Fatalf("previous version of %s not intact: %+v", want.ID, got)
		}
	}
	wv.must(404, "GET", "/v1/collections/aon/documents/c", nil, nil)
	wv.must(404, "GET", "/v1/collections/aon/documents/d", nil, nil)
	var ci wire.CollectionInfo
	wv.must(200, "GET", "/v1/collections/aon", nil, &ci)
	if ci.Count != 2 {
		t.Fatalf("count %d after the failed call, want 2", ci.Count)
	}
	// NDJSON: the rejected line fails alone, the others are stored.
	lines := [][]byte{
		[]byte(`{"id":"c","title":"c1","vector":[1,1,0]}`),
		[]byte(`{"id":"b","title":"b2","vector":[1,0,1],"metadata":{"clash":"text"}}`),
		[]byte(`{"id":"d","title":"d1","vector":[1,1,1]}`),
	}
	st, sum := wv.ndjson("aon", lines)
	if st != 200 || sum["upserted"].(float64) != 2 || sum["failed_count"].(float64) != 1 {
		t.Fatalf("ndjson: %d %v", st, sum)
	}
	var b wire.Document
	wv.must(200, "GET", "/v1/collections/aon/documents/b", nil, &b)
	if b.Title != "b1" {
		t.Fatalf("b after the ingest: %+v", b)
	}
	wv.must(200, "GET", "/v1/collections/aon/documents/d", nil, nil)
}
