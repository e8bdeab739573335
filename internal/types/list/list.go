// Package list owns the list value: a quicklist-style deque of small chunks of elements.
package list

import "bytes"

const (
	// defaultFill is the most elements a node holds. Nodes keep index walks short
	// (O(n/defaultFill) node hops) while bounding the cost of edits inside one node.
	defaultFill = 128
	// firstCap is the slot count of a new list's only node: most lists stay small, so it
	// grows by doubling up to the fill instead of starting at full size.
	firstCap = 4
	// sliceHeader and nodeHeader estimate the bytes of an element slot and a node struct.
	sliceHeader = 24
	nodeHeader  = 64
)

// node holds a run of consecutive elements in buf[lo:hi]; the free slots on either side let
// pushes at both ends of the list proceed without moving the others.
type node struct {
	prev, next *node
	buf        [][]byte
	lo, hi     int
	// shared marks a buf that a clone may also reference (Clone shares buffers, so copying a
	// list costs O(nodes)); the first write to the node copies it (own).
	shared bool
}

// own makes nd's buffer private before it is written.
func (n *node) own() {
	if n.shared {
		nb := make([][]byte, len(n.buf))
		copy(nb[n.lo:n.hi], n.buf[n.lo:n.hi])
		n.buf, n.shared = nb, false
	}
}

func (n *node) count() int { return n.hi - n.lo }

// List is a sequence of byte strings with O(1) push and pop at both ends and O(n/fill)
// positioning for the index operations. Elements are stored as given and never written
// to, so callers may hand over buffers they no longer use, and clones share them.
// The zero value is not ready for use: call New.
type List struct {
	head, tail *node
	n          int
	bytes      int64 // total element bytes, for MemoryUsage
	fill       int   // most elements per node
}

// New returns an empty list.
func New() *List { return &List{fill: defaultFill} }

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// Encoding is what OBJECT ENCODING reports: Redis 7.0 keeps every list in a quicklist.
func (l *List) Encoding() string { return "quicklist" }

// MemoryUsage estimates the bytes the list occupies.
func (l *List) MemoryUsage() int64 {
	total := l.bytes
	for nd := l.head; nd != nil; nd = nd.next {
		total += nodeHeader + int64(len(nd.buf))*sliceHeader
	}
	return total
}

// Clone returns an independent copy (COPY, and a snapshot taking a list a write is about to
// change) in O(nodes): both lists share the node buffers until one of them writes to a node,
// which then copies that node alone. Element bytes are shared for good: they are immutable.
func (l *List) Clone() any {
	c := &List{fill: l.fill, n: l.n, bytes: l.bytes}
	for nd := l.head; nd != nil; nd = nd.next {
		nd.shared = true
		c.link(&node{buf: nd.buf, lo: nd.lo, hi: nd.hi, prev: c.tail, shared: true})
	}
	return c
}

// link appends nd (whose prev is already c.tail) as the last node.
func (l *List) link(nd *node) {
	if l.tail == nil {
		l.head = nd
	} else {
		l.tail.next = nd
	}
	l.tail = nd
}

func (l *List) unlink(nd *node) {
	if nd.prev == nil {
		l.head = nd.next
	} else {
		nd.prev.next = nd.next
	}
	if nd.next == nil {
		l.tail = nd.prev
	} else {
		nd.next.prev = nd.prev
	}
	nd.prev, nd.next, nd.buf = nil, nil, nil
}

// insertNodeAfter links a new node after at (at nil: as the new head).
func (l *List) insertNodeAfter(at, nd *node) {
	nd.prev = at
	if at == nil {
		nd.next = l.head
		l.head = nd
	} else {
		nd.next = at.next
		at.next = nd
	}
	if nd.next == nil {
		l.tail = nd
	} else {
		nd.next.prev = nd
	}
}

// newNodeCap is the slot count of a node created at an end of the list.
func (l *List) newNodeCap() int {
	if l.n == 0 {
		return min(firstCap, l.fill)
	}
	return l.fill
}

// roomFront makes a free slot before nd.lo, reporting false when nd is too full to be
// worth reshuffling and a new node should take the element instead.
func (l *List) roomFront(nd *node) bool {
	nd.own()
	if nd.lo > 0 {
		return true
	}
	c := nd.count()
	if c >= l.fill {
		return false
	}
	if len(nd.buf) < l.fill {
		nb := make([][]byte, min(l.fill, max(firstCap, 2*len(nd.buf))))
		copy(nb[len(nb)-c:], nd.buf[nd.lo:nd.hi])
		nd.buf, nd.lo, nd.hi = nb, len(nb)-c, len(nb)
		return true
	}
	// Moving at most half a node buys at least half a node of pushes, so shifting stays
	// amortized O(1) however pushes and pops alternate.
	if c > l.fill/2 {
		return false
	}
	free := len(nd.buf) - c
	copy(nd.buf[free:], nd.buf[:c])
	clear(nd.buf[:min(free, c)])
	nd.lo, nd.hi = free, len(nd.buf)
	return true
}

// roomBack is roomFront for a slot at nd.hi.
func (l *List) roomBack(nd *node) bool {
	nd.own()
	if nd.hi < len(nd.buf) {
		return true
	}
	c := nd.count()
	if c >= l.fill {
		return false
	}
	if len(nd.buf) < l.fill {
		nb := make([][]byte, min(l.fill, max(firstCap, 2*len(nd.buf))))
		copy(nb, nd.buf[nd.lo:nd.hi])
		nd.buf, nd.lo, nd.hi = nb, 0, c
		return true
	}
	if c > l.fill/2 {
		return false
	}
	copy(nd.buf, nd.buf[nd.lo:nd.hi])
	clear(nd.buf[max(c, nd.lo):nd.hi])
	nd.lo, nd.hi = 0, c
	return true
}

// PushFront inserts v before the first element.
func (l *List) PushFront(v []byte) {
	nd := l.head
	if nd == nil || !l.roomFront(nd) {
		c := l.newNodeCap()
		nd = &node{buf: make([][]byte, c), lo: c, hi: c}
		l.insertNodeAfter(nil, nd)
	}
	nd.lo--
	nd.buf[nd.lo] = v
	l.n++
	l.bytes += int64(len(v))
}

// PushBack appends v after the last element.
func (l *List) PushBack(v []byte) {
	nd := l.tail
	if nd == nil || !l.roomBack(nd) {
		nd = &node{buf: make([][]byte, l.newNodeCap())}
		l.insertNodeAfter(l.tail, nd)
	}
	nd.buf[nd.hi] = v
	nd.hi++
	l.n++
	l.bytes += int64(len(v))
}

// PopFront removes and returns the first element; ok is false when the list is empty.
func (l *List) PopFront() (v []byte, ok bool) {
	nd := l.head
	if nd == nil {
		return nil, false
	}
	nd.own()
	v = nd.buf[nd.lo]
	nd.buf[nd.lo] = nil
	nd.lo++
	l.removed(nd, v)
	return v, true
}

// PopBack removes and returns the last element; ok is false when the list is empty.
func (l *List) PopBack() (v []byte, ok bool) {
	nd := l.tail
	if nd == nil {
		return nil, false
	}
	nd.own()
	nd.hi--
	v = nd.buf[nd.hi]
	nd.buf[nd.hi] = nil
	l.removed(nd, v)
	return v, true
}

// removed accounts for v having been taken out of nd, dropping nd if it is now empty.
func (l *List) removed(nd *node, v []byte) {
	l.n--
	l.bytes -= int64(len(v))
	if nd.count() == 0 {
		l.unlink(nd)
	}
}

// locate finds the node and slot of element i (0 <= i < Len), walking from the nearer end.
func (l *List) locate(i int) (*node, int) {
	if i < l.n/2 {
		nd := l.head
		for i >= nd.count() {
			i -= nd.count()
			nd = nd.next
		}
		return nd, nd.lo + i
	}
	nd := l.tail
	back := l.n - 1 - i // elements after i
	for back >= nd.count() {
		back -= nd.count()
		nd = nd.prev
	}
	return nd, nd.hi - 1 - back
}

// Index returns element i; ok is false when i is outside [0, Len).
func (l *List) Index(i int) (v []byte, ok bool) {
	if i < 0 || i >= l.n {
		return nil, false
	}
	nd, s := l.locate(i)
	return nd.buf[s], true
}

// Set replaces element i, reporting false when i is outside [0, Len).
func (l *List) Set(i int, v []byte) bool {
	if i < 0 || i >= l.n {
		return false
	}
	nd, s := l.locate(i)
	nd.own()
	l.bytes += int64(len(v) - len(nd.buf[s]))
	nd.buf[s] = v
	return true
}

// Insert puts v at position i (0 <= i <= Len), shifting the elements from i on by one.
func (l *List) Insert(i int, v []byte) {
	switch {
	case i <= 0:
		l.PushFront(v)
		return
	case i >= l.n:
		l.PushBack(v)
		return
	}
	nd, s := l.locate(i)
	nd.own()
	off := s - nd.lo
	if nd.count() >= l.fill {
		half := nd.count() / 2
		right := &node{buf: make([][]byte, l.fill), hi: nd.count() - half}
		copy(right.buf, nd.buf[nd.lo+half:nd.hi])
		clear(nd.buf[nd.lo+half : nd.hi])
		nd.hi = nd.lo + half
		l.insertNodeAfter(nd, right)
		if off >= half {
			nd, off = right, off-half
		}
	}
	switch {
	case nd.hi < len(nd.buf):
		p := nd.lo + off
		copy(nd.buf[p+1:nd.hi+1], nd.buf[p:nd.hi])
		nd.buf[p] = v
		nd.hi++
	case nd.lo > 0:
		copy(nd.buf[nd.lo-1:], nd.buf[nd.lo:nd.lo+off])
		nd.lo--
		nd.buf[nd.lo+off] = v
	default: // the node is packed and below the fill, so its buffer can grow
		c := nd.count()
		nb := make([][]byte, min(l.fill, max(firstCap, 2*len(nd.buf))))
		copy(nb, nd.buf[nd.lo:nd.lo+off])
		nb[off] = v
		copy(nb[off+1:], nd.buf[nd.lo+off:nd.hi])
		nd.buf, nd.lo, nd.hi = nb, 0, c+1
	}
	l.n++
	l.bytes += int64(len(v))
}

// TrimFront removes the first k elements (all of them if k >= Len).
func (l *List) TrimFront(k int) {
	for k > 0 && l.head != nil {
		nd := l.head
		m := min(k, nd.count())
		for _, v := range nd.buf[nd.lo : nd.lo+m] {
			l.bytes -= int64(len(v))
		}
		nd.own()
		clear(nd.buf[nd.lo : nd.lo+m])
		nd.lo += m
		l.n -= m
		k -= m
		if nd.count() == 0 {
			l.unlink(nd)
		}
	}
}

// TrimBack removes the last k elements (all of them if k >= Len).
func (l *List) TrimBack(k int) {
	for k > 0 && l.tail != nil {
		nd := l.tail
		m := min(k, nd.count())
		for _, v := range nd.buf[nd.hi-m : nd.hi] {
			l.bytes -= int64(len(v))
		}
		nd.own()
		clear(nd.buf[nd.hi-m : nd.hi])
		nd.hi -= m
		l.n -= m
		k -= m
		if nd.count() == 0 {
			l.unlink(nd)
		}
	}
}

// Remove deletes the elements equal to v, scanning from the tail when fromTail, and stops
// after limit removals (limit <= 0: no limit). It returns how many it removed.
func (l *List) Remove(v []byte, limit int, fromTail bool) int {
	removed := 0
	more := func() bool { return limit <= 0 || removed < limit }
	if !fromTail {
		for nd := l.head; nd != nil && more(); {
			next := nd.next
			nd.own()
			w := nd.lo
			for r := nd.lo; r < nd.hi; r++ {
				e := nd.buf[r]
				if more() && bytes.Equal(e, v) {
					removed++
					l.bytes -= int64(len(e))
					continue
				}
				nd.buf[w] = e
				w++
			}
			if w != nd.hi {
				l.n -= nd.hi - w
				clear(nd.buf[w:nd.hi])
				nd.hi = w
				l.compact(nd.prev, nd)
			}
			nd = next
		}
		return removed
	}
	for nd := l.tail; nd != nil && more(); {
		prev := nd.prev
		nd.own()
		w := nd.hi
		for r := nd.hi - 1; r >= nd.lo; r-- {
			e := nd.buf[r]
			if more() && bytes.Equal(e, v) {
				removed++
				l.bytes -= int64(len(e))
				continue
			}
			w--
			nd.buf[w] = e
		}
		if w != nd.lo {
			l.n -= w - nd.lo
			clear(nd.buf[nd.lo:w])
			nd.lo = w
			l.compact(nd, nd.next)
		}
		nd = prev
	}
	return removed
}

// compact runs after deletions in b (or in a, when b is the node after it): it drops the
// node that became empty, or merges the pair when both fit in one node, so deletions in the
// middle cannot leave a long chain of nearly empty nodes. Remove passes the neighbour it has
// already scanned, so merged elements are never visited twice.
func (l *List) compact(a, b *node) {
	switch {
	case a != nil && a.count() == 0:
		l.unlink(a)
	case b != nil && b.count() == 0:
		l.unlink(b)
	case a != nil && b != nil && a.count()+b.count() <= l.fill:
		l.merge(a, b)
	}
}

// merge moves the elements of b (the node after a) to the end of a and drops b.
func (l *List) merge(a, b *node) {
	a.own()
	c := b.count()
	if len(a.buf)-a.hi < c {
		nb := make([][]byte, l.fill)
		copy(nb, a.buf[a.lo:a.hi])
		a.buf, a.lo, a.hi = nb, 0, a.count()
	}
	copy(a.buf[a.hi:], b.buf[b.lo:b.hi])
	a.hi += c
	l.unlink(b)
}

// Iter walks a list from a position towards the tail or the head. It is invalidated by any
// change to the list.
type Iter struct {
	nd      *node
	s       int
	reverse bool
}

// IterAt returns an iterator whose first element is element i (0 <= i < Len; otherwise
// the iterator is empty), moving towards the head when reverse.
func (l *List) IterAt(i int, reverse bool) Iter {
	if i < 0 || i >= l.n {
		return Iter{}
	}
	nd, s := l.locate(i)
	return Iter{nd: nd, s: s, reverse: reverse}
}

// Next returns the next element; ok is false at the end.
func (it *Iter) Next() (v []byte, ok bool) {
	nd := it.nd
	if nd == nil {
		return nil, false
	}
	v = nd.buf[it.s]
	if it.reverse {
		it.s--
		if it.s < nd.lo {
			it.nd = nd.prev
			if it.nd != nil {
				it.s = it.nd.hi - 1
			}
		}
	} else {
		it.s++
		if it.s >= nd.hi {
			it.nd = nd.next
			if it.nd != nil {
				it.s = it.nd.lo
			}
		}
	}
	return v, true
}
