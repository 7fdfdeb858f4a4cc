package main

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// report collects every phase's figures.
type report struct {
	cores            int
	embedDocsPerSec  float64
	ingestDocsPerSec float64
	vecIngestPerSec  float64
	search           []searchResult
	saturation       float64
	overload         overloadResult
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// print writes the summary table.
func (r *report) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "\nbench-serve summary (%d cores, pack %s)\n", r.cores, cfg.pack)
	fmt.Fprintf(w, "(a) ingest of %d WordNet docs (%d interleaved rounds)\n", cfg.docs, ingestRounds)
	fmt.Fprintf(w, "    in-process embedding     %8.1f docs/s\n", r.embedDocsPerSec)
	fmt.Fprintf(w, "    NDJSON ingest end to end %8.1f docs/s   ratio %.2f× (target ≥ 0.90×)\n",
		r.ingestDocsPerSec, r.ingestDocsPerSec/max(r.embedDocsPerSec, 1e-9))
	fmt.Fprintf(w, "(b) search (k=10, %v per run)\n", cfg.duration)
	fmt.Fprintf(w, "    vector-only collection: %d × %d pre-computed vectors, ingested at %.0f vectors/s\n",
		cfg.vecDocs, cfg.vecDim, r.vecIngestPerSec)
	fmt.Fprintf(w, "    text queries: on the %d-doc WordNet collection, each query unique (no cache hits)\n", cfg.docs)
	fmt.Fprintf(w, "    %-7s %5s %9s %9s %11s %11s\n", "query", "conc", "requests", "qps", "p50", "p99")
	for _, s := range r.search {
		fmt.Fprintf(w, "    %-7s %5d %9d %9.1f %11s %11s", s.kind, s.concurrency, s.requests, s.qps, ms(s.p50), ms(s.p99))
		if s.errors > 0 {
			fmt.Fprintf(w, "  (%d errors)", s.errors)
		}
		fmt.Fprintln(w)
	}
	o := r.overload
	fmt.Fprintf(w, "(c) overload: text queries offered open-loop at %.1f/s = 2 × saturation %.1f/s, for %v\n",
		o.offeredQPS, r.saturation, cfg.overloadDur)
	codes := make([]int, 0, len(o.statuses))
	for c := range o.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	fmt.Fprintf(w, "    sent %d (generator backlog drops %d); statuses:", o.sent, o.dropped)
	bad := 0
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "transport-error"
		}
		fmt.Fprintf(w, " %s×%d", name, o.statuses[c])
		if c == 0 || (c >= 500 && c != 503) {
			bad += o.statuses[c]
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "    200s: p50 %s, p99 %s; 5xx other than 503 or transport errors: %d (want 0)\n", ms(o.p50), ms(o.p99), bad)
	plateau := "yes"
	if o.rssLastMax > o.rssFirstMax+o.rssFirstMax/10 {
		plateau = "NO (still growing)"
	}
	fmt.Fprintf(w, "    server RSS: max %s; first half max %s, second half max %s; plateaus: %s\n",
		mib(o.rssMax), mib(o.rssFirstMax), mib(o.rssLastMax), plateau)
}
