package weaviate_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/wire"
)

// rerankerPack is the generated random-weight cross-encoder pack.
func rerankerPack(t testing.TB) string {
	p := filepath.Join(testenv.RepoRoot(t), "models", "test-reranker")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("models/test-reranker is missing (run `make setup`): %v", err)
	}
	return p
}

// stageCorpus is short texts on a few topics; "market" marks the ones a constraint
// excludes.
func stageCorpus() []wire.Document {
	texts := []string{
		"the quick brown fox jumps over the lazy dog",
		"a fast red fox runs through the forest at night",
		"fox news reported on the stock market today",
		"the market for fox fur collapsed in the winter",
		"cats sleep all day long in the warm sun",
		"dogs bark at the mailman every single morning",
		"the stock market fell sharply on monday",
		"a fox and a hound became friends in the story",
		"red foxes hunt mice and rabbits in the fields",
		"arctic foxes turn white when the snow comes",
		"the forest was quiet except for a lone fox",
		"investors watched the market with growing fear",
	}
	docs := make([]wire.Document, len(texts))
	for i, s := range texts {
		docs[i] = wire.Document{ID: fmt.Sprintf("s%02d", i), Title: fmt.Sprintf("doc %d", i), Text: s,
			Metadata: map[string]any{"i": float64(i), "even": i%2 == 0}}
	}
	return docs
}

// TestSearchStagesParity runs the stages shared by both tiers — the rerank stage (plain
// and chunked collections), negative constraints, filters and include — on a local
// server and on one over Weaviate, and requires the same hits and scores. With every
// document a candidate, the first stage's order cannot differ, so any difference is in
// the shared stages or in what the tier hands them.
func TestSearchStagesParity(t *testing.T) {
	cl := weaviatetest.Start(t, 1)
	packs := []string{tinyPack(t), rerankerPack(t)}
	wv := newWeaviateServer(t, cl, 0, packs...)
	lo := newLocalServer(t, packs...)
	docs := stageCorpus()
	chunking := map[string]any{"chunking": map[string]any{"window_tokens": 6, "overlap_tokens": 2}}
	for _, in := range []*instance{lo, wv} {
		in.must(201, "PUT", "/v1/collections/st", map[string]any{}, nil)
		in.must(200, "POST", "/v1/collections/st/documents", map[string]any{"documents": docs}, nil)
		in.must(201, "PUT", "/v1/collections/stc", chunking, nil)
		in.must(200, "POST", "/v1/collections/stc/documents", map[string]any{"documents": docs}, nil)
	}
	stage := map[string]any{"model": "instructd/test-reranker", "candidates": 50}
	cases := []struct {
		name, coll string
		req        map[string]any
	}{
		{"rerank dense", "st", map[string]any{"query": "fox in the forest", "mode": "dense", "k": 5, "rerank": stage}},
		// Weaviate's BM25 does not stem (foxes ≠ fox) and ours does: the query's term has
		// one form in the corpus, so both first stages find the same documents.
		{"rerank lexical", "st", map[string]any{"query": "market", "mode": "lexical", "k": 4, "rerank": stage}},
		{"rerank hybrid filtered", "st", map[string]any{"query": "fox market", "mode": "hybrid", "k": 5, "rerank": stage,
			"filter": rawJSON(`{"even": true}`)}},
		{"rerank chunked", "stc", map[string]any{"query": "fox in the forest", "mode": "dense", "k": 5, "rerank": stage}},
		{"rerank with exclude", "st", map[string]any{"query": "fox", "mode": "dense", "k": 12, "rerank": stage,
			"exclude": []string{"stock market"}}},
		{"rerank instruction and min_score", "st", map[string]any{"query": "fox", "mode": "dense", "k": 12,
			"rerank": map[string]any{"model": "instructd/test-reranker", "instruction": "prefer animals"}, "min_score": -1e9}},
		{"exclude dense, every doc", "st", map[string]any{"query": "fox", "mode": "dense", "k": 12, "exclude": []string{"market"},
			"include": []string{"text"}}},
		{"include vector chunked", "stc", map[string]any{"query": "winter snow", "mode": "dense", "k": 3,
			"include": []string{"vector", "metadata"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a, b wire.SearchResponse
			if st := lo.do("POST", "/v1/collections/"+tc.coll+"/search", tc.req, &a); st != 200 {
				t.Fatalf("local: status %d", st)
			}
			var bad map[string]any
			if st := wv.do("POST", "/v1/collections/"+tc.coll+"/search", tc.req, &b); st != 200 {
				wv.do("POST", "/v1/collections/"+tc.coll+"/search", tc.req, &bad)
				t.Fatalf("weaviate: status %d %v", st, bad)
			}
			if len(a.Hits) == 0 {
				t.Fatalf("local search found nothing: %+v", a)
			}
			if ia, ib := hitIDs(a), hitIDs(b); !slices.Equal(ia, ib) {
				t.Fatalf("hits differ:\nlocal    %v\nweaviate %v", ia, ib)
			}
			for i := range a.Hits {
				ha, hb := a.Hits[i], b.Hits[i]
				if math.Abs(float64(ha.Score-hb.Score)) > 1e-4 {
					t.Errorf("hit %d (%s): score local %v weaviate %v", i, ha.ID, ha.Score, hb.Score)
				}
				if ha.Text != hb.Text || ha.Title != hb.Title || fmt.Sprint(ha.Metadata) != fmt.Sprint(hb.Metadata) {
					t.Errorf("hit %d (%s): fields local %q %q %v, weaviate %q %q %v", i, ha.ID, ha.Title, ha.Text, ha.Metadata, hb.Title, hb.Text, hb.Metadata)
				}
				if (ha.Passage == nil) != (hb.Passage == nil) || ha.Passage != nil && *ha.Passage != *hb.Passage {
					t.Errorf("hit %d (%s): passage local %+v weaviate %+v", i, ha.ID, ha.Passage, hb.Passage)
				}
				if len(ha.Vector) != len(hb.Vector) {
					t.Errorf("hit %d (%s): vector of %d vs %d floats", i, ha.ID, len(ha.Vector), len(hb.Vector))
				}
			}
			if (a.Constraints == nil) != (b.Constraints == nil) {
				t.Errorf("constraints report: local %+v weaviate %+v", a.Constraints, b.Constraints)
			}
			if _, ok := tc.req["rerank"]; ok && (b.Timings.RerankMillis <= 0 || a.Timings.RerankMillis <= 0) {
				t.Errorf("rerank timings: local %v weaviate %v", a.Timings.RerankMillis, b.Timings.RerankMillis)
			}
		})
	}
	// A request's ef cannot reach Weaviate (ef is per collection there): the answer says so.
	var efRes wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/st/search", map[string]any{"query": "fox", "mode": "dense", "ef": 50}, &efRes)
	if len(efRes.Warnings) == 0 || !strings.Contains(strings.Join(efRes.Warnings, " "), "ef 50 is not applied") {
		t.Fatalf("ef on the weaviate backend: warnings %q", efRes.Warnings)
	}
	// The excluded documents end below every other one, on both tiers.
	var res wire.SearchResponse
	wv.must(200, "POST", "/v1/collections/st/search", cases[6].req, &res)
	seenMarket := false
	for _, h := range res.Hits {
		market := strings.Contains(h.Text, "market")
		if seenMarket && !market {
			t.Fatalf("a document without the excluded phrase ranks below one with it: %v", hitIDs(res))
		}
		seenMarket = seenMarket || market
	}
}
