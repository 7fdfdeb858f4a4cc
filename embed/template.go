package embed

import (
	"strings"
	"unicode"
)

// Template placeholders.
const (
	placeholderInstruction = "{instruction}"
	placeholderQuery       = "{query}"
	placeholderDocument    = "{document}"
)

// RenderQuery fills a pack's query template with an instruction and a query in one
// pass, so braces inside the user's text are never taken for placeholders. With an empty
// instruction the placeholder goes, and so does the whitespace that separated it from
// the rest ("{instruction} {query}" renders as just the query, not " query"). An empty
// template means "{query}".
func RenderQuery(template, instruction, query string) string {
	if template == "" {
		return query
	}
	var b strings.Builder
	b.Grow(len(template) + len(instruction) + len(query))
	rest := template
	for rest != "" {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		switch {
		case strings.HasPrefix(rest[i:], placeholderInstruction):
			before := rest[:i]
			after := rest[i+len(placeholderInstruction):]
			if instruction == "" {
				// Drop the separator: the whitespace after the placeholder, or, when there
				// is none (placeholder last), the whitespace before it.
				trimmed := strings.TrimLeftFunc(after, unicode.IsSpace)
				if len(trimmed) == len(after) {
					before = strings.TrimRightFunc(before, unicode.IsSpace)
				}
				after = trimmed
				b.WriteString(before)
			} else {
				b.WriteString(before)
				b.WriteString(instruction)
			}
			rest = after
		case strings.HasPrefix(rest[i:], placeholderQuery):
			b.WriteString(rest[:i])
			b.WriteString(query)
			rest = rest[i+len(placeholderQuery):]
		default:
			b.WriteString(rest[:i+1])
			rest = rest[i+1:]
		}
	}
	return b.String()
}

// RenderDocument fills a pack's document template; an empty template leaves text unchanged.
func RenderDocument(template, text string) string {
	if template == "" || template == placeholderDocument {
		return text
	}
	return strings.Replace(template, placeholderDocument, text, 1)
}
