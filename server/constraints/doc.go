// Package constraints handles negative constraints in search requests:
// "find passages about the Exodus, but don't mention Moses".
//
// Extract finds the constraint clauses in an instruction and a query, returns
// the excluded phrases, and returns the instruction and query with those
// clauses removed, so that neither the dense nor the lexical side searches FOR
// the excluded thing. Extraction favours precision: a false exclusion hurts
// more than a missed one, so ambiguous words ("avoid", "ignore", "without",
// bare "not") only count in clause-like positions.
//
// A Rule then re-ranks the hits of any search mode. Scores differ in scale per
// mode (cosine in [-1, 1], BM25 unbounded, RRF around 1/60), so the penalty is
// scale-free: it is a multiple of the spread of the candidate list,
//
//	score' = score − Penalty · span   for hits that violate a constraint
//	score' = score                     otherwise
//	span   = max(score) − min(score) over the candidates, or |max(score)| when
//	         that is 0, or 1 when both are 0
//
// and the list is re-sorted by score' (stable; at equal score' a non-violating
// hit ranks first). With the default Penalty 1 every violating hit falls below
// every non-violating one while violators keep their relative order; a Penalty
// between 0 and 1 demotes softly, and 0 turns the rule off.
//
// Which hits violate is decided by the caller's predicate; Violations builds
// one from a lexical index (a hit violates when it contains every analyzed
// term of some excluded phrase).
package constraints
