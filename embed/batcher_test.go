package embed

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func newTestBatcher(t *testing.T, cfg batchConfig, m *fakeModel) *batcher {
	t.Helper()
	b := newBatcher(cfg, m.infer, Hooks{})
	t.Cleanup(b.close)
	return b
}

func checkResults(t *testing.T, encs []*Encoding, got [][]float32) {
	t.Helper()
	if len(got) != len(encs) {
		t.Fatalf("got %d results for %d texts", len(got), len(encs))
	}
	for i, e := range encs {
		if got[i] == nil || got[i][0] != float32(e.IDs[0]) || got[i][1] != float32(len(e.IDs)) {
			t.Fatalf("result %d = %v, want [%d %d]", i, got[i], e.IDs[0], len(e.IDs))
		}
	}
}

func TestBatcherCoalescesConcurrentCallers(t *testing.T) {
	m := &fakeModel{}
	// A batch is cut only when full, so 20 concurrent single-text callers share one.
	b := newTestBatcher(t, batchConfig{maxTokens: 1 << 20, maxSize: 20, maxWait: time.Hour, queueSize: 100}, m)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := encOfLen(3+i%5, int64(i+1))
			out, err := submit(context.Background(), b, []*Encoding{enc}, false)
			if err == nil && (out[0][0] != float32(i+1) || out[0][1] != float32(len(enc.IDs))) {
				err = errors.New("wrong result routed to caller")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	batches := m.recorded()
	if len(batches) != 1 || len(batches[0].encs) != 20 {
		t.Fatalf("want one batch of 20, got %d batches (first has %d)", len(batches), len(batches[0].encs))
	}
}

func TestBatcherRespectsTokenBudgetAndOrder(t *testing.T) {
	m := &fakeModel{}
	const budget, maxSize = 40, 8
	b := newTestBatcher(t, batchConfig{maxTokens: budget, maxSize: maxSize, maxWait: time.Millisecond, queueSize: 1000}, m)
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	for c := range 4 {
		encs := make([]*Encoding, 60)
		for i := range encs {
			encs[i] = encOfLen(1+rng.IntN(20), int64(c*1000+i))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := submit(context.Background(), b, encs, true)
			if err != nil {
				t.Error(err)
				return
			}
			checkResults(t, encs, out)
		}()
	}
	wg.Wait()
	total := 0
	for i, bt := range m.recorded() {
		n := len(bt.encs)
		total += n
		longest := 0
		for _, e := range bt.encs {
			longest = max(longest, len(e.IDs))
		}
		if longest != bt.length {
			t.Errorf("batch %d: length %d, longest text %d", i, bt.length, longest)
		}
		if n > maxSize || (n > 1 && longest*n > budget) {
			t.Errorf("batch %d: %d texts × %d tokens breaks budget %d / size %d", i, n, longest, budget, maxSize)
		}
	}
	if total != 240 {
		t.Fatalf("model saw %d texts, want 240", total)
	}
}

func TestBatcherSortsOneBigCallByLength(t *testing.T) {
	m := &fakeModel{}
	b := newTestBatcher(t, batchConfig{maxTokens: 1 << 20, maxSize: 10, maxWait: time.Millisecond, queueSize: 1000}, m)
	encs := make([]*Encoding, 100)
	for i := range encs {
		n := 2
		if i%2 == 1 {
			n = 20
		}
		encs[i] = encOfLen(n, int64(i))
	}
	out, err := submit(context.Background(), b, encs, false)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, encs, out)
	mixed := 0
	for _, bt := range m.recorded() {
		for _, e := range bt.encs {
			if len(e.IDs) != bt.length {
				mixed++
				break
			}
		}
	}
	// Alternating short and long texts, sorted: at most the batch at the boundary mixes.
	if mixed > 1 {
		t.Fatalf("%d batches mix lengths; sorting should leave at most 1", mixed)
	}
}

func TestBatcherDropsCancelledCallers(t *testing.T) {
	m := &fakeModel{gate: make(chan struct{}), started: make(chan struct{}, 100)}
	b := newTestBatcher(t, batchConfig{maxTokens: 1 << 20, maxSize: 1, maxWait: time.Millisecond, queueSize: 100}, m)

	first := make(chan error, 1)
	go func() {
		_, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 1)}, false)
		first <- err
	}()
	<-m.started // the model is busy with text 1

	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := submit(ctx, b, []*Encoding{encOfLen(3, 2), encOfLen(4, 3)}, false)
		cancelled <- err
	}()
	waitFor(t, "the second call to be queued", func() bool { return b.adm.inUse() == 3 })
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v", err)
	}
	m.gate <- struct{}{} // finish text 1
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// A later call flushes the queue; the cancelled texts must never reach the model.
	m.mu.Lock()
	m.gate = nil
	m.mu.Unlock()
	if _, err := submit(context.Background(), b, []*Encoding{encOfLen(5, 4)}, false); err != nil {
		t.Fatal(err)
	}
	for _, bt := range m.recorded() {
		for _, e := range bt.encs {
			if e.IDs[0] == 2 || e.IDs[0] == 3 {
				t.Fatalf("a cancelled text (tag %d) reached the model", e.IDs[0])
			}
		}
	}
	waitFor(t, "permits to return", func() bool { return b.adm.inUse() == 0 })
}

func TestBatcherOverloaded(t *testing.T) {
	gate := make(chan struct{})
	m := &fakeModel{gate: gate, started: make(chan struct{}, 100)}
	b := newTestBatcher(t, batchConfig{maxTokens: 1 << 20, maxSize: 4, maxWait: time.Millisecond, queueSize: 3}, m)

	results := make(chan error, 3)
	go func() {
		_, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 1)}, false)
		results <- err
	}()
	<-m.started
	go func() {
		_, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 2), encOfLen(3, 3)}, false)
		results <- err
	}()
	waitFor(t, "the queue to fill", func() bool { return b.adm.inUse() == 3 })

	if _, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 4)}, false); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("full queue: got %v, want ErrOverloaded", err)
	}
	// A waiting caller is admitted once room frees up.
	go func() {
		out, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 5)}, true)
		if err == nil && out[0][0] != 5 {
			err = errors.New("wrong result")
		}
		results <- err
	}()
	// A waiting caller whose context ends gives up cleanly.
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := submit(ctx, b, []*Encoding{encOfLen(3, 6)}, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting caller with expired context: got %v", err)
	}
	m.mu.Lock()
	m.gate = nil // later batches run straight through
	m.mu.Unlock()
	gate <- struct{}{} // finish text 1
	for range 3 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
}

func TestBatcherCloseFailsQueuedAndFinishesRunning(t *testing.T) {
	m := &fakeModel{gate: make(chan struct{}), started: make(chan struct{}, 100)}
	b := newBatcher(batchConfig{maxTokens: 1 << 20, maxSize: 1, maxWait: time.Millisecond, queueSize: 100}, m.infer, Hooks{})

	running := make(chan error, 1)
	go func() {
		_, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 1)}, false)
		running <- err
	}()
	<-m.started
	queued := make(chan error, 1)
	go func() {
		_, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 2), encOfLen(3, 3)}, false)
		queued <- err
	}()
	waitFor(t, "the second call to be queued", func() bool { return b.adm.inUse() == 3 })

	closed := make(chan struct{})
	go func() { b.close(); close(closed) }()
	if err := <-queued; !errors.Is(err, ErrClosed) {
		t.Fatalf("queued caller got %v, want ErrClosed", err)
	}
	m.gate <- struct{}{}
	if err := <-running; err != nil {
		t.Fatalf("running batch should finish, got %v", err)
	}
	<-closed
	if _, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 4)}, false); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: got %v, want ErrClosed", err)
	}
	if _, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 4)}, true); !errors.Is(err, ErrClosed) {
		t.Fatalf("waiting call after close: got %v, want ErrClosed", err)
	}
	b.close() // idempotent
}

func TestBatcherModelErrorReachesEveryCaller(t *testing.T) {
	boom := errors.New("boom")
	m := &fakeModel{err: boom}
	b := newTestBatcher(t, batchConfig{maxTokens: 1 << 20, maxSize: 8, maxWait: time.Millisecond, queueSize: 100}, m)
	if _, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 1), encOfLen(5, 2)}, false); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the model's error", err)
	}
	waitFor(t, "permits to return", func() bool { return b.adm.inUse() == 0 })
}

func TestBatcherHooks(t *testing.T) {
	m := &fakeModel{}
	var mu sync.Mutex
	var stats []BatchStats
	maxDepth := 0
	hooks := Hooks{
		Batch:      func(s BatchStats) { mu.Lock(); stats = append(stats, s); mu.Unlock() },
		QueueDepth: func(n int) { mu.Lock(); maxDepth = max(maxDepth, n); mu.Unlock() },
	}
	b := newBatcher(batchConfig{maxTokens: 1 << 20, maxSize: 2, maxWait: time.Millisecond, queueSize: 100}, m.infer, hooks)
	defer b.close()
	if _, err := submit(context.Background(), b, []*Encoding{encOfLen(3, 1), encOfLen(5, 2), encOfLen(5, 3)}, false); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	size, tokens, padded := 0, 0, 0
	for _, s := range stats {
		size += s.Size
		tokens += s.Tokens
		padded += s.PaddedTokens
	}
	if size != 3 || tokens != 13 || padded < tokens || maxDepth != 3 {
		t.Fatalf("hooks saw size %d tokens %d padded %d depth %d; want 3, 13, ≥13, 3", size, tokens, padded, maxDepth)
	}
}

func TestBatcherQueryOvertakesLongCall(t *testing.T) {
	gate := make(chan struct{})
	m := &fakeModel{gate: gate, started: make(chan struct{}, 100)}
	b := newTestBatcher(t, batchConfig{maxTokens: 1 << 20, maxSize: 5, maxWait: time.Millisecond, queueSize: 100}, m)
	big := make([]*Encoding, 50)
	for i := range big {
		big[i] = encOfLen(2+i%9, 1)
	}
	bigDone := make(chan error, 1)
	go func() {
		out, err := submit(context.Background(), b, big, true)
		if err == nil {
			checkResults(t, big, out)
		}
		bigDone <- err
	}()
	<-m.started // batch 0 runs; batch 1 waits in the hand-off slot, batch 2 is cut
	queryDone := make(chan error, 1)
	go func() {
		_, err := submit(context.Background(), b, []*Encoding{encOfLen(20, 2)}, false) // longer than any text of the call
		queryDone <- err
	}()
	waitFor(t, "the query to be admitted", func() bool { return b.adm.inUse() == 51 })
	m.mu.Lock()
	m.gate = nil
	m.mu.Unlock()
	gate <- struct{}{}
	if err := <-queryDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bigDone; err != nil {
		t.Fatal(err)
	}
	batches := m.recorded()
	for i, bt := range batches {
		for _, e := range bt.encs {
			if e.IDs[0] == 2 && i > 3 {
				t.Fatalf("the query rode in batch %d of %d; it should overtake the long call", i, len(batches))
			}
		}
	}
}

func TestBatcherWorkersRunBatchesConcurrently(t *testing.T) {
	// Two workers, each with its own model: both hold a batch at once (the gates are
	// closed only after both started), and every caller still gets its own results.
	models := []*fakeModel{
		{gate: make(chan struct{}), started: make(chan struct{}, 16)},
		{gate: make(chan struct{}), started: make(chan struct{}, 16)},
	}
	var hookMu sync.Mutex
	var sizes int
	b := newPoolBatcher(batchConfig{maxTokens: 1 << 20, maxSize: 2, maxWait: time.Millisecond, queueSize: 100},
		[]inferFunc{models[0].infer, models[1].infer},
		Hooks{Batch: func(s BatchStats) { hookMu.Lock(); sizes += s.Size; hookMu.Unlock() }})
	t.Cleanup(b.close)
	encs := make([]*Encoding, 8)
	for i := range encs {
		encs[i] = encOfLen(2+i%3, int64(i+1))
	}
	type res struct {
		out [][]float32
		err error
	}
	done := make(chan res, 1)
	go func() {
		out, err := submit(context.Background(), b, encs, false)
		done <- res{out, err}
	}()
	<-models[0].started
	<-models[1].started
	close(models[0].gate)
	close(models[1].gate)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkResults(t, encs, r.out)
	ran := len(models[0].recorded()) + len(models[1].recorded())
	if ran != 4 {
		t.Fatalf("ran %d batches, want 4 of 2", ran)
	}
	hookMu.Lock()
	defer hookMu.Unlock()
	if sizes != len(encs) {
		t.Fatalf("batch hooks saw %d texts, want %d", sizes, len(encs))
	}
}

func TestBatcherCloseWaitsForEveryWorker(t *testing.T) {
	// Both workers are mid-batch when close is called: close returns only after both
	// batches finished, and their callers get results, not ErrClosed.
	models := []*fakeModel{
		{gate: make(chan struct{}), started: make(chan struct{}, 4)},
		{gate: make(chan struct{}), started: make(chan struct{}, 4)},
	}
	b := newPoolBatcher(batchConfig{maxTokens: 1 << 20, maxSize: 1, maxWait: time.Millisecond, queueSize: 100},
		[]inferFunc{models[0].infer, models[1].infer}, Hooks{})
	errs := make(chan error, 2)
	for i := range 2 {
		go func() {
			_, err := submit(context.Background(), b, []*Encoding{encOfLen(3, int64(i+1))}, false)
			errs <- err
		}()
	}
	<-models[0].started
	<-models[1].started
	closed := make(chan struct{})
	go func() { b.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("close returned while workers were running")
	case <-time.After(50 * time.Millisecond):
	}
	close(models[0].gate)
	close(models[1].gate)
	<-closed
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("running batch failed: %v", err)
		}
	}
}
