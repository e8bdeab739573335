package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/stream"
)

// A stream is stored as Redis keeps it in memory: a radix tree of listpacks, written as the
// node count, then for each node its key (the 128-bit big-endian id of the entry that
// started it) and its listpack; then the length, last id, first id, greatest deleted id and
// entries-added counter (the last three since STREAM_LISTPACKS_2), then the consumer groups.
//
// A node's listpack starts with the master entry:
//
//	live-count deleted-count num-fields field_1 ... field_N 0
//
// followed by each entry, tombstones included:
//
//	flags ms-diff seq-diff [num-fields field_1 value_1 ...] | [value_1 ... value_N] lp-count
//
// where the SAMEFIELDS flag means the entry has exactly the master fields and stores only
// values, the id is the node key plus the two differences, and lp-count (the number of
// listpack elements of the entry but itself) lets Redis walk the node backwards.

// Stream entry flags.
const (
	streamDeleted    = 1
	streamSameFields = 2
)

// streamNodeMinBytes is the least a node takes in the file: a 16-byte key with its length
// byte and the shortest listpack with its length byte.
const streamNodeMinBytes = 17 + 8

// stream writes a STREAM_LISTPACKS_2 body as Redis 7.0 does. Tombstones are written without
// their former contents, which our nodes no longer hold; Redis skips them either way.
func (w *Writer) stream(s *stream.Stream) {
	w.length(uint64(s.Nodes()))
	for i := range s.Nodes() {
		v := s.Node(i)
		key := encodeStreamID(v.Master())
		w.str(key[:])
		w.str(streamNodeListpack(v))
	}
	w.length(uint64(s.Len()))
	w.streamID(s.LastID())
	w.streamID(s.FirstID())
	w.streamID(s.MaxDeletedID())
	w.length(uint64(s.EntriesAdded()))
	groups := s.Groups()
	w.length(uint64(len(groups)))
	for _, g := range groups {
		w.group(g)
	}
}

func (w *Writer) group(g *stream.Group) {
	w.str([]byte(g.Name))
	w.streamID(g.LastID)
	// An unknown counter (-1) is written as 2^64-1, as Redis does.
	w.length(uint64(g.EntriesRead))
	w.length(uint64(g.PEL.Len()))
	for it := g.PEL.Seek(stream.ID{}); it.Valid(); it.Next() {
		n := it.NACK()
		w.rawStreamID(it.ID())
		w.millis(n.DeliveryTime)
		w.length(uint64(n.DeliveryCount))
	}
	consumers := g.Consumers()
	w.length(uint64(len(consumers)))
	for _, c := range consumers {
		w.str([]byte(c.Name))
		w.millis(c.SeenTime)
		w.length(uint64(c.PEL.Len()))
		for it := c.PEL.Seek(stream.ID{}); it.Valid(); it.Next() {
			w.rawStreamID(it.ID())
		}
	}
}

func (w *Writer) streamID(id stream.ID) {
	w.length(id.Ms)
	w.length(id.Seq)
}

func (w *Writer) rawStreamID(id stream.ID) {
	b := encodeStreamID(id)
	w.raw(b[:])
}

// millis writes a unix ms time as 8 little-endian bytes (rdbSaveMillisecondTime).
func (w *Writer) millis(t int64) {
	var b [8]byte
	le.PutUint64(b[:], uint64(t))
	w.raw(b[:])
}

func encodeStreamID(id stream.ID) [16]byte {
	var b [16]byte
	be.PutUint64(b[:8], id.Ms)
	be.PutUint64(b[8:], id.Seq)
	return b
}

func decodeStreamID(b []byte) stream.ID {
	return stream.ID{Ms: be.Uint64(b[:8]), Seq: be.Uint64(b[8:16])}
}

// streamNodeListpack lays out one node as Redis's streamAppendItem builds it.
func streamNodeListpack(v stream.NodeView) []byte {
	lp := newListpack()
	lp.appendInt(v.Live())
	lp.appendInt(v.Deleted())
	fields := v.Fields()
	lp.appendInt(int64(len(fields)))
	for _, f := range fields {
		lp.append(f)
	}
	lp.appendInt(0)
	master := v.Master()
	for j := range v.Len() {
		e := v.Entry(j)
		var flags int64
		switch {
		case e.Deleted:
			flags = streamDeleted
		case e.SameFields:
			flags = streamSameFields
		}
		lp.appendInt(flags)
		// Differences wrap like Redis's unsigned arithmetic.
		lp.appendInt(int64(e.ID.Ms - master.Ms))
		lp.appendInt(int64(e.ID.Seq - master.Seq))
		if !e.SameFields {
			lp.appendInt(int64(len(e.Data) / 2))
		}
		for _, b := range e.Data {
			lp.append(b)
		}
		lp.appendInt(streamLPCount(flags, int64(len(e.Data))))
	}
	return lp.finish()
}

// streamLPCount is an entry's lp-count: flags, the two id parts and its data elements,
// plus num-fields unless the entry shares the master fields.
func streamLPCount(flags, dataElems int64) int64 {
	if flags&streamSameFields != 0 {
		return 3 + dataElems
	}
	return 4 + dataElems
}

// stream reads a stream of type t (STREAM_LISTPACKS, _2 or _3). Consumers' active times
// (STREAM_LISTPACKS_3) are read and dropped: Redis 7.0 has no such field.
func (r *reader) stream(t byte) (keyspace.Object, bool, error) {
	s, err := r.streamEntries(t)
	if err != nil {
		return keyspace.Object{}, false, err
	}
	groups, err := r.count(5)
	if err != nil {
		return keyspace.Object{}, false, err
	}
	prev := ""
	for i := range groups {
		name, err := r.streamGroup(t, s, prev, i == 0)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		prev = name
	}
	// Redis keeps empty streams, so ok is true even without entries.
	return keyspace.Object{Type: keyspace.TypeStream, Val: s}, true, nil
}

// streamEntries reads the nodes and the counters.
func (r *reader) streamEntries(t byte) (*stream.Stream, error) {
	b := stream.NewBuilder()
	firstLive, err := r.streamNodes(b)
	if err != nil {
		return nil, err
	}
	m, err := r.streamMeta(t, firstLive)
	if err != nil {
		return nil, err
	}
	at := r.p
	s, err := b.Finish(m)
	if err != nil {
		return nil, &Error{Offset: int64(at), Msg: "stream: " + err.Error()}
	}
	return s, nil
}

// streamNodes reads the nodes into b and returns the first live entry's id, or the maximal
// id when there is none: what Redis takes as the first id when the file does not record it
// (streamGetEdgeID).
func (r *reader) streamNodes(b *stream.Builder) (stream.ID, error) {
	n, err := r.count(streamNodeMinBytes)
	if err != nil {
		return stream.ID{}, err
	}
	firstLive, haveLive := stream.MaxID, false
	for range n {
		keyAt := r.p
		key, err := r.str()
		if err != nil {
			return stream.ID{}, err
		}
		if len(key) != 16 {
			return stream.ID{}, &Error{Offset: int64(keyAt), Msg: fmt.Sprintf("stream node key is %d bytes, not 16", len(key))}
		}
		lpAt := r.p
		lp, err := r.str()
		if err != nil {
			return stream.ID{}, err
		}
		first, err := streamNode(b, decodeStreamID(key), lp)
		if err != nil {
			return stream.ID{}, &Error{Offset: int64(lpAt), Msg: "stream node: " + err.Error()}
		}
		if !haveLive && first != nil {
			firstLive, haveLive = *first, true
		}
	}
	return firstLive, nil
}

// streamMeta reads the counters after the nodes. STREAM_LISTPACKS (Redis 5/6) has only the
// length and last id; the others are derived as Redis 7.0 derives them.
func (r *reader) streamMeta(t byte, firstLive stream.ID) (stream.Meta, error) {
	var m stream.Meta
	length, err := r.length()
	if err != nil {
		return m, err
	}
	if length > math.MaxInt64 {
		return m, r.errf("stream length %d out of range", length)
	}
	m.Length = int64(length)
	if m.LastID, err = r.readStreamID(); err != nil {
		return m, err
	}
	if t == typeStreamListpacks {
		m.FirstID, m.EntriesAdded = firstLive, m.Length
		return m, nil
	}
	if m.FirstID, err = r.readStreamID(); err != nil {
		return m, err
	}
	if m.MaxDeletedID, err = r.readStreamID(); err != nil {
		return m, err
	}
	added, err := r.length()
	if err != nil {
		return m, err
	}
	if added > math.MaxInt64 {
		return m, r.errf("stream entries-added %d out of range", added)
	}
	m.EntriesAdded = int64(added)
	return m, nil
}

func (r *reader) readStreamID() (stream.ID, error) {
	ms, err := r.length()
	if err != nil {
		return stream.ID{}, err
	}
	seq, err := r.length()
	if err != nil {
		return stream.ID{}, err
	}
	return stream.ID{Ms: ms, Seq: seq}, nil
}

func (r *reader) rawStreamID() (stream.ID, error) {
	b, err := r.take(16)
	if err != nil {
		return stream.ID{}, err
	}
	return decodeStreamID(b), nil
}

func (r *reader) millis() (int64, error) {
	b, err := r.take(8)
	if err != nil {
		return 0, err
	}
	return int64(le.Uint64(b)), nil
}

// outOfOrder describes name when it does not follow prev in byte order. Redis writes groups
// and consumers in that order (its radix tree's); requiring it refuses duplicates and keeps
// adding each name to the sorted lists O(log n), where names in reverse order would cost a
// quadratic time.
func outOfOrder(what string, first bool, prev string, name []byte) string {
	switch {
	case first || prev < string(name):
		return ""
	case prev == string(name):
		return fmt.Sprintf("duplicate %s %q", what, name)
	}
	return fmt.Sprintf("%s %q after %q: not in name order", what, name, prev)
}

// streamGroup reads one consumer group, which must follow the group named prev (unless it
// is the first): its global PEL, then its consumers, whose pending ids must each name an
// entry of the global PEL not owned by another consumer; every entry of the global PEL must
// end up with an owner. It returns the group's name.
func (r *reader) streamGroup(t byte, s *stream.Stream, prev string, first bool) (string, error) {
	nameAt := r.p
	name, err := r.str()
	if err != nil {
		return "", err
	}
	if msg := outOfOrder("consumer group", first, prev, name); msg != "" {
		return "", &Error{Offset: int64(nameAt), Msg: msg}
	}
	last, err := r.readStreamID()
	if err != nil {
		return "", err
	}
	var entriesRead int64
	if t == typeStreamListpacks {
		entriesRead = s.EstimateDistance(last)
	} else {
		v, err := r.length()
		if err != nil {
			return "", err
		}
		if v > math.MaxInt64 && v != math.MaxUint64 {
			return "", r.errf("group %q: entries-read %d out of range", name, v)
		}
		entriesRead = int64(v)
	}
	g := s.CreateGroup(string(name), last, entriesRead)
	if err := r.streamGroupPEL(g); err != nil {
		return "", err
	}
	consumers, err := r.count(10)
	if err != nil {
		return "", err
	}
	prev = ""
	for i := range consumers {
		c, err := r.streamConsumer(t, g, prev, i == 0)
		if err != nil {
			return "", err
		}
		prev = c
	}
	for it := g.PEL.Seek(stream.ID{}); it.Valid(); it.Next() {
		if it.NACK().Consumer == nil {
			return "", r.errf("group %q: pending entry %v has no consumer", name, it.ID())
		}
	}
	return g.Name, nil
}

// streamGroupPEL reads a group's pending entries, owned by no consumer yet.
func (r *reader) streamGroupPEL(g *stream.Group) error {
	pending, err := r.count(25)
	if err != nil {
		return err
	}
	for range pending {
		at := r.p
		id, err := r.rawStreamID()
		if err != nil {
			return err
		}
		n := &stream.NACK{}
		if n.DeliveryTime, err = r.millis(); err != nil {
			return err
		}
		count, err := r.length()
		if err != nil {
			return err
		}
		if count > math.MaxInt64 {
			return r.errf("group %q: delivery count %d out of range", g.Name, count)
		}
		n.DeliveryCount = int64(count)
		if !g.PEL.Insert(id, n) {
			return &Error{Offset: int64(at), Msg: fmt.Sprintf("group %q: duplicate pending entry %v", g.Name, id)}
		}
	}
	return nil
}

// streamConsumer reads one consumer of g, which must follow the one named prev unless it is
// the first, and takes ownership of its pending entries. It returns the consumer's name.
func (r *reader) streamConsumer(t byte, g *stream.Group, prev string, first bool) (string, error) {
	nameAt := r.p
	name, err := r.str()
	if err != nil {
		return "", err
	}
	if msg := outOfOrder("consumer", first, prev, name); msg != "" {
		return "", &Error{Offset: int64(nameAt), Msg: fmt.Sprintf("group %q: %s", g.Name, msg)}
	}
	seen, err := r.millis()
	if err != nil {
		return "", err
	}
	if t == typeStreamListpacks3 {
		if _, err := r.millis(); err != nil { // active-time
			return "", err
		}
	}
	c := g.CreateConsumer(string(name), seen)
	pending, err := r.count(16)
	if err != nil {
		return "", err
	}
	for range pending {
		at := r.p
		id, err := r.rawStreamID()
		if err != nil {
			return "", err
		}
		n := g.PEL.Get(id)
		switch {
		case n == nil:
			return "", &Error{Offset: int64(at), Msg: fmt.Sprintf("group %q: consumer %q has pending entry %v, which the group does not", g.Name, name, id)}
		case n.Consumer != nil:
			return "", &Error{Offset: int64(at), Msg: fmt.Sprintf("group %q: pending entry %v listed by consumers %q and %q", g.Name, id, n.Consumer.Name, name)}
		}
		n.Consumer = c
		c.PEL.Insert(id, n)
	}
	return c.Name, nil
}

// lpCursor walks the elements of a stream node's listpack.
type lpCursor struct {
	el [][]byte
	i  int
}

func (c *lpCursor) more() bool { return c.i < len(c.el) }

func (c *lpCursor) take(n int64) ([][]byte, error) {
	if n < 0 || n > int64(len(c.el)-c.i) {
		return nil, fmt.Errorf("%d elements wanted, %d left in the listpack", n, len(c.el)-c.i)
	}
	s := c.el[c.i : c.i+int(n) : c.i+int(n)]
	c.i += int(n)
	return s, nil
}

func (c *lpCursor) int(what string) (int64, error) {
	if !c.more() {
		return 0, fmt.Errorf("listpack ends before the %s", what)
	}
	v, ok := canonicalInt(c.el[c.i])
	if !ok {
		return 0, fmt.Errorf("%s is %q, not an integer", what, c.el[c.i])
	}
	c.i++
	return v, nil
}

// streamNode validates one node's listpack and adds its entries to b. It returns the id of
// the node's first live entry, nil when it has none.
func streamNode(b *stream.Builder, master stream.ID, lp []byte) (*stream.ID, error) {
	var el [][]byte
	if _, err := lpEach(lp, func(v []byte) error { el = append(el, bytes.Clone(v)); return nil }); err != nil {
		return nil, err
	}
	c := &lpCursor{el: el}
	live, err := c.int("live count")
	if err != nil {
		return nil, err
	}
	dead, err := c.int("deleted count")
	if err != nil {
		return nil, err
	}
	nf, err := c.int("master field count")
	if err != nil {
		return nil, err
	}
	fields, err := c.take(nf)
	if err != nil {
		return nil, err
	}
	if zero, err := c.int("master entry terminator"); err != nil || zero != 0 {
		return nil, errors.New("master entry not terminated by 0")
	}
	if err := b.StartNode(master, fields); err != nil {
		return nil, err
	}
	var first *stream.ID
	var gotLive, gotDead int64
	for c.more() {
		id, fv, flags, err := streamNodeEntry(c, master, fields)
		if err != nil {
			return nil, err
		}
		deleted := flags&streamDeleted != 0
		if err := b.AddEntry(id, fv, deleted); err != nil {
			return nil, err
		}
		if deleted {
			gotDead++
		} else {
			gotLive++
			if first == nil {
				first = &id
			}
		}
	}
	if gotLive != live || gotDead != dead {
		return nil, fmt.Errorf("master entry counts %d entries and %d deleted, the node holds %d and %d", live, dead, gotLive, gotDead)
	}
	return first, nil
}

// streamNodeEntry reads one entry: its id, its fields and values interleaved, and its flags.
func streamNodeEntry(c *lpCursor, master stream.ID, fields [][]byte) (stream.ID, [][]byte, int64, error) {
	flags, err := c.int("entry flags")
	if err != nil {
		return stream.ID{}, nil, 0, err
	}
	if flags&^(streamDeleted|streamSameFields) != 0 {
		return stream.ID{}, nil, 0, fmt.Errorf("unknown entry flags %d", flags)
	}
	msDiff, err := c.int("entry id ms-diff")
	if err != nil {
		return stream.ID{}, nil, 0, err
	}
	seqDiff, err := c.int("entry id seq-diff")
	if err != nil {
		return stream.ID{}, nil, 0, err
	}
	id := stream.ID{Ms: master.Ms + uint64(msDiff), Seq: master.Seq + uint64(seqDiff)}
	var fv [][]byte
	if flags&streamSameFields != 0 {
		values, err := c.take(int64(len(fields)))
		if err != nil {
			return stream.ID{}, nil, 0, err
		}
		fv = make([][]byte, 0, 2*len(fields))
		for i, f := range fields {
			fv = append(fv, f, values[i])
		}
	} else {
		n, err := c.int("entry field count")
		if err != nil {
			return stream.ID{}, nil, 0, err
		}
		if n < 0 || n > math.MaxInt32 {
			return stream.ID{}, nil, 0, fmt.Errorf("entry %v: field count %d", id, n)
		}
		if fv, err = c.take(2 * n); err != nil {
			return stream.ID{}, nil, 0, err
		}
	}
	count, err := c.int("entry lp-count")
	if err != nil {
		return stream.ID{}, nil, 0, err
	}
	dataElems := int64(len(fv))
	if flags&streamSameFields != 0 {
		dataElems = int64(len(fields))
	}
	if want := streamLPCount(flags, dataElems); count != want {
		return stream.ID{}, nil, 0, fmt.Errorf("entry %v: lp-count %d, want %d", id, count, want)
	}
	return id, fv, flags, nil
}
