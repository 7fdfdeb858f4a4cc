package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of Run.
type Report struct {
	Dataset    string `json:"dataset"`
	Format     Format `json:"format"`
	Collection string `json:"collection"`
	K          int    `json:"k"`
	// Queries counts the evaluated queries (those with a relevant document).
	Queries int `json:"queries"`
	// Ingested counts documents loaded by this run (0 without ingest).
	Ingested int `json:"ingested"`
	// SkippedEmpty counts corpus documents without title, text or vector, not loaded.
	SkippedEmpty  int          `json:"skipped_empty"`
	IngestSeconds float64      `json:"ingest_seconds"`
	SearchSeconds float64      `json:"search_seconds"`
	Modes         []ModeReport `json:"modes"`
	// PerQuery holds one row per query, mode and run, in dataset order.
	PerQuery []QueryResult `json:"-"`
}

// ModeReport holds one mode's mean scores.
type ModeReport struct {
	Mode string `json:"mode"`
	// Queries counts the queries averaged into Scores.
	Queries int `json:"queries"`
	// Scores are the BEIR run's means, or FollowIR's original-instruction run's.
	Scores Scores `json:"scores"`
	// Changed are FollowIR's changed-instruction run's means (nil for BEIR).
	Changed *Scores `json:"changed,omitempty"`
	// ChangedQueries counts the queries averaged into Changed.
	ChangedQueries int `json:"changed_queries,omitempty"`
	// PMRR is FollowIR's p-MRR in [-1, 1] (nil for BEIR, or when no document changed).
	PMRR *float64 `json:"p-mrr,omitempty"`
	// PMRRQueries counts the queries averaged into PMRR.
	PMRRQueries int `json:"p-mrr_queries,omitempty"`
}

// QueryResult is one query's scores in one mode and run: a line of the per-query JSONL.
type QueryResult struct {
	Mode    string `json:"mode"`
	Run     string `json:"run"`
	QueryID string `json:"query_id"`
	// Relevant counts the query's relevant documents under this run's qrels.
	Relevant int `json:"relevant"`
	// Retrieved counts the distinct documents returned.
	Retrieved int    `json:"retrieved"`
	Scores    Scores `json:"scores"`
	// PMRR is the query's p-MRR, on its changed-run row only, when a document changed.
	PMRR *float64 `json:"p-mrr,omitempty"`
	// TopIDs are the first ten ids returned, for eyeballing failures.
	TopIDs []string `json:"top_ids"`
}

// score fills Modes and PerQuery from the finished searches.
func (r *Report) score(ds *Dataset, modes []string, tasks []*search) {
	rankings := make(map[[3]string][]string, len(tasks))
	for _, t := range tasks {
		rankings[[3]string{t.label, t.run, t.query.ID}] = Rank(t.hits)
	}
	for _, mode := range modes {
		mr := ModeReport{Mode: mode}
		var og, changed []Scores
		var pmrrSum float64
		for _, q := range ds.Queries {
			if !ds.Evaluated(q) {
				continue
			}
			ogRank := rankings[[3]string{mode, RunOG, q.ID}]
			row := r.row(mode, RunOG, q.ID, ogRank, ds.Qrels[q.ID])
			if row.Relevant > 0 {
				og = append(og, row.Scores)
			}
			r.PerQuery = append(r.PerQuery, row)
			if ds.Format != FormatFollowIR {
				continue
			}
			chRank := rankings[[3]string{mode, RunChanged, q.ID}]
			row = r.row(mode, RunChanged, q.ID, chRank, ds.ChangedQrels[q.ID])
			if row.Relevant > 0 {
				changed = append(changed, row.Scores)
			}
			if p, ok := PairedMRR(ogRank, chRank, ds.Qrels[q.ID], ds.ChangedQrels[q.ID]); ok {
				row.PMRR = &p
				pmrrSum += p
				mr.PMRRQueries++
			}
			r.PerQuery = append(r.PerQuery, row)
		}
		mr.Queries, mr.Scores = len(og), Mean(og)
		if ds.Format == FormatFollowIR {
			ch := Mean(changed)
			mr.Changed, mr.ChangedQueries = &ch, len(changed)
			if mr.PMRRQueries > 0 {
				p := pmrrSum / float64(mr.PMRRQueries)
				mr.PMRR = &p
			}
		}
		r.Modes = append(r.Modes, mr)
	}
}

// row scores one ranking.
func (r *Report) row(mode, run, id string, ranking []string, j Judgments) QueryResult {
	return QueryResult{
		Mode: mode, Run: run, QueryID: id,
		Relevant: j.NumRelevant(), Retrieved: len(ranking),
		Scores: Score(ranking, j), TopIDs: cut(ranking, 10),
	}
}

// WriteTable prints the modes side by side, one metric per row.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cells := []string{fmt.Sprintf("%s (%s, %d queries, k=%d)", r.Dataset, r.Format, r.Queries, r.K)}
	for _, m := range r.Modes {
		cells = append(cells, m.Mode)
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
	line := func(name string, get func(ModeReport) (float64, bool)) {
		cells := []string{name}
		for _, m := range r.Modes {
			if v, ok := get(m); ok {
				cells = append(cells, fmt.Sprintf("%.4f", v))
			} else {
				cells = append(cells, "-")
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	prefix := ""
	if r.Format == FormatFollowIR {
		prefix = "og "
		line("p-MRR", func(m ModeReport) (float64, bool) {
			if m.PMRR == nil {
				return 0, false
			}
			return *m.PMRR, true
		})
	}
	metrics := []struct {
		name string
		get  func(Scores) float64
	}{
		{"nDCG@10", func(s Scores) float64 { return s.NDCG10 }},
		{"Recall@10", func(s Scores) float64 { return s.Recall10 }},
		{"Recall@100", func(s Scores) float64 { return s.Recall100 }},
		{"MRR@10", func(s Scores) float64 { return s.MRR10 }},
		{"MAP@100", func(s Scores) float64 { return s.MAP100 }},
	}
	for _, mt := range metrics {
		line(prefix+mt.name, func(m ModeReport) (float64, bool) { return mt.get(m.Scores), true })
	}
	if r.Format == FormatFollowIR {
		for _, mt := range metrics {
			line("changed "+mt.name, func(m ModeReport) (float64, bool) {
				if m.Changed == nil {
					return 0, false
				}
				return mt.get(*m.Changed), true
			})
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("eval: table: %w", err)
	}
	if r.Ingested > 0 {
		fmt.Fprintf(w, "ingested %d documents in %.1fs", r.Ingested, r.IngestSeconds)
		if r.SkippedEmpty > 0 {
			fmt.Fprintf(w, " (%d empty documents skipped)", r.SkippedEmpty)
		}
		fmt.Fprint(w, "; ")
	}
	_, err := fmt.Fprintf(w, "searched in %.1fs\n", r.SearchSeconds)
	return err
}

// WritePerQuery writes one JSON line per query, mode and run.
func (r *Report) WritePerQuery(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, row := range r.PerQuery {
		if err := enc.Encode(row); err != nil {
			return fmt.Errorf("eval: per-query output: %w", err)
		}
	}
	return nil
}

// WriteSummary writes the report (without per-query rows) as one JSON line.
func (r *Report) WriteSummary(w io.Writer) error {
	if err := json.NewEncoder(w).Encode(r); err != nil {
		return fmt.Errorf("eval: summary: %w", err)
	}
	return nil
}
