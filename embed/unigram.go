package embed

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
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
	cache        unigramCache
}

// unigramCacheSize and unigramCacheMaxPiece bound the per-model cache of tokenized
// pieces: like Hugging Face's 10,000-entry Unigram cache it fills up and then stays as
// it is; pieces longer than the limit are never cached.
const (
	unigramCacheSize     = 10000
	unigramCacheMaxPiece = 64
)

// unigramCache remembers the tokens of frequent pieces (words repeat a lot).
type unigramCache struct {
	mu      sync.RWMutex
	entries map[string][]modelToken
}

func (c *unigramCache) get(piece string) ([]modelToken, bool) {
	c.mu.RLock()
	toks, ok := c.entries[piece]
	c.mu.RUnlock()
	return toks, ok
}

func (c *unigramCache) put(piece string, toks []modelToken) {
	c.mu.Lock()
	if len(c.entries) < unigramCacheSize {
		c.entries[piece] = toks
	}
	c.mu.Unlock()
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
		UnkID        *int64  `json:"unk_id"`
		Vocab        [][]any `json:"vocab"`
		ByteFallback bool    `json:"byte_fallback"`
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
		var ok1, ok2 bool
		if len(entry) == 2 {
			pieces[i], ok1 = entry[0].(string)
			scores[i], ok2 = entry[1].(float64)
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("unigram model: vocab entry %d is not a [piece, score] pair", i)
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
	m.cache.entries = make(map[string][]modelToken)
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

// tokenize returns the best segmentation of piece. The result may be shared with other
// callers through the cache: read it, never modify it.
func (m *unigramModel) tokenize(piece string) ([]modelToken, error) {
	if piece == "" {
		return nil, nil
	}
	if len(piece) > unigramCacheMaxPiece {
		return m.viterbi(piece)
	}
	if toks, ok := m.cache.get(piece); ok {
		return toks, nil
	}
	toks, err := m.viterbi(piece)
	if err == nil {
		m.cache.put(piece, toks)
	}
	return toks, err
}

// viterbi is tokenize without the cache.
func (m *unigramModel) viterbi(piece string) ([]modelToken, error) {
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
	// Backtrack, fusing runs of unknowns into one string as Hugging Face does. A known
	// piece's id is the lattice's (Hugging Face looks the same string up again); a fused
	// unknown run is looked up whole, then sent to byte fallback or <unk>.
	count := 0
	for end := n; end > 0; end = int(start[end]) {
		count++
	}
	tokens := make([]modelToken, 0, count)
	unk := int32(m.unkID)
	for end := n; end > 0; {
		s := int(start[end])
		if id[end] != unk {
			tokens = append(tokens, modelToken{id: int64(id[end]), value: piece[s:end], start: s, end: end})
			end = s
			continue
		}
		for s > 0 && id[s] == unk {
			s = int(start[s])
		}
		var err error
		if tokens, err = m.appendUnknown(tokens, piece, s, end); err != nil {
			return nil, err
		}
		end = s
	}
	slices.Reverse(tokens)
	return tokens, nil
}

// appendUnknown appends the tokens of the fused unknown run piece[s:e] in reverse
// order: its own id if the whole run is a piece, its bytes under byte fallback, else
// <unk> carrying the run's text.
func (m *unigramModel) appendUnknown(tokens []modelToken, piece string, s, e int) ([]modelToken, error) {
	str := piece[s:e]
	if tid, ok := m.ids[str]; ok {
		return append(tokens, modelToken{id: tid, value: str, start: s, end: e}), nil
	}
	if m.byteFallback && m.hasBytes(str) {
		for j := len(str) - 1; j >= 0; j-- {
			bid := m.byteIDs[str[j]]
			tokens = append(tokens, modelToken{id: bid, value: m.pieces[bid], start: s, end: e})
		}
		return tokens, nil
	}
	if m.unkID < 0 {
		return nil, fmt.Errorf("unigram model: %q has no piece and the model has no unk_id", str)
	}
	return append(tokens, modelToken{id: m.unkID, value: str, start: s, end: e}), nil
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
