package weaviate

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	wv "github.com/weaviate/weaviate-go-client/v5/weaviate"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/auth"
	"github.com/weaviate/weaviate-go-client/v5/weaviate/fault"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/wire"
)

// Config locates a Weaviate cluster.
type Config struct {
	// URL is the REST endpoint, e.g. http://127.0.0.1:8080.
	URL string
	// GRPC is the gRPC host:port, e.g. 127.0.0.1:50051.
	GRPC string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// ClassPrefix starts every Weaviate collection name (default "Instructd").
	ClassPrefix string
	// Timeout bounds one call (default 60s).
	Timeout time.Duration
}

// grpcWindow is the gRPC stream and connection flow-control window (bytes).
const grpcWindow = 4 << 20

// Backend is a backend.Backend over one Weaviate cluster.
type Backend struct {
	cfg  Config
	rest *wv.Client
	conn *grpc.ClientConn
	rpc  pb.WeaviateClient
	ns   uuid.UUID

	mu      sync.Mutex
	classes map[string]*class // by our collection name
	nodes   int               // largest cluster size seen (see clusterSize)
	nodesAt time.Time
}

// class caches what a search or write needs about one collection.
type class struct {
	name        string // Weaviate collection name
	spec        wire.CollectionSpec
	consistency pb.ConsistencyLevel
	restCL      string

	mu        sync.Mutex
	props     map[string]bool
	refreshed time.Time
	shards    []string
}

var _ backend.Backend = (*Backend)(nil)

// New connects to Weaviate (it checks the REST endpoint answers).
func New(ctx context.Context, cfg Config) (*Backend, error) {
	if cfg.ClassPrefix == "" {
		cfg.ClassPrefix = "Instructd"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("weaviate: url %q: want scheme://host:port", cfg.URL)
	}
	if cfg.GRPC == "" {
		return nil, errors.New("weaviate: the gRPC address is required (host:port)")
	}
	wc := wv.Config{Host: u.Host, Scheme: u.Scheme, Timeout: cfg.Timeout, StartupTimeout: cfg.Timeout}
	if cfg.APIKey != "" {
		wc.AuthConfig = auth.ApiKey{Value: cfg.APIKey}
	}
	rest, err := wv.NewClient(wc)
	if err != nil {
		return nil, fmt.Errorf("weaviate: connect %s: %w", cfg.URL, err)
	}
	// Fixed flow-control windows turn off gRPC's bandwidth-delay estimation, whose PING
	// after each burst of data costs both sides CPU on every few searches.
	conn, err := grpc.NewClient(cfg.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(grpcWindow), grpc.WithInitialConnWindowSize(grpcWindow),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256<<20), grpc.MaxCallSendMsgSize(256<<20)))
	if err != nil {
		return nil, fmt.Errorf("weaviate: grpc %s: %w", cfg.GRPC, err)
	}
	b := &Backend{cfg: cfg, rest: rest, conn: conn, rpc: pb.NewWeaviateClient(conn),
		ns: uuid.MustParse("6ba7b812-9dad-11d1-80b4-00c04fd430c8"), classes: map[string]*class{}}
	if _, err := rest.Misc().MetaGetter().Do(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("weaviate: %s does not answer: %w", cfg.URL, err)
	}
	return b, nil
}

// Name is "weaviate".
func (b *Backend) Name() string { return "weaviate" }

// Close closes the gRPC connection.
func (b *Backend) Close() error { return b.conn.Close() }

// rpcCtx adds the API key to a gRPC call's metadata and bounds it.
func (b *Backend) rpcCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	if b.cfg.APIKey != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+b.cfg.APIKey)
	}
	return ctx, cancel
}

// className maps our collection name ([a-zA-Z0-9][a-zA-Z0-9_-]*) to a Weaviate name
// ([A-Z][_0-9A-Za-z]*) injectively: '_' becomes "_u", '-' becomes "_d".
func (b *Backend) className(name string) string {
	r := strings.NewReplacer("_", "_u", "-", "_d")
	return b.cfg.ClassPrefix + "_" + r.Replace(name)
}

// collectionName inverts className; ok is false for classes that are not ours.
func (b *Backend) collectionName(cls string) (string, bool) {
	rest, ok := strings.CutPrefix(cls, b.cfg.ClassPrefix+"_")
	if !ok {
		return "", false
	}
	r := strings.NewReplacer("_u", "_", "_d", "-")
	return r.Replace(rest), true
}

// docUUID is the object id of document id; passage i of it has passageUUID.
func (b *Backend) docUUID(coll, id string) string {
	return uuid.NewSHA1(b.ns, []byte(coll+"\x00"+id)).String()
}

func (b *Backend) passageUUID(coll, id string, i int) string {
	return uuid.NewSHA1(b.ns, fmt.Appendf(nil, "%s\x00%s\x00p%d", coll, id, i)).String()
}

// statusCode extracts an HTTP status from a client error (0 if none).
func statusCode(err error) int {
	var we *fault.WeaviateClientError
	if errors.As(err, &we) {
		return we.StatusCode
	}
	return 0
}

// clientErr wraps a client error with context; connection failures become
// backend.ErrUnavailable.
func clientErr(what string, err error) error {
	var we *fault.WeaviateClientError
	if errors.As(err, &we) {
		msg := we.Msg
		if we.DerivedFromError != nil {
			msg = we.DerivedFromError.Error()
		}
		// Status < 100: the request failed on our side (connection, timeout, decoding).
		if we.StatusCode < 100 || we.StatusCode >= 500 {
			return fmt.Errorf("weaviate: %s: %s: %w", what, msg, backend.ErrUnavailable)
		}
		return fmt.Errorf("weaviate: %s: status %d: %s", what, we.StatusCode, msg)
	}
	return fmt.Errorf("weaviate: %s: %w", what, err)
}
