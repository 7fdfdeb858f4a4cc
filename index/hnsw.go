package index

/*
#cgo CXXFLAGS: -O3 -std=c++17 -DNDEBUG
#cgo LDFLAGS: -lstdc++ -lm
#include <stdlib.h>
#include "hnswlib_shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Result must have ixh_hit's layout: the shim writes hits straight into a []Result.
var (
	_ [unsafe.Sizeof(Result{}) - unsafe.Sizeof(C.ixh_hit{})]byte
	_ [unsafe.Sizeof(C.ixh_hit{}) - unsafe.Sizeof(Result{})]byte
	_ [unsafe.Offsetof(Result{}.Score) - unsafe.Offsetof(C.ixh_hit{}.score)]byte
	_ [unsafe.Offsetof(C.ixh_hit{}.score) - unsafe.Offsetof(Result{}.Score)]byte
)

// useAVX2 selects the AVX2 build of the shim (hnswlib_shim_avx2.cc).
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Tuning of filtered HNSW searches (see docs/index.md, "Filtered search").
const (
	// exactFilterFraction: an allow-list holding at most this fraction of the live
	// vectors (or at most Config.ExactThreshold keys) is searched exactly.
	exactFilterFraction = 0.1
	// predicateOverfetch multiplies ef for predicate filters, which are evaluated in Go
	// on the graph's candidates; ef then grows ×4 per retry up to predicateMaxEf.
	predicateOverfetch = 2
	predicateMaxEf     = 2048
	// minParallelBatch is the smallest batch an upsert splits across workers.
	minParallelBatch = 256
)

// hnswIndex serves searches from an hnswlib graph through the cgo shim.
//
// Locking: hnswlib 0.6.2 lets addPoint and searches run concurrently (per-element
// locks), but resizeIndex reallocates everything and markDelete must not race a
// re-insert of the same label. So:
//   - mu shared: Search, Upsert (hnswlib's own locks order concurrent inserts), Len, Stats;
//   - mu exclusive: growing the capacity, Delete, Close;
//   - writeMu shared by Upsert and Delete, exclusive by Save, which therefore sees a
//     stable graph while searches go on.
//
// Capacity is reserved before inserting: pending counts the slots that in-flight
// upserts may still claim, so count+pending never exceeds the capacity.
type hnswIndex struct {
	mu         sync.RWMutex
	writeMu    sync.RWMutex
	cfg        Config
	h          *C.ixh_index
	pending    atomic.Int64
	tombstones atomic.Int64 // slots marked deleted
	closed     bool
}

// NewHNSW returns an index that always searches the HNSW graph.
func NewHNSW(cfg Config) (Index, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newHNSW(c)
}

func space(m Metric) C.int {
	if m == L2 {
		return C.IXH_SPACE_L2
	}
	return C.IXH_SPACE_IP
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func cerr(buf *[C.IXH_ERR_LEN]C.char) string { return C.GoString(&buf[0]) }

func newHNSW(c Config) (*hnswIndex, error) { return newHNSWBuild(c, useAVX2) }

// newHNSWBuild creates the graph with the AVX2 or the generic build of the shim.
func newHNSWBuild(c Config, avx2 bool) (*hnswIndex, error) {
	var errbuf [C.IXH_ERR_LEN]C.char
	capacity := max(c.InitialCapacity, 1024)
	h := C.ixh_new(space(c.Metric), C.int(c.Dimension), C.size_t(capacity), C.int(c.M), C.int(c.EfConstruction),
		100, cbool(avx2), &errbuf[0])
	if h == nil {
		return nil, fmt.Errorf("index: hnsw: create: %s", cerr(&errbuf))
	}
	return &hnswIndex{cfg: c, h: h}, nil
}

// Upsert inserts or replaces vectors; large batches are split across Config.Workers.
func (x *hnswIndex) Upsert(keys []uint64, vectors [][]float32) error {
	flat, err := prepareBatch(keys, vectors, x.cfg.Dimension, x.cfg.Metric)
	if err != nil {
		return err
	}
	return x.upsertFlat(keys, flat)
}

// upsertFlat inserts prepared vectors.
func (x *hnswIndex) upsertFlat(keys []uint64, flat []float32) error {
	if len(keys) == 0 {
		return nil
	}
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()
	n := int64(len(keys))
	if err := x.reserve(n); err != nil {
		return err
	}
	defer x.mu.RUnlock()
	defer x.pending.Add(-n)

	workers := min(x.cfg.Workers, len(keys)/minParallelBatch)
	if workers < 2 {
		return x.insert(keys, flat)
	}
	dim := x.cfg.Dimension
	errs := make([]error, workers)
	var wg sync.WaitGroup
	// Interleave chunks so that every worker inserts into a graph of similar size.
	const chunk = 64
	var next atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(keys) {
					return
				}
				hi := min(lo+chunk, len(keys))
				if err := x.insert(keys[lo:hi], flat[lo*dim:hi*dim]); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// reserve returns with mu held shared and n slots reserved, growing the graph first
// when the capacity would not cover them.
func (x *hnswIndex) reserve(n int64) error {
	for {
		x.mu.RLock()
		if x.closed {
			x.mu.RUnlock()
			return ErrClosed
		}
		p := x.pending.Add(n)
		if int64(C.ixh_count(x.h))+p <= int64(C.ixh_capacity(x.h)) {
			return nil
		}
		x.pending.Add(-n)
		x.mu.RUnlock()
		if err := x.grow(n); err != nil {
			return err
		}
	}
}

// grow doubles the capacity (at least) under the exclusive lock.
func (x *hnswIndex) grow(n int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	count, capacity := int64(C.ixh_count(x.h)), int64(C.ixh_capacity(x.h))
	need := count + x.pending.Load() + n
	if need <= capacity {
		return nil
	}
	var errbuf [C.IXH_ERR_LEN]C.char
	if C.ixh_resize(x.h, C.size_t(max(2*capacity, need)), &errbuf[0]) != 0 {
		return fmt.Errorf("index: hnsw: resize to %d: %s", max(2*capacity, need), cerr(&errbuf))
	}
	return nil
}

// insert makes one cgo call for a run of prepared vectors; mu is held shared.
func (x *hnswIndex) insert(keys []uint64, flat []float32) error {
	var errbuf [C.IXH_ERR_LEN]C.char
	var revived C.size_t
	rc := C.ixh_upsert(x.h, (*C.uint64_t)(unsafe.Pointer(&keys[0])), (*C.float)(unsafe.Pointer(&flat[0])),
		C.size_t(len(keys)), &revived, &errbuf[0])
	x.tombstones.Add(-int64(revived))
	if rc != 0 {
		return fmt.Errorf("index: hnsw: upsert: %s", cerr(&errbuf))
	}
	return nil
}

// Delete marks keys deleted (hnswlib keeps the node as a tombstone that routes
// searches but is never returned); re-upserting a key revives its node.
func (x *hnswIndex) Delete(keys ...uint64) error {
	if len(keys) == 0 {
		return nil
	}
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	var errbuf [C.IXH_ERR_LEN]C.char
	var deleted C.size_t
	rc := C.ixh_delete(x.h, (*C.uint64_t)(unsafe.Pointer(&keys[0])), C.size_t(len(keys)), &deleted, &errbuf[0])
	x.tombstones.Add(int64(deleted))
	if rc != 0 {
		return fmt.Errorf("index: hnsw: delete: %s", cerr(&errbuf))
	}
	return nil
}

// Search returns the approximate top k (exact for selective allow-lists).
func (x *hnswIndex) Search(ctx context.Context, query []float32, opts SearchOptions) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	if opts.K <= 0 {
		return nil, fmt.Errorf("%w: k = %d", ErrInvalidArgument, opts.K)
	}
	if opts.Ef < 0 {
		return nil, fmt.Errorf("%w: ef = %d", ErrInvalidArgument, opts.Ef)
	}
	q := make([]float32, x.cfg.Dimension)
	if err := prepare(q, query, x.cfg.Dimension, x.cfg.Metric); err != nil {
		return nil, fmt.Errorf("index: query: %w", err)
	}
	ef := opts.Ef
	if ef == 0 {
		ef = x.cfg.EfSearch
	}
	ef = max(ef, opts.K)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return nil, ErrClosed
	}
	if opts.Filter.empty() {
		return x.graph(q, opts.K, ef, nil)
	}
	if opts.Filter.Keys != nil {
		return x.searchAllowList(q, opts.K, ef, opts.Filter.Keys)
	}
	return x.searchPredicate(ctx, q, opts.K, ef, opts.Filter.Allow)
}

// searchAllowList goes exact for small allow-lists and otherwise walks the graph with
// a C-side bitset of the allowed nodes, falling back to exact when the walk comes back short.
func (x *hnswIndex) searchAllowList(q []float32, k, ef int, allow map[uint64]struct{}) ([]Result, error) {
	keys := make([]uint64, 0, len(allow))
	for key := range allow {
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return []Result{}, nil
	}
	live := x.live()
	if len(keys) <= x.cfg.ExactThreshold || float64(len(keys)) <= exactFilterFraction*float64(live) {
		return x.exact(q, k, keys)
	}
	res, err := x.graph(q, k, ef, keys)
	if err != nil || len(res) >= k {
		return res, err
	}
	return x.exact(q, k, keys)
}

// searchPredicate over-fetches from the graph and filters in Go, growing ef; when the
// filter stays too selective it evaluates the predicate on every live key and goes exact.
func (x *hnswIndex) searchPredicate(ctx context.Context, q []float32, k, ef int, allow func(uint64) bool) ([]Result, error) {
	live := x.live()
	for e := ef * predicateOverfetch; e <= predicateMaxEf && e < live; e *= 4 {
		cand, err := x.graph(q, e, e, nil)
		if err != nil {
			return nil, err
		}
		out := cand[:0]
		for _, r := range cand {
			if allow(r.Key) {
				out = append(out, r)
				if len(out) == k {
					return out, nil
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
	}
	all, err := x.liveKeys()
	if err != nil {
		return nil, err
	}
	keys := all[:0]
	for i, key := range all {
		if i%scanCheckEvery == scanCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("index: search: %w", err)
			}
		}
		if allow(key) {
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return []Result{}, nil
	}
	return x.exact(q, k, keys)
}

// graph runs one graph search (allow restricts it when non-nil); mu is held shared.
func (x *hnswIndex) graph(q []float32, k, ef int, allow []uint64) ([]Result, error) {
	out := make([]Result, k)
	var errbuf [C.IXH_ERR_LEN]C.char
	var n C.size_t
	var allowPtr *C.uint64_t
	if allow != nil {
		allowPtr = (*C.uint64_t)(unsafe.Pointer(&allow[0]))
	}
	rc := C.ixh_search(x.h, (*C.float)(unsafe.Pointer(&q[0])), C.size_t(k), C.size_t(ef),
		cbool(x.tombstones.Load() > 0), allowPtr, C.size_t(len(allow)),
		(*C.ixh_hit)(unsafe.Pointer(&out[0])), &n, &errbuf[0])
	if rc != 0 {
		return nil, fmt.Errorf("index: hnsw: search: %s", cerr(&errbuf))
	}
	return out[:n], nil
}

// exact brute-forces the listed keys with hnswlib's distance kernels; mu is held shared.
func (x *hnswIndex) exact(q []float32, k int, keys []uint64) ([]Result, error) {
	out := make([]Result, k)
	var errbuf [C.IXH_ERR_LEN]C.char
	var n C.size_t
	rc := C.ixh_exact(x.h, (*C.float)(unsafe.Pointer(&q[0])), C.size_t(k),
		(*C.uint64_t)(unsafe.Pointer(&keys[0])), C.size_t(len(keys)),
		(*C.ixh_hit)(unsafe.Pointer(&out[0])), &n, &errbuf[0])
	if rc != 0 {
		return nil, fmt.Errorf("index: hnsw: exact: %s", cerr(&errbuf))
	}
	return out[:n], nil
}

// liveKeys lists every live key; mu is held shared.
func (x *hnswIndex) liveKeys() ([]uint64, error) {
	count := int(C.ixh_count(x.h))
	if count == 0 {
		return nil, nil
	}
	keys := make([]uint64, count)
	var errbuf [C.IXH_ERR_LEN]C.char
	var n C.size_t
	if C.ixh_live_keys(x.h, (*C.uint64_t)(unsafe.Pointer(&keys[0])), C.size_t(count), &n, &errbuf[0]) != 0 {
		return nil, fmt.Errorf("index: hnsw: list keys: %s", cerr(&errbuf))
	}
	return keys[:n], nil
}

// live is the number of live vectors; mu is held.
func (x *hnswIndex) live() int { return int(C.ixh_count(x.h)) - int(x.tombstones.Load()) }

// Len is the number of live vectors.
func (x *hnswIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return 0
	}
	return x.live()
}

// Stats describes the index.
func (x *hnswIndex) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{
		Engine:         "hnsw",
		Metric:         x.cfg.Metric,
		Dimension:      x.cfg.Dimension,
		M:              x.cfg.M,
		EfConstruction: x.cfg.EfConstruction,
		EfSearch:       x.cfg.EfSearch,
	}
	if !x.closed {
		s.Count = x.live()
		s.Deleted = int(x.tombstones.Load())
		s.Capacity = int(C.ixh_capacity(x.h))
		s.Bytes = int64(C.ixh_bytes(x.h))
	}
	return s
}

// Close frees the native graph; it waits for searches and upserts in flight.
func (x *hnswIndex) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.closed {
		x.closed = true
		C.ixh_free(x.h)
		x.h = nil
	}
	return nil
}

// usesAVX reports whether distances run on hnswlib's AVX kernels (for tests and benchmarks).
func (x *hnswIndex) usesAVX() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return !x.closed && C.ixh_uses_avx(x.h) == 1
}

// Save writes the graph. Writers wait while the graph is copied out; searches go on.
func (x *hnswIndex) Save(path string) error { return x.save(path, 0) }

func (x *hnswIndex) save(path string, flags byte) error {
	x.writeMu.Lock()
	x.mu.RLock()
	if x.closed {
		x.mu.RUnlock()
		x.writeMu.Unlock()
		return ErrClosed
	}
	body := make([]byte, int(C.ixh_serialized_size(x.h)))
	var errbuf [C.IXH_ERR_LEN]C.char
	rc := C.ixh_serialize(x.h, (*C.char)(unsafe.Pointer(&body[0])), C.size_t(len(body)), &errbuf[0])
	h := snapHeader{engine: engineHNSW, flags: flags, cfg: x.cfg, count: uint64(x.live())}
	x.mu.RUnlock()
	x.writeMu.Unlock()
	if rc != 0 {
		return fmt.Errorf("index: save %s: %s", path, cerr(&errbuf))
	}
	return writeSnapshot(path, h, body)
}

func loadHNSW(path string, h snapHeader, body []byte) (*hnswIndex, error) {
	if len(body) == 0 {
		return nil, corrupt(path, "empty graph")
	}
	var errbuf [C.IXH_ERR_LEN]C.char
	g := C.ixh_deserialize(space(h.cfg.Metric), C.int(h.cfg.Dimension), C.int(h.cfg.EfConstruction),
		(*C.char)(unsafe.Pointer(&body[0])), C.size_t(len(body)), cbool(useAVX2), &errbuf[0])
	if g == nil {
		return nil, corrupt(path, "%s", cerr(&errbuf))
	}
	x := &hnswIndex{cfg: h.cfg, h: g}
	keys, err := x.liveKeys()
	if err != nil {
		x.Close()
		return nil, err
	}
	if uint64(len(keys)) != h.count {
		x.Close()
		return nil, corrupt(path, "header says %d live vectors, graph holds %d", h.count, len(keys))
	}
	x.tombstones.Store(int64(C.ixh_count(g)) - int64(len(keys)))
	return x, nil
}

// contains reports whether key is live in the graph; buf holds Dimension floats.
func (x *hnswIndex) contains(key uint64, buf []float32) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return false
	}
	return C.ixh_get(x.h, C.uint64_t(key), (*C.float)(unsafe.Pointer(&buf[0]))) == 1
}
