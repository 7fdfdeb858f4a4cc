package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/instructd/instructd/models"
	"github.com/instructd/instructd/server/eval"
	"github.com/instructd/instructd/wire"
)

// runEval is `instructd eval`: it evaluates retrieval quality on a BEIR or FollowIR dataset,
// against a running server (--server) or an in-process one on a temporary data directory.
func runEval(ctx context.Context, args []string) error {
	return evalMain(ctx, args, os.Stdout, os.Stderr)
}

// evalMain is runEval with its outputs injected: the table and, as the last line, the JSON
// summary go to stdout; progress and notes go to stderr.
func evalMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "eval --dataset DIR [flags]",
		"instructd eval --dataset ~/beir/scifact --model BAAI/bge-small-en-v1.5",
		"instructd eval --dataset ~/beir/scifact --server http://127.0.0.1:8080 --collection scifact --ingest",
		"instructd eval --dataset ~/followir/robust04 --modes lexical,hybrid --per-query scores.jsonl")
	var (
		dataset     = fs.String("dataset", "", "dataset directory (BEIR or FollowIR layout; required)")
		serverURL   = fs.String("server", "", "base URL of a running server; empty runs one in-process")
		collection  = fs.String("collection", "", `collection to search (default "eval-<dataset name>")`)
		modes       = fs.String("modes", "dense,lexical,hybrid", "comma-separated search modes: dense, lexical, hybrid")
		ingest      = fs.Bool("ingest", false, "create the collection and load the corpus first (always on in-process)")
		split       = fs.String("split", "test", "BEIR qrels split: qrels/<split>.tsv")
		format      = fs.String("format", "auto", "dataset layout: beir, followir or auto")
		perQuery    = fs.String("per-query", "", "write per-query scores as JSONL to this file")
		apiKey      = fs.String("api-key", "", "bearer token for --server (default: env INSTRUCTD_API_KEY)")
		k           = fs.Int("k", eval.DefaultK, "hits per query")
		concurrency = fs.Int("concurrency", eval.DefaultConcurrency, "searches in flight")
		model       = fs.String("model", "BAAI/bge-small-en-v1.5", "in-process only: model pack, a pulled name (instructd model pull) or a pack directory")
		dataDir     = fs.String("data-dir", "", "in-process only: data directory (default a temporary one, removed afterwards)")
		ortLib      = fs.String("ort-lib", os.Getenv("INSTRUCTD_ORT_LIB"), "in-process only: ONNX Runtime library (default $INSTRUCTD_ORT_LIB)")
		cons        = fs.String("constraints", "", "negative-constraint fixture (directory or its pairs.jsonl): report paired accuracy, violations in the top 10 and extraction, instead of --dataset")
		similarity  = fs.Float64("constraint-similarity", 0, "in-process only: semantic-constraint similarity threshold for semantic packs (0: off)")
		rerank      = fs.String("rerank", "", "also run every mode with this reranker (a loaded reranker's name; in-process, a pack directory) and report both")
		rerankN     = fs.Int("rerank-candidates", 0, "first-stage hits the reranker re-scores (default max(50, k); at least k)")
	)
	if err := parseFlagsTo(fs, args, stdout); err != nil {
		return err
	}
	if *apiKey == "" {
		*apiKey = os.Getenv("INSTRUCTD_API_KEY") // not a flag default: -h would print it
	}
	if err := noPositional(fs); err != nil {
		return err
	}
	if *dataset == "" && *cons == "" {
		return errors.New("--dataset is required (or --constraints for the negative-constraint report)")
	}
	modeList, err := eval.ParseModes(*modes)
	if err != nil {
		return err
	}
	name := *collection
	if name == "" && *cons != "" {
		name = defaultEvalCollection(*cons) + "-constraints"
	} else if name == "" {
		name = defaultEvalCollection(*dataset)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var backend eval.Backend
	if *serverURL != "" {
		hb, err := newEvalHTTPBackend(*serverURL, *apiKey)
		if err != nil {
			return err
		}
		hb.warn = func(w string) { fmt.Fprintln(stderr, "warning: "+w) }
		backend = hb
	} else {
		if !*ingest {
			fmt.Fprintln(stderr, "eval: no --server: evaluating in-process on a fresh data directory, so the corpus is ingested")
			*ingest = true
		}
		pack, err := resolvePack(*model)
		if err != nil {
			return fmt.Errorf("%w\n  pull it (instructd model pull %s), pass another with --model NAME|DIR, or evaluate a running server with --server URL", err, *model)
		}
		if m, err := models.ReadManifest(pack); err == nil && !m.Semantic {
			fmt.Fprintf(stderr, "warning: model pack %q is not semantic (random weights): dense and hybrid scores carry no meaning\n", m.Name)
		}
		b, closeFn, err := openEvalInProcess(ctx, pack, *dataDir, *ortLib, *similarity, logger, rerank)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := closeFn(); cerr != nil {
				fmt.Fprintf(stderr, "eval: closing the in-process server: %v\n", cerr)
			}
		}()
		backend = b
	}

	if *cons != "" {
		return evalConstraints(ctx, backend, *cons, eval.Config{
			Collection: name, Modes: modeList, K: *k, Concurrency: *concurrency, Ingest: *ingest, Progress: stderr, Logger: logger,
		}, stdout)
	}
	ds, err := eval.Load(*dataset, eval.LoadOptions{Format: eval.Format(*format), Split: *split, SkipCorpus: !*ingest})
	if err != nil {
		return err
	}
	var stage *wire.RerankStage
	if *rerank != "" {
		stage = &wire.RerankStage{Model: *rerank, Candidates: *rerankN}
	}
	rep, err := eval.Run(ctx, backend, ds, eval.Config{
		Collection: name, Modes: modeList, K: *k, Concurrency: *concurrency,
		Ingest: *ingest, Progress: stderr, Logger: logger, Rerank: stage,
	})
	if err != nil {
		return err
	}
	if *perQuery != "" {
		if err := writePerQuery(*perQuery, rep); err != nil {
			return err
		}
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	return rep.WriteSummary(stdout)
}

// writePerQuery writes the per-query JSONL file.
func writePerQuery(path string, rep *eval.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("eval: --per-query: %w", err)
	}
	if err := rep.WritePerQuery(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("eval: --per-query: %w", err)
	}
	return nil
}

var unsafeCollectionChars = regexp.MustCompile(`[^a-z0-9_-]+`)

// defaultEvalCollection is "eval-" plus the dataset directory's base name, lower-cased
// with anything but letters, digits, '-' and '_' replaced by '-'.
func defaultEvalCollection(dataset string) string {
	base := strings.ToLower(strings.TrimRight(dataset, "/"))
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	base = strings.Trim(unsafeCollectionChars.ReplaceAllString(base, "-"), "-")
	if base == "" {
		base = "dataset"
	}
	return "eval-" + base
}
