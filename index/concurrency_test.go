package index

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// vectorFor derives a reproducible vector for one version of a key.
func vectorFor(key uint64, version int, dim int) []float32 {
	r := rand.New(rand.NewPCG(key, uint64(version)))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// TestConcurrentStress runs upserts, deletes and searches together for 5 s per engine
// (under -race in `make test`). Deleted keys must never come back, and after the
// writers stop, Len matches and every live key is found by its own vector.
func TestConcurrentStress(t *testing.T) {
	d := 5 * time.Second
	if testing.Short() {
		d = time.Second
	}
	for _, e := range []engine{{"hnsw", NewHNSW}, {"auto", New}} {
		t.Run(e.name, func(t *testing.T) { stress(t, e, d) })
	}
}

func stress(t *testing.T, e engine, d time.Duration) {
	const (
		dim      = 16
		writers  = 3
		owned    = 1500 // keys [0, writers*owned) are churned by their owner
		doomed   = 2000 // keys [doomBase, doomBase+doomed) are inserted once, then deleted for good
		doomBase = 1 << 40
		searches = 3
	)
	// InitialCapacity 64 and ExactThreshold 1000 make the graph resize and the auto
	// index switch engines while everything runs.
	x := mustNew(t, e.make, Config{Dimension: dim, InitialCapacity: 64, ExactThreshold: 1000})
	doomKeys := seqKeys(doomed, doomBase)
	doomVecs := make([][]float32, doomed)
	for i := range doomVecs {
		doomVecs[i] = vectorFor(doomKeys[i], 0, dim)
	}
	mustUpsert(t, x, doomKeys, doomVecs)

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	var failed atomic.Value
	fail := func(format string, args ...any) {
		failed.CompareAndSwap(nil, format)
		t.Errorf(format, args...)
		cancel()
	}

	// Writers: each owns keys w, w+writers, ... and records their final state.
	states := make([]map[uint64]int, writers) // key → version, -1 when deleted
	for w := 0; w < writers; w++ {
		states[w] = map[uint64]int{}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			st := states[w]
			version := 0
			for ctx.Err() == nil {
				version++
				n := 1 + r.IntN(40)
				keys := make([]uint64, 0, n)
				vecs := make([][]float32, 0, n)
				seen := map[uint64]bool{}
				for range n {
					k := uint64(w + writers*r.IntN(owned))
					if seen[k] {
						continue
					}
					seen[k] = true
					keys = append(keys, k)
					vecs = append(vecs, vectorFor(k, version, dim))
				}
				if r.IntN(4) == 0 {
					if err := x.Delete(keys...); err != nil {
						fail("delete: %v", err)
						return
					}
					for _, k := range keys {
						st[k] = -1
					}
					continue
				}
				if err := x.Upsert(keys, vecs); err != nil {
					fail("upsert: %v", err)
					return
				}
				for _, k := range keys {
					st[k] = version
				}
			}
		}(w)
	}

	// The doomed keys are deleted in small batches; deletedUpTo publishes progress.
	var deletedUpTo atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < doomed && ctx.Err() == nil; i += 10 {
			if err := x.Delete(doomKeys[i : i+10]...); err != nil {
				fail("delete doomed: %v", err)
				return
			}
			deletedUpTo.Store(int64(i + 10))
			time.Sleep(d / doomed * 4)
		}
	}()

	// Searchers, with and without filters, must never see a deleted doomed key.
	var nsearch atomic.Int64
	for s := 0; s < searches; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(s), 3))
			for ctx.Err() == nil {
				gone := uint64(deletedUpTo.Load())
				q := vectorFor(doomKeys[r.IntN(doomed)], 0, dim)
				opts := SearchOptions{K: 1 + r.IntN(20), Ef: []int{0, 16, 100}[r.IntN(3)]}
				switch r.IntN(3) {
				case 1:
					opts.Filter = &Filter{Allow: func(k uint64) bool { return k%2 == 0 }}
				case 2:
					allow := map[uint64]struct{}{}
					for range 50 {
						allow[doomKeys[r.IntN(doomed)]] = struct{}{}
					}
					opts.Filter = &Filter{Keys: allow}
				}
				res, err := x.Search(context.Background(), q, opts)
				if err != nil {
					fail("search: %v", err)
					return
				}
				nsearch.Add(1)
				for _, hit := range res {
					if hit.Key >= doomBase && hit.Key < doomBase+gone {
						fail("deleted key %d returned", hit.Key)
						return
					}
				}
				_ = x.Len()
				_ = x.Stats()
			}
		}(s)
	}
	wg.Wait()
	if failed.Load() != nil {
		return
	}
	t.Logf("%s: %d searches in %v", e.name, nsearch.Load(), d)

	// Quiesced: check Len and that every live key is found by its own vector.
	live := doomed - int(deletedUpTo.Load())
	for _, st := range states {
		for k, v := range st {
			if v < 0 {
				continue
			}
			live++
			res := mustSearch(t, x, vectorFor(k, v, dim), SearchOptions{K: 3, Ef: 200})
			found := false
			for _, hit := range res {
				found = found || hit.Key == k
			}
			if !found {
				t.Errorf("live key %d (version %d) not found by its own vector: %v", k, v, res)
			}
		}
	}
	if x.Len() != live {
		t.Errorf("Len = %d, want %d", x.Len(), live)
	}
}
