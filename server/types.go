package server

import (
	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/wire"
)

// The API's domain types live in package wire (shared with the Go client, which must not
// import server); these aliases keep server's own code and callers unchanged.
type (
	Document       = wire.Document
	IndexParams    = wire.IndexParams
	ChunkingSpec   = wire.ChunkingSpec
	CollectionSpec = wire.CollectionSpec
	CollectionInfo = wire.CollectionInfo
	UpsertResult   = wire.UpsertResult
	SearchRequest  = wire.SearchRequest
	Passage        = wire.Passage
	SearchHit      = wire.SearchHit
	Timings        = wire.Timings
	Constraints    = wire.Constraints
	SearchResponse = wire.SearchResponse
	ModelInfo      = wire.ModelInfo
)

// Collection statuses.
const (
	StatusReady   = wire.StatusReady
	StatusLoading = wire.StatusLoading
)

// EmbedRequest asks for raw embeddings (POST /v1/embeddings).
type EmbedRequest struct {
	Model       string
	Inputs      []string
	InputType   string  // "query" or "document" (default document, like OpenAI)
	Instruction *string // nil: the pack's default (queries only)
	Dimensions  int     // >0 truncates (Matryoshka-style) and re-normalises
}

// EmbedResponse holds one vector per input, in order.
type EmbedResponse struct {
	Model   string
	Vectors [][]float32
	Tokens  int
}

// indexStats converts the index's statistics to their wire shape.
func indexStats(st index.Stats) wire.IndexStats {
	return wire.IndexStats{
		Engine: st.Engine, Metric: wire.Metric(st.Metric), Dimension: st.Dimension, Count: st.Count,
		M: st.M, EfConstruction: st.EfConstruction, EfSearch: st.EfSearch, Capacity: st.Capacity, Bytes: st.Bytes,
		Deleted: st.Deleted,
	}
}
