package embed

import (
	"fmt"
	"slices"
)

// checkDimensions validates Options.Dimensions against the pack: 0 keeps the full vector;
// otherwise it must be in [1, dim] and, when the manifest lists matryoshka_dimensions,
// one of them (or dim itself).
func (e *Embedder) checkDimensions(d int) error {
	allowed := e.manifest.MatryoshkaDimensions
	switch {
	case d == 0 || d == e.dim:
		return nil
	case d < 0 || d > e.dim:
		return fmt.Errorf("%w: dimensions must be in [1, %d] for pack %s, got %d", ErrInvalidInput, e.dim, e.manifest.Name, d)
	case len(allowed) > 0 && !slices.Contains(allowed, d):
		return fmt.Errorf("%w: dimensions %d: pack %s was trained for %v (or %d)", ErrInvalidInput, d, e.manifest.Name, allowed, e.dim)
	}
	return nil
}

// TruncateNormalize returns a new vector holding v's first d components scaled to unit
// length (Matryoshka truncation); v is left as it is. d ≥ len(v) returns a copy of v.
func TruncateNormalize(v []float32, d int) []float32 {
	out := append([]float32(nil), v[:min(d, len(v))]...)
	Normalize(out)
	return out
}
