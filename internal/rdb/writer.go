package rdb

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/stream"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// WriterOptions are the aux fields written in the header.
type WriterOptions struct {
	CTime   int64 // unix seconds (the "ctime" aux field)
	UsedMem int64 // the "used-mem" aux field
	// Aux are further aux fields, written after the standard ones, in order (key, value, ...).
	Aux []string
	// NoCompression disables LZF (Redis's rdbcompression no).
	NoCompression bool
	// LRUNowMs, when set (an LRU maxmemory-policy), writes each key's idle time as of this
	// unix ms, as Redis does, so eviction order survives a restart.
	LRUNowMs int64
	// NoChecksum writes a zero checksum, which readers take as "not computed" (Redis's
	// rdbchecksum no).
	NoChecksum bool
}

// Writer writes one RDB file: NewWriter writes the header, then SelectDB and WriteKey for
// each database and key, and Close writes the EOF opcode and the checksum.
type Writer struct {
	w          *bufio.Writer
	crc        uint64
	err        error
	compress   bool
	noChecksum bool
	lruNow     int64 // WriterOptions.LRUNowMs
	// scratch holds a length or opcode on its way to w: a local array would escape to the
	// heap through the Write call, and a snapshot writes several per key. lp and spans are
	// reused from list to list for the same reason.
	scratch [9]byte
	lp      lpBuilder
	spans   []listSpan
}

// listSpan is the range of list positions one quicklist node holds.
type listSpan struct{ lo, hi int }

// listNodeEntries and listNodeBytes bound one quicklist node the Writer emits, as Redis's
// default list-max-listpack-size -2 (8 KB) does.
const (
	listNodeEntries = 128
	listNodeBytes   = 8 << 10
)

// NewWriter writes the RDB header and aux fields to w.
func NewWriter(w io.Writer, o WriterOptions) (*Writer, error) {
	wr := &Writer{w: bufio.NewWriterSize(w, 64<<10), compress: !o.NoCompression, noChecksum: o.NoChecksum, lruNow: o.LRUNowMs}
	wr.raw([]byte(fmt.Sprintf("REDIS%04d", Version)))
	wr.aux("redis-ver", "7.0.15")
	wr.aux("redis-bits", "64")
	wr.aux("ctime", strconv.FormatInt(o.CTime, 10))
	wr.aux("used-mem", strconv.FormatInt(o.UsedMem, 10))
	for i := 0; i+1 < len(o.Aux); i += 2 {
		wr.aux(o.Aux[i], o.Aux[i+1])
	}
	wr.aux("aof-base", "0")
	return wr, wr.err
}

func (w *Writer) raw(b []byte) {
	if w.err != nil {
		return
	}
	if !w.noChecksum {
		w.crc = crc64Update(w.crc, b)
	}
	_, w.err = w.w.Write(b)
}

func (w *Writer) byte1(c byte) {
	w.scratch[0] = c
	w.raw(w.scratch[:1])
}

func (w *Writer) aux(k, v string) {
	w.byte1(opAux)
	w.strString(k)
	w.strString(v)
}

func (w *Writer) uint64LE(v uint64) {
	le.PutUint64(w.scratch[:], v)
	w.raw(w.scratch[:8])
}

// length writes an RDB length.
func (w *Writer) length(n uint64) {
	b := &w.scratch
	switch {
	case n < 1<<6:
		b[0] = byte(n)
		w.raw(b[:1])
	case n < 1<<14:
		b[0], b[1] = byte(n>>8)|len14bit<<6, byte(n)
		w.raw(b[:2])
	case n <= math.MaxUint32:
		b[0] = len32bit
		be.PutUint32(b[1:], uint32(n))
		w.raw(b[:5])
	default:
		b[0] = len64bit
		be.PutUint64(b[1:], n)
		w.raw(b[:9])
	}
}

// str writes a string: as an integer encoding when it is a canonical integer of at most 32
// bits, LZF-compressed when longer than 20 bytes and compression saves at least 5 bytes,
// plain otherwise (rdbSaveRawString).
func (w *Writer) str(s []byte) {
	if len(s) <= 11 {
		if v, ok := canonicalInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				w.scratch[0], w.scratch[1] = encVal<<6|encInt8, byte(v)
				w.raw(w.scratch[:2])
				return
			case v >= math.MinInt16 && v <= math.MaxInt16:
				w.scratch[0] = encVal<<6 | encInt16
				le.PutUint16(w.scratch[1:], uint16(v))
				w.raw(w.scratch[:3])
				return
			case v >= math.MinInt32 && v <= math.MaxInt32:
				w.scratch[0] = encVal<<6 | encInt32
				le.PutUint32(w.scratch[1:], uint32(v))
				w.raw(w.scratch[:5])
				return
			}
		}
	}
	if w.compress && len(s) > 20 {
		if c := lzfCompress(s, len(s)-5); c != nil {
			w.byte1(encVal<<6 | encLZF)
			w.length(uint64(len(c)))
			w.length(uint64(len(s)))
			w.raw(c)
			return
		}
	}
	w.length(uint64(len(s)))
	w.raw(s)
}

// strString is str for a string, without copying it into a new []byte: the bytes are only
// read (checksummed, compressed or written), never kept or changed, so viewing the string's
// memory is safe and saves an allocation per member when a big collection is serialized.
func (w *Writer) strString(s string) {
	w.str(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// SelectDB starts database id; size and expires are the RESIZEDB hints (key count and the
// number of keys with a TTL).
func (w *Writer) SelectDB(id, size, expires int) error {
	w.byte1(opSelectDB)
	w.length(uint64(id))
	w.byte1(opResizeDB)
	w.length(uint64(size))
	w.length(uint64(expires))
	return w.err
}

// WriteKey writes one key. expireMs is its unix ms deadline, or -1 (any negative) for none.
func (w *Writer) WriteKey(key string, o *keyspace.Object, expireMs int64) error {
	if w.err != nil {
		return w.err
	}
	if expireMs >= 0 {
		w.byte1(opExpireTimeMs)
		w.uint64LE(uint64(expireMs))
	}
	if w.lruNow > 0 {
		w.byte1(opIdle)
		w.length(uint64(max(w.lruNow-o.AccessMs(), 0) / 1000))
	}
	switch o.Type {
	case keyspace.TypeString:
		w.byte1(typeString)
		w.strString(key)
		w.str(o.Str)
	case keyspace.TypeList:
		l, ok := o.Val.(*list.List)
		if !ok {
			return fmt.Errorf("rdb: key %q: list value is %T", key, o.Val)
		}
		w.byte1(typeListQuicklist2)
		w.strString(key)
		w.list(l)
	case keyspace.TypeHash:
		h, ok := o.Val.(*hash.Hash)
		if !ok {
			return fmt.Errorf("rdb: key %q: hash value is %T", key, o.Val)
		}
		w.byte1(typeHash)
		w.strString(key)
		w.length(uint64(h.Len()))
		for f, v := range h.All() {
			w.strString(f)
			w.strString(v)
		}
	case keyspace.TypeSet:
		s, ok := o.Val.(*set.Set)
		if !ok {
			return fmt.Errorf("rdb: key %q: set value is %T", key, o.Val)
		}
		w.byte1(typeSet)
		w.strString(key)
		w.length(uint64(s.Len()))
		var num []byte
		for m := range s.All() {
			if m.IsInt {
				num = strconv.AppendInt(num[:0], m.Int, 10)
				w.str(num)
			} else {
				w.strString(m.Str)
			}
		}
	case keyspace.TypeZSet:
		z, ok := o.Val.(*zset.ZSet)
		if !ok {
			return fmt.Errorf("rdb: key %q: zset value is %T", key, o.Val)
		}
		w.byte1(typeZSet2)
		w.strString(key)
		n := z.Len()
		w.length(uint64(n))
		// Redis writes from the tail so that loading appends at the head cheaply; any
		// order loads. One descending walk of the tree: O(n), not a rank lookup per member.
		z.Descending(func(e zset.Entry) bool {
			w.strString(e.Member)
			w.uint64LE(math.Float64bits(e.Score))
			return w.err == nil
		})
	case keyspace.TypeStream:
		s, ok := o.Val.(*stream.Stream)
		if !ok {
			return fmt.Errorf("rdb: key %q: stream value is %T", key, o.Val)
		}
		w.byte1(typeStreamListpacks2)
		w.strString(key)
		w.stream(s)
	default:
		return fmt.Errorf("rdb: key %q: type %v is not supported by the writer", key, o.Type)
	}
	return w.err
}

// list writes a QUICKLIST_2 body: PACKED nodes of at most listNodeEntries elements and
// about listNodeBytes bytes (one larger element gets a node of its own).
func (w *Writer) list(l *list.List) {
	n := l.Len()
	// Count nodes first: the node count precedes them.
	spans := w.spans[:0]
	if n == 0 {
		w.length(0)
		return
	}
	it := l.IterAt(0, false)
	lo, cnt, bytes := 0, 0, 0
	for i := 0; i < n; i++ {
		v, _ := it.Next()
		sz := len(v) + 11
		if cnt > 0 && (cnt >= listNodeEntries || bytes+sz > listNodeBytes) {
			spans = append(spans, listSpan{lo, i})
			lo, cnt, bytes = i, 0, 0
		}
		cnt++
		bytes += sz
	}
	if cnt > 0 {
		spans = append(spans, listSpan{lo, n})
	}
	w.spans = spans
	w.length(uint64(len(spans)))
	it = l.IterAt(0, false)
	for _, sp := range spans {
		lp := w.lp.reset()
		for i := sp.lo; i < sp.hi; i++ {
			v, _ := it.Next()
			lp.append(v)
		}
		w.length(containerPacked)
		w.str(lp.finish())
	}
}

// Close writes the EOF opcode and the checksum (zero with NoChecksum) and flushes.
func (w *Writer) Close() error {
	w.byte1(opEOF)
	if w.err != nil {
		return w.err
	}
	var b [8]byte
	le.PutUint64(b[:], w.crc)
	if _, err := w.w.Write(b[:]); err != nil {
		return err
	}
	return w.w.Flush()
}

// WriteDB writes every live key of db (SELECTDB, RESIZEDB, then the keys); an empty db
// writes nothing. now is unix ms: keys expired by then are left out. It fails on a value
// the writer does not support, naming the key.
func (w *Writer) WriteDB(db *keyspace.DB, now int64) error {
	n, exp := 0, 0
	db.Each(now, func(k string, _ *keyspace.Object) bool {
		n++
		if db.TTL(k) >= 0 {
			exp++
		}
		return true
	})
	if n == 0 {
		return w.err
	}
	if err := w.SelectDB(db.ID, n, exp); err != nil {
		return err
	}
	var err error
	db.Each(now, func(k string, o *keyspace.Object) bool {
		err = w.WriteKey(k, o, db.TTL(k))
		return err == nil
	})
	return err
}
