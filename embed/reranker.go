package embed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/instructd/instructd/models"
)

// maxLogitBytes caps one batch's output for yes_no (causal LM) rerankers, whose graphs
// return logits over the whole vocabulary at every position: the padded-token budget is
// lowered so that longest × count × vocabulary × 4 bytes stays under it (256 MiB is about
// 440 padded tokens per batch for Qwen3's 151,936-token vocabulary).
const maxLogitBytes = 256 << 20

// RerankOptions shape one Rerank call.
type RerankOptions struct {
	// Instruction overrides the pack's default instruction: nil keeps the default, a
	// pointer to "" scores with no instruction. Packs whose template has no
	// {instruction} ignore it.
	Instruction *string
	// Wait blocks on a full queue instead of failing with ErrOverloaded.
	Wait bool
}

// RerankResult is one relevance score per document, in input order.
type RerankResult struct {
	// Scores holds one score per document; higher is more relevant. Its range follows the
	// pack's scoring rule: (0, 1) for sigmoid, softmax and yes_no, any real for raw.
	Scores []float32
	// Tokens counts the tokens run through the model.
	Tokens int
	// Truncated reports, per document, that its pair was cut to the pack's max tokens.
	Truncated []bool
	// Timings explains the call's latency.
	Timings Timings
}

// pairEncoder is what a cross-encoder needs of its tokenizer (FullTokenizer has it).
type pairEncoder interface {
	EncodePair(first, second string) (Encoding, error)
}

// promptEncoder is what an LLM reranker needs of its tokenizer (FullTokenizer has it).
type promptEncoder interface {
	EncodeWith(text string, addSpecialTokens bool) (Encoding, error)
	TokenToID(token string) (int64, bool)
}

// Reranker scores (query, document) pairs with one reranker pack: a sequence-
// classification cross-encoder (scoring sigmoid, raw or softmax) or a causal LM over a
// prompt (scoring yes_no, Qwen3-Reranker style). Pairs go through the same dynamic batcher
// as embeddings (length-sorted batches under a padded-token budget, a bounded queue whose
// overflow is ErrOverloaded, cancelled calls' pairs dropped). It is safe for concurrent use.
type Reranker struct {
	cfg      Config
	manifest models.Manifest
	tok      Tokenizer
	rt       *Runtime
	ownsRT   bool
	sessions []*Session
	width    int     // the output's last axis: 1 (sigmoid, raw), 2 (softmax) or the vocabulary (yes_no)
	yes, no  int64   // yes_no: the token ids compared
	tail     []int64 // yes_no: the prompt after {document}, encoded once
	b        *batcher
	log      *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// OpenReranker loads the reranker pack in packDir (manifest, tokenizer, one ONNX session per
// inference worker), runs a warm-up pair that also checks the output's shape, and starts
// the batcher. cfg is the Embedder's Config; CacheSize is ignored, and a zero
// MaxBatchTokens means DefaultRerankMaxBatchTokens.
func OpenReranker(ctx context.Context, packDir string, cfg Config) (*Reranker, error) {
	return openReranker(ctx, packDir, cfg, nil, nil)
}

// openReranker is OpenReranker with test hooks: adjust may change the manifest (e.g. scoring
// raw, to compare logits), and a non-nil tok replaces the pack's tokenizer.
func openReranker(ctx context.Context, packDir string, cfg Config, adjust func(*models.Manifest), tok Tokenizer) (*Reranker, error) {
	if cfg.MaxBatchTokens <= 0 {
		cfg.MaxBatchTokens = DefaultRerankMaxBatchTokens
	}
	cfg = cfg.withDefaults()
	pack, err := models.Load(packDir)
	if err != nil {
		return nil, fmt.Errorf("embed: open reranker %s: %w", packDir, err)
	}
	m := pack.Manifest
	if adjust != nil {
		adjust(&m)
	}
	if m.KindOrDefault() != models.KindReranker || m.Rerank == nil {
		return nil, fmt.Errorf("embed: pack %s is a %s, not a reranker", packDir, m.KindOrDefault())
	}
	if m.RuntimeOrDefault() != models.RuntimeONNX {
		return nil, fmt.Errorf("embed: reranker %s: runtime %q is not supported", packDir, m.RuntimeOrDefault())
	}
	if tok == nil {
		if tok, err = LoadTokenizer(pack.TokenizerPath(), m.MaxTokens); err != nil {
			return nil, fmt.Errorf("embed: open reranker %s: %w", packDir, err)
		}
	}
	r := &Reranker{cfg: cfg, manifest: m, tok: tok, rt: cfg.Runtime, log: cfg.Logger}
	if err := r.prepareTokens(); err != nil {
		return nil, fmt.Errorf("embed: open reranker %s: %w", packDir, err)
	}
	if r.rt == nil {
		if r.rt, err = OpenRuntime(cfg.LibraryPath); err != nil {
			return nil, err
		}
		r.ownsRT = true
	}
	fail := func(err error) (*Reranker, error) {
		for _, s := range r.sessions {
			s.Close()
		}
		if r.ownsRT {
			r.rt.Close()
		}
		return nil, err
	}
	output := m.OutputName
	if output == "" {
		output = "logits"
	}
	threads := max(1, cfg.IntraOpThreads/cfg.InferenceWorkers)
	for range cfg.InferenceWorkers {
		s, err := NewSession(r.rt, pack.ModelPath(), SessionOptions{OutputName: output, IntraOpThreads: threads})
		if err != nil {
			return fail(err)
		}
		r.sessions = append(r.sessions, s)
	}
	if r.width, err = r.checkOutput(r.sessions[0]); err != nil {
		return fail(fmt.Errorf("embed: reranker %s: %w", packDir, err))
	}
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("embed: open reranker %s: %w", packDir, err))
	}
	start := time.Now()
	infers := make([]inferFunc, len(r.sessions))
	for i, s := range r.sessions {
		infers[i] = func(b batch) ([][]float32, error) { return r.infer(s, b) }
		enc, err := r.encode("warm up", "the reranking engine", r.manifest.DefaultInstruction)
		if err == nil {
			_, err = infers[i](batch{encs: []*Encoding{&enc}, states: []bool{false}, length: len(enc.IDs)})
		}
		if err != nil {
			return fail(fmt.Errorf("embed: warm-up of reranker %s: %w", packDir, err))
		}
	}
	maxTokens := cfg.MaxBatchTokens
	if m.Rerank.Scoring == models.ScoreYesNo {
		maxTokens = max(m.MaxTokens, min(maxTokens, maxLogitBytes/(4*r.width)))
	}
	r.b = newPoolBatcher(batchConfig{
		maxTokens: maxTokens,
		maxSize:   cfg.MaxBatchSize,
		maxWait:   cfg.MaxWait,
		queueSize: cfg.QueueSize,
	}, infers, cfg.Hooks)
	r.log.Info("reranker ready", "pack", m.Name, "scoring", m.Rerank.Scoring, "max_tokens", m.MaxTokens,
		"workers", cfg.InferenceWorkers, "threads_per_worker", threads, "batch_tokens", maxTokens, "warmup", time.Since(start))
	return r, nil
}

// prepareTokens checks that the tokenizer can encode what the scoring rule needs, and for
// yes_no looks up the yes and no tokens and encodes the prompt's tail.
func (r *Reranker) prepareTokens() error {
	if r.manifest.Rerank.Scoring != models.ScoreYesNo {
		if _, ok := r.tok.(pairEncoder); !ok {
			return fmt.Errorf("tokenizer %T cannot encode pairs", r.tok)
		}
		return nil
	}
	pe, ok := r.tok.(promptEncoder)
	if !ok {
		return fmt.Errorf("tokenizer %T cannot encode without special tokens", r.tok)
	}
	var found bool
	if r.yes, found = pe.TokenToID(r.manifest.Rerank.YesToken); !found {
		return fmt.Errorf("yes_token %q is not in the vocabulary", r.manifest.Rerank.YesToken)
	}
	if r.no, found = pe.TokenToID(r.manifest.Rerank.NoToken); !found {
		return fmt.Errorf("no_token %q is not in the vocabulary", r.manifest.Rerank.NoToken)
	}
	_, tail, ok := strings.Cut(r.manifest.Rerank.Prompt, models.PlaceholderDocument)
	if !ok {
		return fmt.Errorf("rerank prompt lacks %s", models.PlaceholderDocument)
	}
	if tail != "" {
		enc, err := pe.EncodeWith(tail, false)
		if err != nil {
			return fmt.Errorf("encode the prompt after %s: %w", models.PlaceholderDocument, err)
		}
		r.tail = enc.IDs
	}
	if len(r.tail) >= r.manifest.MaxTokens {
		return fmt.Errorf("the prompt after %s takes %d tokens, max_tokens is %d", models.PlaceholderDocument, len(r.tail), r.manifest.MaxTokens)
	}
	return nil
}

// checkOutput reads the output width from the session and matches it with the scoring rule.
func (r *Reranker) checkOutput(s *Session) (int, error) {
	width := s.Dim()
	switch r.manifest.Rerank.Scoring {
	case models.ScoreSigmoid, models.ScoreRaw:
		if width <= 0 {
			width = 1
		}
		if width != 1 || !s.Pooled() {
			return 0, fmt.Errorf("scoring %s needs logits of shape batch × 1", r.manifest.Rerank.Scoring)
		}
	case models.ScoreSoftmax:
		if width <= 0 {
			width = 2
		}
		if width != 2 || !s.Pooled() {
			return 0, errors.New("scoring softmax needs logits of shape batch × 2")
		}
	case models.ScoreYesNo:
		if width <= 0 {
			width = r.manifest.Dimension
		}
		if s.Pooled() || width <= int(max(r.yes, r.no)) {
			return 0, fmt.Errorf("scoring yes_no needs logits of shape batch × length × vocabulary covering ids %d and %d", r.yes, r.no)
		}
	}
	return width, nil
}

// encode builds the model input of one pair: the pair template for cross-encoders; for
// yes_no the prompt up to and including the document (cut from the end to fit), then the
// prompt's tail, always whole, so the answer position stays last.
func (r *Reranker) encode(query, document, instruction string) (Encoding, error) {
	m := r.manifest
	if m.Rerank.Scoring != models.ScoreYesNo {
		first := RenderQuery(m.QueryTemplate, instruction, query)
		return r.tok.(pairEncoder).EncodePair(first, RenderDocument(m.DocumentTemplate, document))
	}
	head, _, _ := strings.Cut(m.Rerank.Prompt, models.PlaceholderDocument)
	text := RenderQuery(head, instruction, query) + RenderDocument(m.DocumentTemplate, document)
	enc, err := r.tok.(promptEncoder).EncodeWith(text, false)
	if err != nil {
		return Encoding{}, err
	}
	keep := m.MaxTokens - len(r.tail)
	truncated := enc.Truncated
	ids := enc.IDs
	if len(ids) > keep {
		ids, truncated = ids[:keep], true
	}
	n := len(ids) + len(r.tail)
	out := Encoding{IDs: make([]int64, n), TypeIDs: make([]int64, n), AttentionMask: make([]int64, n), Truncated: truncated}
	copy(out.IDs, ids)
	copy(out.IDs[len(ids):], r.tail)
	for i := range out.AttentionMask {
		out.AttentionMask[i] = 1
	}
	return out, nil
}

// infer is a worker's model call: one score per pair, as a one-element vector.
func (r *Reranker) infer(sess *Session, b batch) ([][]float32, error) {
	out, err := sess.Run(b.encs, b.length, r.width)
	if err != nil {
		return nil, err
	}
	scores := make([]float32, len(b.encs))
	outs := make([][]float32, len(b.encs))
	for i, enc := range b.encs {
		var s float64
		switch r.manifest.Rerank.Scoring {
		case models.ScoreSigmoid:
			s = sigmoid(float64(out[i]))
		case models.ScoreRaw:
			s = float64(out[i])
		case models.ScoreSoftmax:
			s = sigmoid(float64(out[2*i+1]) - float64(out[2*i]))
		case models.ScoreYesNo:
			last := (i*b.length + len(enc.IDs) - 1) * r.width
			s = sigmoid(float64(out[last+int(r.yes)]) - float64(out[last+int(r.no)]))
		}
		scores[i] = float32(s)
		outs[i] = scores[i : i+1 : i+1]
	}
	return outs, nil
}

// sigmoid is 1/(1+e^-x); a two-way softmax's first class is sigmoid of the logit difference.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Rerank scores each document against query. The instruction (opts.Instruction, else the
// pack's default) reaches packs whose query template or prompt names it. On a full queue
// Rerank fails with ErrOverloaded unless opts.Wait.
func (r *Reranker) Rerank(ctx context.Context, query string, documents []string, opts RerankOptions) (RerankResult, error) {
	instruction := r.manifest.DefaultInstruction
	if opts.Instruction != nil {
		instruction = *opts.Instruction
	}
	if len(documents) == 0 {
		return RerankResult{Scores: []float32{}, Truncated: []bool{}}, nil
	}
	res, err := r.b.submit(ctx, r.cfg.QueueSize, len(documents), func(i int) (Encoding, error) {
		return r.encode(query, documents[i], instruction)
	}, false, opts.Wait)
	if err != nil {
		return RerankResult{}, err
	}
	out := RerankResult{Scores: make([]float32, len(documents)), Tokens: res.Tokens, Truncated: res.Truncated, Timings: res.Timings}
	for i, v := range res.Vectors {
		out.Scores[i] = v[0]
	}
	r.cfg.Hooks.request(res.Timings)
	return out, nil
}

// Manifest returns the pack's manifest.
func (r *Reranker) Manifest() models.Manifest { return r.manifest }

// Close stops the batcher (queued pairs fail with ErrClosed; running batches finish),
// waits for its goroutines, and releases the sessions and, if OpenReranker made it, the runtime.
func (r *Reranker) Close() error {
	r.closeOnce.Do(func() {
		r.b.close()
		var errs []error
		for _, s := range r.sessions {
			errs = append(errs, s.Close())
		}
		if r.ownsRT {
			errs = append(errs, r.rt.Close())
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}
