package embed

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"unicode/utf8"
)

// staticVocab is what static pooling needs from tokenizer.json beyond the tokenizer
// itself: the unknown token's id (Model2Vec drops it), the median token length in
// characters (Model2Vec cuts texts to max_length × that many characters before
// tokenizing) and the vocabulary size (the table must have one row per id).
type staticVocab struct {
	unkID        int64 // -1: the model has no unk token
	medianLength int
	size         int // one more than the largest id
}

// readStaticVocab reads the model vocabulary and added tokens of a tokenizer.json the
// way Hugging Face's Tokenizer.get_vocab() returns them (token → id, added tokens
// included), and the model's unk_token.
func readStaticVocab(path string) (staticVocab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return staticVocab{}, fmt.Errorf("embed: static vocabulary: %w", err)
	}
	var tj struct {
		Model struct {
			Vocab    json.RawMessage `json:"vocab"`
			UnkToken *string         `json:"unk_token"`
		} `json:"model"`
		AddedTokens []struct {
			ID      int64  `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
	}
	if err := json.Unmarshal(data, &tj); err != nil {
		return staticVocab{}, fmt.Errorf("embed: static vocabulary %s: %w", path, err)
	}
	vocab := map[string]int64{}
	// WordPiece, BPE and WordLevel store {token: id}; Unigram stores [[piece, score], ...]
	// with ids by position.
	if err := json.Unmarshal(tj.Model.Vocab, &vocab); err != nil {
		var pieces [][2]any
		if err2 := json.Unmarshal(tj.Model.Vocab, &pieces); err2 != nil {
			return staticVocab{}, fmt.Errorf("embed: static vocabulary %s: model.vocab is neither a map nor a Unigram list: %w", path, err)
		}
		for i, p := range pieces {
			if s, ok := p[0].(string); ok {
				vocab[s] = int64(i)
			}
		}
	}
	for _, a := range tj.AddedTokens {
		vocab[a.Content] = a.ID
	}
	if len(vocab) == 0 {
		return staticVocab{}, fmt.Errorf("embed: static vocabulary %s: empty vocabulary", path)
	}
	v := staticVocab{unkID: -1}
	lengths := make([]int, 0, len(vocab))
	for tok, id := range vocab {
		lengths = append(lengths, utf8.RuneCountInString(tok))
		v.size = max(v.size, int(id)+1)
	}
	v.medianLength = medianInt(lengths)
	if u := tj.Model.UnkToken; u != nil {
		id, ok := vocab[*u]
		if !ok {
			return staticVocab{}, fmt.Errorf("embed: static vocabulary %s: unk_token %q is not in the vocabulary", path, *u)
		}
		v.unkID = id
	}
	return v, nil
}

// medianInt is int(numpy.median(xs)): the middle value, or the mean of the two middle
// values truncated toward zero.
func medianInt(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return int(float64(s[n/2-1]+s[n/2]) / 2)
}
