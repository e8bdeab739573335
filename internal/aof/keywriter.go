package aof

import (
	"fmt"
	"io"
	"strconv"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/stream"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// itemsPerCommand is Redis's AOF_REWRITE_ITEMS_PER_CMD: collections are rebuilt with
// variadic commands of at most this many items, so no command grows with the value.
const itemsPerCommand = 64

// KeyWriter writes the commands that rebuild a dataset, for a base in AOF format
// (aof-use-rdb-preamble no), as Redis's rewrite does: SET for strings; RPUSH, SADD, ZADD and
// HMSET in batches of 64 items; a stream as XADDs with explicit IDs, XSETID with
// ENTRIESADDED and MAXDELETEDID, then per group XGROUP CREATE ... ENTRIESREAD, XGROUP
// CREATECONSUMER for consumers with nothing pending and XCLAIM ... TIME RETRYCOUNT JUSTID
// FORCE for each pending entry; then PEXPIREAT for a key with a TTL.
type KeyWriter struct {
	w    io.Writer
	buf  []byte
	args [][]byte
	err  error
}

// NewKeyWriter writes to w, one Write per command.
func NewKeyWriter(w io.Writer) *KeyWriter { return &KeyWriter{w: w} }

// Timestamp writes a "#TS:<unix>" annotation, as a rewrite starts with when
// aof-timestamp-enabled is set.
func (k *KeyWriter) Timestamp(unix int64) error {
	if k.err != nil {
		return k.err
	}
	k.buf = append(k.buf[:0], "#TS:"...)
	k.buf = strconv.AppendInt(k.buf, unix, 10)
	k.buf = append(k.buf, '\r', '\n')
	_, k.err = k.w.Write(k.buf)
	return k.err
}

// Command writes one command (FUNCTION LOAD for each library, for instance).
func (k *KeyWriter) Command(args ...[]byte) error {
	if k.err != nil {
		return k.err
	}
	k.buf = appendCommand(k.buf[:0], args)
	_, k.err = k.w.Write(k.buf)
	return k.err
}

func (k *KeyWriter) command(args ...string) error {
	k.args = k.args[:0]
	for _, a := range args {
		k.args = append(k.args, []byte(a))
	}
	return k.Command(k.args...)
}

// Select writes SELECT db.
func (k *KeyWriter) Select(db int) error { return k.command("SELECT", strconv.Itoa(db)) }

// WriteDB writes SELECT and every key of db live at now (unix ms); nothing for an empty db.
func (k *KeyWriter) WriteDB(db *keyspace.DB, now int64) error {
	first := true
	db.Each(now, func(key string, o *keyspace.Object) bool {
		if first {
			first = false
			if k.Select(db.ID) != nil {
				return false
			}
		}
		return k.Key(key, o, db.TTL(key)) == nil
	})
	return k.err
}

// Key writes the commands that rebuild key, then PEXPIREAT when expireMs (unix ms) is not
// negative. An empty collection writes nothing, as Redis never holds one.
func (k *KeyWriter) Key(key string, o *keyspace.Object, expireMs int64) error {
	if k.err != nil {
		return k.err
	}
	wrote, err := k.value(key, o)
	if err != nil {
		k.err = err
		return err
	}
	if wrote && expireMs >= 0 {
		return k.command("PEXPIREAT", key, strconv.FormatInt(expireMs, 10))
	}
	return k.err
}

func (k *KeyWriter) value(key string, o *keyspace.Object) (bool, error) {
	switch o.Type {
	case keyspace.TypeString:
		return true, k.Command([]byte("SET"), []byte(key), o.Str)
	case keyspace.TypeList:
		if l, ok := o.Val.(*list.List); ok {
			return l.Len() > 0, k.list(key, l)
		}
	case keyspace.TypeSet:
		if s, ok := o.Val.(*set.Set); ok {
			return s.Len() > 0, k.set(key, s)
		}
	case keyspace.TypeZSet:
		if z, ok := o.Val.(*zset.ZSet); ok {
			return z.Len() > 0, k.zset(key, z)
		}
	case keyspace.TypeHash:
		if h, ok := o.Val.(*hash.Hash); ok {
			return h.Len() > 0, k.hash(key, h)
		}
	case keyspace.TypeStream:
		if s, ok := o.Val.(*stream.Stream); ok {
			return true, k.stream(key, s)
		}
	}
	return false, fmt.Errorf("aof: key %q: %v value is %T", key, o.Type, o.Val)
}

// batch collects the items of one variadic command and writes it when full.
type batch struct {
	k     *KeyWriter
	head  [][]byte // command name and key
	per   int      // arguments per item
	items [][]byte
	left  int // items not yet added
}

func (k *KeyWriter) newBatch(cmd, key string, per, total int) *batch {
	return &batch{k: k, head: [][]byte{[]byte(cmd), []byte(key)}, per: per, left: total}
}

func (b *batch) add(item ...[]byte) error {
	if b.k.err != nil {
		return b.k.err
	}
	b.items = append(b.items, item...)
	b.left--
	if len(b.items) == itemsPerCommand*b.per || b.left == 0 {
		return b.flush()
	}
	return nil
}

// flush writes what was collected; the count is exact because items are counted down
// from the collection's length, as Redis sizes each command.
func (b *batch) flush() error {
	if len(b.items) == 0 {
		return b.k.err
	}
	args := append(append([][]byte(nil), b.head...), b.items...)
	b.items = b.items[:0]
	return b.k.Command(args...)
}

func (k *KeyWriter) list(key string, l *list.List) error {
	b := k.newBatch("RPUSH", key, 1, l.Len())
	it := l.IterAt(0, false)
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		if err := b.add(v); err != nil {
			return err
		}
	}
	return b.flush()
}

func (k *KeyWriter) set(key string, s *set.Set) error {
	b := k.newBatch("SADD", key, 1, s.Len())
	for m := range s.All() {
		if err := b.add([]byte(m.String())); err != nil {
			return err
		}
	}
	return b.flush()
}

func (k *KeyWriter) zset(key string, z *zset.ZSet) error {
	b := k.newBatch("ZADD", key, 2, z.Len())
	for c := z.FromRank(0, false); c.Valid(); c.Next() {
		e := c.Entry()
		if err := b.add(zset.FormatScore(nil, e.Score), []byte(e.Member)); err != nil {
			return err
		}
	}
	return b.flush()
}

func (k *KeyWriter) hash(key string, h *hash.Hash) error {
	b := k.newBatch("HMSET", key, 2, h.Len())
	for f, v := range h.All() {
		if err := b.add([]byte(f), []byte(v)); err != nil {
			return err
		}
	}
	return b.flush()
}

func (k *KeyWriter) stream(key string, s *stream.Stream) error {
	if s.Len() == 0 {
		// XADD MAXLEN 0 creates the key with no entries, which XSETID then completes.
		k.command("XADD", key, "MAXLEN", "0", "0-1", "x", "y")
	} else {
		s.Range(stream.ID{}, stream.MaxID, false, func(e stream.Entry) bool {
			args := [][]byte{[]byte("XADD"), []byte(key), e.ID.Append(nil)}
			for i := range e.Len() {
				f, v := e.Pair(i)
				args = append(args, f, v)
			}
			return k.Command(args...) == nil
		})
	}
	k.command("XSETID", key, s.LastID().String(),
		"ENTRIESADDED", strconv.FormatInt(s.EntriesAdded(), 10),
		"MAXDELETEDID", s.MaxDeletedID().String())
	for _, g := range s.Groups() {
		k.group(key, g)
	}
	return k.err
}

func (k *KeyWriter) group(key string, g *stream.Group) {
	k.command("XGROUP", "CREATE", key, g.Name, g.LastID.String(), "ENTRIESREAD", strconv.FormatInt(g.EntriesRead, 10))
	for _, c := range g.Consumers() {
		if c.PEL.Len() == 0 {
			k.command("XGROUP", "CREATECONSUMER", key, g.Name, c.Name)
			continue
		}
		for it := c.PEL.Seek(stream.ID{}); it.Valid() && k.err == nil; it.Next() {
			n := it.NACK()
			k.command("XCLAIM", key, g.Name, c.Name, "0", it.ID().String(),
				"TIME", strconv.FormatInt(n.DeliveryTime, 10),
				"RETRYCOUNT", strconv.FormatInt(n.DeliveryCount, 10),
				"JUSTID", "FORCE")
		}
	}
}
