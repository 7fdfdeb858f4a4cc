package embed

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// wordPieceModel adapts wordPiece to the pipeline's tokenModel.
type wordPieceModel struct {
	w      *wordPiece
	tokens []string // id → token
}

func parseWordPieceModel(raw json.RawMessage) (*wordPieceModel, error) {
	var wp wordPieceJSON
	if err := json.Unmarshal(raw, &wp); err != nil {
		return nil, fmt.Errorf("WordPiece model: %w", err)
	}
	w, err := wp.build()
	if err != nil {
		return nil, err
	}
	m := &wordPieceModel{w: w, tokens: make([]string, w.maxID+1)}
	for tok, id := range w.vocab {
		m.tokens[id] = tok
	}
	return m, nil
}

func (m *wordPieceModel) tokenize(piece string) ([]modelToken, error) {
	if piece == "" {
		return nil, nil
	}
	orig := make([][2]int32, len(piece))
	nchars := 0
	for i := 0; i < len(piece); {
		_, size := utf8.DecodeRuneInString(piece[i:])
		for k := i; k < i+size; k++ {
			orig[k] = [2]int32{int32(i), int32(i + size)}
		}
		i += size
		nchars++
	}
	toks := m.w.tokenize(nil, []byte(piece), nchars, orig)
	out := make([]modelToken, len(toks))
	for i, t := range toks {
		out[i] = modelToken{id: int64(t.id), value: m.tokens[t.id], start: int(t.start), end: int(t.end)}
	}
	return out, nil
}

func (m *wordPieceModel) tokenToID(tok string) (int64, bool) {
	id, ok := m.w.vocab[tok]
	return int64(id), ok
}

func (m *wordPieceModel) idToToken(id int64) (string, bool) {
	if id < 0 || id >= int64(len(m.tokens)) || m.tokens[id] == "" {
		return "", false
	}
	return m.tokens[id], true
}

func (m *wordPieceModel) vocabSize() int { return len(m.w.vocab) }
