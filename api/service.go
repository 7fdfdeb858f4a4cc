package api

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/instructd/instructd/server"
)

// Service is the slice of *server.Server the HTTP layer calls; tests substitute a fake.
type Service interface {
	// Ready reports whether models are loaded and collections recovered.
	Ready() bool
	// Registry is where server and embed metrics live; api adds its HTTP metrics to it.
	Registry() *prometheus.Registry
	// Limits are the request limits the handlers enforce.
	Limits() server.Limits
	// Logger is the server's structured logger.
	Logger() *slog.Logger
	// Models lists the loaded model packs, default first.
	Models() []server.ModelInfo
	// Embed computes raw embeddings.
	Embed(ctx context.Context, req server.EmbedRequest) (server.EmbedResponse, error)
	// Rerank scores documents against a query with a reranker pack, best first.
	Rerank(ctx context.Context, req server.RerankRequest) (server.RerankResponse, error)
	// Tokenize shows how a pack renders and tokenizes texts.
	Tokenize(ctx context.Context, req server.TokenizeRequest) (server.TokenizeResponse, error)
	// ListCollections describes every collection.
	ListCollections(ctx context.Context) ([]server.CollectionInfo, error)
	// CreateCollection creates a collection, or confirms an identical one (created=false).
	CreateCollection(ctx context.Context, name string, spec server.CollectionSpec) (server.CollectionInfo, bool, error)
	// GetCollection describes one collection.
	GetCollection(ctx context.Context, name string) (server.CollectionInfo, error)
	// DeleteCollection removes a collection and its documents.
	DeleteCollection(ctx context.Context, name string) error
	// Upsert validates, embeds and durably stores documents (all or nothing).
	Upsert(ctx context.Context, collection string, docs []server.Document) (server.UpsertResult, error)
	// GetDocument returns one stored document.
	GetDocument(ctx context.Context, collection, id string) (server.Document, error)
	// DeleteDocument removes one document.
	DeleteDocument(ctx context.Context, collection, id string) error
	// Search runs one query.
	Search(ctx context.Context, collection string, req server.SearchRequest) (server.SearchResponse, error)
}
