package embed

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// wordPiece is Hugging Face's WordPiece model: greedy longest-match-first over a
// vocabulary, continuation pieces carrying a prefix ("##"), and the unknown token for
// words that cannot be covered or that are longer than maxChars characters.
// It is read-only after construction and safe for concurrent use.
type wordPiece struct {
	vocab    map[string]int32 // whole tokens
	cont     map[string]int32 // continuation tokens, keyed without the prefix
	maxVocab int              // longest key of vocab, in bytes
	maxCont  int              // longest key of cont, in bytes
	unk      int32
	unkToken string
	prefix   string
	maxChars int
	maxID    int32
}

// token is one model token with its [start, end) byte range in the original text.
type token struct {
	id         int32
	start, end int32
}

func newWordPiece(vocab map[string]int, unkToken, prefix string, maxChars int) (*wordPiece, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("tokenizer.json: WordPiece model has an empty vocab")
	}
	if maxChars <= 0 {
		return nil, fmt.Errorf("tokenizer.json: WordPiece max_input_chars_per_word %d is not positive", maxChars)
	}
	w := &wordPiece{
		vocab:    make(map[string]int32, len(vocab)),
		cont:     make(map[string]int32),
		unkToken: unkToken,
		prefix:   prefix,
		maxChars: maxChars,
	}
	for tok, id := range vocab {
		if id < 0 || id > math.MaxInt32 {
			return nil, fmt.Errorf("tokenizer.json: vocab token %q has id %d out of range", tok, id)
		}
		w.vocab[tok] = int32(id)
		w.maxVocab = max(w.maxVocab, len(tok))
		w.maxID = max(w.maxID, int32(id))
		if rest, ok := strings.CutPrefix(tok, prefix); ok && rest != "" {
			w.cont[rest] = int32(id)
			w.maxCont = max(w.maxCont, len(rest))
		}
	}
	unk, ok := w.vocab[unkToken]
	if !ok {
		return nil, fmt.Errorf("tokenizer.json: WordPiece unk_token %q is not in the vocab", unkToken)
	}
	w.unk = unk
	return w, nil
}

// tokenize appends the pieces of one normalized word to out. word holds the word's
// bytes and nchars its character count; orig gives, for every byte of word, the
// original [start, end) byte range of the input character it came from.
func (w *wordPiece) tokenize(out []token, word []byte, nchars int, orig [][2]int32) []token {
	if nchars > w.maxChars {
		return append(out, token{id: w.unk, start: orig[0][0], end: orig[len(word)-1][1]})
	}
	mark := len(out)
	for start := 0; start < len(word); {
		dict, limit := w.vocab, w.maxVocab
		if start > 0 {
			dict, limit = w.cont, w.maxCont
		}
		end := min(len(word), start+limit)
		for end > start && end < len(word) && !utf8.RuneStart(word[end]) {
			end-- // keys longer than limit cannot match; back off to a character boundary
		}
		found := false
		for end > start {
			if id, ok := dict[string(word[start:end])]; ok {
				out = append(out, token{id: id, start: orig[start][0], end: orig[end-1][1]})
				found = true
				break
			}
			end--
			for end > start && !utf8.RuneStart(word[end]) {
				end--
			}
		}
		if !found {
			return append(out[:mark], token{id: w.unk, start: orig[0][0], end: orig[len(word)-1][1]})
		}
		start = end
	}
	return out
}
