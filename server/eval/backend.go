package eval

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/instructd/instructd/server"
)

// Backend is what the runner needs from a server: in-process (NewServerBackend) or over
// HTTP (cmd/instructd wraps the API client). Implementations are safe for concurrent Search.
type Backend interface {
	// EnsureCollection creates the collection with the default spec, or accepts it as it is.
	EnsureCollection(ctx context.Context, name string) error
	// Ingest stores docs, reporting the running count of stored documents to progress (may be nil).
	Ingest(ctx context.Context, name string, docs []server.Document, progress func(done int)) error
	// Search runs one query and returns its hits.
	Search(ctx context.Context, name string, req server.SearchRequest) ([]server.SearchHit, error)
}

// DefaultBatchSize is how many documents one ingest call carries.
const DefaultBatchSize = 256

// InBatches calls fn on consecutive slices of at most size documents (DefaultBatchSize when
// size <= 0) and reports the running total to progress (may be nil) after each.
func InBatches(ctx context.Context, docs []server.Document, size int, progress func(done int),
	fn func(ctx context.Context, batch []server.Document) error) error {
	if size <= 0 {
		size = DefaultBatchSize
	}
	for start := 0; start < len(docs); start += size {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+size, len(docs))
		if err := fn(ctx, docs[start:end]); err != nil {
			return fmt.Errorf("documents %d..%d: %w", start, end-1, err)
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

// Service is the slice of *server.Server that the in-process backend calls.
type Service interface {
	CreateCollection(ctx context.Context, name string, spec server.CollectionSpec) (server.CollectionInfo, bool, error)
	Upsert(ctx context.Context, collection string, docs []server.Document) (server.UpsertResult, error)
	Search(ctx context.Context, collection string, req server.SearchRequest) (server.SearchResponse, error)
}

// serverBackend runs the evaluation inside this process.
type serverBackend struct {
	svc   Service
	batch int
}

// NewServerBackend adapts an in-process server; batch is the ingest batch size (0: default).
func NewServerBackend(svc Service, batch int) Backend {
	return &serverBackend{svc: svc, batch: batch}
}

func (b *serverBackend) EnsureCollection(ctx context.Context, name string) error {
	// A collection that exists with another spec (say, chunked) is used as it is.
	if _, _, err := b.svc.CreateCollection(ctx, name, server.CollectionSpec{}); err != nil && !errors.Is(err, server.ErrConflict) {
		return fmt.Errorf("eval: create collection %q: %w", name, err)
	}
	return nil
}

func (b *serverBackend) Ingest(ctx context.Context, name string, docs []server.Document, progress func(done int)) error {
	err := InBatches(ctx, docs, b.batch, progress, func(ctx context.Context, batch []server.Document) error {
		return retryOverloaded(ctx, func() error {
			_, err := b.svc.Upsert(ctx, name, batch)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("eval: ingest into %q: %w", name, err)
	}
	return nil
}

func (b *serverBackend) Search(ctx context.Context, name string, req server.SearchRequest) ([]server.SearchHit, error) {
	var resp server.SearchResponse
	err := retryOverloaded(ctx, func() error {
		var err error
		resp, err = b.svc.Search(ctx, name, req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("eval: search %q: %w", name, err)
	}
	return resp.Hits, nil
}

// retryOverloaded retries fn with a growing pause while it fails with server.ErrOverloaded.
func retryOverloaded(ctx context.Context, fn func() error) error {
	pause := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !errors.Is(err, server.ErrOverloaded) || attempt == 8 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause *= 2
	}
}
