package weaviate_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/wire"
)

func ortLib(t testing.TB) string { return testenv.ORTLibrary(t) }

// tinyPack is the generated random-weight test pack (lexical, hybrid and chunking tests).
func tinyPack(t testing.TB) string {
	p := filepath.Join(testenv.RepoRoot(t), "models", "test-tiny")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("models/test-tiny is missing (run `make setup`): %v", err)
	}
	return p
}

func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// parityDocs are vector-only documents whose metadata exercises every JSON type the
// filter language compares: strings, numbers, booleans, null, arrays, nested objects.
func parityDocs(n, dim int) []wire.Document {
	r := rand.New(rand.NewPCG(1, 2))
	colors := []string{"red", "green", "blue"}
	docs := make([]wire.Document, n)
	for i := range docs {
		meta := map[string]any{
			"color": colors[i%3],
			"n":     float64(i % 10),
			"even":  i%2 == 0,
			"tags":  []any{fmt.Sprintf("t%d", i%4), fmt.Sprintf("t%d", i%5)},
			"nested": map[string]any{
				"level": float64(i % 3),
			},
		}
		switch i % 7 {
		case 0:
			meta["opt"] = nil
		case 1:
			meta["opt"] = "x"
		case 2:
			meta["opt"] = float64(1) // another type under the same field
		}
		docs[i] = wire.Document{ID: fmt.Sprintf("doc-%03d", i), Title: fmt.Sprintf("title %d", i), Vector: randVec(r, dim), Metadata: meta}
	}
	return docs
}

// TestAPIParitySingleNode runs the same API calls against a local instructd and one
// over a single Weaviate node and requires the same answers: collection lifecycle,
// documents, and dense search (exact on 300 vectors) under every filter operator.
func TestAPIParitySingleNode(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	wv := newWeaviateServer(t, cl, 0)
	lo := newLocalServer(t)
	const dim = 8
	docs := parityDocs(300, dim)
	spec := wire.CollectionSpec{Dimension: dim, Metric: wire.Cosine}
	for _, in := range []*instance{lo, wv} {
		in.must(201, "PUT", "/v1/collections/par", spec, nil)
		in.must(200, "PUT", "/v1/collections/par", spec, nil) // same spec again: not created
		in.must(409, "PUT", "/v1/collections/par", wire.CollectionSpec{Dimension: dim, Metric: wire.Dot}, nil)
		in.must(200, "POST", "/v1/collections/par/documents", map[string]any{"documents": docs}, nil)
		var info wire.CollectionInfo
		in.must(200, "GET", "/v1/collections/par", nil, &info)
		if info.Count != len(docs) {
			t.Fatalf("count %d, want %d", info.Count, len(docs))
		}
	}
	var ci wire.CollectionInfo
	wv.must(200, "GET", "/v1/collections/par", nil, &ci)
	if ci.Spec.Replicas != 1 || ci.Spec.Shards != 1 || ci.Spec.Consistency != "QUORUM" {
		t.Fatalf("weaviate spec defaults: %+v", ci.Spec)
	}
	// Documents: get, replace, delete.
	var got wire.Document
	wv.must(200, "GET", "/v1/collections/par/documents/doc-007", nil, &got)
	if got.Title != docs[7].Title || len(got.Vector) != dim || got.Metadata["color"] != docs[7].Metadata["color"] {
		t.Fatalf("get: %+v", got)
	}
	for _, in := range []*instance{lo, wv} {
		in.must(204, "DELETE", "/v1/collections/par/documents/doc-011", nil, nil)
		in.must(404, "DELETE", "/v1/collections/par/documents/doc-011", nil, nil)
		in.must(404, "GET", "/v1/collections/par/documents/doc-011", nil, nil)
	}
	filters := []string{
		``,
		`{"color": "red"}`,
		`{"color": {"$ne": "red"}}`,
		`{"color": {"$in": ["red", "blue"]}}`,
		`{"color": {"$nin": ["red", "blue"]}}`,
		`{"n": {"$gt": 5}}`,
		`{"n": {"$gte": 5}}`,
		`{"n": {"$lt": 3}}`,
		`{"n": {"$lte": 3}}`,
		`{"n": {"$gt": 2, "$lt": 7}}`,
		`{"color": {"$gte": "green"}}`,
		`{"even": true}`,
		`{"even": {"$ne": true}}`,
		`{"tags": "t3"}`,
		`{"tags": {"$in": ["t1", "t4"]}}`,
		`{"tags": {"$nin": ["t0"]}}`,
		`{"tags": {"$ne": "t2"}}`,
		`{"nested.level": 2}`,
		`{"opt": null}`,
		`{"opt": {"$ne": null}}`,
		`{"opt": "x"}`,
		`{"opt": 1}`,
		`{"opt": {"$in": [1, "x"]}}`,
		`{"opt": {"$nin": [1, null]}}`,
		`{"missing": "x"}`,
		`{"missing": {"$ne": "x"}}`,
		`{"n": "5"}`,
		`{"$or": [{"color": "red"}, {"n": {"$gte": 8}}]}`,
		`{"$and": [{"color": {"$ne": "red"}}, {"$or": [{"even": true}, {"tags": "t1"}]}]}`,
		`{"$or": [{"missing": 1}, {"color": "blue"}]}`,
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range filters {
		for q := 0; q < 3; q++ {
			req := map[string]any{"vector": randVec(r, dim), "k": 20, "include": []string{"metadata"}}
			if f != "" {
				req["filter"] = rawJSON(f)
			}
			var a, b wire.SearchResponse
			lo.must(200, "POST", "/v1/collections/par/search", req, &a)
			wv.must(200, "POST", "/v1/collections/par/search", req, &b)
			if ia, ib := hitIDs(a), hitIDs(b); !slices.Equal(ia, ib) {
				t.Fatalf("filter %s: local %v\nweaviate %v", f, ia, ib)
			}
			for i := range a.Hits {
				if d := a.Hits[i].Score - b.Hits[i].Score; d > 1e-4 || d < -1e-4 {
					t.Fatalf("filter %s: hit %d score local %v weaviate %v", f, i, a.Hits[i].Score, b.Hits[i].Score)
				}
			}
		}
	}
	// min_score and include vector.
	req := map[string]any{"vector": docs[5].Vector, "k": 5, "min_score": 0.999, "include": []string{"vector"}}
	var res wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/par/search", req, &res)
	if len(res.Hits) != 1 || res.Hits[0].ID != "doc-005" || len(res.Hits[0].Vector) != dim {
		t.Fatalf("min_score/include: %+v", res.Hits)
	}
	// Bad input stays ours: 400 with the field named, before Weaviate is asked.
	var bad map[string]any
	if st := wv.do("POST", "/v1/collections/par/search", map[string]any{"vector": []float32{1}}, &bad); st != 400 {
		t.Fatalf("wrong dimension: status %d", st)
	}
	if st := wv.do("PUT", "/v1/collections/badc", map[string]any{"dimension": 4, "consistency": "MOST"}, &bad); st != 400 {
		t.Fatalf("bad consistency: status %d %v", st, bad)
	}
	if st := lo.do("PUT", "/v1/collections/badr", map[string]any{"dimension": 4, "replicas": 3}, &bad); st != 400 {
		t.Fatalf("replicas on the local backend: status %d %v", st, bad)
	}
	// NDJSON ingest with a bad line: that line fails, the others are stored.
	lines := [][]byte{
		fmt.Appendf(nil, `{"id":"nd-1","vector":%s}`, jsonVec(randVec(r, dim))),
		[]byte(`{"id":"nd-2","vector":[1,2]}`),
		fmt.Appendf(nil, `{"id":"nd-3","vector":%s,"metadata":{"color":"red"}}`, jsonVec(randVec(r, dim))),
	}
	st, sum := wv.ndjson("par", lines)
	if st != 200 || sum["upserted"].(float64) != 2 || sum["failed_count"].(float64) != 1 {
		t.Fatalf("ndjson: %d %v", st, sum)
	}
	wv.must(200, "GET", "/v1/collections/par/documents/nd-3", nil, nil)
	var list struct {
		Collections []wire.CollectionInfo `json:"collections"`
	}
	wv.must(200, "GET", "/v1/collections", nil, &list)
	if len(list.Collections) != 1 || list.Collections[0].Name != "par" || list.Collections[0].Count != 301 {
		t.Fatalf("list: %+v", list.Collections)
	}
	wv.must(204, "DELETE", "/v1/collections/par", nil, nil)
	wv.must(404, "GET", "/v1/collections/par", nil, nil)
	wv.must(404, "POST", "/v1/collections/par/search", map[string]any{"vector": docs[0].Vector}, nil)
}

// TestTextModesSingleNode covers lexical (Weaviate's BM25), hybrid (fused here), negative
// constraints and chunked collections (passages as objects linked to their parent).
func TestTextModesSingleNode(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	pack := tinyPack(t)
	wv := newWeaviateServer(t, cl, 0, pack)
	wv.must(201, "PUT", "/v1/collections/txt", map[string]any{"default_mode": "hybrid"}, nil)
	texts := []string{
		"the quick brown fox jumps over the lazy dog",
		"a fast red fox runs through the forest",
		"cats sleep all day long in the sun",
		"dogs bark at the mailman every morning",
		"the stock market fell sharply on monday",
		"fox news reported on the market",
	}
	var docs []wire.Document
	for i, s := range texts {
		docs = append(docs, wire.Document{ID: fmt.Sprintf("t%d", i), Text: s, Metadata: map[string]any{"i": float64(i)}})
	}
	wv.must(200, "POST", "/v1/collections/txt/documents", map[string]any{"documents": docs}, nil)
	var lex wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/txt/search", map[string]any{"query": "fox", "mode": "lexical", "k": 10}, &lex)
	if got := hitIDs(lex); !sameSet(got, []string{"t0", "t1", "t5"}) {
		t.Fatalf("lexical fox: %v", got)
	}
	wv.must(200, "POST", "/v1/collections/txt/search", map[string]any{"query": "fox", "mode": "lexical", "filter": rawJSON(`{"i": {"$lt": 2}}`)}, &lex)
	if got := hitIDs(lex); !sameSet(got, []string{"t0", "t1"}) {
		t.Fatalf("lexical fox filtered: %v", got)
	}
	var hyb wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/txt/search", map[string]any{"query": "fox market", "k": 6}, &hyb)
	if hyb.Mode != "hybrid" || len(hyb.Hits) != 6 {
		t.Fatalf("hybrid: %+v", hyb)
	}
	// RRF: a document found by both sides scores above 1/(60+1) alone.
	if hyb.Hits[0].Score <= 1.0/61 {
		t.Fatalf("hybrid top score %v is not a two-sided RRF score", hyb.Hits[0].Score)
	}
	var neg wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/txt/search", map[string]any{"query": "fox", "mode": "lexical", "exclude": []string{"market"}}, &neg)
	if neg.Constraints == nil || len(neg.Hits) == 0 || neg.Hits[len(neg.Hits)-1].ID != "t5" {
		t.Fatalf("exclude market: t5 should be demoted last: %+v", neg.Hits)
	}
	// Chunking: passages are objects linked to the parent; hits carry the passage.
	wv.must(201, "PUT", "/v1/collections/chunked", map[string]any{"chunking": map[string]any{"window_tokens": 8, "overlap_tokens": 2}}, nil)
	long := strings.Repeat("alpha beta gamma delta epsilon zeta eta theta iota kappa ", 6)
	wv.must(200, "POST", "/v1/collections/chunked/documents", map[string]any{"documents": []wire.Document{
		{ID: "long", Title: "Greek", Text: long, Metadata: map[string]any{"lang": "el"}},
		{ID: "short", Text: "lambda mu"},
	}}, nil)
	var ch wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/chunked/search", map[string]any{"query": "gamma delta", "mode": "dense", "k": 2, "filter": rawJSON(`{"lang": "el"}`)}, &ch)
	if len(ch.Hits) != 1 || ch.Hits[0].ID != "long" || ch.Hits[0].Passage == nil || !strings.Contains(long, ch.Hits[0].Passage.Text) || ch.Hits[0].Title != "Greek" {
		t.Fatalf("chunked: %+v", ch.Hits)
	}
	var ci wire.CollectionInfo
	wv.must(200, "GET", "/v1/collections/chunked", nil, &ci)
	if ci.Count != 2 {
		t.Fatalf("chunked count %d (passages must not count)", ci.Count)
	}
	// Re-upserting with a shorter text drops the old passages.
	wv.must(200, "POST", "/v1/collections/chunked/documents", map[string]any{"documents": []wire.Document{{ID: "long", Text: "omega"}}}, nil)
	wv.must(200, "POST", "/v1/collections/chunked/search", map[string]any{"query": "gamma delta", "mode": "dense", "k": 10}, &ch)
	for _, h := range ch.Hits {
		if h.ID == "long" && h.Passage != nil && h.Passage.End > len("omega") {
			t.Fatalf("stale passage survived: %+v", h)
		}
	}
	wv.must(204, "DELETE", "/v1/collections/chunked/documents/long", nil, nil)
	wv.must(200, "POST", "/v1/collections/chunked/search", map[string]any{"query": "gamma delta", "mode": "dense", "k": 10}, &ch)
	if got := hitIDs(ch); !slices.Equal(got, []string{"short"}) {
		t.Fatalf("after delete: %v", got)
	}
}

// TestTwoInstructdProcesses serves the same collections from two independent servers
// (two backends, two connections) at once.
func TestTwoInstructdProcesses(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	a := newWeaviateServer(t, cl, 0)
	b := newWeaviateServer(t, cl, 0)
	spec := wire.CollectionSpec{Dimension: 4}
	a.must(201, "PUT", "/v1/collections/shared", spec, nil)
	b.must(200, "PUT", "/v1/collections/shared", spec, nil)
	b.must(409, "PUT", "/v1/collections/shared", wire.CollectionSpec{Dimension: 5}, nil)
	a.must(200, "POST", "/v1/collections/shared/documents", map[string]any{"documents": []wire.Document{
		{ID: "x", Vector: []float32{1, 0, 0, 0}, Metadata: map[string]any{"k": "a"}}}}, nil)
	b.must(200, "POST", "/v1/collections/shared/documents", map[string]any{"documents": []wire.Document{
		{ID: "y", Vector: []float32{0, 1, 0, 0}, Metadata: map[string]any{"k": "b"}}}}, nil)
	for _, in := range []*instance{a, b} {
		var res wire.SearchResponse
		in.must(200, "POST", "/v1/collections/shared/search", map[string]any{"vector": []float32{1, 1, 0, 0}, "k": 5}, &res)
		if !sameSet(hitIDs(res), []string{"x", "y"}) {
			t.Fatalf("both writes visible to both: %v", hitIDs(res))
		}
		// A metadata field written by the other process is filterable here.
		in.must(200, "POST", "/v1/collections/shared/search", map[string]any{"vector": []float32{1, 1, 0, 0}, "filter": rawJSON(`{"k": "b"}`)}, &res)
		if !slices.Equal(hitIDs(res), []string{"y"}) {
			t.Fatalf("filter on the other process's field: %v", hitIDs(res))
		}
	}
	b.must(204, "DELETE", "/v1/collections/shared", nil, nil)
	a.must(404, "GET", "/v1/collections/shared", nil, nil)
	a.must(404, "POST", "/v1/collections/shared/search", map[string]any{"vector": []float32{1, 0, 0, 0}}, nil)
}
