package server

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/server/constraints"
	"github.com/instructd/instructd/wire"
)

const (
	// maxExclude bounds a request's exclude list.
	maxExclude = 64
	// maxExcludeBytes bounds one excluded phrase.
	maxExcludeBytes = 1024
	// constraintOverfetch multiplies k when constraints apply, so that demoted
	// documents are replaced by others; at least constraintMinFetch candidates.
	constraintOverfetch = 3
	constraintMinFetch  = 30
	// semanticWidth is how far above the similarity threshold a passage's similarity
	// to an excluded phrase must be to count as a full violation (linear in between).
	semanticWidth = 0.05
)

// negativePlan is the part of a search plan that negative constraints need.
type negativePlan struct {
	// original is the query before constraint clauses were removed.
	original string
	// constraints are the excluded phrases with their scopes (request's exclude
	// first, unscoped).
	constraints []constraints.Constraint
	// semantic is the similarity threshold used for semantic violations (0: off).
	semantic float64
}

// report is the response's constraints field.
func (n *negativePlan) report(exclude, extracted []string, penalty float64) *Constraints {
	out := &Constraints{Exclude: exclude, Extracted: extracted, Penalty: penalty, SemanticSimilarity: n.semantic}
	for _, c := range n.constraints {
		if c.Scope != "" {
			out.Scoped = append(out.Scoped, wire.ScopedExclusion{Exclude: c.Phrase, Scope: c.Scope})
		}
	}
	return out
}

// planConstraints validates req.Exclude and, unless auto_constraints is false, extracts
// negative constraints from the instruction and query, replacing them in p by their
// cleaned versions (the constraint clauses removed).
func (s *Server) planConstraints(c *collection, req *SearchRequest, p *searchPlan) error {
	if len(req.Exclude) > maxExclude {
		return invalid("exclude", "at most %d phrases, got %d", maxExclude, len(req.Exclude))
	}
	p.neg.original = p.query
	seen := map[string]bool{}
	for i, e := range req.Exclude {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			return invalid(fmt.Sprintf("exclude[%d]", i), "must not be empty")
		case len(e) > maxExcludeBytes || !utf8.ValidString(e):
			return invalid(fmt.Sprintf("exclude[%d]", i), "must be valid UTF-8 of at most %d bytes", maxExcludeBytes)
		}
		if !seen[strings.ToLower(e)] {
			seen[strings.ToLower(e)] = true
			p.exclude = append(p.exclude, e)
			p.neg.constraints = append(p.neg.constraints, constraints.Constraint{Phrase: e})
		}
	}
	if req.AutoConstraints != nil && !*req.AutoConstraints || p.query == "" {
		return nil
	}
	instruction := ""
	if p.instruction != nil {
		instruction = *p.instruction
	}
	ex := constraints.Extract(instruction, p.query)
	if len(ex.Exclude) == 0 {
		return nil
	}
	if strings.TrimSpace(ex.Query) != "" {
		p.query = ex.Query
	}
	if p.instruction != nil {
		cleaned := ex.Instruction
		p.instruction = &cleaned
	}
	for _, e := range ex.Constraints {
		p.extracted = append(p.extracted, e.Phrase)
		if !seen[strings.ToLower(e.Phrase)] {
			seen[strings.ToLower(e.Phrase)] = true
			p.exclude = append(p.exclude, e.Phrase)
			p.neg.constraints = append(p.neg.constraints, e)
		}
	}
	return nil
}

// constraintFetch is how many candidates a constrained search fetches before penalising.
func constraintFetch(k, maxK int) int {
	return min(max(k*constraintOverfetch, constraintMinFetch), max(maxK*constraintOverfetch, k))
}

// applyConstraints demotes candidates by how much they violate the excluded phrases
// (constraints.Grader: IDF-weighted, negation-aware, scoped; fused with the semantic
// grade when the collection's pack is semantic and Config.ConstraintSimilarity > 0)
// under constraints.DefaultRule. In lexical mode the candidates are recomputed by
// constraints.SearchLexical, which also looks at the original query's top n; n ≤ 0 grades
// the given candidates in every mode (a reranked list must keep its members). The caller
// holds c.mu for reading. It returns the re-ranked candidates and the penalty.
func (s *Server) applyConstraints(ctx context.Context, c *collection, src searchSource, p *searchPlan, cands []candidate, n int) ([]candidate, float64, error) {
	rule := constraints.DefaultRule()
	stats, err := src.termStats(ctx, p.neg.constraints)
	if err != nil {
		return nil, 0, err
	}
	g := constraints.NewGrader(stats, p.neg.constraints)
	sem, err := s.semanticPhrases(ctx, c, p)
	if err != nil {
		return nil, 0, err
	}
	if g == nil && sem == nil {
		return cands, rule.Penalty, nil
	}
	if p.mode == ModeLexical && c.text != nil && g != nil && sem == nil && n > 0 {
		return s.lexicalConstrained(ctx, c, src, p, g, rule, n)
	}
	if len(cands) == 0 {
		return cands, rule.Penalty, nil
	}
	recs, err := candidateRecords(ctx, src, cands, sem != nil)
	if err != nil {
		return nil, 0, err
	}
	res := make([]index.Result, len(cands))
	byKey := make(map[uint64]candidate, len(cands))
	grades := make(map[uint64]float64, len(cands))
	for i, cd := range cands {
		res[i] = index.Result{Key: cd.doc.key, Score: cd.score}
		byKey[cd.doc.key] = cd
		if r := recs[cd.doc.key]; r != nil {
			text := lexicalText(r.title, r.text)
			if g.Negates(text) {
				continue // it states the negation: neither rule applies
			}
			grades[cd.doc.key] = max(g.Grade(text), sem.grade(r.vectors))
		}
	}
	out := make([]candidate, 0, len(cands))
	for _, r := range rule.ApplyGraded(res, func(k uint64) float64 { return grades[k] }) {
		cd := byKey[r.Key]
		cd.score = r.Score
		out = append(out, cd)
	}
	return out, rule.Penalty, nil
}

// lexicalConstrained runs constraints.SearchLexical for a lexical-mode search; the
// caller holds c.mu for reading.
func (s *Server) lexicalConstrained(ctx context.Context, c *collection, src searchSource, p *searchPlan, g *constraints.Grader, rule constraints.Rule, n int) ([]candidate, float64, error) {
	var allow func(uint64) bool
	if p.filter != nil {
		allow = func(k uint64) bool {
			e, ok := c.docKeys[k]
			return ok && p.filter.match(e.meta)
		}
	}
	var readErr error
	texts := func(keys []uint64) map[uint64]string {
		cands := make([]candidate, 0, len(keys))
		for _, k := range keys {
			if e, ok := c.docKeys[k]; ok {
				cands = append(cands, candidate{doc: e})
			}
		}
		recs, err := candidateRecords(ctx, src, cands, false)
		if err != nil {
			readErr = err
			return nil
		}
		out := make(map[uint64]string, len(recs))
		for k, r := range recs {
			out[k] = lexicalText(r.title, r.text)
		}
		return out
	}
	res := constraints.SearchLexical(c.text, p.neg.original, p.query, g, rule, n, allow, texts)
	if readErr != nil {
		return nil, 0, readErr
	}
	out := make([]candidate, 0, len(res))
	for _, r := range res {
		if e, ok := c.docKeys[r.Key]; ok {
			out = append(out, candidate{doc: e, passage: -1, score: r.Score})
		}
	}
	return out, rule.Penalty, nil
}

// candidateRecord is what grading needs of a stored document.
type candidateRecord struct {
	title, text string
	vectors     [][]float32 // the document's vector, or its passages' vectors
}

// candidateRecords reads the candidates' stored text (and vectors: the document's, or
// every passage's) in one call to the tier, keyed by document key; deleted documents
// are absent.
func candidateRecords(ctx context.Context, src searchSource, cands []candidate, withVectors bool) (map[uint64]*candidateRecord, error) {
	docs, err := src.docs(ctx, cands, withVectors, withVectors)
	if err != nil {
		return nil, fmt.Errorf("server: read candidates for constraints: %w", err)
	}
	out := make(map[uint64]*candidateRecord, len(docs))
	for i, d := range docs {
		if d == nil {
			continue
		}
		cr := &candidateRecord{title: d.title, text: d.text}
		if withVectors {
			cr.vectors = d.vectors()
		}
		out[cands[i].doc.key] = cr
	}
	return out, nil
}

// semanticExclusion holds the embedded excluded phrases of one search.
type semanticExclusion struct {
	threshold float64
	vectors   [][]float32
}

// semanticPhrases embeds the excluded phrases once (through the embedder's query
// cache) when the collection's pack is semantic and Config.ConstraintSimilarity > 0;
// otherwise it returns nil.
func (s *Server) semanticPhrases(ctx context.Context, c *collection, p *searchPlan) (*semanticExclusion, error) {
	if s.cfg.ConstraintSimilarity <= 0 || c.pack == nil || !c.pack.emb.Manifest().Semantic || len(p.neg.constraints) == 0 {
		return nil, nil
	}
	phrases := make([]string, len(p.neg.constraints))
	for i, cs := range p.neg.constraints {
		phrases[i] = cs.Phrase
	}
	res, err := c.pack.emb.Embed(ctx, phrases, embedOptions{Query: true})
	if err != nil {
		return nil, fmt.Errorf("server: embed excluded phrases: %w", err)
	}
	p.neg.semantic = s.cfg.ConstraintSimilarity
	return &semanticExclusion{threshold: s.cfg.ConstraintSimilarity, vectors: res.Vectors}, nil
}

// grade is the semantic violation of a passage with the given vectors: its highest
// cosine similarity to an excluded phrase, mapped linearly from [threshold,
// threshold + semanticWidth] to [0, 1]. A nil receiver grades 0.
func (e *semanticExclusion) grade(vectors [][]float32) float64 {
	if e == nil {
		return 0
	}
	best := math.Inf(-1)
	for _, v := range vectors {
		for _, q := range e.vectors {
			best = math.Max(best, cosine(v, q))
		}
	}
	return min(max((best-e.threshold)/semanticWidth, 0), 1)
}

// cosine is the cosine similarity of two vectors (0 when either is zero or their
// lengths differ).
func cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
