package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/server/weaviate"
)

// backendSettings selects where collections live: "local" (the data directory) or
// "weaviate" (a Weaviate cluster; instructd then keeps no state of its own).
type backendSettings struct {
	kind, url, grpc, apiKey string
	timeout                 time.Duration
}

// addBackendFlags defines --backend, --weaviate-url, --weaviate-grpc,
// --weaviate-timeout and --weaviate-api-key (INSTRUCTD_BACKEND, INSTRUCTD_WEAVIATE_URL,
// …_GRPC, …_TIMEOUT, …_API_KEY).
func addBackendFlags(e *envFlags, fs *flag.FlagSet, b *backendSettings) {
	b.kind = "local"
	e.str(&b.kind, "backend", "BACKEND", "where collections live: local (the data directory) or weaviate (a Weaviate cluster, see docs/weaviate.md)")
	b.url, b.grpc = "http://127.0.0.1:8080", "127.0.0.1:50051"
	e.str(&b.url, "weaviate-url", "WEAVIATE_URL", "Weaviate REST endpoint (with --backend weaviate)")
	e.str(&b.grpc, "weaviate-grpc", "WEAVIATE_GRPC", "Weaviate gRPC host:port (with --backend weaviate)")
	b.timeout = time.Minute
	e.dur(&b.timeout, "weaviate-timeout", "WEAVIATE_TIMEOUT", "bound on one Weaviate call (a write waiting on a replica that just died answers 503 after it; with --backend weaviate)")
	// The key's environment value must not show in --help, so it is read after parsing.
	fs.StringVar(&b.apiKey, "weaviate-api-key", "", "Weaviate API key (env INSTRUCTD_WEAVIATE_API_KEY)")
}

// statelessGCPercent is the GC target of a process whose collections live in a backend.
const statelessGCPercent = 400

// openBackend connects the configured backend; nil for local.
func openBackend(ctx context.Context, b backendSettings) (backend.Backend, error) {
	switch b.kind {
	case "", "local":
		return nil, nil
	case "weaviate":
		if b.timeout <= 0 {
			return nil, fmt.Errorf("--weaviate-timeout %v: must be positive, e.g. 30s or 2m", b.timeout)
		}
		key := b.apiKey
		if key == "" {
			key = os.Getenv("INSTRUCTD_WEAVIATE_API_KEY")
		}
		wb, err := weaviate.New(ctx, weaviate.Config{URL: b.url, GRPC: b.grpc, APIKey: key, Timeout: b.timeout})
		if err != nil {
			return nil, fmt.Errorf("--backend weaviate: %w", err)
		}
		// Stateless over Weaviate, the process's heap is request garbage: collecting it
		// less often cut instructd's CPU per search by ≈ 10 % (bench-cluster, c=8).
		// GOGC set by the user wins.
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(statelessGCPercent)
		}
		return wb, nil
	}
	return nil, fmt.Errorf("--backend %q: want local or weaviate", b.kind)
}
