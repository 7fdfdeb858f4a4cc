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

// FullTokenizer is what every tokenizer LoadTokenizer returns offers beyond Tokenizer:
// encoding without special tokens, pairs (cross-encoder rerankers), and the vocabulary.
// Callers that need these assert Tokenizer to FullTokenizer.
type FullTokenizer interface {
	Tokenizer
	// EncodeWith is Encode with the post-processor's special tokens on or off.
	EncodeWith(text string, addSpecialTokens bool) (Encoding, error)
	// EncodePair encodes a pair with the post-processor's pair template (token type ids
	// from the template) and Hugging Face's LongestFirst truncation to MaxLength.
	EncodePair(first, second string) (Encoding, error)
	// TokenToID returns the id of a vocabulary or added token.
	TokenToID(token string) (int64, bool)
	// Tokens returns the token strings of ids ("" for unknown ids).
	Tokens(ids []int64) []string
	// VocabSize counts the vocabulary, added tokens included.
	VocabSize() int
}

// newEncoding allocates an Encoding of n tokens (IDs, type ids and mask in one backing
// array), to be filled by the caller.
func newEncoding(n int, truncated bool) Encoding {
	ints := make([]int64, 3*n)
	return Encoding{
		IDs:           ints[:n:n],
		TypeIDs:       ints[n : 2*n : 2*n],
		AttentionMask: ints[2*n:],
		Offsets:       make([][2]int, n),
		SpecialTokens: make([]bool, n),
		Truncated:     truncated,
	}
}
