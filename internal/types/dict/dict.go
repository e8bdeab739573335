// Package dict is the hash table under big hashes, sets and sorted sets: an extendible hash
// table whose Clone copies only its directory and whose writes after a Clone copy only the
// shard they touch, so that a snapshot can read the old table outside the server lock while
// the live copy keeps changing, and no operation ever rehashes the whole table.
package dict

import (
	"hash/maphash"
	"iter"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"unsafe"
)

const (
	// maxSlots is the size a shard's arrays reach before it splits: it bounds the work of any
	// single copy, split or rebuild, so no write stalls for long whatever the table's size.
	maxSlots = 1024
	// minSlots keeps a one-entry table at a few hundred bytes.
	minSlots = 2
	// mergeAt is the combined size at which two buddy shards merge: well below the size of a
	// split half, so a table hovering around one size does not split and merge in turn.
	mergeAt = maxSlots / 8
	// maxDepth caps the hash bits the directory uses. Keys of one shard share a prefix this
	// long only if their seeded hashes collide, which no input can arrange; a shard at the
	// cap grows past maxSlots instead of splitting.
	maxDepth = 48
)

// limit is the number of entries a shard of the given size holds before it grows or splits:
// 7/8, where a linear probe stays short (a slot's hash is checked before its key is
// touched), and never all, so that every probe ends at an empty slot.
func limit(slots int) int { return slots - max(slots/8, 1) }

// sizeFor is the smallest shard size that holds n entries.
func sizeFor(n int) int {
	size := minSlots
	for limit(size) < n {
		size *= 2
	}
	return size
}

// seed is random per process: clients cannot choose keys that land in one shard.
var seed = maphash.MakeSeed()

// lastID numbers tables: a shard belongs to the table whose id it records.
var lastID atomic.Uint64

// nonzero maps the one hash value that marks an empty slot to another.
func nonzero(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

func hashString(s string) uint64 { return nonzero(maphash.String(seed, s)) }

func hashBytes(b []byte) uint64 { return nonzero(maphash.Bytes(seed, b)) }

// Table maps string keys to values of type V. The zero value is not usable; call New.
//
// The directory has 1<<depth slots indexed by the top depth bits of a key's hash; each slot
// points at the shard holding that range of hashes, and a shard of local depth d fills the
// 1<<(depth-d) consecutive slots of its range. A shard is written in place only by the table
// whose id it records: Clone gives both tables new ids, so every shard becomes read-only for
// both and is copied by whichever writes to it first. Nothing is written to shared memory,
// which is what lets a snapshot read one table without the lock while the other is written
// under it.
type Table[V any] struct {
	id    uint64
	depth uint8
	dir   []*shard[V]
	// shards lists each shard once (shard.pos is its index), so Random can pick a shard
	// uniformly rather than in proportion to its directory slots.
	shards []*shard[V]
	// full counts the shards of depth == t.depth: the directory halves when none remain.
	full int
	n    int
	// sizes counts the shards of each size (by log2), and most is the largest size present,
	// for Random's rejection sampling: a table that shrank has smaller shards, and trying
	// slots past their end would only waste draws. sizes is nil until the first split, so
	// that the many one-shard tables do not carry it.
	sizes *[32]int32
	most  int
	// alloc is the bytes of all shards, kept current so that MemoryUsage, which eviction
	// calls on sampled keys, is O(1).
	alloc int64
}

type entry[V any] struct {
	val V // first: a zero-size V at the end of a struct would be padded
	key string
}

// shard is an open-addressing table probed linearly from the low bits of the hash. hashes[p]
// is the full hash of the key in slots[p], 0 when the slot is empty: a probe compares hashes
// before it touches a key, and a split, a resize or a deletion's backward shift never
// rehashes a key. The two arrays are indexed alike, so a lookup loads from both at once.
type shard[V any] struct {
	owner  uint64
	lo     uint64 // first hash of the range: the top depth bits, then zeros
	depth  uint8
	pos    int // index in the table's shards
	n      int
	hashes []uint64
	slots  []entry[V]
}

// New returns an empty table sized for capacity entries up to one shard; larger tables grow
// by splitting shards, which never costs more than one shard's work.
func New[V any](capacity int) *Table[V] {
	t := &Table[V]{id: lastID.Add(1)}
	s := t.newShard(0, 0, 0, sizeFor(min(capacity, limit(maxSlots))))
	t.dir = []*shard[V]{s}
	t.shards = []*shard[V]{s}
	t.full = 1
	return t
}

func (t *Table[V]) newShard(depth uint8, lo uint64, pos, size int) *shard[V] {
	s := &shard[V]{owner: t.id, lo: lo, depth: depth, pos: pos,
		hashes: make([]uint64, size), slots: make([]entry[V], size)}
	t.count(s, 1)
	return s
}

// count adds s to t's totals (sign 1) or takes it out (sign -1).
func (t *Table[V]) count(s *shard[V], sign int) {
	size := len(s.slots)
	t.alloc += int64(sign) * (int64(unsafe.Sizeof(*s)) + int64(size)*int64(8+unsafe.Sizeof(entry[V]{})))
	if t.sizes == nil {
		t.most = size
		return
	}
	t.sizes[bits.Len(uint(size))-1] += int32(sign)
	if size > t.most {
		t.most = size
	}
	for t.most > 0 && t.sizes[bits.Len(uint(t.most))-1] == 0 {
		t.most /= 2
	}
}

// Len is the number of entries.
func (t *Table[V]) Len() int { return t.n }

func (t *Table[V]) shardOf(h uint64) *shard[V] { return t.dir[h>>(64-t.depth)] }

// find returns the slot of key, whose hash is h, or -1.
func find[V any, K string | []byte](s *shard[V], h uint64, key K) int {
	mask := uint64(len(s.hashes) - 1)
	for p := h & mask; ; p = (p + 1) & mask {
		if x := s.hashes[p]; x == h {
			if s.slots[p].key == string(key) {
				return int(p)
			}
		} else if x == 0 {
			return -1
		}
	}
}

// put stores an entry whose key is absent.
func (s *shard[V]) put(h uint64, e entry[V]) int {
	mask := uint64(len(s.hashes) - 1)
	p := h & mask
	for s.hashes[p] != 0 {
		p = (p + 1) & mask
	}
	s.hashes[p] = h
	s.slots[p] = e
	s.n++
	return int(p)
}

// removeAt empties slot p and shifts later members of its probe run back, so that lookups
// never meet tombstones.
func (s *shard[V]) removeAt(p uint64) {
	mask := uint64(len(s.hashes) - 1)
	s.n--
	for {
		s.hashes[p] = 0
		s.slots[p] = entry[V]{} // let the strings go
		q := p
		for {
			q = (q + 1) & mask
			x := s.hashes[q]
			if x == 0 {
				return
			}
			// The entry at q may fill the hole unless its home lies cyclically in (p, q].
			if home := x & mask; (q-home)&mask >= (q-p)&mask {
				s.hashes[p] = x
				s.slots[p] = s.slots[q]
				p = q
				break
			}
		}
	}
}

// Get returns the value of key.
func (t *Table[V]) Get(key string) (V, bool) {
	h := hashString(key)
	return get(t.shardOf(h), h, key)
}

// GetBytes is Get for a key in a byte slice; it does not allocate.
func (t *Table[V]) GetBytes(key []byte) (V, bool) {
	h := hashBytes(key)
	return get(t.shardOf(h), h, key)
}

func get[V any, K string | []byte](s *shard[V], h uint64, key K) (V, bool) {
	if p := find(s, h, key); p >= 0 {
		return s.slots[p].val, true
	}
	var zero V
	return zero, false
}

// Set stores v at key and reports whether key is new.
func (t *Table[V]) Set(key string, v V) (created bool) {
	p, created := upsert(t, hashString(key), key)
	*p = v
	return created
}

// Upsert returns a pointer to key's value for reading and writing, adding key with the zero
// value if it is absent (only then is key copied into a string). The pointer is valid until
// the table next changes.
func (t *Table[V]) Upsert(key []byte) (p *V, created bool) {
	return upsert(t, hashBytes(key), key)
}

func upsert[V any, K string | []byte](t *Table[V], h uint64, key K) (*V, bool) {
	s := t.shardOf(h)
	if p := find(s, h, key); p >= 0 {
		s = t.writable(s)
		return &s.slots[p].val, false
	}
	s = t.room(h)
	p := s.put(h, entry[V]{key: string(key)})
	t.n++
	return &s.slots[p].val, true
}

// Delete removes key and returns its value.
func (t *Table[V]) Delete(key string) (V, bool) { return remove(t, hashString(key), key) }

// DeleteBytes is Delete for a key in a byte slice.
func (t *Table[V]) DeleteBytes(key []byte) (V, bool) { return remove(t, hashBytes(key), key) }

func remove[V any, K string | []byte](t *Table[V], h uint64, key K) (V, bool) {
	s := t.shardOf(h)
	p := find(s, h, key)
	if p < 0 {
		var zero V
		return zero, false
	}
	s = t.writable(s)
	v := s.slots[p].val
	s.removeAt(uint64(p))
	t.n--
	t.shrink(s)
	return v, true
}

// writable returns s if t owns it, otherwise a copy that t owns and points at instead.
func (t *Table[V]) writable(s *shard[V]) *shard[V] {
	if s.owner == t.id {
		return s
	}
	c := &shard[V]{owner: t.id, lo: s.lo, depth: s.depth, pos: s.pos, n: s.n,
		hashes: slices.Clone(s.hashes), slots: slices.Clone(s.slots)}
	t.place(c)
	return c
}

// place points s's directory range and its place in the shard list at s.
func (t *Table[V]) place(s *shard[V]) {
	first := s.lo >> (64 - t.depth)
	slots := t.dir[first : first+1<<(t.depth-s.depth)]
	for i := range slots {
		slots[i] = s
	}
	t.shards[s.pos] = s
}

// room returns the writable shard that will take a new key of hash h, splitting or growing it
// first when it is full.
func (t *Table[V]) room(h uint64) *shard[V] {
	for {
		s := t.shardOf(h)
		switch {
		case s.n < limit(len(s.slots)):
			return t.writable(s)
		case len(s.slots) < maxSlots || s.depth == maxDepth:
			s = t.writable(s)
			t.resize(s, 2*len(s.slots))
			return s
		default:
			t.split(s)
		}
	}
}

// resize moves the entries of s (which t owns) to arrays of the given size.
func (t *Table[V]) resize(s *shard[V], size int) {
	t.count(s, -1)
	hashes, slots := s.hashes, s.slots
	s.hashes, s.slots, s.n = make([]uint64, size), make([]entry[V], size), 0
	for p, h := range hashes {
		if h != 0 {
			s.put(h, slots[p])
		}
	}
	t.count(s, 1)
}

// split replaces s by two shards of one more hash bit, doubling the directory if s already
// uses all of its bits. It reads s without writing it, so s may be shared.
func (t *Table[V]) split(s *shard[V]) {
	if t.sizes == nil {
		t.sizes = new([32]int32)
		t.sizes[bits.Len(uint(len(s.slots)))-1] = 1
	}
	if s.depth == t.depth {
		t.double()
	}
	d := s.depth + 1
	bit := uint64(1) << (64 - d)
	a := t.newShard(d, s.lo, s.pos, maxSlots)
	b := t.newShard(d, s.lo|bit, len(t.shards), maxSlots)
	for p, h := range s.hashes {
		if h&bit != 0 {
			b.put(h, s.slots[p])
		} else if h != 0 {
			a.put(h, s.slots[p])
		}
	}
	t.count(s, -1)
	t.shards = append(t.shards, b)
	t.place(a)
	t.place(b)
	if d == t.depth {
		t.full += 2
	}
}

// double gives the directory one more hash bit; every shard keeps its range.
func (t *Table[V]) double() {
	dir := make([]*shard[V], 2*len(t.dir))
	for i, s := range t.dir {
		dir[2*i], dir[2*i+1] = s, s
	}
	t.dir = dir
	t.depth++
	t.full = 0
}

// shrink merges s (which t owns and which just lost an entry) with its buddy while the two
// are small, and gives back space it no longer needs. Each merge moves at most mergeAt
// entries but rewrites the merged range of the directory; when the directory then has a bit
// no shard uses, it halves, in time proportional to its size, which a table reaches only
// after shedding most of its entries.
func (t *Table[V]) shrink(s *shard[V]) {
	for s.depth > 0 && s.n <= mergeAt {
		b := t.shardOf(s.lo ^ 1<<(64-s.depth))
		if b.depth != s.depth || s.n+b.n > mergeAt {
			break
		}
		s = t.merge(s, b)
	}
	if size := len(s.slots); size > minSlots && s.n*8 < size {
		t.resize(s, sizeFor(2*s.n))
	}
}

// merge replaces buddies s (owned by t) and b with one shard of one less hash bit.
func (t *Table[V]) merge(s, b *shard[V]) *shard[V] {
	// Twice the room needed, so that the next inserts do not resize it at once.
	m := t.newShard(s.depth-1, s.lo&^(1<<(64-s.depth)), s.pos, sizeFor(2*(s.n+b.n)))
	for _, from := range []*shard[V]{s, b} {
		for p, h := range from.hashes {
			if h != 0 {
				m.put(h, from.slots[p])
			}
		}
	}
	t.count(s, -1)
	t.count(b, -1)
	if s.depth == t.depth {
		t.full -= 2
	}
	t.place(m)
	t.unlist(b)
	if t.full == 0 {
		t.halve()
	}
	return m
}

// unlist removes b from the shard list, moving the last shard into its place; that shard's
// position changes, so t must own it.
func (t *Table[V]) unlist(b *shard[V]) {
	n := len(t.shards) - 1
	if last := t.shards[n]; last != b {
		last = t.writable(last)
		last.pos = b.pos
		t.shards[b.pos] = last
	}
	t.shards[n] = nil
	t.shards = t.shards[:n]
}

// halve drops directory bits that no shard uses.
func (t *Table[V]) halve() {
	for t.full == 0 {
		dir := make([]*shard[V], len(t.dir)/2)
		t.depth--
		for i := range dir {
			dir[i] = t.dir[2*i]
			if dir[i].depth == t.depth {
				t.full++
			}
		}
		t.dir = dir
	}
}

// Clone returns a table with the same entries, in time proportional to the directory. Both
// tables take new ids, so neither writes a shard the other can see.
func (t *Table[V]) Clone() *Table[V] {
	c := *t
	c.id = lastID.Add(1)
	c.dir = slices.Clone(t.dir)
	c.shards = slices.Clone(t.shards)
	if t.sizes != nil {
		sizes := *t.sizes
		c.sizes = &sizes
	}
	t.id = lastID.Add(1)
	return &c
}

// All yields the entries in hash order. The table must not change during the iteration.
func (t *Table[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for i := 0; i < len(t.dir); {
			s := t.dir[i]
			for p, h := range s.hashes {
				if h != 0 && !yield(s.slots[p].key, s.slots[p].val) {
					return
				}
			}
			i += 1 << (t.depth - s.depth)
		}
	}
}

// Random returns a uniformly chosen entry; the table must not be empty. A uniform shard,
// then a uniform slot below t.most, retried when past the shard's end or empty: every entry
// has the same chance per try.
func (t *Table[V]) Random() (string, V) {
	if t.n == 0 {
		panic("dict: Random of an empty table")
	}
	for {
		s := t.shards[rand.IntN(len(t.shards))]
		if p := rand.IntN(t.most); p < len(s.hashes) && s.hashes[p] != 0 {
			return s.slots[p].key, s.slots[p].val
		}
	}
}

// Sample calls fn with min(k, Len) distinct entries chosen uniformly, in random order. The
// table must not change during the calls. When k is a large part of the table it selects in
// one pass over all entries; otherwise it draws at random and skips repeats. Memory is O(k).
func (t *Table[V]) Sample(k int, fn func(string, V)) {
	k = min(k, t.n)
	if k*3 > t.n {
		picked := make([]entry[V], 0, k)
		left := t.n
		for key, v := range t.All() {
			if rand.IntN(left) < k-len(picked) {
				picked = append(picked, entry[V]{val: v, key: key})
				if len(picked) == k {
					break
				}
			}
			left--
		}
		rand.Shuffle(len(picked), func(a, b int) { picked[a], picked[b] = picked[b], picked[a] })
		for _, e := range picked {
			fn(e.key, e.val)
		}
		return
	}
	seen := make(map[string]struct{}, k)
	for len(seen) < k {
		key, v := t.Random()
		if _, dup := seen[key]; !dup {
			seen[key] = struct{}{}
			fn(key, v)
		}
	}
}

// Scan calls fn with the entries of one SCAN step from cursor and returns the next cursor, 0
// when the walk is complete. The cursor is a position in hash space with its bits reversed,
// so that it stays small (as Redis's do) and 0 both starts and ends the walk. A step visits
// ranges of hashes in order from there, each a power of two aligned on its size, inside one
// shard and sized to hold about count of its entries, until it has returned count entries
// (or passed 10*count ranges, so that a sparse table does not make one step long). Splits and
// merges change shards, not positions, so every entry present for the whole walk is returned
// exactly once. The table must not change during the calls.
func (t *Table[V]) Scan(cursor uint64, count int, fn func(string, V)) uint64 {
	h := bits.Reverse64(cursor)
	count = max(count, 1)
	for visited, returned := 0, 0; visited/10 < count && returned < count; visited++ {
		s := t.shardOf(h)
		// log2 of the range's size: a 2^-j part of the shard's, j chosen so that the part
		// holds count entries or fewer on average, and no larger than h's alignment.
		j := bits.Len(uint((max(s.n, 1) - 1) / count))
		size := max(0, min(64-int(s.depth)-j, bits.TrailingZeros64(h)))
		for p, x := range s.hashes {
			if x != 0 && x >= h && (x-h)>>size == 0 {
				fn(s.slots[p].key, s.slots[p].val)
				returned++
			}
		}
		if h += 1 << size; h == 0 {
			return 0
		}
	}
	return bits.Reverse64(h)
}

// MemoryUsage estimates the bytes of the table's own structures, not counting the memory
// that its keys and values point to.
func (t *Table[V]) MemoryUsage() int64 {
	return int64(unsafe.Sizeof(*t)) + t.alloc + int64(len(t.dir)+len(t.shards))*8
}
