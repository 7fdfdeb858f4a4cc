package embed

import "time"

// BatchStats describes one batch the model ran.
type BatchStats struct {
	// Size is the number of texts in the batch.
	Size int
	// Tokens counts real tokens (special tokens included).
	Tokens int
	// PaddedTokens is the tensor size the model saw: longest × Size.
	PaddedTokens int
	// Duration is the wall time of the model call, pooling included.
	Duration time.Duration
}

// Hooks receive the engine's measurements; every field may be nil. embed imports no
// metrics library: the server wires these to its Prometheus collectors. Hooks run on the
// engine's goroutines and must return quickly.
type Hooks struct {
	// QueueDepth reports the number of texts waiting for the model, after every change.
	QueueDepth func(texts int)
	// Batch reports every batch after the model ran it.
	Batch func(BatchStats)
	// Request reports the timings of every Embed call that ran the model.
	Request func(Timings)
	// CacheHit and CacheMiss count query-cache lookups.
	CacheHit  func()
	CacheMiss func()
}

func (h Hooks) queueDepth(n int) {
	if h.QueueDepth != nil {
		h.QueueDepth(n)
	}
}

func (h Hooks) batch(s BatchStats) {
	if h.Batch != nil {
		h.Batch(s)
	}
}

func (h Hooks) request(t Timings) {
	if h.Request != nil {
		h.Request(t)
	}
}

func (h Hooks) cacheHit() {
	if h.CacheHit != nil {
		h.CacheHit()
	}
}

func (h Hooks) cacheMiss() {
	if h.CacheMiss != nil {
		h.CacheMiss()
	}
}
