package wire

// EvaluateQuery is one query of POST /v1/collections/{name}/evaluate.
type EvaluateQuery struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Instruction overrides the collection's default instruction for this query.
	Instruction *string `json:"instruction,omitempty"`
}

// EvaluateRequest evaluates retrieval on an already-filled collection: every query with a
// relevant document in Qrels is searched in each mode and scored.
type EvaluateRequest struct {
	Queries []EvaluateQuery `json:"queries"`
	// Qrels are the judgments: query id → document id → relevance (> 0 is relevant), as in
	// a BEIR qrels TSV.
	Qrels map[string]map[string]int `json:"qrels"`
	// Modes are dense, lexical and/or hybrid (default ["dense"]).
	Modes []string `json:"modes,omitempty"`
	// K is the number of hits per query (default 100, which Recall@100 and MAP@100 need).
	K int `json:"k,omitempty"`
}

// EvaluateScores are one query's metrics, or their mean over queries.
type EvaluateScores struct {
	NDCG10    float64 `json:"ndcg@10"`
	Recall10  float64 `json:"recall@10"`
	Recall100 float64 `json:"recall@100"`
	MRR10     float64 `json:"mrr@10"`
	MAP100    float64 `json:"map@100"`
}

// EvaluateMode is one mode's mean scores.
type EvaluateMode struct {
	Mode string `json:"mode"`
	// Queries counts the queries averaged.
	Queries int            `json:"queries"`
	Scores  EvaluateScores `json:"scores"`
}

// EvaluateQueryResult is one query's scores in one mode.
type EvaluateQueryResult struct {
	Mode    string `json:"mode"`
	QueryID string `json:"query_id"`
	// Relevant counts the query's relevant documents in the qrels.
	Relevant int `json:"relevant"`
	// Retrieved counts the distinct documents returned.
	Retrieved int            `json:"retrieved"`
	Scores    EvaluateScores `json:"scores"`
	// TopIDs are the first ten ids returned.
	TopIDs []string `json:"top_ids"`
}

// EvaluateResponse answers POST /v1/collections/{name}/evaluate.
type EvaluateResponse struct {
	Collection string `json:"collection"`
	K          int    `json:"k"`
	// Queries counts the evaluated queries (those with a relevant document).
	Queries int `json:"queries"`
	// Skipped counts the queries sent without a relevant document in the qrels.
	Skipped       int                   `json:"skipped"`
	SearchSeconds float64               `json:"search_seconds"`
	Modes         []EvaluateMode        `json:"modes"`
	PerQuery      []EvaluateQueryResult `json:"per_query"`
}
