package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/eval"
)

// evalHTTPBackend is eval's Backend over a running server, through the API client.
type evalHTTPBackend struct {
	c *client.Client
}

// newEvalHTTPBackend returns a backend speaking to the server at base.
func newEvalHTTPBackend(base, apiKey string) (*evalHTTPBackend, error) {
	c, err := client.New(base, client.WithAPIKey(apiKey), client.WithHTTPClient(&http.Client{Timeout: 10 * time.Minute}))
	if err != nil {
		return nil, fmt.Errorf("eval: --server: %w", err)
	}
	return &evalHTTPBackend{c: c}, nil
}

func (b *evalHTTPBackend) EnsureCollection(ctx context.Context, name string) error {
	return retryBusy(ctx, func() error {
		_, _, err := b.c.CreateCollection(ctx, name, server.CollectionSpec{})
		return err
	})
}

func (b *evalHTTPBackend) Ingest(ctx context.Context, name string, docs []server.Document, progress func(done int)) error {
	return eval.InBatches(ctx, docs, eval.DefaultBatchSize, progress, func(ctx context.Context, batch []server.Document) error {
		return retryBusy(ctx, func() error {
			_, err := b.c.Upsert(ctx, name, batch)
			return err
		})
	})
}

func (b *evalHTTPBackend) Search(ctx context.Context, name string, req server.SearchRequest) ([]server.SearchHit, error) {
	var resp server.SearchResponse
	err := retryBusy(ctx, func() error {
		var err error
		resp, err = b.c.Search(ctx, name, req)
		return err
	})
	return resp.Hits, err
}

// retryBusy retries fn while the server answers 429 or 503, waiting its Retry-After (or a
// growing pause), up to 8 times.
func retryBusy(ctx context.Context, fn func() error) error {
	pause := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		var e *client.Error
		if err == nil || !errors.As(err, &e) || attempt == 8 ||
			(e.Status != http.StatusTooManyRequests && e.Status != http.StatusServiceUnavailable) {
			return err
		}
		wait := pause
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		pause *= 2
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
