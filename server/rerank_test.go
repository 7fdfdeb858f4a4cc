package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/instructd/instructd/models"
)

// fakeReranker scores a document by the test's table (0 when absent) and records calls.
type fakeReranker struct {
	name   string
	scores map[string]float32
	err    error

	mu    sync.Mutex
	calls [][]string // the documents of each call
	insts []*string
	query []string
}

func (f *fakeReranker) Rerank(ctx context.Context, query string, docs []string, opts rerankOptions) (rerankResult, error) {
	if f.err != nil {
		return rerankResult{}, f.err
	}
	f.mu.Lock()
	f.calls = append(f.calls, append([]string(nil), docs...))
	f.insts = append(f.insts, opts.Instruction)
	f.query = append(f.query, query)
	f.mu.Unlock()
	out := rerankResult{Scores: make([]float32, len(docs))}
	for i, d := range docs {
		out.Scores[i] = f.scores[d]
		out.Tokens += len(strings.Fields(d))
	}
	return out, nil
}

func (f *fakeReranker) Manifest() models.Manifest {
	return models.Manifest{Name: f.name, Kind: models.KindReranker, Dimension: 1, MaxTokens: 64,
		Pooling: models.PoolingNone, QueryTemplate: "{query}", DocumentTemplate: "{document}",
		Rerank: &models.RerankSpec{Scoring: models.ScoreSigmoid}}
}

func (f *fakeReranker) Close() error { return nil }

// newRerankTest opens a server with the fake embedder pack and the fake reranker, loaded
// from a directory whose manifest says kind reranker (as serve's --model does).
func newRerankTest(t *testing.T, rr *fakeReranker) *testServer {
	t.Helper()
	dir := t.TempDir()
	rdir := filepath.Join(t.TempDir(), "reranker")
	if err := os.MkdirAll(rdir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := fmt.Sprintf(`{"name": %q, "kind": "reranker", "dimension": 1, "max_tokens": 64, "pooling": "none",
		"query_template": "{query}", "document_template": "{document}", "rerank": {"scoring": "sigmoid"}}`, rr.name)
	if err := os.WriteFile(filepath.Join(rdir, models.ManifestFile), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.SnapshotInterval = 0
	cfg.ModelPacks = []string{"pack", rdir}
	d := testDeps(map[string]*fakeEmbedder{"pack": newFakeEmbedder("fake/model")})
	d.openReranker = func(ctx context.Context, packDir string, cfg Config, m *metrics) (reranker, error) {
		if packDir != rdir {
			return nil, fmt.Errorf("fake: no reranker at %s", packDir)
		}
		return rr, nil
	}
	s, err := openWith(context.Background(), cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return &testServer{Server: s, dir: dir}
}

func TestRerankEndpoint(t *testing.T) {
	rr := &fakeReranker{name: "fake/reranker", scores: map[string]float32{"b": 0.9, "c": 0.5, "a": 0.1}}
	ts := newRerankTest(t, rr)
	ctx := context.Background()
	inst := "judge strictly"
	resp, err := ts.Rerank(ctx, RerankRequest{Query: "q", Documents: []RerankDocument{{Text: "a"}, {Text: "b"}, {Text: "c"}, {Text: "d"}},
		TopN: 3, ReturnDocuments: true, Instruction: &inst})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range resp.Results {
		got = append(got, fmt.Sprintf("%d:%s:%.1f", r.Index, r.Document.Text, r.RelevanceScore))
	}
	if want := []string{"1:b:0.9", "2:c:0.5", "0:a:0.1"}; !reflect.DeepEqual(got, want) || resp.Model != "fake/reranker" || resp.Usage.TotalTokens != 4 {
		t.Fatalf("results %v (want %v), model %q, usage %+v", got, want, resp.Model, resp.Usage)
	}
	if rr.insts[0] == nil || *rr.insts[0] != inst {
		t.Errorf("instruction not passed: %v", rr.insts[0])
	}
	// texts (TEI's name); no documents echoed unless asked; model by name.
	resp, err = ts.Rerank(ctx, RerankRequest{Model: "fake/reranker", Query: "q", Texts: []string{"a", "b"}})
	if err != nil || len(resp.Results) != 2 || resp.Results[0].Index != 1 || resp.Results[0].Document != nil {
		t.Fatalf("texts: %+v %v", resp, err)
	}
	for name, tc := range map[string]struct {
		req  RerankRequest
		want error
	}{
		"no query":       {RerankRequest{Texts: []string{"a"}}, ErrInvalidInput},
		"no documents":   {RerankRequest{Query: "q"}, ErrInvalidInput},
		"both fields":    {RerankRequest{Query: "q", Texts: []string{"a"}, Documents: []RerankDocument{{Text: "b"}}}, ErrInvalidInput},
		"empty document": {RerankRequest{Query: "q", Texts: []string{"a", ""}}, ErrInvalidInput},
		"bad utf-8":      {RerankRequest{Query: "q", Texts: []string{"\xff"}}, ErrInvalidInput},
		"negative top_n": {RerankRequest{Query: "q", Texts: []string{"a"}, TopN: -1}, ErrInvalidInput},
		"unknown model":  {RerankRequest{Model: "nope", Query: "q", Texts: []string{"a"}}, ErrNotFound},
		"an embedder":    {RerankRequest{Model: "fake/model", Query: "q", Texts: []string{"a"}}, ErrNotFound},
	} {
		if _, err := ts.Rerank(ctx, tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	rr.err = fmt.Errorf("%w: queue full", ErrOverloaded)
	if _, err := ts.Rerank(ctx, RerankRequest{Query: "q", Texts: []string{"a"}}); !errors.Is(err, ErrOverloaded) {
		t.Errorf("overloaded: %v", err)
	}
	var kinds []string
	for _, m := range ts.Models() {
		kinds = append(kinds, m.ID+"="+m.Kind)
	}
	if want := []string{"fake/model=embedder", "fake/reranker=reranker"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("models %v, want %v", kinds, want)
	}
}

func TestSearchRerankStage(t *testing.T) {
	docs := []Document{
		{ID: "apple", Text: "apple orchard harvest"},
		{ID: "banana", Text: "banana apple smoothie"},
		{ID: "car", Text: "car engine repair"},
		{ID: "moses", Text: "exodus story of moses and the sea"},
		{ID: "exodus", Text: "exodus from egypt across the desert"},
	}
	rr := &fakeReranker{name: "fake/reranker", scores: map[string]float32{
		"exodus story of moses and the sea": 0.9, "car engine repair": 0.8, "banana apple smoothie": 0.3}}
	ts := newRerankTest(t, rr)
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", docs...)
	ctx := context.Background()
	stage := &RerankStage{Model: "fake/reranker", Candidates: 5}
	for _, mode := range []string{ModeDense, ModeLexical, ModeHybrid} {
		resp, err := ts.Search(ctx, "c", SearchRequest{Query: "apple moses car banana", Mode: mode, K: 3, Rerank: stage, AutoConstraints: new(bool)})
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var got []string
		for _, h := range resp.Hits {
			got = append(got, fmt.Sprintf("%s:%.1f", h.ID, h.Score))
		}
		// Lexical finds only documents sharing a query word; all three scored ones do.
		if want := []string{"moses:0.9", "car:0.8", "banana:0.3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: hits %v, want %v", mode, got, want)
		}
	}
	// Candidates bound what the reranker sees; k what comes back.
	rr.calls = nil
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "apple orchard harvest", K: 1, Rerank: &RerankStage{Model: "fake/reranker", Candidates: 2}}); len(ids) != 1 {
		t.Errorf("k 1: %v", ids)
	}
	if len(rr.calls) != 1 || len(rr.calls[0]) != 2 {
		t.Errorf("candidates 2: reranker saw %v", rr.calls)
	}
	// Negative constraints apply after reranking; the reranker reads the query whole.
	rr.query = nil
	resp, err := ts.Search(ctx, "c", SearchRequest{Query: "exodus stories, not about moses", Mode: ModeLexical, K: 2, Rerank: stage})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Hits) == 0 || resp.Hits[0].ID == "moses" || resp.Constraints == nil {
		t.Errorf("constraints after rerank: %+v", resp)
	}
	if rr.query[0] != "exodus stories, not about moses" {
		t.Errorf("reranker query %q", rr.query[0])
	}
	// No model: the first reranker loaded.
	if ids := searchIDs(t, ts, "c", SearchRequest{Query: "apple moses car banana", K: 1, Rerank: &RerankStage{}, AutoConstraints: new(bool)}); len(ids) != 1 || ids[0] != "moses" {
		t.Errorf("default reranker: %v", ids)
	}
	// Errors: unknown reranker, vector queries, candidates below k.
	for name, req := range map[string]SearchRequest{
		"unknown reranker": {Query: "x", Rerank: &RerankStage{Model: "nope"}},
		"vector query":     {Vector: make([]float32, fakeDim), Rerank: stage},
		"candidates < k":   {Query: "x", K: 5, Rerank: &RerankStage{Model: "fake/reranker", Candidates: 2}},
		"candidates > max": {Query: "x", Rerank: &RerankStage{Model: "fake/reranker", Candidates: maxRerankCandidates + 1}},
	} {
		if _, err := ts.Search(ctx, "c", req); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want invalid input", name, err)
		}
	}
}

func TestSearchRerankCollectionDefaultAndPassages(t *testing.T) {
	rr := &fakeReranker{name: "fake/reranker", scores: map[string]float32{}}
	ts := newRerankTest(t, rr)
	ctx := context.Background()
	if _, _, err := ts.CreateCollection(ctx, "bad", CollectionSpec{Rerank: &RerankStage{Model: "nope"}}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("collection with an unknown reranker: %v", err)
	}
	inst := "prefer the sea"
	mustCreate(t, ts, "ch", CollectionSpec{Chunking: &ChunkingSpec{WindowTokens: 3}, Rerank: &RerankStage{Model: "fake/reranker", Instruction: &inst}})
	mustUpsert(t, ts, "ch",
		Document{ID: "long", Title: "T", Text: "one two three four five six seven eight nine"},
		Document{ID: "short", Text: "alpha beta"},
	)
	// The fake chunker cuts three-word windows; the middle window of "long" wins.
	rr.scores["T four five six"] = 0.7
	rr.scores["alpha beta"] = 0.4
	rr.scores["T one two three"] = 0.2
	resp, err := ts.Search(ctx, "ch", SearchRequest{Query: "anything", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Hits) != 2 || resp.Hits[0].ID != "long" || resp.Hits[0].Score != 0.7 || resp.Hits[0].Passage == nil ||
		resp.Hits[0].Passage.Text != "four five six" || resp.Hits[1].ID != "short" {
		t.Fatalf("passages aggregated to their parent: %+v", resp.Hits)
	}
	if rr.insts[len(rr.insts)-1] == nil || *rr.insts[len(rr.insts)-1] != inst {
		t.Errorf("the collection's rerank instruction was not used")
	}
	// A vector query skips the collection's default stage (no text to rerank).
	vec := make([]float32, fakeDim)
	vec[0] = 1
	if _, err := ts.Search(ctx, "ch", SearchRequest{Vector: vec}); err != nil {
		t.Errorf("vector query on a collection with a default rerank stage: %v", err)
	}
	// A request's own stage replaces the collection's.
	if _, err := ts.Search(ctx, "ch", SearchRequest{Query: "anything", Rerank: &RerankStage{Model: "fake/reranker"}}); err != nil {
		t.Fatal(err)
	}
	if rr.insts[len(rr.insts)-1] != nil {
		t.Errorf("request stage without instruction passed %q", *rr.insts[len(rr.insts)-1])
	}
}
