package scripting

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// This file mirrors Redis 7.0's bundled deps/lua/src/lua_struct.c (struct 0.2 with Redis's
// overflow fixes) as built on x86-64: native little endian, short 2, int 4, long/size_t 8,
// MAXALIGN 8, integers up to MAXINTSIZE 32 bytes carried in a 64-bit unsigned long long.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
	structIntMax     = math.MaxInt32
)

type structHeader struct {
	little bool
	align  int
}

type structFmt struct {
	L   *lua.LState
	fn  string
	s   string
	pos int
}

func (f *structFmt) more() bool { return f.pos < len(f.s) }

// getnum reads a decimal count, raising "integral size overflow" past INT_MAX.
func (f *structFmt) getnum(df int) int {
	if !f.more() || !isDigit(f.s[f.pos]) {
		return df
	}
	a := 0
	for f.more() && isDigit(f.s[f.pos]) {
		c := int(f.s[f.pos] - '0')
		if a > structIntMax/10 || a*10 > structIntMax-c {
			f.L.RaiseError("integral size overflow")
		}
		a = a*10 + c
		f.pos++
	}
	return a
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func (f *structFmt) optsize(opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T':
		return 8
	case 'f':
		return 4
	case 'd':
		return 8
	case 'x':
		return 1
	case 'c':
		return f.getnum(1)
	case 'i', 'I':
		sz := f.getnum(4)
		if sz > structMaxIntSize {
			f.L.RaiseError("integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

func structToAlign(length int, h *structHeader, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > h.align {
		size = h.align
	}
	return (size - (length & (size - 1))) & (size - 1)
}

func isp2(x int) bool { return x > 0 && x&(x-1) == 0 }

func (f *structFmt) controloptions(opt byte, h *structHeader) {
	switch opt {
	case ' ':
	case '>':
		h.little = false
	case '<':
		h.little = true
	case '!':
		a := f.getnum(structMaxAlign)
		if !isp2(a) {
			f.L.RaiseError("alignment %d is not a power of 2", a)
		}
		h.align = a
	default:
		luaArgError(f.L, f.fn, 1, "invalid format option '"+string([]byte{opt})+"'")
	}
}

func structLib(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

// putinteger writes the low size bytes of the value; bytes beyond the 8 of the 64-bit carrier
// are zero (the C shifts the unsigned value right by 8 per byte).
func putinteger(b *strings.Builder, n float64, little bool, size int) {
	var v uint64
	if n < 0 {
		v = uint64(luaNumberToInteger(n))
	} else {
		v = luaNumberToUint64(n)
	}
	buf := make([]byte, size)
	if little {
		for i := 0; i < size; i++ {
			buf[i] = byte(v)
			v >>= 8
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			buf[i] = byte(v)
			v >>= 8
		}
	}
	b.Write(buf)
}

// luaNumberToUint64 is the (unsigned long long)d cast of a non-negative double as gcc emits it
// on x86-64 (values >= 2^64 and NaN give 0 here; the C is undefined there).
func luaNumberToUint64(f float64) uint64 {
	if !(f >= 0) || f >= 18446744073709551616.0 {
		return 0
	}
	return uint64(f)
}

func structPack(L *lua.LState) int {
	fs := structFmt{L: L, fn: "pack", s: luaCheckLString(L, "pack", 1)}
	h := structHeader{little: true, align: 1}
	arg := 2
	total := 0
	var b strings.Builder
	// b_pack pushes a nil marker at index 2 before reading arguments, so a missing argument is
	// reported as "got nil", never "got no value".
	checkNum := func() float64 {
		v := L.Get(arg)
		if f, ok := luaToNumber(v); ok {
			arg++
			return f
		}
		luaArgError(L, "pack", arg, "number expected, got "+v.Type().String())
		return 0
	}
	for fs.more() {
		opt := fs.s[fs.pos]
		fs.pos++
		size := fs.optsize(opt)
		toalign := structToAlign(total, &h, opt, size)
		total += toalign
		for ; toalign > 0; toalign-- {
			b.WriteByte(0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			putinteger(&b, checkNum(), h.little, size)
		case 'x':
			b.WriteByte(0)
		case 'f':
			bits := math.Float32bits(float32(checkNum()))
			if h.little {
				b.Write(binary.LittleEndian.AppendUint32(nil, bits))
			} else {
				b.Write(binary.BigEndian.AppendUint32(nil, bits))
			}
		case 'd':
			bits := math.Float64bits(checkNum())
			if h.little {
				b.Write(binary.LittleEndian.AppendUint64(nil, bits))
			} else {
				b.Write(binary.BigEndian.AppendUint64(nil, bits))
			}
		case 'c', 's':
			v := L.Get(arg)
			var s string
			switch x := v.(type) {
			case lua.LString:
				s = string(x)
			case lua.LNumber:
				s = fmt14g(float64(x))
			default:
				luaArgError(L, "pack", arg, "string expected, got "+v.Type().String())
			}
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				luaArgError(L, "pack", arg, "string too short")
			}
			b.WriteString(s[:size])
			if opt == 's' {
				b.WriteByte(0)
				size++
			}
		default:
			fs.controloptions(opt, &h)
		}
		total += size
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// getinteger reads size bytes; only the last 8 shifted in survive in the 64-bit carrier, and
// the sign mask shift count is reduced mod 64 as x86 does.
func getinteger(data string, little, signed bool, size int) float64 {
	var l uint64
	if !little {
		for i := 0; i < size; i++ {
			l = l<<8 | uint64(data[i])
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			l = l<<8 | uint64(data[i])
		}
	}
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func structUnpack(L *lua.LState) int {
	fs := structFmt{L: L, fn: "unpack", s: luaCheckLString(L, "unpack", 1)}
	data := luaCheckLString(L, "unpack", 2)
	ld := len(data)
	p := luaOptInteger(L, "unpack", 3, 1)
	if p <= 0 {
		luaArgError(L, "unpack", 3, "offset must be 1 or greater")
	}
	pos := int(p - 1)
	h := structHeader{little: true, align: 1}
	var out []lua.LValue
	tooShort := func(size int) {
		if size > ld || pos > ld-size {
			luaArgError(L, "unpack", 2, "data string too short")
		}
	}
	for fs.more() {
		opt := fs.s[fs.pos]
		fs.pos++
		size := fs.optsize(opt)
		pos += structToAlign(pos, &h, opt, size)
		tooShort(size)
		if len(out)+2+2 > luaMaxCStack { // luaL_checkstack(L, 2, ...) over fmt, data and results
			L.RaiseError("stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a' && opt <= 'z'
			out = append(out, lua.LNumber(getinteger(data[pos:pos+size], h.little, signed, size)))
		case 'x':
		case 'f':
			var bits uint32
			if h.little {
				bits = binary.LittleEndian.Uint32([]byte(data[pos : pos+4]))
			} else {
				bits = binary.BigEndian.Uint32([]byte(data[pos : pos+4]))
			}
			out = append(out, lua.LNumber(math.Float32frombits(bits)))
		case 'd':
			var bits uint64
			if h.little {
				bits = binary.LittleEndian.Uint64([]byte(data[pos : pos+8]))
			} else {
				bits = binary.BigEndian.Uint64([]byte(data[pos : pos+8]))
			}
			out = append(out, lua.LNumber(math.Float64frombits(bits)))
		case 'c':
			if size == 0 {
				var n float64
				ok := false
				if len(out) > 0 {
					n, ok = luaToNumber(out[len(out)-1])
				}
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				out = out[:len(out)-1]
				// (size_t)n: negative, NaN and huge values become enormous and fail the check
				if !(n >= 0) || n > float64(ld) {
					size = ld + 1
				} else {
					size = int(n)
				}
				tooShort(size)
			}
			out = append(out, lua.LString(data[pos:pos+size]))
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = e + 1
			out = append(out, lua.LString(data[pos:pos+e]))
		default:
			fs.controloptions(opt, &h)
		}
		pos += size
	}
	for _, v := range out {
		L.Push(v)
	}
	L.Push(lua.LNumber(pos + 1))
	return len(out) + 1
}

func structSize(L *lua.LState) int {
	fs := structFmt{L: L, fn: "size", s: luaCheckLString(L, "size", 1)}
	h := structHeader{little: true, align: 1}
	pos := 0
	for fs.more() {
		opt := fs.s[fs.pos]
		fs.pos++
		size := fs.optsize(opt)
		pos += structToAlign(pos, &h, opt, size)
		if opt == 's' {
			luaArgError(L, "size", 1, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			luaArgError(L, "size", 1, "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			fs.controloptions(opt, &h)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}
