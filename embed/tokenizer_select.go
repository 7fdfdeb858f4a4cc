package embed

import "fmt"

// NewTokenizerFromJSON returns the pure-Go tokenizer for a tokenizer.json's contents,
// truncating to maxLength tokens (≤ 0: tokenizer.json's truncation max_length, else
// 512). Plain BERT files (BertNormalizer, BertPreTokenizer, WordPiece) get the fast
// BertTokenizer, everything else the PipelineTokenizer; both are FullTokenizers.
// A component neither supports is an error naming it.
func NewTokenizerFromJSON(data []byte, maxLength int) (Tokenizer, error) {
	t, err := newTokenizer(data, maxLength)
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	return t, nil
}

// newTokenizer picks BertTokenizer or PipelineTokenizer; its errors lack the package
// prefix so that callers can add their own context.
func newTokenizer(data []byte, maxLength int) (FullTokenizer, error) {
	if _, err := parseTokenizerJSON(data); err == nil {
		return newBertTokenizer(data, maxLength)
	}
	return newPipelineTokenizer(data, maxLength)
}
