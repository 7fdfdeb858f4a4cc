package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/eval"
)

// evalHTTPBackend is eval's Backend over a running server's HTTP API.
type evalHTTPBackend struct {
	base   string
	apiKey string
	client *http.Client
}

// newEvalHTTPBackend checks base and returns a backend speaking to it.
func newEvalHTTPBackend(base, apiKey string) (*evalHTTPBackend, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("eval: --server %q is not an http(s) URL", base)
	}
	return &evalHTTPBackend{base: strings.TrimRight(base, "/"), apiKey: apiKey, client: &http.Client{Timeout: 10 * time.Minute}}, nil
}

func (b *evalHTTPBackend) EnsureCollection(ctx context.Context, name string) error {
	return b.call(ctx, http.MethodPut, "/v1/collections/"+url.PathEscape(name), struct{}{}, nil)
}

func (b *evalHTTPBackend) Ingest(ctx context.Context, name string, docs []server.Document, progress func(done int)) error {
	path := "/v1/collections/" + url.PathEscape(name) + "/documents"
	return eval.InBatches(ctx, docs, eval.DefaultBatchSize, progress, func(ctx context.Context, batch []server.Document) error {
		return b.call(ctx, http.MethodPost, path, struct {
			Documents []server.Document `json:"documents"`
		}{batch}, nil)
	})
}

func (b *evalHTTPBackend) Search(ctx context.Context, name string, req server.SearchRequest) ([]server.SearchHit, error) {
	var resp server.SearchResponse
	if err := b.call(ctx, http.MethodPost, "/v1/collections/"+url.PathEscape(name)+"/search", req, &resp); err != nil {
		return nil, err
	}
	return resp.Hits, nil
}

// call sends body as JSON and decodes a 2xx answer into out (when non-nil). 429 and 503
// are retried with the server's Retry-After (or a growing pause), a few times.
func (b *evalHTTPBackend) call(ctx context.Context, method, path string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("eval: %s %s: %w", method, path, err)
	}
	pause := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, b.base+path, bytes.NewReader(payload))
		if err != nil {
			return fmt.Errorf("eval: %s %s: %w", method, path, err)
		}
		req.Header.Set("Content-Type", "application/json")
		if b.apiKey != "" {
			req.Header.Set("Authorization", "Bearer "+b.apiKey)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			return fmt.Errorf("eval: %s %s: %w", method, path, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("eval: %s %s: reading the answer: %w", method, path, err)
		}
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
		if retryable && attempt < 8 {
			wait := pause
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			pause *= 2
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			continue
		}
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("eval: %s %s: %s: %s", method, path, resp.Status, errorMessage(data))
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("eval: %s %s: decoding the answer: %w", method, path, err)
			}
		}
		return nil
	}
}

// errorMessage extracts the API's {"error":{"message"}} text, else a prefix of the body.
func errorMessage(data []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
		if e.Error.Code != "" {
			return e.Error.Code + ": " + e.Error.Message
		}
		return e.Error.Message
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
