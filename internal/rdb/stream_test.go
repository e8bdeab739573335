package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/stream"
)

// Streams in test: the corpus is built with the stream package's own API, as the commands
// build them, and rendered the way Redis answers queries about them, so that the same render
// can be compared with a real Redis's replies.

func sid(ms, seq uint64) stream.ID { return stream.ID{Ms: ms, Seq: seq} }

func bs(kv ...string) [][]byte {
	out := make([][]byte, len(kv))
	for i, s := range kv {
		out[i] = []byte(s)
	}
	return out
}

type streamCase struct {
	key string
	s   *stream.Stream
}

// streamCorpus covers the layouts a stream can have: several nodes, tombstones inside nodes,
// entries with and without the master fields, ids whose sequence difference to the node key
// is negative, empty streams with and without groups, and groups in every state.
func streamCorpus() []streamCase {
	var cs []streamCase
	add := func(key string, s *stream.Stream) { cs = append(cs, streamCase{key, s}) }

	s := stream.New()
	s.Add(sid(1, 1), bs("a", "1", "b", "two"), 0, 0)
	s.Add(sid(1, 2), bs("a", "3", "b", "four"), 0, 0)
	s.Add(sid(2, 0), bs("other", "x"), 0, 0)
	s.Add(sid(3, 0), bs("a", "", "b", ""), 0, 0)
	add("basic", s)

	s = stream.New()
	for i := uint64(1); i <= 50; i++ {
		fv := bs("n", strconv.FormatUint(i*i, 10), "name", "item-"+strconv.FormatUint(i, 10))
		if i%7 == 0 {
			fv = bs("n", "-12345678901", "extra", strings.Repeat("L", 70+int(i)))
		}
		s.Add(sid(1700000000000+i*10, i%4), fv, 0, 6)
	}
	// Tombstones in several nodes, a node emptied (and so dropped), the first and last entry.
	s.Delete([]stream.ID{sid(1700000000010, 1), sid(1700000000030, 3), sid(1700000000040, 0), sid(1700000000500, 0)})
	for i := uint64(13); i <= 18; i++ {
		s.Delete([]stream.ID{sid(1700000000000+i*10, i%4)})
	}
	add("nodes-and-tombstones", s)

	s = stream.New()
	s.Add(sid(5, 10), bs("f", "1"), 0, 0)
	s.Add(sid(6, 0), bs("f", "2"), 0, 0)
	s.Add(sid(1<<40, 3), bs("f", "3"), 0, 0)
	s.Add(sid(math.MaxUint64, math.MaxUint64), bs("f", "4"), 0, 0)
	add("wide-ids", s)

	s = stream.New()
	for i := uint64(1); i <= 30; i++ {
		s.Add(sid(i, 0), bs("k", strings.Repeat("compressible ", int(i)), "bin", "\x00\xff\r\n"), 0, 10)
	}
	s.Trim(stream.TrimArgs{Strategy: stream.TrimMaxLen, MaxLen: 17})
	add("trimmed-long-values", s)

	s = stream.New()
	s.Add(sid(1, 0), bs("a", "1"), 0, 0)
	s.Add(sid(2, 0), bs("a", "2"), 0, 0)
	s.Delete([]stream.ID{sid(1, 0), sid(2, 0)})
	g := s.CreateGroup("g", sid(2, 0), 2)
	g.CreateConsumer("idle", 1700000000999)
	add("empty-with-group", s)

	s = stream.New()
	s.CreateGroup("mkstream", stream.ID{}, 0)
	add("empty-mkstream", s)

	add("empty-bare", stream.New())

	s = stream.New()
	for i := uint64(1); i <= 12; i++ {
		s.Add(sid(100+i, 0), bs("v", strconv.FormatUint(i, 10)), 0, 5)
	}
	g1 := s.CreateGroup("g1", stream.ID{}, 0)
	alice := g1.CreateConsumer("alice", 1700000001000)
	bob := g1.CreateConsumer("bob", 1700000002000)
	g1.CreateConsumer("carol", 1700000003000)
	for i := uint64(1); i <= 8; i++ {
		c := alice
		if i > 5 {
			c = bob
		}
		id := sid(100+i, 0)
		s.Delivered(g1, id)
		g1.Deliver(id, c, 1700000001000+int64(i))
	}
	g1.Ack(sid(102, 0))
	n := g1.PEL.Get(sid(104, 0))
	n.DeliveryCount = 7
	g1.Claim(sid(104, 0), n, bob)
	s.Delete([]stream.ID{sid(105, 0)}) // pending but deleted
	s.CreateGroup("g2", sid(110, 0), -1)
	s.CreateGroup("123", sid(200, 0), 12)
	add("groups", s)
	return cs
}

// streamFull renders s as XINFO STREAM key FULL COUNT 0 answers, in the shape respConn
// parses replies into.
func streamFull(s *stream.Stream) []any {
	entries := []any{}
	s.Range(stream.ID{}, stream.MaxID, false, func(e stream.Entry) bool {
		entries = append(entries, entryReply(e))
		return true
	})
	groups := []any{}
	for _, g := range s.Groups() {
		pending := []any{}
		for it := g.PEL.Seek(stream.ID{}); it.Valid(); it.Next() {
			n := it.NACK()
			pending = append(pending, []any{it.ID().String(), n.Consumer.Name, n.DeliveryTime, n.DeliveryCount})
		}
		consumers := []any{}
		for _, c := range g.Consumers() {
			cp := []any{}
			for it := c.PEL.Seek(stream.ID{}); it.Valid(); it.Next() {
				cp = append(cp, []any{it.ID().String(), it.NACK().DeliveryTime, it.NACK().DeliveryCount})
			}
			consumers = append(consumers, []any{"name", c.Name, "seen-time", c.SeenTime, "pel-count", int64(c.PEL.Len()), "pending", cp})
		}
		groups = append(groups, []any{"name", g.Name, "last-delivered-id", g.LastID.String(), "entries-read", entriesRead(g),
			"lag", lag(s, g), "pel-count", int64(g.PEL.Len()), "pending", pending, "consumers", consumers})
	}
	return []any{"length", s.Len(), "radix-tree-keys", int64(s.Nodes()), "radix-tree-nodes", s.RadixNodes(),
		"last-generated-id", s.LastID().String(), "max-deleted-entry-id", s.MaxDeletedID().String(),
		"entries-added", s.EntriesAdded(), "recorded-first-entry-id", s.FirstID().String(),
		"entries", entries, "groups", groups}
}

func entryReply(e stream.Entry) []any {
	fv := []any{}
	for i := range e.Len() {
		f, v := e.Pair(i)
		fv = append(fv, string(f), string(v))
	}
	return []any{e.ID.String(), fv}
}

func entriesRead(g *stream.Group) any {
	if g.EntriesRead == -1 {
		return nil
	}
	return g.EntriesRead
}

func lag(s *stream.Stream, g *stream.Group) any {
	if l, ok := s.Lag(g); ok {
		return l
	}
	return nil
}

// streamAnswers renders what the stream queries compared with Redis answer for s:
// XINFO STREAM FULL, XRANGE, XREVRANGE, XINFO GROUPS and each group's XPENDING summary.
func streamAnswers(s *stream.Stream) []string {
	out := []string{"full " + canon(streamFull(s))}
	for _, rev := range []bool{false, true} {
		r := []any{}
		s.Range(stream.ID{}, stream.MaxID, rev, func(e stream.Entry) bool {
			r = append(r, entryReply(e))
			return true
		})
		out = append(out, fmt.Sprintf("range rev=%v %s", rev, canon(r)))
	}
	groups := []any{}
	for _, g := range s.Groups() {
		groups = append(groups, []any{"name", g.Name, "consumers", int64(g.NumConsumers()), "pending", int64(g.PEL.Len()),
			"last-delivered-id", g.LastID.String(), "entries-read", entriesRead(g), "lag", lag(s, g)})
		out = append(out, "xpending "+g.Name+" "+canon(pendingSummary(g)))
	}
	return append(out, "groups "+canon(groups))
}

func pendingSummary(g *stream.Group) []any {
	if g.PEL.Len() == 0 {
		return []any{int64(0), nil, nil, []any{}}
	}
	first := g.PEL.Seek(stream.ID{})
	last, _ := g.PEL.Last()
	per := []any{}
	for _, c := range g.Consumers() {
		if n := c.PEL.Len(); n > 0 {
			per = append(per, []any{c.Name, strconv.Itoa(n)})
		}
	}
	return []any{int64(g.PEL.Len()), first.ID().String(), last.String(), per}
}

// canon prints a reply tree canonically.
func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canon(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("?%T", v)
}

// layout lists the nodes with their keys and tombstones, which the file must preserve.
func layout(s *stream.Stream) string {
	var sb strings.Builder
	for i := range s.Nodes() {
		v := s.Node(i)
		fmt.Fprintf(&sb, "%v %q %d/%d:", v.Master(), v.Fields(), v.Live(), v.Deleted())
		for j := range v.Len() {
			e := v.Entry(j)
			fmt.Fprintf(&sb, " %v/%v", e.ID, e.Deleted)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func streamObj(s *stream.Stream) keyspace.Object {
	return keyspace.Object{Type: keyspace.TypeStream, Val: s}
}

func TestStreamRoundTrip(t *testing.T) {
	var es []entry
	for _, c := range streamCorpus() {
		es = append(es, entry{0, c.key, streamObj(c.s), -1})
	}
	for _, opts := range []WriterOptions{{}, {NoCompression: true}, {NoChecksum: true}} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, opts)
		if err != nil {
			t.Fatal(err)
		}
		w.SelectDB(0, len(es), 0)
		for _, e := range es {
			if err := w.WriteKey(e.key, &e.obj, -1); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := map[string]*stream.Stream{}
		seen := map[byte]int{}
		typeSeen = func(t byte) { seen[t]++ }
		err = LoadBytes(buf.Bytes(), Options{}, func(db int, key string, o keyspace.Object, exp int64) error {
			got[key] = o.Val.(*stream.Stream)
			return nil
		})
		typeSeen = nil
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		if seen[typeStreamListpacks2] != len(es) {
			t.Errorf("%+v: value types %v", opts, seen)
		}
		if opts.NoChecksum && !bytes.Equal(buf.Bytes()[buf.Len()-8:], make([]byte, 8)) {
			t.Errorf("checksum written with NoChecksum")
		}
		for _, c := range streamCorpus() {
			g := got[c.key]
			if g == nil {
				t.Errorf("%+v: %s not loaded", opts, c.key)
				continue
			}
			if a, b := streamAnswers(g), streamAnswers(c.s); !slices.Equal(a, b) {
				t.Errorf("%+v: %s:\n got %q\nwant %q", opts, c.key, a, b)
			}
			if a, b := layout(g), layout(c.s); a != b {
				t.Errorf("%+v: %s layout:\n%s\nwant\n%s", opts, c.key, a, b)
			}
		}
	}
}

func TestStreamDumpPayload(t *testing.T) {
	for _, c := range streamCorpus() {
		o := streamObj(c.s)
		p, err := EncodeValue(&o)
		if err != nil {
			t.Fatalf("%s: %v", c.key, err)
		}
		if p[0] != typeStreamListpacks2 {
			t.Errorf("%s: type %d", c.key, p[0])
		}
		got, err := DecodeValue(p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.key, err)
		}
		if a, b := streamAnswers(got.Val.(*stream.Stream)), streamAnswers(c.s); !slices.Equal(a, b) {
			t.Errorf("%s:\n got %q\nwant %q", c.key, a, b)
		}
		// Decoding shares nothing with the payload.
		clear(p)
		if a, b := streamAnswers(got.Val.(*stream.Stream)), streamAnswers(c.s); !slices.Equal(a, b) {
			t.Errorf("%s: decoded stream aliases the payload", c.key)
		}
	}
}

// lpOf builds a listpack of int and string elements.
func lpOf(elems ...any) []byte {
	lp := newListpack()
	for _, e := range elems {
		switch x := e.(type) {
		case int:
			lp.appendInt(int64(x))
		case string:
			lp.append([]byte(x))
		}
	}
	return lp.finish()
}

// TestStreamOtherVersions loads STREAM_LISTPACKS (Redis 5/6) and STREAM_LISTPACKS_3 (Redis
// 7.2, with consumer active times) values written by hand: our writer emits neither.
func TestStreamOtherVersions(t *testing.T) {
	node := func(w *Writer) {
		w.length(1)
		key := encodeStreamID(sid(1, 0))
		w.str(key[:])
		w.str(lpOf(2, 1, 1, "f", 0,
			streamSameFields, 0, 0, "a", 4,
			streamSameFields|streamDeleted, 1, 0, "b", 4,
			0, 2, 0, 1, "g", "c", 6))
	}
	group := func(w *Writer, t byte, name string, last stream.ID) {
		w.str([]byte(name))
		w.streamID(last)
		if t != typeStreamListpacks {
			w.length(1) // entries-read
		}
		w.length(1)
		w.rawStreamID(sid(3, 0))
		w.millis(1700000000123)
		w.length(2)
		w.length(1)
		w.str([]byte("c1"))
		w.millis(1700000000456)
		if t == typeStreamListpacks3 {
			w.millis(1700000000789)
		}
		w.length(1)
		w.rawStreamID(sid(3, 0))
	}
	t.Run("STREAM_LISTPACKS", func(t *testing.T) {
		s := loadOne(t, func(w *Writer) {
			w.byte1(typeStreamListpacks)
			w.str([]byte("k"))
			node(w)
			w.length(2)
			w.streamID(sid(3, 0))
			w.length(2)
			group(w, typeStreamListpacks, "at-last", sid(3, 0))
			group(w, typeStreamListpacks, "at-start", stream.ID{})
		})
		// Redis 7.0 derives what the old format lacks: the first id from the entries, the
		// entries-added counter from the length, each group's read counter by estimate.
		if s.FirstID() != sid(1, 0) || s.EntriesAdded() != 2 || !s.MaxDeletedID().IsZero() {
			t.Errorf("first %v added %d maxdel %v", s.FirstID(), s.EntriesAdded(), s.MaxDeletedID())
		}
		if g := s.Group("at-last"); g.EntriesRead != 2 {
			t.Errorf("at-last entries-read %d", g.EntriesRead)
		}
		if g := s.Group("at-start"); g.EntriesRead != 0 {
			t.Errorf("at-start entries-read %d", g.EntriesRead)
		}
		if c := s.Group("at-start").Consumer("c1"); c == nil || c.SeenTime != 1700000000456 || c.PEL.Get(sid(3, 0)) == nil {
			t.Errorf("consumer %+v", c)
		}
		want := `[["1-0" ["f" "a"]] ["3-0" ["g" "c"]]]`
		if got := streamAnswers(s)[1]; got != "range rev=false "+want {
			t.Errorf("entries %s", got)
		}
	})
	t.Run("STREAM_LISTPACKS empty", func(t *testing.T) {
		s := loadOne(t, func(w *Writer) {
			w.byte1(typeStreamListpacks)
			w.str([]byte("k"))
			w.length(0)
			w.length(0)
			w.streamID(sid(9, 0))
			w.length(0)
		})
		// streamGetEdgeID gives the maximal id when there is no entry.
		if s.FirstID() != stream.MaxID || s.LastID() != sid(9, 0) {
			t.Errorf("first %v last %v", s.FirstID(), s.LastID())
		}
	})
	t.Run("STREAM_LISTPACKS_3", func(t *testing.T) {
		s := loadOne(t, func(w *Writer) {
			w.byte1(typeStreamListpacks3)
			w.str([]byte("k"))
			node(w)
			w.length(2)
			w.streamID(sid(3, 0))
			w.streamID(sid(1, 0))
			w.streamID(sid(2, 0))
			w.length(3)
			w.length(1)
			group(w, typeStreamListpacks3, "g", sid(3, 0))
		})
		c := s.Group("g").Consumer("c1")
		if c == nil || c.SeenTime != 1700000000456 || c.PEL.Get(sid(3, 0)).DeliveryCount != 2 {
			t.Fatalf("consumer %+v", c)
		}
		if s.EntriesAdded() != 3 || s.MaxDeletedID() != sid(2, 0) {
			t.Errorf("added %d maxdel %v", s.EntriesAdded(), s.MaxDeletedID())
		}
	})
}

// rdbFile writes an RDB file holding what body writes, after the header.
func rdbFile(body func(w *Writer)) []byte {
	var buf bytes.Buffer
	w := &Writer{w: bufioWriter(&buf)}
	w.raw([]byte("REDIS0012"))
	body(w)
	w.Close()
	return buf.Bytes()
}

func loadOne(t *testing.T, body func(w *Writer)) *stream.Stream {
	t.Helper()
	var s *stream.Stream
	err := LoadBytes(rdbFile(body), Options{}, func(_ int, _ string, o keyspace.Object, _ int64) error {
		s = o.Val.(*stream.Stream)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStreamHostile feeds streams that break one rule each; every one must fail with an
// *Error naming the problem.
func TestStreamHostile(t *testing.T) {
	key := func(id stream.ID) []byte { b := encodeStreamID(id); return b[:] }
	okLP := lpOf(1, 0, 1, "f", 0, streamSameFields, 0, 0, "v", 4)
	// head writes the type, key and nodes; tail the counters for one entry at 1-0.
	head := func(w *Writer, nodes ...[]byte) {
		w.byte1(typeStreamListpacks2)
		w.str([]byte("k"))
		w.length(uint64(len(nodes) / 2))
		for _, b := range nodes {
			w.str(b)
		}
	}
	tail := func(w *Writer, length uint64) {
		w.length(length)
		w.streamID(sid(1, 0))
		w.streamID(sid(1, 0))
		w.streamID(stream.ID{})
		w.length(length)
	}
	node := func(lp []byte) func(w *Writer) {
		return func(w *Writer) {
			head(w, key(sid(1, 0)), lp)
			tail(w, 1)
			w.length(0)
		}
	}
	// withGroup writes a valid one-entry stream and then one group written by g.
	withGroup := func(g func(w *Writer)) func(w *Writer) {
		return func(w *Writer) {
			head(w, key(sid(1, 0)), okLP)
			tail(w, 1)
			w.length(1)
			w.str([]byte("g"))
			w.streamID(sid(1, 0))
			g(w)
		}
	}
	pel := func(w *Writer, ids ...stream.ID) {
		w.length(uint64(len(ids)))
		for _, id := range ids {
			w.rawStreamID(id)
			w.millis(1)
			w.length(1)
		}
	}
	consumer := func(w *Writer, name string, ids ...stream.ID) {
		w.str([]byte(name))
		w.millis(2)
		w.length(uint64(len(ids)))
		for _, id := range ids {
			w.rawStreamID(id)
		}
	}
	cases := []struct {
		name string
		body func(w *Writer)
		want string
	}{
		{"node key size", func(w *Writer) { head(w, []byte("short"), okLP); tail(w, 1); w.length(0) }, "not 16"},
		{"node count beyond input", func(w *Writer) { w.byte1(typeStreamListpacks2); w.str([]byte("k")); w.length(1 << 40) }, "exceeds the remaining input"},
		{"listpack corrupt", node(okLP[:len(okLP)-1]), "listpack"},
		{"master not terminated", node(lpOf(1, 0, 1, "f", 5, streamSameFields, 0, 0, "v", 4)), "terminated"},
		{"master field count beyond listpack", node(lpOf(1, 0, 99, "f", 0)), "elements wanted"},
		{"master field count negative", node(lpOf(1, 0, -1, "f", 0)), "elements wanted"},
		{"counter not an integer", node(lpOf("x", 0, 1, "f", 0, streamSameFields, 0, 0, "v", 4)), "not an integer"},
		{"live count lies", node(lpOf(2, 0, 1, "f", 0, streamSameFields, 0, 0, "v", 4)), "master entry counts"},
		{"deleted count lies", node(lpOf(1, 1, 1, "f", 0, streamSameFields, 0, 0, "v", 4)), "master entry counts"},
		{"lp-count lies", node(lpOf(1, 0, 1, "f", 0, streamSameFields, 0, 0, "v", 5)), "lp-count"},
		{"unknown flag", node(lpOf(1, 0, 1, "f", 0, 4, 0, 0, 0, 4)), "unknown entry flags"},
		{"entry truncated", node(lpOf(1, 0, 1, "f", 0, streamSameFields, 0, 0)), "elements wanted"},
		{"entry without lp-count", node(lpOf(1, 0, 1, "f", 0, streamSameFields, 0, 0, "v")), "listpack ends before the entry lp-count"},
		{"entry field count beyond listpack", node(lpOf(1, 0, 1, "f", 0, 0, 0, 0, 1000, "a", "b", 2004)), "elements wanted"},
		{"entry field count huge", node(lpOf(1, 0, 1, "f", 0, 0, 0, 0, 1<<40, 4)), "field count"},
		{"entry before its node", node(lpOf(1, 0, 1, "f", 0, streamSameFields, -1, 0, "v", 4)), "precedes its node"},
		{"entries out of order", node(lpOf(2, 0, 1, "f", 0, streamSameFields, 1, 0, "v", 4, streamSameFields, 0, 5, "w", 4)), "does not follow"},
		{"empty node", node(lpOf(0, 0, 1, "f", 0)), "no entries"},
		{"nodes out of order", func(w *Writer) {
			head(w, key(sid(5, 0)), okLP, key(sid(1, 0)), okLP)
			tail(w, 2)
			w.length(0)
		}, "does not follow"},
		{"duplicate node key", func(w *Writer) {
			head(w, key(sid(1, 0)), okLP, key(sid(1, 0)), okLP)
			tail(w, 2)
			w.length(0)
		}, "does not follow"},
		{"length lies", func(w *Writer) { head(w, key(sid(1, 0)), okLP); tail(w, 2); w.length(0) }, "length 2"},
		{"length beyond int64", func(w *Writer) { head(w, key(sid(1, 0)), okLP); tail(w, math.MaxUint64); w.length(0) }, "out of range"},
		{"last id before entries", func(w *Writer) {
			head(w, key(sid(1, 0)), lpOf(1, 0, 1, "f", 0, streamSameFields, 7, 0, "v", 4))
			tail(w, 1)
			w.length(0)
		}, "last id"},
		{"group count beyond input", func(w *Writer) { head(w, key(sid(1, 0)), okLP); tail(w, 1); w.length(1000) }, "exceeds the remaining input"},
		{"entries-read beyond int64", withGroup(func(w *Writer) { w.length(1 << 63); pel(w); w.length(0) }), "entries-read"},
		{"duplicate group", func(w *Writer) {
			head(w, key(sid(1, 0)), okLP)
			tail(w, 1)
			w.length(2)
			for range 2 {
				w.str([]byte("g"))
				w.streamID(sid(1, 0))
				w.length(1)
				pel(w)
				w.length(0)
			}
		}, "duplicate consumer group"},
		{"groups out of name order", func(w *Writer) {
			head(w, key(sid(1, 0)), okLP)
			tail(w, 1)
			w.length(2)
			for _, name := range []string{"b", "a"} {
				w.str([]byte(name))
				w.streamID(sid(1, 0))
				w.length(1)
				pel(w)
				w.length(0)
			}
		}, `consumer group "a" after "b": not in name order`},
		{"consumers out of name order", withGroup(func(w *Writer) {
			w.length(1)
			pel(w)
			w.length(2)
			consumer(w, "d")
			consumer(w, "c")
		}), `consumer "c" after "d"`},
		{"pel count beyond input", withGroup(func(w *Writer) { w.length(1); w.length(1 << 30) }), "exceeds the remaining input"},
		{"duplicate pending entry", withGroup(func(w *Writer) { w.length(1); pel(w, sid(1, 0), sid(1, 0)); w.length(0) }), "duplicate pending entry"},
		{"delivery count beyond int64", withGroup(func(w *Writer) {
			w.length(1)
			w.length(1)
			w.rawStreamID(sid(1, 0))
			w.millis(1)
			w.length(math.MaxUint64)
			w.length(0)
		}), "delivery count"},
		{"pending entry without consumer", withGroup(func(w *Writer) { w.length(1); pel(w, sid(1, 0)); w.length(0) }), "has no consumer"},
		{"consumer pending not in group", withGroup(func(w *Writer) {
			w.length(1)
			pel(w, sid(1, 0))
			w.length(1)
			consumer(w, "c", sid(1, 0), sid(9, 0))
		}), "which the group does not"},
		{"pending entry of two consumers", withGroup(func(w *Writer) {
			w.length(1)
			pel(w, sid(1, 0))
			w.length(2)
			consumer(w, "c", sid(1, 0))
			consumer(w, "d", sid(1, 0))
		}), "listed by consumers"},
		{"duplicate consumer", withGroup(func(w *Writer) {
			w.length(1)
			pel(w)
			w.length(2)
			consumer(w, "c")
			consumer(w, "c")
		}), "duplicate consumer"},
		{"consumer pel count beyond input", withGroup(func(w *Writer) {
			w.length(1)
			pel(w)
			w.length(1)
			w.str([]byte("c"))
			w.millis(2)
			w.length(1 << 20)
		}), "exceeds the remaining input"},
	}
	for _, c := range cases {
		err := LoadBytes(rdbFile(c.body), Options{}, func(int, string, keyspace.Object, int64) error { return nil })
		var e *Error
		if err == nil || !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want *Error with %q", c.name, err, c.want)
		}
	}
}
