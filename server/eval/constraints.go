package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/instructd/instructd/internal/progress"
	"github.com/instructd/instructd/server"
)

// ConstraintPair is one line of a negative-constraint fixture's pairs.jsonl: a query, a
// passage that satisfies its constraint and one that violates it.
type ConstraintPair struct {
	QueryID      string   `json:"query_id"`
	SatisfyingID string   `json:"satisfying_id"`
	ViolatingID  string   `json:"violating_id"`
	Exclude      []string `json:"exclude"`
	Class        string   `json:"class"`
	Split        string   `json:"split"`
}

// ConstraintSet is a loaded negative-constraint fixture (testdata/constraints layout:
// corpus.jsonl, queries.jsonl, pairs.jsonl).
type ConstraintSet struct {
	Name    string
	Corpus  []server.Document
	Queries []Query
	Pairs   []ConstraintPair
}

// LoadConstraints reads a fixture from its directory, or from the path of its
// pairs.jsonl (corpus.jsonl and queries.jsonl beside it). Every pair must name a known
// query and two known documents.
func LoadConstraints(path string) (*ConstraintSet, error) {
	dir := path
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("eval: --constraints: %w", err)
	} else if !st.IsDir() {
		dir = filepath.Dir(path)
	} else {
		path = filepath.Join(dir, "pairs.jsonl")
	}
	set := &ConstraintSet{Name: filepath.Base(filepath.Clean(dir))}
	var err error
	if set.Corpus, err = readCorpus(filepath.Join(dir, "corpus.jsonl")); err != nil {
		return nil, err
	}
	if set.Queries, err = readQueries(filepath.Join(dir, "queries.jsonl"), FormatBEIR); err != nil {
		return nil, err
	}
	docs := make(map[string]bool, len(set.Corpus))
	for _, d := range set.Corpus {
		docs[d.ID] = true
	}
	queries := make(map[string]bool, len(set.Queries))
	for i, q := range set.Queries {
		queries[q.ID] = true
		if q.Instruction != nil && strings.TrimSpace(*q.Instruction) == "" {
			set.Queries[i].Instruction = nil // an empty instruction leaves the default in force
		}
	}
	err = eachLine(path, func(line []byte, n int) error {
		var p ConstraintPair
		if err := json.Unmarshal(line, &p); err != nil {
			return fmt.Errorf("invalid JSON: %w", err)
		}
		switch {
		case !queries[p.QueryID]:
			return fmt.Errorf("unknown query_id %q", p.QueryID)
		case !docs[p.SatisfyingID] || !docs[p.ViolatingID]:
			return fmt.Errorf("unknown satisfying_id %q or violating_id %q", p.SatisfyingID, p.ViolatingID)
		}
		set.Pairs = append(set.Pairs, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(set.Pairs) == 0 {
		return nil, fmt.Errorf("eval: %s holds no pairs", path)
	}
	return set, nil
}

// ResponseSearcher is implemented by backends that return the whole search response
// (both built-in backends do); the constraint report needs its constraints field.
type ResponseSearcher interface {
	// SearchResponse runs one query and returns the response.
	SearchResponse(ctx context.Context, name string, req server.SearchRequest) (server.SearchResponse, error)
}

// SearchResponse implements ResponseSearcher.
func (b *serverBackend) SearchResponse(ctx context.Context, name string, req server.SearchRequest) (server.SearchResponse, error) {
	var resp server.SearchResponse
	err := retryOverloaded(ctx, func() error {
		var err error
		resp, err = b.svc.Search(ctx, name, req)
		return err
	})
	if err != nil {
		return resp, fmt.Errorf("eval: search %q: %w", name, err)
	}
	return resp, nil
}

// ConstraintRow is one line of the constraint report: one mode, constraints on or
// off, one split ("all" for every pair).
type ConstraintRow struct {
	Mode        string `json:"mode"`
	Constraints string `json:"constraints"` // "on" (automatic extraction) or "off" (auto_constraints false)
	Split       string `json:"split"`
	Pairs       int    `json:"pairs"`
	Queries     int    `json:"queries"`
	// PairedAccuracy is the share of pairs whose satisfying passage is retrieved and
	// ranks above the violating one.
	PairedAccuracy float64 `json:"paired_accuracy"`
	// ViolationTop10 is the share of pairs whose violating passage is in the top 10.
	ViolationTop10 float64 `json:"violation_top10"`
	// Fired is the share of queries from which the server extracted a constraint.
	Fired float64 `json:"fired"`
}

// ConstraintReport is the result of RunConstraints.
type ConstraintReport struct {
	Name string          `json:"constraints"`
	K    int             `json:"k"`
	Rows []ConstraintRow `json:"rows"`
}

// RunConstraints searches every query of set in every mode of cfg, with automatic
// constraint extraction on and off, and reports paired accuracy, the violation rate in
// the top 10 and how often extraction fired, per mode and split. With cfg.Ingest it
// first creates cfg.Collection and loads the corpus.
func RunConstraints(ctx context.Context, b Backend, set *ConstraintSet, cfg Config) (*ConstraintReport, error) {
	rs, ok := b.(ResponseSearcher)
	if !ok {
		return nil, errors.New("eval: the backend cannot return whole responses, which the constraint report needs")
	}
	if cfg.K <= 0 {
		cfg.K = DefaultK
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if len(cfg.Modes) == 0 {
		cfg.Modes = []string{ModeLexical}
	}
	if cfg.Ingest {
		if err := b.EnsureCollection(ctx, cfg.Collection); err != nil {
			return nil, err
		}
		bar := progress.New(cfg.Progress, "ingest", int64(len(set.Corpus)), "docs")
		if err := b.Ingest(ctx, cfg.Collection, set.Corpus, func(done int) { bar.Set(int64(done)) }); err != nil {
			return nil, err
		}
		bar.Finish()
	}
	type job struct {
		mode string
		on   bool
		q    Query
	}
	type answer struct {
		ranks map[string]int // document id → 0-based rank
		fired bool
	}
	var jobs []job
	for _, m := range cfg.Modes {
		for _, on := range []bool{false, true} {
			for _, q := range set.Queries {
				jobs = append(jobs, job{m, on, q})
			}
		}
	}
	answers := make([]answer, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				off := false
				req := server.SearchRequest{Query: j.q.Text, Instruction: j.q.Instruction, K: cfg.K, Mode: j.mode, Include: []string{}}
				if !j.on {
					req.AutoConstraints = &off
				}
				resp, err := rs.SearchResponse(cctx, cfg.Collection, req)
				if err != nil {
					errs[i] = err
					cancel()
					continue
				}
				a := answer{ranks: make(map[string]int, len(resp.Hits))}
				for r, h := range resp.Hits {
					if _, seen := a.ranks[h.ID]; !seen {
						a.ranks[h.ID] = r
					}
				}
				a.fired = resp.Constraints != nil && len(resp.Constraints.Extracted) > 0
				answers[i] = a
			}
		}()
	}
	for i := range jobs {
		if cctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	byJob := map[string]answer{}
	for i, j := range jobs {
		byJob[fmt.Sprintf("%s|%v|%s", j.mode, j.on, j.q.ID)] = answers[i]
	}
	splits := []string{"all"}
	seenSplit := map[string]bool{}
	for _, p := range set.Pairs {
		if p.Split != "" && !seenSplit[p.Split] {
			seenSplit[p.Split] = true
			splits = append(splits, p.Split)
		}
	}
	sort.Strings(splits[1:])
	rep := &ConstraintReport{Name: set.Name, K: cfg.K}
	for _, m := range cfg.Modes {
		for _, on := range []bool{false, true} {
			for _, split := range splits {
				row := ConstraintRow{Mode: m, Constraints: map[bool]string{false: "off", true: "on"}[on], Split: split}
				queries := map[string]bool{}
				var good, top10 int
				for _, p := range set.Pairs {
					if split != "all" && p.Split != split {
						continue
					}
					a := byJob[fmt.Sprintf("%s|%v|%s", m, on, p.QueryID)]
					row.Pairs++
					queries[p.QueryID] = true
					s, okS := a.ranks[p.SatisfyingID]
					v, okV := a.ranks[p.ViolatingID]
					if okS && (!okV || s < v) {
						good++
					}
					if okV && v < 10 {
						top10++
					}
				}
				fired := 0
				for q := range queries {
					if byJob[fmt.Sprintf("%s|%v|%s", m, on, q)].fired {
						fired++
					}
				}
				row.Queries = len(queries)
				if row.Pairs > 0 {
					row.PairedAccuracy = float64(good) / float64(row.Pairs)
					row.ViolationTop10 = float64(top10) / float64(row.Pairs)
				}
				if row.Queries > 0 {
					row.Fired = float64(fired) / float64(row.Queries)
				}
				rep.Rows = append(rep.Rows, row)
			}
		}
	}
	return rep, nil
}

// WriteTable prints the report as an aligned table.
func (r *ConstraintReport) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "mode\tconstraints\tsplit\tpairs\tqueries\tpaired_acc\tviolation@10\tfired\n")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\n", row.Mode, row.Constraints, row.Split, row.Pairs, row.Queries,
			row.PairedAccuracy, row.ViolationTop10, row.Fired)
	}
	return tw.Flush()
}

// WriteSummary writes the report as one JSON line.
func (r *ConstraintReport) WriteSummary(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
