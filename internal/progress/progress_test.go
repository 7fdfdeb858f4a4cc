package progress

import (
	"strings"
	"testing"
)

// TestPlainOutput checks the non-terminal form: one line per tenth, never backwards, right
// percentages, and one summary line.
func TestPlainOutput(t *testing.T) {
	var sb strings.Builder
	b := New(&sb, "ingest", 200, "docs")
	for _, n := range []int64{1, 19, 20, 21, 10, 100, 199, 200, 200} {
		b.Set(n)
	}
	b.Finish()
	b.Finish()
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	want := []string{"ingest: 1/200 docs (0%)", "ingest: 20/200 docs (10%)", "ingest: 100/200 docs (50%)",
		"ingest: 199/200 docs (90%)", "ingest: 200/200 docs (100%)", "ingest: 200 docs in"}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), sb.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	var nilBar *Bar
	nilBar.Set(3)
	nilBar.Finish()
	if New(nil, "x", 1, "y") != nil {
		t.Error("New(nil) should draw nothing")
	}
}
