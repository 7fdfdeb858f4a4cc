package embed

import (
	"cmp"
	"fmt"
	"math"
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
	spec         templateSpec // single and pair templates
	strategy     truncationStrategy
	added        addedMatcher
	addedIDs     map[string]int32
	maxLength    int
	truncateLeft bool
	tokens       []string // id → token, "" where no token has the id
	scratch      sync.Pool
}

// scratch holds one Encode call's working buffers; BertTokenizer pools them.
type scratch struct {
	toks  []token
	runes []rune
	word  []byte
	orig  [][2]int32 // per byte of word: the original span of its character
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
		spec:         cfg.spec,
		strategy:     cfg.strategy,
		added:        newAddedMatcher(cfg.added),
		addedIDs:     make(map[string]int32, len(cfg.added)),
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
		t.addedIDs[a.content] = a.id
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

// Encode tokenizes text with special tokens and truncation to MaxLength. Invalid UTF-8
// bytes are read as U+FFFD; the only error is a text over 2 GiB.
func (t *BertTokenizer) Encode(text string) (Encoding, error) {
	return t.EncodeWith(text, true)
}

// EncodeWith is Encode with the special tokens optional; without them the whole
// MaxLength budget goes to the text.
func (t *BertTokenizer) EncodeWith(text string, addSpecialTokens bool) (Encoding, error) {
	if len(text) > math.MaxInt32 {
		return Encoding{}, fmt.Errorf("embed: text of %d bytes is too long to tokenize (offsets are 32-bit)", len(text))
	}
	budget := t.maxLength
	if addSpecialTokens {
		budget -= t.tmpl.numSpecial()
	}
	s := t.scratch.Get().(*scratch)
	defer t.release(s)
	s.toks = s.toks[:0]

	// Right truncation keeps the first tokens, so tokenizing can stop one token past
	// the budget (that token proves the text was truncated).
	limit := budget + 1
	if t.truncateLeft {
		limit = -1
	}
	t.encodeText(s, text, limit)

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

// EncodePair encodes a (query, passage) pair with the post-processor's pair template
// ([CLS] A [SEP] B [SEP], type ids 0 then 1) and Hugging Face's truncation strategy
// (LongestFirst unless tokenizer.json says otherwise) to MaxLength.
func (t *BertTokenizer) EncodePair(first, second string) (Encoding, error) {
	if len(first) > math.MaxInt32 || len(second) > math.MaxInt32 {
		return Encoding{}, fmt.Errorf("embed: pair of %d and %d bytes is too long to tokenize (offsets are 32-bit)", len(first), len(second))
	}
	if t.spec.pair == nil {
		return Encoding{}, fmt.Errorf("embed: tokenizer.json's post_processor has no pair template, so it cannot encode pairs")
	}
	budget := t.maxLength - numSpecialIn(t.spec.pair)
	s := t.scratch.Get().(*scratch)
	defer t.release(s)
	// No early stop: which sequence LongestFirst cuts more depends on their full
	// lengths (the longer one gets the odd token), so both are tokenized to the end.
	limit := -1
	s.toks = s.toks[:0]
	t.encodeText(s, first, limit)
	a := slices.Clone(s.toks)
	s.toks = s.toks[:0]
	t.encodeText(s, second, limit)
	b := s.toks
	k1, k2, ok := pairLengths(len(a), len(b), budget, t.strategy)
	if !ok {
		return Encoding{}, fmt.Errorf("embed: pair does not fit in %d tokens with truncation strategy only_first/only_second; shorten the texts", t.maxLength)
	}
	truncated := k1 < len(a) || k2 < len(b)
	a, b = cutTokens(a, k1, t.truncateLeft), cutTokens(b, k2, t.truncateLeft)
	return buildTemplate(t.spec.pair, [2][]token{a, b}, true, truncated), nil
}

// TokenToID returns the id of a vocabulary or added token.
func (t *BertTokenizer) TokenToID(tok string) (int64, bool) {
	if id, ok := t.addedIDs[tok]; ok {
		return int64(id), true
	}
	if id, ok := t.model.vocab[tok]; ok {
		return int64(id), true
	}
	return 0, false
}

// maxPooledBytes bounds the buffers kept for reuse: one huge text (a long document
// under left truncation) must not pin its buffers in the pool.
const maxPooledBytes = 1 << 20

// release returns s to the pool unless one huge text grew its buffers.
func (t *BertTokenizer) release(s *scratch) {
	if cap(s.toks)*12+cap(s.runes)*4+cap(s.word)+cap(s.orig)*8 > maxPooledBytes {
		return
	}
	t.scratch.Put(s)
}

// encodeText splits text at added tokens, then normalizes, pre-tokenizes and
// word-pieces the stretches between them, appending to s.toks; it stops once s.toks
// holds limit tokens (limit < 0: never). Added tokens are looked for inline, at each
// character start whose first byte can begin one, so the work stays proportional to the
// text actually consumed, which matters when a long document is truncated.
// The working slices live in locals while it runs: stores into them then need no GC
// write barriers, which showed up at 15% of the profile when kept in *scratch.
func (t *BertTokenizer) encodeText(s *scratch, text string, limit int) {
	toks, runes, word, orig := s.toks, s.runes, s.word[:0], s.orig[:0]
	nchars := 0
	flush := func() {
		if len(word) > 0 {
			toks = t.model.tokenize(toks, word, nchars, orig)
			word, orig, nchars = word[:0], orig[:0], 0
		}
	}
	add := func(c rune, span [2]int32) {
		n := len(word)
		word = utf8.AppendRune(word, c)
		for range len(word) - n {
			orig = append(orig, span)
		}
		nchars++
	}
	fastASCII := t.norm != nil && t.norm.cleanText
	lower := t.norm != nil && t.norm.lowercase
	stopped := false
	for i := 0; i < len(text); {
		if t.added.first[text[i]] {
			if id, n, ok := t.added.match(text[i:]); ok {
				flush()
				toks = append(toks, token{id: id, start: int32(i), end: int32(i + n)})
				i += n
				if limit >= 0 && len(toks) >= limit {
					stopped = true
					break
				}
				continue
			}
		}
		r, size := rune(text[i]), 1
		span := [2]int32{int32(i), int32(i + 1)}
		if r < utf8.RuneSelf && fastASCII {
			// ASCII under BertNormalizer: controls vanish, no accents, no CJK.
			i++
			switch {
			case r <= ' ' || r == 0x7f:
				if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
					flush() // whitespace; other controls (\v and \f too) are dropped
				}
			case isASCIIPunct(byte(r)):
				flush()
				word, orig, nchars = append(word, byte(r)), append(orig, span), 1
				flush()
			default:
				if lower && 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				word, orig, nchars = append(word, byte(r)), append(orig, span), nchars+1
			}
		} else {
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(text[i:])
				span[1] = int32(i + size)
			}
			i += size
			runes = runes[:0]
			isolate := false
			if t.norm != nil {
				runes, isolate = t.norm.appendRune(runes, r)
			} else {
				runes = append(runes, r)
			}
			if isolate {
				flush()
			}
			for _, c := range runes {
				switch classifyRune(c) {
				case classSpace:
					flush()
				case classPunct:
					flush()
					add(c, span)
					flush()
				default:
					add(c, span)
				}
			}
			if isolate {
				flush()
			}
		}
		if limit >= 0 && len(toks) >= limit {
			stopped = true
			break
		}
	}
	if !stopped {
		flush()
	}
	s.toks, s.runes, s.word, s.orig = toks, runes, word, orig
}

// addedToken is an entry of tokenizer.json's added_tokens, matched on the raw text.
type addedToken struct {
	content string
	id      int32
}

// addedMatcher finds added tokens in raw text, case-sensitive and longest first; tried
// at each position from left to right, that is HF's leftmost-longest match for tokens
// with normalized=false.
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

// match returns the longest added token that text starts with.
func (m *addedMatcher) match(text string) (id int32, n int, ok bool) {
	for _, tk := range m.tokens {
		if strings.HasPrefix(text, tk.content) {
			return tk.id, len(tk.content), true
		}
	}
	return 0, 0, false
}

var _ FullTokenizer = (*BertTokenizer)(nil)
