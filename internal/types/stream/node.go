package stream

import "sort"

// Redis keeps a stream as a radix tree of listpacks. We keep the same grouping of entries
// into nodes, and count each node's listpack size byte for byte without building it,
// because the grouping is observable: XADD starts a new node when the tail one is full
// (stream-node-max-bytes / -entries), approximate trimming (~) only drops whole nodes, and
// XINFO STREAM reports the node count.

const (
	flagDeleted    = 1
	flagSameFields = 2

	lpHeaderAndEnd = 7       // total-bytes(4) + count(2) + end marker(1)
	lpMaxSize      = 1 << 30 // STREAM_LISTPACK_MAX_SIZE
)

type entry struct {
	id    ID
	flags uint8
	// data holds the values when the entry shares the master fields, else field/value pairs;
	// nil once deleted.
	data [][]byte
}

// node is one listpack: a master entry (the fields of its first entry) and its entries,
// including the ones marked deleted, which Redis leaves in place until the node empties.
type node struct {
	// owner is the id of the stream that made the node, the only one that may change it in
	// place: after a Clone other streams may be reading it (see Stream.writable).
	owner   uint64
	master  ID
	fields  [][]byte
	entries []entry
	live    int64
	dead    int64
	// size is the listpack's byte size minus the encodings of the live and dead counters,
	// which change as entries come and go.
	size int64
}

func (n *node) bytes() int64 { return n.size + lpIntSize(n.live) + lpIntSize(n.dead) }

// search returns the index of the first entry with id >= id.
func (n *node) search(id ID) int {
	return sort.Search(len(n.entries), func(i int) bool { return !n.entries[i].id.Less(id) })
}

// lpIntSize is the size of an integer listpack element, backlen included.
func lpIntSize(v int64) int64 {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= -32768 && v <= 32767:
		return 4
	case v >= -8388608 && v <= 8388607:
		return 5
	case v >= -2147483648 && v <= 2147483647:
		return 6
	}
	return 10
}

// lpStrSize is the size of a string listpack element; strings that read as integers are
// stored as integers, as lpAppend does.
func lpStrSize(s []byte) int64 {
	if v, ok := string2ll(s); ok {
		return lpIntSize(v)
	}
	l := int64(len(s))
	switch {
	case l < 64:
		l++
	case l < 4096:
		l += 2
	default:
		l += 5
	}
	return l + lpBacklenSize(l)
}

func lpBacklenSize(l int64) int64 {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

func newNode(owner uint64, id ID, fv [][]byte) *node {
	fields := make([][]byte, 0, len(fv)/2)
	for i := 0; i < len(fv); i += 2 {
		fields = append(fields, fv[i])
	}
	return newNodeFields(owner, id, fields)
}

// newNodeFields starts a node keyed by master whose master entry has fields.
func newNodeFields(owner uint64, master ID, fields [][]byte) *node {
	n := &node{owner: owner, master: master, fields: fields, size: lpHeaderAndEnd + lpIntSize(int64(len(fields))) + lpIntSize(0)}
	for _, f := range fields {
		n.size += lpStrSize(f)
	}
	return n
}

// sameFields reports whether fv has exactly the master's fields in order.
func (n *node) sameFields(fv [][]byte) bool {
	if len(fv)/2 != len(n.fields) {
		return false
	}
	for i, f := range n.fields {
		if string(f) != string(fv[2*i]) {
			return false
		}
	}
	return true
}

func (n *node) append(id ID, fv [][]byte) {
	e := entry{id: id}
	pairs := int64(len(fv) / 2)
	sz := lpIntSize(int64(id.Ms-n.master.Ms)) + lpIntSize(int64(id.Seq-n.master.Seq))
	lpCount := pairs + 3
	if n.sameFields(fv) {
		e.flags = flagSameFields
		e.data = make([][]byte, 0, pairs)
		for i := 1; i < len(fv); i += 2 {
			e.data = append(e.data, fv[i])
			sz += lpStrSize(fv[i])
		}
	} else {
		e.data = fv
		lpCount += pairs + 1
		sz += lpIntSize(pairs)
		for _, s := range fv {
			sz += lpStrSize(s)
		}
	}
	sz += lpIntSize(int64(e.flags)) + lpIntSize(lpCount)
	n.size += sz
	n.entries = append(n.entries, e)
	n.live++
}

// tombstone marks entry j deleted; Redis leaves it in the listpack until the node empties.
func (n *node) tombstone(j int) {
	e := &n.entries[j]
	e.flags |= flagDeleted
	e.data = nil
	n.live--
	n.dead++
}

// Entry is a read-only view of one live stream entry.
type Entry struct {
	ID ID
	n  *node
	e  *entry
}

// Len is the number of field/value pairs.
func (e Entry) Len() int {
	if e.e.flags&flagSameFields != 0 {
		return len(e.e.data)
	}
	return len(e.e.data) / 2
}

// Pair returns the i-th field and value.
func (e Entry) Pair(i int) (field, value []byte) {
	if e.e.flags&flagSameFields != 0 {
		return e.n.fields[i], e.e.data[i]
	}
	return e.e.data[2*i], e.e.data[2*i+1]
}
