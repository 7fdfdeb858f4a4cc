package embed

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// submit encodes n inputs on the caller's goroutine and sends them through the batcher as
// one request; row i of the result is the worker's output for input i. The Embedder (texts)
// and the Reranker (pairs) share it. A call bigger than the queue is admitted one
// queue-sized window at a time (only the first window may fail with ErrOverloaded: later
// ones wait, the call having been accepted). A window is encoded whole before it is queued,
// so that the batcher sorts all of it by length: tokenizing is two orders of magnitude
// faster than the model, and a first batch cut from a partial window would carry the
// padding of unsorted texts. Returning early (an error, ctx done) cancels the request, and
// the batcher drops its entries that are still queued.
func (b *batcher) submit(ctx context.Context, queueSize, n int, encode func(i int) (Encoding, error), states, wait bool) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // drops whatever is still queued if we return early
	res := Result{Vectors: make([][]float32, n), Truncated: make([]bool, n), TextTokens: make([]int, n)}
	req := &request{ctx: ctx, reply: make(chan error, 1), out: res.Vectors, remaining: n}
	start := time.Now()
	for off := 0; off < n; {
		w := min(queueSize, n-off)
		if err := b.admit(ctx, w, wait || off > 0); err != nil {
			return Result{}, err
		}
		t0 := time.Now()
		entries := make([]*entry, w)
		encs := make([]Encoding, w)
		for i := off; i < off+w; i++ {
			enc, err := encode(i)
			if err == nil && len(enc.IDs) == 0 {
				err = errors.New("no tokens")
			}
			if err != nil {
				b.release(w)
				return Result{}, fmt.Errorf("%w: text %d: %w", ErrInvalidInput, i, err)
			}
			encs[i-off] = enc
			entries[i-off] = &entry{enc: &encs[i-off], states: states, req: req, idx: i}
			res.Tokens += len(enc.IDs)
			res.TextTokens[i] = len(enc.IDs)
			res.Truncated[i] = enc.Truncated
		}
		res.Timings.Tokenize += time.Since(t0)
		b.enqueue(entries)
		off += w
	}
	select {
	case err := <-req.reply:
		if err != nil {
			return Result{}, err
		}
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	req.mu.Lock()
	res.Timings.Infer = req.infer
	req.mu.Unlock()
	res.Timings.Queue = max(time.Since(start)-res.Timings.Tokenize-res.Timings.Infer, 0)
	return res, nil
}
