package embed

import (
	"strings"
	"testing"
)

// TestQueryCacheBoundedByBytes fills the cache with long instructions: the entry
// count stays under its capacity but the bytes held never exceed the byte bound.
func TestQueryCacheBoundedByBytes(t *testing.T) {
	c := newQueryCache(1000)
	c.maxBytes = 1 << 20
	long := strings.Repeat("x", 100<<10) // 100 KiB instruction per entry
	for i := 0; i < 100; i++ {
		c.put(cacheKey{instruction: long, text: string(rune('a'+i%26)) + strings.Repeat("q", i)}, []float32{1, 2, 3}, 0)
		if st := c.stats(); st.Bytes > st.MaxBytes {
			t.Fatalf("after %d puts the cache holds %d bytes, above its bound %d", i+1, st.Bytes, st.MaxBytes)
		}
	}
	st := c.stats()
	if st.Entries >= 100 || st.Entries == 0 {
		t.Fatalf("%d entries: the byte bound did not evict (or evicted everything)", st.Entries)
	}
	// The most recent entry is kept; an entry larger than an eighth of the bound is not cached.
	if _, _, ok := c.get(cacheKey{instruction: long, text: string(rune('a'+99%26)) + strings.Repeat("q", 99)}); !ok {
		t.Error("the most recent entry was evicted")
	}
	huge := cacheKey{text: strings.Repeat("h", 200<<10)}
	c.put(huge, []float32{1}, 0)
	if _, _, ok := c.get(huge); ok {
		t.Error("an entry above an eighth of the bound was cached")
	}
}
