package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls one instructd server.
type Client struct {
	base        string
	http        *http.Client
	apiKey      string
	ingestBatch int
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey sends "Authorization: Bearer key" with every request.
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithIngestBatch asks the server to commit NDJSON ingests in batches of n documents
// (0: the server's default).
func WithIngestBatch(n int) Option { return func(c *Client) { c.ingestBatch = n } }

// WithHTTPClient replaces http.DefaultClient (for timeouts, transports, tests).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for the server at baseURL, e.g. "http://127.0.0.1:8080".
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: bad server URL %q: want http(s)://host:port", baseURL)
	}
	c := &Client{base: strings.TrimRight(baseURL, "/"), http: http.DefaultClient}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// collectionPath is /v1/collections/{name} with name escaped.
func collectionPath(name string) string { return "/v1/collections/" + url.PathEscape(name) }

// newRequest builds a request for path (already escaped) with an optional JSON body.
func (c *Client) newRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: encoding %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	return req, nil
}

// do sends a JSON request and decodes a 2xx JSON answer into out (nil: discard).
// It returns the status for callers that distinguish 200 from 201.
func (c *Client) do(ctx context.Context, method, path string, body, out any) (int, error) {
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return 0, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, transportError(c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, readError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("client: decoding %s %s: %w", method, path, err)
	}
	return resp.StatusCode, nil
}

// IsNotFound reports whether err is a 404 from the server.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// transportError says that the server could not be reached, without repeating the URL
// three times as *url.Error does; the cause stays wrapped for errors.As.
func transportError(base string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("cannot reach instructd at %s: %w", base, err)
}
