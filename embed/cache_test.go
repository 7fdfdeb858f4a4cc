package embed

import (
	"fmt"
	"sync"
	"testing"
)

func TestQueryCacheLRU(t *testing.T) {
	c := newQueryCache(2)
	k := func(s string) cacheKey { return cacheKey{pack: "p", text: s} }
	c.put(k("a"), []float32{1}, 0)
	c.put(k("b"), []float32{2}, 0)
	if _, _, ok := c.get(k("a")); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put(k("c"), []float32{3}, 0) // evicts b
	if _, _, ok := c.get(k("b")); ok {
		t.Fatal("b should have been evicted")
	}
	for _, s := range []string{"a", "c"} {
		if _, _, ok := c.get(k(s)); !ok {
			t.Fatalf("%s missing", s)
		}
	}
	if _, _, ok := c.get(cacheKey{pack: "p", text: "a", instruction: "x"}); ok {
		t.Fatal("a different instruction must miss")
	}
	st := c.stats()
	if st.Entries != 2 || st.Hits != 3 || st.Misses != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestQueryCacheDisabled(t *testing.T) {
	c := newQueryCache(0)
	c.put(cacheKey{text: "a"}, []float32{1}, 0)
	if _, _, ok := c.get(cacheKey{text: "a"}); ok {
		t.Fatal("a disabled cache must not hit")
	}
}

func TestQueryCacheConcurrent(t *testing.T) {
	c := newQueryCache(16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := cacheKey{text: fmt.Sprint((g + i) % 40)}
				if v, _, ok := c.get(key); ok && len(v) != 1 {
					t.Errorf("bad vector %v", v)
				}
				c.put(key, []float32{float32(i)}, 0)
			}
		}()
	}
	wg.Wait()
	if st := c.stats(); st.Entries != 16 || st.Hits+st.Misses != 1600 {
		t.Fatalf("stats %+v", st)
	}
}
