package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/eval"
)

// evalHTTPBackend is eval's Backend over a running server, through the API client.
type evalHTTPBackend struct {
	c *client.Client
	// warn receives each distinct warning a search answer carries, once.
	warn     func(string)
	warnOnce sync.Map
}

// newEvalHTTPBackend returns a backend speaking to the server at base.
func newEvalHTTPBackend(base, apiKey string) (*evalHTTPBackend, error) {
	// No client-side timeout: a streamed ingest lasts as long as the corpus takes; ctx
	// (SIGINT) stops everything, and the server bounds each search itself.
	c, err := client.New(base, client.WithAPIKey(apiKey), client.WithIngestBatch(eval.DefaultBatchSize),
		client.WithHTTPClient(&http.Client{}))
	if err != nil {
		return nil, fmt.Errorf("eval: --server: %w", err)
	}
	return &evalHTTPBackend{c: c}, nil
}

func (b *evalHTTPBackend) EnsureCollection(ctx context.Context, name string) error {
	err := retryBusy(ctx, func() error {
		_, _, err := b.c.CreateCollection(ctx, name, server.CollectionSpec{})
		return err
	})
	// A collection that exists with another spec (say, chunked) is used as it is.
	var e *client.Error
	if errors.As(err, &e) && e.Status == http.StatusConflict {
		return nil
	}
	return err
}

// Ingest streams docs as NDJSON (the streaming form is exempt from the server's request
// timeout and body cap); the server commits them in batches of eval.DefaultBatchSize and
// acknowledges each, which drives progress. Any rejected document fails the ingest.
func (b *evalHTTPBackend) Ingest(ctx context.Context, name string, docs []server.Document, progress func(done int)) error {
	pr, pw := io.Pipe()
	written := make(chan struct{})
	go func() { // owned here: Ingest waits for it below
		defer close(written)
		enc := json.NewEncoder(pw)
		for i := range docs {
			if err := enc.Encode(&docs[i]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	res, err := b.c.IngestNDJSON(ctx, name, pr, func(p client.Progress) {
		if progress != nil {
			progress(p.ThroughLine)
		}
	})
	pr.CloseWithError(errors.New("eval: ingest ended")) // unblocks the writer if the server stopped reading
	<-written
	if err != nil {
		return fmt.Errorf("eval: ingest into %q: %w", name, err)
	}
	if res.FailedCount > 0 {
		first := ""
		if len(res.Failed) > 0 {
			f := res.Failed[0]
			first = fmt.Sprintf(" (first: line %d, id %q: %s)", f.Line, f.ID, f.Error)
		}
		return fmt.Errorf("eval: ingest into %q: the server rejected %d of %d documents%s", name, res.FailedCount, len(docs), first)
	}
	if res.Upserted != len(docs) {
		return fmt.Errorf("eval: ingest into %q: the server stored %d of %d documents", name, res.Upserted, len(docs))
	}
	if progress != nil {
		progress(len(docs))
	}
	return nil
}

func (b *evalHTTPBackend) Search(ctx context.Context, name string, req server.SearchRequest) ([]server.SearchHit, error) {
	var resp server.SearchResponse
	err := retryBusy(ctx, func() error {
		var err error
		resp, err = b.c.Search(ctx, name, req)
		return err
	})
	for _, w := range resp.Warnings {
		if _, seen := b.warnOnce.LoadOrStore(w, true); !seen && b.warn != nil {
			b.warn(w)
		}
	}
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
