package embed

import (
	"encoding/json"
	"slices"
	"testing"
)

// piecesWithSpans renders pre-tokenized pieces as "text[start:end]" of the original.
func piecesWithSpans(ps []normalizedText) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		sp := p.span(0, len(p.text))
		out[i] = p.text + "[" + itoa(sp[0]) + ":" + itoa(sp[1]) + "]"
	}
	return out
}

func TestMetaspace(t *testing.T) {
	cases := []struct {
		name, spec string
		pieces     []normalizedText
		want       []string
	}{
		{"always prepends and splits", `{"replacement":"▁","prepend_scheme":"always","split":true}`,
			[]normalizedText{newNormalizedText("Hey  friend", 0)}, []string{"▁Hey[0:3]", "▁[3:4]", "▁friend[4:11]"}},
		{"no prepend when already spaced", `{"replacement":"▁","prepend_scheme":"always"}`,
			[]normalizedText{newNormalizedText(" x", 0)}, []string{"▁x[0:2]"}},
		{"first only at offset 0", `{"replacement":"▁","prepend_scheme":"first"}`,
			[]normalizedText{newNormalizedText("ab", 0), newNormalizedText("cd", 5)}, []string{"▁ab[0:2]", "cd[5:7]"}},
		{"never", `{"replacement":"▁","prepend_scheme":"never"}`,
			[]normalizedText{newNormalizedText("a b", 0)}, []string{"a[0:1]", "▁b[1:3]"}},
		{"no split", `{"replacement":"▁","prepend_scheme":"always","split":false}`,
			[]normalizedText{newNormalizedText("a b", 0)}, []string{"▁a▁b[0:3]"}},
		{"legacy add_prefix_space true", `{"replacement":"▁","add_prefix_space":true}`,
			[]normalizedText{newNormalizedText("a", 0)}, []string{"▁a[0:1]"}},
		{"custom replacement", `{"replacement":"_","prepend_scheme":"always"}`,
			[]normalizedText{newNormalizedText("a b", 0)}, []string{"_a[0:1]", "_b[1:3]"}},
		{"empty pieces vanish", `{"replacement":"▁"}`,
			[]normalizedText{newNormalizedText("", 0)}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pt, err := parseMetaspacePreTokenizer(json.RawMessage(c.spec))
			if err != nil {
				t.Fatal(err)
			}
			out, err := pt.preTokenize(c.pieces)
			if err != nil {
				t.Fatal(err)
			}
			if got := piecesWithSpans(out); !slices.Equal(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
			for _, p := range out {
				if len(p.align) != len(p.text) {
					t.Errorf("piece %q has %d alignments", p.text, len(p.align))
				}
			}
		})
	}
}

func TestMetaspaceErrors(t *testing.T) {
	for name, spec := range map[string]string{
		"two-char replacement":   `{"replacement":"ab"}`,
		"unknown scheme":         `{"replacement":"▁","prepend_scheme":"sometimes"}`,
		"contradicting legacy":   `{"replacement":"▁","add_prefix_space":false}`,
		"contradicting legacy 2": `{"replacement":"▁","add_prefix_space":false,"prepend_scheme":"first"}`,
		"not an object":          `"▁"`,
	} {
		if _, err := parseMetaspacePreTokenizer(json.RawMessage(spec)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := parseMetaspacePreTokenizer(json.RawMessage(`{"replacement":"▁","add_prefix_space":false,"prepend_scheme":"never"}`)); err != nil {
		t.Errorf("add_prefix_space false with never: %v", err)
	}
}
