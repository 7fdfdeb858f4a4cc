package server

import (
	"context"
	"reflect"
	"testing"

	"github.com/instructd/instructd/wire"
)

func TestSearchConstraintsScoped(t *testing.T) {
	ts := searchCorpus(t, CollectionSpec{})
	resp, err := ts.Search(context.Background(), "c", SearchRequest{
		Query: "(apple excluding orchard) and (car excluding engine)", Mode: ModeLexical})
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.ScopedExclusion{{Exclude: "orchard", Scope: "apple"}, {Exclude: "engine", Scope: "car"}}
	if resp.Constraints == nil || !reflect.DeepEqual(resp.Constraints.Scoped, want) {
		t.Fatalf("constraints %+v, want scoped %+v", resp.Constraints, want)
	}
	// "apple orchard harvest" is about apples and mentions the orchard: demoted below
	// "banana apple smoothie"; "car engine repair" is demoted too.
	ids := make([]string, len(resp.Hits))
	for i, h := range resp.Hits {
		ids[i] = h.ID
	}
	if len(ids) < 3 || ids[0] != "banana" {
		t.Fatalf("hits %v: banana (apple, no orchard) should come first", ids)
	}
}

func TestSearchConstraintsPassageThatNegates(t *testing.T) {
	ts := newTest(t)
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c",
		Document{ID: "seeded", Text: "grapes are small fruit full of seeds and seeds"},
		Document{ID: "seedless", Text: "seedless grapes: grapes without seeds"},
		Document{ID: "other", Text: "grapes grow on vines in vineyards across the warm hills of the south"},
	)
	for _, mode := range []string{ModeLexical, ModeHybrid, ModeDense} {
		resp, err := ts.Search(context.Background(), "c", SearchRequest{Query: "grapes, but not seeds", Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Constraints == nil || !reflect.DeepEqual(resp.Constraints.Extracted, []string{"seeds"}) {
			t.Fatalf("%s: constraints %+v", mode, resp.Constraints)
		}
		last := resp.Hits[len(resp.Hits)-1].ID
		if last != "seeded" {
			t.Errorf("%s: %q should be last (it mentions seeds), got %+v", mode, "seeded", resp.Hits)
		}
		if mode == ModeLexical && resp.Hits[0].ID != "seedless" {
			// it says "without seeds": it matches the query's own words and is not penalised
			t.Errorf("lexical: seedless should be first, got %+v", resp.Hits)
		}
	}
}

func TestSearchConstraintsSemantic(t *testing.T) {
	docs := []Document{
		{ID: "cherries", Text: "fruit red cherries"},
		{ID: "lemons", Text: "fruit yellow lemons"},
	}
	req := SearchRequest{Query: "fruit cherries", Exclude: []string{"red apple"}, Mode: ModeLexical}
	run := func(semantic bool) SearchResponse {
		emb := newFakeEmbedder("fake/model")
		emb.semantic = semantic
		ts := openTest(t, t.TempDir(), emb, func(c *Config) { c.ConstraintSimilarity = 0.3 })
		t.Cleanup(func() { _ = ts.Close(context.Background()) })
		mustCreate(t, ts, "c", CollectionSpec{})
		mustUpsert(t, ts, "c", docs...)
		before := emb.texts.Load()
		resp, err := ts.Search(context.Background(), "c", req)
		if err != nil {
			t.Fatal(err)
		}
		embedded := emb.texts.Load() - before
		if semantic && embedded != 1 || !semantic && embedded != 0 {
			t.Errorf("semantic %v: %d texts embedded for a lexical search, want %d", semantic, embedded, map[bool]int{true: 1}[semantic])
		}
		return resp
	}
	// The fake embedder's cosine of "red apple" with "fruit red cherries" is 0.52
	// (one shared word), with the lemons −0.07; lexically the cherries mention only
	// "red", a third of the phrase's weight: a small penalty that keeps them first.
	if v := cosine(wordVector(fakeWords("red apple")), wordVector(fakeWords(docs[0].Text))); v < 0.35 {
		t.Fatalf("fake cosine with the cherries %.3f: the test needs > 0.35", v)
	}
	if v := cosine(wordVector(fakeWords("red apple")), wordVector(fakeWords(docs[1].Text))); v > 0.25 {
		t.Fatalf("fake cosine with the lemons %.3f: the test needs < 0.25", v)
	}
	off := run(false)
	if off.Hits[0].ID != "cherries" || off.Constraints.SemanticSimilarity != 0 {
		t.Fatalf("pack not semantic: cherries should stay first, semantic off: %+v %+v", off.Hits, off.Constraints)
	}
	on := run(true)
	if on.Hits[0].ID != "lemons" || on.Constraints.SemanticSimilarity != 0.3 {
		t.Fatalf("semantic pack: cherries should be demoted: %+v %+v", on.Hits, on.Constraints)
	}
}
