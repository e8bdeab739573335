package stream

import (
	"errors"
	"fmt"
)

// A snapshot format (an RDB file, a DUMP payload) stores a stream the way Redis lays it out:
// its nodes, each with a master entry and tombstones, then the counters and the groups.
// NodeView exposes that layout for writing and Builder rebuilds a stream from it.

// RawEntry is one entry of a node as stored, tombstones included.
type RawEntry struct {
	ID      ID
	Deleted bool
	// SameFields reports that the entry has its node's master fields, in order, so that Data
	// holds only the values; otherwise Data alternates fields and values. A tombstone has
	// neither: its contents are released when it is deleted.
	SameFields bool
	Data       [][]byte
}

// NodeView is a read-only view of one node.
type NodeView struct{ n *node }

// Node returns the i-th node in id order, 0 <= i < Nodes().
func (s *Stream) Node(i int) NodeView { return NodeView{s.nodes[i]} }

// Master is the node's key: the id of the entry that started it.
func (v NodeView) Master() ID { return v.n.master }

// Fields are the master entry's fields.
func (v NodeView) Fields() [][]byte { return v.n.fields }

// Live and Deleted count the node's entries and tombstones.
func (v NodeView) Live() int64    { return v.n.live }
func (v NodeView) Deleted() int64 { return v.n.dead }

// Len is the number of entries, tombstones included.
func (v NodeView) Len() int { return len(v.n.entries) }

// Entry returns the j-th entry, 0 <= j < Len().
func (v NodeView) Entry(j int) RawEntry {
	e := &v.n.entries[j]
	if e.flags&flagDeleted != 0 {
		return RawEntry{ID: e.id, Deleted: true}
	}
	return RawEntry{ID: e.id, SameFields: e.flags&flagSameFields != 0, Data: e.data}
}

// Meta are a stream's counters, stored after its nodes.
type Meta struct {
	Length       int64
	LastID       ID
	FirstID      ID // as recorded, which Redis does not always keep equal to the first entry
	MaxDeletedID ID
	EntriesAdded int64
}

// Builder rebuilds a stream from its stored layout: StartNode, then AddEntry for each of the
// node's entries, for every node in order, then Finish. It refuses what the rest of this
// package relies on never happening and a corrupt snapshot could contain: ids that do not
// strictly increase, an entry before its node's key, an empty node, counters that disagree
// with the entries.
type Builder struct {
	s    *Stream
	cur  *node
	last ID // the greatest entry id so far
}

// NewBuilder starts an empty stream.
func NewBuilder() *Builder { return &Builder{s: New()} }

// StartNode begins a node keyed by master whose master entry has fields (kept, not copied).
func (b *Builder) StartNode(master ID, fields [][]byte) error {
	if err := b.closeNode(); err != nil {
		return err
	}
	if len(b.s.nodes) > 0 && !b.last.Less(master) {
		return fmt.Errorf("node %v does not follow entry %v", master, b.last)
	}
	b.cur = newNodeFields(b.s.id, master, fields)
	b.s.nodes = append(b.s.nodes, b.cur)
	return nil
}

// AddEntry appends an entry to the current node; fv alternates fields and values (kept, not
// copied). A tombstone may come with its former contents, which then count in the node's
// size as they do in Redis's listpack, or without.
func (b *Builder) AddEntry(id ID, fv [][]byte, deleted bool) error {
	n := b.cur
	switch {
	case n == nil:
		return errors.New("entry before any node")
	case id.Less(n.master):
		return fmt.Errorf("entry %v precedes its node %v", id, n.master)
	case len(n.entries) > 0 && !b.last.Less(id):
		return fmt.Errorf("entry %v does not follow entry %v", id, b.last)
	case len(fv)%2 != 0:
		return fmt.Errorf("entry %v has an odd number of fields and values", id)
	}
	n.append(id, fv)
	if deleted {
		n.tombstone(len(n.entries) - 1)
	}
	b.last = id
	return nil
}

func (b *Builder) closeNode() error {
	if b.cur != nil && len(b.cur.entries) == 0 {
		return fmt.Errorf("node %v has no entries", b.cur.master)
	}
	return nil
}

// Finish checks the counters against the entries and returns the stream; groups are added
// to it afterwards with the Group API. The Builder is spent.
func (b *Builder) Finish(m Meta) (*Stream, error) {
	if err := b.closeNode(); err != nil {
		return nil, err
	}
	var live int64
	for _, n := range b.s.nodes {
		live += n.live
	}
	switch {
	case m.Length != live:
		return nil, fmt.Errorf("length %d, but %d entries are present", m.Length, live)
	case len(b.s.nodes) > 0 && m.LastID.Less(b.last):
		return nil, fmt.Errorf("last id %v precedes entry %v", m.LastID, b.last)
	case m.EntriesAdded < m.Length:
		return nil, fmt.Errorf("entries added %d is less than the length %d", m.EntriesAdded, m.Length)
	}
	s := b.s
	s.length, s.lastID, s.firstID, s.maxDeletedID, s.entriesAdded = m.Length, m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded
	b.s, b.cur = nil, nil
	return s, nil
}
