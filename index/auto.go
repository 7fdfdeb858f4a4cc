package index

import (
	"context"
	"errors"
	"sync"
)

// catchUpRounds bounds the rounds in which a background build copies the writes made
// meanwhile without blocking anyone; the last few are applied under the exclusive lock.
const (
	catchUpRounds = 8
	catchUpSmall  = 256
)

// autoIndex is New's index: exact search while the collection is small, HNSW once it
// reaches Config.ExactThreshold live vectors. Crossing the threshold starts a
// background build: the graph is built from a copy of the exact store while searches
// and writes go on against the exact engine; the keys written meanwhile are recorded
// and copied into the graph in catch-up rounds, the last (small) one under the
// exclusive lock, and then the graph is swapped in. The HNSW engine answers exact
// filtered searches from its own copy of the vectors. It never switches back; a
// shrunken collection stays on HNSW.
//
// Locking: mu is held shared around every call into the current engine (which does
// its own locking) and exclusively to start a build, to swap engines and to close.
type autoIndex struct {
	mu  sync.RWMutex
	cfg Config
	cur Index
	// building is the build in progress, nil when none (under mu).
	building *build
	// retryAt is the live count at which a failed build is tried again (under mu).
	retryAt int
	closed  bool
	// buildPause, when set (tests), runs in the builder after the graph is built and
	// before the catch-up rounds and the swap.
	buildPause func()
}

// build is one background exact → HNSW build.
type build struct {
	mu      sync.Mutex
	touched map[uint64]struct{} // keys upserted or deleted since the build began
	done    chan struct{}
	err     error // set before done closes
}

func (b *build) touch(keys []uint64) {
	b.mu.Lock()
	for _, k := range keys {
		b.touched[k] = struct{}{}
	}
	b.mu.Unlock()
}

// take returns the touched keys and starts a new set.
func (b *build) take() map[uint64]struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.touched
	b.touched = map[uint64]struct{}{}
	return t
}

// New returns an index that searches exactly below cfg.ExactThreshold vectors and
// switches to HNSW, transparently and in the background, once it reaches it.
func New(cfg Config) (Index, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if c.InitialCapacity >= c.ExactThreshold {
		h, err := newHNSW(c)
		if err != nil {
			return nil, err
		}
		return &autoIndex{cfg: c, cur: h}, nil
	}
	return &autoIndex{cfg: c, cur: newExact(c)}, nil
}

// Upsert inserts or replaces vectors; reaching the threshold starts the background build.
func (a *autoIndex) Upsert(keys []uint64, vectors [][]float32) error {
	a.mu.RLock()
	err := a.cur.Upsert(keys, vectors)
	if err == nil && a.building != nil {
		a.building.touch(keys)
	}
	ex, small := a.cur.(*exactIndex)
	start := err == nil && small && a.building == nil && ex.Len() >= max(a.cfg.ExactThreshold, a.retryAt)
	a.mu.RUnlock()
	if start {
		a.startBuild()
	}
	return err
}

// startBuild starts the background build unless one runs or the engine is HNSW already.
func (a *autoIndex) startBuild() {
	a.mu.Lock()
	defer a.mu.Unlock()
	ex, ok := a.cur.(*exactIndex)
	if !ok || a.building != nil || a.closed {
		return
	}
	b := &build{touched: map[uint64]struct{}{}, done: make(chan struct{})}
	a.building = b
	go a.runBuild(ex, b)
}

// runBuild builds the graph from a copy of ex, catches up with the writes made
// meanwhile and swaps the graph in. On failure the exact engine stays.
func (a *autoIndex) runBuild(ex *exactIndex, b *build) {
	h, err := a.buildGraph(ex, b)
	a.finish(b, err,
		func(t map[uint64]struct{}) error { return copyTouched(ex, h, t) },
		func() {
			a.cur = h
			_ = ex.Close()
		},
		func() {
			a.retryAt = 2 * ex.Len() // try again once the collection doubled
			if h != nil {
				_ = h.Close()
			}
		})
}

// finish ends a background build or fold: under the exclusive lock (no writer runs
// now) it copies the last keys written meanwhile with last, then swaps on success or
// calls fail; it records the error and closes b.done.
func (a *autoIndex) finish(b *build, err error, last func(map[uint64]struct{}) error, swap, fail func()) {
	a.mu.Lock()
	if err == nil && !a.closed {
		err = last(b.take())
	}
	switch {
	case a.closed:
		err = ErrClosed
		fail()
	case err == nil:
		swap()
	default:
		fail()
	}
	a.building = nil
	b.err = err
	a.mu.Unlock()
	close(b.done)
}

// buildGraph copies ex, builds the graph without holding any lock writers or
// searches wait on, then copies the keys written meanwhile in catch-up rounds.
func (a *autoIndex) buildGraph(ex *exactIndex, b *build) (*hnswIndex, error) {
	ex.mu.RLock()
	if ex.closed {
		ex.mu.RUnlock()
		return nil, ErrClosed
	}
	keys := append([]uint64(nil), ex.keys...)
	data := append([]float32(nil), ex.data...)
	ex.mu.RUnlock()
	c := a.cfg
	c.InitialCapacity = max(c.InitialCapacity, 2*len(keys))
	h, err := newHNSW(c)
	if err != nil {
		return nil, err
	}
	if err := h.upsertFlat(keys, data); err != nil {
		return h, err
	}
	keys, data = nil, nil
	if a.buildPause != nil {
		a.buildPause()
	}
	return h, b.catchUp(func(t map[uint64]struct{}) error { return copyTouched(ex, h, t) })
}

// catchUp copies the keys written meanwhile (with copyKeys) in rounds that block no
// one, until few are left for the last round under the exclusive lock.
func (b *build) catchUp(copyKeys func(map[uint64]struct{}) error) error {
	for round := 0; round < catchUpRounds; round++ {
		b.mu.Lock()
		n := len(b.touched)
		b.mu.Unlock()
		if n <= catchUpSmall {
			break
		}
		if err := copyKeys(b.take()); err != nil {
			return err
		}
	}
	return nil
}

// copyTouched makes h agree with ex on the touched keys: present ones are upserted
// with ex's current (already prepared) vector, absent ones deleted.
func copyTouched(ex *exactIndex, h *hnswIndex, touched map[uint64]struct{}) error {
	if len(touched) == 0 {
		return nil
	}
	dim := ex.cfg.Dimension
	var (
		up   []uint64
		flat []float32
		del  []uint64
	)
	ex.mu.RLock()
	if ex.closed {
		ex.mu.RUnlock()
		return ErrClosed
	}
	for k := range touched {
		if s, ok := ex.slots[k]; ok {
			up = append(up, k)
			flat = append(flat, ex.data[s*dim:(s+1)*dim]...)
		} else {
			del = append(del, k)
		}
	}
	ex.mu.RUnlock()
	if err := h.Delete(del...); err != nil {
		return err
	}
	return h.upsertFlat(up, flat)
}

// WaitBuild blocks until a background exact → HNSW build or fold (StartFold) of ix
// (an index from New or Load) has finished and returns its error; it returns nil at
// once when none runs.
func WaitBuild(ix Index) error {
	a, ok := ix.(*autoIndex)
	if !ok {
		return nil
	}
	a.mu.RLock()
	b := a.building
	a.mu.RUnlock()
	if b == nil {
		return nil
	}
	<-b.done
	if errors.Is(b.err, ErrClosed) {
		return nil
	}
	return b.err
}

// Delete removes keys.
func (a *autoIndex) Delete(keys ...uint64) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	err := a.cur.Delete(keys...)
	if err == nil && a.building != nil {
		a.building.touch(keys)
	}
	return err
}

// Search delegates to the current engine.
func (a *autoIndex) Search(ctx context.Context, query []float32, opts SearchOptions) ([]Result, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cur.Search(ctx, query, opts)
}

// Len is the number of live vectors.
func (a *autoIndex) Len() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cur.Len()
}

// Stats describes the current engine.
func (a *autoIndex) Stats() Stats {
	a.mu.RLock()
	defer a.mu.RUnlock()
	s := a.cur.Stats()
	if s.Engine == "exact" {
		s.M, s.EfConstruction, s.EfSearch = a.cfg.M, a.cfg.EfConstruction, a.cfg.EfSearch
	}
	return s
}

// Save writes a snapshot that Load turns back into a self-switching index. The engine
// copies itself out under its own lock; mu is not held across the file write, so a
// swap (and the searches queued behind it) never waits for the disk.
func (a *autoIndex) Save(path string) error {
	for {
		a.mu.RLock()
		cur := a.cur
		a.mu.RUnlock()
		var err error
		switch x := cur.(type) {
		case *exactIndex:
			err = x.save(path, flagAuto)
		case *hnswIndex:
			err = x.save(path, flagAuto)
		case *overlayIndex:
			// The replayed writes are not in the graph yet: wait for the fold.
			a.mu.RLock()
			b := a.building
			a.mu.RUnlock()
			if b == nil {
				return x.Save(path)
			}
			<-b.done
			continue
		default:
			err = cur.Save(path)
		}
		if errors.Is(err, ErrClosed) {
			a.mu.RLock()
			swapped := a.cur != cur && !a.closed
			a.mu.RUnlock()
			if swapped {
				continue // the exact engine was swapped out while we copied it
			}
		}
		return err
	}
}

// Close waits for a background build to stop and releases the current engine.
func (a *autoIndex) Close() error {
	a.mu.Lock()
	a.closed = true
	b := a.building
	err := a.cur.Close()
	a.mu.Unlock()
	if b != nil {
		<-b.done
	}
	return err
}
