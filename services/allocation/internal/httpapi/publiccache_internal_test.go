package httpapi

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestPublicCacheBoundedLRU(t *testing.T) {
	c := newPublicCache(nil, PublicCacheConfig{MaxBytes: 8000, MaxEntries: 4})
	put := func(k string, n int) {
		if a, f := c.get(k); a != nil || f != nil {
			t.Fatalf("%s: unexpected hit or flight", k)
		}
		c.finish(k, &cachedAnswer{key: k, body: []byte(strings.Repeat("x", n)), etag: `"e"`})
	}
	for i := range 4 {
		put(fmt.Sprintf("key-%03d", i), 10)
	}
	if a, _ := c.get("key-000"); a == nil { // key-000 is now the most recently used
		t.Fatal("key-000 evicted early")
	}
	put("key-004", 10)
	if a, f := c.get("key-001"); a != nil || f != nil {
		t.Error("least recently used key-001 not evicted by the entry bound")
	} else {
		c.finish("key-001", nil)
	}
	if a, _ := c.get("key-000"); a == nil {
		t.Error("recently used key-000 evicted")
	}
	if n, _ := c.stats(); n != 4 {
		t.Errorf("%d entries, bound 4", n)
	}
	// The byte bound: big bodies push out the rest; one larger than the bound is not kept.
	put("big-1", 5000)
	put("big-2", 5000)
	if n, b := c.stats(); b > c.maxBytes || n > 2 {
		t.Errorf("%d entries, %d bytes, bound %d", n, b, c.maxBytes)
	}
	put("huge", 20000)
	if a, f := c.get("huge"); a != nil {
		t.Error("an answer larger than the whole cache was kept")
	} else if f == nil {
		c.finish("huge", nil)
	}
	// Concurrent use keeps the bounds.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprintf("g%d-%d", g, i%20)
				if a, f := c.get(k); a == nil && f == nil {
					c.finish(k, &cachedAnswer{key: k, body: make([]byte, 100+i)})
				} else if f != nil {
					<-f.done
				}
			}
		}()
	}
	wg.Wait()
	if n, b := c.stats(); b > c.maxBytes || n > 4 {
		t.Errorf("after concurrent use: %d entries, %d bytes", n, b)
	}
}
