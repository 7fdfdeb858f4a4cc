package index

import (
	"context"
	"errors"
)

// Metric is the similarity used by an index.
type Metric string

// Metrics. Scores are always "higher is better": cosine and dot return the inner
// product (vectors are normalised on insert for cosine), l2 returns the negated squared distance.
const (
	Cosine Metric = "cosine"
	Dot    Metric = "dot"
	L2     Metric = "l2"
)

// Sentinel errors.
var (
	// ErrDimension means a vector does not have the index's dimension.
	ErrDimension = errors.New("index: wrong vector dimension")
	// ErrInvalidVector means a vector holds NaN or Inf, or is all zeros under cosine.
	ErrInvalidVector = errors.New("index: invalid vector")
	// ErrCorrupt means a snapshot failed verification.
	ErrCorrupt = errors.New("index: corrupt snapshot")
	// ErrClosed means the index was closed.
	ErrClosed = errors.New("index: closed")
	// ErrInvalidArgument means a call's arguments are out of range (k <= 0, a bad
	// Config, keys and vectors of different lengths).
	ErrInvalidArgument = errors.New("index: invalid argument")
)

// Result is one search hit.
type Result struct {
	Key   uint64
	Score float32
}

// Filter restricts a search to some keys. Exactly one of the two forms is used:
// an allow-list (Keys, whose size lets the index estimate selectivity) or a predicate.
type Filter struct {
	// Keys, when non-nil, is the set of allowed keys.
	Keys map[uint64]struct{}
	// Allow, when Keys is nil, reports whether a key may be returned. It must be safe
	// for concurrent use and cheap.
	Allow func(key uint64) bool
}

// SearchOptions tunes one search.
type SearchOptions struct {
	// K is the number of results wanted (> 0).
	K int
	// Ef overrides the index's ef_search for this query when > 0.
	Ef int
	// Filter, when non-nil, restricts the results.
	Filter *Filter
}

// Stats describes an index for GET /v1/collections/{name}.
type Stats struct {
	Engine         string `json:"engine"` // "hnsw" or "exact"
	Metric         Metric `json:"metric"`
	Dimension      int    `json:"dimension"`
	Count          int    `json:"count"`
	M              int    `json:"m,omitempty"`
	EfConstruction int    `json:"ef_construction,omitempty"`
	EfSearch       int    `json:"ef_search,omitempty"`
	Capacity       int    `json:"capacity,omitempty"`
	Bytes          int64  `json:"bytes"`
	// Deleted counts tombstones (HNSW keeps deleted nodes in the graph).
	Deleted int `json:"deleted,omitempty"`
}

// Index is the vector index used by the rest of instructd. Implementations are safe
// for concurrent use by many readers and writers. Keys are caller-chosen uint64s.
type Index interface {
	// Upsert inserts vectors, replacing any existing vector with the same key.
	Upsert(keys []uint64, vectors [][]float32) error
	// Delete removes keys; unknown keys are ignored.
	Delete(keys ...uint64) error
	// Search returns up to opts.K results, best first.
	Search(ctx context.Context, query []float32, opts SearchOptions) ([]Result, error)
	// Len is the number of live vectors.
	Len() int
	// Stats describes the index.
	Stats() Stats
	// Save writes an atomic, checksummed snapshot to path.
	Save(path string) error
	// Close releases native memory. The index must not be used afterwards.
	Close() error
}
