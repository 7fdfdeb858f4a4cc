// Command embed-bench measures document-embedding throughput of instructd's Embedder
// against the ceiling: raw ONNX Runtime running the same length-sorted batches of
// pre-tokenised inputs, with the same thread count, both as one session of all threads
// (raw-ort) and split like the Embedder's inference workers (raw-ort-split: that many
// sessions of threads/workers threads each, running batches in parallel).
// scripts/bench-embed.sh runs it next to transformers.js and prints the ratios. Rounds
// alternate between the engines so that a busy machine slows all alike; the median round
// is reported.
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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/instructd/instructd/embed"
	"github.com/instructd/instructd/models"
)

func main() {
	pack := flag.String("pack", "models/test-minilm", "model pack directory")
	corpus := flag.String("corpus", "testdata/generated/wordnet.jsonl", "BEIR corpus.jsonl; the text field is embedded")
	n := flag.Int("n", 5000, "number of documents (the first n of the corpus)")
	threads := flag.Int("threads", runtime.NumCPU(), "intra-op threads for both engines")
	rounds := flag.Int("rounds", 3, "timed rounds per engine")
	dump := flag.String("dump-texts", "", "also write the texts as JSONL {\"text\"} to this file (for transformers.js)")
	cfg := embed.DefaultConfig()
	flag.IntVar(&cfg.MaxBatchSize, "max-batch-size", cfg.MaxBatchSize, "texts per batch (both engines)")
	flag.IntVar(&cfg.MaxBatchTokens, "max-batch-tokens", cfg.MaxBatchTokens, "padded tokens per batch (both engines)")
	flag.IntVar(&cfg.InferenceWorkers, "inference-workers", 0, "instructd's inference workers, and raw-ort-split's sessions (default: embed's)")
	flag.Parse()
	cfg.IntraOpThreads = *threads
	if cfg.InferenceWorkers <= 0 {
		cfg.InferenceWorkers = embed.DefaultInferenceWorkers(cfg.IntraOpThreads)
	}
	if err := run(*pack, *corpus, *n, cfg, *rounds, *dump); err != nil {
		fmt.Fprintln(os.Stderr, "embed-bench:", err)
		os.Exit(1)
	}
}

func run(packDir, corpus string, n int, cfg embed.Config, rounds int, dump string) error {
	threads := cfg.IntraOpThreads
	texts, err := readTexts(corpus, n)
	if err != nil {
		return err
	}
	if dump != "" {
		if err := writeTexts(dump, texts); err != nil {
			return err
		}
	}
	ctx := context.Background()
	rt, err := embed.OpenRuntime("")
	if err != nil {
		return err
	}
	defer rt.Close()

	cfg.Runtime = rt
	// Count what the batcher ran in the last round, to compare padding with raw ORT's.
	var mu sync.Mutex
	var batches, padded, tokens int
	cfg.Hooks.Batch = func(s embed.BatchStats) {
		mu.Lock()
		batches, padded, tokens = batches+1, padded+s.PaddedTokens, tokens+s.Tokens
		mu.Unlock()
	}
	e, err := embed.Open(ctx, packDir, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	raw, err := newRawBench(rt, packDir, e, texts, threads, cfg)
	if err != nil {
		return err
	}
	defer raw.close()

	workers := cfg.InferenceWorkers
	split, err := raw.newSessions(packDir, workers, max(1, threads/workers))
	if err != nil {
		return err
	}

	// Warm all up on a slice of the data.
	if _, err := e.Embed(ctx, texts[:min(256, len(texts))], embed.Options{Type: embed.Document, Wait: true}); err != nil {
		return err
	}
	for _, sessions := range [][]*ort.DynamicAdvancedSession{raw.single, split} {
		if err := raw.runBatches(sessions, raw.batches[:min(4*len(sessions), len(raw.batches))]); err != nil {
			return err
		}
	}
	// Wall-clock docs/s, and docs per CPU-second of this process (user + system), which
	// a busy machine disturbs far less than the wall clock.
	var ours, ceiling, splitRate, oursCPU, ceilingCPU, splitCPU []float64
	docs := float64(len(texts))
	for r := 0; r < rounds; r++ {
		mu.Lock()
		batches, padded, tokens = 0, 0, 0
		mu.Unlock()
		start, cpu0 := time.Now(), cpuSeconds()
		res, err := e.Embed(ctx, texts, embed.Options{Type: embed.Document, Wait: true})
		if err != nil {
			return err
		}
		if len(res.Vectors) != len(texts) {
			return errors.New("wrong number of vectors")
		}
		ours = append(ours, docs/time.Since(start).Seconds())
		oursCPU = append(oursCPU, docs/(cpuSeconds()-cpu0))

		start, cpu0 = time.Now(), cpuSeconds()
		if err := raw.runBatches(raw.single, raw.batches); err != nil {
			return err
		}
		ceiling = append(ceiling, docs/time.Since(start).Seconds())
		ceilingCPU = append(ceilingCPU, docs/(cpuSeconds()-cpu0))

		start, cpu0 = time.Now(), cpuSeconds()
		if err := raw.runBatches(split, raw.batches); err != nil {
			return err
		}
		splitRate = append(splitRate, docs/time.Since(start).Seconds())
		splitCPU = append(splitCPU, docs/(cpuSeconds()-cpu0))
	}
	out := json.NewEncoder(os.Stdout)
	for _, r := range []map[string]any{
		{"engine": "instructd", "docs": len(texts), "docs_per_s": median(ours), "rounds": ours, "threads": threads,
			"workers":          workers,
			"docs_per_cpu_s":   median(oursCPU),
			"max_batch_tokens": cfg.MaxBatchTokens, "max_batch_size": cfg.MaxBatchSize,
			"batches": batches, "padded_tokens": padded, "tokens": tokens},
		{"engine": "raw-ort", "docs": len(texts), "docs_per_s": median(ceiling), "rounds": ceiling, "threads": threads,
			"docs_per_cpu_s": median(ceilingCPU),
			"batches":        len(raw.batches), "padded_tokens": raw.padded, "tokens": raw.tokens},
		{"engine": "raw-ort-split", "docs": len(texts), "docs_per_s": median(splitRate), "rounds": splitRate, "threads": threads,
			"workers": workers, "threads_per_worker": max(1, threads/workers), "docs_per_cpu_s": median(splitCPU),
			"batches": len(raw.batches), "padded_tokens": raw.padded, "tokens": raw.tokens},
	} {
		if err := out.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// rawBench holds pre-tokenised, length-sorted batches with their tensors allocated up
// front (each batch its own output tensor, so batches may run in parallel), and sessions
// created with the same options as embed.NewSession: timing covers session.Run and
// nothing else.
type rawBench struct {
	single         []*ort.DynamicAdvancedSession // one session of all threads
	sessions       []*ort.DynamicAdvancedSession // every session made, for close
	names          []string                      // model inputs
	ins            []ort.InputOutputInfo         // their metadata
	output         string
	modelPath      string
	pooled         bool          // the output is batch × dim
	batches        [][]ort.Value // inputs then the output, per batch
	padded, tokens int
}

func newRawBench(rt *embed.Runtime, packDir string, e *embed.Embedder, texts []string, threads int, cfg embed.Config) (*rawBench, error) {
	m := e.Manifest()
	tok := e.Tokenizer()
	encs := make([]embed.Encoding, len(texts))
	for i, t := range texts {
		enc, err := tok.Encode(embed.RenderDocument(m.DocumentTemplate, t))
		if err != nil {
			return nil, fmt.Errorf("tokenize text %d: %w", i, err)
		}
		encs[i] = enc
	}
	sort.SliceStable(encs, func(i, j int) bool { return len(encs[i].IDs) < len(encs[j].IDs) })

	pack, err := models.Load(packDir)
	if err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfo(pack.ModelPath())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
		if in.DataType == ort.TensorElementDataTypeInt32 || in.DataType == ort.TensorElementDataTypeFloat16 {
			return nil, fmt.Errorf("raw-ort: input %s is %s: benchmark an fp32/int64 export", in.Name, in.DataType)
		}
	}
	b := &rawBench{names: names, ins: ins, output: m.OutputName, modelPath: pack.ModelPath()}
	for _, o := range outs {
		if o.Name == m.OutputName {
			b.pooled = len(o.Dimensions) == 2
		}
	}
	if b.single, err = b.newSessions(packDir, 1, threads); err != nil {
		b.close()
		return nil, err
	}
	// Cut batches as the batcher does: contiguous in length order, longest × count within
	// the token budget and count within the size cap.
	for lo := 0; lo < len(encs); {
		hi := lo + 1
		for hi < len(encs) && hi-lo < cfg.MaxBatchSize && len(encs[hi].IDs)*(hi-lo+1) <= cfg.MaxBatchTokens {
			hi++
		}
		vals, err := b.tensors(encs[lo:hi], names, m.Dimension)
		if err != nil {
			b.close()
			return nil, err
		}
		b.batches = append(b.batches, vals)
		lo = hi
	}
	return b, nil
}

func (b *rawBench) tensors(encs []embed.Encoding, names []string, dim int) ([]ort.Value, error) {
	n, length := len(encs), len(encs[len(encs)-1].IDs)
	b.padded += n * length
	var vals []ort.Value
	for k, name := range names {
		if strings.HasPrefix(name, "past_key_values.") { // decoder export: an empty cache
			shape := b.ins[k].Dimensions.Clone()
			shape[0] = int64(n)
			for i := 1; i < len(shape); i++ {
				shape[i] = max(shape[i], 0)
			}
			t, err := ort.NewTensor(shape, []float32{})
			if err != nil {
				return nil, err
			}
			vals = append(vals, t)
			continue
		}
		data := make([]int64, n*length)
		for i, e := range encs {
			row := data[i*length : (i+1)*length]
			switch name {
			case "input_ids":
				copy(row, e.IDs)
				b.tokens += len(e.IDs)
			case "attention_mask":
				copy(row, e.AttentionMask)
			case "token_type_ids":
				copy(row, e.TypeIDs)
			case "position_ids":
				for t := range row {
					row[t] = int64(t)
				}
			}
		}
		t, err := ort.NewTensor(ort.NewShape(int64(n), int64(length)), data)
		if err != nil {
			return nil, err
		}
		vals = append(vals, t)
	}
	outShape := ort.NewShape(int64(n), int64(length), int64(dim))
	if b.pooled {
		outShape = ort.NewShape(int64(n), int64(dim))
	}
	out, err := ort.NewEmptyTensor[float32](outShape)
	if err != nil {
		return nil, err
	}
	return append(vals, out), nil
}

// newSessions makes n sessions of threads intra-op threads each; close releases them.
func (b *rawBench) newSessions(packDir string, n, threads int) ([]*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if err := errors.Join(so.SetIntraOpNumThreads(threads), so.SetInterOpNumThreads(1),
		so.SetExecutionMode(ort.ExecutionModeSequential),
		so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll)); err != nil {
		return nil, err
	}
	var out []*ort.DynamicAdvancedSession
	for range n {
		s, err := ort.NewDynamicAdvancedSession(b.modelPath, b.names, []string{b.output}, so)
		if err != nil {
			return nil, err
		}
		b.sessions = append(b.sessions, s)
		out = append(out, s)
	}
	return out, nil
}

// runBatches runs batches in order on one session, or, with several, hands them out
// in order to one goroutine per session, as the Embedder's workers take them.
func (b *rawBench) runBatches(sessions []*ort.DynamicAdvancedSession, batches [][]ort.Value) error {
	var next atomic.Int64
	errs := make([]error, len(sessions))
	var wg sync.WaitGroup
	for w, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(batches)); i = next.Add(1) - 1 {
				vals := batches[i]
				if err := s.Run(vals[:len(vals)-1], vals[len(vals)-1:]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (b *rawBench) close() {
	for _, vals := range b.batches {
		for _, v := range vals {
			v.Destroy()
		}
	}
	for _, s := range b.sessions {
		s.Destroy()
	}
}

func readTexts(path string, n int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open corpus (run `make setup`): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	var texts []string
	for sc.Scan() && len(texts) < n {
		var doc struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			return nil, fmt.Errorf("corpus line %d: %w", len(texts)+1, err)
		}
		texts = append(texts, doc.Text)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(texts) < n {
		return nil, fmt.Errorf("corpus has %d documents, want %d", len(texts), n)
	}
	return texts, nil
}

func writeTexts(path string, texts []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, t := range texts {
		if err := enc.Encode(map[string]string{"text": t}); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cpuSeconds is the user + system CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
