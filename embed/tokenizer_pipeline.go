package embed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"unicode/utf8"
)

// PipelineTokenizer is the general pure-Go tokenizer for a Hugging Face tokenizer.json:
// added tokens, then normalizer → pre-tokenizer → model (BPE, WordPiece, Unigram) →
// post-processor, with HF's truncation, byte offsets into the original text, type ids
// and special-token masks. BERT files get the faster BertTokenizer instead.
// It is read-only after construction (the BPE word cache locks) and safe for
// concurrent use.
type PipelineTokenizer struct {
	entries      []addedEntry
	rawTrie      addedTrie // added tokens with normalized=false, matched on the input
	normTrie     addedTrie // normalized=true, matched on the normalized text
	hasNorm      bool      // normTrie holds tokens
	addedIDs     map[string]int32
	normalizer   textNormalizer // nil: none
	pre          preTokenizer   // nil: none
	model        tokenModel
	post         pipelinePost
	maxLength    int
	truncateLeft bool
	strategy     truncationStrategy
	tokens       []string // id → token string, added tokens included
}

// ptoken is a token of one sequence before post-processing: original byte offsets,
// and whether it is an added token (whose string is the matched text).
type ptoken struct {
	id         int32
	start, end int32
	added      bool
}

// newPipelineTokenizer builds the general tokenizer from a tokenizer.json.
func newPipelineTokenizer(data []byte, maxLength int) (*PipelineTokenizer, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	t := &PipelineTokenizer{addedIDs: make(map[string]int32, len(tj.AddedTokens))}
	var err error
	if t.model, err = parseModel(tj.Model); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if t.normalizer, err = parseNormalizer(tj.Normalizer); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if t.pre, err = parsePreTokenizer(tj.PreTokenizer); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if t.post, err = parsePipelinePost(tj.PostProcessor); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}

	maxID := int64(t.model.vocabSize() - 1)
	for _, at := range tj.AddedTokens {
		switch {
		case at.Content == "":
			return nil, fmt.Errorf("tokenizer.json: added token %d has empty content", at.ID)
		case at.ID < 0 || at.ID > math.MaxInt32-1:
			return nil, fmt.Errorf("tokenizer.json: added token %q has id %d out of range", at.Content, at.ID)
		}
		t.entries = append(t.entries, addedEntry{content: at.Content, id: int32(at.ID), singleWord: at.SingleWord,
			lstrip: at.LStrip, rstrip: at.RStrip, special: at.Special})
		t.addedIDs[at.Content] = int32(at.ID)
		maxID = max(maxID, int64(at.ID))
	}
	// Non-normalized tokens match the raw input; normalized ones match the normalized
	// text by their normalized content (HF's refresh_added_tokens).
	normalized := make([]string, len(t.entries))
	for i, at := range tj.AddedTokens {
		normalized[i] = ""
		if at.Normalized {
			c := at.Content
			if t.normalizer != nil {
				n, err := t.normalizer.normalize(newNormalizedText(c, 0))
				if err != nil {
					return nil, fmt.Errorf("tokenizer.json: added token %q: %w", c, err)
				}
				c = n.text
			}
			normalized[i] = c
			t.hasNorm = t.hasNorm || c != ""
		}
	}
	rawContents := make([]addedEntry, len(t.entries))
	normContents := make([]addedEntry, len(t.entries))
	for i, e := range t.entries {
		rawContents[i], normContents[i] = e, e
		if tj.AddedTokens[i].Normalized {
			rawContents[i].content = ""
		}
		normContents[i].content = normalized[i]
	}
	content := func(e addedEntry) string { return e.content }
	t.rawTrie = newAddedTrie(rawContents, content)
	t.normTrie = newAddedTrie(normContents, content)

	for _, p := range append(append([]templatePiece{}, t.post.spec.single...), t.post.spec.pair...) {
		for _, id := range p.ids {
			maxID = max(maxID, int64(id))
		}
	}
	t.tokens = make([]string, maxID+1)
	for id := range t.tokens {
		if s, ok := t.model.idToToken(int64(id)); ok {
			t.tokens[id] = s
		}
	}
	for _, e := range t.entries {
		t.tokens[e.id] = e.content
	}

	if tr := tj.Truncation; tr != nil {
		switch tr.Strategy {
		case "", "LongestFirst":
		case "OnlyFirst":
			t.strategy = onlyFirst
		case "OnlySecond":
			t.strategy = onlySecond
		default:
			return nil, fmt.Errorf("tokenizer.json: unsupported truncation strategy %q", tr.Strategy)
		}
		switch tr.Direction {
		case "", "Right":
		case "Left":
			t.truncateLeft = true
		default:
			return nil, fmt.Errorf("tokenizer.json: unsupported truncation direction %q", tr.Direction)
		}
		if tr.MaxLength < 0 {
			return nil, fmt.Errorf("tokenizer.json: negative truncation max_length %d", tr.MaxLength)
		}
		if maxLength <= 0 {
			maxLength = tr.MaxLength
		}
	}
	if maxLength <= 0 {
		maxLength = defaultMaxLength
	}
	if n := numSpecialIn(t.post.spec.single); maxLength <= n {
		return nil, fmt.Errorf("max length %d leaves no room beside %d special tokens", maxLength, n)
	}
	t.maxLength = maxLength
	return t, nil
}

// parseModel builds the tokenizer.json model. Files without a "type" are recognised
// by their fields, as HF's untagged deserialisation does.
func parseModel(raw json.RawMessage) (tokenModel, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, fmt.Errorf("no model")
	}
	var probe struct {
		Type   string          `json:"type"`
		Merges json.RawMessage `json:"merges"`
		Vocab  json.RawMessage `json:"vocab"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	typ := probe.Type
	if typ == "" {
		switch {
		case probe.Merges != nil:
			typ = "BPE"
		case bytes.HasPrefix(bytes.TrimSpace(probe.Vocab), []byte("[")):
			typ = "Unigram"
		default:
			typ = "WordPiece"
		}
	}
	switch typ {
	case "BPE":
		return parseBPEModel(raw)
	case "WordPiece":
		return parseWordPieceModel(raw)
	case "Unigram":
		return parseUnigramModel(raw)
	default:
		return nil, fmt.Errorf("unsupported model type %q (BPE, WordPiece and Unigram are supported)", typ)
	}
}

// MaxLength is the truncation limit, special tokens included.
func (t *PipelineTokenizer) MaxLength() int { return t.maxLength }

// VocabSize is one more than the largest id the tokenizer can produce.
func (t *PipelineTokenizer) VocabSize() int { return len(t.tokens) }

// Tokens returns the token strings of ids ("" for unknown ids).
func (t *PipelineTokenizer) Tokens(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if id >= 0 && id < int64(len(t.tokens)) {
			out[i] = t.tokens[id]
		}
	}
	return out
}

// TokenToID returns the id of a vocabulary or added token.
func (t *PipelineTokenizer) TokenToID(tok string) (int64, bool) {
	if id, ok := t.addedIDs[tok]; ok {
		return int64(id), true
	}
	return t.model.tokenToID(tok)
}

// Encode tokenizes text with special tokens and truncation to MaxLength.
func (t *PipelineTokenizer) Encode(text string) (Encoding, error) {
	return t.EncodeWith(text, true)
}

// EncodeWith is Encode with the post-processor's special tokens on or off; without
// them the whole MaxLength budget goes to the text.
func (t *PipelineTokenizer) EncodeWith(text string, addSpecialTokens bool) (Encoding, error) {
	if len(text) > math.MaxInt32 {
		return Encoding{}, fmt.Errorf("embed: text of %d bytes is too long to tokenize (offsets are 32-bit)", len(text))
	}
	budget := t.maxLength
	if addSpecialTokens {
		budget -= numSpecialIn(t.post.spec.single)
	}
	limit := budget + 1
	if t.truncateLeft {
		limit = -1
	}
	toks, err := t.encodeSequence(text, limit)
	if err != nil {
		return Encoding{}, fmt.Errorf("embed: tokenize: %w", err)
	}
	truncated := len(toks) > budget
	toks = cutTokens(toks, budget, t.truncateLeft)
	return buildTemplate(t.post.spec.single, [2][]token{t.finish(toks, text), nil}, addSpecialTokens, truncated), nil
}

// EncodePair encodes a pair with the post-processor's pair template and HF's
// truncation strategy (LongestFirst unless tokenizer.json says otherwise) to MaxLength.
func (t *PipelineTokenizer) EncodePair(first, second string) (Encoding, error) {
	if len(first) > math.MaxInt32 || len(second) > math.MaxInt32 {
		return Encoding{}, fmt.Errorf("embed: pair of %d and %d bytes is too long to tokenize (offsets are 32-bit)", len(first), len(second))
	}
	if t.post.spec.pair == nil {
		return Encoding{}, fmt.Errorf("embed: tokenizer.json's post_processor has no pair template, so it cannot encode pairs")
	}
	budget := t.maxLength - numSpecialIn(t.post.spec.pair)
	// No early stop: which sequence LongestFirst cuts more depends on their full
	// lengths (the longer one gets the odd token), so both are tokenized to the end.
	limit := -1
	a, err := t.encodeSequence(first, limit)
	if err != nil {
		return Encoding{}, fmt.Errorf("embed: tokenize: %w", err)
	}
	b, err := t.encodeSequence(second, limit)
	if err != nil {
		return Encoding{}, fmt.Errorf("embed: tokenize: %w", err)
	}
	k1, k2, ok := pairLengths(len(a), len(b), budget, t.strategy)
	if !ok {
		return Encoding{}, fmt.Errorf("embed: pair does not fit in %d tokens with truncation strategy only_first/only_second; shorten the texts", t.maxLength)
	}
	truncated := k1 < len(a) || k2 < len(b)
	a, b = cutTokens(a, k1, t.truncateLeft), cutTokens(b, k2, t.truncateLeft)
	return buildTemplate(t.post.spec.pair, [2][]token{t.finish(a, first), t.finish(b, second)}, true, truncated), nil
}

// finish applies the post-processor's offset trimming and drops the added flags.
func (t *PipelineTokenizer) finish(toks []ptoken, text string) []token {
	out := make([]token, len(toks))
	for i, p := range toks {
		out[i] = token{id: p.id, start: p.start, end: p.end}
	}
	if t.post.trimOffsets {
		i := 0
		t.post.trim(out, text, func(id int32) string {
			p := toks[i]
			i++
			if p.added {
				return text[p.start:p.end]
			}
			return t.tokens[id]
		})
	}
	return out
}

// encodeSequence runs one text through added tokens, normalizer, pre-tokenizer and
// model. It stops once limit tokens are found (limit < 0: never).
func (t *PipelineTokenizer) encodeSequence(text string, limit int) ([]ptoken, error) {
	base := newNormalizedText(text, 0)
	if !utf8.ValidString(text) {
		// Invalid bytes read as U+FFFD, each keeping its own byte's offsets.
		base = mapRunes(base, func(dst []rune, r rune) []rune { return append(dst, r) })
	}
	var toks []ptoken
	full := func() bool { return limit >= 0 && len(toks) >= limit }
	var rawSplits, normSplits []addedSplit
	rawSplits = findAdded(&t.rawTrie, t.entries, base.text, rawSplits)
	for _, rs := range rawSplits {
		if full() {
			break
		}
		piece := base.slice(rs.start, rs.end)
		if rs.entry >= 0 {
			sp := piece.span(0, len(piece.text))
			toks = append(toks, ptoken{id: t.entries[rs.entry].id, start: int32(sp[0]), end: int32(sp[1]), added: true})
			continue
		}
		if t.normalizer != nil {
			var err error
			if piece, err = t.normalizer.normalize(piece); err != nil {
				return nil, err
			}
		}
		normSplits = normSplits[:0]
		if t.hasNorm {
			normSplits = findAdded(&t.normTrie, t.entries, piece.text, normSplits)
		} else {
			normSplits = append(normSplits, addedSplit{0, len(piece.text), -1})
		}
		for _, ns := range normSplits {
			if full() {
				break
			}
			sub := piece.slice(ns.start, ns.end)
			if ns.entry >= 0 {
				sp := sub.span(0, len(sub.text))
				toks = append(toks, ptoken{id: t.entries[ns.entry].id, start: int32(sp[0]), end: int32(sp[1]), added: true})
				continue
			}
			if sub.text == "" {
				continue
			}
			pieces := []normalizedText{sub}
			if t.pre != nil {
				var err error
				if pieces, err = t.pre.preTokenize(pieces); err != nil {
					return nil, err
				}
			}
			for _, p := range pieces {
				if full() {
					break
				}
				mt, err := t.model.tokenize(p.text)
				if err != nil {
					return nil, err
				}
				for _, m := range mt {
					sp := p.span(m.start, m.end)
					toks = append(toks, ptoken{id: int32(m.id), start: int32(sp[0]), end: int32(sp[1])})
				}
			}
		}
	}
	return toks, nil
}

var _ FullTokenizer = (*PipelineTokenizer)(nil)
