package embed

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/instructd/instructd/models"
)

// recordingTokenizer is fakeTokenizer that remembers every text it was asked to encode.
type recordingTokenizer struct {
	fakeTokenizer
	mu    sync.Mutex
	texts []string
}

func (r *recordingTokenizer) Encode(text string) (Encoding, error) {
	r.mu.Lock()
	r.texts = append(r.texts, text)
	r.mu.Unlock()
	return r.fakeTokenizer.Encode(text)
}

func (r *recordingTokenizer) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.texts
	r.texts = nil
	return out
}

var fakeManifest = models.Manifest{
	Name:               "fake/pack",
	Dimension:          2,
	MaxTokens:          16,
	Pooling:            models.PoolingMean,
	QueryTemplate:      "Instruct: {instruction}\nQuery: {query}",
	DocumentTemplate:   "passage: {document}",
	DefaultInstruction: "find it",
}

// newFakeEmbedder builds an Embedder around a fake model and tokenizer (no ONNX Runtime).
func newFakeEmbedder(t *testing.T, cfg Config, m *fakeModel) (*Embedder, *recordingTokenizer) {
	t.Helper()
	cfg = cfg.withDefaults()
	tok := &recordingTokenizer{fakeTokenizer: fakeTokenizer{max: 16}}
	e := &Embedder{cfg: cfg, manifest: fakeManifest, tok: tok, dim: 2, cache: newQueryCache(cfg.CacheSize), log: cfg.Logger}
	e.b = newBatcher(batchConfig{maxTokens: cfg.MaxBatchTokens, maxSize: cfg.MaxBatchSize, maxWait: cfg.MaxWait, queueSize: cfg.QueueSize}, m.infer, cfg.Hooks)
	t.Cleanup(func() { e.Close() })
	return e, tok
}

func ptr(s string) *string { return &s }

func TestEmbedAppliesTemplates(t *testing.T) {
	e, tok := newFakeEmbedder(t, Config{}, &fakeModel{})
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"document", Options{Type: Document}, "passage: cats"},
		{"empty type is document", Options{}, "passage: cats"},
		{"query with default instruction", Options{Type: Query}, "Instruct: find it\nQuery: cats"},
		{"query with instruction", Options{Type: Query, Instruction: ptr("look")}, "Instruct: look\nQuery: cats"},
		{"query without instruction", Options{Type: Query, Instruction: ptr("")}, "Instruct: Query: cats"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := e.Embed(context.Background(), []string{"cats"}, c.opts); err != nil {
				t.Fatal(err)
			}
			if got := tok.seen(); !slices.Equal(got, []string{c.want}) {
				t.Fatalf("tokenized %q, want %q", got, c.want)
			}
		})
	}
}

func TestEmbedResultsInInputOrder(t *testing.T) {
	// A call bigger than the queue goes in windows; results still line up with inputs.
	e, _ := newFakeEmbedder(t, Config{QueueSize: 5, MaxBatchSize: 3}, &fakeModel{})
	texts := make([]string, 23)
	for i := range texts {
		texts[i] = "w" + strings.Repeat(" xx", i%7)
	}
	res, err := e.Embed(context.Background(), texts, Options{Type: Document})
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		enc, _ := fakeTokenizer{max: 16}.Encode(RenderDocument(fakeManifest.DocumentTemplate, text))
		if res.Vectors[i][1] != float32(len(enc.IDs)) {
			t.Fatalf("text %d: got a vector for %v tokens, want %d", i, res.Vectors[i][1], len(enc.IDs))
		}
	}
	if res.Tokens == 0 || res.Timings.Queue < 0 {
		t.Fatalf("tokens %d, timings %+v", res.Tokens, res.Timings)
	}
}

func TestEmbedQueryCache(t *testing.T) {
	var hits, misses int
	var mu sync.Mutex
	cfg := Config{CacheSize: 2, Hooks: Hooks{
		CacheHit:  func() { mu.Lock(); hits++; mu.Unlock() },
		CacheMiss: func() { mu.Lock(); misses++; mu.Unlock() },
	}}
	e, tok := newFakeEmbedder(t, cfg, &fakeModel{})
	ctx := context.Background()
	first, err := e.Embed(ctx, []string{"a b", "c"}, Options{Type: Query})
	if err != nil {
		t.Fatal(err)
	}
	tok.seen()
	first.Vectors[0][0] = 999 // callers own their vectors; the cache keeps its copy
	again, err := e.Embed(ctx, []string{"c", "a b"}, Options{Type: Query})
	if err != nil {
		t.Fatal(err)
	}
	// Usage counts cache hits as if they had been embedded: the same inputs, the same count.
	if again.Tokens != 0 || first.UsageTokens == 0 || again.UsageTokens != first.UsageTokens ||
		first.TextTokens[0] == first.TextTokens[1] {
		t.Fatalf("usage: first %d (model %d, per text %v), cached %d (model %d)", first.UsageTokens, first.Tokens, first.TextTokens, again.UsageTokens, again.Tokens)
	}
	if got := tok.seen(); len(got) != 0 || again.Tokens != 0 {
		t.Fatalf("cached queries were tokenized again: %q", got)
	}
	if again.Vectors[1][0] == 999 || again.Vectors[0][1] != first.Vectors[1][1] {
		t.Fatalf("cache returned %v", again.Vectors)
	}
	// Another instruction is another key; documents never use the cache.
	if _, err := e.Embed(ctx, []string{"c"}, Options{Type: Query, Instruction: ptr("other")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(ctx, []string{"c"}, Options{Type: Document}); err != nil {
		t.Fatal(err)
	}
	if got := tok.seen(); len(got) != 2 {
		t.Fatalf("want 2 texts tokenized, got %q", got)
	}
	st := e.CacheStats()
	if st.Hits != 2 || st.Misses != 3 || st.Entries != 2 || hits != 2 || misses != 3 {
		t.Fatalf("stats %+v, hooks %d/%d", st, hits, misses)
	}
}

func TestEmbedAttentionModeEncodesSeparately(t *testing.T) {
	e, tok := newFakeEmbedder(t, Config{}, &fakeModel{})
	res, err := e.Embed(context.Background(), []string{"q one", "q two"}, Options{Type: Query, Mode: models.InstructionAttention})
	if err != nil {
		t.Fatal(err)
	}
	got := tok.seen()
	slices.Sort(got)
	if want := []string{"find it", "q one", "q two"}; !slices.Equal(got, want) {
		t.Fatalf("tokenized %q, want instruction once and raw queries %q", got, want)
	}
	for i, v := range res.Vectors {
		if len(v) != 2 {
			t.Fatalf("vector %d has %d dims", i, len(v))
		}
	}
	// With no instruction, attention mode falls back to the template.
	if _, err := e.Embed(context.Background(), []string{"q"}, Options{Type: Query, Mode: models.InstructionAttention, Instruction: ptr("")}); err != nil {
		t.Fatal(err)
	}
	if got := tok.seen(); !slices.Equal(got, []string{"Instruct: Query: q"}) {
		t.Fatalf("tokenized %q", got)
	}
}

func TestEmbedErrors(t *testing.T) {
	gate := make(chan struct{})
	m := &fakeModel{gate: gate, started: make(chan struct{}, 100)}
	e, _ := newFakeEmbedder(t, Config{QueueSize: 2, MaxBatchSize: 2, MaxWait: -1}, m)
	ctx := context.Background()

	if _, err := e.Embed(ctx, []string{"x"}, Options{Type: "poem"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("bad type: %v", err)
	}
	if _, err := e.Embed(ctx, []string{"x"}, Options{Type: Query, Mode: "telepathy"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("bad mode: %v", err)
	}
	if _, err := e.Embed(ctx, []string{"ok", "bad\x00"}, Options{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("tokenizer failure: %v", err)
	}
	if res, err := e.Embed(ctx, nil, Options{}); err != nil || len(res.Vectors) != 0 {
		t.Errorf("no texts: %v %v", res, err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := e.Embed(ctx, []string{"a", "b"}, Options{})
		done <- err
	}()
	<-m.started
	if _, err := e.Embed(ctx, []string{"c"}, Options{}); !errors.Is(err, ErrOverloaded) {
		t.Errorf("full queue: %v", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	if _, err := e.Embed(waitCtx, []string{"c"}, Options{Wait: true}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting on a full queue past the deadline: %v", err)
	}
	m.mu.Lock()
	m.gate = nil
	m.mu.Unlock()
	gate <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, "permits to return", func() bool { return e.b.adm.inUse() == 0 })

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(ctx, []string{"x"}, Options{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}
