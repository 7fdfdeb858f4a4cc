package eval

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/wire"
)

// rankingService is an eval.Service whose Search answers fixed rankings by query text.
type rankingService struct {
	rankings map[string][]string
	modes    []string
}

func (s *rankingService) CreateCollection(context.Context, string, server.CollectionSpec) (server.CollectionInfo, bool, error) {
	return server.CollectionInfo{}, false, errors.New("not used")
}

func (s *rankingService) Upsert(context.Context, string, []server.Document) (server.UpsertResult, error) {
	return server.UpsertResult{}, errors.New("not used")
}

func (s *rankingService) Search(_ context.Context, collection string, req server.SearchRequest) (server.SearchResponse, error) {
	if collection != "c" {
		return server.SearchResponse{}, server.ErrNotFound
	}
	var hits []server.SearchHit
	for i, id := range s.rankings[req.Query] {
		hits = append(hits, server.SearchHit{ID: id, Score: 1 - float32(i)/10})
	}
	return server.SearchResponse{Hits: hits, Mode: req.Mode}, nil
}

func TestEvaluateScoresPerModeAndQuery(t *testing.T) {
	svc := &rankingService{rankings: map[string][]string{
		"alpha": {"d1", "d2", "d3"}, // relevant d1 at rank 1
		"beta":  {"d4", "d5", "d6"}, // relevant d6 at rank 3
	}}
	req := wire.EvaluateRequest{
		Queries: []wire.EvaluateQuery{{ID: "q1", Text: "alpha"}, {ID: "q2", Text: "beta"}, {ID: "q3", Text: "gamma"}},
		Qrels:   map[string]map[string]int{"q1": {"d1": 1}, "q2": {"d6": 2}, "q3": {"d9": 0}},
		Modes:   []string{"dense", "lexical"},
	}
	res, err := Evaluate(context.Background(), svc, "c", req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Queries != 2 || res.Skipped != 1 || res.K != DefaultK {
		t.Fatalf("queries %d skipped %d k %d", res.Queries, res.Skipped, res.K)
	}
	if len(res.Modes) != 2 || res.Modes[0].Mode != "dense" || res.Modes[1].Mode != "lexical" {
		t.Fatalf("modes %+v", res.Modes)
	}
	wantMRR := (1.0 + 1.0/3) / 2
	if got := res.Modes[0].Scores.MRR10; math.Abs(got-wantMRR) > 1e-9 {
		t.Errorf("MRR@10 %v, want %v", got, wantMRR)
	}
	wantNDCG := (1 + 1/math.Log2(4)) / 2
	if got := res.Modes[0].Scores.NDCG10; math.Abs(got-wantNDCG) > 1e-9 {
		t.Errorf("nDCG@10 %v, want %v", got, wantNDCG)
	}
	if len(res.PerQuery) != 4 || res.PerQuery[1].QueryID != "q2" || res.PerQuery[1].TopIDs[2] != "d6" || res.PerQuery[1].Relevant != 1 {
		t.Errorf("per query %+v", res.PerQuery)
	}
}

func TestEvaluateRejectsBadRequests(t *testing.T) {
	svc := &rankingService{}
	ok := []wire.EvaluateQuery{{ID: "q1", Text: "alpha"}}
	qrels := map[string]map[string]int{"q1": {"d1": 1}}
	for name, req := range map[string]wire.EvaluateRequest{
		"no queries":  {Qrels: qrels},
		"no qrels":    {Queries: ok},
		"no relevant": {Queries: ok, Qrels: map[string]map[string]int{"other": {"d1": 1}}},
		"bad mode":    {Queries: ok, Qrels: qrels, Modes: []string{"semantic"}},
		"empty text":  {Queries: []wire.EvaluateQuery{{ID: "q1"}}, Qrels: qrels},
		"repeated id": {Queries: []wire.EvaluateQuery{{ID: "q1", Text: "a"}, {ID: "q1", Text: "b"}}, Qrels: qrels},
		"negative k":  {Queries: ok, Qrels: qrels, K: -1},
	} {
		if _, err := Evaluate(context.Background(), svc, "c", req); !errors.Is(err, server.ErrInvalidInput) {
			t.Errorf("%s: err %v, want invalid input", name, err)
		}
	}
	if _, err := Evaluate(context.Background(), svc, "missing", wire.EvaluateRequest{Queries: ok, Qrels: qrels}); !errors.Is(err, server.ErrNotFound) {
		t.Errorf("unknown collection: err %v, want not found", err)
	}
}
