package constraints

import (
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/instructd/instructd/index/lexical"
)

// Stats gives the collection statistics that a Grader weights terms by; lexical.Index
// implements it. A nil Stats weights every term 1.
type Stats interface {
	// Len is the number of documents.
	Len() int
	// DocFreq is the number of documents containing an analyzed term.
	DocFreq(term string) int
}

// Grade weights and thresholds (see the package doc and docs/server.md).
const (
	// headWeight multiplies the IDF of a phrase's head (its last content word that is
	// not a relational noun) and of capitalised words (names).
	headWeight = 2.0
	// relationalWeight multiplies the IDF of relational nouns ("role", "influence",
	// "involvement"): "its role in the war" is about the war.
	relationalWeight = 0.25
	// NoViolation is the grade at or below which a passage does not violate at all:
	// a modifier word alone is not a mention.
	NoViolation = 0.25
	// FullViolation is the grade from which a passage violates fully.
	FullViolation = 0.75
)

// relational nouns name a relation to the excluded thing rather than the thing.
var relational = words("role roles involvement influence influences relationship relationships relation relations connection connections " +
	"association associations link links tie ties use uses usage history histories effect effects impact impacts application applications " +
	"contribution contributions part parts significance importance place aspect aspects mention mentions discussion reference references " +
	"involvement participation presence depiction portrayal treatment coverage view views account")

// weightedTerm is one analyzed term of a phrase with its weight.
type weightedTerm struct {
	term string
	w    float64
}

// gradedPhrase is an excluded phrase ready to grade passages against.
type gradedPhrase struct {
	phrase string
	terms  []weightedTerm
	total  float64
	scope  int // index into Grader.scopes, or -1 for the whole query
}

// Grader grades passages against a query's excluded phrases: how much of an
// excluded phrase a passage mentions, as the IDF-weighted share of the phrase's
// content terms that occur in the passage outside a negation.
type Grader struct {
	phrases []gradedPhrase
	scopes  [][]weightedTerm
}

// NewGrader prepares the constraints for grading, weighting terms by stats (nil: all
// IDFs 1). It returns nil when no constraint has an index term.
func NewGrader(stats Stats, cs []Constraint) *Grader {
	g := &Grader{}
	scopeIndex := map[string]int{}
	for _, c := range cs {
		terms := phraseTerms(stats, c.Phrase, true)
		if len(terms) == 0 {
			continue
		}
		gp := gradedPhrase{phrase: c.Phrase, terms: terms, scope: -1}
		for _, t := range terms {
			gp.total += t.w
		}
		if c.Scope != "" {
			k := strings.ToLower(c.Scope)
			i, ok := scopeIndex[k]
			if !ok {
				st := phraseTerms(stats, c.Scope, false)
				if len(st) > 0 {
					i = len(g.scopes)
					scopeIndex[k] = i
					g.scopes = append(g.scopes, st)
					ok = true
				}
			}
			if ok {
				gp.scope = i
			}
		}
		g.phrases = append(g.phrases, gp)
	}
	if len(g.phrases) == 0 {
		return nil
	}
	if len(g.scopes) < 2 { // one sub-topic is the whole query
		for i := range g.phrases {
			g.phrases[i].scope = -1
		}
		g.scopes = nil
	}
	return g
}

// idfOf is BM25's idf of an analyzed term (1 without stats; a term no document
// holds gets the idf of a term in one document).
func idfOf(stats Stats, term string) float64 {
	if stats == nil {
		return 1
	}
	n := float64(stats.Len())
	df := float64(max(stats.DocFreq(term), 1))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// wordRE finds words with their offsets; an apostrophe inside a word is kept
// ("Moses's", "don't").
var wordRE = regexp.MustCompile(`[\pL\pN]+(?:['’][\pL]+)?`)

// phraseTerms analyzes a phrase into weighted terms: stop words (determiners,
// possessives) are dropped, relational nouns weigh relationalWeight, the head and
// capitalised words headWeight (when weighHead), each times its IDF. A repeated
// term counts once.
func phraseTerms(stats Stats, phrase string, weighHead bool) []weightedTerm {
	type tok struct {
		term       string
		rel, named bool
	}
	var toks []tok
	for _, w := range wordRE.FindAllString(phrase, -1) {
		terms := lexical.Analyze(w)
		if len(terms) != 1 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		toks = append(toks, tok{term: terms[0], rel: relational[strings.ToLower(w)], named: unicode.IsUpper(r)})
	}
	head := -1
	if weighHead {
		for i := len(toks) - 1; i >= 0; i-- {
			if !toks[i].rel {
				head = i
				break
			}
		}
		if head < 0 {
			head = len(toks) - 1 // "its role in history": history is the head after all
		}
	}
	seen := map[string]int{}
	var out []weightedTerm
	for i, t := range toks {
		f := 1.0
		switch {
		case i == head || (weighHead && t.named):
			f = headWeight
		case t.rel && weighHead:
			f = relationalWeight
		}
		w := f * idfOf(stats, t.term)
		if j, ok := seen[t.term]; ok {
			out[j].w = math.Max(out[j].w, w)
			continue
		}
		seen[t.term] = len(out)
		out = append(out, weightedTerm{term: t.term, w: w})
	}
	return out
}

// negators open a negation: the words after them (including the verbs of
// exclusion: "avoiding friendship", "omitting the final sound") (up to the end of the clause, at
// most negationReach words) are negated ("not made by man", "without seeds or pits").
var negators = words("not no without non never nor lacking lacks lack lacked cannot " +
	"exclude excludes excluded excluding except omit omits omitted omitting avoid avoids avoided avoiding ignore ignores ignored ignoring")

// twoWordNegators negate only with the word that follows them.
var twoWordNegators = map[string]string{"free": "of ", "other": "than ", "apart": "from ", "aside": "from ", "exception": "of ",
	"leave": "out ", "leaves": "out ", "leaving": "out "}

// negationReach is how many words a negation covers.
const negationReach = 4

// negationEnd closes a negation early.
var negationEnd = words("but although though however whereas while which that who because yet")

// passageNegated returns the analyzed terms that occur inside a negation in text.
func passageNegated(text string) map[string]bool {
	_, _, negated := passageTerms(text)
	return negated
}

// passageTerms returns the analyzed terms of text that occur at least once outside a
// negation (positive), the set of all its terms (any) and those that occur at least
// once inside a negation (negated).
func passageTerms(text string) (positive, any, negatedSet map[string]bool) {
	positive, any, negatedSet = map[string]bool{}, map[string]bool{}, map[string]bool{}
	locs := wordRE.FindAllStringIndex(text, -1)
	reach := 0
	prevEnd := 0
	for _, loc := range locs {
		w := text[loc[0]:loc[1]]
		gap := text[prevEnd:loc[0]]
		prevEnd = loc[1]
		if strings.ContainsAny(gap, ",;:.!?()[]\n") {
			reach = 0
		}
		lw := strings.ToLower(w)
		if follower, ok := twoWordNegators[lw]; ok {
			// "free of X", "other than X", "apart from X" negate X; the first word
			// alone is an ordinary word ("free stream")
			next := strings.TrimLeft(text[loc[1]:], " ")
			if len(next) > len(follower) && strings.EqualFold(next[:len(follower)], follower) {
				reach = negationReach + 2 // neither word is counted
				continue
			}
		} else if strings.HasSuffix(lw, "n't") || strings.HasSuffix(lw, "n’t") || negators[lw] {
			reach = negationReach + 1 // the negator itself is not counted
			if lw == "non" && strings.HasPrefix(text[loc[1]:], "-") {
				reach = 2 // "non-toxic": one word
			}
			continue
		}
		if negationEnd[lw] {
			reach = 0
		}
		terms := lexical.Analyze(w)
		negated := reach > 0
		if reach > 0 && len(terms) > 0 {
			reach-- // stop words do not use up the reach
		}
		// "X-free" negates X
		if rest := text[loc[1]:]; len(rest) >= 5 && rest[0] == '-' && strings.EqualFold(rest[1:5], "free") &&
			(len(rest) == 5 || !unicode.IsLetter(rune(rest[5]))) {
			negated = true
		}
		for _, t := range terms {
			any[t] = true
			if negated {
				negatedSet[t] = true
			} else {
				positive[t] = true
			}
		}
	}
	return positive, any, negatedSet
}

// Negates reports whether text states the negation of an excluded phrase: the
// phrase's first or head term (its heaviest) occurs inside a negation ("not
// made by man", "without seeds"). Such a text satisfies the constraint even
// where it also mentions the thing elsewhere ("fruit without seeds, unlike …
// with seeds"): it is about the absence.
func (g *Grader) Negates(text string) bool {
	if g == nil {
		return false
	}
	return len(g.negatedPhrases(text)) > 0
}

// negatedPhrases returns the indexes of the phrases text states the negation of.
func (g *Grader) negatedPhrases(text string) map[int]bool {
	negated := passageNegated(text)
	var out map[int]bool
	for i, p := range g.phrases {
		if negated[p.head()] || negated[p.terms[0].term] {
			if out == nil {
				out = map[int]bool{}
			}
			out[i] = true
		}
	}
	return out
}

// Grade is how much text violates the constraints, in [0, 1]: the largest, over
// the constraints that apply to text, of the IDF-weighted share of the phrase's
// terms that text mentions outside a negation, mapped linearly from
// [NoViolation, FullViolation] to [0, 1]. A scoped constraint applies when text
// is at least as much about its scope as about any other scope (or about none).
// A text that states the negation of any excluded phrase (Negates) grades 0.
// A nil Grader grades everything 0.
func (g *Grader) Grade(text string) float64 {
	if g == nil {
		return 0
	}
	positive, any, negated := passageTerms(text)
	for _, p := range g.phrases {
		if negated[p.head()] || negated[p.terms[0].term] {
			// the passage states the negation of an exclusion ("fruit without seeds"):
			// it is about the absence the query asks for, and satisfies it
			return 0
		}
	}
	var scopeShare []float64
	best := 0.0
	for _, p := range g.phrases {
		if p.scope >= 0 {
			if scopeShare == nil {
				scopeShare = make([]float64, len(g.scopes))
				for i, st := range g.scopes {
					scopeShare[i] = share(st, any)
				}
			}
			if !inScope(scopeShare, p.scope) {
				continue
			}
		}
		s := 0.0
		for _, t := range p.terms {
			if positive[t.term] {
				s += t.w
			}
		}
		best = math.Max(best, s/p.total)
	}
	return ramp(best)
}

// head is the phrase's heaviest term.
func (p *gradedPhrase) head() string {
	h := p.terms[0]
	for _, t := range p.terms[1:] {
		if t.w > h.w {
			h = t
		}
	}
	return h.term
}

// share is the weighted share of terms present in set.
func share(terms []weightedTerm, set map[string]bool) float64 {
	var s, total float64
	for _, t := range terms {
		total += t.w
		if set[t.term] {
			s += t.w
		}
	}
	if total == 0 {
		return 0
	}
	return s / total
}

// inScope reports whether scope i is (one of) the best-matching scopes, or none matches.
func inScope(shares []float64, i int) bool {
	top := 0.0
	for _, s := range shares {
		top = math.Max(top, s)
	}
	return top == 0 || shares[i] >= top
}

// ramp maps a raw share to a violation grade: 0 up to NoViolation, 1 from
// FullViolation, linear between.
func ramp(x float64) float64 {
	switch {
	case x <= NoViolation:
		return 0
	case x >= FullViolation:
		return 1
	}
	return (x - NoViolation) / (FullViolation - NoViolation)
}
