package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

// packEmbedder adapts an embed.Model to the embedder interface, translating its
// errors into server's sentinels.
type packEmbedder struct {
	e embed.Model
}

// openPackEmbedder loads a pack with the server's embedding settings and wires embed's
// hooks to the server's metrics.
func openPackEmbedder(ctx context.Context, packDir string, cfg Config, m *metrics) (embedder, error) {
	ec, err := engineConfig(packDir, cfg, m)
	if err != nil {
		return nil, err
	}
	if e := cfg.Embedding; e.CacheSize != 0 {
		ec.CacheSize = max(e.CacheSize, 0)
	}
	emb, err := embed.OpenModel(ctx, packDir, ec)
	if err != nil {
		return nil, err
	}
	return &packEmbedder{e: emb}, nil
}

func (p *packEmbedder) Embed(ctx context.Context, texts []string, opts embedOptions) (embedResult, error) {
	eo := embed.Options{Type: embed.Document, Instruction: opts.Instruction, Wait: opts.Wait, Dimensions: opts.Dimensions}
	if opts.Query {
		eo.Type = embed.Query
	}
	res, err := p.e.Embed(ctx, texts, eo)
	switch {
	case err == nil:
		return embedResult{Vectors: res.Vectors, Tokens: res.UsageTokens, Truncated: res.Truncated}, nil
	case errors.Is(err, embed.ErrOverloaded):
		return embedResult{}, fmt.Errorf("%w: %w", ErrOverloaded, err)
	case errors.Is(err, embed.ErrClosed):
		return embedResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case errors.Is(err, embed.ErrInvalidInput):
		return embedResult{}, &InputError{Field: "input", Message: err.Error()}
	}
	return embedResult{}, err
}

func (p *packEmbedder) Manifest() models.Manifest  { return p.e.Manifest() }
func (p *packEmbedder) Tokenizer() embed.Tokenizer { return p.e.Tokenizer() }
func (p *packEmbedder) Close() error               { return p.e.Close() }

// engineConfig is the embed.Config of a pack (an embedder or a reranker: both run the same
// batcher) from the server's settings, with embed's hooks wired to the metrics under the
// pack's name.
func engineConfig(packDir string, cfg Config, m *metrics) (embed.Config, error) {
	pk, err := models.Load(packDir)
	if err != nil {
		return embed.Config{}, err
	}
	label := pk.Manifest.Name
	ec := embed.DefaultConfig()
	ec.LibraryPath = cfg.ORTLibrary
	if cfg.Threads > 0 {
		ec.IntraOpThreads = cfg.Threads
	}
	e := cfg.Embedding
	if e.MaxBatchTokens > 0 {
		ec.MaxBatchTokens = e.MaxBatchTokens
	}
	if e.MaxBatchSize > 0 {
		ec.MaxBatchSize = e.MaxBatchSize
	}
	if e.MaxWait != 0 {
		ec.MaxWait = e.MaxWait
	}
	if e.QueueSize > 0 {
		ec.QueueSize = e.QueueSize
	}
	if e.InferenceWorkers > 0 {
		ec.InferenceWorkers = e.InferenceWorkers
	}
	ec.Logger = cfg.Logger
	ec.Hooks = embed.Hooks{
		QueueDepth: func(n int) { m.embedQueueDepth.WithLabelValues(label).Set(float64(n)) },
		Batch: func(b embed.BatchStats) {
			m.embedBatchSize.WithLabelValues(label).Observe(float64(b.Size))
			m.embedBatchTokens.WithLabelValues(label).Observe(float64(b.PaddedTokens))
			m.embedTokens.WithLabelValues(label).Add(float64(b.Tokens))
			m.embedLatency.WithLabelValues(label).Observe(b.Duration.Seconds())
		},
	}
	return ec, nil
}
