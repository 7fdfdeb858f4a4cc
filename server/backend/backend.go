// Package backend is the boundary between server (instructions, embedding, modes,
// constraints, limits) and a storage and search tier outside the process. server's
// own bbolt + hnswlib + BM25 engine is its local tier (server.localTier); the remote
// tier (server.remoteTier) runs every collection operation through a Backend, which
// package server/weaviate implements over a Weaviate cluster. Types here are plain
// data: nothing backend-specific reaches package api.
package backend

import (
	"context"
	"errors"

	"github.com/instructd/instructd/wire"
)

// ErrNotFound reports a missing collection or document.
var ErrNotFound = errors.New("not found")

// ErrUnavailable reports a storage tier that cannot answer now (node or shard down,
// consistency level not reachable); callers map it to 503.
var ErrUnavailable = errors.New("storage unavailable")

// Backend stores and searches collections. Every method is safe for concurrent use,
// also by several processes sharing one storage tier.
type Backend interface {
	// Name is the storage's name, e.g. "weaviate".
	Name() string
	// CreateCollection creates the storage for name holding info (JSON, opaque to the
	// backend, returned by Collections); it returns ErrExists when name exists.
	CreateCollection(ctx context.Context, name string, spec wire.CollectionSpec, info []byte) error
	// Collections returns every collection's info, keyed by name.
	Collections(ctx context.Context) (map[string][]byte, error)
	// DeleteCollection removes a collection and its objects.
	DeleteCollection(ctx context.Context, name string) error
	// Put stores records (replacing those with the same id) and returns only after the
	// storage acknowledged them at the collection's consistency level. errs[i] is the
	// error of records[i] (nil: stored); err is a failure of the whole call.
	Put(ctx context.Context, name string, records []Record) (errs []error, err error)
	// Get returns one record (with its vector when withVector).
	Get(ctx context.Context, name, id string, withVector bool) (Record, error)
	// Delete removes a record and its passages; ErrNotFound when absent.
	Delete(ctx context.Context, name, id string) error
	// Count is the number of records (documents, not passages).
	Count(ctx context.Context, name string) (int, error)
	// Search runs one dense or lexical query.
	Search(ctx context.Context, name string, q Query) (Result, error)

	// GetMany returns the records of ids in their order, nil where a document is absent.
	// Chunked documents carry every passage's span; vectors (the document's or its
	// passages') only when withVector.
	GetMany(ctx context.Context, name string, ids []string, withVector bool) ([]*Record, error)
	// List returns up to limit documents (never passages) in ascending id order (byte
	// order of the id), starting after the id cursor after ("" = from the first), that
	// match filter (nil = all); with vectors and passages' vectors when withVector. next
	// is the id to pass as after for the following page, "" when no document follows.
	List(ctx context.Context, name, after string, limit int, filter *Filter, withVector bool) (recs []Record, next string, err error)
	// DeleteMany removes documents (and their passages) by id; absent ids are skipped.
	// It returns how many documents were removed.
	DeleteMany(ctx context.Context, name string, ids []string) (int, error)
	// DeleteWhere removes every document matching filter (and their passages), and
	// returns how many documents were removed.
	DeleteWhere(ctx context.Context, name string, filter *Filter) (int, error)
	// UpdateCollection stores a changed spec (only index.ef_search may differ from the
	// created one) and info, as CreateCollection would have with them.
	UpdateCollection(ctx context.Context, name string, spec wire.CollectionSpec, info []byte) error
	// Stats reports the collection's objects and shards as the storage sees them.
	Stats(ctx context.Context, name string) (Stats, error)
	// DocFreq returns the number of documents n and, for each term, how many documents
	// hold it in their title or text as the storage's own lexical index sees it (at most
	// cap; what negative constraints weigh their terms by, as BM25 would).
	DocFreq(ctx context.Context, name string, terms []string, cap int) (n int, df []int, err error)
	// Close releases connections.
	Close() error
}

// ErrExists reports a collection that already exists.
var ErrExists = errors.New("already exists")

// Record is one document as stored: fields, metadata and either a vector or passages.
type Record struct {
	ID       string
	Title    string
	Text     string
	Metadata map[string]any
	Vector   []float32 // nil for chunked documents
	Passages []Passage
}

// Passage is one embedded window [Start, End) of a chunked document's text.
type Passage struct {
	Start, End int
	Vector     []float32
}

// Query is one search: Vector (dense) or Text (lexical BM25), never both.
type Query struct {
	Vector []float32
	Text   string
	K      int
	Ef     int
	Filter *Filter
	// WithVector, WithFields: what hits carry besides id and score.
	WithVector bool
	WithFields bool
	// AllowPartial accepts results missing unreachable shards (Result.Partial).
	AllowPartial bool
}

// Hit is one search result: a document, and the passage that matched in a chunked one
// (Passage is -1 otherwise). Score follows the local engine's convention: higher is
// better; cosine similarity, dot product or negative squared L2 for dense, BM25 for
// lexical.
type Hit struct {
	Record
	Passage int
	Score   float32
}

// Result holds hits best first.
type Result struct {
	Hits []Hit
	// Partial is true when some shards could not be searched; Missing names them.
	Partial bool
	Missing []string
}

// Filter is a parsed metadata filter (server's filter language): an And/Or of
// children, or one comparison of the field at Path with Arg (or Set for $in/$nin).
// Arg and Set elements are string, float64, bool or nil.
type Filter struct {
	Op       string // "$and", "$or", "$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte"
	Children []*Filter
	Path     []string
	Arg      any
	Set      []any
}

// Stats is a collection's state in the storage tier.
type Stats struct {
	// Documents counts documents; Objects counts every stored object (documents and
	// passages), i.e. the vectors in the index.
	Documents, Objects int
	// Shards lists each shard with the node holding it and its status (e.g. READY,
	// READONLY, or UNREACHABLE for a node that does not answer).
	Shards []ShardStats
}

// ShardStats is one shard replica on one node.
type ShardStats struct {
	Name, Node, Status string
	Objects            int
}
