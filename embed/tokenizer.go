package embed

// Encoding is one tokenized text, ready for the model.
type Encoding struct {
	// IDs are the token ids, special tokens included.
	IDs []int64
	// TypeIDs are the segment (token type) ids.
	TypeIDs []int64
	// AttentionMask is 1 for every real token.
	AttentionMask []int64
	// Offsets holds, per token, the [start, end) byte offsets into the original text;
	// special tokens have [0, 0].
	Offsets [][2]int
	// SpecialTokens marks tokens added by the post-processor ([CLS], [SEP], ...).
	SpecialTokens []bool
	// Truncated reports that the text was cut to fit the maximum length.
	Truncated bool
}

// Tokenizer turns text into model inputs. Implementations are safe for concurrent use.
type Tokenizer interface {
	// Encode tokenizes text with special tokens and truncation to MaxLength.
	Encode(text string) (Encoding, error)
	// MaxLength is the truncation limit, special tokens included.
	MaxLength() int
}
