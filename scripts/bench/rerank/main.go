// Command rerank-bench measures instructd's reranker: pairs/s of embed.Reranker (the
// dynamic batcher, default config) on (query, gloss) pairs from the WordNet corpus, and the
// latency of a search with a rerank stage of 50 candidates in an in-process server at
// concurrency 1 and 8. scripts/bench-rerank.sh runs it next to transformers.js
// (transformers.mjs) on the same pairs and prints the ratio. Throughput rounds are
// timed separately and the median is reported.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/server"
)

type doc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

func main() {
	pack := flag.String("pack", "models/test-reranker", "reranker pack directory")
	embedder := flag.String("embedder", "models/test-minilm", "embedding pack for the search latency part")
	corpus := flag.String("corpus", "testdata/generated/wordnet.jsonl", "BEIR corpus.jsonl")
	queries := flag.Int("queries", 40, "throughput: queries, each scored against -docs glosses")
	perQuery := flag.Int("docs", 50, "throughput: documents per query (one Rerank call each)")
	callers := flag.Int("callers", 4, "throughput: Rerank calls in flight")
	rounds := flag.Int("rounds", 3, "throughput rounds")
	threads := flag.Int("threads", runtime.NumCPU(), "intra-op threads")
	collectionDocs := flag.Int("collection-docs", 500, "latency: documents in the searched collection")
	searches := flag.Int("searches", 60, "latency: searches per concurrency level")
	candidates := flag.Int("candidates", 50, "latency: rerank candidates")
	dump := flag.String("dump-pairs", "", "write the pairs as JSONL {query, document} (for transformers.js)")
	skipLatency := flag.Bool("skip-latency", false, "throughput only")
	flag.Parse()
	docs, err := readCorpus(*corpus, max(*collectionDocs, *queries**perQuery+*queries))
	if err != nil {
		fail(err)
	}
	if err := throughput(*pack, docs, *queries, *perQuery, *callers, *rounds, *threads, *dump); err != nil {
		fail(err)
	}
	if !*skipLatency {
		if err := latency(*embedder, *pack, docs[:*collectionDocs], *searches, *candidates, *threads); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "rerank-bench:", err)
	os.Exit(1)
}

func readCorpus(path string, n int) ([]doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make setup`)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
	var out []doc
	for sc.Scan() && len(out) < n {
		var d doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, err
		}
		if d.Text != "" {
			out = append(out, d)
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("%s: %d documents, need %d", path, len(out), n)
	}
	return out, sc.Err()
}

// pairsFor builds the throughput workload: query i is gloss i's title (a word), scored
// against the perQuery glosses that follow the queries.
func pairsFor(docs []doc, queries, perQuery int) (qs []string, ds [][]string) {
	for i := range queries {
		qs = append(qs, docs[i].Title)
		var list []string
		for j := range perQuery {
			list = append(list, docs[queries+i*perQuery+j].Text)
		}
		ds = append(ds, list)
	}
	return qs, ds
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func throughput(pack string, docs []doc, queries, perQuery, callers, rounds, threads int, dump string) error {
	qs, ds := pairsFor(docs, queries, perQuery)
	if dump != "" {
		f, err := os.Create(dump)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		for i, q := range qs {
			for _, d := range ds[i] {
				enc.Encode(map[string]string{"query": q, "document": d})
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	cfg := embed.DefaultConfig()
	cfg.IntraOpThreads = threads
	cfg.MaxBatchTokens = embed.DefaultRerankMaxBatchTokens // as OpenReranker and the server default
	if v, err := strconv.Atoi(os.Getenv("RERANK_MAX_BATCH_TOKENS")); err == nil && v > 0 {
		cfg.MaxBatchTokens = v
	}
	if v, err := strconv.Atoi(os.Getenv("RERANK_WORKERS")); err == nil && v > 0 {
		cfg.InferenceWorkers = v
	}
	var batches, tokens, padded atomic.Int64
	cfg.Hooks.Batch = func(b embed.BatchStats) {
		batches.Add(1)
		tokens.Add(int64(b.Tokens))
		padded.Add(int64(b.PaddedTokens))
	}
	r, err := embed.OpenReranker(context.Background(), pack, cfg)
	if err != nil {
		return err
	}
	defer r.Close()
	run := func() error {
		var wg sync.WaitGroup
		next := make(chan int)
		errs := make([]error, callers)
		for c := range callers {
			wg.Go(func() {
				for i := range next {
					if _, err := r.Rerank(context.Background(), qs[i], ds[i], embed.RerankOptions{Wait: true}); err != nil {
						errs[c] = err
					}
				}
			})
		}
		for i := range qs {
			next <- i
		}
		close(next)
		wg.Wait()
		return errors.Join(errs...)
	}
	if err := run(); err != nil { // warm-up
		return err
	}
	batches.Store(0)
	tokens.Store(0)
	padded.Store(0)
	var walls []float64
	cpu0 := cpuSeconds()
	for range rounds {
		t0 := time.Now()
		if err := run(); err != nil {
			return err
		}
		walls = append(walls, time.Since(t0).Seconds())
	}
	cpu := cpuSeconds() - cpu0
	pairs := queries * perQuery
	sorted := slices.Clone(walls)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	perRound := make([]float64, len(walls))
	for i, w := range walls {
		perRound[i] = float64(pairs) / w
	}
	rec := map[string]any{
		"engine": "instructd", "pairs": pairs, "pairs_per_s": float64(pairs) / med, "rounds": perRound,
		"pairs_per_cpu_s": float64(pairs*rounds) / cpu, "threads": threads, "workers": embed.DefaultInferenceWorkers(threads),
		"callers": callers, "docs_per_call": perQuery, "max_batch_tokens": cfg.MaxBatchTokens, "max_batch_size": cfg.MaxBatchSize,
		"batches": batches.Load() / int64(rounds), "tokens": tokens.Load() / int64(rounds), "padded_tokens": padded.Load() / int64(rounds),
	}
	b, _ := json.Marshal(rec)
	fmt.Println(string(b))
	return nil
}

// latency ingests docs into an in-process server (embedder + reranker) and times searches
// whose rerank stage re-scores `candidates` hits, at concurrency 1 and 8.
func latency(embedder, reranker string, docs []doc, searches, candidates, threads int) error {
	dir, err := os.MkdirTemp("", "rerank-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := server.DefaultConfig()
	cfg.DataDir = dir
	cfg.ModelPacks = []string{embedder, reranker}
	cfg.Threads = threads
	cfg.SnapshotInterval = 0
	ctx := context.Background()
	s, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	if _, _, err := s.CreateCollection(ctx, "bench", server.CollectionSpec{}); err != nil {
		return err
	}
	for i := 0; i < len(docs); i += 256 {
		var batch []server.Document
		for _, d := range docs[i:min(i+256, len(docs))] {
			batch = append(batch, server.Document{ID: d.ID, Title: d.Title, Text: d.Text})
		}
		if _, err := s.Upsert(ctx, "bench", batch); err != nil {
			return err
		}
	}
	stage := &server.RerankStage{Candidates: candidates}
	for _, conc := range []int{1, 8} {
		var (
			mu    sync.Mutex
			lat   []float64
			rr    []float64
			errs  []error
			next  = make(chan int)
			wg    sync.WaitGroup
			start = time.Now()
		)
		for range conc {
			wg.Go(func() {
				for i := range next {
					t0 := time.Now()
					resp, err := s.Search(ctx, "bench", server.SearchRequest{Query: docs[i%len(docs)].Title, K: 10, Rerank: stage})
					d := time.Since(t0).Seconds() * 1000
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					lat = append(lat, d)
					rr = append(rr, resp.Timings.RerankMillis)
					mu.Unlock()
				}
			})
		}
		for i := range searches {
			next <- i * 7
		}
		close(next)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		wall := time.Since(start).Seconds()
		sort.Float64s(lat)
		sort.Float64s(rr)
		rec := map[string]any{
			"engine": "instructd-search", "concurrency": conc, "candidates": candidates, "k": 10, "searches": searches,
			"collection_docs": len(docs), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "rerank_p50_ms": pct(rr, 50),
			"searches_per_s": float64(searches) / wall,
		}
		b, _ := json.Marshal(rec)
		fmt.Println(string(b))
	}
	return nil
}

// pct is the nearest-rank percentile of sorted values.
func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
