package keyspace

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
)

// dict is a chained hash table with power-of-two sizes and incremental rehashing, shaped like
// Redis's dict so that SCAN can use the same reverse-binary cursor (a key present for the whole
// scan is returned at least once, even across resizes) and random sampling (RANDOMKEY, active
// expiry, eviction) is O(1) expected. A Go map offers neither. The seed is random per process,
// so clients cannot craft colliding keys (hash flooding).
type dict[V any] struct {
	seed     maphash.Seed
	tables   [2][]*node[V]
	used     [2]int
	rehashAt int // next bucket of tables[0] to move; -1 when not rehashing
}

type node[V any] struct {
	key  string
	hash uint64
	next *node[V]
	val  V
}

func newDict[V any]() *dict[V] {
	return &dict[V]{seed: maphash.MakeSeed(), rehashAt: -1}
}

func (d *dict[V]) hash(key string) uint64 { return maphash.String(d.seed, key) }

func (d *dict[V]) Len() int { return d.used[0] + d.used[1] }

func (d *dict[V]) rehashing() bool { return d.rehashAt >= 0 }

// rehashStep moves up to n non-empty buckets (visiting at most 10n empty ones) to the new table.
func (d *dict[V]) rehashStep(n int) {
	empty := n * 10
	for n > 0 && d.rehashing() {
		t0 := d.tables[0]
		for d.rehashAt < len(t0) && t0[d.rehashAt] == nil {
			d.rehashAt++
			if empty--; empty == 0 {
				return
			}
		}
		if d.rehashAt >= len(t0) {
			d.tables[0], d.used[0] = d.tables[1], d.used[1]
			d.tables[1], d.used[1] = nil, 0
			d.rehashAt = -1
			return
		}
		mask := uint64(len(d.tables[1]) - 1)
		for e := t0[d.rehashAt]; e != nil; {
			next := e.next
			i := e.hash & mask
			e.next = d.tables[1][i]
			d.tables[1][i] = e
			d.used[0]--
			d.used[1]++
			e = next
		}
		t0[d.rehashAt] = nil
		d.rehashAt++
		n--
	}
}

func (d *dict[V]) resize(size int) {
	if size < 4 {
		size = 4
	}
	size = 1 << bits.Len(uint(size-1))
	if d.rehashing() || size == len(d.tables[0]) {
		return
	}
	if d.tables[0] == nil {
		d.tables[0] = make([]*node[V], size)
		return
	}
	d.tables[1] = make([]*node[V], size)
	d.rehashAt = 0
}

func (d *dict[V]) find(key string, h uint64) *node[V] {
	for t := 0; t < 2; t++ {
		tab := d.tables[t]
		if len(tab) == 0 {
			continue
		}
		for e := tab[h&uint64(len(tab)-1)]; e != nil; e = e.next {
			if e.hash == h && e.key == key {
				return e
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// Get returns a pointer to the stored value, valid until the key is deleted.
func (d *dict[V]) Get(key string) *V {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashing() {
		d.rehashStep(1)
	}
	if e := d.find(key, d.hash(key)); e != nil {
		return &e.val
	}
	return nil
}

// Put returns the slot for key, creating a zero value if absent; created reports which.
func (d *dict[V]) Put(key string) (v *V, created bool) {
	if d.rehashing() {
		d.rehashStep(1)
	} else if d.Len() >= len(d.tables[0]) {
		d.resize(d.Len()*2 + 1)
	}
	h := d.hash(key)
	if e := d.find(key, h); e != nil {
		return &e.val, false
	}
	t := 0
	if d.rehashing() {
		t = 1
	}
	tab := d.tables[t]
	i := h & uint64(len(tab)-1)
	e := &node[V]{key: key, hash: h, next: tab[i]}
	tab[i] = e
	d.used[t]++
	return &e.val, true
}

// Delete removes key and reports whether it was present.
func (d *dict[V]) Delete(key string) bool {
	if d.Len() == 0 {
		return false
	}
	if d.rehashing() {
		d.rehashStep(1)
	}
	h := d.hash(key)
	for t := 0; t < 2; t++ {
		tab := d.tables[t]
		if len(tab) == 0 {
			continue
		}
		i := h & uint64(len(tab)-1)
		var prev *node[V]
		for e := tab[i]; e != nil; prev, e = e, e.next {
			if e.hash == h && e.key == key {
				if prev == nil {
					tab[i] = e.next
				} else {
					prev.next = e.next
				}
				d.used[t]--
				d.maybeShrink()
				return true
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return false
}

// maybeShrink halves memory when the table is less than 1/8 full, as Redis's htNeedsResize.
func (d *dict[V]) maybeShrink() {
	if !d.rehashing() && len(d.tables[0]) > 4 && d.Len()*8 < len(d.tables[0]) {
		d.resize(d.Len() * 2)
	}
}

// maintain does the background work Redis's serverCron does for a dict: it shrinks a table
// left sparse by deletes and advances an incremental rehash by up to steps buckets.
func (d *dict[V]) maintain(steps int) {
	if !d.rehashing() {
		d.maybeShrink()
	}
	if d.rehashing() {
		d.rehashStep(steps)
	}
}

// Random returns a random entry, or nil if empty. Like Redis it picks a random non-empty
// bucket and then a random element of its chain, which is close to uniform at normal loads.
func (d *dict[V]) Random() (string, *V) {
	if d.Len() == 0 {
		return "", nil
	}
	if d.rehashing() {
		d.rehashStep(1)
	}
	var head *node[V]
	for head == nil {
		if d.rehashing() {
			s0, s1 := len(d.tables[0]), len(d.tables[1])
			i := d.rehashAt + rand.IntN(s0+s1-d.rehashAt)
			if i >= s0 {
				head = d.tables[1][i-s0]
			} else {
				head = d.tables[0][i]
			}
		} else {
			head = d.tables[0][rand.IntN(len(d.tables[0]))]
		}
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	e := head
	for k := rand.IntN(n); k > 0; k-- {
		e = e.next
	}
	return e.key, &e.val
}

// Scan visits the buckets addressed by cursor and returns the next cursor (0 when complete).
// fn must not modify the dict: callers collect keys and act after Scan returns.
// The reverse-binary increment makes the walk robust to the table growing or shrinking
// between calls (Pieter Noordhuis's algorithm, as in Redis's dictScan).
func (d *dict[V]) Scan(cursor uint64, fn func(key string, v *V)) uint64 {
	if d.Len() == 0 {
		return 0
	}
	visit := func(tab []*node[V], i uint64) {
		for e := tab[i]; e != nil; e = e.next {
			fn(e.key, &e.val)
		}
	}
	if !d.rehashing() {
		t0 := d.tables[0]
		m0 := uint64(len(t0) - 1)
		visit(t0, cursor&m0)
		cursor |= ^m0
		cursor = bits.Reverse64(cursor)
		cursor++
		return bits.Reverse64(cursor)
	}
	small, large := d.tables[0], d.tables[1]
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	visit(small, cursor&m0)
	for {
		visit(large, cursor&m1)
		cursor |= ^m1
		cursor = bits.Reverse64(cursor)
		cursor++
		cursor = bits.Reverse64(cursor)
		if cursor&(m0^m1) == 0 {
			break
		}
	}
	return cursor
}

// Each calls fn for every entry until fn returns false. fn must not modify the dict.
func (d *dict[V]) Each(fn func(key string, v *V) bool) {
	for t := 0; t < 2; t++ {
		for _, e := range d.tables[t] {
			for ; e != nil; e = e.next {
				if !fn(e.key, &e.val) {
					return
				}
			}
		}
	}
}

// Clear empties the dict.
func (d *dict[V]) Clear() {
	d.tables = [2][]*node[V]{}
	d.used = [2]int{}
	d.rehashAt = -1
}
