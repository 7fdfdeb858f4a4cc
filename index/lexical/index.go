package lexical

import (
	"sync"
)

// Options tunes BM25. Zero fields take the defaults.
type Options struct {
	// K1 is the term-frequency saturation (default 1.2); must be ≥ 0.
	K1 float64
	// B is the document-length normalisation in [0, 1] (default 0.75).
	B float64
}

// Default BM25 parameters, Lucene's and Elasticsearch's.
const (
	DefaultK1 = 1.2
	DefaultB  = 0.75
)

// withDefaults fills zero or out-of-range fields with the defaults.
func (o Options) withDefaults() Options {
	if o.K1 <= 0 || o.K1 != o.K1 {
		o.K1 = DefaultK1
	}
	if o.B <= 0 || o.B > 1 || o.B != o.B {
		o.B = DefaultB
	}
	return o
}

// termFreq is one distinct term of a document and its count there.
type termFreq struct {
	term string
	tf   uint32
}

// postingList holds the documents containing one term.
type postingList struct {
	term string
	tf   map[uint64]uint32 // key → term frequency in that document
}

// document is what the index remembers of one key: enough to remove it again
// and to compute its length norm.
type document struct {
	length int // number of terms after analysis
	terms  []termFreq
}

// Index is a BM25 inverted index keyed by caller-chosen uint64 keys.
// It is safe for concurrent use.
type Index struct {
	opts Options

	mu       sync.RWMutex
	postings map[string]*postingList // term → its postings
	docs     map[uint64]*document
	totalLen int64 // Σ document lengths, for avgdl
}

// New returns an empty index. Zero option fields take the defaults (k1 1.2, b 0.75).
func New(opts Options) *Index {
	return &Index{
		opts:     opts.withDefaults(),
		postings: make(map[string]*postingList),
		docs:     make(map[uint64]*document),
	}
}

// Options returns the BM25 parameters in effect.
func (ix *Index) Options() Options { return ix.opts }

// Upsert indexes text under key, replacing any previous text of key.
// Text that analyzes to no terms still counts as a (never matching) document.
func (ix *Index) Upsert(key uint64, text string) {
	doc := newDocument(Analyze(text))
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(key)
	ix.addLocked(key, doc)
}

// newDocument counts terms, keeping first-seen order for deterministic snapshots.
func newDocument(terms []string) *document {
	counts := make(map[string]int, len(terms))
	doc := &document{length: len(terms)}
	for _, t := range terms {
		if counts[t] == 0 {
			doc.terms = append(doc.terms, termFreq{term: t})
		}
		counts[t]++
	}
	for i := range doc.terms {
		doc.terms[i].tf = uint32(counts[doc.terms[i].term])
	}
	return doc
}

// addLocked inserts a document whose key is known to be absent.
func (ix *Index) addLocked(key uint64, doc *document) {
	for i, t := range doc.terms {
		p, ok := ix.postings[t.term]
		if !ok {
			p = &postingList{term: t.term, tf: make(map[uint64]uint32)}
			ix.postings[t.term] = p
		}
		// Share the dictionary's copy of the string, not one per document.
		doc.terms[i].term = p.term
		p.tf[key] = t.tf
	}
	ix.docs[key] = doc
	ix.totalLen += int64(doc.length)
}

// removeLocked drops key's postings; an unknown key is a no-op.
func (ix *Index) removeLocked(key uint64) {
	doc, ok := ix.docs[key]
	if !ok {
		return
	}
	for _, t := range doc.terms {
		p := ix.postings[t.term]
		delete(p.tf, key)
		if len(p.tf) == 0 {
			delete(ix.postings, t.term)
		}
	}
	delete(ix.docs, key)
	ix.totalLen -= int64(doc.length)
}

// Delete removes key; an unknown key is ignored.
func (ix *Index) Delete(key uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(key)
}

// Len is the number of indexed documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.docs)
}

// Terms is the number of distinct terms in the dictionary.
func (ix *Index) Terms() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.postings)
}
