package embed

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// defaultMaxLength is the truncation limit when neither the caller nor tokenizer.json sets one.
const defaultMaxLength = 512

// BertTokenizer is the pure-Go tokenizer for the BERT family: it reads a Hugging Face
// tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing or
// BertProcessing) and produces the same ids and offsets as the Rust library.
// It is read-only after construction and safe for concurrent use.
type BertTokenizer struct {
	norm         *bertNormalizer // nil: text is not normalized
	model        *wordPiece
	tmpl         template
	added        addedMatcher
	maxLength    int
	truncateLeft bool
	tokens       []string // id → token, "" where no token has the id
	scratch      sync.Pool
}

// scratch holds one Encode call's working buffers; BertTokenizer pools them.
type scratch struct {
	toks      []token
	runes     []rune
	word      []byte
	origStart []int32
	origEnd   []int32
	nchars    int
}

// NewTokenizerFromJSON returns the pure-Go tokenizer for a tokenizer.json's contents,
// truncating to maxLength tokens (≤ 0: tokenizer.json's truncation max_length, else 512).
func NewTokenizerFromJSON(data []byte, maxLength int) (Tokenizer, error) {
	return NewBertTokenizer(data, maxLength)
}

// NewBertTokenizer is NewTokenizerFromJSON returning the concrete type, which also
// offers VocabSize, Tokens and EncodeWith.
func NewBertTokenizer(data []byte, maxLength int) (*BertTokenizer, error) {
	t, err := newBertTokenizer(data, maxLength)
	if err != nil {
		return nil, fmt.Errorf("embed: %w", err)
	}
	return t, nil
}

// newBertTokenizer builds the tokenizer; its errors lack the package prefix so that
// callers can add their own context.
func newBertTokenizer(data []byte, maxLength int) (*BertTokenizer, error) {
	cfg, err := parseTokenizerJSON(data)
	if err != nil {
		return nil, err
	}
	if maxLength <= 0 {
		maxLength = cfg.truncLength
	}
	if maxLength <= 0 {
		maxLength = defaultMaxLength
	}
	if maxLength <= cfg.template.numSpecial() {
		return nil, fmt.Errorf("max length %d leaves no room beside %d special tokens", maxLength, cfg.template.numSpecial())
	}
	t := &BertTokenizer{
		norm:         cfg.normalizer,
		model:        cfg.model,
		tmpl:         cfg.template,
		added:        newAddedMatcher(cfg.added),
		maxLength:    maxLength,
		truncateLeft: cfg.truncateLeft,
	}
	t.scratch.New = func() any { return new(scratch) }

	size := int(cfg.model.maxID) + 1
	for _, a := range cfg.added {
		size = max(size, int(a.id)+1)
	}
	for _, s := range slices.Concat(cfg.template.prefix, cfg.template.suffix) {
		size = max(size, int(s.id)+1)
	}
	t.tokens = make([]string, size)
	for tok, id := range cfg.model.vocab {
		t.tokens[id] = tok
	}
	for _, a := range cfg.added {
		t.tokens[a.id] = a.content
	}
	return t, nil
}

// MaxLength is the truncation limit, special tokens included.
func (t *BertTokenizer) MaxLength() int { return t.maxLength }

// VocabSize is one more than the largest id the tokenizer can produce.
func (t *BertTokenizer) VocabSize() int { return len(t.tokens) }

// Tokens returns the token strings of ids, for debugging; unknown ids give "".
func (t *BertTokenizer) Tokens(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if id >= 0 && id < int64(len(t.tokens)) {
			out[i] = t.tokens[id]
		}
	}
	return out
}

// Encode tokenizes text with special tokens and truncation to MaxLength. It never
// fails on user data: invalid UTF-8 bytes are treated as U+FFFD.
func (t *BertTokenizer) Encode(text string) (Encoding, error) {
	return t.EncodeWith(text, true)
}

// EncodeWith is Encode with the special tokens optional; without them the whole
// MaxLength budget goes to the text.
func (t *BertTokenizer) EncodeWith(text string, addSpecialTokens bool) (Encoding, error) {
	budget := t.maxLength
	if addSpecialTokens {
		budget -= t.tmpl.numSpecial()
	}
	s := t.scratch.Get().(*scratch)
	defer t.scratch.Put(s)
	s.toks = s.toks[:0]

	// Right truncation keeps the first tokens, so tokenizing can stop one token past
	// the budget (that token proves the text was truncated).
	limit := budget + 1
	if t.truncateLeft {
		limit = -1
	}
	for pos := 0; pos < len(text); {
		start, end, id := t.added.next(text, pos)
		if start < 0 {
			start = len(text)
		}
		if t.encodeSegment(s, text, pos, start, limit) {
			break
		}
		if start == len(text) {
			break
		}
		s.toks = append(s.toks, token{id: id, start: int32(start), end: int32(end)})
		pos = end
		if limit >= 0 && len(s.toks) >= limit {
			break
		}
	}

	toks, truncated := s.toks, len(s.toks) > budget
	if truncated {
		if t.truncateLeft {
			toks = toks[len(toks)-budget:]
		} else {
			toks = toks[:budget]
		}
	}
	return t.tmpl.build(toks, addSpecialTokens, truncated), nil
}

// encodeSegment normalizes, pre-tokenizes and word-pieces text[lo:hi], a stretch
// without added tokens, appending to s.toks. It reports whether s.toks reached limit.
func (t *BertTokenizer) encodeSegment(s *scratch, text string, lo, hi, limit int) bool {
	s.resetWord()
	for i := lo; i < hi; {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:hi])
		}
		start, end := int32(i), int32(i+size)
		i += size

		s.runes = s.runes[:0]
		isolate := false
		if t.norm != nil {
			s.runes, isolate = t.norm.appendRune(s.runes, r)
		} else {
			s.runes = append(s.runes, r)
		}
		if isolate {
			t.flushWord(s)
		}
		for _, c := range s.runes {
			switch classifyRune(c) {
			case classSpace:
				t.flushWord(s)
			case classPunct:
				t.flushWord(s)
				s.appendRune(c, start, end)
				t.flushWord(s)
			default:
				s.appendRune(c, start, end)
			}
		}
		if isolate {
			t.flushWord(s)
		}
		if limit >= 0 && len(s.toks) >= limit {
			return true
		}
	}
	t.flushWord(s)
	return limit >= 0 && len(s.toks) >= limit
}

// flushWord runs WordPiece on the word collected so far and starts a new one.
func (t *BertTokenizer) flushWord(s *scratch) {
	if len(s.word) > 0 {
		s.toks = t.model.tokenize(s.toks, s.word, s.nchars, s.origStart, s.origEnd)
	}
	s.resetWord()
}

func (s *scratch) resetWord() {
	s.word, s.origStart, s.origEnd, s.nchars = s.word[:0], s.origStart[:0], s.origEnd[:0], 0
}

// appendRune adds one normalized character, from original bytes [start, end), to the word.
func (s *scratch) appendRune(c rune, start, end int32) {
	n := len(s.word)
	s.word = utf8.AppendRune(s.word, c)
	for range len(s.word) - n {
		s.origStart = append(s.origStart, start)
		s.origEnd = append(s.origEnd, end)
	}
	s.nchars++
}

// addedToken is an entry of tokenizer.json's added_tokens, matched on the raw text.
type addedToken struct {
	content string
	id      int32
}

// addedMatcher finds added tokens in raw text, leftmost-longest and case-sensitive,
// as HF's AddedVocabulary does for tokens with normalized=false.
type addedMatcher struct {
	tokens []addedToken // longest first
	first  [256]bool    // first bytes of the tokens
}

func newAddedMatcher(tokens []addedToken) addedMatcher {
	m := addedMatcher{tokens: slices.Clone(tokens)}
	slices.SortStableFunc(m.tokens, func(a, b addedToken) int { return cmp.Compare(len(b.content), len(a.content)) })
	for _, tk := range m.tokens {
		m.first[tk.content[0]] = true
	}
	return m
}

// next returns the leftmost-longest added token in text at or after from, or start -1.
func (m *addedMatcher) next(text string, from int) (start, end int, id int32) {
	if len(m.tokens) == 0 {
		return -1, -1, 0
	}
	for i := from; i < len(text); i++ {
		if !m.first[text[i]] {
			continue
		}
		for _, tk := range m.tokens {
			if strings.HasPrefix(text[i:], tk.content) {
				return i, i + len(tk.content), tk.id
			}
		}
	}
	return -1, -1, 0
}
