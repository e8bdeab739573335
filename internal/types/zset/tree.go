package zset

import "sync/atomic"

// A big sorted set keeps its order in an order-statistic B+tree instead of Redis's skiplist:
// every inner node knows how many entries lie under each of its children, so ranks cost
// O(log n) as the skiplist's spans did, and the whole tree can be shared by a clone.
//
// Sharing works by ownership rather than by flags: each node records the id of the tree
// that made it, a tree writes only into nodes carrying its own id and copies any other on
// its way down, and a clone gives both trees new ids. A write after a clone thus copies its
// root-to-leaf path and nothing more, and a shared node is never written again, so a
// snapshot may read one tree without the server lock while the live one reads (and copies)
// the same nodes under it. Leaves have no sibling links, which path copying could not keep
// up to date; cursors reach the next leaf by rank instead.

const (
	// A leaf is 16 bytes of header and leafMax entries of 24 bytes: 63 fill the 1536-byte
	// size class exactly, and a copy on write stays cheap.
	leafMax = 63
	// An inner node is 16 bytes of header and 48 bytes a child: 63 children fit 3072 bytes.
	innerMax = 63
	// A node under a quarter full is merged with or refilled from a neighbour; a lower bound
	// than the textbook half leaves room between a merge and the next split, so entries
	// going in and out at one spot do not move whole nodes back and forth.
	leafMin  = leafMax / 4
	innerMin = innerMax / 4

	// Allocation sizes of the two node types, for MemoryUsage.
	leafBytes  = 1536
	innerBytes = 3072
)

var lastTreeID atomic.Uint64

func newTreeID() uint64 { return lastTreeID.Add(1) }

type leaf struct {
	owner uint64
	n     int
	items [leafMax]Entry
}

type inner struct {
	owner  uint64
	n      int
	firsts [innerMax]Entry  // the first entry under each child
	counts [innerMax]int    // how many entries lie under each child
	kids   [innerMax]*inner // the children of a node above height 1
	leaves [innerMax]*leaf  // the children of a node at height 1
}

// slot is one child of an inner node in transit.
type slot struct {
	first Entry
	count int
	kid   *inner
	leaf  *leaf
}

type tree struct {
	id     uint64
	height int    // levels of inner nodes: 0 while the root is a leaf
	leaf   *leaf  // the root while height is 0
	root   *inner // the root otherwise
	length int

	leafCount, innerCount int
}

func newTree() *tree {
	t := &tree{id: newTreeID()}
	t.leaf = t.newLeaf()
	return t
}

func (t *tree) newLeaf() *leaf {
	t.leafCount++
	return &leaf{owner: t.id}
}

func (t *tree) newInner() *inner {
	t.innerCount++
	return &inner{owner: t.id}
}

// ownLeaf returns l when t may write into it, t's copy of it otherwise.
func (t *tree) ownLeaf(l *leaf) *leaf {
	if l.owner == t.id {
		return l
	}
	c := *l
	c.owner = t.id
	return &c
}

func (t *tree) ownInner(n *inner) *inner {
	if n.owner == t.id {
		return n
	}
	c := *n
	c.owner = t.id
	return &c
}

// clone returns a tree sharing every node with t. Both get new ids, so neither writes into a
// node that is now shared.
func (t *tree) clone() *tree {
	c := *t
	c.id = newTreeID()
	t.id = newTreeID()
	return &c
}

func (a Entry) before(b Entry) bool { return less(a.Score, a.Member, b.Score, b.Member) }

// lowerBound is the index of l's first entry not before e.
func (l *leaf) lowerBound(e Entry) int {
	lo, hi := 0, l.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.items[m].before(e) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (l *leaf) insertAt(i int, e Entry) {
	copy(l.items[i+1:l.n+1], l.items[i:l.n])
	l.items[i] = e
	l.n++
}

// moveTail moves l's entries from i on into the empty leaf r.
func (l *leaf) moveTail(r *leaf, i int) {
	r.n = copy(r.items[:], l.items[i:l.n])
	clear(l.items[i:l.n])
	l.n = i
}

// removeRun removes up to k entries from index i on, as many as l holds, and hands each to
// gone.
func (l *leaf) removeRun(i, k int, gone func(Entry)) int {
	k = min(k, l.n-i)
	for _, e := range l.items[i : i+k] {
		gone(e)
	}
	copy(l.items[i:], l.items[i+k:l.n])
	clear(l.items[l.n-k : l.n])
	l.n -= k
	return k
}

func (n *inner) insertAt(i int, s slot) {
	copy(n.firsts[i+1:n.n+1], n.firsts[i:n.n])
	copy(n.counts[i+1:n.n+1], n.counts[i:n.n])
	copy(n.kids[i+1:n.n+1], n.kids[i:n.n])
	copy(n.leaves[i+1:n.n+1], n.leaves[i:n.n])
	n.firsts[i], n.counts[i], n.kids[i], n.leaves[i] = s.first, s.count, s.kid, s.leaf
	n.n++
}

func (n *inner) removeAt(i int) {
	copy(n.firsts[i:], n.firsts[i+1:n.n])
	copy(n.counts[i:], n.counts[i+1:n.n])
	copy(n.kids[i:], n.kids[i+1:n.n])
	copy(n.leaves[i:], n.leaves[i+1:n.n])
	n.n--
	n.firsts[n.n], n.counts[n.n], n.kids[n.n], n.leaves[n.n] = Entry{}, 0, nil, nil
}

// moveSlots moves k children of src from si on to dst at di, where dst has room and holds
// nothing from di on.
func moveSlots(dst *inner, di int, src *inner, si, k int) {
	copy(dst.firsts[di:di+k], src.firsts[si:si+k])
	copy(dst.counts[di:di+k], src.counts[si:si+k])
	copy(dst.kids[di:di+k], src.kids[si:si+k])
	copy(dst.leaves[di:di+k], src.leaves[si:si+k])
	dst.n += k
}

// shiftRight makes room for k children at the front of n.
func (n *inner) shiftRight(k int) {
	copy(n.firsts[k:n.n+k], n.firsts[:n.n])
	copy(n.counts[k:n.n+k], n.counts[:n.n])
	copy(n.kids[k:n.n+k], n.kids[:n.n])
	copy(n.leaves[k:n.n+k], n.leaves[:n.n])
}

// dropHead removes n's first k children.
func (n *inner) dropHead(k int) {
	copy(n.firsts[:], n.firsts[k:n.n])
	copy(n.counts[:], n.counts[k:n.n])
	copy(n.kids[:], n.kids[k:n.n])
	copy(n.leaves[:], n.leaves[k:n.n])
	n.truncate(n.n - k)
}

// truncate keeps n's first k children, dropping the references of the others.
func (n *inner) truncate(k int) {
	clear(n.firsts[k:n.n])
	clear(n.counts[k:n.n])
	clear(n.kids[k:n.n])
	clear(n.leaves[k:n.n])
	n.n = k
}

func (n *inner) total() int {
	s := 0
	for _, c := range n.counts[:n.n] {
		s += c
	}
	return s
}

// child is the index of the child whose range holds e: the last whose first entry is not
// after e, or the first.
func (n *inner) child(e Entry) int {
	lo, hi := 1, n.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if e.before(n.firsts[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// byRank returns the child holding the entry of rank r under n, and its rank in that child.
func (n *inner) byRank(r int) (int, int) {
	j := 0
	for j < n.n-1 && r >= n.counts[j] {
		r -= n.counts[j]
		j++
	}
	return j, r
}

// find returns the leaf holding the entry of rank r (0 <= r < length) and its index there.
func (t *tree) find(r int) (*leaf, int) {
	if t.height == 0 {
		return t.leaf, r
	}
	n := t.root
	var j int
	for h := t.height; h > 1; h-- {
		j, r = n.byRank(r)
		n = n.kids[j]
	}
	j, r = n.byRank(r)
	return n.leaves[j], r
}

func (t *tree) at(r int) Entry {
	l, i := t.find(r)
	return l.items[i]
}

// countWhile returns how many entries at the start of the order satisfy pre, which must
// hold on a prefix of the order and nowhere after it.
func (t *tree) countWhile(pre func(Entry) bool) int {
	r := 0
	l := t.leaf
	if t.height > 0 {
		n := t.root
		for h := t.height; ; h-- {
			// Every child before the last whose first entry satisfies pre lies wholly in
			// the prefix, every child after it wholly outside.
			lo, hi := 1, n.n
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if pre(n.firsts[m]) {
					lo = m + 1
				} else {
					hi = m
				}
			}
			j := lo - 1
			for _, c := range n.counts[:j] {
				r += c
			}
			if h == 1 {
				l = n.leaves[j]
				break
			}
			n = n.kids[j]
		}
	}
	lo, hi := 0, l.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if pre(l.items[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return r + lo
}

// rank returns how many entries sort before e.
func (t *tree) rank(e Entry) int {
	return t.countWhile(func(x Entry) bool { return x.before(e) })
}

// splitPoint returns how many of total entries (or children) stay in the left node when a
// full node splits for an insertion at pos. Halves in general; but a node at the very end of
// the tree that grows at its end passes on only the least a node may hold, and one at the
// very start that grows at its start (low: the first position an insertion can take there)
// keeps only that much, so loading in either order fills nodes three quarters rather than
// half.
func splitPoint(pos, total, low, least int, leftmost, rightmost bool) int {
	switch {
	case rightmost && pos == total-1:
		return total - least
	case leftmost && pos == low:
		return least
	}
	return total / 2
}

// insert adds e, which must not be present.
func (t *tree) insert(e Entry) {
	t.length++
	if t.height == 0 {
		t.leaf = t.ownLeaf(t.leaf)
		if r := t.leafInsert(t.leaf, e, true, true); r != nil {
			t.root = t.newInner()
			t.root.insertAt(0, slot{first: t.leaf.items[0], count: t.leaf.n, leaf: t.leaf})
			t.root.insertAt(1, slot{first: r.items[0], count: r.n, leaf: r})
			t.leaf = nil
			t.height = 1
		}
		return
	}
	t.root = t.ownInner(t.root)
	if r := t.innerInsert(t.root, t.height, e, true, true); r != nil {
		old := t.root
		t.root = t.newInner()
		t.root.insertAt(0, slot{first: old.firsts[0], count: old.total(), kid: old})
		t.root.insertAt(1, slot{first: r.firsts[0], count: r.total(), kid: r})
		t.height++
	}
}

// leafInsert inserts e into l, which t owns, and returns the new right sibling when l had to
// split.
func (t *tree) leafInsert(l *leaf, e Entry, leftmost, rightmost bool) *leaf {
	pos := l.lowerBound(e)
	if l.n < leafMax {
		l.insertAt(pos, e)
		return nil
	}
	r := t.newLeaf()
	keep := splitPoint(pos, leafMax+1, 0, leafMin, leftmost, rightmost)
	if pos < keep {
		l.moveTail(r, keep-1)
		l.insertAt(pos, e)
	} else {
		l.moveTail(r, keep)
		r.insertAt(pos-keep, e)
	}
	return r
}

// innerInsert inserts e under n, which t owns and which stands at height h, and returns the
// new right sibling when n had to split.
func (t *tree) innerInsert(n *inner, h int, e Entry, leftmost, rightmost bool) *inner {
	j := n.child(e)
	leftmost, rightmost = leftmost && j == 0, rightmost && j == n.n-1
	var s slot
	if h == 1 {
		l := t.ownLeaf(n.leaves[j])
		n.leaves[j] = l
		r := t.leafInsert(l, e, leftmost, rightmost)
		n.firsts[j], n.counts[j] = l.items[0], l.n
		if r == nil {
			return nil
		}
		s = slot{first: r.items[0], count: r.n, leaf: r}
	} else {
		k := t.ownInner(n.kids[j])
		n.kids[j] = k
		r := t.innerInsert(k, h-1, e, leftmost, rightmost)
		n.firsts[j] = k.firsts[0]
		if r == nil {
			n.counts[j]++
			return nil
		}
		n.counts[j] = k.total()
		s = slot{first: r.firsts[0], count: r.total(), kid: r}
	}
	if n.n < innerMax {
		n.insertAt(j+1, s)
		return nil
	}
	r := t.newInner()
	keep := splitPoint(j+1, innerMax+1, 1, innerMin, leftmost, rightmost)
	if j+1 < keep {
		moveSlots(r, 0, n, keep-1, n.n-keep+1)
		n.truncate(keep - 1)
		n.insertAt(j+1, s)
	} else {
		moveSlots(r, 0, n, keep, n.n-keep)
		n.truncate(keep)
		r.insertAt(j+1-keep, s)
	}
	return r
}

// delete removes e, which must be present.
func (t *tree) delete(e Entry) {
	t.deleteRun(t.rank(e), 1, func(Entry) {})
}

// deleteRun removes up to k entries from rank r on (r < length), stopping at the end of the
// leaf that holds r, hands each to gone and returns how many it removed. Removing a range
// leaf by leaf costs one descent per leaf, not one per entry.
func (t *tree) deleteRun(r, k int, gone func(Entry)) int {
	if t.height == 0 {
		t.leaf = t.ownLeaf(t.leaf)
		k = t.leaf.removeRun(r, k, gone)
	} else {
		t.root = t.ownInner(t.root)
		k = t.innerDeleteRun(t.root, t.height, r, k, gone)
		for t.height > 0 && t.root.n == 1 {
			t.innerCount--
			if t.height == 1 {
				t.leaf = t.root.leaves[0]
				t.root = nil
			} else {
				t.root = t.root.kids[0]
			}
			t.height--
		}
	}
	t.length -= k
	return k
}

func (t *tree) innerDeleteRun(n *inner, h, r, k int, gone func(Entry)) int {
	j, r := n.byRank(r)
	if h == 1 {
		l := t.ownLeaf(n.leaves[j])
		n.leaves[j] = l
		k = l.removeRun(r, k, gone)
		if l.n > 0 {
			n.firsts[j] = l.items[0]
		}
	} else {
		c := t.ownInner(n.kids[j])
		n.kids[j] = c
		k = t.innerDeleteRun(c, h-1, r, k, gone)
		n.firsts[j] = c.firsts[0]
	}
	n.counts[j] -= k
	t.rebalance(n, h, j)
	return k
}

// rebalance merges n's child j with a neighbour, or evens them out, when it is under its
// minimum and n has a neighbour to offer.
func (t *tree) rebalance(n *inner, h, j int) {
	if n.n < 2 {
		return
	}
	if h == 1 && n.leaves[j].n >= leafMin || h > 1 && n.kids[j].n >= innerMin {
		return
	}
	if j == n.n-1 {
		j--
	}
	if h == 1 {
		t.rebalanceLeaves(n, j)
	} else {
		t.rebalanceInners(n, j)
	}
}

func (t *tree) rebalanceLeaves(n *inner, j int) {
	a, b := t.ownLeaf(n.leaves[j]), n.leaves[j+1]
	n.leaves[j] = a
	if a.n+b.n <= leafMax {
		a.n += copy(a.items[a.n:], b.items[:b.n])
		n.firsts[j], n.counts[j] = a.items[0], a.n
		n.removeAt(j + 1)
		t.leafCount--
		return
	}
	b = t.ownLeaf(b)
	n.leaves[j+1] = b
	if want := (a.n + b.n) / 2; a.n < want {
		k := want - a.n
		a.n += copy(a.items[a.n:], b.items[:k])
		copy(b.items[:], b.items[k:b.n])
		clear(b.items[b.n-k : b.n])
		b.n -= k
	} else {
		k := a.n - want
		copy(b.items[k:], b.items[:b.n])
		copy(b.items[:k], a.items[want:a.n])
		clear(a.items[want:a.n])
		a.n = want
		b.n += k
	}
	n.firsts[j], n.counts[j] = a.items[0], a.n
	n.firsts[j+1], n.counts[j+1] = b.items[0], b.n
}

func (t *tree) rebalanceInners(n *inner, j int) {
	a, b := t.ownInner(n.kids[j]), n.kids[j+1]
	n.kids[j] = a
	if a.n+b.n <= innerMax {
		moveSlots(a, a.n, b, 0, b.n)
		n.firsts[j], n.counts[j] = a.firsts[0], n.counts[j]+n.counts[j+1]
		n.removeAt(j + 1)
		t.innerCount--
		return
	}
	b = t.ownInner(b)
	n.kids[j+1] = b
	if want := (a.n + b.n) / 2; a.n < want {
		k := want - a.n
		moveSlots(a, a.n, b, 0, k)
		b.dropHead(k)
	} else {
		k := a.n - want
		b.shiftRight(k)
		b.n += k
		copy(b.firsts[:k], a.firsts[want:a.n])
		copy(b.counts[:k], a.counts[want:a.n])
		copy(b.kids[:k], a.kids[want:a.n])
		copy(b.leaves[:k], a.leaves[want:a.n])
		a.truncate(want)
	}
	n.firsts[j], n.counts[j] = a.firsts[0], a.total()
	n.firsts[j+1], n.counts[j+1] = b.firsts[0], b.total()
}

// descend calls fn with every entry from the last down until fn returns false.
func (t *tree) descend(fn func(Entry) bool) {
	if t.height == 0 {
		t.leaf.descend(fn)
		return
	}
	t.root.descend(t.height, fn)
}

func (l *leaf) descend(fn func(Entry) bool) bool {
	for i := l.n - 1; i >= 0; i-- {
		if !fn(l.items[i]) {
			return false
		}
	}
	return true
}

func (n *inner) descend(h int, fn func(Entry) bool) bool {
	for j := n.n - 1; j >= 0; j-- {
		if h == 1 && !n.leaves[j].descend(fn) || h > 1 && !n.kids[j].descend(h-1, fn) {
			return false
		}
	}
	return true
}

// buildTree bulk-loads entries, already in order, level by level: O(n), every node as full
// as an even spread allows (and at least half full).
func buildTree(entries []Entry) *tree {
	t := &tree{id: newTreeID(), length: len(entries)}
	nl := max(1, (len(entries)+leafMax-1)/leafMax)
	level := make([]slot, nl)
	for i := range level {
		l := t.newLeaf()
		l.n = copy(l.items[:], entries[i*len(entries)/nl:(i+1)*len(entries)/nl])
		level[i] = slot{first: l.items[0], count: l.n, leaf: l}
	}
	if nl == 1 {
		t.leaf = level[0].leaf
		return t
	}
	for t.height = 1; ; t.height++ {
		np := (len(level) + innerMax - 1) / innerMax
		parents := make([]slot, np)
		for i := range parents {
			n := t.newInner()
			for _, s := range level[i*len(level)/np : (i+1)*len(level)/np] {
				n.insertAt(n.n, s)
			}
			parents[i] = slot{first: n.firsts[0], count: n.total(), kid: n}
		}
		if np == 1 {
			t.root = parents[0].kid
			return t
		}
		level = parents
	}
}
