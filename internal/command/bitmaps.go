package command

import (
	"bytes"
	"crypto/subtle"
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// bitfieldKeyFlags is BITFIELD's key access: read-only unless a SET or INCRBY is present.
func bitfieldKeyFlags(args [][]byte) KeyFlags {
	for _, a := range args[2:] {
		if eqFold(a, "set") || eqFold(a, "incrby") {
			return RW | Access | Update
		}
	}
	return RO | Access
}

var bitmapCommands = []*Spec{
	{Name: "setbit", Arity: 4, Flags: Write | DenyOOM, Categories: CatBitmap, Keys: strKey(RW | Access | Update), Handler: bitSetbit,
		Summary: "Sets or clears the bit at offset in the string value stored at key", Since: "2.2.0", Group: "bitmap", Complexity: "O(1)"},
	{Name: "getbit", Arity: 3, Flags: Readonly | Fast, Categories: CatBitmap, Keys: strKey(RO | Access), Handler: bitGetbit,
		Summary: "Returns the bit value at offset in the string value stored at key", Since: "2.2.0", Group: "bitmap", Complexity: "O(1)"},
	{Name: "bitcount", Arity: -2, Flags: Readonly, Categories: CatBitmap, Keys: strKey(RO | Access), Handler: bitBitcount,
		Summary: "Count set bits in a string", Since: "2.6.0", Group: "bitmap", Complexity: "O(N)"},
	{Name: "bitpos", Arity: -3, Flags: Readonly, Categories: CatBitmap, Keys: strKey(RO | Access), Handler: bitBitpos,
		Summary: "Find first bit set or clear in a string", Since: "2.8.7", Group: "bitmap", Complexity: "O(N)"},
	{Name: "bitop", Arity: -4, Flags: Write | DenyOOM, Categories: CatBitmap, Handler: bitBitop,
		Keys:    []KeySpec{{Flags: OW | Update, BeginIndex: 2, KeyStep: 1}, {Flags: RO | Access, BeginIndex: 3, LastKey: -1, KeyStep: 1}},
		Summary: "Perform bitwise operations between strings", Since: "2.6.0", Group: "bitmap", Complexity: "O(N)"},
	{Name: "bitfield", Arity: -2, Flags: Write | DenyOOM, Categories: CatBitmap, Handler: bitBitfield,
		Keys:        []KeySpec{{Flags: RW | Access | Update | VariableFlags, Notes: "This command allows both access and modification of the key", BeginIndex: 1, KeyStep: 1}},
		VarKeyFlags: bitfieldKeyFlags,
		Summary:     "Perform arbitrary bitfield integer operations on strings", Since: "3.2.0", Group: "bitmap", Complexity: "O(1) for each subcommand specified"},
	{Name: "bitfield_ro", Arity: -2, Flags: Readonly | Fast, Categories: CatBitmap, Keys: strKey(RO | Access), Handler: bitBitfieldRO,
		Summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", Since: "6.0.0", Group: "bitmap", Complexity: "O(1) for each subcommand specified"},
}

const errBitOffset = "ERR bit offset is not an integer or out of range"

// bitOffset parses a bit offset, refusing offsets whose byte lies beyond proto-max-bulk-len.
// With hash (BITFIELD), "#N" means N times the field width; the product wraps as Redis's does.
func bitOffset(c *Ctx, arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	n, ok := ParseInt(arg)
	if ok && useHash {
		n *= int64(width)
	}
	if !ok || n < 0 || n>>3 >= strMaxBulkLen {
		c.Err(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

// bitWritable returns key's string, created or zero-padded so that bit maxbit exists and
// unshared for in-place writes, as Redis's lookupStringForBitCommand. grew reports a new
// key or a longer string. The caller has bounded maxbit, so the growth is bounded too.
func bitWritable(c *Ctx, key string, maxbit uint64) (o *keyspace.Object, grew, ok bool) {
	n := int(maxbit>>3) + 1
	o, ok = c.LookupType(key, keyspace.TypeString)
	if !ok {
		return nil, false, false
	}
	if o == nil {
		o = c.DB.Create(key)
		*o = newString(c, make([]byte, n))
		o.Raw = true
		c.Notify(NotifyNew, "new", key)
		return o, true, true
	}
	unshareString(o, n)
	if len(o.Str) < n {
		o.Str = growZero(o.Str, n)
		grew = true
	}
	return o, grew, true
}

func bitSetbit(c *Ctx) {
	const errBit = "ERR bit is not an integer or out of range"
	off, ok := bitOffset(c, c.Args[2], false, 0)
	if !ok {
		return
	}
	on, ok := ParseInt(c.Args[3])
	if !ok || on&^1 != 0 {
		c.Err(errBit)
		return
	}
	key := c.Key(1)
	o, grew, ok := bitWritable(c, key, off)
	if !ok {
		return
	}
	idx, mask := off>>3, byte(1)<<(7-off&7)
	old := o.Str[idx]&mask != 0
	if grew || old != (on == 1) {
		if on == 1 {
			o.Str[idx] |= mask
		} else {
			o.Str[idx] &^= mask
		}
		c.DB.Modified(key)
		c.Changed(1)
		c.Notify(NotifyString, "setbit", key)
	}
	if old {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

func bitGetbit(c *Ctx) {
	off, ok := bitOffset(c, c.Args[2], false, 0)
	if !ok {
		return
	}
	o, ok := c.ReadType(c.Key(1), keyspace.TypeString)
	if !ok {
		return
	}
	if o != nil && off>>3 < uint64(len(o.Str)) && o.Str[off>>3]&(1<<(7-off&7)) != 0 {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

// bitRangeUnit parses the optional BIT|BYTE argument of BITCOUNT and BITPOS.
func bitRangeUnit(c *Ctx, arg []byte) (isBit, ok bool) {
	switch {
	case eqFold(arg, "bit"):
		return true, true
	case eqFold(arg, "byte"):
		return false, true
	}
	c.Err(ErrSyntax)
	return false, false
}

// bitClampRange resolves negative and out-of-range indexes against total (bytes or bits) as
// BITCOUNT and BITPOS do. In bit units it converts to bytes and returns the masks of the bits
// outside the range in the first and last byte.
func bitClampRange(start, end, total int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if isBit && start <= end {
		firstMask = ^byte(0xff >> (start & 7))
		lastMask = byte(1)<<(7-end&7) - 1
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// bitBitcount follows Redis 7.0's order: the key is looked up first, so a missing key
// answers 0 whatever the other arguments are.
func bitBitcount(c *Ctx) {
	o, ok := c.ReadType(c.Key(1), keyspace.TypeString)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	p := o.Str
	var start, end int64
	var firstMask, lastMask byte
	switch len(c.Args) {
	case 4, 5:
		if start, ok = c.ArgInt(2); !ok {
			return
		}
		if end, ok = c.ArgInt(3); !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			c.W.Int(0)
			return
		}
		isBit := false
		if len(c.Args) == 5 {
			if isBit, ok = bitRangeUnit(c, c.Args[4]); !ok {
				return
			}
		}
		total := int64(len(p))
		if isBit {
			total <<= 3
		}
		start, end, firstMask, lastMask = bitClampRange(start, end, total, isBit)
	case 2:
		start, end = 0, int64(len(p))-1
	default:
		c.Err(ErrSyntax)
		return
	}
	if start > end {
		c.W.Int(0)
		return
	}
	n := popcount(p[start : end+1])
	n -= int64(bits.OnesCount8(p[start]&firstMask) + bits.OnesCount8(p[end]&lastMask))
	c.W.Int(n)
}

func popcount(p []byte) int64 {
	var n int
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// bitposIn returns the position of the first bit equal to bit in p. When there is none it
// returns -1 looking for 1, and len(p)*8 looking for 0 (the string is taken as zero padded).
func bitposIn(p []byte, bit int) int64 {
	skip := byte(0)
	skipWord := uint64(0)
	if bit == 0 {
		skip, skipWord = 0xff, math.MaxUint64
	}
	i := 0
	for i+8 <= len(p) && binary.LittleEndian.Uint64(p[i:]) == skipWord {
		i += 8
	}
	for ; i < len(p); i++ {
		if p[i] != skip {
			b := p[i]
			if bit == 0 {
				b = ^b
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(b))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

// bitBitpos follows Redis 7.0: the bit argument is checked, then the key looked up (a missing
// key answers without parsing the range), then the range parsed.
func bitBitpos(c *Ctx) {
	b, ok := ParseInt(c.Args[2])
	if !ok {
		c.Err(ErrNotInt)
		return
	}
	if b != 0 && b != 1 {
		c.Err("ERR The bit argument must be 1 or 0.")
		return
	}
	bit := int(b)
	o, ok := c.ReadType(c.Key(1), keyspace.TypeString)
	if !ok {
		return
	}
	if o == nil { // an endless run of zeros: no 1 anywhere, a 0 at once
		c.W.Int(-int64(bit))
		return
	}
	p := o.Str
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	switch len(c.Args) {
	case 4, 5, 6:
		if start, ok = c.ArgInt(3); !ok {
			return
		}
		isBit := false
		if len(c.Args) == 6 {
			if isBit, ok = bitRangeUnit(c, c.Args[5]); !ok {
				return
			}
		}
		total := int64(len(p))
		if len(c.Args) >= 5 {
			if end, ok = c.ArgInt(4); !ok {
				return
			}
			endGiven = true
		} else {
			end = total - 1
		}
		if isBit {
			total <<= 3
		}
		start, end, firstMask, lastMask = bitClampRange(start, end, total, isBit)
	case 3:
		start, end = 0, int64(len(p))-1
	default:
		c.Err(ErrSyntax)
		return
	}
	if start > end {
		c.W.Int(-1)
		return
	}
	pos, start, nbytes := bitposRange(p, bit, start, end, firstMask, lastMask)
	// With an explicit end the bits past the range are not zero padding: no clear bit found.
	if endGiven && bit == 0 && pos == nbytes<<3 {
		c.W.Int(-1)
		return
	}
	if pos != -1 {
		pos += start << 3
	}
	c.W.Int(pos)
}

// bitposRange searches bytes start..end, the first and last masked to the range's bits, in
// the three steps Redis takes. It returns the position relative to the returned start, and
// how many bytes remained from there, which decide the caller's "not found" cases.
func bitposRange(p []byte, bit int, start, end int64, firstMask, lastMask byte) (pos, newStart, nbytes int64) {
	// mask forces the bits outside the range to the value not searched for.
	mask := func(b, m byte) byte {
		if bit == 1 {
			return b &^ m
		}
		return b | m
	}
	nbytes = end - start + 1
	if firstMask != 0 {
		tmp := mask(p[start], firstMask)
		if lastMask != 0 && nbytes == 1 {
			tmp = mask(tmp, lastMask)
		}
		pos = bitposIn([]byte{tmp}, bit)
		if nbytes == 1 || (pos != -1 && pos != 8) {
			return pos, start, nbytes
		}
		start++
		nbytes--
	}
	cur := nbytes
	if lastMask != 0 {
		cur--
	}
	if cur > 0 {
		pos = bitposIn(p[start:start+cur], bit)
		if nbytes == cur || (pos != -1 && pos != cur<<3) {
			return pos, start, nbytes
		}
		start += cur
		nbytes -= cur
	}
	return bitposIn([]byte{mask(p[end], lastMask)}, bit), start, nbytes
}

func bitBitop(c *Ctx) {
	const (
		opAnd = iota
		opOr
		opXor
		opNot
	)
	var op int
	switch name := c.Args[1]; {
	case eqFold(name, "and"):
		op = opAnd
	case eqFold(name, "or"):
		op = opOr
	case eqFold(name, "xor"):
		op = opXor
	case eqFold(name, "not"):
		op = opNot
	default:
		c.Err(ErrSyntax)
		return
	}
	if op == opNot && len(c.Args) != 4 {
		c.Err("ERR BITOP NOT must be called with a single source key.")
		return
	}
	srcs := make([][]byte, len(c.Args)-3)
	maxLen := 0
	for i, k := range c.Args[3:] {
		o, ok := c.ReadType(string(k), keyspace.TypeString)
		if !ok {
			return
		}
		if o != nil {
			srcs[i] = o.Str
			maxLen = max(maxLen, len(o.Str))
		}
	}
	dest := c.Key(2)
	if maxLen == 0 {
		if c.DB.Delete(dest, c.Now) {
			c.Changed(1)
			c.Notify(NotifyGeneric, "del", dest)
		}
		c.W.Int(0)
		return
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch op {
	case opNot:
		for i := range res {
			res[i] = ^res[i]
		}
	case opAnd:
		for _, s := range srcs[1:] {
			for i := range s {
				res[i] &= s[i]
			}
			clear(res[len(s):])
		}
	case opOr:
		for _, s := range srcs[1:] {
			for i := range s {
				res[i] |= s[i]
			}
		}
	case opXor:
		for _, s := range srcs[1:] {
			subtle.XORBytes(res, res[:len(s)], s)
		}
	}
	obj := newString(c, res)
	obj.Raw = true
	created := c.Lookup(dest) == nil
	c.DB.Set(dest, obj, false)
	c.Changed(1)
	strStored(c, dest, created, "set")
	c.W.Int(int64(maxLen))
}

// BITFIELD overflow behaviours.
const (
	bfWrap = iota
	bfSat
	bfFail
)

const (
	bfGet = iota
	bfSet
	bfIncrby
)

type bitfieldOp struct {
	offset uint64
	value  int64 // SET value or INCRBY increment
	opcode int
	ow     int
	width  int
	signed bool
}

// bitfieldType parses i1..i64 or u1..u63. Redis reads the width as a C string, so anything
// after a NUL byte is ignored.
func bitfieldType(c *Ctx, arg []byte) (signed bool, width int, ok bool) {
	const errType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		c.Err(errType)
		return false, 0, false
	}
	signed = arg[0] == 'i'
	w := arg[1:]
	if i := bytes.IndexByte(w, 0); i >= 0 {
		w = w[:i]
	}
	n, ok := ParseInt(w)
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.Err(errType)
		return false, 0, false
	}
	return signed, int(n), true
}

func bitBitfield(c *Ctx) { bitfieldGeneric(c, false) }

func bitBitfieldRO(c *Ctx) { bitfieldGeneric(c, true) }

// bitfieldGeneric parses every operation before touching the key, then runs them in order.
func bitfieldGeneric(c *Ctx, readonlyCmd bool) {
	ow := bfWrap
	readonly := true
	var highest uint64
	var ops []bitfieldOp
	for j := 2; j < len(c.Args); j++ {
		remaining := len(c.Args) - j - 1
		sub := c.Args[j]
		var opcode int
		switch {
		case eqFold(sub, "get") && remaining >= 2:
			opcode = bfGet
		case eqFold(sub, "set") && remaining >= 3:
			opcode = bfSet
		case eqFold(sub, "incrby") && remaining >= 3:
			opcode = bfIncrby
		case eqFold(sub, "overflow") && remaining >= 1:
			j++
			switch t := c.Args[j]; {
			case eqFold(t, "wrap"):
				ow = bfWrap
			case eqFold(t, "sat"):
				ow = bfSat
			case eqFold(t, "fail"):
				ow = bfFail
			default:
				c.Err("ERR Invalid OVERFLOW type specified")
				return
			}
			continue
		default:
			c.Err(ErrSyntax)
			return
		}
		signed, width, ok := bitfieldType(c, c.Args[j+1])
		if !ok {
			return
		}
		off, ok := bitOffset(c, c.Args[j+2], true, width)
		if !ok {
			return
		}
		var v int64
		if opcode != bfGet {
			readonly = false
			highest = max(highest, off+uint64(width)-1)
			if v, ok = c.ArgInt(j + 3); !ok {
				return
			}
			j++
		}
		ops = append(ops, bitfieldOp{offset: off, value: v, opcode: opcode, ow: ow, width: width, signed: signed})
		j += 2
	}
	key := c.Key(1)
	var o *keyspace.Object
	grew := false
	if readonly {
		var ok bool
		if o, ok = c.ReadType(key, keyspace.TypeString); !ok {
			return
		}
	} else {
		if readonlyCmd {
			c.Err("ERR BITFIELD_RO only supports the GET subcommand")
			return
		}
		var ok bool
		if o, grew, ok = bitWritable(c, key, highest); !ok {
			return
		}
	}
	c.W.Array(len(ops))
	changes := 0
	for _, op := range ops {
		if op.opcode == bfGet {
			// Read through a zero-padded copy, so fields past the end of the string read as 0.
			var buf [9]byte
			idx := op.offset >> 3
			if o != nil && idx < uint64(len(o.Str)) {
				copy(buf[:], o.Str[idx:])
			}
			rel := op.offset - idx*8
			if op.signed {
				c.W.Int(getSignedBits(buf[:], rel, op.width))
			} else {
				c.W.Int(int64(getUnsignedBits(buf[:], rel, op.width)))
			}
			continue
		}
		var oldU, newU uint64
		var ret int64
		var overflow int
		if op.signed {
			old := getSignedBits(o.Str, op.offset, op.width)
			var wrapped, nv int64
			if op.opcode == bfIncrby {
				wrapped, overflow = checkSignedOverflow(old, op.value, op.width, op.ow)
				nv = old + op.value
				if overflow != 0 {
					nv = wrapped
				}
				ret = nv
			} else {
				nv = op.value
				if wrapped, overflow = checkSignedOverflow(nv, 0, op.width, op.ow); overflow != 0 {
					nv = wrapped
				}
				ret = old
			}
			oldU, newU = uint64(old), uint64(nv)
		} else {
			old := getUnsignedBits(o.Str, op.offset, op.width)
			var wrapped, nv uint64
			if op.opcode == bfIncrby {
				nv = old + uint64(op.value)
				if wrapped, overflow = checkUnsignedOverflow(old, op.value, op.width, op.ow); overflow != 0 {
					nv = wrapped
				}
				ret = int64(nv)
			} else {
				nv = uint64(op.value)
				if wrapped, overflow = checkUnsignedOverflow(nv, 0, op.width, op.ow); overflow != 0 {
					nv = wrapped
				}
				ret = int64(old)
			}
			oldU, newU = old, nv
		}
		if overflow != 0 && op.ow == bfFail {
			c.W.Null()
			continue
		}
		c.W.Int(ret)
		setBits(o.Str, op.offset, op.width, newU)
		if grew || oldU != newU {
			changes++
		}
	}
	if changes > 0 {
		c.DB.Modified(key)
		c.Changed(changes)
		c.Notify(NotifyString, "setbit", key)
	}
}

// getUnsignedBits reads width bits at bit offset off, most significant first.
func getUnsignedBits(p []byte, off uint64, width int) uint64 {
	var v uint64
	for j := 0; j < width; j++ {
		v = v<<1 | uint64(p[off>>3]>>(7-off&7)&1)
		off++
	}
	return v
}

func getSignedBits(p []byte, off uint64, width int) int64 {
	v := getUnsignedBits(p, off, width)
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= math.MaxUint64 << width
	}
	return int64(v)
}

// setBits writes the low width bits of v at bit offset off; p must be long enough.
func setBits(p []byte, off uint64, width int, v uint64) {
	for j := 0; j < width; j++ {
		mask := byte(1) << (7 - off&7)
		if v&(1<<(width-1-j)) != 0 {
			p[off>>3] |= mask
		} else {
			p[off>>3] &^= mask
		}
		off++
	}
}

// checkUnsignedOverflow reports whether value+incr leaves the range of a width-bit unsigned
// integer (1 above, -1 below) and the value WRAP or SAT replaces it with.
func checkUnsignedOverflow(value uint64, incr int64, width, ow int) (limit uint64, overflow int) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := int64(-value)
	switch {
	case value > maxv || (incr > 0 && incr > maxIncr):
		overflow, limit = 1, maxv
	case incr < 0 && incr < minIncr:
		overflow, limit = -1, 0
	default:
		return 0, 0
	}
	if ow == bfWrap {
		limit = (value + uint64(incr)) &^ (math.MaxUint64 << width)
	}
	return limit, overflow
}

// checkSignedOverflow is checkUnsignedOverflow for width-bit two's complement integers; WRAP
// wraps towards the most negative value.
func checkSignedOverflow(value, incr int64, width, ow int) (limit int64, overflow int) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	// Both may wrap; they are only compared once value is known to be in range.
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	switch {
	case value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		overflow, limit = 1, maxv
	case value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		overflow, limit = -1, minv
	default:
		return 0, 0
	}
	if ow == bfWrap {
		v := uint64(value) + uint64(incr)
		if width < 64 {
			if mask := uint64(math.MaxUint64) << width; v&(1<<(width-1)) != 0 {
				v |= mask
			} else {
				v &^= mask
			}
		}
		limit = int64(v)
	}
	return limit, overflow
}
