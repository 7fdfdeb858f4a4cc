package constraints

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/instructd/instructd/index/lexical"
)

// Extraction is the result of Extract.
type Extraction struct {
	// Query is the query with its constraint clauses removed.
	Query string
	// Instruction is the instruction with its constraint clauses removed.
	Instruction string
	// Exclude holds the excluded phrases, instruction first, in order of appearance, without duplicates.
	Exclude []string
	// Constraints holds the same phrases with their scope: when a text has several
	// "A (excluding a)" parts, each exclusion belongs to its part; otherwise Scope is "".
	Constraints []Constraint
}

// Constraint is one excluded phrase and the part of the query it applies to.
type Constraint struct {
	// Phrase is the excluded phrase.
	Phrase string
	// Scope is the sub-topic the exclusion belongs to ("A" in "(A excluding a) and
	// (B excluding b)"); "" means the whole query.
	Scope string
}

// maxPhraseWords and maxPhraseTerms bound an excluded phrase's words and its
// content words: a longer "phrase" is more likely a mis-parse of ordinary prose
// ("without expulsion of all of the products of conception") than a thing to
// exclude, and is dropped.
const (
	maxPhraseWords = 7
	maxPhraseTerms = 5
)

// position says where a trigger counts.
type position int

const (
	never       position = iota // not in this text
	anywhere                    // unambiguous wording ("excluding", "don't mention")
	clauseStart                 // must open a clause: text start, after , ; : . ! ? ( or "but"/"and"/"please"
	afterBreak                  // must follow , ; "but" or "and" ("cats, not dogs")
	afterTopic                  // clause start, or after a topic in a query that is not a question ("Aarhus without Denmark")
)

// trigger is one way of phrasing a negative constraint.
type trigger struct {
	re          *regexp.Regexp
	instruction position
	query       position
	// blockNext lists first words of X that mean the wording is not a constraint
	// ("not only", "with no further").
	blockNext map[string]bool
	// captured: X is the pattern's first group ("non-X account", "leaving X out"),
	// not the text after the match; a second group ("account") is kept in the text.
	captured bool
	// noGerund: an X that starts with an -ing word is an action, not a topic
	// ("cook beets without bleeding").
	noGerund bool
}

// rx compiles a case-insensitive, word-bounded pattern in which ' also matches ’.
func rx(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(?:` + strings.ReplaceAll(pattern, "'", "[’']") + `)\b`)
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// metaNouns name a kind of text: "a non-X account of T" excludes X, while a
// technical "non-linear analysis" does not.
const metaNouns = `(?:summary|summaries|account|accounts|overview|overviews|view|views|perspective|perspectives|description|descriptions|` +
	`introduction|introductions|explanation|explanations|treatment|treatments|sources?|material|materials|information|articles?|` +
	`passages?|documents?|texts?|papers?|reading|readings|history|histories|story|stories|take|answer|answers|results?|coverage|discussion)`

// triggers is read-only after package initialisation.
var triggers = []trigger{
	{re: rx(`(?:(?:that|which|who|i|we)\s+)?(?:do\s+not|don't|dont|does\s+not|doesn't|should\s+not|shouldn't|must\s+not|mustn't|never|cannot|can't|will\s+not|won't)\s+` +
		`(?:(?:mention|include|discuss|cover|reference|contain|involve|return|show|retrieve|cite|use)s?|refers?\s+to|talks?\s+about|be\s+about|focus(?:es)?\s+on|bring\s+up|deals?\s+with` +
		`|want\s+to\s+(?:see|read|hear\s+about)|want)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`without\s+(?:any\s+)?(?:mentioning|mentions?\s+of|discussing|discussion\s+of|referring\s+to|references?\s+to|referencing|talking\s+about|including|bringing\s+up|covering|involving|touching\s+on|dwelling\s+on|getting\s+into)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`(?:(?:that|which|who)\s+)?(?:(?:are|is|were|was|be)\s+)?not\s+(?:mentioning|including|discussing|about|related\s+to|relating\s+to|regarding|concerning|involving|covering|referring\s+to)` +
		`|(?:(?:that|which|who)\s+)?(?:aren't|isn't|weren't|wasn't)\s+(?:about|related\s+to|relating\s+to|regarding|concerning)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`exclud(?:e|ing)|except(?:\s+for)?|with\s+the\s+exception\s+of|other\s+than|omit(?:ting)?|leav(?:e|ing)\s+out`),
		instruction: anywhere, query: anywhere,
		blockNext: words("none nothing each one another that this it them")},
	{re: rx(`(?:setting|leaving|putting)\s+aside`), instruction: clauseStart, query: clauseStart,
		blockNext: words("none nothing each one another that this it them")},
	{re: rx(`apart\s+from|aside\s+from`), instruction: anywhere, query: anywhere, noGerund: true,
		blockNext: words("none nothing each one another that this it them")},
	{re: rx(`outside\s+(?:of\s+)?(?:its|their|his|her|the|any)\s+(?:(?:close|historical|direct)\s+)?(?:associations?|connections?|links?|relationships?|ties|tie|relations?)\s+(?:with|to)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`(?:with\s+)?no\s+(?:mentions?|references?|discussion|talk)\s+(?:of|to|about|on)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`with\s+no`), instruction: anywhere, query: anywhere,
		blockNext: words("further more less doubt one exception exceptions need problem problems way end limit")},
	{re: rx(`free\s+of`), instruction: anywhere, query: anywhere,
		blockNext: words("charge charges cost costs fee fees tax taxes duty debt")},
	{re: rx(`non[\s-]+(\pL+(?:\s+\pL+)?)\s+(` + metaNouns + `)`), instruction: anywhere, query: anywhere, captured: true},
	{re: rx(`(\pL+)-free\s+(` + metaNouns + `)`), instruction: anywhere, query: anywhere, captured: true},
	{re: rx(`leav(?:e|ing)\s+([^,;.()]{1,60}?)\s+out(?:\s+(?:entirely|completely|altogether|of\s+it))?`), instruction: anywhere, query: anywhere, captured: true,
		blockNext: words("or and to it them this that something anything out")},
	{re: rx(`without`), instruction: afterTopic, query: afterTopic, noGerund: true,
		blockNext: words("doubt question exception fail end limit delay")},
	{re: rx(`nothing\s+(?:about|on|related\s+to|regarding|concerning|involving|mentioning|that\s+mentions?)`),
		instruction: clauseStart, query: clauseStart},
	{re: rx(`avoid(?:ing)?|ignor(?:e|ing)|skip(?:ping)?|disregard(?:ing)?`), instruction: clauseStart, query: clauseStart},
	{re: rx(`not`), instruction: afterBreak, query: afterBreak,
		blockNext: words("only just merely simply necessarily even always all every very too so quite yet sure to be because that as exactly much many more less least until in at for on with by from of if when where how what why who which whether really entirely")},
	{re: rx(`no`), instruction: afterBreak, query: afterBreak,
		blockNext: words("longer more less matter one doubt way need problem idea later sooner further other than such")},
}

// leaveOrMove is an X of "leave X out" that joins verbs rather than naming things.
var leaveOrMove = regexp.MustCompile(`(?i)\b(?:or|and)\s+(?:leave|move|strike|go|get|put|take)\b`)

// questionStart marks a query phrased as a question or a how-to: there a
// mid-sentence "without" is part of what is asked ("how long can a human
// survive without water").
var questionStart = regexp.MustCompile(`(?i)^\W*(?:how|what|what's|whats|why|when|where|which|who|whom|whose|can|could|is|are|was|were|does|do|did|has|have|had|should|will|would|may|might|must|shall|if|in\s+what|to\s+what)\b`)

var (
	// terminator ends an excluded phrase: clause punctuation or a conjunction.
	terminator = regexp.MustCompile(`(?i)[;!?:()\[\]\n]|[.,](?:\s|$)|\b(?:and|but|while|whereas|because|though|although|since|unless|so|then|instead|yet|rather|as\s+well\s+as|focus|focusing)\b`)
	// alternatives splits "Moses or Aaron" into two phrases.
	alternatives = regexp.MustCompile(`(?i)\s+(?:or|nor|and/or)\s+|\s*/\s*`)
	// leadingFiller is stripped (repeatedly) from the start of a phrase. Nouns
	// like "documents" only go when a connector follows, so "news reports" stays.
	leadingFiller = regexp.MustCompile(`(?i)^(?:` +
		`(?:the|a|an|any|all|some|every|each|of|to|about|regarding|concerning|related\s+to|relating\s+to|mentioning|discussing|referring\s+to|talking\s+about|including|involving|covering|containing)\s+` +
		`|(?:anything|something|stuff|things?|ones?|those|these|documents?|docs?|passages?|texts?|articles?|results?|pages?|content|information|info|material|entries|items|sources|answers?|hits)\s+` +
		`(?:(?:that|which|who)\s+(?:(?:are|is)\s+)?(?:mentions?|discuss(?:es)?|talks?\s+about|refers?\s+to|covers?|includes?|contains?|about|focus(?:es)?\s+on|deals?\s+with|involves?|related\s+to)` +
		`|about|on|regarding|concerning|related\s+to|relating\s+to|mentioning|discussing|covering|involving|including|containing|referring\s+to|to\s+do\s+with|with|of|from)\s+` +
		`|(?:to\s+do\s+with|having\s+to\s+do\s+with)\s+` +
		`|(?:mentions?|references?|discussions?|talk|word)\s+(?:of|to|about|on)\s+` +
		`|(?:words?|terms?|phrases?|names?)\s+(?:\S)` + // "the word Moses" → "Moses" (the lookahead is emulated below)
		`)`)
	trailingFiller = regexp.MustCompile(`(?i)\s+(?:at\s+all|whatsoever|please|either|too|as\s+well|in\s+(?:the\s+)?results|in\s+(?:your|the)\s+answers?|entirely|completely|altogether)$`)
)

// Extract finds negative constraints in an instruction and a query. It returns
// the excluded phrases and both texts with the constraint clauses removed; a
// text without constraints comes back unchanged.
func Extract(instruction, query string) Extraction {
	ins, exIns := extractFrom(instruction, true)
	q, exQ := extractFrom(query, false)
	cs := dedupe(append(exIns, exQ...))
	if len(cs) == 0 {
		return Extraction{Query: q, Instruction: ins}
	}
	ex := make([]string, len(cs))
	for i, c := range cs {
		ex[i] = c.Phrase
	}
	return Extraction{Query: q, Instruction: ins, Exclude: ex, Constraints: cs}
}

// match is one trigger occurrence.
type match struct {
	start, end int
	x0, x1     int // the captured X of a captured trigger
	cut        int // where the removed text ends for a captured trigger
	t          *trigger
}

// span is a byte range removed from a text.
type span struct{ start, end int }

// extractFrom extracts from one text; instruction selects the trigger positions.
func extractFrom(text string, instruction bool) (string, []Constraint) {
	if text == "" || !utf8.ValidString(text) {
		return text, nil
	}
	ms := findTriggers(text)
	var (
		removed []span
		found   []Constraint
		starts  []int // per found trigger: where its clause starts
		ends    []int // per found trigger: where its phrase ends
		counts  []int // per found trigger: how many phrases
	)
	question := questionStart.MatchString(text)
	prevEnd := 0
	for i, m := range ms {
		if m.start < prevEnd {
			continue
		}
		where := m.t.query
		if instruction {
			where = m.t.instruction
		}
		if where == never {
			continue
		}
		leadStart, atStart, sawBreak := leadIn(text, m.start)
		switch where {
		case clauseStart:
			if !atStart {
				continue
			}
		case afterBreak:
			if !sawBreak {
				continue
			}
		case afterTopic:
			// in a question, "without" is part of what is asked, wherever it stands
			if question || m.start == 0 {
				continue
			}
		}
		var x string
		xEnd := m.end
		if m.t.captured {
			x = text[m.x0:m.x1]
			xEnd = m.cut
		} else {
			limit := len(text)
			if i+1 < len(ms) {
				limit = ms[i+1].start
			}
			xEnd = limit
			if loc := terminator.FindStringIndex(text[m.end:limit]); loc != nil {
				xEnd = m.end + loc[0]
			}
			x = text[m.end:xEnd]
		}
		first := firstContentWord(x)
		if m.t.blockNext != nil && m.t.blockNext[first] {
			continue
		}
		if m.t.noGerund && isGerund(first) {
			continue
		}
		if m.t.captured && leaveOrMove.MatchString(x) {
			continue // "leave undone or leave out", "leave or move out": a definition, not a list
		}
		phrases := parsePhrases(x)
		if len(phrases) == 0 {
			continue
		}
		for _, p := range phrases {
			found = append(found, Constraint{Phrase: p})
		}
		start := max(leadStart, prevEnd)
		if m.t.captured {
			start = m.start
		}
		removed = append(removed, span{start, xEnd})
		starts = append(starts, start)
		ends = append(ends, xEnd)
		counts = append(counts, len(phrases))
		prevEnd = xEnd
	}
	if len(removed) == 0 {
		return text, nil
	}
	setScopes(text, found, starts, ends, counts)
	var b strings.Builder
	last := 0
	for _, s := range removed {
		b.WriteString(text[last:s.start])
		b.WriteString(" ")
		last = s.end
	}
	b.WriteString(text[last:])
	return tidy(b.String()), found
}

// scopeFiller is what surrounds a sub-topic between two constraint clauses:
// brackets, punctuation and the words that join or introduce the parts.
var scopeFiller = regexp.MustCompile(`(?i)^(?:[\s()\[\],;:.—–-]|\b(?:and|or|but|versus|vs|compared\s+(?:with|to)|compare|contrasted\s+with|as\s+opposed\s+to|against|with|then|also|plus|both|between)\b)+|(?:[\s()\[\],;:.—–-]|\b(?:and|or|but|versus|vs|compared\s+(?:with|to)|with)\b)+$`)

// setScopes ties each constraint to its part of the text when the text holds
// several constraint clauses, each after a sub-topic of its own: "(A excluding a)
// and (B excluding b)" gives a → A and b → B. The part of a clause is the text
// between the previous clause's end and this clause's start, without brackets and
// joining words. When any clause has no such part (two clauses in a row), no
// scopes are set: every exclusion applies to the whole query.
func setScopes(text string, found []Constraint, starts, ends, counts []int) {
	if len(starts) < 2 {
		return
	}
	scopes := make([]string, len(starts))
	prev := 0
	for i, s := range starts {
		part := text[prev:s]
		for {
			q := scopeFiller.ReplaceAllString(part, "")
			if q == part {
				break
			}
			part = q
		}
		part = strings.TrimSpace(part)
		if len(lexical.Analyze(part)) == 0 {
			return
		}
		scopes[i] = part
		prev = ends[i]
	}
	n := 0
	for i, c := range counts {
		for range c {
			found[n].Scope = scopes[i]
			n++
		}
	}
}

// findTriggers returns non-overlapping trigger matches in text order,
// preferring the earliest start and then the longest match.
func findTriggers(text string) []match {
	var all []match
	for i := range triggers {
		for _, loc := range triggers[i].re.FindAllStringSubmatchIndex(text, -1) {
			m := match{start: loc[0], end: loc[1], t: &triggers[i]}
			if triggers[i].captured && len(loc) >= 4 && loc[2] >= 0 {
				m.x0, m.x1, m.cut = loc[2], loc[3], loc[1]
				if len(loc) >= 6 && loc[4] >= 0 {
					m.cut = loc[4]
				}
			}
			all = append(all, m)
		}
	}
	sort.SliceStable(all, func(a, b int) bool {
		if all[a].start != all[b].start {
			return all[a].start < all[b].start
		}
		return all[a].end > all[b].end
	})
	out := all[:0]
	end := -1
	for _, m := range all {
		if m.start >= end {
			out = append(out, m)
			end = m.end
		}
	}
	return out
}

// leadWords may sit between a clause break and a trigger ("…, but please avoid X").
var leadWords = words("please also and but then just kindly so")

// leadIn walks back from a trigger over connectors and at most one , or ; to
// find where the constraint clause starts. atStart reports that the trigger
// opens a clause; sawBreak that a , ; "but" or "and" precedes it.
func leadIn(text string, start int) (clause int, atStart, sawBreak bool) {
	i := start
	for {
		j := skipSpaceBack(text, i)
		ws := j
		for ws > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:ws])
			if !unicode.IsLetter(r) {
				break
			}
			ws -= size
		}
		w := strings.ToLower(text[ws:j])
		if ws == j || !leadWords[w] {
			break
		}
		if w == "but" || w == "and" {
			sawBreak = true
		}
		i = ws
	}
	j := skipSpaceBack(text, i)
	if j == 0 {
		return 0, true, sawBreak
	}
	r, size := utf8.DecodeLastRuneInString(text[:j])
	switch r {
	case ',', ';':
		return j - size, true, true
	case ':', '.', '!', '?', '(', '\n', '—', '–', '-':
		return i, true, sawBreak
	}
	return j, sawBreak, sawBreak
}

func skipSpaceBack(text string, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// firstContentWord is the first word of s after any articles, lowercased.
func firstContentWord(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		w = strings.ToLower(w)
		if !determiners[w] {
			return w
		}
	}
	return ""
}

// ingNouns are common nouns that end in -ing but are not gerunds.
var ingNouns = words("thing things string strings spring springs ceiling evening morning building buildings clothing painting paintings " +
	"wedding weddings pudding king kings ring rings wing wings sting swing sling offspring herring viking vikings nothing something " +
	"anything everything ping ming bing beijing nanjing wyoming")

// isGerund reports whether a lowercased word looks like an -ing verb form.
func isGerund(w string) bool {
	return len(w) >= 5 && strings.HasSuffix(w, "ing") && !ingNouns[w]
}

// determiners are skipped when looking at the first word of a phrase.
var determiners = words("a an the any some")

// notTopical lists first words of a phrase that make it a condition on time,
// size or quantity ("before 2000", "longer than a page"), a judgement ("merely
// similar", "irrelevant ones") or a bare reference to the results themselves
// ("those that are merely similar") rather than a thing to exclude.
var notTopical = words("before after since until during older newer earlier later than published written dated " +
	"longer shorter more less fewer over under within prior " +
	"relevant irrelevant similar related unrelated useful helpful necessary needed required important merely just only " +
	"those these ones documents docs passages results texts articles pages anything something stuff things content " +
	"information entries items sources answers hits it them this that")

// parsePhrases splits X into alternatives, strips filler words and keeps the
// phrases that carry at least one index term; when any alternative is too long,
// it keeps none.
func parsePhrases(x string) []string {
	var out []string
	for _, alt := range alternatives.Split(x, -1) {
		p := cleanPhrase(alt)
		terms := lexical.Analyze(p)
		if len(terms) > maxPhraseTerms || len(strings.Fields(p)) > maxPhraseWords {
			return nil // one overlong alternative: the clause is prose, not a list of things
		}
		if p == "" || notTopical[firstContentWord(p)] || len(terms) == 0 {
			continue
		}
		out = append(out, p)
	}
	return out
}

const quotes = ` "'“”‘’«»` + "`\t\n"

func cleanPhrase(p string) string {
	p = strings.Trim(p, quotes)
	for {
		loc := leadingFiller.FindStringIndex(p)
		if loc == nil {
			break
		}
		end := loc[1]
		if strings.ContainsAny(p[end-1:end], "\t\n ") == false {
			// the "word X" alternative consumed the first rune of X: give it back
			_, size := utf8.DecodeLastRuneInString(p[:end])
			end -= size
		}
		p = strings.Trim(p[end:], quotes)
	}
	for {
		q := strings.Trim(trailingFiller.ReplaceAllString(p, ""), quotes)
		if q == p {
			break
		}
		p = q
	}
	return p
}

var (
	spaces        = regexp.MustCompile(`\s+`)
	spaceBefore   = regexp.MustCompile(`\s+([,;:.!?)])`)
	doubledPunct  = regexp.MustCompile(`[,;:]+\s*([.!?])|([,;:])(?:\s*[,;:])+|([.!?])(?:\s*[.,;:])+`)
	danglingStart = regexp.MustCompile(`(?i)^(?:[\s,;:.]+|(?:and|but|or|then|also)\b)+`)
	danglingEnd   = regexp.MustCompile(`(?i)(?:[\s,;:]|\b(?:and|but|or|that|which|who)\b)+$`)
)

// tidy repairs spacing and punctuation after clauses were cut out.
func tidy(s string) string {
	s = spaces.ReplaceAllString(s, " ")
	s = spaceBefore.ReplaceAllString(s, "$1")
	s = doubledPunct.ReplaceAllString(s, "$1$2$3")
	s = danglingStart.ReplaceAllString(s, "")
	s = danglingEnd.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// dedupe drops repeated phrases, comparing case-insensitively; the first
// occurrence (and its scope) is kept.
func dedupe(in []Constraint) []Constraint {
	if len(in) == 0 {
		return nil
	}
	seen := map[string]bool{}
	out := in[:0:0]
	for _, c := range in {
		k := strings.ToLower(c.Phrase)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}
