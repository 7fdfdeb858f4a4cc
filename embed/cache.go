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

// cacheItem is one LRU element's payload.
type cacheItem struct {
	key cacheKey
	vec []float32
}

// CacheStats reports the query cache's counters.
type CacheStats struct {
	// Entries is the number of cached vectors; Capacity the most it holds (0: disabled).
	Entries, Capacity int
	// Hits and Misses count lookups since Open.
	Hits, Misses uint64
}

// queryCache is a concurrency-safe LRU of query embeddings. Vectors are copied in and out,
// so callers may modify what they get. A zero capacity disables it.
type queryCache struct {
	capacity int
	hits     atomic.Uint64
	misses   atomic.Uint64

	mu    sync.Mutex
	order list.List // of *cacheItem, most recent first
	items map[cacheKey]*list.Element
}

func newQueryCache(capacity int) *queryCache {
	return &queryCache{capacity: capacity, items: make(map[cacheKey]*list.Element)}
}

// get returns a copy of the cached vector for k.
func (c *queryCache) get(k cacheKey) ([]float32, bool) {
	if c.capacity <= 0 {
		return nil, false
	}
	c.mu.Lock()
	el, ok := c.items[k]
	var vec []float32
	if ok {
		c.order.MoveToFront(el)
		vec = append([]float32(nil), el.Value.(*cacheItem).vec...)
	}
	c.mu.Unlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return vec, ok
}

// put stores a copy of vec under k, evicting the least recently used entry when full.
func (c *queryCache) put(k cacheKey, vec []float32) {
	if c.capacity <= 0 {
		return
	}
	cp := append([]float32(nil), vec...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		el.Value.(*cacheItem).vec = cp
		c.order.MoveToFront(el)
		return
	}
	c.items[k] = c.order.PushFront(&cacheItem{key: k, vec: cp})
	for c.order.Len() > c.capacity {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheItem).key)
	}
}

func (c *queryCache) stats() CacheStats {
	c.mu.Lock()
	n := c.order.Len()
	c.mu.Unlock()
	return CacheStats{Entries: n, Capacity: max(c.capacity, 0), Hits: c.hits.Load(), Misses: c.misses.Load()}
}
