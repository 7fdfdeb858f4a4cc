package index

// BeginOverlay prepares ix (an index from New or Load) for a burst of writes that
// must not wait for the graph, such as the replay of a crash's logged writes at
// start-up: when ix is on the HNSW engine with no build running, its later upserts
// and deletes go to a small exact side index, and the graph's copies of those keys
// are hidden from searches. StartFold then folds them into the graph in the
// background. It reports whether ix switched; otherwise writes go on as usual.
func BeginOverlay(ix Index) bool {
	a, ok := ix.(*autoIndex)
	if !ok {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	h, ok := a.cur.(*hnswIndex)
	if !ok || a.building != nil || a.closed {
		return false
	}
	a.cur = newOverlay(h)
	return true
}

// StartFold starts folding the side index of BeginOverlay into the graph in the
// background: searches and writes go on against the overlay meanwhile, the keys
// written are copied in catch-up rounds (as for a build, see autoIndex), and the graph
// is swapped in. WaitBuild waits for it; Save waits for it before writing the graph.
// It does nothing when ix is not in overlay mode or a fold already runs.
func StartFold(ix Index) {
	a, ok := ix.(*autoIndex)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.cur.(*overlayIndex)
	if !ok || a.building != nil || a.closed {
		return
	}
	b := &build{touched: map[uint64]struct{}{}, done: make(chan struct{})}
	a.building = b
	go a.runFold(o, b)
}

// runFold copies every hidden key into the graph, catches up with the writes made
// meanwhile and swaps the graph in. On failure the overlay stays (and keeps serving).
func (a *autoIndex) runFold(o *overlayIndex, b *build) {
	err := o.fold(o.hiddenKeys())
	if err == nil && a.buildPause != nil {
		a.buildPause()
	}
	if err == nil {
		err = b.catchUp(o.fold)
	}
	a.finish(b, err, o.fold,
		func() {
			a.cur = o.base
			_ = o.delta.Close()
		},
		func() {})
}
