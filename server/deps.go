package server

import (
	"context"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/models"
)

// embedder is what server needs from one loaded model pack (embed.Embedder, adapted
// in embedder.go). Implementations return ErrOverloaded when a non-waiting call finds
// the queue full and ErrUnavailable once closed.
type embedder interface {
	Embed(ctx context.Context, texts []string, opts embedOptions) (embedResult, error)
	Manifest() models.Manifest
	Tokenizer() embed.Tokenizer
	Close() error
}

// embedOptions selects query or document embedding.
type embedOptions struct {
	// Query embeds texts as queries (with Instruction), else as documents.
	Query bool
	// Instruction overrides the pack's default instruction; nil keeps it.
	Instruction *string
	// Wait blocks on a full queue (ingest) instead of failing with ErrOverloaded.
	Wait bool
	// Dimensions > 0 truncates vectors to their first Dimensions and re-normalises them
	// (Matryoshka); 0 or the model's dimension keeps them whole.
	Dimensions int
}

// embedResult holds one vector per text.
type embedResult struct {
	Vectors   [][]float32
	Tokens    int
	Truncated []bool
}

// textIndex is a collection's lexical (BM25) index, implemented by index/lexical.
type textIndex interface {
	Upsert(key uint64, text string)
	Delete(key uint64)
	Search(query string, k int, allow func(uint64) bool) []index.Result
	Matching(phrase string) map[uint64]struct{}
	DocFreq(term string) int
	Len() int
	Save(path string) error
}

// deps are the constructors Open uses; tests swap in fakes.
type deps struct {
	openEmbedder func(ctx context.Context, packDir string, cfg Config, m *metrics) (embedder, error)
	// openReranker loads a pack of kind reranker; nil refuses them.
	openReranker func(ctx context.Context, packDir string, cfg Config, m *metrics) (reranker, error)
	newIndex     func(dim int, metric index.Metric, p IndexParams) (index.Index, error)
	loadIndex    func(path string) (index.Index, error)
	// newText and loadText are nil until a lexical index is wired in.
	newText  func() textIndex
	loadText func(path string) (textIndex, error)
	// chunk splits a text into token windows (byte spans); nil disables chunking.
	chunk func(tok embed.Tokenizer, text string, window, overlap int) ([]span, error)
	// hooks let tests pause slow operations midway.
	hooks hooks
}

// hooks are test seams called in the middle of slow operations; nil in production.
type hooks struct {
	// snapshotting runs after a snapshot took its generation, before it writes files.
	snapshotting func(collection string)
	// recovering runs when start-up recovery begins a collection.
	recovering func(collection string)
	// snapshotWritten runs after a snapshot wrote its index files, before its sidecar.
	snapshotWritten func(collection string)
	// deleting runs while DeleteCollection holds the collection's write lock.
	deleting func(collection string)
}

// span is a [Start, End) byte range of a text.
type span struct{ Start, End int }
