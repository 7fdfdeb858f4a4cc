package embed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/instructd/instructd/models"
)

// Errors the Embedder returns; callers test them with errors.Is.
var (
	// ErrOverloaded means the queue is full and the call did not ask to wait (HTTP 429).
	ErrOverloaded = errors.New("embed: overloaded: the embedding queue is full")
	// ErrClosed means the Embedder was closed before or during the call.
	ErrClosed = errors.New("embed: embedder is closed")
	// ErrInvalidInput marks bad options or text the tokenizer rejects.
	ErrInvalidInput = errors.New("embed: invalid input")
)

// Defaults for zero Config fields. The batch budget is sized for CPUs: on 2 cores with the
// MiniLM-shaped pack and WordNet glosses, 512–1024 padded tokens per batch ran about 310
// docs/s, 2048 about 295, 4096 about 255 and 8192 about 240 (bench-embed, quiet machine):
// small batches keep activations in cache, and they bound how long a query that arrives
// during ingest waits for the batch in flight.
const (
	// DefaultMaxBatchTokens is the padded-token budget of one batch.
	DefaultMaxBatchTokens = 1024
	// DefaultRerankMaxBatchTokens is a reranker's budget: pairs are two to three times as
	// long as glosses, and on 2 cores with the MiniLM-shaped cross-encoder 256 padded tokens
	// scored 348 pairs/s, 512 313, 1024 264 and 4096 147 (bench-rerank, same run): small
	// batches waste less padding and keep activations in cache.
	DefaultRerankMaxBatchTokens = 256
	// DefaultMaxBatchSize caps the texts in one batch.
	DefaultMaxBatchSize = 128
	// DefaultMaxWait is how long a batch that is not full waits for more texts.
	DefaultMaxWait = 2 * time.Millisecond
	// DefaultQueueSize caps the texts admitted across all callers.
	DefaultQueueSize = 8192
	// DefaultCacheSize is the query cache's capacity in DefaultConfig.
	DefaultCacheSize = 4096
)

// InputType says whether texts are queries or documents.
type InputType string

// Input types.
const (
	// Query texts get the pack's query template (or attention mode) and instruction.
	Query InputType = "query"
	// Document texts get the pack's document template.
	Document InputType = "document"
)

// Options shape one Embed call.
type Options struct {
	// Type is Query or Document; empty means Document.
	Type InputType
	// Instruction overrides the pack's default instruction for queries: nil keeps the
	// default, a pointer to "" embeds queries with no instruction.
	Instruction *string
	// Mode overrides the pack's instruction mode (template or attention); empty keeps it.
	Mode models.InstructionMode
	// Wait blocks on a full queue instead of failing with ErrOverloaded.
	Wait bool
	// Dimensions, when > 0 and below the pack's dimension, keeps each vector's first
	// Dimensions components and re-normalises them (Matryoshka). When the manifest lists
	// matryoshka_dimensions, it must be one of them; otherwise ErrInvalidInput.
	Dimensions int
}

// Timings break down where an Embed call spent its time.
type Timings struct {
	// Tokenize is time spent tokenizing on the caller's goroutine.
	Tokenize time.Duration
	// Queue is time spent waiting for admission and for the model.
	Queue time.Duration
	// Infer is the model time of the batches that carried the call's texts, summed
	// (batches of several inference workers overlap, so it may exceed the wall time).
	Infer time.Duration
}

// Result is one vector per input text, in input order.
type Result struct {
	// Vectors holds one vector per text; callers own them.
	Vectors [][]float32
	// Tokens counts the tokens run through the model (cache hits count none).
	Tokens int
	// UsageTokens counts the tokens of every input, cache hits included (with the count
	// they had when first embedded): what a caller is billed for, as OpenAI's usage does.
	UsageTokens int
	// TextTokens holds each input's token count (special tokens included).
	TextTokens []int
	// Truncated reports, per text, that it was cut to the pack's max tokens.
	Truncated []bool
	// Timings explains the call's latency.
	Timings Timings
}

// Config tunes an Embedder. Zero fields take the defaults above, except CacheSize, whose
// zero disables the cache: start from DefaultConfig to get every default.
type Config struct {
	// LibraryPath is the ONNX Runtime library; empty means ResolveLibrary's search.
	LibraryPath string
	// Runtime, when set, is used instead of opening one from LibraryPath; the caller
	// keeps ownership and closes it after every Embedder that uses it.
	Runtime *Runtime
	// IntraOpThreads is ONNX Runtime's intra-op thread count; 0 means all cores.
	IntraOpThreads int
	// InferenceWorkers is how many batches run at once, each worker with its own ONNX
	// Runtime session of IntraOpThreads/InferenceWorkers threads (at least 1); 0 means
	// DefaultInferenceWorkers(IntraOpThreads).
	InferenceWorkers int
	// MaxBatchTokens caps a batch's padded size, longest × count.
	MaxBatchTokens int
	// MaxBatchSize caps the texts in one batch.
	MaxBatchSize int
	// MaxWait is how long a batch that is not full waits for more texts; negative: no wait.
	MaxWait time.Duration
	// QueueSize caps the texts admitted (waiting or in inference) across all callers.
	QueueSize int
	// CacheSize is the query cache's capacity in entries; 0 disables it.
	CacheSize int
	// Hooks receive measurements; nil fields are skipped.
	Hooks Hooks
	// Logger receives lifecycle messages; nil discards them.
	Logger *slog.Logger

	// tokenizer, when set, replaces the pack's tokenizer (tests of packs whose
	// tokenizer.json this build cannot read).
	tokenizer Tokenizer
}

// DefaultConfig returns a Config with every default filled in, the cache included.
func DefaultConfig() Config {
	return Config{
		IntraOpThreads: runtime.NumCPU(),
		MaxBatchTokens: DefaultMaxBatchTokens,
		MaxBatchSize:   DefaultMaxBatchSize,
		MaxWait:        DefaultMaxWait,
		QueueSize:      DefaultQueueSize,
		CacheSize:      DefaultCacheSize,
	}
}

func (c Config) withDefaults() Config {
	if c.IntraOpThreads <= 0 {
		c.IntraOpThreads = runtime.NumCPU()
	}
	if c.InferenceWorkers <= 0 {
		c.InferenceWorkers = DefaultInferenceWorkers(c.IntraOpThreads)
	}
	if c.MaxBatchTokens <= 0 {
		c.MaxBatchTokens = DefaultMaxBatchTokens
	}
	if c.MaxBatchSize <= 0 {
		c.MaxBatchSize = DefaultMaxBatchSize
	}
	switch {
	case c.MaxWait == 0:
		c.MaxWait = DefaultMaxWait
	case c.MaxWait < 0:
		c.MaxWait = 0
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// maxDefaultWorkers caps DefaultInferenceWorkers: every worker holds a copy of the model.
const maxDefaultWorkers = 4

// DefaultInferenceWorkers is the worker count for a total of threads intra-op threads:
// one single-threaded session per thread, at most 4 (each session holds its own copy
// of the model's weights). Independent batches on separate cores beat one batch split
// across cores, whose operators synchronise at every layer; see docs/embedding.md.
func DefaultInferenceWorkers(threads int) int {
	return max(1, min(threads, maxDefaultWorkers))
}

// Embedder turns texts into vectors with one model pack. It is safe for concurrent use:
// every call goes through one dynamic batcher, so concurrent callers share batches.
type Embedder struct {
	cfg      Config
	manifest models.Manifest
	tok      Tokenizer
	rt       *Runtime
	ownsRT   bool
	sessions []*Session // one per inference worker
	dim      int
	pooled   bool // the graph's output is already one vector per text (no token vectors)
	b        *batcher
	cache    *queryCache
	log      *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Open loads the pack in packDir (manifest, tokenizer, ONNX session), runs a warm-up
// batch that also checks the output dimension, and starts the batcher.
func Open(ctx context.Context, packDir string, cfg Config) (*Embedder, error) {
	return open(ctx, packDir, cfg, nil)
}

// open is Open with a hook that may adjust the manifest (tests use it to switch pooling).
func open(ctx context.Context, packDir string, cfg Config, adjust func(*models.Manifest)) (*Embedder, error) {
	cfg = cfg.withDefaults()
	pack, err := models.Load(packDir)
	if err != nil {
		return nil, fmt.Errorf("embed: open %s: %w", packDir, err)
	}
	m := pack.Manifest
	if adjust != nil {
		adjust(&m)
	}
	tok := cfg.tokenizer
	if tok == nil {
		tok, err = loadTokenizer(pack.TokenizerPath(), m.MaxTokens, m.AppendToken)
	}
	if err != nil {
		return nil, fmt.Errorf("embed: open %s: %w", packDir, err)
	}
	e := &Embedder{cfg: cfg, manifest: m, tok: tok, rt: cfg.Runtime, log: cfg.Logger, cache: newQueryCache(cfg.CacheSize)}
	if e.rt == nil {
		if e.rt, err = OpenRuntime(cfg.LibraryPath); err != nil {
			return nil, err
		}
		e.ownsRT = true
	}
	fail := func(err error) (*Embedder, error) {
		for _, s := range e.sessions {
			s.Close()
		}
		if e.ownsRT {
			e.rt.Close()
		}
		return nil, err
	}
	threads := max(1, cfg.IntraOpThreads/cfg.InferenceWorkers)
	for range cfg.InferenceWorkers {
		s, err := NewSession(e.rt, pack.ModelPath(), SessionOptions{OutputName: m.OutputName, IntraOpThreads: threads})
		if err != nil {
			return fail(err)
		}
		e.sessions = append(e.sessions, s)
	}
	e.pooled = e.sessions[0].Pooled()
	if err := checkPooling(m, e.sessions[0]); err != nil {
		return fail(fmt.Errorf("embed: %s: %w", packDir, err))
	}
	e.dim = m.Dimension
	if d := e.sessions[0].Dim(); d > 0 && e.dim > 0 && d != e.dim {
		return fail(fmt.Errorf("embed: %s: model output has %d dims, manifest says %d", packDir, d, e.dim))
	} else if e.dim <= 0 {
		e.dim = d
	}
	if e.dim <= 0 {
		return fail(fmt.Errorf("embed: %s: unknown output dimension", packDir))
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("embed: open %s: %w", packDir, err))
	}
	start := time.Now()
	infers := make([]inferFunc, len(e.sessions))
	for i, s := range e.sessions {
		infers[i] = func(b batch) ([][]float32, error) { return e.infer(s, b) }
		if err := e.warmUp(infers[i]); err != nil {
			return fail(fmt.Errorf("embed: warm-up of %s: %w", packDir, err))
		}
	}
	e.b = newPoolBatcher(batchConfig{
		maxTokens: cfg.MaxBatchTokens,
		maxSize:   cfg.MaxBatchSize,
		maxWait:   cfg.MaxWait,
		queueSize: cfg.QueueSize,
	}, infers, cfg.Hooks)
	e.log.Info("embedder ready", "pack", m.Name, "dim", e.dim, "max_tokens", m.MaxTokens,
		"workers", cfg.InferenceWorkers, "threads_per_worker", threads, "ort", e.rt.LibraryPath(), "warmup", time.Since(start))
	return e, nil
}

// warmUp runs one small batch through infer so that the first request does not pay for
// ONNX Runtime's lazy initialisation, and so that a dimension mismatch fails Open, not a request.
func (e *Embedder) warmUp(infer inferFunc) error {
	enc, err := e.tok.Encode("warm up the embedding engine")
	if err != nil {
		return err
	}
	_, err = infer(batch{encs: []*Encoding{&enc}, states: []bool{false}, length: len(enc.IDs)})
	return err
}

// infer is a worker's model call: it runs the worker's session and pools, on the worker's goroutine.
func (e *Embedder) infer(sess *Session, b batch) ([][]float32, error) {
	d := e.dim
	states, err := sess.Run(b.encs, b.length, d)
	if err != nil {
		return nil, err
	}
	outs := make([][]float32, len(b.encs))
	if sess.Pooled() {
		for i := range b.encs {
			if b.states[i] {
				return nil, fmt.Errorf("%w: pack %s pools inside its graph and has no token vectors (attention mode needs them)", ErrInvalidInput, e.manifest.Name)
			}
			v := append([]float32(nil), states[i*d:(i+1)*d]...)
			if e.manifest.Normalize {
				Normalize(v)
			}
			outs[i] = v
		}
		return outs, nil
	}
	rowSize := b.length * d
	for i, enc := range b.encs {
		row := states[i*rowSize : (i+1)*rowSize]
		if b.states[i] {
			outs[i] = append([]float32(nil), row[:len(enc.IDs)*d]...)
			continue
		}
		v := make([]float32, d)
		if err := Pool(v, row, enc.AttentionMask, d, e.manifest.Pooling); err != nil {
			return nil, err
		}
		if e.manifest.Normalize {
			Normalize(v)
		}
		outs[i] = v
	}
	return outs, nil
}

// Manifest returns the pack's manifest.
func (e *Embedder) Manifest() models.Manifest { return e.manifest }

// Tokenizer returns the pack's tokenizer (for chunking and token counts).
func (e *Embedder) Tokenizer() Tokenizer { return e.tok }

// CacheStats reports the query cache's counters.
func (e *Embedder) CacheStats() CacheStats { return e.cache.stats() }

// Close stops the batcher (queued texts fail with ErrClosed; running batches finish),
// waits for its goroutines, and releases the sessions and, if Open made it, the runtime.
func (e *Embedder) Close() error {
	e.closeOnce.Do(func() {
		e.b.close()
		var errs []error
		for _, s := range e.sessions {
			errs = append(errs, s.Close())
		}
		if e.ownsRT {
			errs = append(errs, e.rt.Close())
		}
		e.closeErr = errors.Join(errs...)
	})
	return e.closeErr
}

// call is one Embed call's resolved options.
type call struct {
	typ         InputType
	mode        models.InstructionMode
	instruction string
	dims        int // Matryoshka truncation; 0 keeps the full vector
}

func (e *Embedder) resolve(opts Options) (call, error) {
	c := call{typ: opts.Type, mode: opts.Mode}
	if c.typ == "" {
		c.typ = Document
	}
	if c.typ != Query && c.typ != Document {
		return c, fmt.Errorf("%w: unknown input type %q (want query or document)", ErrInvalidInput, opts.Type)
	}
	if c.mode == "" {
		c.mode = e.manifest.InstructionMode
	}
	if c.mode == "" {
		c.mode = models.InstructionTemplate
	}
	if c.mode != models.InstructionTemplate && c.mode != models.InstructionAttention {
		return c, fmt.Errorf("%w: unknown instruction mode %q (want template or attention)", ErrInvalidInput, c.mode)
	}
	if c.mode == models.InstructionAttention && e.pooled {
		return c, fmt.Errorf("%w: pack %s pools inside its graph, so it has no token vectors for instruction mode attention (use template)", ErrInvalidInput, e.manifest.Name)
	}
	if err := e.checkDimensions(opts.Dimensions); err != nil {
		return c, err
	}
	c.dims = opts.Dimensions
	c.instruction = e.manifest.DefaultInstruction
	if opts.Instruction != nil {
		c.instruction = *opts.Instruction
	}
	return c, nil
}

// Embed returns one vector per text. Documents get the pack's document template. Queries
// get the instruction (Options.Instruction, else the pack's default) through the query
// template, or, in attention mode, through instruction-query attention (see Attend); a
// query with an empty instruction is embedded through the template in both modes. Query
// vectors are cached (at full length; opts.Dimensions truncates per call). On a full
// queue Embed fails with ErrOverloaded unless opts.Wait.
func (e *Embedder) Embed(ctx context.Context, texts []string, opts Options) (Result, error) {
	c, err := e.resolve(opts)
	if err != nil {
		return Result{}, err
	}
	res, err := e.embed(ctx, texts, c, opts.Wait)
	if err != nil || c.dims == 0 || c.dims >= e.dim {
		return res, err
	}
	for i, v := range res.Vectors {
		res.Vectors[i] = TruncateNormalize(v, c.dims)
	}
	return res, nil
}

// embed is Embed with resolved options; it returns full-length vectors.
func (e *Embedder) embed(ctx context.Context, texts []string, c call, wait bool) (Result, error) {
	res := Result{Vectors: make([][]float32, len(texts)), Truncated: make([]bool, len(texts)), TextTokens: make([]int, len(texts))}
	if len(texts) == 0 {
		return res, nil
	}
	if c.typ == Document {
		inputs := make([]string, len(texts))
		for i, t := range texts {
			inputs[i] = RenderDocument(e.manifest.DocumentTemplate, t)
		}
		r, err := e.run(ctx, inputs, false, wait)
		if err != nil {
			return Result{}, err
		}
		r.UsageTokens = r.Tokens
		e.cfg.Hooks.request(r.Timings)
		return r, nil
	}

	// Queries: serve what the cache has, embed the rest.
	var missing []int
	keys := make([]cacheKey, len(texts))
	for i, t := range texts {
		keys[i] = cacheKey{pack: e.manifest.Name, mode: c.mode, template: e.manifest.QueryTemplate, instruction: c.instruction, text: t}
		if v, tokens, ok := e.cache.get(keys[i]); ok {
			e.cfg.Hooks.cacheHit()
			res.Vectors[i], res.TextTokens[i] = v, tokens
			res.UsageTokens += tokens
			continue
		}
		if e.cache.capacity > 0 {
			e.cfg.Hooks.cacheMiss()
		}
		missing = append(missing, i)
	}
	if len(missing) == 0 {
		return res, nil
	}
	var (
		r   Result
		err error
	)
	if c.mode == models.InstructionAttention && c.instruction != "" {
		r, err = e.embedAttention(ctx, c.instruction, texts, missing, wait)
	} else {
		inputs := make([]string, len(missing))
		for j, i := range missing {
			inputs[j] = RenderQuery(e.manifest.QueryTemplate, c.instruction, texts[i])
		}
		r, err = e.run(ctx, inputs, false, wait)
	}
	if err != nil {
		return Result{}, err
	}
	for j, i := range missing {
		res.Vectors[i] = r.Vectors[j]
		res.Truncated[i] = r.Truncated[j]
		e.cache.put(keys[i], r.Vectors[j], r.TextTokens[j])
		res.TextTokens[i] = r.TextTokens[j]
		res.UsageTokens += r.TextTokens[j]
	}
	res.Tokens, res.Timings = r.Tokens, r.Timings
	e.cfg.Hooks.request(r.Timings)
	return res, nil
}

// embedAttention embeds the instruction once and each missing query separately, both as
// token vectors, and combines them with Attend. Result rows follow missing.
func (e *Embedder) embedAttention(ctx context.Context, instruction string, texts []string, missing []int, wait bool) (Result, error) {
	inputs := make([]string, 0, len(missing)+1)
	inputs = append(inputs, instruction)
	for _, i := range missing {
		inputs = append(inputs, texts[i])
	}
	r, err := e.run(ctx, inputs, true, wait)
	if err != nil {
		return Result{}, err
	}
	inst := r.Vectors[0]
	li := len(inst) / e.dim
	out := Result{Vectors: make([][]float32, len(missing)), Truncated: make([]bool, len(missing)), TextTokens: make([]int, len(missing)),
		Tokens: r.Tokens, Timings: r.Timings}
	for j := range missing {
		q := r.Vectors[j+1]
		v, err := Attend(inst, li, q, len(q)/e.dim, e.dim)
		if err != nil {
			return Result{}, err
		}
		out.Vectors[j] = v
		out.Truncated[j] = r.Truncated[j+1] || r.Truncated[0]
		out.TextTokens[j] = r.TextTokens[j+1]
		if j == 0 {
			out.TextTokens[j] += r.TextTokens[0] // the instruction is embedded once, counted once
		}
	}
	return out, nil
}

// run tokenizes inputs on the caller's goroutine and sends them through the batcher as
// one request (see submit). With states set, the rows are token vectors instead of pooled vectors.
func (e *Embedder) run(ctx context.Context, inputs []string, states bool, wait bool) (Result, error) {
	return e.b.submit(ctx, e.cfg.QueueSize, len(inputs), func(i int) (Encoding, error) {
		return e.tok.Encode(inputs[i])
	}, states, wait)
}
