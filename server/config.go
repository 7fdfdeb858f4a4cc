package server

import (
	"fmt"
	"log/slog"
	"time"
)

// Config is everything `instructd serve` can set (flags + INSTRUCTD_* env, parsed in cmd/instructd/serve.go).
type Config struct {
	// Addr is the listen address (default "127.0.0.1:8080").
	Addr string
	// DataDir holds the store file and index snapshots (default "./data").
	DataDir string
	// ModelPacks are pack directories; the first is the default pack. Empty allows
	// vector-only collections only.
	ModelPacks []string
	// ModelAliases maps extra model names to loaded packs' names (e.g.
	// "text-embedding-3-small" → "BAAI/bge-small-en-v1.5"), so that client code written for
	// another API works unchanged. Each target must be a loaded pack.
	ModelAliases map[string]string
	// ORTLibrary is the ONNX Runtime shared library; "" uses embed's discovery.
	ORTLibrary string
	// Threads is ONNX Runtime's intra-op thread count; 0 means NumCPU.
	Threads int
	// APIKeys, when non-empty, are the accepted bearer tokens (enforced by api).
	APIKeys []string
	// MetricsPublic serves /metrics without auth (enforced by api).
	MetricsPublic bool
	// Limits bounds request sizes.
	Limits Limits
	// SnapshotInterval is the period of index snapshots of changed collections
	// (default 5m); 0 disables periodic snapshots (they still happen at shutdown).
	SnapshotInterval time.Duration
	// ShutdownTimeout bounds the graceful drain in Run (default 30s).
	ShutdownTimeout time.Duration
	// Embedding tunes every pack's embedder.
	Embedding EmbeddingConfig
	// ConstraintSimilarity turns on semantic negative constraints for packs with
	// "semantic": true: a candidate whose cosine similarity to an excluded phrase
	// reaches it counts as violating (fully from 0.05 above). 0 turns them off;
	// calibrate per pack with `instructd eval --constraints` (docs/constraints.md).
	ConstraintSimilarity float64
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
}

// EmbeddingConfig tunes every pack's embedder (zero values take embed's defaults).
type EmbeddingConfig struct {
	// MaxBatchTokens caps a batch's padded token count.
	MaxBatchTokens int
	// MaxBatchSize caps a batch's number of texts.
	MaxBatchSize int
	// MaxWait is how long the batcher waits to fill a batch (negative: no wait).
	MaxWait time.Duration
	// QueueSize bounds the texts waiting to be embedded (beyond it: 429 for searches,
	// back-pressure for ingest).
	QueueSize int
	// CacheSize is the number of query embeddings kept in an LRU cache (0: embed's
	// default; negative disables the cache).
	CacheSize int
	// InferenceWorkers is how many batches run at once, each worker with its own ONNX
	// Runtime session of Threads/InferenceWorkers intra-op threads (0: embed's default).
	InferenceWorkers int
}

// Limits bounds request sizes; see DefaultLimits for the defaults.
type Limits struct {
	// MaxBodyBytes caps JSON bodies; NDJSON streams are capped per line only.
	MaxBodyBytes int64
	// MaxLineBytes caps one NDJSON line.
	MaxLineBytes int
	// MaxDocsPerRequest caps the documents of one JSON body.
	MaxDocsPerRequest int
	// MaxTextBytes caps one document's text; longer texts are rejected. Texts longer
	// than the model's max tokens are embedded truncated and reported.
	MaxTextBytes int
	// MaxK caps a search's k.
	MaxK int
	// MaxBatchQueries caps the queries of one batch search.
	MaxBatchQueries int
	// MaxInputs caps the inputs of one /v1/embeddings call.
	MaxInputs int
}

// DefaultLimits returns the documented default limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:      64 << 20,
		MaxLineBytes:      1 << 20,
		MaxDocsPerRequest: 10_000,
		MaxTextBytes:      256 << 10,
		MaxK:              1_000,
		MaxBatchQueries:   256,
		MaxInputs:         2_048,
	}
}

// DefaultConfig returns the configuration `instructd serve` starts from.
func DefaultConfig() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		DataDir:          "./data",
		Limits:           DefaultLimits(),
		SnapshotInterval: 5 * time.Minute,
		ShutdownTimeout:  30 * time.Second,
	}
}

// withDefaults fills zero limits and a nil logger, and rejects impossible values.
func (c Config) withDefaults() (Config, error) {
	d := DefaultLimits()
	fill := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	if c.Limits.MaxBodyBytes == 0 {
		c.Limits.MaxBodyBytes = d.MaxBodyBytes
	}
	fill(&c.Limits.MaxLineBytes, d.MaxLineBytes)
	fill(&c.Limits.MaxDocsPerRequest, d.MaxDocsPerRequest)
	fill(&c.Limits.MaxTextBytes, d.MaxTextBytes)
	fill(&c.Limits.MaxK, d.MaxK)
	fill(&c.Limits.MaxBatchQueries, d.MaxBatchQueries)
	fill(&c.Limits.MaxInputs, d.MaxInputs)
	if c.Addr == "" {
		c.Addr = DefaultConfig().Addr
	}
	if c.DataDir == "" {
		return c, fmt.Errorf("server: config: empty data directory")
	}
	if c.Limits.MaxBodyBytes < 0 || c.Limits.MaxLineBytes < 0 || c.Limits.MaxDocsPerRequest < 0 ||
		c.Limits.MaxTextBytes < 0 || c.Limits.MaxK < 0 || c.Limits.MaxBatchQueries < 0 || c.Limits.MaxInputs < 0 {
		return c, fmt.Errorf("server: config: negative limit in %+v", c.Limits)
	}
	if c.SnapshotInterval < 0 || c.ShutdownTimeout < 0 || c.Threads < 0 {
		return c, fmt.Errorf("server: config: negative snapshot interval, shutdown timeout or threads")
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = DefaultConfig().ShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
