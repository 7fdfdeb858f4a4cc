package server

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
)

// Search's rerank stage. The first stage (dense, lexical or hybrid, filters included)
// fetches the top `candidates` documents; the reranker scores each against the query, and
// the documents come back in its order with its scores. In a chunked collection each
// candidate's passages are scored and the document takes its best passage's score (and
// that passage). Negative constraints are applied to the reranked list, then k and
// min_score (on the reranker's scores).
const (
	// defaultRerankCandidates is how many first-stage hits are re-scored when the stage
	// does not say (at least k).
	defaultRerankCandidates = 50
	// maxRerankCandidates bounds a stage's candidates.
	maxRerankCandidates = 1000
	// maxRerankPassages bounds the passages scored per chunked document: its first-stage
	// best passage, then its others in text order.
	maxRerankPassages = 16
)

// rerankPlan is a validated RerankStage.
type rerankPlan struct {
	pack        *rerankPack
	candidates  int
	query       string  // the query as sent, negative-constraint clauses included
	instruction *string // the stage's instruction, else the search's own, else the pack's default
}

// validateRerankStage checks a stage against the loaded rerankers; field prefixes errors.
func (s *Server) validateRerankStage(st *RerankStage, field string) (*rerankPack, error) {
	if st.Model == "" {
		if len(s.rerankers) == 0 {
			return nil, invalid(field, "no reranker pack is loaded (start the server with --model PACK for a pack of kind reranker)")
		}
		return s.validateRerankStage(&RerankStage{Model: s.rerankers[0].name, Candidates: st.Candidates}, field)
	}
	p := s.rerankerByName[st.Model]
	if p == nil {
		names := make([]string, len(s.rerankers))
		for i, r := range s.rerankers {
			names[i] = r.name
		}
		return nil, invalid(field+".model", "reranker %q is not loaded (rerankers loaded: %v)", st.Model, names)
	}
	if st.Candidates < 0 || st.Candidates > maxRerankCandidates {
		return nil, invalid(field+".candidates", "must be in [1, %d], got %d", maxRerankCandidates, st.Candidates)
	}
	return p, nil
}

// planRerank resolves the request's rerank stage, else the collection's default (which a
// vector query, having no text to rerank, skips). It runs before negative constraints clean
// the query, so the reranker reads the query whole.
func (s *Server) planRerank(c *collection, req *SearchRequest, p *searchPlan) error {
	st, field := req.Rerank, "rerank"
	if st == nil {
		st, field = c.spec.Rerank, "collection default rerank"
		if req.Query == "" {
			return nil
		}
	}
	if st == nil {
		return nil
	}
	rp, err := s.validateRerankStage(st, field)
	if err != nil {
		return err
	}
	if req.Query == "" {
		return invalid(field, "reranking needs a text query, not a vector")
	}
	n := st.Candidates
	if n == 0 {
		n = max(defaultRerankCandidates, p.k)
	}
	if n < p.k {
		return invalid(field+".candidates", "must be at least k (%d), got %d", p.k, n)
	}
	p.rerank = &rerankPlan{pack: rp, candidates: n, query: req.Query, instruction: st.Instruction}
	if p.rerank.instruction == nil {
		p.rerank.instruction = req.Instruction
	}
	return nil
}

// rerankCandidates scores the first-stage candidates with the plan's reranker and returns
// them in its order, negative constraints applied and cut to k, with the penalty used.
func (s *Server) rerankCandidates(ctx context.Context, c *collection, src searchSource, p *searchPlan, cands []candidate) ([]candidate, float64, error) {
	if len(cands) == 0 {
		return cands, 0, nil
	}
	recs, err := src.docs(ctx, cands, false, true)
	if err != nil {
		return nil, 0, err
	}
	// One text per (candidate, passage); owner maps it back.
	var texts []string
	type ref struct{ cand, passage int }
	var owner []ref
	kept := make([]candidate, 0, len(cands))
	for i, r := range recs {
		if r == nil {
			continue // deleted since the index answered
		}
		cd := cands[i]
		ci := len(kept)
		kept = append(kept, cd)
		prefix := ""
		if r.title != "" {
			prefix = r.title + " "
		}
		if len(r.passages) == 0 {
			texts = append(texts, prefix+r.text)
			owner = append(owner, ref{ci, -1})
			continue
		}
		for _, pi := range passageOrder(cd.passage, len(r.passages)) {
			ps := r.passages[pi]
			if ps.Start < 0 || ps.Start > ps.End || ps.End > len(r.text) {
				continue
			}
			texts = append(texts, prefix+r.text[ps.Start:ps.End])
			owner = append(owner, ref{ci, pi})
		}
	}
	scored := make([]bool, len(kept))
	for i := 0; i < len(texts); {
		if texts[i] == "" {
			texts, owner = slices.Delete(texts, i, i+1), slices.Delete(owner, i, i+1)
			continue
		}
		i++
	}
	if len(texts) > 0 {
		res, err := p.rerank.pack.rr.Rerank(ctx, p.rerank.query, texts, rerankOptions{Instruction: p.rerank.instruction})
		if err != nil {
			return nil, 0, fmt.Errorf("server: rerank %d candidates with %s: %w", len(kept), p.rerank.pack.name, err)
		}
		for j, sc := range res.Scores {
			o := owner[j]
			if cd := &kept[o.cand]; !scored[o.cand] || sc > cd.score {
				scored[o.cand] = true
				cd.score = sc
				if o.passage >= 0 {
					cd.passage = o.passage
				}
			}
		}
	}
	// A document with no text to score ranks after every scored one.
	low := float32(math.Inf(1))
	for i, cd := range kept {
		if scored[i] {
			low = min(low, cd.score)
		}
	}
	for i := range kept {
		if !scored[i] {
			kept[i].score = min(low, 0) - 1
		}
	}
	slices.SortStableFunc(kept, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	penalty := 0.0
	if len(p.exclude) > 0 {
		var err error
		c.mu.RLock()
		kept, penalty, err = s.applyConstraints(ctx, c, src, p, kept, 0)
		c.mu.RUnlock()
		if err != nil {
			return nil, 0, err
		}
	}
	if len(kept) > p.k {
		kept = kept[:p.k]
	}
	return kept, penalty, nil
}

// passageOrder lists the passages of a chunked document to score: best (the first-stage
// best passage, or -1) first, then the others in text order, at most maxRerankPassages.
func passageOrder(best, n int) []int {
	out := make([]int, 0, min(n, maxRerankPassages))
	if best >= 0 && best < n {
		out = append(out, best)
	}
	for i := 0; i < n && len(out) < maxRerankPassages; i++ {
		if i != best {
			out = append(out, i)
		}
	}
	return out
}
