package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/internal/testenv"
	"github.com/instructd/instructd/internal/weaviatetest"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/weaviate"
)

// The real-server tests run twice, as subtests "local" (the bbolt + HNSW engine in a
// temporary directory) and "weaviate" (a collection-name prefix of their own on one
// Weaviate node that the package's tests share, started by the first that needs it).
// Without the Weaviate binary, or without root for the network namespace, the
// weaviate subtests skip and say why; the local ones still run.

// backendKind names where a real server keeps its collections.
type backendKind string

const (
	backendLocal    backendKind = "local"
	backendWeaviate backendKind = "weaviate"
)

// sharedWeaviate is the Weaviate node of this test binary (stopped in TestMain).
var sharedWeaviate weaviatetest.Shared

// TestMain runs the tests inside their own network namespace when Weaviate can run
// here (weaviatetest.Main), stops the shared node after them, and fails a successful
// run that leaked goroutines.
func TestMain(m *testing.M) { weaviatetest.Main(leakCheckedRun{m}) }

// leakCheckedRun is goleak.VerifyTestMain's check, after the shared Weaviate node has
// been stopped (its process waiter is a goroutine of the test binary).
type leakCheckedRun struct{ m *testing.M }

func (r leakCheckedRun) Run() int {
	code := r.m.Run()
	sharedWeaviate.Stop()
	if code == 0 {
		// weaviate-go-client v5.5.0's WaitForWeaviate (run by wv.NewClient when
		// StartupTimeout > 0, as weaviate.New sets it) leaves one goroutine per client
		// blocked on a stopped ticker: upstream's leak, not ours, one per backend opened.
		if err := goleak.Find(goleak.IgnoreTopFunction(
			"github.com/weaviate/weaviate-go-client/v5/weaviate/connection.(*Connection).WaitForWeaviate.func1")); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: Errors on successful test run: %v\n", err)
			return 1
		}
	}
	return code
}

// forEachBackend runs f as subtests "local" and "weaviate". The real-server tests run
// in parallel with one another, after the package's other tests (each has servers of
// its own): a weaviate subtest's waits on Weaviate, starting the shared node first of
// all, then overlap with local subtests' work.
func forEachBackend(t *testing.T, f func(t *testing.T, b backendKind)) {
	t.Helper()
	t.Parallel()
	for _, b := range []backendKind{backendLocal, backendWeaviate} {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// realConfig is a server configuration over backend b with the given test packs
// (models/test-<name>), one ONNX thread and no background snapshots.
func realConfig(t *testing.T, b backendKind, packs ...string) server.Config {
	t.Helper()
	cfg := server.DefaultConfig()
	for _, p := range packs {
		cfg.ModelPacks = append(cfg.ModelPacks, testenv.Pack(t, p))
	}
	cfg.ORTLibrary = testenv.ORTLibrary(t)
	cfg.Threads = 1
	cfg.SnapshotInterval = 0
	switch b {
	case backendLocal:
		cfg.DataDir = t.TempDir()
	case backendWeaviate:
		node := sharedWeaviate.Node(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		wb, err := weaviate.New(ctx, weaviate.Config{URL: node.URL(0), GRPC: node.GRPC(0),
			ClassPrefix: sharedWeaviate.Prefix(), Timeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("weaviate backend: %v", err)
		}
		cfg.Backend = wb
	default:
		t.Fatalf("unknown backend %q", b)
	}
	return cfg
}

// serveReal opens a server over cfg, waits until it has recovered its collections and
// serves the router over it; both close when the test ends.
func serveReal(t *testing.T, cfg server.Config, opts Options) (*testEnv, *server.Server) {
	t.Helper()
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		if cfg.Backend != nil {
			_ = cfg.Backend.Close()
		}
		t.Fatalf("server.Open: %v", err)
	}
	if err := s.WaitRecovered(context.Background()); err != nil {
		_ = s.Close(context.Background())
		t.Fatalf("server.WaitRecovered: %v", err)
	}
	srv := httptest.NewServer(NewRouter(s, opts))
	t.Cleanup(func() {
		srv.Close()
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("server.Close: %v", err)
		}
	})
	var copts []client.Option
	if len(opts.APIKeys) > 0 {
		copts = append(copts, client.WithAPIKey(opts.APIKeys[0]))
	}
	cl, err := client.New(srv.URL, copts...)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, cl: cl}, s
}
