package embed

import (
	"context"
	"slices"
	"sync"
	"time"
)

// batchConfig holds the batcher's knobs (see Config for their meaning and defaults).
type batchConfig struct {
	maxTokens int           // padded-token budget: longest × count
	maxSize   int           // texts per batch
	maxWait   time.Duration // how long a lone text waits for company
	queueSize int           // texts admitted (queued + in inference)
}

// batch is what the model runs: encodings padded to one length.
type batch struct {
	encs   []*Encoding
	states []bool // per text: return token vectors instead of the pooled vector
	length int    // the longest encoding
}

// inferFunc runs a batch and returns, per text, its pooled vector (or, where states is
// set, its valid token vectors, row-major). The batcher calls each inferFunc from one
// goroutine only (its worker), so an inferFunc may own a Session.
type inferFunc func(b batch) ([][]float32, error)

// entry is one text waiting for the model.
type entry struct {
	enc    *Encoding
	states bool
	req    *request
	idx    int    // position of the result in req.out
	seq    uint64 // arrival order, set by the queue loop
	queued time.Time
}

// request is one submission: its entries' results are gathered by index and the caller
// is answered once, on reply (buffered, so the engine never blocks on a caller who left).
type request struct {
	ctx   context.Context
	reply chan error
	// seq (arrival order among requests) and served (the last batch that carried one of
	// the request's texts) belong to the queue loop.
	seq, served uint64

	mu        sync.Mutex
	out       [][]float32
	remaining int
	done      bool
	infer     time.Duration
}

// finish records one entry's result (or the batch's error) and answers the caller when
// the request is complete or has failed; later calls on an answered request do nothing.
// dur is the batch's inference time, passed with the request's first entry in each batch
// and zero with the others, so that each batch counts once.
func (r *request) finish(idx int, vec []float32, err error, dur time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.infer += dur
	if err != nil {
		r.done = true
		r.reply <- err
		return
	}
	r.out[idx] = vec
	r.remaining--
	if r.remaining == 0 {
		r.done = true
		r.reply <- nil
	}
}

// batcher is TEI's queue in Go. One goroutine (loop) owns the pending texts: it keeps
// them sorted by length, cuts batches under the padded-token budget, and hands each to
// the inference workers (run, one goroutine per inferFunc) through a channel of
// capacity 1, so that one batch is ready while the workers run theirs. Callers tokenize on their own goroutines, take
// permits from admission, and enqueue; replies go back by index.
type batcher struct {
	cfg    batchConfig
	infers []inferFunc // one per inference worker
	hooks  Hooks
	adm    *admission

	mu     sync.Mutex
	inbox  []*entry
	closed bool
	notify chan struct{} // capacity 1: "the inbox has entries"

	batches chan []*entry // capacity 1: the hand-off to inference
	stop    chan struct{} // closed by close
	wg      sync.WaitGroup
}

// newBatcher starts a batcher with one inference worker.
func newBatcher(cfg batchConfig, infer inferFunc, hooks Hooks) *batcher {
	return newPoolBatcher(cfg, []inferFunc{infer}, hooks)
}

// newPoolBatcher starts a batcher with one inference worker per element of infers
// (at least one), each running whole batches on its own goroutine.
func newPoolBatcher(cfg batchConfig, infers []inferFunc, hooks Hooks) *batcher {
	if len(infers) == 0 {
		panic("embed: batcher without inference workers; this is a bug")
	}
	b := &batcher{
		cfg:     cfg,
		infers:  infers,
		hooks:   hooks,
		notify:  make(chan struct{}, 1),
		batches: make(chan []*entry, 1),
		stop:    make(chan struct{}),
	}
	b.adm = newAdmission(cfg.queueSize, b.stop)
	b.wg.Add(1 + len(infers))
	go b.loop()
	for _, infer := range infers {
		go b.run(infer)
	}
	return b
}

// admit takes n permits (n ≤ queueSize): at once or ErrOverloaded, or waiting when wait is set.
func (b *batcher) admit(ctx context.Context, n int, wait bool) error {
	if b.isClosed() {
		return ErrClosed
	}
	if wait {
		return b.adm.acquire(ctx, n)
	}
	if !b.adm.tryAcquire(n) {
		return ErrOverloaded
	}
	return nil
}

// release hands back permits of texts that were admitted but never enqueued.
func (b *batcher) release(n int) { b.adm.release(n) }

// enqueue queues entries whose permits are held. After close it fails req with ErrClosed.
func (b *batcher) enqueue(entries []*entry) {
	now := time.Now()
	for _, e := range entries {
		e.queued = now
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		for _, e := range entries {
			b.fail(e, ErrClosed)
		}
		return
	}
	b.inbox = append(b.inbox, entries...)
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

func (b *batcher) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// close stops the queue loop and the workers and waits for them. The batches the
// workers are running finish; every other queued text fails with ErrClosed.
func (b *batcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.wg.Wait()
		return
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	b.wg.Wait()
}

// fail answers an entry's caller with err and gives its permit back.
func (b *batcher) fail(e *entry, err error) {
	e.req.finish(e.idx, nil, err, 0)
	b.adm.release(1)
}

// takeInbox moves the inbox into pending, keeping pending sorted by (length, arrival).
// seq numbers entries, reqSeq requests (on their first arrival).
func (b *batcher) takeInbox(pending []*entry, seq, reqSeq *uint64) []*entry {
	b.mu.Lock()
	in := b.inbox
	b.inbox = nil
	b.mu.Unlock()
	if len(in) == 0 {
		return pending
	}
	for _, e := range in {
		*seq++
		e.seq = *seq
		if e.req.seq == 0 {
			*reqSeq++
			e.req.seq = *reqSeq
		}
	}
	pending = append(pending, in...)
	slices.SortFunc(pending, func(x, y *entry) int {
		if lx, ly := len(x.enc.IDs), len(y.enc.IDs); lx != ly {
			return lx - ly
		}
		return int(x.seq - y.seq)
	})
	b.hooks.queueDepth(len(pending))
	return pending
}

// dropCancelled removes entries whose caller's context is done, before they cost inference.
func (b *batcher) dropCancelled(pending []*entry) []*entry {
	kept := pending[:0]
	for _, e := range pending {
		if e.req.ctx.Err() != nil {
			b.fail(e, e.req.ctx.Err())
			continue
		}
		kept = append(kept, e)
	}
	clear(pending[len(kept):])
	return kept
}

// cut picks the next batch from pending (sorted by length): a contiguous run of lengths
// seeded by the shortest text of the request served least recently (then the oldest), grown
// one neighbour at a time by whichever side adds less padding, while longest × count stays
// within the token budget and count within maxSize. Requests take turns, so a query that
// arrives during a long ingest call rides in the next batch instead of waiting for the
// whole call; and a lone big call is cut into consecutive runs of its sorted texts from
// the shortest up, the least padding there is. full reports that a limit, not a shortage
// of texts, ended the batch.
func (b *batcher) cut(pending []*entry) (lo, hi int, full bool) {
	oldest := 0
	for i, e := range pending {
		o := pending[oldest].req
		if e.req.served < o.served || (e.req.served == o.served && e.req.seq < o.seq) {
			oldest = i // the first such index in length order: the request's shortest text
		}
	}
	lo, hi = oldest, oldest
	longest := len(pending[oldest].enc.IDs)
	fits := func(longest, count int) bool {
		return count <= b.cfg.maxSize && longest*count <= b.cfg.maxTokens
	}
	for {
		count := hi - lo + 1
		canLo := lo > 0 && fits(longest, count+1)
		var hiLen int
		canHi := hi < len(pending)-1
		if canHi {
			hiLen = max(longest, len(pending[hi+1].enc.IDs))
			canHi = fits(hiLen, count+1)
		}
		switch {
		case canLo && canHi:
			// Padding added: a shorter text pads up to longest; a longer one pads everyone else.
			if longest-len(pending[lo-1].enc.IDs) <= (hiLen-longest)*count {
				lo--
			} else {
				hi++
				longest = hiLen
			}
		case canLo:
			lo--
		case canHi:
			hi++
			longest = hiLen
		default:
			return lo, hi, lo > 0 || hi < len(pending)-1 || count == b.cfg.maxSize
		}
	}
}

// loop owns pending: it absorbs new entries, waits up to maxWait for a batch to fill,
// cuts batches and hands them to run.
func (b *batcher) loop() {
	defer b.wg.Done()
	defer close(b.batches)
	var (
		pending     []*entry
		seq, reqSeq uint64
		cuts        uint64 // batches cut so far
		timer       = time.NewTimer(time.Hour)
	)
	timer.Stop()
	defer timer.Stop()
	shutdown := func() {
		pending = b.takeInbox(pending, &seq, &reqSeq)
		for _, e := range pending {
			b.fail(e, ErrClosed)
		}
		b.hooks.queueDepth(0)
	}
	for {
		if len(pending) == 0 {
			select {
			case <-b.notify:
				pending = b.takeInbox(pending, &seq, &reqSeq)
			case <-b.stop:
				shutdown()
				return
			}
			continue
		}
		if pending = b.dropCancelled(pending); len(pending) == 0 {
			b.hooks.queueDepth(0)
			continue
		}
		lo, hi, full := b.cut(pending)
		if !full {
			oldest := pending[lo]
			for _, e := range pending[lo : hi+1] {
				if e.queued.Before(oldest.queued) {
					oldest = e
				}
			}
			if wait := b.cfg.maxWait - time.Since(oldest.queued); wait > 0 {
				timer.Reset(wait)
				select {
				case <-b.notify:
					pending = b.takeInbox(pending, &seq, &reqSeq)
					timer.Stop()
					continue
				case <-timer.C:
				case <-b.stop:
					timer.Stop()
					shutdown()
					return
				}
			}
		}
		next := slices.Clone(pending[lo : hi+1])
		pending = slices.Delete(pending, lo, hi+1)
		cuts++
		for _, e := range next {
			e.req.served = cuts
		}
		b.hooks.queueDepth(len(pending))
		for sent := false; !sent; {
			select {
			case b.batches <- next:
				sent = true
			case <-b.notify:
				pending = b.takeInbox(pending, &seq, &reqSeq)
			case <-b.stop:
				for _, e := range next {
					b.fail(e, ErrClosed)
				}
				shutdown()
				return
			}
		}
	}
}

// run is one inference worker: it owns infer (and the session behind it).
func (b *batcher) run(infer inferFunc) {
	defer b.wg.Done()
	for entries := range b.batches {
		select {
		case <-b.stop:
			for _, e := range entries {
				b.fail(e, ErrClosed)
			}
			continue
		default:
		}
		kept := entries[:0]
		for _, e := range entries {
			if err := e.req.ctx.Err(); err != nil {
				b.fail(e, err)
				continue
			}
			kept = append(kept, e)
		}
		if len(kept) == 0 {
			continue
		}
		b.runBatch(infer, kept)
	}
}

func (b *batcher) runBatch(infer inferFunc, entries []*entry) {
	bt := batch{encs: make([]*Encoding, len(entries)), states: make([]bool, len(entries))}
	tokens := 0
	for i, e := range entries {
		bt.encs[i] = e.enc
		bt.states[i] = e.states
		bt.length = max(bt.length, len(e.enc.IDs))
		tokens += len(e.enc.IDs)
	}
	start := time.Now()
	outs, err := infer(bt)
	dur := time.Since(start)
	if err == nil && len(outs) != len(entries) {
		panic("embed: inference returned the wrong number of results; this is a bug")
	}
	b.hooks.batch(BatchStats{Size: len(entries), Tokens: tokens, PaddedTokens: bt.length * len(entries), Duration: dur})
	counted := make(map[*request]bool, 1)
	for i, e := range entries {
		var vec []float32
		if err == nil {
			vec = outs[i]
		}
		d := dur
		if counted[e.req] {
			d = 0
		}
		counted[e.req] = true
		e.req.finish(e.idx, vec, err, d)
		b.adm.release(1)
	}
}
