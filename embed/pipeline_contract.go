package embed

// This file is the contract between the pieces of the general tokenizer pipeline
// (tokenizer_pipeline.go): Hugging Face's NormalizedString reduced to what offsets need,
// and the three step interfaces each tokenizer.json component implements.

// normalizedText is a piece of text under normalization. align[i] is the [start, end)
// byte range of the ORIGINAL input that byte i of text came from, so offsets survive
// every rewrite; len(align) == len(text) always. A step that replaces one original
// character by several gives every output byte the original character's range; one that
// deletes bytes drops their entries.
type normalizedText struct {
	text  string
	align [][2]int
}

// newNormalizedText starts normalization of an original (sub)string that begins at byte
// base of the input.
func newNormalizedText(s string, base int) normalizedText {
	align := make([][2]int, len(s))
	for i := 0; i < len(s); {
		n := 1
		for i+n < len(s) && s[i+n]&0xC0 == 0x80 {
			n++
		}
		for j := i; j < i+n; j++ {
			align[j] = [2]int{base + i, base + i + n}
		}
		i += n
	}
	return normalizedText{text: s, align: align}
}

// span returns the original byte range covered by text[start:end]; an empty piece maps
// to an empty range at its position.
func (n normalizedText) span(start, end int) [2]int {
	if start >= end || start >= len(n.align) {
		if start < len(n.align) {
			return [2]int{n.align[start][0], n.align[start][0]}
		}
		if len(n.align) > 0 {
			last := n.align[len(n.align)-1][1]
			return [2]int{last, last}
		}
		return [2]int{0, 0}
	}
	return [2]int{n.align[start][0], n.align[end-1][1]}
}

// textNormalizer is one tokenizer.json normalizer (NFC, Lowercase, Precompiled, Replace, …).
type textNormalizer interface {
	normalize(n normalizedText) (normalizedText, error)
}

// preTokenizer is one tokenizer.json pre_tokenizer: it splits pieces into smaller pieces
// (each keeps its alignment to the original). A piece whose align[0][0] is 0 starts the
// original input (Metaspace's prepend_scheme "first" needs to know).
type preTokenizer interface {
	preTokenize(pieces []normalizedText) ([]normalizedText, error)
}

// modelToken is one token a model produced from a piece: its id, its string, and its
// [start, end) byte range within the piece's text.
type modelToken struct {
	id         int64
	value      string
	start, end int
}

// tokenModel is a tokenizer.json model (WordPiece, BPE, Unigram).
type tokenModel interface {
	// tokenize splits one pre-tokenized piece into tokens.
	tokenize(piece string) ([]modelToken, error)
	// tokenToID and idToToken look the vocabulary up (added tokens are the pipeline's).
	tokenToID(token string) (int64, bool)
	idToToken(id int64) (string, bool)
	// vocabSize is the model's vocabulary size.
	vocabSize() int
}
