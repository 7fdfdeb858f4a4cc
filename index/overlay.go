package index

import (
	"context"
	"fmt"
	"sync"
)

// overlayIndex serves a loaded HNSW graph (base) plus a small exact side index
// (delta) holding the vectors written since: start-up replays a crash's logged writes
// into it instead of updating the graph in place (hnswlib's update of a replaced
// vector repairs its neighbours' links and costs milliseconds each). Every key
// written since, replaced or deleted, is hidden in base, so the content is
// (base − hidden) ∪ delta, with delta ⊆ hidden. A background fold (autoIndex.runFold)
// copies the hidden keys into the graph and then swaps the graph in; until then
// searches merge the top k of both.
//
// Locking: mu is held shared by searches and by the fold while it reads delta, and
// exclusively by writes. base and delta lock themselves.
type overlayIndex struct {
	mu     sync.RWMutex
	base   *hnswIndex
	delta  *exactIndex
	hidden map[uint64]struct{}
	// visible counts base's live keys that are not hidden (under mu): the fold only
	// ever changes hidden keys in base, so it stays true throughout.
	visible int
	buf     []float32 // scratch for base.contains (under mu, exclusive)
}

func newOverlay(base *hnswIndex) *overlayIndex {
	c := base.cfg
	c.InitialCapacity = 0
	return &overlayIndex{
		base:    base,
		delta:   newExact(c),
		hidden:  map[uint64]struct{}{},
		visible: base.Len(),
		buf:     make([]float32, c.Dimension),
	}
}

// hide marks keys as no longer served from base; mu is held exclusively.
func (o *overlayIndex) hide(keys []uint64) {
	for _, k := range keys {
		if _, ok := o.hidden[k]; ok {
			continue
		}
		o.hidden[k] = struct{}{}
		if o.base.contains(k, o.buf) {
			o.visible--
		}
	}
}

// Upsert writes to delta and hides the keys in base.
func (o *overlayIndex) Upsert(keys []uint64, vectors [][]float32) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.delta.Upsert(keys, vectors); err != nil {
		return err
	}
	o.hide(keys)
	return nil
}

// Delete removes keys from delta and hides them in base.
func (o *overlayIndex) Delete(keys ...uint64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.delta.Delete(keys...); err != nil {
		return err
	}
	o.hide(keys)
	return nil
}

// Search merges delta's exact top k with base's top k less the hidden keys.
func (o *overlayIndex) Search(ctx context.Context, query []float32, opts SearchOptions) ([]Result, error) {
	if opts.K <= 0 {
		return nil, fmt.Errorf("%w: k = %d", ErrInvalidArgument, opts.K)
	}
	if opts.Ef < 0 {
		return nil, fmt.Errorf("%w: ef = %d", ErrInvalidArgument, opts.Ef)
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	base, err := o.searchBase(ctx, query, opts)
	if err != nil {
		return nil, err
	}
	if o.delta.Len() == 0 {
		return base, nil
	}
	d, err := o.delta.Search(ctx, query, opts)
	if err != nil {
		return nil, err
	}
	t := NewTopK(opts.K)
	for _, r := range base {
		t.Push(r.Key, r.Score)
	}
	for _, r := range d {
		t.Push(r.Key, r.Score)
	}
	return t.Sorted(), nil
}

// searchBase returns base's top k without hidden keys; mu is held shared.
func (o *overlayIndex) searchBase(ctx context.Context, query []float32, opts SearchOptions) ([]Result, error) {
	f := opts.Filter
	switch {
	case f.empty():
		// Hidden keys are few: when some of the top k were hidden, ask for as many more.
		for extra := 0; ; {
			q := opts
			q.K += extra
			res, err := o.base.Search(ctx, query, q)
			if err != nil {
				return nil, err
			}
			kept := o.unhidden(res)
			if len(kept) >= opts.K || len(res) < q.K || extra >= len(o.hidden) {
				return kept[:min(len(kept), opts.K)], nil
			}
			extra += len(res) - len(kept)
		}
	case f.Keys != nil:
		q := opts
		q.Filter = &Filter{Keys: o.allowed(f.Keys)}
		return o.base.Search(ctx, query, q)
	default:
		q := opts
		q.Filter = &Filter{Allow: func(k uint64) bool {
			_, h := o.hidden[k]
			return !h && f.Allow(k)
		}}
		return o.base.Search(ctx, query, q)
	}
}

// unhidden drops hidden keys from res in place; mu is held shared.
func (o *overlayIndex) unhidden(res []Result) []Result {
	out := res[:0]
	for _, r := range res {
		if _, h := o.hidden[r.Key]; !h {
			out = append(out, r)
		}
	}
	return out
}

// allowed returns the allow-list less the hidden keys, copying it only when needed;
// mu is held shared.
func (o *overlayIndex) allowed(keys map[uint64]struct{}) map[uint64]struct{} {
	hit := false
	for k := range o.hidden {
		if _, ok := keys[k]; ok {
			hit = true
			break
		}
	}
	if !hit {
		return keys
	}
	out := make(map[uint64]struct{}, len(keys))
	for k := range keys {
		if _, h := o.hidden[k]; !h {
			out[k] = struct{}{}
		}
	}
	return out
}

// Len is the number of live vectors.
func (o *overlayIndex) Len() int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.visible + o.delta.Len()
}

// Stats describes base, counting the live vectors of both.
func (o *overlayIndex) Stats() Stats {
	s := o.base.Stats()
	s.Count = o.Len()
	return s
}

// Save is refused: autoIndex.Save waits for the fold and saves the graph.
func (o *overlayIndex) Save(path string) error {
	return fmt.Errorf("index: save %s: replayed writes not yet folded into the graph", path)
}

// Close releases both indexes.
func (o *overlayIndex) Close() error {
	_ = o.delta.Close()
	return o.base.Close()
}

// hiddenKeys lists every hidden key.
func (o *overlayIndex) hiddenKeys() map[uint64]struct{} {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make(map[uint64]struct{}, len(o.hidden))
	for k := range o.hidden {
		out[k] = struct{}{}
	}
	return out
}

// fold makes base agree with the overlay on keys (all hidden): those in delta are
// upserted into the graph with delta's vector, the others deleted from it.
func (o *overlayIndex) fold(keys map[uint64]struct{}) error {
	if len(keys) == 0 {
		return nil
	}
	dim := o.delta.cfg.Dimension
	var (
		up   []uint64
		flat []float32
		del  []uint64
	)
	o.mu.RLock()
	o.delta.mu.RLock()
	if o.delta.closed {
		o.delta.mu.RUnlock()
		o.mu.RUnlock()
		return ErrClosed
	}
	for k := range keys {
		if s, ok := o.delta.slots[k]; ok {
			up = append(up, k)
			flat = append(flat, o.delta.data[s*dim:(s+1)*dim]...)
		} else {
			del = append(del, k)
		}
	}
	o.delta.mu.RUnlock()
	o.mu.RUnlock()
	if err := o.base.Delete(del...); err != nil {
		return err
	}
	return o.base.upsertFlat(up, flat)
}
