package scripting

import (
	"encoding/binary"
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// This file mirrors Redis 7.0's bundled deps/lua/src/lua_cmsgpack.c (lua-cmsgpack 0.4.0,
// built for Lua 5.1 on a 64-bit host), byte for byte on encode and value for value on decode.

const (
	cmsgpackMaxNesting = 16   // LUACMSGPACK_MAX_NESTING: deeper tables encode as nil
	luaMaxCStack       = 8000 // LUAI_MAXCSTACK: lua_checkstack's limit for a C function's frame
)

func cmsgpackLib(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(mpPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int { return mpUnpackFull(L, "unpack", 0, 0) }))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		off := luaOptInteger(L, "unpack_one", 2, 0)
		return mpUnpackFull(L, "unpack_one", 1, off)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		limit := luaCheckInteger(L, "unpack_limit", 2)
		off := luaOptInteger(L, "unpack_limit", 3, 0)
		return mpUnpackFull(L, "unpack_limit", limit, off)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

// ---- Lua 5.1 auxlib look-alikes (argument checks with Lua 5.1's wording) ----

func luaArgError(L *lua.LState, fn string, n int, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fn, msg)
}

func luaTypeName(v lua.LValue, present bool) string {
	if !present {
		return "no value"
	}
	return v.Type().String()
}

// luaToNumber is lua_tonumber: numbers, and strings that convert to numbers (strtod or hex).
func luaToNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		t := trimLuaSpace(string(x))
		if t == "" {
			return 0, false
		}
		if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
			u, err := strconv.ParseUint(t[2:], 16, 64)
			return float64(u), err == nil
		}
		for i := 0; i < len(t); i++ {
			if t[i] == '_' {
				return 0, false
			}
		}
		f, err := strconv.ParseFloat(t, 64)
		if err == nil || isRangeErr(err) {
			return f, true
		}
	}
	return 0, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func trimLuaSpace(s string) string {
	isSp := func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
	for len(s) > 0 && isSp(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSp(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func luaCheckNumber(L *lua.LState, fn string, n int) float64 {
	v := L.Get(n)
	if f, ok := luaToNumber(v); ok {
		return f
	}
	luaArgError(L, fn, n, "number expected, got "+luaTypeName(v, n <= L.GetTop()))
	return 0
}

// luaNumberToInteger is lua_tointeger's (lua_Integer)d cast on x86-64 (cvttsd2si: out of range
// and NaN give INT64_MIN).
func luaNumberToInteger(f float64) int64 {
	if f != f || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

func luaCheckInteger(L *lua.LState, fn string, n int) int64 {
	return luaNumberToInteger(luaCheckNumber(L, fn, n))
}

func luaOptInteger(L *lua.LState, fn string, n int, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return luaCheckInteger(L, fn, n)
}

// luaCheckLString is luaL_checklstring: strings, and numbers converted with "%.14g".
func luaCheckLString(L *lua.LState, fn string, n int) string {
	v := L.Get(n)
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return fmt14g(float64(x))
	}
	luaArgError(L, fn, n, "string expected, got "+luaTypeName(v, n <= L.GetTop()))
	return ""
}

// ---- encoding ----

func mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		luaArgError(L, "pack", 0, "MessagePack pack needs input.")
	}
	var buf []byte
	for i := 1; i <= n; i++ {
		buf = mpEncode(buf, L.Get(i), 0)
	}
	if len(buf) > maxStringLen {
		L.RaiseError(errTooLarge)
	}
	L.Push(lua.LString(buf))
	return 1
}

// mpEncode is mp_encode_lua_type: it appends the encoding of v at nesting level level.
// Once the output is over maxStringLen the rest is skipped (mpPack then fails): a table may
// hold the same long string many times, and the output must not multiply it.
func mpEncode(b []byte, v lua.LValue, level int) []byte {
	if len(b) > maxStringLen {
		return b
	}
	switch x := v.(type) {
	case lua.LString:
		return mpEncodeBytes(b, string(x))
	case lua.LBool:
		if x {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(x)
		if !math.IsInf(f, 0) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 && float64(int64(f)) == f {
			return mpEncodeInt(b, int64(f))
		}
		return mpEncodeDouble(b, f)
	case *lua.LTable:
		if level == cmsgpackMaxNesting {
			return append(b, 0xc0)
		}
		if n, ok := mpTableIsArray(x); ok {
			b = mpEncodeLen(b, uint64(n), 0x90, 0xdc, 0xdd)
			for j := 1; j <= n; j++ {
				b = mpEncode(b, x.RawGetInt(j), level+1)
			}
			return b
		}
		n := 0
		x.ForEach(func(_, _ lua.LValue) { n++ })
		b = mpEncodeLen(b, uint64(n), 0x80, 0xde, 0xdf)
		x.ForEach(func(k, val lua.LValue) {
			b = mpEncode(b, k, level+1)
			b = mpEncode(b, val, level+1)
		})
		return b
	}
	return append(b, 0xc0)
}

// mpTableIsArray is table_is_an_array: every key a number n > 0 with (int)n == n, and the
// largest equal to the count. It returns that count.
func mpTableIsArray(t *lua.LTable) (int, bool) {
	count, max, ok := 0, 0, true
	t.ForEach(func(k, _ lua.LValue) {
		if !ok {
			return
		}
		n, isNum := k.(lua.LNumber)
		f := float64(n)
		if !isNum || f <= 0 || math.IsInf(f, 0) || f >= 2147483648.0 || float64(int32(f)) != f {
			ok = false
			return
		}
		if int(f) > max {
			max = int(f)
		}
		count++
	})
	return count, ok && max == count
}

func mpEncodeBytes(b []byte, s string) []byte {
	l := len(s)
	switch {
	case l < 32:
		b = append(b, 0xa0|byte(l))
	case l <= 0xff:
		b = append(b, 0xd9, byte(l))
	case l <= 0xffff:
		b = append(b, 0xda, byte(l>>8), byte(l))
	default:
		b = append(b, 0xdb, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
	return append(b, s...)
}

func mpEncodeDouble(b []byte, d float64) []byte {
	f := float32(d)
	if float64(f) == d {
		b = append(b, 0xca)
		return binary.BigEndian.AppendUint32(b, math.Float32bits(f))
	}
	b = append(b, 0xcb)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(d))
}

func mpEncodeInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return append(b, 0xcd, byte(n>>8), byte(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return append(b, 0xd1, byte(n>>8), byte(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

func mpEncodeLen(b []byte, n uint64, fix, c16, c32 byte) []byte {
	switch {
	case n <= 15:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return append(b, c16, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, c32), uint32(n))
}

// ---- decoding ----

const (
	mpErrNone = iota
	mpErrEOF
	mpErrBadFmt
	mpErrStack // lua_checkstack failure; msg holds the text
	mpErrIndex // lua_settable with a nil or NaN key; msg holds the text
)

// mpDecoder walks the input like lua_cmsgpack's mp_cur. top models lua_gettop() of the C
// function's frame so that the "stack overflow" errors fire exactly where Redis's do; since the
// frame is capped at luaMaxCStack slots, nesting depth and value counts are bounded by it too.
type mpDecoder struct {
	L   *lua.LState
	s   string
	p   int
	err int
	msg string
	top int
}

func (d *mpDecoder) left() int { return len(d.s) - d.p }

func (d *mpDecoder) need(n int) bool {
	if d.left() < n {
		d.err = mpErrEOF
		return false
	}
	return true
}

func (d *mpDecoder) checkStack(msg string) bool {
	if d.top+1 > luaMaxCStack {
		d.err = mpErrStack
		d.msg = "stack overflow (" + msg + ")"
		return false
	}
	return true
}

func (d *mpDecoder) be(off, n int) uint64 {
	var u uint64
	for i := 0; i < n; i++ {
		u = u<<8 | uint64(d.s[d.p+off+i])
	}
	return u
}

// decode decodes one value; on error the returned value is meaningless and d.err is set.
// On success top has grown by one (the value now "on the stack").
func (d *mpDecoder) decode() lua.LValue {
	if !d.need(1) {
		return lua.LNil
	}
	if !d.checkStack("too many return values at once; use unpack_one or unpack_limit instead.") {
		return lua.LNil
	}
	c := d.s[d.p]
	num := func(n int, v float64) lua.LValue {
		d.p += n
		d.top++
		return lua.LNumber(v)
	}
	str := func(hdr, l int) lua.LValue {
		if !d.need(hdr) || d.left()-hdr < l {
			d.err = mpErrEOF
			return lua.LNil
		}
		v := lua.LString(d.s[d.p+hdr : d.p+hdr+l])
		d.p += hdr + l
		d.top++
		return v
	}
	switch c {
	case 0xcc:
		if !d.need(2) {
			return lua.LNil
		}
		return num(2, float64(d.s[d.p+1]))
	case 0xd0:
		if !d.need(2) {
			return lua.LNil
		}
		return num(2, float64(int8(d.s[d.p+1])))
	case 0xcd:
		if !d.need(3) {
			return lua.LNil
		}
		return num(3, float64(d.be(1, 2)))
	case 0xd1:
		if !d.need(3) {
			return lua.LNil
		}
		return num(3, float64(int16(d.be(1, 2))))
	case 0xce:
		if !d.need(5) {
			return lua.LNil
		}
		return num(5, float64(d.be(1, 4)))
	case 0xd2:
		if !d.need(5) {
			return lua.LNil
		}
		return num(5, float64(int32(d.be(1, 4))))
	case 0xcf, 0xd3: // uint64 goes through lua_pushinteger (signed), so both read as int64
		if !d.need(9) {
			return lua.LNil
		}
		return num(9, float64(int64(d.be(1, 8))))
	case 0xc0:
		d.p++
		d.top++
		return lua.LNil
	case 0xc3:
		d.p++
		d.top++
		return lua.LTrue
	case 0xc2:
		d.p++
		d.top++
		return lua.LFalse
	case 0xca:
		if !d.need(5) {
			return lua.LNil
		}
		return num(5, float64(math.Float32frombits(uint32(d.be(1, 4)))))
	case 0xcb:
		if !d.need(9) {
			return lua.LNil
		}
		return num(9, math.Float64frombits(d.be(1, 8)))
	case 0xd9:
		if !d.need(2) {
			return lua.LNil
		}
		return str(2, int(d.s[d.p+1]))
	case 0xda:
		if !d.need(3) {
			return lua.LNil
		}
		return str(3, int(d.be(1, 2)))
	case 0xdb:
		if !d.need(5) {
			return lua.LNil
		}
		return str(5, int(d.be(1, 4)))
	case 0xdc, 0xde:
		if !d.need(3) {
			return lua.LNil
		}
		l := d.be(1, 2)
		d.p += 3
		if c == 0xdc {
			return d.array(l)
		}
		return d.hash(l)
	case 0xdd, 0xdf:
		if !d.need(5) {
			return lua.LNil
		}
		l := d.be(1, 4)
		d.p += 5
		if c == 0xdd {
			return d.array(l)
		}
		return d.hash(l)
	}
	switch {
	case c&0x80 == 0:
		return num(1, float64(c))
	case c&0xe0 == 0xe0:
		return num(1, float64(int8(c)))
	case c&0xe0 == 0xa0:
		return str(1, int(c&0x1f))
	case c&0xf0 == 0x90:
		d.p++
		return d.array(uint64(c & 0xf))
	case c&0xf0 == 0x80:
		d.p++
		return d.hash(uint64(c & 0xf))
	}
	d.err = mpErrBadFmt
	return lua.LNil
}

// array and hash never size anything from the declared length: every element consumes at
// least one input byte, so a lying header runs into EOF after at most len(s) iterations.
func (d *mpDecoder) array(n uint64) lua.LValue {
	t := d.L.NewTable()
	d.top++ // the table
	if !d.checkStack("in function mp_decode_to_lua_array") {
		return lua.LNil
	}
	for i := uint64(1); i <= n; i++ {
		d.top++ // the index
		v := d.decode()
		if d.err != mpErrNone {
			return lua.LNil
		}
		if v != lua.LNil {
			t.RawSetInt(int(i), v)
		}
		d.top -= 2
	}
	return t
}

func (d *mpDecoder) hash(n uint64) lua.LValue {
	t := d.L.NewTable()
	d.top++
	for ; n > 0; n-- {
		k := d.decode()
		if d.err != mpErrNone {
			return lua.LNil
		}
		v := d.decode()
		if d.err != mpErrNone {
			return lua.LNil
		}
		switch kk := k.(type) {
		case *lua.LNilType:
			d.err, d.msg = mpErrIndex, "table index is nil"
			return lua.LNil
		case lua.LNumber:
			if kk != kk {
				d.err, d.msg = mpErrIndex, "table index is NaN"
				return lua.LNil
			}
		}
		t.RawSet(k, v)
		d.top -= 2
	}
	return t
}

// mpUnpackFull is mp_unpack_full: limit 0 and offset 0 mean "decode everything, no offset".
func mpUnpackFull(L *lua.LState, fn string, limit, offset int64) int {
	s := luaCheckLString(L, fn, 1)
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	}
	if offset > int64(len(s)) {
		L.RaiseError("Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	d := mpDecoder{L: L, s: s, p: int(offset), top: 1}
	var out []lua.LValue
	for cnt := int64(0); d.left() > 0 && cnt < limit; cnt++ {
		v := d.decode()
		switch d.err {
		case mpErrEOF:
			L.RaiseError("Missing bytes in input.")
		case mpErrBadFmt:
			L.RaiseError("Bad data format in input.")
		case mpErrStack:
			L.RaiseError("%s", d.msg)
		case mpErrIndex: // raised by lua_settable inside C: Lua adds no position
			L.Error(lua.LString(d.msg), 0)
		}
		out = append(out, v)
	}
	if !decodeAll {
		if d.left() == 0 {
			L.Push(lua.LNumber(-1))
		} else {
			L.Push(lua.LNumber(d.p))
		}
	}
	for _, v := range out {
		L.Push(v)
	}
	if !decodeAll {
		return len(out) + 1
	}
	return len(out)
}
