package embed

import "testing"

func TestRenderQuery(t *testing.T) {
	cases := []struct {
		name, template, instruction, query, want string
	}{
		{"newline separator", "{instruction}\n{query}", "Find passages", "cats", "Find passages\ncats"},
		{"no instruction strips the separator", "{instruction}\n{query}", "", "cats", "cats"},
		{"no instruction, space separator", "{instruction} {query}", "", "cats", "cats"},
		{"no instruction, placeholder last", "{query} {instruction}", "", "cats", "cats"},
		{"labelled template", "Instruct: {instruction}\nQuery: {query}", "Find", "cats", "Instruct: Find\nQuery: cats"},
		{"labelled template without instruction", "Instruct: {instruction}\nQuery: {query}", "", "cats", "Instruct: Query: cats"},
		{"braces in user text are not placeholders", "{instruction} {query}", "use {query}", "{instruction}", "use {query} {instruction}"},
		{"other braces kept", "{x} {instruction}: {query}", "i", "q", "{x} i: q"},
		{"empty template", "", "i", "q", "q"},
		{"query whitespace kept", "{instruction} {query}", "", "  q  ", "  q  "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RenderQuery(c.template, c.instruction, c.query); got != c.want {
				t.Fatalf("RenderQuery(%q, %q, %q) = %q, want %q", c.template, c.instruction, c.query, got, c.want)
			}
		})
	}
}

func TestRenderDocument(t *testing.T) {
	cases := []struct{ template, text, want string }{
		{"{document}", "d", "d"},
		{"", "d", "d"},
		{"passage: {document}", "d {document}", "passage: d {document}"},
	}
	for _, c := range cases {
		if got := RenderDocument(c.template, c.text); got != c.want {
			t.Errorf("RenderDocument(%q, %q) = %q, want %q", c.template, c.text, got, c.want)
		}
	}
}
