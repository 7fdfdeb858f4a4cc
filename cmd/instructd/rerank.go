package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/wire"
)

// rerankChunk is how many input lines are scored at once: their pairs share the batcher.
const rerankChunk = 32

// rerankIn is one input line.
type rerankIn struct {
	ID          json.RawMessage       `json:"id"`
	Query       *string               `json:"query"`
	Documents   []wire.RerankDocument `json:"documents"`
	Instruction *string               `json:"instruction"`
}

// rerankOut is one output line: the input's id and its results, best first.
type rerankOut struct {
	ID      json.RawMessage     `json:"id"`
	Results []wire.RerankResult `json:"results"`
}

// runRerank scores JSONL {"id","query","documents":[...],"instruction"?} from stdin with a
// reranker pack and writes JSONL {"id","results":[{"index","relevance_score"}]} (best first)
// to stdout in input order. Bad lines are reported on stderr by line number and skipped;
// the command then exits non-zero.
func runRerank(ctx context.Context, args []string) error {
	fs := newFlags("rerank", "rerank --model PACK [flags] < in.jsonl > out.jsonl",
		`echo '{"id":"1","query":"what do owls eat","documents":["Owls eat mice.","Cats sleep."]}' | instructd rerank --model models/test-reranker`,
		`instructd rerank --model cross-encoder/ms-marco-MiniLM-L-6-v2 --top-n 10 < queries.jsonl > ranked.jsonl`)
	model := fs.String("model", "", "reranker pack directory or pulled name (required)")
	instruction := fs.String("instruction", "", "instruction for every line without its own (default: the pack's)")
	topN := fs.Int("top-n", 0, "keep the best n results per line (default: all)")
	engine := addEngineFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noPositional(fs); err != nil {
		return err
	}
	if *model == "" {
		return errors.New("--model PACK is required (see instructd rerank --help)")
	}
	pack, err := resolvePack(*model)
	if err != nil {
		return err
	}
	if *topN < 0 {
		return fmt.Errorf("--top-n must be positive, got %d", *topN)
	}
	var defInst *string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "instruction" {
			defInst = instruction
		}
	})
	r, err := embed.OpenReranker(ctx, pack, engine.config())
	if err != nil {
		return err
	}
	defer r.Close()
	return rerankStream(ctx, r, defInst, *topN, os.Stdin, os.Stdout, os.Stderr)
}

// rerankLine is a parsed input line with its line number.
type rerankLine struct {
	n   int
	in  rerankIn
	out rerankOut
	err error
}

// rerankStream reads chunks of lines, scores each chunk's lines concurrently (their pairs
// batch together) and writes results in input order.
func rerankStream(ctx context.Context, r *embed.Reranker, defInst *string, topN int, in io.Reader, out, errOut io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), 64<<20)
	w := bufio.NewWriter(out)
	bad, n := 0, 0
	flush := func(chunk []*rerankLine) error {
		var wg sync.WaitGroup
		for _, l := range chunk {
			if l.err != nil {
				continue
			}
			wg.Go(func() { l.out, l.err = rerankOne(ctx, r, l.in, defInst, topN) })
		}
		wg.Wait()
		for _, l := range chunk {
			if l.err != nil {
				bad++
				fmt.Fprintf(errOut, "instructd rerank: line %d: %v\n", l.n, l.err)
				continue
			}
			b, err := json.Marshal(l.out)
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		return nil
	}
	var chunk []*rerankLine
	for sc.Scan() {
		n++
		raw := trimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		l := &rerankLine{n: n}
		if err := json.Unmarshal(raw, &l.in); err != nil {
			l.err = fmt.Errorf("invalid JSON: %w", err)
		} else if len(l.in.ID) == 0 || string(l.in.ID) == "null" {
			l.err = errors.New(`missing "id"`)
		} else if l.in.Query == nil || *l.in.Query == "" {
			l.err = errors.New(`missing "query" (a non-empty string)`)
		}
		chunk = append(chunk, l)
		if len(chunk) == rerankChunk {
			if err := flush(chunk); err != nil {
				return err
			}
			chunk = nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input after line %d: %w", n, err)
	}
	if err := flush(chunk); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("%d bad line(s), reported above", bad)
	}
	return nil
}

// rerankOne scores one line's documents, best first (ties in input order), cut to topN.
func rerankOne(ctx context.Context, r *embed.Reranker, in rerankIn, defInst *string, topN int) (rerankOut, error) {
	docs := make([]string, len(in.Documents))
	for i, d := range in.Documents {
		if d.Text == "" {
			return rerankOut{}, fmt.Errorf("documents[%d] is empty", i)
		}
		docs[i] = d.Text
	}
	inst := in.Instruction
	if inst == nil {
		inst = defInst
	}
	res, err := r.Rerank(ctx, *in.Query, docs, embed.RerankOptions{Instruction: inst, Wait: true})
	if err != nil {
		return rerankOut{}, err
	}
	out := rerankOut{ID: in.ID, Results: make([]wire.RerankResult, len(docs))}
	for i, s := range res.Scores {
		out.Results[i] = wire.RerankResult{Index: i, RelevanceScore: float64(s)}
	}
	slices.SortStableFunc(out.Results, func(a, b wire.RerankResult) int { return cmp.Compare(b.RelevanceScore, a.RelevanceScore) })
	if topN > 0 && topN < len(out.Results) {
		out.Results = out.Results[:topN]
	}
	return out, nil
}
