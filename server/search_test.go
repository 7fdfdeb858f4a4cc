package server

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func searchCorpus(t *testing.T, spec CollectionSpec) *testServer {
	t.Helper()
	ts := newTest(t)
	mustCreate(t, ts, "c", spec)
	mustUpsert(t, ts, "c",
		Document{ID: "apple", Title: "Apples", Text: "apple orchard harvest", Metadata: map[string]any{"kind": "fruit"}},
		Document{ID: "banana", Text: "banana apple smoothie", Metadata: map[string]any{"kind": "drink"}},
		Document{ID: "car", Text: "car engine repair"},
		Document{ID: "moses", Text: "exodus story of moses and the sea"},
		Document{ID: "exodus", Text: "exodus from egypt across the desert"},
	)
	return ts
}

func TestSearchDenseBasics(t *testing.T) {
	ts := searchCorpus(t, CollectionSpec{})
	ctx := context.Background()
	resp, err := ts.Search(ctx, "c", SearchRequest{Query: "car engine repair", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Mode != ModeDense || len(resp.Hits) != 2 || resp.Hits[0].ID != "car" || resp.Hits[0].Text != "car engine repair" {
		t.Fatalf("dense: %+v", resp)
	}
	if resp.Hits[0].Score < resp.Hits[1].Score || resp.Hits[0].Score < 0.99 {
		t.Fatalf("scores: %v %v", resp.Hits[0].Score, resp.Hits[1].Score)
	}
	// include: only what was asked for.
	resp, _ = ts.Search(ctx, "c", SearchRequest{Query: "apple orchard harvest", K: 1, Include: []string{"title", "vector"}})
	h := resp.Hits[0]
	if h.ID != "apple" || h.Title != "Apples" || h.Text != "" || h.Metadata != nil || len(h.Vector) != fakeDim {
		t.Fatalf("include title+vector: %+v", h)
	}
	resp, _ = ts.Search(ctx, "c", SearchRequest{Query: "apple orchard harvest", K: 1, Include: []string{}})
	if h := resp.Hits[0]; h.Title != "" || h.Text != "" || h.Metadata != nil {
		t.Fatalf("include none: %+v", h)
	}
	resp, _ = ts.Search(ctx, "c", SearchRequest{Query: "apple orchard harvest", K: 1})
	if h := resp.Hits[0]; h.Metadata["kind"] != "fruit" || h.Title != "Apples" {
		t.Fatalf("default include: %+v", h)
	}
	// min_score drops weak hits.
	min := float32(0.99)
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "car engine repair", K: 5, MinScore: &min}); !reflect.DeepEqual(ids, []string{"car"}) {
		t.Fatalf("min_score: %v", ids)
	}
	// k defaults to 10 (all 5 here); ef is passed through.
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "x", Ef: 100}); len(ids) != 5 {
		t.Fatalf("default k: %v", ids)
	}
	// A pre-computed query vector works on a model collection too.
	if ids := searchIDs(t, ts, "c", SearchRequest{Vector: wordVector(fakeWords("car engine repair")), K: 1}); ids[0] != "car" {
		t.Fatalf("vector query: %v", ids)
	}
}

func TestSearchValidation(t *testing.T) {
	ts := searchCorpus(t, CollectionSpec{})
	nan := float32(math.NaN())
	alpha := 1.5
	instr := "x"
	cases := []struct {
		req   SearchRequest
		field string
	}{
		{SearchRequest{Query: "x", K: -1}, "k"},
		{SearchRequest{Query: "x", K: 1001}, "k"},
		{SearchRequest{Query: "x", Ef: -1}, "ef"},
		{SearchRequest{Query: "x", MinScore: &nan}, "min_score"},
		{SearchRequest{Query: "x", Mode: "fuzzy"}, "mode"},
		{SearchRequest{Query: "x", Vector: make([]float32, fakeDim)}, "vector"},
		{SearchRequest{Vector: make([]float32, fakeDim)}, "vector"},
		{SearchRequest{Vector: []float32{1}}, "vector"},
		{SearchRequest{Vector: wordVector([]string{"a"}), Instruction: &instr}, "instruction"},
		{SearchRequest{Vector: wordVector([]string{"a"}), Mode: ModeHybrid}, "vector"},
		{SearchRequest{}, "query"},
		{SearchRequest{Query: "x", Fusion: "max"}, "fusion"},
		{SearchRequest{Query: "x", Alpha: &alpha}, "alpha"},
		{SearchRequest{Query: "x", RRFK: -5}, "rrf_k"},
		{SearchRequest{Query: "x", Include: []string{"everything"}}, "include[0]"},
		{SearchRequest{Query: "x", Filter: []byte(`{"a": {"$bad": 1}}`)}, "filter.a.$bad"},
		{SearchRequest{Query: "x", Exclude: []string{" "}}, "exclude[0]"},
		{SearchRequest{Query: strings.Repeat("q", 256<<10+1)}, "query"},
	}
	for _, tc := range cases {
		_, err := ts.Search(context.Background(), "c", tc.req)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("search %+v: err %v, want InputError on %s", tc.req.Mode, err, tc.field)
		}
	}
	if _, err := ts.Search(context.Background(), "missing", SearchRequest{Query: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing collection: %v", err)
	}
}

func TestSearchOverloaded(t *testing.T) {
	ts := searchCorpus(t, CollectionSpec{})
	ts.emb.overload.Store(true)
	if _, err := ts.Search(context.Background(), "c", SearchRequest{Query: "x"}); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("search on a full queue: %v, want ErrOverloaded", err)
	}
	// Ingest waits instead (the fake never fails waiting calls).
	if _, err := ts.Upsert(context.Background(), "c", []Document{{ID: "z", Text: "z"}}); err != nil {
		t.Fatalf("upsert on a full queue: %v", err)
	}
	// Lexical search needs no embedding.
	if _, err := ts.Search(context.Background(), "c", SearchRequest{Query: "x", Mode: ModeLexical}); err != nil {
		t.Fatalf("lexical on a full queue: %v", err)
	}
}

func TestSearchLexicalAndHybrid(t *testing.T) {
	ts := searchCorpus(t, CollectionSpec{DefaultMode: ModeHybrid})
	ctx := context.Background()
	resp, err := ts.Search(ctx, "c", SearchRequest{Query: "apple", Mode: ModeLexical, K: 5})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, h := range resp.Hits {
		got[h.ID] = true
	}
	if resp.Mode != ModeLexical || len(resp.Hits) != 2 || !got["apple"] || !got["banana"] {
		t.Fatalf("lexical: %+v", resp.Hits)
	}
	// Lexical honours filters.
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "apple", Mode: ModeLexical, Filter: []byte(`{"kind": "drink"}`)}); !reflect.DeepEqual(ids, []string{"banana"}) {
		t.Fatalf("lexical filter: %v", ids)
	}
	// Hybrid is the collection default here; RRF scores are sums of 1/(60+rank).
	resp, err = ts.Search(ctx, "c", SearchRequest{Query: "apple orchard harvest", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Mode != ModeHybrid || resp.Hits[0].ID != "apple" {
		t.Fatalf("hybrid rrf: %+v", resp.Hits)
	}
	if want := float32(2.0 / 61); math.Abs(float64(resp.Hits[0].Score-want)) > 1e-6 {
		t.Fatalf("rrf score of a doc first on both sides: %v, want %v", resp.Hits[0].Score, want)
	}
	// Weighted fusion: alpha 1 is dense order with min-max scores, top = 1.
	one := 1.0
	resp, _ = ts.Search(ctx, "c", SearchRequest{Query: "car engine repair", Fusion: FusionWeighted, Alpha: &one, K: 5})
	if resp.Hits[0].ID != "car" || resp.Hits[0].Score != 1 || resp.Hits[len(resp.Hits)-1].Score != 0 {
		t.Fatalf("weighted alpha=1: %+v", resp.Hits)
	}
	// alpha 0 is lexical only: documents without a query term score 0.
	zero := 0.0
	resp, _ = ts.Search(ctx, "c", SearchRequest{Query: "banana", Fusion: FusionWeighted, Alpha: &zero, K: 5})
	if resp.Hits[0].ID != "banana" || resp.Hits[0].Score != 1 || resp.Hits[1].Score != 0 {
		t.Fatalf("weighted alpha=0: %+v", resp.Hits)
	}
}

func TestFusion(t *testing.T) {
	a, b, c := &docEntry{id: "a"}, &docEntry{id: "b"}, &docEntry{id: "c"}
	dense := []candidate{{doc: a, score: 0.9, passage: 2}, {doc: b, score: 0.5, passage: -1}}
	lex := []candidate{{doc: b, score: 12, passage: -1}, {doc: c, score: 3, passage: -1}}
	rrf := fuseRRF(dense, lex, 60)
	if rrf[0].doc != b || rrf[0].score != float32(1.0/62+1.0/61) || rrf[1].doc != a || rrf[1].passage != 2 || rrf[2].doc != c {
		t.Fatalf("rrf: %+v", rrf)
	}
	w := fuseWeighted(dense, lex, 0.25)
	// a: 0.25·1 + 0 = 0.25; b: 0.25·0 + 0.75·1 = 0.75; c: 0.75·0 = 0.
	if w[0].doc != b || w[0].score != 0.75 || w[1].doc != a || w[1].score != 0.25 || w[2].doc != c || w[2].score != 0 {
		t.Fatalf("weighted: %+v", w)
	}
}

func TestSearchConstraints(t *testing.T) {
	ts := searchCorpus(t, CollectionSpec{})
	ctx := context.Background()
	// Without constraints the moses document ranks first for its own words.
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "exodus story of moses and the sea", K: 2}); ids[0] != "moses" {
		t.Fatalf("baseline: %v", ids)
	}
	resp, err := ts.Search(ctx, "c", SearchRequest{Query: "exodus story of moses and the sea", K: 2, Exclude: []string{"Moses"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Hits[0].ID == "moses" || resp.Constraints == nil || !reflect.DeepEqual(resp.Constraints.Exclude, []string{"Moses"}) || resp.Constraints.Penalty <= 0 {
		t.Fatalf("explicit exclude: %+v %+v", resp.Hits, resp.Constraints)
	}
	// Extracted from the instruction; the cleaned instruction is what gets embedded.
	instr := "Find passages about the exodus, but don't mention Moses."
	resp, err = ts.Search(ctx, "c", SearchRequest{Query: "exodus", Instruction: &instr, K: 5, Mode: ModeHybrid})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Constraints == nil || len(resp.Constraints.Extracted) == 0 {
		t.Fatalf("no constraint extracted from %q: %+v", instr, resp.Constraints)
	}
	if last := resp.Hits[len(resp.Hits)-1].ID; last != "moses" {
		t.Fatalf("moses not demoted to last: %+v", resp.Hits)
	}
	// auto_constraints:false keeps the instruction as is.
	off := false
	resp, _ = ts.Search(ctx, "c", SearchRequest{Query: "exodus", Instruction: &instr, AutoConstraints: &off})
	if resp.Constraints != nil {
		t.Fatalf("constraints applied with auto_constraints false: %+v", resp.Constraints)
	}
}

func TestSearchPassages(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{Chunking: &ChunkingSpec{WindowTokens: 4, OverlapTokens: 1}})
	text := "alpha beta gamma delta epsilon zeta eta theta iota kappa"
	mustUpsert(t, ts, "c", Document{ID: "long", Text: text}, Document{ID: "other", Text: "lorem ipsum"})
	c, _ := ts.collection("c")
	if n := c.vec.Len(); n != 4 { // 3 windows of "long" + 1 of "other"
		t.Fatalf("index holds %d vectors, want 4", n)
	}
	resp, err := ts.Search(ctx, "c", SearchRequest{Query: "zeta eta theta", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Hits) != 2 || resp.Hits[0].ID != "long" {
		t.Fatalf("hits: %+v", resp.Hits)
	}
	p := resp.Hits[0].Passage
	if p == nil || p.Index != 1 || text[p.Start:p.End] != p.Text || p.Text != "delta epsilon zeta eta" {
		t.Fatalf("passage: %+v", p)
	}
	// Replacing with a short text drops the old windows; deleting drops them all.
	mustUpsert(t, ts, "c", Document{ID: "long", Text: "short now"})
	if n := c.vec.Len(); n != 2 {
		t.Fatalf("after replace the index holds %d vectors, want 2", n)
	}
	if err := ts.DeleteDocument(ctx, "c", "long"); err != nil {
		t.Fatal(err)
	}
	if n := c.vec.Len(); n != 1 || len(c.keys) != 1 {
		t.Fatalf("after delete: %d vectors, %d keys", n, len(c.keys))
	}
}

// TestSearchWarnsOnNonSemanticPack checks that dense and hybrid answers from a pack
// marked "semantic": false say so, and lexical answers and vector queries don't.
func TestSearchWarnsOnNonSemanticPack(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "zebra stripes"})
	for mode, want := range map[string]bool{ModeDense: true, ModeHybrid: true, ModeLexical: false} {
		res, err := ts.Search(ctx, "c", SearchRequest{Query: "zebra", Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Warnings) == 1 && strings.Contains(res.Warnings[0], "not semantic"); got != want {
			t.Errorf("%s: warnings %q, want a not-semantic warning: %v", mode, res.Warnings, want)
		}
	}
	ts.emb.semantic = true
	if res, err := ts.Search(ctx, "c", SearchRequest{Query: "zebra"}); err != nil || len(res.Warnings) != 0 {
		t.Errorf("semantic pack: warnings %q (%v)", res.Warnings, err)
	}
}
