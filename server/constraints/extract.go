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
}

// maxPhraseWords bounds an excluded phrase: a longer "phrase" is more likely a
// mis-parse of ordinary prose than a thing to exclude, and is dropped.
const maxPhraseWords = 6

// position says where a trigger counts.
type position int

const (
	never       position = iota // not in this text
	anywhere                    // unambiguous wording ("excluding", "don't mention")
	clauseStart                 // must open a clause: text start, after , ; : . ! ? ( or "but"/"and"/"please"
	afterBreak                  // must follow , ; "but" or "and" ("cats, not dogs")
)

// trigger is one way of phrasing a negative constraint.
type trigger struct {
	re          *regexp.Regexp
	instruction position
	query       position
	// blockNext lists first words of X that mean the wording is not a constraint
	// ("not only", "with no further").
	blockNext map[string]bool
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

// triggers is read-only after package initialisation.
var triggers = []trigger{
	{re: rx(`(?:(?:that|which|who|i|we)\s+)?(?:do\s+not|don't|dont|does\s+not|doesn't|should\s+not|shouldn't|must\s+not|mustn't|never|cannot|can't|will\s+not|won't)\s+` +
		`(?:(?:mention|include|discuss|cover|reference|contain|involve|return|show|retrieve|cite|use)s?|refers?\s+to|talks?\s+about|be\s+about|focus(?:es)?\s+on|bring\s+up|deals?\s+with` +
		`|want\s+to\s+(?:see|read|hear\s+about)|want)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`without\s+(?:any\s+)?(?:mentioning|mentions?\s+of|discussing|discussion\s+of|referring\s+to|references?\s+to|talking\s+about|including|bringing\s+up|covering|involving)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`(?:(?:that|which|who)\s+)?(?:(?:are|is|were|was|be)\s+)?not\s+(?:mentioning|including|discussing|about|related\s+to|relating\s+to|regarding|concerning|involving|covering|referring\s+to)` +
		`|(?:(?:that|which|who)\s+)?(?:aren't|isn't|weren't|wasn't)\s+(?:about|related\s+to|relating\s+to|regarding|concerning)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`exclud(?:e|es|ing)|except(?:\s+for)?|other\s+than|omit(?:s|ting)?|leav(?:e|ing)\s+out`),
		instruction: anywhere, query: anywhere},
	{re: rx(`(?:with\s+)?no\s+(?:mentions?|references?|discussion|talk)\s+(?:of|to|about|on)`),
		instruction: anywhere, query: anywhere},
	{re: rx(`with\s+no`), instruction: anywhere, query: anywhere,
		blockNext: words("further more less doubt one exception exceptions need problem problems way end limit")},
	{re: rx(`without`), instruction: anywhere, query: clauseStart,
		blockNext: words("doubt question exception fail end limit delay")},
	{re: rx(`nothing\s+(?:about|on|related\s+to|regarding|concerning|involving|mentioning|that\s+mentions?)`),
		instruction: clauseStart, query: clauseStart},
	{re: rx(`avoid(?:ing)?|ignor(?:e|ing)|skip(?:ping)?|disregard(?:ing)?`), instruction: clauseStart, query: clauseStart},
	{re: rx(`not`), instruction: afterBreak, query: afterBreak,
		blockNext: words("only just merely simply necessarily even always all every very too so quite yet sure to be because that as exactly much many more less least until in at for on with by from of if when where how what why who which whether really entirely")},
	{re: rx(`no`), instruction: afterBreak, query: afterBreak,
		blockNext: words("longer more less matter one doubt way need problem idea later sooner further other than such")},
}

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
		`|about|on|regarding|concerning|related\s+to|relating\s+to|mentioning|discussing|covering|involving|including|containing|referring\s+to|with|of|from)\s+` +
		`|(?:mentions?|references?|discussions?|talk|word)\s+(?:of|to|about|on)\s+` +
		`|(?:words?|terms?|phrases?|names?)\s+(?:\S)` + // "the word Moses" → "Moses" (the lookahead is emulated below)
		`)`)
	trailingFiller = regexp.MustCompile(`(?i)\s+(?:at\s+all|whatsoever|please|either|too|as\s+well|in\s+(?:the\s+)?results|in\s+(?:your|the)\s+answers?)$`)
)

// Extract finds negative constraints in an instruction and a query. It returns
// the excluded phrases and both texts with the constraint clauses removed; a
// text without constraints comes back unchanged.
func Extract(instruction, query string) Extraction {
	ins, exIns := extractFrom(instruction, true)
	q, exQ := extractFrom(query, false)
	ex := dedupe(append(exIns, exQ...))
	return Extraction{Query: q, Instruction: ins, Exclude: ex}
}

// match is one trigger occurrence.
type match struct {
	start, end int
	t          *trigger
}

// span is a byte range removed from a text.
type span struct{ start, end int }

// extractFrom extracts from one text; instruction selects the trigger positions.
func extractFrom(text string, instruction bool) (string, []string) {
	if text == "" || !utf8.ValidString(text) {
		return text, nil
	}
	ms := findTriggers(text)
	var (
		removed []span
		exclude []string
	)
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
		}
		limit := len(text)
		if i+1 < len(ms) {
			limit = ms[i+1].start
		}
		xEnd := limit
		if loc := terminator.FindStringIndex(text[m.end:limit]); loc != nil {
			xEnd = m.end + loc[0]
		}
		x := text[m.end:xEnd]
		if m.t.blockNext != nil && m.t.blockNext[firstContentWord(x)] {
			continue
		}
		phrases := parsePhrases(x)
		if len(phrases) == 0 {
			continue
		}
		exclude = append(exclude, phrases...)
		removed = append(removed, span{max(leadStart, prevEnd), xEnd})
		prevEnd = xEnd
	}
	if len(removed) == 0 {
		return text, nil
	}
	var b strings.Builder
	last := 0
	for _, s := range removed {
		b.WriteString(text[last:s.start])
		b.WriteString(" ")
		last = s.end
	}
	b.WriteString(text[last:])
	return tidy(b.String()), exclude
}

// findTriggers returns non-overlapping trigger matches in text order,
// preferring the earliest start and then the longest match.
func findTriggers(text string) []match {
	var all []match
	for i := range triggers {
		for _, loc := range triggers[i].re.FindAllStringIndex(text, -1) {
			all = append(all, match{start: loc[0], end: loc[1], t: &triggers[i]})
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
// phrases that are short and carry at least one index term.
func parsePhrases(x string) []string {
	var out []string
	for _, alt := range alternatives.Split(x, -1) {
		p := cleanPhrase(alt)
		if p == "" || len(strings.Fields(p)) > maxPhraseWords || notTopical[firstContentWord(p)] || len(lexical.Analyze(p)) == 0 {
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

// dedupe drops repeated phrases, comparing case-insensitively.
func dedupe(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := map[string]bool{}
	out := in[:0:0]
	for _, p := range in {
		k := strings.ToLower(p)
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}
