package wire

import (
	"encoding/json"
	"time"
)

// ⚠️ The server's stored records embed Document: when adding fields, update the store's
// encoding and the OpenAPI spec (api/openapi.json).

// Metric is a collection's similarity: cosine, dot or l2. Scores are always "higher is
// better" (l2 returns the negated squared distance).
type Metric string

// Metrics.
const (
	Cosine Metric = "cosine"
	Dot    Metric = "dot"
	L2     Metric = "l2"
)

// Collection statuses reported in CollectionInfo.Status.
const (
	StatusReady   = "ready"
	StatusLoading = "loading"
)

// IndexStats describes a collection's vector index.
type IndexStats struct {
	Engine         string `json:"engine"` // "hnsw" or "exact"
	Metric         Metric `json:"metric"`
	Dimension      int    `json:"dimension"`
	Count          int    `json:"count"`
	M              int    `json:"m,omitempty"`
	EfConstruction int    `json:"ef_construction,omitempty"`
	EfSearch       int    `json:"ef_search,omitempty"`
	Capacity       int    `json:"capacity,omitempty"`
	Bytes          int64  `json:"bytes"`
	// Deleted counts tombstones in the HNSW graph (compaction removes them).
	Deleted int `json:"deleted,omitempty"`
}

// Document is one item of a collection.
type Document struct {
	ID       string         `json:"id"`
	Text     string         `json:"text,omitempty"`
	Title    string         `json:"title,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	// Vector is either supplied by the caller (pre-computed) or computed at ingest.
	Vector []float32 `json:"vector,omitempty"`
}

// IndexParams tunes a collection's HNSW index; zero values take the defaults.
type IndexParams struct {
	M              int `json:"m,omitempty"`
	EfConstruction int `json:"ef_construction,omitempty"`
	EfSearch       int `json:"ef_search,omitempty"`
	// TargetRecall (default 0.98) calibrates the default ef when EfSearch is not set: the
	// smallest ef (16 to 512) whose recall@10 on a sample of the collection's own
	// vectors, against exact search, reaches it (512 when none does); measured when the
	// HNSW graph is built and each time the collection doubles. A query's ef still wins.
	TargetRecall float64 `json:"target_recall,omitempty"`
}

// ChunkingSpec splits long documents into overlapping token windows at ingest.
type ChunkingSpec struct {
	// WindowTokens is the window length in tokens (without special tokens).
	WindowTokens int `json:"window_tokens"`
	// OverlapTokens is how many tokens consecutive windows share.
	OverlapTokens int `json:"overlap_tokens"`
}

// CollectionSpec is the body of PUT /v1/collections/{name}. Every field is optional:
// {} gives the server's default model pack and cosine.
type CollectionSpec struct {
	// Model names a loaded pack; empty means the default pack, unless Dimension is set.
	Model string `json:"model,omitempty"`
	// Dimension, with no Model, makes a collection for pre-computed vectors only.
	Dimension int         `json:"dimension,omitempty"`
	Metric    Metric      `json:"metric,omitempty"`
	Index     IndexParams `json:"index,omitempty"`
	// DefaultInstruction overrides the pack's default instruction for this collection's searches.
	DefaultInstruction *string `json:"default_instruction,omitempty"`
	// DefaultMode is dense, lexical or hybrid (dense when empty).
	DefaultMode string `json:"default_mode,omitempty"`
	// Chunking, when set, splits long documents into passages.
	Chunking *ChunkingSpec `json:"chunking,omitempty"`
	// Rerank is the searches' default rerank stage; a search's own rerank replaces it.
	Rerank *RerankStage `json:"rerank,omitempty"`
	// Replicas, Shards and Consistency apply on the weaviate backend only (serve
	// --backend weaviate): the replication factor, the shard count (both default 1) and
	// the consistency level of writes and reads, ONE, QUORUM (default) or ALL.
	Replicas    int    `json:"replicas,omitempty"`
	Shards      int    `json:"shards,omitempty"`
	Consistency string `json:"consistency,omitempty"`
}

// CollectionInfo is what GET /v1/collections/{name} reports.
type CollectionInfo struct {
	Name      string         `json:"name"`
	Spec      CollectionSpec `json:"spec"`
	Count     int            `json:"count"`
	Dimension int            `json:"dimension"`
	Model     string         `json:"model,omitempty"`
	Index     IndexStats     `json:"index"`
	CreatedAt time.Time      `json:"created_at"`
	// Status is "ready", or "loading" while the collection recovers at start-up
	// (its searches and writes answer 503 with Retry-After meanwhile).
	Status string `json:"status"`
}

// UpsertResult reports one upsert call.
type UpsertResult struct {
	// Upserted counts documents stored durably (fsynced) before the call returned.
	Upserted int `json:"upserted"`
	// Truncated lists ids whose text was longer than the model's max tokens and was
	// embedded truncated (the text itself is stored whole).
	Truncated []string `json:"truncated,omitempty"`
}

// SearchRequest is one query against a collection. Exactly one of Query and Vector is set.
type SearchRequest struct {
	Query       string    `json:"query,omitempty"`
	Instruction *string   `json:"instruction,omitempty"`
	Vector      []float32 `json:"vector,omitempty"`
	K           int       `json:"k,omitempty"`
	// Filter is a metadata filter: {"field": value}, {"field": {"$in": [...]}}, {"$ne"}, {"$gt"...},
	// {"$and": [...]}, {"$or": [...]}.
	Filter   json.RawMessage `json:"filter,omitempty"`
	Ef       int             `json:"ef,omitempty"`
	Include  []string        `json:"include,omitempty"` // "text", "metadata", "vector", "title"
	MinScore *float32        `json:"min_score,omitempty"`
	// Mode is dense, lexical or hybrid; empty takes the collection's default.
	Mode string `json:"mode,omitempty"`
	// Fusion is "rrf" (default) or "weighted" for hybrid mode.
	Fusion string   `json:"fusion,omitempty"`
	Alpha  *float64 `json:"alpha,omitempty"` // weight of the dense side in weighted fusion
	RRFK   int      `json:"rrf_k,omitempty"`
	// Exclude lists texts whose matching documents are penalised.
	Exclude []string `json:"exclude,omitempty"`
	// AutoConstraints turns extraction of negative constraints from instruction and query
	// on or off (default on).
	AutoConstraints *bool `json:"auto_constraints,omitempty"`
	// Rerank re-scores the top candidates with a reranker (see RerankStage); nil takes the
	// collection's default.
	Rerank *RerankStage `json:"rerank,omitempty"`
	// AllowPartial accepts an answer that misses unreachable shards (weaviate backend):
	// the response then says "partial": true and names them. Without it such a search
	// fails with 503 instead of silently returning fewer hits.
	AllowPartial bool `json:"allow_partial,omitempty"`
}

// Passage locates the best-matching window of a chunked document.
type Passage struct {
	Index int    `json:"index"`
	Start int    `json:"start"` // byte offset into the document text
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// SearchHit is one result.
type SearchHit struct {
	ID       string         `json:"id"`
	Score    float32        `json:"score"`
	Title    string         `json:"title,omitempty"`
	Text     string         `json:"text,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Vector   []float32      `json:"vector,omitempty"`
	Passage  *Passage       `json:"passage,omitempty"`
}

// Timings explains a search's latency.
type Timings struct {
	EmbedMillis  float64 `json:"embed_ms"`
	SearchMillis float64 `json:"search_ms"`
	RerankMillis float64 `json:"rerank_ms,omitempty"`
	TotalMillis  float64 `json:"total_ms"`
}

// Constraints shows the negative constraints applied to a search.
type Constraints struct {
	Exclude   []string `json:"exclude"`
	Extracted []string `json:"extracted,omitempty"` // the part that came from instruction/query
	Penalty   float64  `json:"penalty"`
	// Scoped ties extracted exclusions to the part of the query they belong to, when
	// the query has several ("(A excluding a) and (B excluding b)"); an exclusion that
	// is not listed applies to every passage.
	Scoped []ScopedExclusion `json:"scoped,omitempty"`
	// SemanticSimilarity is the similarity from which a passage counted as mentioning
	// an excluded phrase in other words; absent when semantic violations were off.
	SemanticSimilarity float64 `json:"semantic_similarity,omitempty"`
}

// ScopedExclusion is one exclusion and the sub-topic of the query it applies to.
type ScopedExclusion struct {
	Exclude string `json:"exclude"`
	Scope   string `json:"scope"`
}

// SearchResponse is the answer to one SearchRequest.
type SearchResponse struct {
	Hits        []SearchHit  `json:"hits"`
	Mode        string       `json:"mode"`
	Constraints *Constraints `json:"constraints,omitempty"`
	// Warnings say when the answer should not be trusted as it looks, e.g. dense scores
	// from a model pack whose vectors carry no meaning (a random-weight test pack).
	Warnings []string `json:"warnings,omitempty"`
	Timings  Timings  `json:"timings"`
	// Partial is true when some shards could not be searched (only with allow_partial);
	// MissingShards names them.
	Partial       bool     `json:"partial,omitempty"`
	MissingShards []string `json:"missing_shards,omitempty"`
}

// ModelInfo describes a loaded pack for GET /v1/models.
type ModelInfo struct {
	ID     string `json:"id"`
	Object string `json:"object"` // "model"
	// Created is the Unix time the pack was installed (its manifest's modification time).
	Created int64 `json:"created"`
	// OwnedBy is the organisation part of the pack's name ("BAAI" for BAAI/bge-small-en-v1.5),
	// "instructd" for names without one.
	OwnedBy            string `json:"owned_by"`
	Dimension          int    `json:"dimension"`
	MaxTokens          int    `json:"max_tokens"`
	Pooling            string `json:"pooling"`
	InstructionMode    string `json:"instruction_mode"`
	QueryTemplate      string `json:"query_template"`
	DefaultInstruction string `json:"default_instruction,omitempty"`
	Semantic           bool   `json:"semantic"`
	Description        string `json:"description,omitempty"`
	Default            bool   `json:"default"`
	// Kind is embedder or reranker.
	Kind string `json:"kind"`
}
