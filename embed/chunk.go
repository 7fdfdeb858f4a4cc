package embed

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Span is a byte range [Start, End) of a text.
type Span struct {
	Start, End int
}

// ErrChunkArgs means Chunk was called with an impossible window or overlap.
var ErrChunkArgs = errors.New("embed: invalid chunk arguments")

// Chunk splits text into overlapping windows that each fit the model: every
// span encodes to at most windowTokens non-special tokens. Spans cover the whole
// text in order, each starting and ending later than the one before (the first
// starts at 0, the last ends at len(text)); every other boundary is the start
// offset of a token, so it never falls inside a UTF-8 rune. Boundaries are put
// at word starts, never between the word pieces of one word, whenever the text
// allows: a span's end backs off to a word start within the second half of the
// window, and the next span starts overlapTokens tokens before that end, moved
// back to a word start up to windowTokens/4 tokens earlier (so consecutive spans
// share at least overlapTokens tokens) or else forward (sharing fewer). Only a
// word longer than those ranges is cut between its pieces.
// A text that fits in one window, or an empty one, gives the single span [0, len(text)).
//
// Encode truncates to MaxLength, so Chunk encodes successive suffixes of text,
// each only as far as one window needs; the cost is linear in the text length.
// windowTokens must exceed overlapTokens ≥ 0 and leave room for the special tokens
// within MaxLength.
func Chunk(tok Tokenizer, text string, windowTokens, overlapTokens int) ([]Span, error) {
	if tok == nil {
		return nil, fmt.Errorf("%w: nil tokenizer", ErrChunkArgs)
	}
	empty, err := tok.Encode("")
	if err != nil {
		return nil, fmt.Errorf("embed: chunk: %w", err)
	}
	budget := tok.MaxLength() - len(empty.IDs)
	switch {
	case overlapTokens < 0:
		return nil, fmt.Errorf("%w: overlap %d < 0", ErrChunkArgs, overlapTokens)
	case windowTokens <= overlapTokens:
		return nil, fmt.Errorf("%w: window %d must exceed overlap %d", ErrChunkArgs, windowTokens, overlapTokens)
	case windowTokens > budget:
		return nil, fmt.Errorf("%w: window %d exceeds the tokenizer's %d tokens (max length %d minus %d special)",
			ErrChunkArgs, windowTokens, budget, tok.MaxLength(), len(empty.IDs))
	}

	var spans []Span
	start := 0   // byte offset where the current span starts
	prevEnd := 0 // where the previous span ended
	for {
		rest := text[start:]
		enc, err := tok.Encode(rest)
		if err != nil {
			return nil, fmt.Errorf("embed: chunk at byte %d: %w", start, err)
		}
		toks, err := textTokens(enc, len(rest))
		if err != nil {
			return nil, fmt.Errorf("embed: chunk at byte %d: %w", start, err)
		}
		if !enc.Truncated && len(toks) <= windowTokens {
			return append(spans, Span{Start: start, End: len(text)}), nil
		}
		// toks[e] is the first token left out of this span, so it must exist.
		hi := min(windowTokens, len(toks)-1)
		if hi < 1 {
			return nil, fmt.Errorf("embed: chunk at byte %d: tokenizer truncated to %d tokens", start, len(toks))
		}
		// Back off to a word start, but not below half the window, not into the
		// overlap and not to or before the previous span's end.
		lo := min(max(1, hi/2, overlapTokens+1), hi)
		for lo < hi && start+toks[lo][0] <= prevEnd {
			lo++
		}
		e := hi
		for e > lo && !wordStart(rest, toks, e) {
			e--
		}
		if !wordStart(rest, toks, e) {
			e = hi // one word fills the window: cut between its pieces
		}
		if start+toks[e][0] <= prevEnd {
			// Started inside a word whose pieces re-tokenized longer: give up one
			// token of overlap and try again.
			start += toks[1][0]
			continue
		}
		prevEnd = start + toks[e][0]
		spans = append(spans, Span{Start: start, End: prevEnd})
		start += toks[nextStart(rest, toks, e, overlapTokens, windowTokens)][0]
	}
}

// nextStart picks the first token of the next span: overlap tokens before e,
// moved to a word start when one lies up to window/4 tokens earlier (more
// overlap) or, failing that, later but before e (less overlap).
func nextStart(text string, toks [][2]int, e, overlap, window int) int {
	if overlap == 0 || e <= 1 {
		return e
	}
	target := min(max(e-overlap, 1), e-1)
	for c := target; c >= max(1, target-window/4); c-- {
		if wordStart(text, toks, c) {
			return c
		}
	}
	for c := target + 1; c < e; c++ {
		if wordStart(text, toks, c) {
			return c
		}
	}
	return target
}

// textTokens returns the offsets of enc's non-special tokens, checked to be
// in range and in order.
func textTokens(enc Encoding, n int) ([][2]int, error) {
	toks := make([][2]int, 0, len(enc.Offsets))
	prev := 0
	for i, off := range enc.Offsets {
		if i < len(enc.SpecialTokens) && enc.SpecialTokens[i] {
			continue
		}
		if off[0] < prev || off[1] < off[0] || off[1] > n {
			return nil, fmt.Errorf("token %d has bad offsets [%d, %d)", i, off[0], off[1])
		}
		toks = append(toks, off)
		prev = off[0]
	}
	return toks, nil
}

// wordStart reports whether toks[i] begins a new word rather than continuing
// the previous token as a word piece: there is a gap before it, or either side
// of the join is not a letter or digit, or is a Han character (one word each).
func wordStart(text string, toks [][2]int, i int) bool {
	if i <= 0 || i >= len(toks) {
		return true
	}
	prev, cur := toks[i-1], toks[i]
	if prev[1] < cur[0] || prev[1] <= prev[0] || cur[1] <= cur[0] {
		return true
	}
	before, _ := utf8.DecodeLastRuneInString(text[prev[0]:prev[1]])
	after, _ := utf8.DecodeRuneInString(text[cur[0]:cur[1]])
	return !wordRune(before) || !wordRune(after)
}

// wordRune is a rune that word pieces join: a letter, digit or combining mark
// outside Han, which BERT-style tokenizers split one character per word.
func wordRune(r rune) bool {
	if unicode.Is(unicode.Han, r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
