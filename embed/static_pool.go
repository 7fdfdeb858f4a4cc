package embed

import (
	"fmt"
	"math"

	"github.com/instructd/instructd/models"
)

// This file is the static engine's per-text work: which ids a text is pooled over, and
// the pooling itself, each following its library's rules (see docs/static.md).

// tokenIDs returns the ids a text is pooled over, the way the pack's library picks them.
// Model2Vec: the first charCap characters, no special tokens, unk dropped, the first
// max_length ids. StaticEmbedding: no special tokens, every id (instructd caps them at
// max_tokens; the library has no limit).
func (s *StaticEmbedder) tokenIDs(text string) ([]int64, bool, error) {
	truncated := false
	if s.charCap > 0 && len(text) > s.charCap {
		if cut, ok := prefixRunes(text, s.charCap); ok {
			text, truncated = cut, true
		}
	}
	enc, err := s.pool.EncodeWith(text, false)
	if err != nil {
		return nil, false, err
	}
	ids := enc.IDs
	truncated = truncated || enc.Truncated
	if s.unkID >= 0 {
		kept := ids[:0]
		for _, id := range ids {
			if id != s.unkID {
				kept = append(kept, id)
			}
		}
		ids = kept
	}
	if len(ids) > s.maxIDs {
		ids, truncated = ids[:s.maxIDs], true
	}
	for _, id := range ids {
		if id < 0 || int(id) >= s.rows {
			return nil, false, fmt.Errorf("token id %d is outside the table's %d rows", id, s.rows)
		}
	}
	return ids, truncated, nil
}

// prefixRunes returns the first n characters (code points, as Python slices str) of
// text, and whether text was longer.
func prefixRunes(text string, n int) (string, bool) {
	count := 0
	for i := range text {
		if count == n {
			return text[:i], true
		}
		count++
	}
	return text, false
}

// poolIDs averages the first dims columns of the ids' rows (in float64, acc is scratch
// of len ≥ dims) and normalises the mean if the pack does: Model2Vec divides by
// ‖v‖ + 1e-32, sentence-transformers' Normalize by max(‖v‖, 1e-12). A prefix (dims <
// the table's width) is always normalised: the prefix of the mean is the mean of the
// prefixes, so this equals Matryoshka truncation of the full vector plus re-normalisation
// (TruncateNormalize) at a fraction of the cost. No ids give zeros, as both libraries do.
func (s *StaticEmbedder) poolIDs(acc []float64, ids []int64, dims int) []float32 {
	out := make([]float32, dims)
	if len(ids) == 0 {
		return out
	}
	acc = acc[:dims]
	clear(acc)
	for _, id := range ids {
		addRow(acc, s.table[int(id)*s.dim:int(id)*s.dim+dims])
	}
	inv := 1 / float64(len(ids))
	var sq float64
	for j := range acc {
		acc[j] *= inv
		sq += acc[j] * acc[j]
	}
	scale := 1.0
	if s.manifest.Normalize || dims < s.dim {
		norm := math.Sqrt(sq)
		if s.layout == models.StaticModel2Vec {
			scale = 1 / (norm + 1e-32)
		} else {
			scale = 1 / max(norm, 1e-12)
		}
	}
	for j, x := range acc {
		out[j] = float32(x * scale)
	}
	return out
}

// addRow adds row to acc (same length), four lanes at a time.
func addRow(acc []float64, row []float32) {
	row = row[:len(acc)]
	j := 0
	for ; j+4 <= len(acc); j += 4 {
		a, r := acc[j:j+4:j+4], row[j:j+4:j+4]
		a[0] += float64(r[0])
		a[1] += float64(r[1])
		a[2] += float64(r[2])
		a[3] += float64(r[3])
	}
	for ; j < len(acc); j++ {
		acc[j] += float64(row[j])
	}
}
