package lexical

import (
	"sync"
)

// Options tunes BM25. Zero fields take the defaults.
type Options struct {
	// K1 is the term-frequency saturation (default 1.2); must be > 0.
	K1 float64
	// B is the document-length normalisation in (0, 1] (default 0.75).
	B float64
}

// Default BM25 parameters, Lucene's and Elasticsearch's.
const (
	DefaultK1 = 1.2
	DefaultB  = 0.75
)

// withDefaults replaces zero, NaN or out-of-range fields with the defaults.
func (o Options) withDefaults() Options {
	if !(o.K1 > 0) {
		o.K1 = DefaultK1
	}
	if !(o.B > 0 && o.B <= 1) {
		o.B = DefaultB
	}
	return o
}

// termFreq is one distinct term of a document and its count there.
type termFreq struct {
	term string
	tf   uint32
}

// postingList holds the documents containing one term, unordered, as dense
// document ids with their term frequencies (parallel slices, so scoring walks
// contiguous memory).
type postingList struct {
	term string
	docs []uint32
	tfs  []uint32
}

// remove drops doc from the list (swap with the last entry).
func (p *postingList) remove(doc uint32) {
	for i, d := range p.docs {
		if d == doc {
			last := len(p.docs) - 1
			p.docs[i], p.tfs[i] = p.docs[last], p.tfs[last]
			p.docs, p.tfs = p.docs[:last], p.tfs[:last]
			return
		}
	}
}

// document is what the index remembers of one live document: enough to remove
// it again and to compute its length norm.
type document struct {
	key    uint64
	length int // number of terms after analysis
	terms  []termFreq
	live   bool
}

// Index is a BM25 inverted index keyed by caller-chosen uint64 keys.
// It is safe for concurrent use.
//
// Keys map to dense internal document ids (reused after deletes) so that
// postings and per-query score accumulators are plain slices.
type Index struct {
	opts Options

	mu       sync.RWMutex
	ids      map[uint64]uint32       // key → dense id
	docs     []document              // by dense id; !live entries are on free
	free     []uint32                // dense ids available for reuse
	postings map[string]*postingList // term → postings
	totalLen int64                   // Σ document lengths, for avgdl

	scratch sync.Pool // *accumulator, reused across searches
}

// New returns an empty index. Zero option fields take the defaults (k1 1.2, b 0.75).
func New(opts Options) *Index {
	return &Index{
		opts:     opts.withDefaults(),
		ids:      make(map[uint64]uint32),
		postings: make(map[string]*postingList),
	}
}

// Options returns the BM25 parameters in effect.
func (ix *Index) Options() Options { return ix.opts }

// Upsert indexes text under key, replacing any previous text of key.
// Text that analyzes to no terms still counts as a (never matching) document.
func (ix *Index) Upsert(key uint64, text string) {
	doc := newDocument(key, Analyze(text))
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(key)
	ix.addLocked(doc)
}

// newDocument counts terms, keeping first-seen order for deterministic snapshots.
func newDocument(key uint64, terms []string) document {
	counts := make(map[string]int, len(terms))
	doc := document{key: key, length: len(terms), live: true}
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
func (ix *Index) addLocked(doc document) {
	var id uint32
	if n := len(ix.free); n > 0 {
		id = ix.free[n-1]
		ix.free = ix.free[:n-1]
	} else {
		id = uint32(len(ix.docs))
		ix.docs = append(ix.docs, document{})
	}
	for i, t := range doc.terms {
		p, ok := ix.postings[t.term]
		if !ok {
			p = &postingList{term: t.term}
			ix.postings[t.term] = p
		}
		// Share the dictionary's copy of the string, not one per document.
		doc.terms[i].term = p.term
		p.docs = append(p.docs, id)
		p.tfs = append(p.tfs, t.tf)
	}
	ix.docs[id] = doc
	ix.ids[doc.key] = id
	ix.totalLen += int64(doc.length)
}

// removeLocked drops key's document; an unknown key is a no-op.
func (ix *Index) removeLocked(key uint64) {
	id, ok := ix.ids[key]
	if !ok {
		return
	}
	doc := &ix.docs[id]
	for _, t := range doc.terms {
		p := ix.postings[t.term]
		p.remove(id)
		if len(p.docs) == 0 {
			delete(ix.postings, t.term)
		}
	}
	ix.totalLen -= int64(doc.length)
	*doc = document{}
	delete(ix.ids, key)
	ix.free = append(ix.free, id)
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
	return len(ix.ids)
}

// Terms is the number of distinct terms in the dictionary.
func (ix *Index) Terms() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.postings)
}
