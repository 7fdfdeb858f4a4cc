package server

import (
	"context"
	"sort"

	"github.com/instructd/instructd/server/backend"
	"github.com/instructd/instructd/server/constraints"
	"github.com/instructd/instructd/server/store"
)

// remoteSource is the searchSource of a collection held by a backend.Backend. It lives
// for one search: the hits the backend returned (with their fields when the plan needs
// them) are kept so the later stages read documents without another round trip where
// they can.
type remoteSource struct {
	b            backend.Backend
	c            *collection
	filter       *backend.Filter
	withFields   bool // hits carry title, text and metadata
	withVector   bool // hits carry the document's vector
	allowPartial bool
	chunked      bool

	entries map[string]*docEntry
	hits    map[string]backend.Hit
	missing []string
}

// newRemoteSource prepares one planned search on the backend. Fields are fetched with
// the hits when the response (any include), the constraints or the rerank stage will
// read them, and always in a chunked collection (a passage hit carries its text).
func (s *Server) newRemoteSource(c *collection, p *searchPlan, allowPartial bool) *remoteSource {
	r := &remoteSource{b: s.remote.b, c: c, allowPartial: allowPartial, chunked: c.spec.Chunking != nil,
		entries: map[string]*docEntry{}, hits: map[string]backend.Hit{}}
	if p.filter != nil {
		r.filter = backendFilter(p.filter)
	}
	r.withFields = len(p.include) > 0 || len(p.exclude) > 0 || p.rerank != nil || r.chunked
	r.withVector = p.include["vector"]
	return r
}

func (r *remoteSource) dense(ctx context.Context, qvec []float32, n int, p *searchPlan) ([]candidate, error) {
	return r.side(ctx, backend.Query{Vector: qvec, K: n, Ef: p.ef})
}

func (r *remoteSource) lexical(ctx context.Context, query string, n int, _ *searchPlan) ([]candidate, error) {
	if query == "" {
		return nil, nil
	}
	return r.side(ctx, backend.Query{Text: query, K: n})
}

// side runs one backend query and turns its hits into candidates, one docEntry per
// document across both sides of a hybrid search (fusion matches them by pointer).
func (r *remoteSource) side(ctx context.Context, q backend.Query) ([]candidate, error) {
	q.Filter, q.WithFields, q.WithVector, q.AllowPartial = r.filter, r.withFields, r.withVector, r.allowPartial
	res, err := r.b.Search(ctx, r.c.name, q)
	if err != nil {
		return nil, err
	}
	if res.Partial {
		r.missing = append(r.missing, res.Missing...)
	}
	out := make([]candidate, 0, len(res.Hits))
	for _, h := range res.Hits {
		e := r.entries[h.ID]
		if e == nil {
			e = &docEntry{id: h.ID, key: uint64(len(r.entries)), meta: h.Metadata}
			r.entries[h.ID] = e
		}
		if _, ok := r.hits[h.ID]; !ok || h.Passage >= 0 {
			r.hits[h.ID] = h // a passage hit also knows its span
		}
		out = append(out, candidate{doc: e, passage: h.Passage, score: h.Score})
	}
	return out, nil
}

// docs serves the candidates from the hits when they carry what is asked, else reads
// them from the backend in one call.
func (r *remoteSource) docs(ctx context.Context, cands []candidate, withVector, allPassages bool) ([]*storedDoc, error) {
	out := make([]*storedDoc, len(cands))
	cached := r.withFields && (!withVector || (r.withVector && !r.chunked)) && (!allPassages || !r.chunked)
	if cached {
		for i, cd := range cands {
			h, ok := r.hits[cd.doc.id]
			// A passage hit carries its own passage's span only: the rerank stage may
			// have chosen another one.
			if !ok || cd.passage >= 0 && h.Passage != cd.passage {
				cached = false
				break
			}
			out[i] = storedFromBackend(&h.Record)
		}
	}
	if cached {
		return out, nil
	}
	ids := make([]string, len(cands))
	for i, cd := range cands {
		ids[i] = cd.doc.id
	}
	recs, err := r.b.GetMany(ctx, r.c.name, ids, withVector)
	if err != nil {
		return nil, err
	}
	for i, rec := range recs {
		if i < len(out) {
			out[i] = nil
			if rec != nil {
				out[i] = storedFromBackend(rec)
			}
		}
	}
	return out, nil
}

// docFreqCap bounds the documents counted per term (Weaviate's default
// QUERY_MAXIMUM_RESULTS): a term in more documents weighs as if in that many.
const docFreqCap = 10_000

// termStats asks the backend for the document frequency of every term the grader
// will weigh (found by letting constraints.NewGrader ask a recorder first).
func (r *remoteSource) termStats(ctx context.Context, cs []constraints.Constraint) (constraints.Stats, error) {
	rec := termRecorder{}
	if constraints.NewGrader(rec, cs) == nil || len(rec) == 0 {
		return nil, nil
	}
	terms := make([]string, 0, len(rec))
	for t := range rec {
		terms = append(terms, t)
	}
	sort.Strings(terms)
	n, df, err := r.b.DocFreq(ctx, r.c.name, terms, docFreqCap)
	if err != nil {
		return nil, err
	}
	st := termCounts{n: n, df: make(map[string]int, len(terms))}
	for i, t := range terms {
		if i < len(df) {
			st.df[t] = df[i]
		}
	}
	return st, nil
}

// termRecorder is a constraints.Stats that notes the terms asked for.
type termRecorder map[string]bool

func (termRecorder) Len() int                  { return 1 }
func (r termRecorder) DocFreq(term string) int { r[term] = true; return 1 }

// termCounts is a constraints.Stats of counts fetched for one search.
type termCounts struct {
	n  int
	df map[string]int
}

func (t termCounts) Len() int                { return t.n }
func (t termCounts) DocFreq(term string) int { return t.df[term] }

func (r *remoteSource) missingShards() []string {
	if len(r.missing) == 0 {
		return nil
	}
	sort.Strings(r.missing)
	return compactStrings(r.missing)
}

// storedFromBackend converts a backend record to what the search stages read.
func storedFromBackend(rec *backend.Record) *storedDoc {
	d := &storedDoc{title: rec.Title, text: rec.Text, meta: rec.Metadata, vector: rec.Vector}
	if len(rec.Passages) > 0 {
		d.passages = make([]store.Passage, len(rec.Passages))
		for i, ps := range rec.Passages {
			d.passages[i] = store.Passage{Start: ps.Start, End: ps.End, Vector: ps.Vector}
		}
	}
	return d
}
