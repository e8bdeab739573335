package stream

import (
	"slices"
	"sort"
	"sync/atomic"
)

// Stream is a Redis stream value.
type Stream struct {
	nodes []*node
	// id stamps the nodes this stream made and may change in place. It stays 0 until the
	// first Clone: until then no other stream holds any of the nodes.
	id           uint64
	length       int64
	lastID       ID
	firstID      ID
	maxDeletedID ID
	entriesAdded int64
	groups       map[string]*Group
	groupNames   []string // sorted, the order Redis's radix tree yields
}

func New() *Stream { return &Stream{} }

// lastStreamID numbers the streams Clone separates. It is shared by every server in the
// process (tests run several), each cloning under its own lock, hence atomic.
var lastStreamID atomic.Uint64

// writable returns node i ready to be changed in place. A node this stream did not make
// since its last Clone may be held by another stream too (a snapshot reading it without
// the lock), so it is first replaced by a copy of its own: the entries are copied, their
// field and value bytes shared (never modified), so a write pays for one listpack's worth
// of entries, not for the stream.
func (s *Stream) writable(i int) *node {
	n := s.nodes[i]
	if n.owner == s.id {
		return n
	}
	c := *n
	c.owner = s.id
	c.entries = slices.Clone(n.entries)
	s.nodes[i] = &c
	return &c
}

func (s *Stream) Len() int64          { return s.length }
func (s *Stream) LastID() ID          { return s.lastID }
func (s *Stream) FirstID() ID         { return s.firstID }
func (s *Stream) MaxDeletedID() ID    { return s.maxDeletedID }
func (s *Stream) EntriesAdded() int64 { return s.entriesAdded }
func (s *Stream) Nodes() int          { return len(s.nodes) }

func (s *Stream) Encoding() string { return "stream" }

// NextID computes the id XADD assigns: an automatic one from now (unix ms) when !given,
// else req, with an automatic sequence when !seqGiven. ok is false when the id would not
// be greater than the last one (including exhausted sequences).
func (s *Stream) NextID(req ID, given, seqGiven bool, now int64) (ID, bool) {
	var id ID
	switch {
	case !given:
		if ms := uint64(now); now > 0 && ms > s.lastID.Ms {
			id = ID{ms, 0}
		} else {
			var ok bool
			if id, ok = s.lastID.Incr(); !ok {
				return ID{}, false
			}
		}
	case seqGiven:
		id = req
	case s.lastID.Ms == req.Ms:
		if s.lastID.Seq == MaxID.Seq {
			return ID{}, false
		}
		id = ID{req.Ms, s.lastID.Seq + 1}
	default:
		id = ID{req.Ms, 0}
	}
	return id, s.lastID.Less(id)
}

// TooLarge reports whether the fields and values exceed what a listpack can hold.
func TooLarge(fv [][]byte) bool {
	var n int64
	for _, b := range fv {
		n += int64(len(b))
	}
	return n > lpMaxSize
}

// Add appends an entry (fv alternates fields and values; the slices are kept). id must be
// greater than LastID. maxBytes and maxEntries are stream-node-max-bytes/-entries.
func (s *Stream) Add(id ID, fv [][]byte, maxBytes, maxEntries int64) {
	var tail *node
	if len(s.nodes) > 0 {
		tail = s.nodes[len(s.nodes)-1]
		if maxBytes <= 0 || maxBytes > lpMaxSize {
			maxBytes = lpMaxSize
		}
		var total int64
		for _, b := range fv {
			total += int64(len(b))
		}
		if tail.bytes()+total >= maxBytes || (maxEntries > 0 && tail.live+tail.dead >= maxEntries) {
			tail = nil
		} else {
			tail = s.writable(len(s.nodes) - 1)
		}
	}
	if tail == nil {
		tail = newNode(s.id, id, fv)
		s.nodes = append(s.nodes, tail)
	}
	tail.append(id, fv)
	s.length++
	s.entriesAdded++
	s.lastID = id
	if s.length == 1 {
		s.firstID = id
	}
}

// nodeFor returns the index of the node that would hold id (the last with master <= id),
// or -1 if id precedes every node.
func (s *Stream) nodeFor(id ID) int {
	return sort.Search(len(s.nodes), func(i int) bool { return id.Less(s.nodes[i].master) }) - 1
}

// Range calls fn for each live entry with start <= id <= end, ascending or (rev)
// descending, until fn returns false.
func (s *Stream) Range(start, end ID, rev bool, fn func(Entry) bool) {
	if end.Less(start) {
		return
	}
	if !rev {
		ni := max(s.nodeFor(start), 0)
		for ; ni < len(s.nodes); ni++ {
			n := s.nodes[ni]
			j := 0
			if n.master.Less(start) {
				j = n.search(start)
			}
			for ; j < len(n.entries); j++ {
				e := &n.entries[j]
				if end.Less(e.id) {
					return
				}
				if e.flags&flagDeleted == 0 && !fn(Entry{e.id, n, e}) {
					return
				}
			}
		}
		return
	}
	for ni := s.nodeFor(end); ni >= 0; ni-- {
		n := s.nodes[ni]
		j := len(n.entries) - 1
		if !n.entries[j].id.Less(end) {
			j = sort.Search(len(n.entries), func(i int) bool { return end.Less(n.entries[i].id) }) - 1
		}
		for ; j >= 0; j-- {
			e := &n.entries[j]
			if e.id.Less(start) {
				return
			}
			if e.flags&flagDeleted == 0 && !fn(Entry{e.id, n, e}) {
				return
			}
		}
	}
}

// Get returns the live entry with id.
func (s *Stream) Get(id ID) (Entry, bool) {
	ni := s.nodeFor(id)
	if ni < 0 {
		return Entry{}, false
	}
	n := s.nodes[ni]
	j := n.search(id)
	if j == len(n.entries) || n.entries[j].id != id || n.entries[j].flags&flagDeleted != 0 {
		return Entry{}, false
	}
	return Entry{id, n, &n.entries[j]}, true
}

// edge returns the first (or last) live id, or 0-0 when there is none.
func (s *Stream) edge(last bool) ID {
	var id ID
	s.Range(ID{}, MaxID, last, func(e Entry) bool { id = e.ID; return false })
	return id
}

// LastValidID is the id of the last live entry, 0-0 if the stream is empty.
func (s *Stream) LastValidID() ID { return s.edge(true) }

func (s *Stream) removeNode(i int) {
	if i == 0 {
		s.nodes[0] = nil
		s.nodes = s.nodes[1:]
		return
	}
	copy(s.nodes[i:], s.nodes[i+1:])
	s.nodes[len(s.nodes)-1] = nil
	s.nodes = s.nodes[:len(s.nodes)-1]
}

// remove deletes one live entry, as streamIteratorRemoveEntry: a node whose last live
// entry goes is dropped, otherwise the entry stays as a tombstone.
func (s *Stream) remove(id ID) bool {
	ni := s.nodeFor(id)
	if ni < 0 {
		return false
	}
	n := s.nodes[ni]
	j := n.search(id)
	if j == len(n.entries) || n.entries[j].id != id || n.entries[j].flags&flagDeleted != 0 {
		return false
	}
	if n.live == 1 {
		s.removeNode(ni)
	} else {
		s.writable(ni).tombstone(j)
	}
	s.length--
	return true
}

// Delete implements XDEL: it removes the live entries among ids and returns how many.
func (s *Stream) Delete(ids []ID) int64 {
	var deleted int64
	first := false
	for _, id := range ids {
		if !s.remove(id) {
			continue
		}
		if id == s.firstID {
			first = true
		}
		if s.maxDeletedID.Less(id) {
			s.maxDeletedID = id
		}
		deleted++
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = ID{}
		} else if first {
			s.firstID = s.edge(false)
		}
	}
	return deleted
}

// Trim strategies.
const (
	TrimNone = iota
	TrimMaxLen
	TrimMinID
)

// TrimArgs are the parsed MAXLEN/MINID options of XADD and XTRIM.
type TrimArgs struct {
	Strategy int
	MaxLen   int64
	MinID    ID
	Approx   bool
	Limit    int64 // 0: no limit
}

// Trim removes entries from the head as streamTrim does: whole nodes while they fit the
// target, then (unless approximate) single entries inside the next node. It returns the
// number removed.
func (s *Stream) Trim(a TrimArgs) int64 {
	if a.Strategy == TrimNone {
		return 0
	}
	var deleted int64
	for len(s.nodes) > 0 {
		if a.Strategy == TrimMaxLen && s.length <= a.MaxLen {
			break
		}
		n := s.nodes[0]
		if a.Limit > 0 && deleted+n.live > a.Limit {
			break
		}
		var whole bool
		if a.Strategy == TrimMaxLen {
			whole = s.length-n.live >= a.MaxLen
		} else {
			whole = n.entries[len(n.entries)-1].id.Less(a.MinID)
		}
		if whole {
			s.removeNode(0)
			s.length -= n.live
			deleted += n.live
			continue
		}
		if a.Approx {
			break
		}
		for j := range n.entries {
			e := &n.entries[j]
			if a.Strategy == TrimMaxLen && s.length <= a.MaxLen || a.Strategy == TrimMinID && !e.id.Less(a.MinID) {
				break
			}
			if e.flags&flagDeleted == 0 {
				n = s.writable(0)
				n.tombstone(j)
				s.length--
				deleted++
			}
		}
		break
	}
	if deleted > 0 {
		s.firstID = s.edge(false)
	}
	return deleted
}

// SetID implements XSETID's update once the command validated it. entriesAdded < 0 and a
// zero maxDeleted leave those fields alone.
func (s *Stream) SetID(last ID, entriesAdded int64, maxDeleted ID) {
	s.lastID = last
	if entriesAdded >= 0 {
		s.entriesAdded = entriesAdded
	}
	if !maxDeleted.IsZero() {
		s.maxDeletedID = maxDeleted
	}
}

// RadixNodes is the node count of the radix tree Redis would hold for the node keys (the
// 128-bit big-endian master ids), which XINFO STREAM reports. Redis's tree keeps the
// compressed shape: a node for the root, each key, each branching prefix and each child of
// a branching prefix.
func (s *Stream) RadixNodes() int64 {
	if len(s.nodes) == 0 {
		return 1
	}
	keys := make([][16]byte, len(s.nodes))
	for i, n := range s.nodes {
		keys[i] = encodeID(n.master)
	}
	lcp := make([]int, len(keys)-1)
	for i := range lcp {
		l := 0
		for l < 16 && keys[i][l] == keys[i+1][l] {
			l++
		}
		lcp[i] = l
	}
	return radixCount(lcp, 0, len(keys)-1, 0)
}

func encodeID(id ID) [16]byte {
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(id.Ms >> (56 - 8*i))
		b[8+i] = byte(id.Seq >> (56 - 8*i))
	}
	return b
}

// radixCount counts the tree nodes under the present node at depth holding keys lo..hi.
func radixCount(lcp []int, lo, hi, depth int) int64 {
	if lo == hi {
		if depth == 16 {
			return 1
		}
		return 2 // a (compressed) node down to the key, and the key's own node
	}
	m := 16
	for i := lo; i < hi; i++ {
		m = min(m, lcp[i])
	}
	var total int64 = 1 // the branching node at depth m
	if m > depth {
		total++ // the compressed node leading to it
	}
	start := lo
	for i := lo; i < hi; i++ {
		if lcp[i] == m {
			total += radixCount(lcp, start, i, m+1)
			start = i + 1
		}
	}
	return total + radixCount(lcp, start, hi, m+1)
}

// RangeHasTombstones is streamRangeHasTombstones for [start, +].
func (s *Stream) RangeHasTombstones(start ID) bool {
	if s.length == 0 || s.maxDeletedID.IsZero() {
		return false
	}
	if s.maxDeletedID.Less(s.firstID) {
		return false
	}
	return !s.maxDeletedID.Less(start)
}

// EstimateDistance is streamEstimateDistanceFromFirstEverEntry: the logical read counter
// of id, or -1 when it cannot be known.
func (s *Stream) EstimateDistance(id ID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Cmp(s.lastID) < 1 {
		return s.entriesAdded
	}
	switch id.Cmp(s.lastID) {
	case 0:
		return s.entriesAdded
	case 1:
		return -1
	}
	if s.maxDeletedID.IsZero() || s.maxDeletedID.Less(s.firstID) {
		switch id.Cmp(s.firstID) {
		case -1:
			return s.entriesAdded - s.length
		case 0:
			return s.entriesAdded - s.length + 1
		}
	}
	return -1
}

// Lag is the group's lag as XINFO reports it; ok is false when it is unknown.
func (s *Stream) Lag(g *Group) (int64, bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != -1 && !s.RangeHasTombstones(g.LastID) {
		return s.entriesAdded - g.EntriesRead, true
	}
	if r := s.EstimateDistance(g.LastID); r != -1 {
		return s.entriesAdded - r, true
	}
	return 0, false
}

// Delivered advances g past an entry being delivered to it by XREADGROUP ">", keeping the
// logical read counter as Redis does.
func (s *Stream) Delivered(g *Group, id ID) {
	if !g.LastID.Less(id) {
		return
	}
	if g.EntriesRead != -1 && !s.RangeHasTombstones(id) {
		g.EntriesRead++
	} else if s.entriesAdded != 0 {
		g.EntriesRead = s.EstimateDistance(id)
	}
	g.LastID = id
}

// MemoryUsage estimates the bytes held the way Redis's MEMORY USAGE does for streams: the
// listpacks (the tail one preallocated to 4096 bytes), and its flat estimate of a radix tree,
// 16 bytes per key plus 244 per tree node.
func (s *Stream) MemoryUsage() int64 {
	n := 80 + raxEstimate(int64(len(s.nodes)), s.RadixNodes())
	for i, nd := range s.nodes {
		b := nd.bytes()
		if i == len(s.nodes)-1 {
			b = max(b, 4096)
		}
		n += b
	}
	for _, g := range s.groups {
		n += g.memoryUsage()
	}
	return n
}

func raxEstimate(keys, nodes int64) int64 { return keys*16 + nodes*244 }

// Clone returns an independent copy in O(nodes + consumers + pending entries). The nodes
// are shared until written: both streams take new ids, so neither owns a node any more and
// each copies a node before its first change (writable). Nothing is written into a shared
// node, so a snapshot may read s without the lock while the copy is changed under it.
//
// The consumer groups are still copied whole, the one part that grows with the data: their
// size is bounded by the entries delivered and not yet acknowledged, which consumers keep
// small, where the entries themselves are the bulk of a big stream.
func (s *Stream) Clone() any {
	c := *s
	s.id = lastStreamID.Add(1)
	c.id = lastStreamID.Add(1)
	c.nodes = slices.Clone(s.nodes)
	c.groups = nil
	c.groupNames = nil
	for _, name := range s.groupNames {
		c.addGroup(s.groups[name].clone())
	}
	return &c
}
