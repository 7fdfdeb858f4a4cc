package embed

import (
	"context"
	"fmt"

	"github.com/instructd/instructd/models"
)

// Model is one loaded embedding pack, whatever engine serves it: *Embedder runs an ONNX
// graph through the dynamic batcher; static packs (runtime "static") look token vectors up
// in a table. The server, the CLI and the benchmarks use Model, never the engine types.
type Model interface {
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string, opts Options) (Result, error)
	// Manifest is the pack's manifest.
	Manifest() models.Manifest
	// Tokenizer is the pack's tokenizer (with the pack's max tokens).
	Tokenizer() Tokenizer
	// CacheStats reports the query cache.
	CacheStats() CacheStats
	// Close releases the engine; calls after Close fail with ErrClosed.
	Close() error
}

// OpenModel opens the embedding pack in packDir with the engine its manifest's runtime names.
func OpenModel(ctx context.Context, packDir string, cfg Config) (Model, error) {
	m, err := models.ReadManifest(packDir)
	if err != nil {
		return nil, err
	}
	if m.KindOrDefault() != models.KindEmbedder {
		return nil, fmt.Errorf("embed: pack %s is a %s, not an embedder", packDir, m.KindOrDefault())
	}
	switch m.RuntimeOrDefault() {
	case models.RuntimeONNX:
		return Open(ctx, packDir, cfg)
	case models.RuntimeStatic:
		return OpenStatic(packDir, cfg)
	default:
		return nil, fmt.Errorf("embed: pack %s: runtime %q is not supported yet", packDir, m.RuntimeOrDefault())
	}
}
