package server

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/instructd/instructd/index"
)

// Search modes.
const (
	ModeDense   = "dense"
	ModeLexical = "lexical"
	ModeHybrid  = "hybrid"
)

// Fusion methods for hybrid search.
const (
	FusionRRF      = "rrf"
	FusionWeighted = "weighted"
)

const (
	defaultK = 10
	// defaultRRFK is the k of reciprocal-rank fusion: score = Σ 1/(rrf_k + rank).
	defaultRRFK = 60
	// hybridCandidates is the minimum number of candidates each side of a hybrid search fetches.
	hybridCandidates = 100
	// passageOverfetch multiplies the windows fetched from a chunked collection, since
	// several windows of one document collapse into one hit.
	passageOverfetch = 4
	// maxEf bounds a request's ef.
	maxEf = 10_000
)

// candidate is a document found by one side of a search.
type candidate struct {
	doc     *docEntry
	passage int // best passage for chunked documents, else -1
	score   float32
}

// searchPlan is a validated SearchRequest.
type searchPlan struct {
	k           int
	mode        string
	fusion      string
	alpha       float64
	rrfK        int
	ef          int
	filter      filterNode
	minScore    *float32
	include     map[string]bool
	query       string
	instruction *string
	vector      []float32
	exclude     []string
	extracted   []string
	neg         negativePlan
	rerank      *rerankPlan // nil: no rerank stage (see search_rerank.go)
}

// Search runs one query against a collection in its mode (dense, lexical or hybrid),
// with metadata filter, negative constraints, the rerank stage, min_score and include,
// on whichever tier holds the collection (searchSource).
func (s *Server) Search(ctx context.Context, collection string, req SearchRequest) (SearchResponse, error) {
	start := time.Now()
	c, err := s.tier.searchCollection(ctx, collection)
	if err != nil {
		return SearchResponse{}, err
	}
	p, err := s.plan(c, &req)
	if err != nil {
		return SearchResponse{}, err
	}
	src := s.tier.searchSource(c, p, req.AllowPartial)
	resp := SearchResponse{Mode: p.mode, Hits: []SearchHit{}, Warnings: searchWarnings(c, p.mode, req.Vector != nil)}
	if w := s.tier.efWarning(req.Ef); w != "" {
		resp.Warnings = append(resp.Warnings, w)
	}
	var qvec []float32
	if p.mode != ModeLexical {
		embedStart := time.Now()
		if qvec, err = s.queryVector(ctx, c, p); err != nil {
			return SearchResponse{}, err
		}
		resp.Timings.EmbedMillis = millis(time.Since(embedStart))
	}
	searchStart := time.Now()
	cands, penalty, err := s.candidates(ctx, c, src, p, qvec)
	if err != nil {
		return SearchResponse{}, s.tier.searchErr(c, err)
	}
	var rerankTime time.Duration
	if p.rerank != nil {
		rerankStart := time.Now()
		if cands, penalty, err = s.rerankCandidates(ctx, c, src, p, cands); err != nil {
			return SearchResponse{}, s.tier.searchErr(c, err)
		}
		rerankTime = time.Since(rerankStart)
		resp.Timings.RerankMillis = millis(rerankTime)
	}
	if resp.Hits, err = s.hits(ctx, src, p, cands); err != nil {
		return SearchResponse{}, s.tier.searchErr(c, err)
	}
	if len(p.exclude) > 0 {
		resp.Constraints = p.neg.report(p.exclude, p.extracted, penalty)
	}
	if missing := src.missingShards(); len(missing) > 0 {
		resp.Partial, resp.MissingShards = true, missing
	}
	resp.Timings.SearchMillis = millis(time.Since(searchStart) - rerankTime)
	resp.Timings.TotalMillis = millis(time.Since(start))
	s.metrics.searchLatency.WithLabelValues(c.name, p.mode).Observe(time.Since(start).Seconds())
	return resp, nil
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// plan validates a request against the collection and the limits.
func (s *Server) plan(c *collection, req *SearchRequest) (*searchPlan, error) {
	p := &searchPlan{k: req.K, mode: req.Mode, ef: req.Ef, minScore: req.MinScore, query: req.Query, vector: req.Vector}
	if p.k == 0 {
		p.k = defaultK
	}
	if p.k < 0 || p.k > s.cfg.Limits.MaxK {
		return nil, invalid("k", "must be in [1, %d], got %d", s.cfg.Limits.MaxK, req.K)
	}
	if p.ef == 0 {
		p.ef = c.defaultEf() // the collection's ef_search as last changed (PATCH)
	}
	if p.ef < 0 || p.ef > maxEf {
		return nil, invalid("ef", "must be in [0, %d], got %d", maxEf, req.Ef)
	}
	if p.minScore != nil && (math.IsNaN(float64(*p.minScore)) || math.IsInf(float64(*p.minScore), 0)) {
		return nil, invalid("min_score", "must be finite")
	}
	if p.mode == "" {
		p.mode = c.spec.DefaultMode
	}
	switch p.mode {
	case ModeDense, ModeLexical, ModeHybrid:
	default:
		return nil, invalid("mode", "must be dense, lexical or hybrid, got %q", req.Mode)
	}
	if p.mode != ModeDense && c.spec.Model == "" {
		return nil, invalid("mode", "collection %q holds pre-computed vectors only: it supports dense search only", c.name)
	}
	switch {
	case req.Query != "" && req.Vector != nil:
		return nil, invalid("vector", "give either query or vector, not both")
	case req.Vector != nil:
		if p.mode != ModeDense {
			return nil, invalid("vector", "%s search needs a text query", p.mode)
		}
		if err := validateVector(req.Vector, c.spec.Dimension, c.spec.Metric); err != nil {
			return nil, err
		}
	case req.Query == "":
		return nil, invalid("query", "query or vector is required")
	case c.spec.Model == "":
		return nil, invalid("query", "collection %q holds pre-computed vectors only (it has no model): pass vector instead of query", c.name)
	case len(req.Query) > s.cfg.Limits.MaxTextBytes:
		return nil, invalid("query", "%d bytes exceed the limit of %d", len(req.Query), s.cfg.Limits.MaxTextBytes)
	}
	if req.Instruction != nil && req.Vector != nil {
		return nil, invalid("instruction", "an instruction needs a text query")
	}
	if err := s.checkInstruction("instruction", req.Instruction); err != nil {
		return nil, err
	}
	p.instruction = req.Instruction
	if p.instruction == nil {
		p.instruction = c.spec.DefaultInstruction
	}
	p.fusion = req.Fusion
	switch p.fusion {
	case "":
		p.fusion = FusionRRF
	case FusionRRF, FusionWeighted:
	default:
		return nil, invalid("fusion", "must be rrf or weighted, got %q", req.Fusion)
	}
	p.alpha = 0.5
	if req.Alpha != nil {
		if !(*req.Alpha >= 0 && *req.Alpha <= 1) {
			return nil, invalid("alpha", "must be in [0, 1], got %v", *req.Alpha)
		}
		p.alpha = *req.Alpha
	}
	p.rrfK = req.RRFK
	if p.rrfK == 0 {
		p.rrfK = defaultRRFK
	}
	if p.rrfK < 1 || p.rrfK > 100_000 {
		return nil, invalid("rrf_k", "must be in [1, 100000], got %d", req.RRFK)
	}
	var err error
	if p.filter, err = parseFilter(req.Filter); err != nil {
		return nil, err
	}
	if p.include, err = parseInclude(req.Include); err != nil {
		return nil, err
	}
	if err := s.planRerank(c, req, p); err != nil {
		return nil, err
	}
	if err := s.planConstraints(c, req, p); err != nil {
		return nil, err
	}
	return p, nil
}

// parseInclude validates include; nil means title, text and metadata.
func parseInclude(inc []string) (map[string]bool, error) {
	if inc == nil {
		return map[string]bool{"title": true, "text": true, "metadata": true}, nil
	}
	out := map[string]bool{}
	for i, f := range inc {
		switch f {
		case "text", "title", "metadata", "vector":
			out[f] = true
		default:
			return nil, invalid(fmt.Sprintf("include[%d]", i), "must be text, title, metadata or vector, got %q", f)
		}
	}
	return out, nil
}

// queryVector returns the request's vector or embeds its query without waiting on a
// full queue (ErrOverloaded instead).
func (s *Server) queryVector(ctx context.Context, c *collection, p *searchPlan) ([]float32, error) {
	if p.vector != nil {
		return p.vector, nil
	}
	if c.pack == nil {
		return nil, fmt.Errorf("server: collection %q: model %q is not loaded: %w", c.name, c.spec.Model, ErrUnavailable)
	}
	res, err := c.pack.emb.Embed(ctx, []string{p.query}, embedOptions{Query: true, Instruction: p.instruction, Dimensions: c.spec.Dimension})
	if err != nil {
		return nil, fmt.Errorf("server: embed query: %w", err)
	}
	if len(res.Vectors) != 1 {
		return nil, fmt.Errorf("server: embedder returned %d vectors for 1 query", len(res.Vectors))
	}
	return res.Vectors[0], nil
}

// candidates runs the plan's mode and constraints and returns documents best first
// (at most k, min_score not yet applied), with the penalty that was used.
func (s *Server) candidates(ctx context.Context, c *collection, src searchSource, p *searchPlan, qvec []float32) ([]candidate, float64, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.deleted {
		return nil, 0, fmt.Errorf("server: collection %q %w", c.name, ErrNotFound)
	}
	n := p.k
	if len(p.exclude) > 0 {
		n = constraintFetch(p.k, s.cfg.Limits.MaxK)
	}
	if p.rerank != nil {
		n = max(n, p.rerank.candidates)
	}
	var (
		out []candidate
		err error
	)
	switch p.mode {
	case ModeDense:
		out, err = src.dense(ctx, qvec, n, p)
	case ModeLexical:
		out, err = src.lexical(ctx, p.query, n, p)
	case ModeHybrid:
		m := max(n, hybridCandidates)
		var dense, lex []candidate
		if dense, err = src.dense(ctx, qvec, m, p); err != nil {
			break
		}
		if lex, err = src.lexical(ctx, p.query, m, p); err != nil {
			break
		}
		if p.fusion == FusionWeighted {
			out = fuseWeighted(dense, lex, p.alpha)
		} else {
			out = fuseRRF(dense, lex, p.rrfK)
		}
	}
	if err != nil {
		return nil, 0, err
	}
	if p.rerank != nil { // constraints and k apply to the reranked list (rerankCandidates)
		return out[:min(len(out), p.rerank.candidates)], 0, nil
	}
	penalty := 0.0
	if len(p.exclude) > 0 {
		if out, penalty, err = s.applyConstraints(ctx, c, src, p, out, n); err != nil {
			return nil, 0, err
		}
	}
	if len(out) > p.k {
		out = out[:p.k]
	}
	return out, penalty, nil
}

// dense searches the vector index for n documents; the caller holds c.mu for reading.
// In a chunked collection several windows of one document collapse into one hit, so it
// fetches passageOverfetch·n windows, and more while that yields fewer than n documents.
func (c *collection) dense(ctx context.Context, qvec []float32, n int, p *searchPlan) ([]candidate, error) {
	chunked := c.hasPassages()
	fetch := n
	if chunked {
		fetch = n * passageOverfetch
	}
	opts := index.SearchOptions{K: fetch, Ef: p.ef}
	if p.filter != nil {
		opts.Filter = c.vectorFilter(p.filter)
	}
	for {
		opts.K = fetch
		res, err := c.vec.Search(ctx, qvec, opts)
		if err != nil {
			return nil, fmt.Errorf("server: search %q: %w", c.name, err)
		}
		out := make([]candidate, 0, min(len(res), n))
		var seen map[*docEntry]bool
		if chunked {
			seen = map[*docEntry]bool{}
		}
		for _, r := range res {
			ref, ok := c.keys[r.Key]
			if !ok {
				continue // written to the index but not yet mapped, or just deleted
			}
			if chunked {
				// Results come best first: the first window of a document is its best.
				if seen[ref.doc] {
					continue
				}
				seen[ref.doc] = true
			}
			out = append(out, candidate{doc: ref.doc, passage: ref.passage, score: r.Score})
			if len(out) == n {
				break
			}
		}
		if !chunked || len(out) == n || len(res) < fetch || fetch >= len(c.keys) {
			return out, nil
		}
		fetch = min(fetch*passageOverfetch, len(c.keys))
	}
}

// hasPassages reports whether any document is chunked (cheap: chunking is per collection).
func (c *collection) hasPassages() bool {
	return c.spec.Chunking != nil || len(c.keys) != len(c.docs)
}

// vectorFilter turns a filter into the index's predicate form; the caller holds c.mu
// for reading. An allow-list (index.Filter.Keys) would need a metadata scan of the whole
// collection per query: measured on 20,000 documents (BenchmarkFilteredSearch) it cost
// 50× the predicate at 10% selectivity and 4× at 1% (the scan alone is ~7 ms), so the
// predicate it is; the index itself goes exact when the predicate proves selective.
func (c *collection) vectorFilter(f filterNode) *index.Filter {
	// The index calls Allow while Search runs, i.e. while the caller holds c.mu.
	return &index.Filter{Allow: func(k uint64) bool {
		ref, ok := c.keys[k]
		return ok && f.match(ref.doc.meta)
	}}
}

// lexical searches the BM25 index for n documents; the caller holds c.mu for reading.
// A collection without a lexical index (or without text) gives no results.
func (c *collection) lexical(query string, n int, p *searchPlan) []candidate {
	if c.text == nil || query == "" {
		return nil
	}
	var allow func(uint64) bool
	if p.filter != nil {
		allow = func(k uint64) bool {
			e, ok := c.docKeys[k]
			return ok && p.filter.match(e.meta)
		}
	}
	res := c.text.Search(query, n, allow)
	out := make([]candidate, 0, len(res))
	for _, r := range res {
		if e, ok := c.docKeys[r.Key]; ok {
			out = append(out, candidate{doc: e, passage: -1, score: r.Score})
		}
	}
	return out
}

// fuseRRF scores each document Σ 1/(rrfK + rank) over the sides that found it
// (rank from 1); a dense-side passage is kept.
func fuseRRF(dense, lex []candidate, rrfK int) []candidate {
	acc := map[*docEntry]*candidate{}
	var order []*docEntry
	add := func(list []candidate) {
		for rank, cd := range list {
			s := float32(1 / float64(rrfK+rank+1))
			if a, ok := acc[cd.doc]; ok {
				a.score += s
				continue
			}
			acc[cd.doc] = &candidate{doc: cd.doc, passage: cd.passage, score: s}
			order = append(order, cd.doc)
		}
	}
	add(dense)
	add(lex)
	return sortFused(acc, order)
}

// fuseWeighted scores each document alpha·dense + (1−alpha)·lexical, each side's scores
// min-max normalised to [0, 1] over its candidates (1 when all are equal); a document
// missing from one side gets 0 there.
func fuseWeighted(dense, lex []candidate, alpha float64) []candidate {
	acc := map[*docEntry]*candidate{}
	var order []*docEntry
	add := func(list []candidate, w float64) {
		if len(list) == 0 {
			return
		}
		lo, hi := list[0].score, list[0].score
		for _, cd := range list {
			lo, hi = min(lo, cd.score), max(hi, cd.score)
		}
		for _, cd := range list {
			norm := 1.0
			if hi > lo {
				norm = float64(cd.score-lo) / float64(hi-lo)
			}
			s := float32(w * norm)
			if a, ok := acc[cd.doc]; ok {
				a.score += s
				continue
			}
			acc[cd.doc] = &candidate{doc: cd.doc, passage: cd.passage, score: s}
			order = append(order, cd.doc)
		}
	}
	add(dense, alpha)
	add(lex, 1-alpha)
	return sortFused(acc, order)
}

// sortFused orders fused candidates by score, ties by first appearance (stable).
func sortFused(acc map[*docEntry]*candidate, order []*docEntry) []candidate {
	out := make([]candidate, len(order))
	for i, d := range order {
		out[i] = *acc[d]
	}
	slices.SortStableFunc(out, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	return out
}

// hits applies min_score and include, reading stored fields in one call to the tier.
func (s *Server) hits(ctx context.Context, src searchSource, p *searchPlan, cands []candidate) ([]SearchHit, error) {
	if p.minScore != nil {
		kept := cands[:0]
		for _, cd := range cands {
			if cd.score >= *p.minScore {
				kept = append(kept, cd)
			}
		}
		cands = kept
	}
	hits := make([]SearchHit, len(cands))
	needStore := p.include["text"] || p.include["title"] || p.include["metadata"] || p.include["vector"]
	for _, cd := range cands {
		if cd.passage >= 0 {
			needStore = true
		}
	}
	for i, cd := range cands {
		hits[i] = SearchHit{ID: cd.doc.id, Score: cd.score}
	}
	if !needStore || len(cands) == 0 {
		return hits, nil
	}
	docs, err := src.docs(ctx, cands, p.include["vector"], false)
	if err != nil {
		return nil, err
	}
	out := hits[:0]
	for i, r := range docs {
		if r == nil {
			continue // deleted since the index answered
		}
		h := hits[i]
		if p.include["text"] {
			h.Text = r.text
		}
		if p.include["title"] {
			h.Title = r.title
		}
		if p.include["vector"] {
			h.Vector = r.vector
		}
		if p.include["metadata"] {
			if h.Metadata, err = r.metadata(h.ID); err != nil {
				return nil, err
			}
			if len(h.Metadata) == 0 {
				h.Metadata = nil
			}
		}
		if pi := cands[i].passage; pi >= 0 && pi < len(r.passages) {
			ps := r.passages[pi]
			if ps.Start >= 0 && ps.Start <= ps.End && ps.End <= len(r.text) {
				h.Passage = &Passage{Index: pi, Start: ps.Start, End: ps.End, Text: r.text[ps.Start:ps.End]}
			}
		}
		out = append(out, h)
	}
	return out, nil
}
