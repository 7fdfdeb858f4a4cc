package embed

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
)

// unigramUnkPenalty is what Hugging Face (and SentencePiece) subtract from the lowest
// vocabulary score to score an unknown character.
const unigramUnkPenalty = 10.0

// unigramModel is tokenizer.json's "Unigram" model (SentencePiece unigram): the Viterbi
// best segmentation of a piece under the vocabulary's log-probability scores, with
// Hugging Face's encode_optimized tie-breaking, unknown characters scored min_score-10 and
// fused when consecutive, and optional <0xNN> byte fallback for unknown runs.
type unigramModel struct {
	pieces       []string
	scores       []float64
	ids          map[string]int64 // last id wins on duplicates, as in Hugging Face
	unkID        int64            // -1 when the model has none
	unkScore     float64
	byteFallback bool
	byteIDs      [256]int64 // id of <0xNN>, -1 when absent
	trie         byteTrie
	scratch      sync.Pool // *unigramLattice
}

// unigramLattice is the per-call Viterbi state, pooled so tokenizing does not allocate
// tables for every piece.
type unigramLattice struct {
	score []float64
	start []int32
	id    []int32
}

// parseUnigramModel reads {"type":"Unigram","unk_id":3,"vocab":[["<s>",0.0],...],
// "byte_fallback":false}.
func parseUnigramModel(raw json.RawMessage) (tokenModel, error) {
	var spec struct {
		UnkID        *int64            `json:"unk_id"`
		Vocab        []json.RawMessage `json:"vocab"`
		ByteFallback bool              `json:"byte_fallback"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("unigram model: %w", err)
	}
	if len(spec.Vocab) == 0 {
		return nil, fmt.Errorf("unigram model: vocab is empty")
	}
	pieces := make([]string, len(spec.Vocab))
	scores := make([]float64, len(spec.Vocab))
	for i, entry := range spec.Vocab {
		var pair []json.RawMessage
		if err := json.Unmarshal(entry, &pair); err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("unigram model: vocab entry %d is not a [piece, score] pair", i)
		}
		if err := json.Unmarshal(pair[0], &pieces[i]); err != nil {
			return nil, fmt.Errorf("unigram model: vocab entry %d: piece: %w", i, err)
		}
		if err := json.Unmarshal(pair[1], &scores[i]); err != nil {
			return nil, fmt.Errorf("unigram model: vocab entry %d: score: %w", i, err)
		}
	}
	unk := int64(-1)
	if spec.UnkID != nil {
		unk = *spec.UnkID
		if unk < 0 || unk >= int64(len(pieces)) {
			return nil, fmt.Errorf("unigram model: unk_id %d is outside the vocab of %d pieces", unk, len(pieces))
		}
	}
	return newUnigramModel(pieces, scores, unk, spec.ByteFallback)
}

// newUnigramModel builds the model from parallel pieces and scores.
func newUnigramModel(pieces []string, scores []float64, unkID int64, byteFallback bool) (*unigramModel, error) {
	if len(pieces) > math.MaxInt32 {
		return nil, fmt.Errorf("unigram model: vocab of %d pieces is too large", len(pieces))
	}
	m := &unigramModel{
		pieces:       pieces,
		scores:       scores,
		ids:          make(map[string]int64, len(pieces)),
		unkID:        unkID,
		byteFallback: byteFallback,
	}
	minScore := math.Inf(1)
	for i, p := range pieces {
		m.ids[p] = int64(i)
		if scores[i] < minScore {
			minScore = scores[i]
		}
	}
	m.unkScore = minScore - unigramUnkPenalty
	for b := range m.byteIDs {
		m.byteIDs[b] = -1
		if id, ok := m.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.byteIDs[b] = id
		}
	}
	m.trie = newByteTrie(pieces, m.ids)
	m.scratch.New = func() any { return &unigramLattice{} }
	return m, nil
}

func (m *unigramModel) tokenToID(token string) (int64, bool) {
	id, ok := m.ids[token]
	return id, ok
}

func (m *unigramModel) idToToken(id int64) (string, bool) {
	if id < 0 || id >= int64(len(m.pieces)) {
		return "", false
	}
	return m.pieces[id], true
}

func (m *unigramModel) vocabSize() int { return len(m.pieces) }

func (m *unigramModel) tokenize(piece string) ([]modelToken, error) {
	if piece == "" {
		return nil, nil
	}
	n := len(piece)
	lat := m.scratch.Get().(*unigramLattice)
	defer m.scratch.Put(lat)
	if cap(lat.score) < n+1 {
		lat.score = make([]float64, n+1)
		lat.start = make([]int32, n+1)
		lat.id = make([]int32, n+1)
	}
	score, start, id := lat.score[:n+1], lat.start[:n+1], lat.id[:n+1]
	for i := range start {
		start[i] = -1
		score[i] = 0
	}
	for pos := 0; pos < n; {
		here := score[pos]
		width := utf8Width(piece, pos)
		single := false
		// Walk the trie along piece[pos:]; every node holding a piece is a candidate.
		node := m.trie.root(piece[pos])
		for k := pos; node >= 0; {
			if tid := m.trie.value[node]; tid >= 0 {
				end := k + 1
				cand := m.scores[tid] + here
				if start[end] < 0 || cand > score[end] {
					score[end], start[end], id[end] = cand, int32(pos), tid
				}
				if end-pos == width {
					single = true
				}
			}
			k++
			if k >= n {
				break
			}
			node = m.trie.child(node, piece[k])
		}
		if !single {
			end := pos + width
			cand := m.unkScore + here
			if start[end] < 0 || cand > score[end] {
				if m.unkID < 0 {
					return nil, fmt.Errorf("unigram model: %q has no piece and the model has no unk_id", piece[pos:end])
				}
				score[end], start[end], id[end] = cand, int32(pos), int32(m.unkID)
			}
		}
		pos += width
	}
	// Backtrack, fusing runs of unknowns into one string as Hugging Face does.
	count := 0
	for end := n; end > 0; end = int(start[end]) {
		count++
	}
	spans := make([][2]int32, 0, count)
	for end := int32(n); end > 0; {
		s := start[end]
		if id[end] == int32(m.unkID) && len(spans) > 0 && id[spans[len(spans)-1][1]] == int32(m.unkID) {
			spans[len(spans)-1][0] = s
		} else {
			spans = append(spans, [2]int32{s, end})
		}
		end = s
	}
	tokens := make([]modelToken, 0, len(spans))
	for i := len(spans) - 1; i >= 0; i-- {
		s, e := int(spans[i][0]), int(spans[i][1])
		str := piece[s:e]
		if tid, ok := m.ids[str]; ok {
			tokens = append(tokens, modelToken{id: tid, value: str, start: s, end: e})
			continue
		}
		if m.byteFallback && m.hasBytes(str) {
			for j := 0; j < len(str); j++ {
				b := str[j]
				tokens = append(tokens, modelToken{id: m.byteIDs[b], value: m.pieces[m.byteIDs[b]], start: s, end: e})
			}
			continue
		}
		if m.unkID < 0 {
			return nil, fmt.Errorf("unigram model: %q has no piece and the model has no unk_id", str)
		}
		tokens = append(tokens, modelToken{id: m.unkID, value: str, start: s, end: e})
	}
	return tokens, nil
}

// hasBytes reports whether every byte of s has a <0xNN> piece.
func (m *unigramModel) hasBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if m.byteIDs[s[i]] < 0 {
			return false
		}
	}
	return true
}

// utf8Width is the byte length of the UTF-8 sequence starting at s[i] (1 for a stray
// byte), like Rust's char len_utf8 on valid text.
func utf8Width(s string, i int) int {
	c := s[i]
	w := 1
	switch {
	case c >= 0xF0:
		w = 4
	case c >= 0xE0:
		w = 3
	case c >= 0xC0:
		w = 2
	}
	if i+w > len(s) {
		return 1
	}
	for k := 1; k < w; k++ {
		if s[i+k]&0xC0 != 0x80 {
			return 1
		}
	}
	return w
}
