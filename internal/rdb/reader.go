package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// Options tune Load. The zero value uses Redis's default encoding limits.
type Options struct {
	Hash    hash.Limits // hash-max-listpack-entries/-value (default 128/64)
	ZSet    zset.Limits // zset-max-listpack-entries/-value (default 128/64)
	SetInts int64       // set-max-intset-entries (default 512)
	// Aux is called with each aux field (redis-ver, ctime, repl-id, ...).
	Aux func(key, value string) error
	// Function is called with the code of each function library (FUNCTION2 opcode); when nil
	// libraries are skipped.
	Function func(code string) error
	// ResizeDB is called with the RESIZEDB hints of each database.
	ResizeDB func(db int, size, expires uint64) error
	// Now is the unix ms time against which hash field deadlines (RDB 12) are judged; zero
	// means the current time.
	Now int64
}

// KeyFunc receives one loaded key. expireMs is its unix ms deadline, -1 for none; keys whose
// deadline has passed are reported too (the caller decides, as Redis drops them on a
// master). Empty collections, which Redis skips, are not reported.
type KeyFunc func(db int, key string, obj keyspace.Object, expireMs int64) error

// Load reads an RDB file from r with default options.
func Load(r io.Reader, fn KeyFunc) error { return LoadOptions(r, Options{}, fn) }

// LoadOptions reads an RDB file from r. The whole input is read into memory first, so no
// allocation is ever sized by a declared length larger than the bytes actually present.
func LoadOptions(r io.Reader, o Options, fn KeyFunc) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return LoadBytes(b, o, fn)
}

type reader struct {
	b   []byte
	p   int
	o   Options
	ver int
}

func (r *reader) now() int64 {
	if r.o.Now != 0 {
		return r.o.Now
	}
	return time.Now().UnixMilli()
}

func (r *reader) errf(format string, a ...any) error {
	return &Error{Offset: int64(r.p), Msg: fmt.Sprintf(format, a...)}
}

var errShort = errors.New("unexpected end of file")

func (r *reader) need(n uint64) error {
	if n > uint64(len(r.b)-r.p) {
		return r.errf("unexpected end of file (need %d bytes, %d remain)", n, len(r.b)-r.p)
	}
	return nil
}

func (r *reader) take(n uint64) ([]byte, error) {
	if err := r.need(n); err != nil {
		return nil, err
	}
	s := r.b[r.p : r.p+int(n)]
	r.p += int(n)
	return s, nil
}

func (r *reader) byte1() (byte, error) {
	if r.p >= len(r.b) {
		return 0, r.errf("unexpected end of file")
	}
	c := r.b[r.p]
	r.p++
	return c, nil
}

// length reads an RDB length; enc reports a special string encoding (then n is its kind).
func (r *reader) lengthEnc() (n uint64, enc bool, err error) {
	c, err := r.byte1()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case len6bit:
		return uint64(c & 0x3f), false, nil
	case len14bit:
		c2, err := r.byte1()
		if err != nil {
			return 0, false, err
		}
		return uint64(c&0x3f)<<8 | uint64(c2), false, nil
	case encVal:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case len32bit:
		b, err := r.take(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(be.Uint32(b)), false, nil
	case len64bit:
		b, err := r.take(8)
		if err != nil {
			return 0, false, err
		}
		return be.Uint64(b), false, nil
	}
	r.p--
	return 0, false, r.errf("unknown length encoding 0x%02x", c)
}

func (r *reader) length() (uint64, error) {
	n, enc, err := r.lengthEnc()
	if err == nil && enc {
		r.p--
		return 0, r.errf("encoded value where a length was expected")
	}
	return n, err
}

// count reads a collection length and bounds it by the remaining input, given that each
// element takes at least min bytes.
func (r *reader) count(min uint64) (int, error) {
	n, err := r.length()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(r.b)-r.p)/min {
		return 0, r.errf("length %d exceeds the remaining input", n)
	}
	return int(n), nil
}

// str reads a string. The result may alias the input.
func (r *reader) str() ([]byte, error) {
	start := r.p
	n, enc, err := r.lengthEnc()
	if err != nil {
		return nil, err
	}
	if !enc {
		return r.take(n)
	}
	switch n {
	case encInt8:
		b, err := r.take(1)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(b[0])), 10), nil
	case encInt16:
		b, err := r.take(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(le.Uint16(b))), 10), nil
	case encInt32:
		b, err := r.take(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(le.Uint32(b))), 10), nil
	case encLZF:
		clen, err := r.length()
		if err != nil {
			return nil, err
		}
		ulen, err := r.length()
		if err != nil {
			return nil, err
		}
		if err := r.need(clen); err != nil {
			return nil, err
		}
		// LZF expands at most ~132x (a 2-byte back reference copies up to 264 bytes); a
		// larger declared length cannot be honest.
		if ulen > clen*132+32 {
			return nil, r.errf("LZF length %d implausible for %d compressed bytes", ulen, clen)
		}
		c, _ := r.take(clen)
		out, err := lzfDecompress(c, int(ulen))
		if err != nil {
			return nil, &Error{Offset: int64(start), Msg: err.Error()}
		}
		return out, nil
	}
	r.p = start
	return nil, r.errf("unknown string encoding %d", n)
}

// LoadBytes parses the RDB file in b.
func LoadBytes(b []byte, o Options, fn KeyFunc) (err error) {
	if o.Hash == (hash.Limits{}) {
		o.Hash = hash.Limits{Entries: 128, Value: 64}
	}
	if o.ZSet == (zset.Limits{}) {
		o.ZSet = zset.Limits{Entries: 128, Value: 64}
	}
	if o.SetInts == 0 {
		o.SetInts = 512
	}
	r := &reader{b: b, o: o}
	if len(b) < 9 || string(b[:5]) != "REDIS" {
		return r.errf("not an RDB file")
	}
	ver, perr := strconv.Atoi(string(b[5:9]))
	if perr != nil || ver < 1 || ver > maxVersion {
		return r.errf("unsupported RDB version %q", b[5:9])
	}
	r.ver, r.p = ver, 9
	db := 0
	expire := int64(-1)
	idle := int64(-1) // seconds, from an IDLE opcode (files saved under an LRU policy)
	for {
		op, err := r.byte1()
		if err != nil {
			return err
		}
		switch op {
		case opEOF:
			return r.checksum()
		case opSelectDB:
			n, err := r.length()
			if err != nil {
				return err
			}
			if n > math.MaxInt32 {
				return r.errf("database %d out of range", n)
			}
			db = int(n)
			continue
		case opSlotInfo:
			// Cluster slot sizes (slot, keys, keys with a TTL): hints only.
			for range 3 {
				if _, err := r.length(); err != nil {
					return err
				}
			}
			continue
		case opResizeDB:
			size, err := r.length()
			if err != nil {
				return err
			}
			exp, err := r.length()
			if err != nil {
				return err
			}
			if o.ResizeDB != nil {
				if err := o.ResizeDB(db, size, exp); err != nil {
					return err
				}
			}
			continue
		case opExpireTime:
			b, err := r.take(4)
			if err != nil {
				return err
			}
			expire = int64(int32(le.Uint32(b))) * 1000
			continue
		case opExpireTimeMs:
			b, err := r.take(8)
			if err != nil {
				return err
			}
			expire = int64(le.Uint64(b))
			continue
		case opIdle:
			n, err := r.length()
			if err != nil {
				return err
			}
			idle = int64(min(n, 1<<31))
			continue
		case opFreq:
			if _, err := r.take(1); err != nil {
				return err
			}
			continue
		case opAux:
			k, err := r.str()
			if err != nil {
				return err
			}
			v, err := r.str()
			if err != nil {
				return err
			}
			if o.Aux != nil {
				if err := o.Aux(string(k), string(v)); err != nil {
					return err
				}
			}
			continue
		case opModuleAux:
			if _, err := r.length(); err != nil { // module id
				return err
			}
			if err := r.skipModuleValue(); err != nil {
				return err
			}
			continue
		case opFunction2:
			code, err := r.str()
			if err != nil {
				return err
			}
			if o.Function != nil {
				if err := o.Function(string(code)); err != nil {
					return err
				}
			}
			continue
		case opFunction:
			return r.errf("pre-release function format (opcode 246) is not supported")
		}
		// A key of value type op.
		if typeSeen != nil {
			typeSeen(op)
		}
		keyAt := r.p
		key, err := r.str()
		if err != nil {
			return err
		}
		obj, ok, err := r.value(op)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Msg = fmt.Sprintf("key %q (at %d): %s", key, keyAt, e.Msg)
				return e
			}
			return &Error{Offset: int64(r.p), Msg: fmt.Sprintf("key %q (at %d): %v", key, keyAt, err)}
		}
		if ok {
			if idle >= 0 {
				obj.Touch(r.now() - idle*1000)
			}
			if err := fn(db, string(key), obj, expire); err != nil {
				return err
			}
		}
		expire, idle = -1, -1
	}
}

// checksum verifies the trailing CRC (versions 5 and later; zero means it was disabled).
func (r *reader) checksum() error {
	if r.ver < 5 {
		return nil
	}
	end := r.p
	b, err := r.take(8)
	if err != nil {
		return err
	}
	want := le.Uint64(b)
	if want != 0 {
		if got := crc64Update(0, r.b[:end]); got != want {
			return &Error{Offset: int64(end), Msg: fmt.Sprintf("checksum mismatch: file says %016x, content gives %016x", want, got)}
		}
	}
	return nil
}

// skipModuleValue skips the when_opcode/when pair and the opcode stream of a module aux field.
func (r *reader) skipModuleValue() error {
	if _, err := r.length(); err != nil { // when_opcode
		return err
	}
	if _, err := r.length(); err != nil { // when
		return err
	}
	return r.skipModuleOpcodes()
}

func (r *reader) skipModuleOpcodes() error {
	for {
		op, err := r.length()
		if err != nil {
			return err
		}
		switch op {
		case 0: // EOF
			return nil
		case 1, 2: // signed, unsigned int
			_, err = r.length()
		case 3: // float
			_, err = r.take(4)
		case 4: // double
			_, err = r.take(8)
		case 5: // string
			_, err = r.str()
		default:
			return r.errf("unknown module opcode %d", op)
		}
		if err != nil {
			return err
		}
	}
}

// moduleTypeName decodes the 9-character type name packed, 6 bits a character, in the top 54
// bits of a module type id (the low 10 bits are the encoding version).
func moduleTypeName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	for i := range name {
		name[i] = charset[id>>(58-6*i)&63]
	}
	return string(name[:])
}

// typeSeen, when set (tests), is called with the value type of each key.
var typeSeen func(t byte)

// value reads one value of type t. ok is false for an empty collection (skipped, as Redis
// does).
func (r *reader) value(t byte) (keyspace.Object, bool, error) {
	switch t {
	case typeString:
		s, err := r.str()
		if err != nil {
			return keyspace.Object{}, false, err
		}
		return keyspace.Object{Type: keyspace.TypeString, Str: bytes.Clone(s)}, true, nil
	case typeList:
		n, err := r.count(1)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		l := list.New()
		for range n {
			s, err := r.str()
			if err != nil {
				return keyspace.Object{}, false, err
			}
			l.PushBack(bytes.Clone(s))
		}
		return listObj(l)
	case typeListQuicklist, typeListQuicklist2:
		return r.quicklist(t == typeListQuicklist2)
	case typeListZiplist:
		l := list.New()
		if err := r.blob(zlEach, func(v []byte) error { l.PushBack(bytes.Clone(v)); return nil }); err != nil {
			return keyspace.Object{}, false, err
		}
		return listObj(l)
	case typeSet:
		n, err := r.count(1)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		s := set.New()
		for range n {
			m, err := r.str()
			if err != nil {
				return keyspace.Object{}, false, err
			}
			if !s.Add(m, r.o.SetInts) {
				return keyspace.Object{}, false, fmt.Errorf("duplicate set member %q", m)
			}
		}
		return setObj(s)
	case typeSetIntset:
		s := set.New()
		at := r.p
		b, err := r.str()
		if err != nil {
			return keyspace.Object{}, false, err
		}
		var num []byte
		if _, err := intsetEach(b, func(v int64) error {
			num = strconv.AppendInt(num[:0], v, 10)
			s.Add(num, r.o.SetInts)
			return nil
		}); err != nil {
			return keyspace.Object{}, false, &Error{Offset: int64(at), Msg: err.Error()}
		}
		return setObj(s)
	case typeSetListpack:
		s := set.New()
		if err := r.blob(lpEach, func(v []byte) error {
			if !s.Add(v, r.o.SetInts) {
				return fmt.Errorf("duplicate set member %q", v)
			}
			return nil
		}); err != nil {
			return keyspace.Object{}, false, err
		}
		return setObj(s)
	case typeZSet, typeZSet2:
		n, err := r.count(2)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		entries := make([]zset.Entry, 0, min(n, 1<<16)) // n is declared by the file: grown as read
		for range n {
			m, err := r.str()
			if err != nil {
				return keyspace.Object{}, false, err
			}
			var score float64
			if t == typeZSet2 {
				b, err := r.take(8)
				if err != nil {
					return keyspace.Object{}, false, err
				}
				score = math.Float64frombits(le.Uint64(b))
			} else {
				if score, err = r.oldDouble(); err != nil {
					return keyspace.Object{}, false, err
				}
			}
			entries = append(entries, zset.Entry{Member: string(m), Score: score})
		}
		z, err := zset.Load(entries, r.o.ZSet)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		return zsetObj(z)
	case typeZSetZiplist, typeZSetListpack:
		each := lpEach
		if t == typeZSetZiplist {
			each = zlEach
		}
		z := zset.New()
		var member []byte
		odd := false
		if err := r.blob(each, func(v []byte) error {
			odd = !odd
			if odd {
				member = bytes.Clone(v)
				return nil
			}
			score, err := strconv.ParseFloat(string(v), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("invalid score %q", v)
			}
			return zadd(z, member, score, r.o.ZSet)
		}); err != nil {
			return keyspace.Object{}, false, err
		}
		if odd {
			return keyspace.Object{}, false, errors.New("odd number of sorted set elements")
		}
		return zsetObj(z)
	case typeHash:
		n, err := r.count(2)
		if err != nil {
			return keyspace.Object{}, false, err
		}
		h := hash.New()
		for range n {
			f, err := r.str()
			if err != nil {
				return keyspace.Object{}, false, err
			}
			v, err := r.str()
			if err != nil {
				return keyspace.Object{}, false, err
			}
			if !h.Set(f, v, r.o.Hash) {
				return keyspace.Object{}, false, fmt.Errorf("duplicate hash field %q", f)
			}
		}
		return hashObj(h)
	case typeHashZiplist, typeHashListpack:
		each := lpEach
		if t == typeHashZiplist {
			each = zlEach
		}
		h := hash.New()
		var field []byte
		odd := false
		if err := r.blob(each, func(v []byte) error {
			odd = !odd
			if odd {
				field = bytes.Clone(v)
				return nil
			}
			if !h.Set(field, v, r.o.Hash) {
				return fmt.Errorf("duplicate hash field %q", field)
			}
			return nil
		}); err != nil {
			return keyspace.Object{}, false, err
		}
		if odd {
			return keyspace.Object{}, false, errors.New("odd number of hash elements")
		}
		return hashObj(h)
	case typeHashZipmap:
		return keyspace.Object{}, false, errors.New("zipmap-encoded hashes (RDB < 4) are not supported")
	case typeHashListpackEx, typeHashListpackExPreGA:
		return r.hashListpackTTL(t)
	case typeHashMetadata, typeHashMetadataPreGA:
		return r.hashMetadata(t)
	case typeModule, typeModule2:
		id, err := r.length()
		if err != nil {
			return keyspace.Object{}, false, err
		}
		return keyspace.Object{}, false, fmt.Errorf("value of module type %q (encoding version %d): modules are not supported", moduleTypeName(id), id&1023)
	case typeStreamListpacks, typeStreamListpacks2, typeStreamListpacks3:
		return r.stream(t)
	}
	return keyspace.Object{}, false, fmt.Errorf("unknown value type %d", t)
}

// blob reads a string holding a ziplist or listpack and walks it with each.
func (r *reader) blob(each func([]byte, func([]byte) error) (int, error), fn func([]byte) error) error {
	at := r.p
	b, err := r.str()
	if err != nil {
		return err
	}
	if _, err := each(b, fn); err != nil {
		return &Error{Offset: int64(at), Msg: err.Error()}
	}
	return nil
}

func (r *reader) quicklist(v2 bool) (keyspace.Object, bool, error) {
	n, err := r.count(2)
	if err != nil {
		return keyspace.Object{}, false, err
	}
	l := list.New()
	push := func(v []byte) error { l.PushBack(bytes.Clone(v)); return nil }
	for range n {
		container := uint64(containerPacked)
		if v2 {
			if container, err = r.length(); err != nil {
				return keyspace.Object{}, false, err
			}
		}
		switch {
		case container == containerPlain:
			b, err := r.str()
			if err != nil {
				return keyspace.Object{}, false, err
			}
			l.PushBack(bytes.Clone(b))
		case container == containerPacked && v2:
			if err := r.blob(lpEach, push); err != nil {
				return keyspace.Object{}, false, err
			}
		case container == containerPacked:
			if err := r.blob(zlEach, push); err != nil {
				return keyspace.Object{}, false, err
			}
		default:
			return keyspace.Object{}, false, fmt.Errorf("unknown quicklist container %d", container)
		}
	}
	return listObj(l)
}

// oldDouble reads a double of the original ZSET encoding: a length byte and ASCII, with
// 253/254/255 meaning NaN, +inf and -inf.
func (r *reader) oldDouble() (float64, error) {
	c, err := r.byte1()
	if err != nil {
		return 0, err
	}
	switch c {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b, err := r.take(uint64(c))
	if err != nil {
		return 0, err
	}
	f, perr := strconv.ParseFloat(string(b), 64)
	if perr != nil && !errors.Is(perr, strconv.ErrRange) {
		return 0, fmt.Errorf("invalid score %q", b)
	}
	return f, nil
}

func zadd(z *zset.ZSet, m []byte, score float64, lim zset.Limits) error {
	if math.IsNaN(score) {
		return errors.New("NaN score")
	}
	if _, res := z.Add(string(m), score, 0, lim); res != zset.Added {
		return fmt.Errorf("duplicate sorted set member %q", m)
	}
	return nil
}

func listObj(l *list.List) (keyspace.Object, bool, error) {
	return keyspace.Object{Type: keyspace.TypeList, Val: l}, l.Len() > 0, nil
}

func setObj(s *set.Set) (keyspace.Object, bool, error) {
	return keyspace.Object{Type: keyspace.TypeSet, Val: s}, s.Len() > 0, nil
}

func zsetObj(z *zset.ZSet) (keyspace.Object, bool, error) {
	return keyspace.Object{Type: keyspace.TypeZSet, Val: z}, z.Len() > 0, nil
}

func hashObj(h *hash.Hash) (keyspace.Object, bool, error) {
	return keyspace.Object{Type: keyspace.TypeHash, Val: h}, h.Len() > 0, nil
}
