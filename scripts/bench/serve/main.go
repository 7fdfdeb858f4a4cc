// Command serve is the load generator behind scripts/bench-serve.sh. Against a running
// `instructd serve` (started by the script) it measures, in one run:
//
//	(a) NDJSON ingest docs/s of N WordNet documents end to end, against the in-process
//	    embedding throughput (embed.Open + Embed, same pack, texts and batch size),
//	    interleaved in rounds so that load changes on the machine hit both alike;
//	(b) search queries/s and p50/p99 latency at several concurrencies: vector queries on a
//	    vector-only collection of pre-computed vectors (default 100,000 × 384), and text
//	    queries (embedded by the server) on the ingested WordNet collection;
//	(c) 2× overload: text queries offered open-loop at twice the saturation rate found in
//	    (b), counting status codes and sampling the server's RSS from /proc.
//
// Every phase is bounded in count and time. It prints a summary table.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/instructd/instructd/api/client"
)

// config is the command line.
type config struct {
	server      string
	pid         int
	pack        string
	ort         string
	corpus      string
	docs        int
	vecDocs     int
	vecDim      int
	duration    time.Duration
	overloadDur time.Duration
	concurrency []int
	seed        uint64
}

func main() {
	var cfg config
	var conc string
	flag.StringVar(&cfg.server, "server", "http://127.0.0.1:18090", "server URL")
	flag.IntVar(&cfg.pid, "pid", 0, "server process id (for RSS sampling)")
	flag.StringVar(&cfg.pack, "pack", "models/test-minilm", "model pack the server runs (for the in-process baseline)")
	flag.StringVar(&cfg.ort, "ort", os.Getenv("INSTRUCTD_ORT_LIB"), "ONNX Runtime library")
	flag.StringVar(&cfg.corpus, "corpus", "testdata/generated/wordnet.jsonl", "BEIR corpus.jsonl")
	flag.IntVar(&cfg.docs, "docs", 20000, "documents for the ingest phase")
	flag.IntVar(&cfg.vecDocs, "vec-docs", 100000, "pre-computed vectors for the vector-search phase")
	flag.IntVar(&cfg.vecDim, "vec-dim", 384, "dimension of the pre-computed vectors")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each search run")
	flag.DurationVar(&cfg.overloadDur, "overload", 20*time.Second, "length of the 2× overload run")
	flag.StringVar(&conc, "concurrency", "1,8,32", "search concurrencies")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed for vectors and queries")
	flag.Parse()
	for _, c := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fail(fmt.Errorf("bad --concurrency %q", conc))
		}
		cfg.concurrency = append(cfg.concurrency, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench-serve:", err)
	os.Exit(1)
}

func logResult(r searchResult) {
	logf("    %.1f qps, p50 %v, p99 %v, %d errors", r.qps, r.p50, r.p99, r.errors)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench-serve: "+format+"\n", args...)
}

// run executes the phases in order and prints the table.
func run(ctx context.Context, cfg config) error {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}
	cl, err := client.New(cfg.server, client.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		return err
	}
	docs, err := readCorpus(cfg.corpus, cfg.docs)
	if err != nil {
		return err
	}
	rep := &report{cores: runtime.NumCPU()}
	rss := newRSSSampler(cfg.pid)
	defer rss.Close()

	logf("(a) %d docs in %d rounds: in-process embedding (pack %s), then NDJSON ingest", len(docs), ingestRounds, cfg.pack)
	if rep.embedDocsPerSec, rep.ingestDocsPerSec, err = compareIngest(ctx, cl, cfg, docs); err != nil {
		return err
	}
	logf("(a) in-process %.1f docs/s, NDJSON ingest %.1f docs/s (%.2f×)", rep.embedDocsPerSec, rep.ingestDocsPerSec,
		rep.ingestDocsPerSec/rep.embedDocsPerSec)
	logf("(b) vector-only collection: %d × %d pre-computed vectors", cfg.vecDocs, cfg.vecDim)
	vecRate, err := ingestVectors(ctx, cl, cfg)
	if err != nil {
		return err
	}
	rep.vecIngestPerSec = vecRate
	logf("(b) vectors ingested at %.0f/s", vecRate)
	recallLine, err := defaultRecall(ctx, cl, vectorQuery(cfg), 200)
	if err != nil {
		return err
	}
	logf("(b) %s", recallLine)
	queries := newQueryGen(docs, cfg.seed)
	for _, c := range cfg.concurrency {
		logf("(b) vector search, concurrency %d, %v", c, cfg.duration)
		rep.search = append(rep.search, searchRun(ctx, cl, "bench_vec", "vector", c, cfg.duration, vectorQuery(cfg)))
		logResult(rep.search[len(rep.search)-1])
	}
	for _, c := range cfg.concurrency {
		logf("(b) text search, concurrency %d, %v", c, cfg.duration)
		rep.search = append(rep.search, searchRun(ctx, cl, "bench_text", "text", c, cfg.duration, queries.textQuery))
		logResult(rep.search[len(rep.search)-1])
	}
	saturation := 0.0
	for _, s := range rep.search {
		if s.kind == "text" && s.qps > saturation {
			saturation = s.qps
		}
	}
	rep.saturation = saturation
	logf("(c) overload: %.0f text queries/s (2 × %.1f) open-loop for %v", 2*saturation, saturation, cfg.overloadDur)
	rep.overload = overloadRun(ctx, cl, "bench_text", 2*saturation, cfg.overloadDur, queries.textQuery, rss)
	rep.print(os.Stdout, cfg)
	return nil
}
