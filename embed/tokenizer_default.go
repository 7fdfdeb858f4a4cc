//go:build !hftokenizers

package embed

import (
	"fmt"
	"os"
)

// LoadTokenizer reads a Hugging Face tokenizer.json and returns the pure-Go tokenizer
// (build with -tags hftokenizers for the Rust library instead). maxLength ≤ 0 means
// tokenizer.json's truncation max_length, or 512 when it has none.
func LoadTokenizer(path string, maxLength int) (Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("embed: load tokenizer: %w", err)
	}
	tok, err := newTokenizer(data, maxLength)
	if err != nil {
		return nil, fmt.Errorf("embed: load tokenizer %s: %w", path, err)
	}
	return tok, nil
}
