package lru_test

import (
	"testing"

	"github.com/planta-dev/planta/libs/lru"
)

func byLen(_ string, v string) int { return len(v) }

func TestEvictsLeastRecentlyUsedWithinBothBounds(t *testing.T) {
	c := lru.New(3, 10, byLen)
	c.Add("a", "xx")
	c.Add("b", "xx")
	c.Add("c", "xx")
	c.Get("a") // b is now the least recently used
	c.Add("d", "xx")
	if _, ok := c.Peek("b"); ok || c.Len() != 3 {
		t.Fatalf("entry bound: b kept=%v, len %d", ok, c.Len())
	}
	c.Add("e", "xxxxxxxx") // 8+2+2+2 > 10: the two least recently used go (c, then a)
	for key, want := range map[string]bool{"a": false, "c": false, "d": true, "e": true} {
		if _, ok := c.Peek(key); ok != want {
			t.Errorf("%s present = %v, want %v", key, ok, want)
		}
	}
	if c.Size() != 10 || c.Len() != 2 {
		t.Errorf("size %d len %d, want 10 and 2", c.Size(), c.Len())
	}
}

func TestPeekDoesNotRefresh(t *testing.T) {
	c := lru.New(2, 100, byLen)
	c.Add("a", "1")
	c.Add("b", "2")
	c.Peek("a")
	c.Add("c", "3")
	if _, ok := c.Peek("a"); ok {
		t.Fatal("Peek marked a as used")
	}
}

func TestAddReplacesAndRefusesOversized(t *testing.T) {
	c := lru.New(10, 5, byLen)
	c.Add("a", "123")
	c.Add("a", "1")
	if v, _ := c.Get("a"); v != "1" || c.Size() != 1 || c.Len() != 1 {
		t.Fatalf("replace: %q size %d len %d", v, c.Size(), c.Len())
	}
	if c.Add("a", "123456") {
		t.Fatal("stored a value larger than the size bound")
	}
	if v, _ := c.Get("a"); v != "1" {
		t.Fatalf("an oversized Add changed the old value: %q", v)
	}
}

func TestRemoveAndRemoveIf(t *testing.T) {
	c := lru.New(10, 100, byLen)
	for _, k := range []string{"a", "bb", "ccc"} {
		c.Add(k, k)
	}
	c.Remove("a")
	c.Remove("missing")
	c.RemoveIf(func(key, _ string) bool { return len(key) == 3 })
	if c.Len() != 1 || c.Size() != 2 {
		t.Fatalf("len %d size %d, want 1 and 2", c.Len(), c.Size())
	}
	if _, ok := c.Get("bb"); !ok {
		t.Fatal("bb removed")
	}
}
