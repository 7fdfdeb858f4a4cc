// Package lexical is an in-memory BM25 index, one per collection, used for the
// lexical and hybrid search modes and for negative-constraint matching.
//
// # Analyzer
//
// Analyze turns text into index terms: words are cut at Unicode (UAX #29) word
// boundaries, lowercased, stripped of combining accents ("café" → "cafe"),
// English stop words are dropped and Latin words are reduced by the Snowball
// (Porter 2) English stemmer. Numbers are kept; CJK ideographs come out one
// character per term, as the segmenter emits them.
//
// # Scoring
//
// For a query with terms t (repeated terms count once per occurrence) and a
// document d of dl terms, in a collection of N documents whose mean length is avgdl:
//
//	score(d) = Σ_t idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·dl/avgdl))
//	idf(t)   = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
//
// idf is Lucene's, which never goes negative. Defaults: k1 = 1.2, b = 0.75.
// Results are ordered by score, higher first, ties by ascending key.
//
// # Lifecycle
//
// New builds an empty index; Upsert and Delete keep the postings, document
// lengths and the total length up to date incrementally, so scores after any
// sequence of edits equal those of an index built fresh from the final texts.
// Save writes an atomic, checksummed snapshot (see persist.go for the byte
// layout) and Load reads one back. An Index is safe for concurrent use.
package lexical
