//go:build hftokenizers

package embed

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/daulet/tokenizers"
)

// hfTokenizer is the Tokenizer backed by Hugging Face's Rust library through
// github.com/daulet/tokenizers (build tag hftokenizers; needs libtokenizers.a to link).
// It accepts every tokenizer.json the Rust library does. It is safe for concurrent use.
type hfTokenizer struct {
	tk        *tokenizers.Tokenizer
	probe     *tokenizers.Tokenizer // truncates at maxLength+1, to tell whether tk truncated
	maxLength int
}

// LoadTokenizer reads a Hugging Face tokenizer.json and returns the Rust-backed
// tokenizer (this build has the hftokenizers tag). maxLength ≤ 0 means
// tokenizer.json's truncation max_length, or 512 when it has none.
// The result also implements io.Closer, which frees the Rust tokenizer.
func LoadTokenizer(path string, maxLength int) (Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("embed: load tokenizer: %w", err)
	}
	var cfg struct {
		Truncation *truncationJSON `json:"truncation"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("embed: load tokenizer %s: %w", path, err)
	}
	dir := tokenizers.TruncationDirectionRight
	if tr := cfg.Truncation; tr != nil {
		if tr.Direction == "Left" {
			dir = tokenizers.TruncationDirectionLeft
		}
		if maxLength <= 0 {
			maxLength = tr.MaxLength
		}
	}
	if maxLength <= 0 {
		maxLength = defaultMaxLength
	}
	tk, err := tokenizers.FromBytesWithTruncation(data, uint32(maxLength), dir)
	if err != nil {
		return nil, fmt.Errorf("embed: load tokenizer %s: %w", path, err)
	}
	probe, err := tokenizers.FromBytesWithTruncation(data, uint32(maxLength+1), dir)
	if err != nil {
		tk.Close()
		return nil, fmt.Errorf("embed: load tokenizer %s: %w", path, err)
	}
	return &hfTokenizer{tk: tk, probe: probe, maxLength: maxLength}, nil
}

// MaxLength is the truncation limit, special tokens included.
func (t *hfTokenizer) MaxLength() int { return t.maxLength }

// VocabSize is the vocabulary size, added tokens included.
func (t *hfTokenizer) VocabSize() int { return int(t.tk.VocabSize()) }

// Encode tokenizes text with special tokens and truncation to MaxLength. Offsets are
// the Rust library's byte offsets. daulet passes text as a C string, so it ends at the
// first NUL byte, and invalid UTF-8 is converted lossily first (offsets then shift).
func (t *hfTokenizer) Encode(text string) (Encoding, error) {
	e := t.tk.EncodeWithOptions(text, true, tokenizers.WithReturnAllAttributes())
	// tokenizer.json may ask for padding (all-MiniLM-L6-v2 pads to a multiple of 8);
	// padding is the batcher's job, so padded positions (attention 0) are dropped.
	keep := make([]int, 0, len(e.IDs))
	for i := range e.IDs {
		if i >= len(e.AttentionMask) || e.AttentionMask[i] != 0 {
			keep = append(keep, i)
		}
	}
	n := len(keep)
	enc := newEncoding(n, false)
	for j, i := range keep {
		enc.IDs[j] = int64(e.IDs[i])
		enc.AttentionMask[j] = 1
		if i < len(e.TypeIDs) {
			enc.TypeIDs[j] = int64(e.TypeIDs[i])
		}
		if i < len(e.SpecialTokensMask) {
			enc.SpecialTokens[j] = e.SpecialTokensMask[i] != 0
		}
		if i < len(e.Offsets) {
			enc.Offsets[j] = [2]int{int(e.Offsets[i][0]), int(e.Offsets[i][1])}
		}
	}
	if n >= t.maxLength {
		// Only a full-length encoding can have been cut: one more token of room tells.
		p := t.probe.EncodeWithOptions(text, true, tokenizers.WithReturnAttentionMask())
		kept := 0
		for _, m := range p.AttentionMask {
			if m != 0 {
				kept++
			}
		}
		enc.Truncated = kept > t.maxLength
	}
	return enc, nil
}

// Close frees the Rust tokenizers.
func (t *hfTokenizer) Close() error {
	t.tk.Close()
	t.probe.Close()
	return nil
}
