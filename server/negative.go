package server

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/server/constraints"
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
)

// planConstraints validates req.Exclude and, unless auto_constraints is false, extracts
// negative constraints from the instruction and query, replacing them in p by their
// cleaned versions (the constraint clauses removed).
func (s *Server) planConstraints(c *collection, req *SearchRequest, p *searchPlan) error {
	if len(req.Exclude) > maxExclude {
		return invalid("exclude", "at most %d phrases, got %d", maxExclude, len(req.Exclude))
	}
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
	for _, e := range ex.Exclude {
		p.extracted = append(p.extracted, e)
		if !seen[strings.ToLower(e)] {
			seen[strings.ToLower(e)] = true
			p.exclude = append(p.exclude, e)
		}
	}
	return nil
}

// constraintFetch is how many candidates a constrained search fetches before penalising.
func constraintFetch(k, maxK int) int {
	return min(max(k*constraintOverfetch, constraintMinFetch), max(maxK*constraintOverfetch, k))
}

// applyConstraints demotes candidates whose document (title + text) contains every
// analyzed term of an excluded phrase, by constraints.DefaultRule; the caller holds
// c.mu for reading. It returns the re-ranked candidates and the penalty used.
func (s *Server) applyConstraints(c *collection, p *searchPlan, cands []candidate) ([]candidate, float64) {
	rule := constraints.DefaultRule()
	if c.text == nil || len(cands) == 0 {
		return cands, rule.Penalty
	}
	violates := constraints.Violations(c.text, p.exclude)
	byKey := make(map[uint64]candidate, len(cands))
	res := make([]index.Result, len(cands))
	for i, cd := range cands {
		res[i] = index.Result{Key: cd.doc.key, Score: cd.score}
		byKey[cd.doc.key] = cd
	}
	out := make([]candidate, 0, len(cands))
	for _, r := range rule.Apply(res, violates) {
		cd := byKey[r.Key]
		cd.score = r.Score
		out = append(out, cd)
	}
	return out, rule.Penalty
}
