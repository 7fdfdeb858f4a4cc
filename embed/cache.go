package embed

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/instructd/instructd/models"
)

// cacheKey identifies a query embedding: everything that changes the vector.
type cacheKey struct {
	pack        string
	mode        models.InstructionMode
	template    string
	instruction string
	text        string
}

// cacheMaxBytes bounds the query cache's memory, whatever its entry count: keys hold
// the query and instruction texts, which may be long.
const cacheMaxBytes = 64 << 20

// cacheItemOverhead approximates an entry's bookkeeping (list element, map slot, headers).
const cacheItemOverhead = 160

// cacheItem is one LRU element's payload.
type cacheItem struct {
	key    cacheKey
	vec    []float32
	tokens int // the query's token count, for usage accounting on hits
}

// size is the bytes an entry holds.
func (it *cacheItem) size() int64 {
	k := it.key
	return int64(len(k.pack)+len(k.mode)+len(k.template)+len(k.instruction)+len(k.text)+4*len(it.vec)) + cacheItemOverhead
}

// CacheStats reports the query cache's counters.
type CacheStats struct {
	// Entries is the number of cached vectors; Capacity the most it holds (0: disabled).
	Entries, Capacity int
	// Bytes is the approximate memory held; it never exceeds MaxBytes.
	Bytes, MaxBytes int64
	// Hits and Misses count lookups since Open.
	Hits, Misses uint64
}

// queryCache is a concurrency-safe LRU of query embeddings. Vectors are copied in and out,
// so callers may modify what they get. A zero capacity disables it.
type queryCache struct {
	capacity int
	maxBytes int64
	hits     atomic.Uint64
	misses   atomic.Uint64

	mu    sync.Mutex
	order list.List // of *cacheItem, most recent first
	items map[cacheKey]*list.Element
	bytes int64 // sum of the entries' sizes
}

func newQueryCache(capacity int) *queryCache {
	return &queryCache{capacity: capacity, maxBytes: cacheMaxBytes, items: make(map[cacheKey]*list.Element)}
}

// get returns a copy of the cached vector for k.
func (c *queryCache) get(k cacheKey) ([]float32, int, bool) {
	if c.capacity <= 0 {
		return nil, 0, false
	}
	c.mu.Lock()
	el, ok := c.items[k]
	var vec []float32
	tokens := 0
	if ok {
		c.order.MoveToFront(el)
		it := el.Value.(*cacheItem)
		vec, tokens = append([]float32(nil), it.vec...), it.tokens
	}
	c.mu.Unlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return vec, tokens, ok
}

// put stores a copy of vec under k, evicting least recently used entries while the
// cache holds more than its capacity in entries or its bound in bytes. An entry larger
// than an eighth of the byte bound is not cached.
func (c *queryCache) put(k cacheKey, vec []float32, tokens int) {
	if c.capacity <= 0 {
		return
	}
	it := &cacheItem{key: k, vec: append([]float32(nil), vec...), tokens: tokens}
	if it.size() > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		old := el.Value.(*cacheItem)
		c.bytes += it.size() - old.size()
		old.vec, old.tokens = it.vec, it.tokens
		c.order.MoveToFront(el)
	} else {
		c.items[k] = c.order.PushFront(it)
		c.bytes += it.size()
	}
	for c.order.Len() > c.capacity || c.bytes > c.maxBytes {
		last := c.order.Back()
		c.order.Remove(last)
		li := last.Value.(*cacheItem)
		c.bytes -= li.size()
		delete(c.items, li.key)
	}
}

func (c *queryCache) stats() CacheStats {
	c.mu.Lock()
	n, b := c.order.Len(), c.bytes
	c.mu.Unlock()
	return CacheStats{Entries: n, Capacity: max(c.capacity, 0), Bytes: b, MaxBytes: c.maxBytes,
		Hits: c.hits.Load(), Misses: c.misses.Load()}
}
