package api

import "unicode/utf8"

// Bounds of an NDJSON ingest's failure report: ids and messages are clipped, and the
// lists stop growing past reportMaxBytes (the counts keep counting), so a stream of
// bad lines with 1 MiB ids cannot grow the summary beyond about a MiB.
const (
	reportIDBytes    = 128
	reportErrorBytes = 512
	reportMaxBytes   = 1 << 20
)

// clip cuts s to at most n bytes on a UTF-8 boundary, marking the cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// reportFailure adds f to the summary's list if the list has room, clipped.
func (h *handlers) reportFailure(st *ingestSummary, f lineFailure) {
	st.FailedCount++
	f.ID, f.Error = clip(f.ID, reportIDBytes), clip(f.Error, reportErrorBytes)
	size := len(f.ID) + len(f.Error) + 48 // JSON punctuation and the line number
	if len(st.Failed) < h.opts.MaxReportedFailures && st.reportBytes+size <= reportMaxBytes {
		st.Failed = append(st.Failed, f)
		st.reportBytes += size
	}
}

// reportTruncated adds a truncated document's id to the summary if the list has room.
func (h *handlers) reportTruncated(st *ingestSummary, id string) {
	st.TruncatedCount++
	id = clip(id, reportIDBytes)
	if len(st.Truncated) < h.opts.MaxReportedFailures && st.reportBytes+len(id)+4 <= reportMaxBytes {
		st.Truncated = append(st.Truncated, id)
		st.reportBytes += len(id) + 4
	}
}
