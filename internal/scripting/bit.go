package scripting

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// tobit normalises a Lua number to a signed 32-bit integer the way LuaBitOp does (add 2^52+2^51,
// keep the low 32 bits: round to nearest, wrap modulo 2^32).
func tobit(L *lua.LState, i int) int32 {
	f := float64(L.CheckNumber(i))
	return int32(uint32(math.Float64bits(f + 6755399441055744.0)))
}

func bitLib(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	ret := func(L *lua.LState, v int32) int { L.Push(lua.LNumber(v)); return 1 }
	fold := func(op func(a, b int32) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			v := tobit(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				v = op(v, tobit(L, i))
			}
			return ret(L, v)
		}
	}
	shift := func(op func(a int32, n uint) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			return ret(L, op(tobit(L, 1), uint(tobit(L, 2))&31))
		}
	}
	fns := map[string]lua.LGFunction{
		"tobit":   func(L *lua.LState) int { return ret(L, tobit(L, 1)) },
		"bnot":    func(L *lua.LState) int { return ret(L, ^tobit(L, 1)) },
		"band":    fold(func(a, b int32) int32 { return a & b }),
		"bor":     fold(func(a, b int32) int32 { return a | b }),
		"bxor":    fold(func(a, b int32) int32 { return a ^ b }),
		"lshift":  shift(func(a int32, n uint) int32 { return int32(uint32(a) << n) }),
		"rshift":  shift(func(a int32, n uint) int32 { return int32(uint32(a) >> n) }),
		"arshift": shift(func(a int32, n uint) int32 { return a >> n }),
		"rol": shift(func(a int32, n uint) int32 {
			u := uint32(a)
			return int32(u<<n | u>>((32-n)&31))
		}),
		"ror": shift(func(a int32, n uint) int32 {
			u := uint32(a)
			return int32(u>>n | u<<((32-n)&31))
		}),
		"bswap": func(L *lua.LState) int {
			u := uint32(tobit(L, 1))
			return ret(L, int32(u>>24|(u>>8)&0xff00|(u&0xff00)<<8|u<<24))
		},
		"tohex": func(L *lua.LState) int {
			b := uint32(tobit(L, 1))
			n := int32(8)
			if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
				n = tobit(L, 2)
			}
			hex := "0123456789abcdef"
			if n < 0 {
				n = -n
				hex = "0123456789ABCDEF"
			}
			if n > 8 {
				n = 8
			}
			buf := make([]byte, n)
			for i := int(n) - 1; i >= 0; i-- {
				buf[i] = hex[b&15]
				b >>= 4
			}
			L.Push(lua.LString(buf))
			return 1
		},
	}
	for k, f := range fns {
		t.RawSetString(k, L.NewFunction(f))
	}
	return t
}
