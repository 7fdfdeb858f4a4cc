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
// ApplyGraded scales the penalty by a violation grade g in [0, 1]
// (score' = score − g · Penalty · span). A Grader computes g from a passage's
// text: for each excluded phrase, the IDF-weighted share of its content terms
// that the passage contains outside a negation (a passage that says "not X",
// "without X", "no X", "non-X" or "X-free" satisfies the constraint), with the
// phrase's head and capitalised names weighted headWeight and relational nouns
// ("its role in", "their involvement in") relationalWeight; shares up to
// NoViolation count 0, from FullViolation 1, linear between. Each exclusion of
// "(A excluding a) and (B excluding b)" applies only to passages about its own
// part (Constraint.Scope). docs/constraints.md gives the rationale.
//
// Violations builds the older all-or-nothing predicate from a lexical index (a
// hit violates when it contains every analyzed term of some excluded phrase).
package constraints
