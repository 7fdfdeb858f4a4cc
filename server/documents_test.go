package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
)

func mustCreate(t *testing.T, ts *testServer, name string, spec CollectionSpec) {
	t.Helper()
	if _, _, err := ts.CreateCollection(context.Background(), name, spec); err != nil {
		t.Fatal(err)
	}
}

func mustUpsert(t *testing.T, ts *testServer, coll string, docs ...Document) UpsertResult {
	t.Helper()
	res, err := ts.Upsert(context.Background(), coll, docs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func searchIDs(t *testing.T, ts *testServer, coll string, req SearchRequest) []string {
	t.Helper()
	resp, err := ts.Search(context.Background(), coll, req)
	if err != nil {
		t.Fatalf("search %+v: %v", req, err)
	}
	ids := make([]string, len(resp.Hits))
	for i, h := range resp.Hits {
		ids[i] = h.ID
	}
	return ids
}

func TestUpsertGetDeleteReplace(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	res := mustUpsert(t, ts, "c",
		Document{ID: "a", Title: "Fruit", Text: "apple pie", Metadata: map[string]any{"n": 1, "tags": []any{"x", "y"}}},
		Document{ID: "b", Text: "banana bread"},
	)
	if res.Upserted != 2 || len(res.Truncated) != 0 {
		t.Fatalf("upsert: %+v", res)
	}
	d, err := ts.GetDocument(ctx, "c", "a")
	if err != nil || d.Title != "Fruit" || d.Text != "apple pie" || d.Metadata["n"] != 1.0 || len(d.Vector) != fakeDim {
		t.Fatalf("get: %+v %v", d, err)
	}
	c, _ := ts.collection("c")
	keyA := c.docs["a"].key
	// Replace: same key, new text, count unchanged, old text no longer found.
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "cherry tart"})
	if c.docs["a"].key != keyA {
		t.Fatal("replace changed the document's key")
	}
	if info, _ := ts.GetCollection(ctx, "c"); info.Count != 2 || info.Index.Count != 2 {
		t.Fatalf("after replace: %+v", info)
	}
	if d, _ := ts.GetDocument(ctx, "c", "a"); d.Text != "cherry tart" || d.Title != "" || d.Metadata != nil {
		t.Fatalf("replaced doc: %+v", d)
	}
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "cherry tart", K: 1}); len(ids) != 1 || ids[0] != "a" {
		t.Fatalf("search replaced: %v", ids)
	}
	// Duplicate ids in one call: the last wins.
	mustUpsert(t, ts, "c", Document{ID: "d", Text: "first"}, Document{ID: "d", Text: "second"})
	if d, _ := ts.GetDocument(ctx, "c", "d"); d.Text != "second" {
		t.Fatalf("duplicate ids: %q", d.Text)
	}
	if err := ts.DeleteDocument(ctx, "c", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.GetDocument(ctx, "c", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if err := ts.DeleteDocument(ctx, "c", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	for _, id := range searchIDs(t, ts, "c", SearchRequest{Query: "cherry tart", K: 10}) {
		if id == "a" {
			t.Fatal("deleted document still found")
		}
	}
	if info, _ := ts.GetCollection(ctx, "c"); info.Count != 2 || info.Index.Count != 2 {
		t.Fatalf("after delete: %+v", info)
	}
	if _, err := ts.GetDocument(ctx, "nope", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get from missing collection: %v", err)
	}
	if res, err := ts.Upsert(ctx, "c", nil); err != nil || res.Upserted != 0 {
		t.Fatalf("empty upsert: %+v %v", res, err)
	}
}

func TestUpsertValidationKeepsStoredDocuments(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	mustCreate(t, ts, "v", CollectionSpec{Dimension: 3})
	mustUpsert(t, ts, "c", Document{ID: "keep", Text: "kept text"})
	mustUpsert(t, ts, "v", Document{ID: "keep", Vector: []float32{1, 0, 0}})
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name  string
		coll  string
		doc   Document
		field string
	}{
		{"empty id", "c", Document{Text: "x"}, "documents[1].id"},
		{"long id", "c", Document{ID: strings.Repeat("i", 513), Text: "x"}, "documents[1].id"},
		{"bad utf8 id", "c", Document{ID: "\xff", Text: "x"}, "documents[1].id"},
		{"bad utf8 text", "c", Document{ID: "x", Text: "a\xffb"}, "documents[1].text"},
		{"text too long", "c", Document{ID: "x", Text: strings.Repeat("a", 256<<10+1)}, "documents[1].text"},
		{"nothing to embed", "c", Document{ID: "x"}, "documents[1].text"},
		{"NaN", "v", Document{ID: "x", Vector: []float32{nan, 0, 0}}, "documents[1].vector"},
		{"Inf", "v", Document{ID: "x", Vector: []float32{0, inf, 0}}, "documents[1].vector"},
		{"wrong dimension", "v", Document{ID: "x", Vector: []float32{1, 0}}, "documents[1].vector"},
		{"zero vector under cosine", "v", Document{ID: "x", Vector: []float32{0, 0, 0}}, "documents[1].vector"},
		{"vector-only needs vector", "v", Document{ID: "x", Text: "words"}, "documents[1].vector"},
		{"metadata NaN", "c", Document{ID: "x", Text: "t", Metadata: map[string]any{"f": math.NaN()}}, "documents[1].metadata.f"},
		{"metadata type", "c", Document{ID: "x", Text: "t", Metadata: map[string]any{"f": struct{}{}}}, "documents[1].metadata.f"},
		{"metadata nested type", "c", Document{ID: "x", Text: "t", Metadata: map[string]any{"f": []any{map[string]any{"g": make(chan int)}}}}, "documents[1].metadata.f"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A valid first document replacing "keep" must not be applied either.
			good := Document{ID: "keep", Text: "replaced"}
			if tc.coll == "v" {
				good = Document{ID: "keep", Vector: []float32{0, 1, 0}}
			}
			_, err := ts.Upsert(ctx, tc.coll, []Document{good, tc.doc})
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("err %v, want InputError on %s", err, tc.field)
			}
			d, err := ts.GetDocument(ctx, tc.coll, "keep")
			if err != nil || d.Text == "replaced" || (tc.coll == "v" && d.Vector[0] != 1) {
				t.Fatalf("stored document changed: %+v %v", d, err)
			}
			if info, _ := ts.GetCollection(ctx, tc.coll); info.Count != 1 {
				t.Fatalf("count %d after rejected upsert", info.Count)
			}
		})
	}
}

func TestVectorOnlyCollection(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "v", CollectionSpec{Dimension: 3})
	mustUpsert(t, ts, "v",
		Document{ID: "x", Text: "stored but not embedded", Vector: []float32{1, 0, 0}},
		Document{ID: "y", Vector: []float32{0, 1, 0}},
	)
	if n := ts.emb.texts.Load(); n != 0 {
		t.Fatalf("vector-only upsert embedded %d texts", n)
	}
	if ids := searchIDs(t, ts, "v", SearchRequest{Vector: []float32{0.1, 1, 0}, K: 1}); len(ids) != 1 || ids[0] != "y" {
		t.Fatalf("vector search: %v", ids)
	}
	for _, tc := range []struct {
		req   SearchRequest
		field string
	}{
		{SearchRequest{Query: "hello"}, "query"},
		{SearchRequest{Vector: []float32{1, 0, 0}, Mode: ModeLexical}, "mode"},
		{SearchRequest{Vector: []float32{1, 0}}, "vector"},
		{SearchRequest{}, "query"},
	} {
		_, err := ts.Search(ctx, "v", tc.req)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Fatalf("search %+v: %v, want InputError on %s", tc.req, err, tc.field)
		}
	}
	_, err := ts.Search(ctx, "v", SearchRequest{Query: "hello"})
	if !strings.Contains(err.Error(), "vector") {
		t.Fatalf("error does not name the problem: %v", err)
	}
}

func TestUpsertTruncatedAndPrecomputed(t *testing.T) {
	ts := newTest(t)
	mustCreate(t, ts, "c", CollectionSpec{})
	long := strings.Repeat("word ", 100)
	res := mustUpsert(t, ts, "c",
		Document{ID: "long", Text: long},
		Document{ID: "short", Text: "short"},
		Document{ID: "pre", Text: strings.Repeat("x ", 100), Vector: wordVector([]string{"pre"})},
	)
	if len(res.Truncated) != 1 || res.Truncated[0] != "long" {
		t.Fatalf("truncated: %v", res.Truncated)
	}
	if d, _ := ts.GetDocument(context.Background(), "c", "long"); d.Text != long {
		t.Fatal("over-long text not stored whole")
	}
	if n := ts.emb.texts.Load(); n != 2 {
		t.Fatalf("embedded %d texts, want 2 (pre-computed vector kept)", n)
	}
}

func TestUpsertRespectsCancellation(t *testing.T) {
	ts := newTest(t)
	mustCreate(t, ts, "c", CollectionSpec{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ts.Upsert(ctx, "c", []Document{{ID: "a", Text: "x"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upsert: %v", err)
	}
	if _, err := ts.GetDocument(context.Background(), "c", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatal("cancelled upsert stored a document")
	}
}

func TestConcurrentUpsertsAndSearches(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	const writers, rounds, ids = 4, 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := 0; w < writers; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				var docs []Document
				for i := 0; i < ids; i++ {
					docs = append(docs, Document{ID: fmt.Sprintf("d%d", i), Text: fmt.Sprintf("writer %d round %d", w, r), Metadata: map[string]any{"w": w}})
				}
				if _, err := ts.Upsert(ctx, "c", docs); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				if _, err := ts.Search(ctx, "c", SearchRequest{Query: "writer round", K: 5, Filter: []byte(`{"w": {"$gte": 0}}`)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	info, _ := ts.GetCollection(ctx, "c")
	if info.Count != ids || info.Index.Count != ids {
		t.Fatalf("count %d, index %d, want %d", info.Count, info.Index.Count, ids)
	}
	// The index holds, for each id, the vector of the stored (last committed) text.
	c, _ := ts.collection("c")
	for i := 0; i < ids; i++ {
		d, err := ts.GetDocument(ctx, "c", fmt.Sprintf("d%d", i))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.vec.Search(ctx, d.Vector, indexOpts(1, c.docs[d.ID].key))
		if err != nil || len(res) != 1 || res[0].Score < 0.9999 {
			t.Fatalf("index vector of %s differs from the stored one: %+v %v", d.ID, res, err)
		}
	}
}
