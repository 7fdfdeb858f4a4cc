package embed

import (
	"slices"
	"testing"
)

// TestGPTSplitMatchesRegexp2 runs the hand-written scanners and regexp2 over every
// golden text and pair (and a few hand-picked edge cases) for the GPT-2, Llama-3 and
// Qwen patterns: the matches must be identical.
func TestGPTSplitMatchesRegexp2(t *testing.T) {
	var texts pipelineTexts
	readGzipJSON(t, "pipeline-texts.json.gz", &texts)
	all := append([]string{"", "'", "'S", "'LL", "'Re", "a'", " '", "  ", " \n ", "x \t\n  y", " 1 ", "\r\n\r\n  ", " !!\n\n", "  \u00a0x", "12345678"}, texts.Texts...)
	for _, p := range texts.Pairs {
		all = append(all, p[0], p[1])
	}
	for _, expr := range []string{gpt2Pattern, llama3Pattern, qwenPattern} {
		fast, ok := knownSplitPattern(expr)
		if !ok {
			t.Fatalf("pattern %q is not recognised", expr)
		}
		slow, err := compileRegexp2(expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range all {
			got, _ := fast.findAll(s)
			want, err := slow.findAll(s)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pattern %q on %q:\n got %v\nwant %v", expr, s, got, want)
			}
		}
	}
}
