package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
)

// testEnv is a router over a fake service, served by httptest.
type testEnv struct {
	t    *testing.T
	fake *fakeService
	srv  *httptest.Server
	cl   *client.Client
}

func newTestEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	fake := newFakeService()
	srv := httptest.NewServer(NewRouter(fake, opts))
	t.Cleanup(srv.Close)
	var copts []client.Option
	if len(opts.APIKeys) > 0 {
		copts = append(copts, client.WithAPIKey(opts.APIKeys[0]))
	}
	cl, err := client.New(srv.URL, copts...)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, fake: fake, srv: srv, cl: cl}
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   string
}

// errorCode returns the body's error.code, or "".
func (r response) errorCode() string {
	var b errorBody
	_ = json.Unmarshal([]byte(r.body), &b)
	return b.Error.Code
}

// do sends a raw request; headers are "Name: value" strings.
func (e *testEnv) do(method, path, body string, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// expect fails unless the answer has the status (and, for errors, a JSON error body).
func (e *testEnv) expect(r response, status int, what string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("%s: status %d, want %d; body %s", what, r.status, status, r.body)
	}
	if status >= 400 && r.errorCode() == "" {
		e.t.Fatalf("%s: error body is not {\"error\":{\"code\",...}}: %s", what, r.body)
	}
}

// seed creates collection "c" with two documents, one with a slash in its id.
func (e *testEnv) seed() {
	e.t.Helper()
	ctx := context.Background()
	if _, _, err := e.cl.CreateCollection(ctx, "c", server.CollectionSpec{}); err != nil {
		e.t.Fatal(err)
	}
	docs := []server.Document{{ID: "a/b", Text: "alpha beta"}, {ID: "zürich ☃", Text: "city", Metadata: map[string]any{"k": "v"}}}
	if _, err := e.cl.Upsert(ctx, "c", docs); err != nil {
		e.t.Fatal(err)
	}
}

// intact fails unless collection "c" still holds exactly n documents and "a/b" is readable.
func (e *testEnv) intact(n int, what string) {
	e.t.Helper()
	ctx := context.Background()
	info, err := e.cl.GetCollection(ctx, "c")
	if err != nil {
		e.t.Fatalf("%s: server lost collection: %v", what, err)
	}
	if info.Count != n {
		e.t.Fatalf("%s: count %d, want %d", what, info.Count, n)
	}
	if d, err := e.cl.GetDocument(ctx, "c", "a/b"); err != nil || d.Text != "alpha beta" {
		e.t.Fatalf("%s: document a/b: %+v, %v", what, d, err)
	}
}
