package embed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/instructd/instructd/models"
)

// StaticEmbedder serves a static pack (runtime "static"): Model2Vec or
// sentence-transformers StaticEmbedding. A text's vector is the mean of its tokens' rows
// in a table, normalised if the pack says so; no ONNX Runtime is involved. Embed runs on
// the caller's goroutines (no batcher: there is no model call to share), so it never
// queues and never returns ErrOverloaded. It is safe for concurrent use.
type StaticEmbedder struct {
	manifest models.Manifest
	layout   string
	table    []float32 // rows × dim, row-major, scale applied
	rows     int
	dim      int
	tok      Tokenizer // exposed: Encode with special tokens, MaxTokens (chunking, counts)
	pool     staticEnc // tokenizes for pooling: no special tokens
	unkID    int64     // Model2Vec drops this id; -1 for none (and for StaticEmbedding)
	charCap  int       // Model2Vec: texts are cut to this many characters first; 0: no cut
	maxIDs   int       // ids kept per text
	workers  int       // goroutines one large call is split over
	cache    *queryCache
	hooks    Hooks
	closed   atomic.Bool
	closeFn  func() error
	closeErr error
	once     sync.Once
}

// staticEnc is the tokenizer method static pooling needs (FullTokenizer has it).
type staticEnc interface {
	EncodeWith(text string, addSpecialTokens bool) (Encoding, error)
}

// staticParallelMin is the smallest call split over several goroutines: below it the
// goroutines cost more than they save (a text takes a few microseconds).
const staticParallelMin = 64

// OpenStatic loads the static pack in packDir: manifest, tokenizer and table.
// cfg's CacheSize, Hooks, IntraOpThreads (goroutines per large call) and Logger apply;
// the batching and ONNX Runtime fields do not.
func OpenStatic(packDir string, cfg Config) (*StaticEmbedder, error) {
	cfg = cfg.withDefaults()
	pack, err := models.Load(packDir)
	if err != nil {
		return nil, fmt.Errorf("embed: open %s: %w", packDir, err)
	}
	m := pack.Manifest
	if m.RuntimeOrDefault() != models.RuntimeStatic || m.Static == nil {
		return nil, fmt.Errorf("embed: open %s: runtime %q is not static", packDir, m.RuntimeOrDefault())
	}
	if m.Pooling != models.PoolingMean {
		return nil, fmt.Errorf("embed: open %s: static packs pool by mean, manifest says %q", packDir, m.Pooling)
	}
	s := &StaticEmbedder{manifest: m, layout: m.Static.Layout, unkID: -1, maxIDs: m.MaxTokens,
		workers: max(1, cfg.IntraOpThreads), cache: newQueryCache(cfg.CacheSize), hooks: cfg.Hooks}
	start := time.Now()
	vocab, err := readStaticVocab(pack.TokenizerPath())
	if err != nil {
		return nil, fmt.Errorf("embed: open %s: %w", packDir, err)
	}
	if err := s.loadTable(filepath.Join(packDir, models.StaticTableFile(s.layout))); err != nil {
		return nil, fmt.Errorf("embed: open %s: %w", packDir, err)
	}
	if s.dim != m.Dimension {
		return nil, fmt.Errorf("embed: open %s: table has %d columns, manifest says dimension %d", packDir, s.dim, m.Dimension)
	}
	if vocab.size > s.rows {
		return nil, fmt.Errorf("embed: open %s: tokenizer has ids up to %d but the table has %d rows", packDir, vocab.size-1, s.rows)
	}
	var closers []func() error
	load := func(maxLen int) (Tokenizer, error) {
		t, err := LoadTokenizer(pack.TokenizerPath(), maxLen)
		if err != nil {
			return nil, fmt.Errorf("embed: open %s: %w", packDir, err)
		}
		if c, ok := t.(interface{ Close() error }); ok {
			closers = append(closers, c.Close)
		}
		return t, nil
	}
	closeAll := func() error {
		var errs []error
		for _, c := range closers {
			errs = append(errs, c())
		}
		return errors.Join(errs...)
	}
	if s.tok, err = load(m.MaxTokens); err != nil {
		return nil, err
	}
	pool := s.tok
	if s.layout == models.StaticModel2Vec {
		// Model2Vec: cut to max_length × median token length characters, tokenize all
		// of that (a character is at most 4 byte-level tokens), drop unk, keep max_length ids.
		s.unkID = vocab.unkID
		s.charCap = m.MaxTokens * vocab.medianLength
		if pool, err = load(4*s.charCap + 1); err != nil {
			closeAll()
			return nil, err
		}
	}
	enc, ok := pool.(staticEnc)
	if !ok {
		closeAll()
		return nil, fmt.Errorf("embed: open %s: the tokenizer cannot encode without special tokens", packDir)
	}
	s.pool = enc
	s.closeFn = closeAll
	cfg.Logger.Info("static embedder ready", "pack", m.Name, "layout", s.layout, "dim", s.dim, "rows", s.rows,
		"max_tokens", m.MaxTokens, "char_cap", s.charCap, "load", time.Since(start))
	return s, nil
}

// loadTable reads the layout's tensor, converting it to float32. An I8 table is
// multiplied by the file's "scale" tensor (one value, or one per row) when it has one.
func (s *StaticEmbedder) loadTable(path string) error {
	st, err := openSafetensors(path)
	if err != nil {
		return err
	}
	defer st.Close()
	name := "embeddings"
	if s.layout == models.StaticSentenceTransformers {
		name = "embedding.weight"
		if _, ok := st.tensors[name]; !ok {
			name = "embeddings" // StaticEmbedding.load accepts Model2Vec's name too
		}
	}
	if _, ok := st.tensors["mapping"]; ok {
		return fmt.Errorf("embed: %s: vocabulary-quantized tables (a %q tensor) are not supported", path, "mapping")
	}
	table, shape, err := st.float32s(name)
	if err != nil {
		return err
	}
	if len(shape) != 2 || shape[0] == 0 || shape[1] == 0 {
		return fmt.Errorf("embed: %s: tensor %q has shape %v, want [vocab, dim]", path, name, shape)
	}
	s.table, s.rows, s.dim = table, shape[0], shape[1]
	if st.tensors[name].DType == "I8" {
		if _, ok := st.tensors["scale"]; ok {
			scale, _, err := st.float32s("scale")
			if err != nil {
				return err
			}
			switch len(scale) {
			case 1:
				for i := range s.table {
					s.table[i] *= scale[0]
				}
			case s.rows:
				for r := range s.rows {
					row := s.table[r*s.dim : (r+1)*s.dim]
					for i := range row {
						row[i] *= scale[r]
					}
				}
			default:
				return fmt.Errorf("embed: %s: scale has %d values, want 1 or %d (one per row)", path, len(scale), s.rows)
			}
		}
	}
	for i, x := range s.table {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("embed: %s: row %d of %q is not finite", path, i/s.dim, name)
		}
	}
	return nil
}

// Manifest returns the pack's manifest.
func (s *StaticEmbedder) Manifest() models.Manifest { return s.manifest }

// Tokenizer returns the pack's tokenizer (special tokens, truncation to max tokens).
func (s *StaticEmbedder) Tokenizer() Tokenizer { return s.tok }

// CacheStats reports the query cache's counters.
func (s *StaticEmbedder) CacheStats() CacheStats { return s.cache.stats() }

// Close releases the tokenizers; later calls fail with ErrClosed.
func (s *StaticEmbedder) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		if s.closeFn != nil {
			s.closeErr = s.closeFn()
		}
	})
	return s.closeErr
}

// Embed returns one vector per text: documents through the document template, queries
// through the query template with the instruction (Options.Instruction, else the pack's
// default); query vectors are cached. Attention mode needs token states, which a static
// pack has no context for, so it is refused unless the instruction is empty.
func (s *StaticEmbedder) Embed(ctx context.Context, texts []string, opts Options) (Result, error) {
	if s.closed.Load() {
		return Result{}, ErrClosed
	}
	c, err := resolveCall(s.manifest, opts)
	if err != nil {
		return Result{}, err
	}
	if c.mode == models.InstructionAttention && c.typ == Query && c.instruction != "" {
		return Result{}, fmt.Errorf("%w: static pack %s does not support instruction mode attention (use template)", ErrInvalidInput, s.manifest.Name)
	}
	dims, err := outputDimensions(s.manifest, s.dim, opts.Dimensions)
	if err != nil {
		return Result{}, err
	}
	res := Result{Vectors: make([][]float32, len(texts)), Truncated: make([]bool, len(texts)), TextTokens: make([]int, len(texts))}
	if len(texts) == 0 {
		return res, nil
	}
	inputs := make([]string, 0, len(texts))
	var idx []int // positions in texts of inputs
	var keys []cacheKey
	useCache := c.typ == Query && dims == s.dim && s.cache.capacity > 0
	for i, t := range texts {
		if c.typ == Document {
			inputs = append(inputs, RenderDocument(s.manifest.DocumentTemplate, t))
			idx = append(idx, i)
			continue
		}
		if useCache {
			k := cacheKey{pack: s.manifest.Name, mode: c.mode, template: s.manifest.QueryTemplate, instruction: c.instruction, text: t}
			if v, tokens, ok := s.cache.get(k); ok {
				s.hooks.cacheHit()
				res.Vectors[i], res.TextTokens[i] = v, tokens
				res.UsageTokens += tokens
				continue
			}
			s.hooks.cacheMiss()
			keys = append(keys, k)
		}
		inputs = append(inputs, RenderQuery(s.manifest.QueryTemplate, c.instruction, t))
		idx = append(idx, i)
	}
	if len(inputs) == 0 {
		return res, nil
	}
	r, err := s.embedTexts(ctx, inputs, dims)
	if err != nil {
		return Result{}, err
	}
	for j, i := range idx {
		res.Vectors[i] = r.Vectors[j]
		res.Truncated[i] = r.Truncated[j]
		res.TextTokens[i] = r.TextTokens[j]
		res.UsageTokens += r.TextTokens[j]
		if useCache {
			s.cache.put(keys[j], r.Vectors[j], r.TextTokens[j])
		}
	}
	res.Tokens, res.Timings = r.Tokens, r.Timings
	s.hooks.batch(BatchStats{Size: len(inputs), Tokens: r.Tokens, PaddedTokens: r.Tokens, Duration: r.Timings.Tokenize + r.Timings.Infer})
	s.hooks.request(r.Timings)
	return res, nil
}

// embedTexts tokenizes and pools inputs (already templated), splitting a large call
// over s.workers goroutines. Vectors have dims entries: pooling reads only the first
// dims columns of the table (Model2Vec's "dimensionality": cut the table, then pool and
// normalise).
func (s *StaticEmbedder) embedTexts(ctx context.Context, inputs []string, dims int) (Result, error) {
	n := len(inputs)
	res := Result{Vectors: make([][]float32, n), Truncated: make([]bool, n), TextTokens: make([]int, n)}
	workers := 1
	if n >= staticParallelMin {
		workers = min(s.workers, n/(staticParallelMin/2))
	}
	type part struct {
		tokens    int
		tok, pool time.Duration
		err       error
	}
	parts := make([]part, workers)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		run := func() {
			p := &parts[w]
			acc := make([]float64, dims)
			for i := lo; i < hi; i++ {
				if i%256 == 0 && ctx.Err() != nil {
					p.err = ctx.Err()
					return
				}
				t0 := time.Now()
				ids, truncated, err := s.tokenIDs(inputs[i])
				t1 := time.Now()
				if err != nil {
					p.err = fmt.Errorf("%w: text %d: %w", ErrInvalidInput, i, err)
					return
				}
				res.Vectors[i] = s.poolIDs(acc, ids, dims)
				res.Truncated[i] = truncated
				res.TextTokens[i] = len(ids)
				p.tokens += len(ids)
				p.tok += t1.Sub(t0)
				p.pool += time.Since(t1)
			}
		}
		if workers == 1 {
			run()
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
	}
	wg.Wait()
	for _, p := range parts {
		if p.err != nil {
			return Result{}, p.err
		}
		res.Tokens += p.tokens
		res.Timings.Tokenize += p.tok
		res.Timings.Infer += p.pool
	}
	return res, nil
}

// resolveCall fills an Embed call's defaults from the manifest, as Embedder.resolve does.
func resolveCall(m models.Manifest, opts Options) (call, error) {
	c := call{typ: opts.Type, mode: opts.Mode, instruction: m.DefaultInstruction}
	if c.typ == "" {
		c.typ = Document
	}
	if c.typ != Query && c.typ != Document {
		return c, fmt.Errorf("%w: unknown input type %q (want query or document)", ErrInvalidInput, opts.Type)
	}
	if c.mode == "" {
		c.mode = m.Mode()
	}
	if c.mode != models.InstructionTemplate && c.mode != models.InstructionAttention {
		return c, fmt.Errorf("%w: unknown instruction mode %q (want template or attention)", ErrInvalidInput, c.mode)
	}
	if opts.Instruction != nil {
		c.instruction = *opts.Instruction
	}
	return c, nil
}
