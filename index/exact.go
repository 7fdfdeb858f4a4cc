package index

import (
	"context"
	"fmt"
	"sync"
)

// parallelScanMin is the number of stored floats (vectors × dimension) from which an
// exact scan is split across workers; below it goroutine start-up costs more than it saves.
const parallelScanMin = 1 << 20

// exactIndex stores vectors contiguously and answers every query by a full scan with
// SIMD dot products (vek32 uses AVX2+FMA where the CPU has them): perfect recall.
//
// Locking: mu is held shared by Search, Len and Stats and exclusively by Upsert,
// Delete, Save and Close.
type exactIndex struct {
	mu     sync.RWMutex
	cfg    Config
	keys   []uint64       // slot → key
	data   []float32      // slot i holds data[i*dim:(i+1)*dim]
	slots  map[uint64]int // key → slot
	closed bool
}

// NewExact returns an index that always searches exhaustively.
func NewExact(cfg Config) (Index, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newExact(c), nil
}

func newExact(c Config) *exactIndex {
	return &exactIndex{
		cfg:   c,
		keys:  make([]uint64, 0, c.InitialCapacity),
		data:  make([]float32, 0, c.InitialCapacity*c.Dimension),
		slots: make(map[uint64]int, c.InitialCapacity),
	}
}

// Upsert inserts or replaces vectors.
func (x *exactIndex) Upsert(keys []uint64, vectors [][]float32) error {
	flat, err := prepareBatch(keys, vectors, x.cfg.Dimension, x.cfg.Metric)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	x.upsertFlat(keys, flat)
	return nil
}

// upsertFlat stores prepared vectors; x.mu must be held exclusively.
func (x *exactIndex) upsertFlat(keys []uint64, flat []float32) {
	dim := x.cfg.Dimension
	for i, k := range keys {
		v := flat[i*dim : (i+1)*dim]
		if s, ok := x.slots[k]; ok {
			copy(x.data[s*dim:(s+1)*dim], v)
			continue
		}
		x.slots[k] = len(x.keys)
		x.keys = append(x.keys, k)
		x.data = append(x.data, v...)
	}
}

// Delete removes keys by moving the last slot into the freed one.
func (x *exactIndex) Delete(keys ...uint64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	dim := x.cfg.Dimension
	for _, k := range keys {
		s, ok := x.slots[k]
		if !ok {
			continue
		}
		last := len(x.keys) - 1
		if s != last {
			lk := x.keys[last]
			x.keys[s] = lk
			copy(x.data[s*dim:(s+1)*dim], x.data[last*dim:])
			x.slots[lk] = s
		}
		x.keys = x.keys[:last]
		x.data = x.data[:last*dim]
		delete(x.slots, k)
	}
	return nil
}

// Search scans every vector (or only the allow-listed ones) and returns the true top k.
func (x *exactIndex) Search(ctx context.Context, query []float32, opts SearchOptions) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	if opts.K <= 0 {
		return nil, fmt.Errorf("%w: k = %d", ErrInvalidArgument, opts.K)
	}
	q := make([]float32, x.cfg.Dimension)
	if err := prepare(q, query, x.cfg.Dimension, x.cfg.Metric); err != nil {
		return nil, fmt.Errorf("index: query: %w", err)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, ErrClosed
	}
	f := opts.Filter
	if f.empty() {
		f = nil
	}
	if f != nil && f.Keys != nil && len(f.Keys) < len(x.keys) {
		t := NewTopK(opts.K)
		dim := x.cfg.Dimension
		for k := range f.Keys {
			if s, ok := x.slots[k]; ok {
				t.Push(k, similarity(x.cfg.Metric, q, x.data[s*dim:(s+1)*dim]))
			}
		}
		return t.Sorted(), nil
	}
	return x.scan(ctx, q, opts.K, f)
}

// scan computes the top k over all slots, split across workers for large indexes.
func (x *exactIndex) scan(ctx context.Context, q []float32, k int, f *Filter) ([]Result, error) {
	n := len(x.keys)
	workers := x.cfg.Workers
	if n*x.cfg.Dimension < parallelScanMin || workers < 2 {
		t := NewTopK(k)
		if err := x.scanRange(ctx, q, f, 0, n, t); err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
		return t.Sorted(), nil
	}
	if workers > n {
		workers = n
	}
	parts := make([]*TopK, workers)
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*step, min((w+1)*step, n)
		parts[w] = NewTopK(k)
		wg.Add(1)
		go func(t *TopK) {
			defer wg.Done()
			_ = x.scanRange(ctx, q, f, lo, hi, t) // ctx is checked below
		}(parts[w])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	for _, p := range parts[1:] {
		parts[0].Merge(p)
	}
	return parts[0].Sorted(), nil
}

// scanCheckEvery is how many slots a scan scores between checks of its context.
const scanCheckEvery = 4096

// scanRange scores slots [lo, hi) into t, stopping early when ctx ends (a filter
// predicate runs per slot, so a cancelled request stops evaluating it too).
func (x *exactIndex) scanRange(ctx context.Context, q []float32, f *Filter, lo, hi int, t *TopK) error {
	dim := x.cfg.Dimension
	for s := lo; s < hi; s++ {
		if (s-lo)%scanCheckEvery == scanCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		k := x.keys[s]
		if f != nil && !f.allows(k) {
			continue
		}
		t.Push(k, similarity(x.cfg.Metric, q, x.data[s*dim:(s+1)*dim]))
	}
	return nil
}

// Len is the number of stored vectors.
func (x *exactIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.keys)
}

// Stats describes the index.
func (x *exactIndex) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Stats{
		Engine:    "exact",
		Metric:    x.cfg.Metric,
		Dimension: x.cfg.Dimension,
		Count:     len(x.keys),
		Capacity:  cap(x.keys),
		Bytes:     int64(cap(x.data))*4 + int64(cap(x.keys))*8 + int64(len(x.slots))*24,
	}
}

// Close drops the storage.
func (x *exactIndex) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closed = true
	x.keys, x.data, x.slots = nil, nil, nil
	return nil
}
