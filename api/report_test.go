package api

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestIngestReportBoundedByBytes feeds the summary 10,000 failures whose ids are 1 MiB
// each: ids are clipped, the list stops near reportMaxBytes, the count keeps counting.
func TestIngestReportBoundedByBytes(t *testing.T) {
	h := &handlers{opts: Options{}.withDefaults()}
	st := ingestSummary{}
	bigID := strings.Repeat("é", 512<<10) // 1 MiB of two-byte runes
	for i := 0; i < 10_000; i++ {
		h.reportFailure(&st, lineFailure{Line: i + 1, ID: bigID, Error: "id: longer than 512 bytes"})
		h.reportTruncated(&st, bigID)
	}
	if st.FailedCount != 10_000 || st.TruncatedCount != 10_000 {
		t.Fatalf("counts %d/%d, want 10000 each", st.FailedCount, st.TruncatedCount)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > reportMaxBytes+64<<10 {
		t.Fatalf("summary is %d bytes, want about %d at most", len(b), reportMaxBytes)
	}
	if len(st.Failed) == 0 || len(st.Truncated) == 0 {
		t.Fatal("nothing reported")
	}
	for _, f := range st.Failed[:3] {
		if len(f.ID) > reportIDBytes || !utf8.ValidString(f.ID) || !strings.HasSuffix(f.ID, "…") {
			t.Fatalf("reported id of %d bytes (valid UTF-8 %v): %q", len(f.ID), utf8.ValidString(f.ID), f.ID)
		}
	}
}
