package eval

import (
	"context"
	"fmt"
	"strings"

	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/wire"
)

// MaxEvaluateQueries caps the queries of one Evaluate call.
const MaxEvaluateQueries = 10_000

// Evaluate scores retrieval on an already-filled collection: POST
// /v1/collections/{name}/evaluate. Every query of req with a relevant document in req.Qrels
// is searched in each mode through svc (the same Search the API serves) and scored with
// this package's metrics. Malformed requests are server.InputError (400).
func Evaluate(ctx context.Context, svc Service, collection string, req wire.EvaluateRequest) (wire.EvaluateResponse, error) {
	ds, err := requestDataset(collection, req)
	if err != nil {
		return wire.EvaluateResponse{}, err
	}
	modes := req.Modes
	if len(modes) == 0 {
		modes = []string{ModeDense}
	}
	if _, err := ParseModes(strings.Join(modes, ",")); err != nil {
		return wire.EvaluateResponse{}, &server.InputError{Field: "modes", Message: strings.TrimPrefix(err.Error(), "eval: ") + "; send e.g. [\"dense\",\"lexical\",\"hybrid\"]"}
	}
	if req.K < 0 {
		return wire.EvaluateResponse{}, &server.InputError{Field: "k", Message: fmt.Sprintf("%d is negative; leave it out for %d", req.K, DefaultK)}
	}
	evaluated := 0
	for _, q := range ds.Queries {
		if ds.Evaluated(q) {
			evaluated++
		}
	}
	if evaluated == 0 {
		return wire.EvaluateResponse{}, &server.InputError{Field: "qrels", Message: "no query has a relevant document (relevance > 0) in the qrels; check that the qrels' query ids match the queries' ids"}
	}
	rep, err := Run(ctx, NewServerBackend(svc, 0), ds, Config{Collection: collection, Modes: modes, K: req.K})
	if err != nil {
		return wire.EvaluateResponse{}, fmt.Errorf("evaluate %q: %w", collection, err)
	}
	res := wire.EvaluateResponse{
		Collection: collection, K: rep.K, Queries: rep.Queries, Skipped: len(ds.Queries) - rep.Queries,
		SearchSeconds: rep.SearchSeconds,
		Modes:         make([]wire.EvaluateMode, 0, len(rep.Modes)),
		PerQuery:      make([]wire.EvaluateQueryResult, 0, len(rep.PerQuery)),
	}
	for _, m := range rep.Modes {
		res.Modes = append(res.Modes, wire.EvaluateMode{Mode: m.Mode, Queries: m.Queries, Scores: wireScores(m.Scores)})
	}
	for _, q := range rep.PerQuery {
		top := q.TopIDs
		if top == nil {
			top = []string{}
		}
		res.PerQuery = append(res.PerQuery, wire.EvaluateQueryResult{Mode: q.Mode, QueryID: q.QueryID,
			Relevant: q.Relevant, Retrieved: q.Retrieved, Scores: wireScores(q.Scores), TopIDs: top})
	}
	return res, nil
}

// requestDataset checks req's queries and qrels and turns them into a BEIR dataset
// without a corpus.
func requestDataset(collection string, req wire.EvaluateRequest) (*Dataset, error) {
	if len(req.Queries) == 0 {
		return nil, &server.InputError{Field: "queries", Message: "empty; send [{\"id\":\"q1\",\"text\":\"...\"}, ...] (a BEIR queries.jsonl, one object per line, as an array)"}
	}
	if len(req.Queries) > MaxEvaluateQueries {
		return nil, &server.InputError{Field: "queries", Message: fmt.Sprintf("%d queries; at most %d per call", len(req.Queries), MaxEvaluateQueries)}
	}
	if len(req.Qrels) == 0 {
		return nil, &server.InputError{Field: "qrels", Message: "empty; send {\"q1\": {\"doc-7\": 1}, ...} (a BEIR qrels TSV's query-id, corpus-id, score)"}
	}
	ds := &Dataset{Name: collection, Format: FormatBEIR, Qrels: make(map[string]Judgments, len(req.Qrels))}
	seen := make(map[string]bool, len(req.Queries))
	for i, q := range req.Queries {
		field := fmt.Sprintf("queries[%d]", i)
		switch {
		case q.ID == "":
			return nil, &server.InputError{Field: field + ".id", Message: "empty; every query needs the id its qrels use"}
		case seen[q.ID]:
			return nil, &server.InputError{Field: field + ".id", Message: fmt.Sprintf("%q is repeated; query ids must be unique", q.ID)}
		case strings.TrimSpace(q.Text) == "":
			return nil, &server.InputError{Field: field + ".text", Message: "empty; every query needs a text"}
		}
		seen[q.ID] = true
		ds.Queries = append(ds.Queries, Query{ID: q.ID, Text: q.Text, Instruction: q.Instruction})
	}
	for qid, docs := range req.Qrels {
		j := make(Judgments, len(docs))
		for id, rel := range docs {
			j[id] = rel
		}
		ds.Qrels[qid] = j
	}
	return ds, nil
}

func wireScores(s Scores) wire.EvaluateScores {
	return wire.EvaluateScores{NDCG10: s.NDCG10, Recall10: s.Recall10, Recall100: s.Recall100, MRR10: s.MRR10, MAP100: s.MAP100}
}
