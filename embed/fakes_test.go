package embed

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeTokenizer gives one token per space-separated word plus [CLS] and [SEP]; each word's
// id is its length, so tests can read a text back from its encoding.
type fakeTokenizer struct{ max int }

func (f fakeTokenizer) Encode(text string) (Encoding, error) {
	if strings.Contains(text, "\x00") {
		return Encoding{}, fmt.Errorf("fake tokenizer: NUL in text")
	}
	ids := []int64{101}
	for _, w := range strings.Fields(text) {
		ids = append(ids, int64(len(w)))
	}
	ids = append(ids, 102)
	trunc := false
	if f.max > 0 && len(ids) > f.max {
		ids = append(ids[:f.max-1], 102)
		trunc = true
	}
	mask := make([]int64, len(ids))
	for i := range mask {
		mask[i] = 1
	}
	return Encoding{IDs: ids, TypeIDs: make([]int64, len(ids)), AttentionMask: mask, Truncated: trunc}, nil
}

func (f fakeTokenizer) MaxLength() int { return f.max }

// encOfLen returns an encoding with n tokens whose ids are tag, so results can be traced.
func encOfLen(n int, tag int64) *Encoding {
	e := &Encoding{IDs: make([]int64, n), TypeIDs: make([]int64, n), AttentionMask: make([]int64, n)}
	for i := range e.IDs {
		e.IDs[i] = tag
		e.AttentionMask[i] = 1
	}
	return e
}

// fakeModel is an inferFunc that records every batch and answers each text with
// [first id, token count]. While gate is non-nil, each batch waits for a value on it.
type fakeModel struct {
	mu      sync.Mutex
	batches []batch
	gate    chan struct{}
	started chan struct{} // receives one value per batch, if non-nil
	err     error
}

func (f *fakeModel) infer(b batch) ([][]float32, error) {
	f.mu.Lock()
	f.batches = append(f.batches, b)
	gate, started, err := f.gate, f.started, f.err
	f.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(b.encs))
	for i, e := range b.encs {
		out[i] = []float32{float32(e.IDs[0]), float32(len(e.IDs))}
	}
	return out, nil
}

func (f *fakeModel) recorded() []batch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]batch(nil), f.batches...)
}

// submit mirrors Embedder.run for pre-built encodings: admit, enqueue as one request, wait.
func submit(ctx context.Context, b *batcher, encs []*Encoding, wait bool) ([][]float32, error) {
	if err := b.admit(ctx, len(encs), wait); err != nil {
		return nil, err
	}
	req := &request{ctx: ctx, reply: make(chan error, 1), out: make([][]float32, len(encs)), remaining: len(encs)}
	entries := make([]*entry, len(encs))
	for i, e := range encs {
		entries[i] = &entry{enc: e, req: req, idx: i}
	}
	b.enqueue(entries)
	select {
	case err := <-req.reply:
		if err != nil {
			return nil, err
		}
		return req.out, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// waitFor polls cond for up to 10 s; it is for ordering goroutines, not for timing.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
