package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/instructd/instructd/internal/progress"
	"github.com/instructd/instructd/server"
)

// Search modes a run may ask for.
const (
	// ModeDense searches by embedding similarity.
	ModeDense = "dense"
	// ModeLexical searches with the collection's BM25 index.
	ModeLexical = "lexical"
	// ModeHybrid fuses dense and lexical results.
	ModeHybrid = "hybrid"
)

// Run names, for FollowIR's two instructions; a BEIR run has RunOG only.
const (
	// RunOG is the run under the query's (original) instruction.
	RunOG = "og"
	// RunChanged is FollowIR's run under the changed instruction.
	RunChanged = "changed"
)

// DefaultK is how many hits each query asks for (Recall@100 and MAP@100 need 100).
const DefaultK = 100

// DefaultConcurrency is how many searches are in flight at once.
const DefaultConcurrency = 4

// Config tunes Run.
type Config struct {
	// Collection is the collection searched (and filled when Ingest is set).
	Collection string
	// Modes are the search modes evaluated, in report order (default dense).
	Modes []string
	// K is the number of hits per query (default DefaultK).
	K int
	// Concurrency bounds the searches in flight (default DefaultConcurrency).
	Concurrency int
	// Ingest creates the collection and loads the corpus before searching.
	Ingest bool
	// Progress receives progress bars (nil: none).
	Progress io.Writer
	// Logger receives notes such as skipped documents (nil: discarded).
	Logger *slog.Logger
	// Rerank, when set, runs every mode a second time with this rerank stage; the report
	// then has a "<mode>+rerank" column beside each mode (see RerankLabel).
	Rerank *server.RerankStage
}

// RerankLabel names a mode's reranked column in the report.
func RerankLabel(mode string) string { return mode + "+rerank" }

// ParseModes splits a comma-separated mode list and checks every entry.
func ParseModes(s string) ([]string, error) {
	var modes []string
	seen := map[string]bool{}
	for _, m := range strings.Split(s, ",") {
		m = strings.TrimSpace(strings.ToLower(m))
		if m == "" {
			continue
		}
		if m != ModeDense && m != ModeLexical && m != ModeHybrid {
			return nil, fmt.Errorf("eval: unknown mode %q (want dense, lexical or hybrid)", m)
		}
		if !seen[m] {
			seen[m] = true
			modes = append(modes, m)
		}
	}
	if len(modes) == 0 {
		return nil, errors.New("eval: no search mode given")
	}
	return modes, nil
}

// search is one query to run: a query in a mode under one instruction.
type search struct {
	query *Query
	mode  string
	run   string
	hits  []server.SearchHit
	// label is the report column: the mode, or RerankLabel(mode) when rerank is set.
	label  string
	rerank bool
}

// Run ingests the corpus when asked, searches every evaluated query of ds in each mode (and,
// for FollowIR, under both instructions), and scores the rankings. The first failed search
// stops the run.
func Run(ctx context.Context, b Backend, ds *Dataset, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rep := &Report{Dataset: ds.Name, Format: ds.Format, Collection: cfg.Collection, K: cfg.K}
	if cfg.Ingest {
		start := time.Now()
		n, skipped, err := ingest(ctx, b, ds, cfg)
		if err != nil {
			return nil, err
		}
		rep.Ingested, rep.SkippedEmpty, rep.IngestSeconds = n, skipped, time.Since(start).Seconds()
	}

	var tasks []*search
	for i := range ds.Queries {
		q := &ds.Queries[i]
		if !ds.Evaluated(*q) {
			continue
		}
		rep.Queries++
		for _, mode := range cfg.Modes {
			for _, rr := range rerankVariants(cfg) {
				label := mode
				if rr {
					label = RerankLabel(mode)
				}
				tasks = append(tasks, &search{query: q, mode: mode, run: RunOG, label: label, rerank: rr})
				if ds.Format == FormatFollowIR {
					tasks = append(tasks, &search{query: q, mode: mode, run: RunChanged, label: label, rerank: rr})
				}
			}
		}
	}
	if rep.Queries == 0 {
		return nil, fmt.Errorf("eval: dataset %s: no query has a relevant document in its qrels", ds.Name)
	}
	start := time.Now()
	if err := runSearches(ctx, b, tasks, cfg); err != nil {
		return nil, err
	}
	rep.SearchSeconds = time.Since(start).Seconds()
	rep.score(ds, reportLabels(cfg), tasks)
	return rep, nil
}

// rerankVariants is [false], or [false, true] when the run also reranks.
func rerankVariants(cfg Config) []bool {
	if cfg.Rerank == nil {
		return []bool{false}
	}
	return []bool{false, true}
}

// reportLabels are the report's columns: each mode, followed by its reranked run.
func reportLabels(cfg Config) []string {
	var out []string
	for _, m := range cfg.Modes {
		out = append(out, m)
		if cfg.Rerank != nil {
			out = append(out, RerankLabel(m))
		}
	}
	return out
}

// withDefaults fills zero fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Collection == "" {
		return c, errors.New("eval: no collection name")
	}
	if len(c.Modes) == 0 {
		c.Modes = []string{ModeDense}
	}
	if _, err := ParseModes(strings.Join(c.Modes, ",")); err != nil {
		return c, err
	}
	if c.K <= 0 {
		c.K = DefaultK
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Rerank != nil && c.Rerank.Candidates != 0 && c.Rerank.Candidates < c.K {
		return c, fmt.Errorf("eval: rerank candidates (%d) must be at least k (%d)", c.Rerank.Candidates, c.K)
	}
	return c, nil
}

// ingest creates the collection and loads the corpus, leaving out documents with neither
// title nor text (nothing to embed or match; BEIR corpora have a few).
func ingest(ctx context.Context, b Backend, ds *Dataset, cfg Config) (ingested, skipped int, err error) {
	if len(ds.Corpus) == 0 {
		return 0, 0, fmt.Errorf("eval: dataset %s: the corpus is empty or was not loaded", ds.Name)
	}
	if err := b.EnsureCollection(ctx, cfg.Collection); err != nil {
		return 0, 0, err
	}
	docs := make([]server.Document, 0, len(ds.Corpus))
	for _, d := range ds.Corpus {
		if strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Text) == "" && d.Vector == nil {
			continue
		}
		docs = append(docs, d)
	}
	if skipped = len(ds.Corpus) - len(docs); skipped > 0 {
		cfg.Logger.Info("eval: skipped empty documents", "count", skipped)
	}
	bar := progress.New(cfg.Progress, "ingest", int64(len(docs)), "docs")
	if err := b.Ingest(ctx, cfg.Collection, docs, func(done int) { bar.Set(int64(done)) }); err != nil {
		return 0, 0, err
	}
	bar.Finish()
	return len(docs), skipped, nil
}

// runSearches runs tasks on cfg.Concurrency workers, storing each task's hits. The first
// error cancels the rest; every worker has returned when runSearches does.
func runSearches(ctx context.Context, b Backend, tasks []*search, cfg Config) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	bar := progress.New(cfg.Progress, "search", int64(len(tasks)), "queries")
	defer bar.Finish()
	next := make(chan *search)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for range min(cfg.Concurrency, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				req := server.SearchRequest{Query: t.query.Text, Instruction: t.query.Instruction, K: cfg.K, Mode: t.mode}
				if t.run == RunChanged {
					req.Instruction = t.query.InstructionChanged
				}
				if t.rerank {
					req.Rerank = cfg.Rerank
				}
				hits, err := b.Search(ctx, cfg.Collection, req)
				if err != nil {
					cancel(fmt.Errorf("eval: query %q (%s, %s): %w", t.query.ID, t.label, t.run, err))
					continue
				}
				t.hits = hits
				mu.Lock()
				done++
				bar.Set(int64(done))
				mu.Unlock()
			}
		}()
	}
feed:
	for _, t := range tasks {
		select {
		case next <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
