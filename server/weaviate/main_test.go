package weaviate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/instructd/instructd/api"
	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/weaviate"
)

// The tests run against real Weaviate processes inside the test binary's own network
// namespace (see internal/weaviatetest); without the binary they skip and say why.
func TestMain(m *testing.M) { weaviatetest.Main(m) }

// instance is one instructd server (HTTP) over a backend.
type instance struct {
	t   testing.TB
	srv *server.Server
	url string
}

// newWeaviateServer starts an instructd server on node's REST and gRPC endpoints.
func newWeaviateServer(t testing.TB, cl *weaviatetest.Cluster, node int, packs ...string) *instance {
	t.Helper()
	ctx := weaviatetest.Context(t, time.Minute)
	b, err := weaviate.New(ctx, weaviate.Config{URL: cl.URL(node), GRPC: cl.GRPC(node), Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Backend = b
	cfg.ModelPacks = packs
	return startInstance(t, cfg)
}

// newLocalServer starts an instructd server on a temporary data directory.
func newLocalServer(t testing.TB, packs ...string) *instance {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.ModelPacks = packs
	return startInstance(t, cfg)
}

func startInstance(t testing.TB, cfg server.Config) *instance {
	t.Helper()
	if len(cfg.ModelPacks) > 0 {
		cfg.ORTLibrary = ortLib(t)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(api.NewRouter(s, api.Options{RequestTimeout: 2 * time.Minute}))
	t.Cleanup(func() {
		hs.Close()
		_ = s.Close(context.Background())
	})
	return &instance{t: t, srv: s, url: hs.URL}
}

// do sends a JSON request and decodes the answer into out (when non-nil); it returns
// the status.
func (in *instance) do(method, path string, body, out any) int {
	in.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			in.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, in.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			in.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	if out != nil && resp.StatusCode >= 300 {
		if m, ok := out.(*map[string]any); ok {
			_ = json.Unmarshal(raw, m)
		}
	}
	return resp.StatusCode
}

// must is do that fails the test unless the status is want.
func (in *instance) must(want int, method, path string, body, out any) {
	in.t.Helper()
	var m map[string]any
	if out == nil {
		out = &m
	}
	if got := in.do(method, path, body, out); got != want {
		in.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, got, want, out)
	}
}

// ndjson posts lines to the ingest endpoint and returns the final summary and status.
func (in *instance) ndjson(coll string, lines [][]byte) (int, map[string]any) {
	in.t.Helper()
	body := bytes.Join(lines, []byte("\n"))
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/v1/collections/%s/documents", in.url, coll), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	// A new connection per stream: after a stream that failed half-way, a reused
	// connection's next request arrived with its context already cancelled.
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	// The stream's last line is the summary.
	parts := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	var sum map[string]any
	_ = json.Unmarshal(parts[len(parts)-1], &sum)
	return resp.StatusCode, sum
}
