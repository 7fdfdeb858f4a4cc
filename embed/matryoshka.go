package embed

import (
	"fmt"
	"slices"

	"github.com/instructd/instructd/models"
)

// checkDimensions validates Options.Dimensions against the pack.
func (e *Embedder) checkDimensions(d int) error {
	_, err := outputDimensions(e.manifest, e.dim, d)
	return err
}

// outputDimensions checks a requested output length for a pack of width dim, for every
// engine alike: 0 means dim; otherwise it must be in [1, dim] and, when the manifest lists
// matryoshka_dimensions, one of them (or dim itself). It returns the length to produce.
func outputDimensions(m models.Manifest, dim, d int) (int, error) {
	allowed := m.MatryoshkaDimensions
	switch {
	case d == 0 || d == dim:
		return dim, nil
	case d < 0 || d > dim:
		return 0, fmt.Errorf("%w: dimensions must be in [1, %d] for pack %s, got %d", ErrInvalidInput, dim, m.Name, d)
	case len(allowed) > 0 && !slices.Contains(allowed, d):
		return 0, fmt.Errorf("%w: dimensions %d: pack %s was trained for %v (or %d)", ErrInvalidInput, d, m.Name, allowed, dim)
	}
	return d, nil
}

// TruncateNormalize returns a new vector holding v's first d components scaled to unit
// length (Matryoshka truncation); v is left as it is. d ≥ len(v) returns a copy of v.
func TruncateNormalize(v []float32, d int) []float32 {
	out := append([]float32(nil), v[:min(d, len(v))]...)
	Normalize(out)
	return out
}
