// Package lru is a map that keeps its most recently used entries within two bounds: a
// number of entries and a total size (each entry's size given by the caller). It is not
// safe for concurrent use: the caches built on it guard more state than the map under
// their own lock.
package lru

import "container/list"

// Cache is the bounded map. The zero value is not usable; call New.
type Cache[V any] struct {
	maxEntries, maxSize int
	size                func(key string, v V) int
	ll                  *list.List // front = most recently used
	items               map[string]*list.Element
	total               int
}

type entry[V any] struct {
	key  string
	v    V
	size int
}

// New returns a cache of at most maxEntries entries whose sizes add up to at most
// maxSize.
func New[V any](maxEntries, maxSize int, size func(key string, v V) int) *Cache[V] {
	return &Cache[V]{maxEntries: maxEntries, maxSize: maxSize, size: size, ll: list.New(), items: map[string]*list.Element{}}
}

// Get returns key's value and marks it most recently used.
func (c *Cache[V]) Get(key string) (V, bool) {
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*entry[V]).v, true
}

// Peek returns key's value without marking it used.
func (c *Cache[V]) Peek(key string) (V, bool) {
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	return el.Value.(*entry[V]).v, true
}

// Add stores v under key as the most recently used entry, replacing any previous value,
// then drops least recently used entries until both bounds hold. A value larger than the
// whole size bound is not stored and leaves the cache as it was; Add reports whether it
// stored v.
func (c *Cache[V]) Add(key string, v V) bool {
	size := c.size(key, v)
	if size > c.maxSize {
		return false
	}
	c.Remove(key)
	c.items[key] = c.ll.PushFront(&entry[V]{key: key, v: v, size: size})
	c.total += size
	for c.total > c.maxSize || c.ll.Len() > c.maxEntries {
		c.removeElement(c.ll.Back())
	}
	return true
}

// Remove drops key's entry, if any.
func (c *Cache[V]) Remove(key string) {
	if el, ok := c.items[key]; ok {
		c.removeElement(el)
	}
}

// RemoveIf drops every entry for which drop returns true.
func (c *Cache[V]) RemoveIf(drop func(key string, v V) bool) {
	for el := c.ll.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*entry[V]); drop(e.key, e.v) {
			c.removeElement(el)
		}
		el = next
	}
}

// Len is the number of entries.
func (c *Cache[V]) Len() int { return c.ll.Len() }

// Size is the total size of the entries.
func (c *Cache[V]) Size() int { return c.total }

func (c *Cache[V]) removeElement(el *list.Element) {
	e := el.Value.(*entry[V])
	c.ll.Remove(el)
	delete(c.items, e.key)
	c.total -= e.size
}
