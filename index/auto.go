package index

import (
	"context"
	"sync"
)

// autoIndex is New's index: exact search while the collection is small, HNSW once it
// reaches Config.ExactThreshold live vectors. The switch builds the graph from the
// exact store (in parallel, under the exclusive lock) and then drops that store: the
// HNSW engine answers exact filtered searches from its own copy of the vectors.
// It never switches back; a shrunken collection stays on HNSW.
//
// Locking: mu is held shared around every call into the current engine (which does
// its own locking) and exclusively while switching engines and closing.
type autoIndex struct {
	mu  sync.RWMutex
	cfg Config
	cur Index
}

// New returns an index that searches exactly below cfg.ExactThreshold vectors and
// switches to HNSW, transparently, once it reaches it.
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

// Upsert inserts or replaces vectors, switching to HNSW when the threshold is reached.
func (a *autoIndex) Upsert(keys []uint64, vectors [][]float32) error {
	a.mu.RLock()
	err := a.cur.Upsert(keys, vectors)
	ex, small := a.cur.(*exactIndex)
	switchNow := err == nil && small && ex.Len() >= a.cfg.ExactThreshold
	a.mu.RUnlock()
	if switchNow {
		return a.switchToHNSW()
	}
	return err
}

// switchToHNSW builds the graph from the exact store and swaps engines.
func (a *autoIndex) switchToHNSW() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	ex, ok := a.cur.(*exactIndex)
	if !ok {
		return nil // another upsert switched first
	}
	c := a.cfg
	ex.mu.RLock()
	c.InitialCapacity = max(c.InitialCapacity, 2*len(ex.keys))
	h, err := newHNSW(c)
	if err == nil {
		err = h.upsertFlat(ex.keys, ex.data)
	}
	ex.mu.RUnlock()
	if err != nil {
		if h != nil {
			h.Close()
		}
		return err
	}
	a.cur = h
	return ex.Close()
}

// Delete removes keys.
func (a *autoIndex) Delete(keys ...uint64) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cur.Delete(keys...)
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

// Save writes a snapshot that Load turns back into a self-switching index.
func (a *autoIndex) Save(path string) error {
	a.mu.RLock()
	defer a.mu.RUnlock()
	switch x := a.cur.(type) {
	case *exactIndex:
		return x.save(path, flagAuto)
	case *hnswIndex:
		return x.save(path, flagAuto)
	}
	return a.cur.Save(path)
}

// Close releases the current engine.
func (a *autoIndex) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur.Close()
}
