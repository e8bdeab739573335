package scripting

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// The builtins below replace gopher-lua's where a script could otherwise make one call
// allocate far more than it holds: gopher-lua has no allocator hook, so a result is checked
// against maxStringLen before it is built. They follow Lua 5.1's semantics and error texts,
// which is what Redis runs.

const errTooLarge = "resulting string too large"

// strRep is string.rep(s, n).
func strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || len(s) == 0 {
		L.Push(lua.LString(""))
		return 1
	}
	if int64(len(s))*int64(n) > int64(maxStringLen) {
		L.RaiseError(errTooLarge)
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// tableConcat is table.concat(t [, sep [, i [, j]]]): the length is summed first, so a long
// separator repeated over a large table is refused before anything is allocated.
func tableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	last := L.OptInt(4, t.Len())
	if i > last {
		L.Push(lua.LString(""))
		return 1
	}
	parts := make([]string, 0, min(last-i+1, 1024))
	total := int64(0)
	for k := i; k <= last; k++ {
		v := t.RawGetInt(k)
		s, ok := luaString(v)
		if !ok {
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		total += int64(len(s))
		if k < last {
			total += int64(len(sep))
		}
		if total > int64(maxStringLen) {
			L.RaiseError(errTooLarge)
		}
		parts = append(parts, s)
	}
	L.Push(lua.LString(strings.Join(parts, sep)))
	return 1
}

// boundedFormat wraps string.format with Lua 5.1's checks of each conversion: at most five
// flags and two digits of width and of precision. gopher-lua hands the format to Go's fmt,
// which accepts widths up to a million, so "%999999d" repeated would build a huge string.
func boundedFormat(L *lua.LState, orig *lua.LFunction) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		if msg := checkFormat(L.CheckString(1)); msg != "" {
			L.RaiseError("%s", msg)
		}
		top := L.GetTop()
		L.Insert(orig, 1)
		L.Call(top, 1)
		return 1
	})
}

// checkFormat validates the conversions of a string.format format (Lua 5.1's scanformat).
func checkFormat(f string) string {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		flags := 0
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			flags++
			i++
		}
		if flags > 5 {
			return "invalid format (repeated flags)"
		}
		i = skipDigits(f, i, 2)
		if i < len(f) && f[i] == '.' {
			i = skipDigits(f, i+1, 2)
		}
		if i < len(f) && f[i] >= '0' && f[i] <= '9' {
			return "invalid format (width or precision too long)"
		}
	}
	return ""
}

func skipDigits(f string, i, max int) int {
	for n := 0; n < max && i < len(f) && f[i] >= '0' && f[i] <= '9'; n++ {
		i++
	}
	return i
}

// strGsub is string.gsub(s, pattern, repl [, n]) with Lua 5.1's replacement rules, built in
// one pass (gopher-lua's copies the whole string once per match) with its length bounded.
func strGsub(L *lua.LState) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	repl := L.Get(3)
	switch repl.(type) {
	case lua.LString, lua.LNumber, *lua.LTable, *lua.LFunction:
	default:
		L.ArgError(3, "string/function/table expected")
	}
	limit := -1
	if L.GetTop() >= 4 {
		if limit = L.CheckInt(4); limit <= 0 {
			L.Push(lua.LString(src))
			L.Push(lua.LNumber(0))
			return 2
		}
	}
	matches, err := pm.Find(pat, []byte(src), 0, limit)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	var b strings.Builder
	prev := 0
	for _, m := range matches {
		start, end := m.Capture(0), m.Capture(1)
		b.WriteString(src[prev:start])
		prev = end
		r, ok := gsubReplacement(L, src, m, repl)
		if !ok {
			r = src[start:end]
		}
		if b.Len()+len(r)+len(src)-end > maxStringLen {
			L.RaiseError(errTooLarge)
		}
		b.WriteString(r)
	}
	b.WriteString(src[prev:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// gsubReplacement computes one match's replacement; ok=false keeps the match (a table or
// function gave false or nil).
func gsubReplacement(L *lua.LState, src string, m *pm.MatchData, repl lua.LValue) (string, bool) {
	var v lua.LValue
	switch r := repl.(type) {
	case *lua.LTable:
		v = L.GetTable(r, gsubCapture(L, src, m, 0))
	case *lua.LFunction:
		L.Push(r)
		n := max(1, m.CaptureLength()/2-1)
		for i := 0; i < n; i++ {
			L.Push(gsubCapture(L, src, m, i))
		}
		L.Call(n, 1)
		v = L.Get(-1)
		L.Pop(1)
	default:
		s, _ := luaString(repl)
		return expandReplacement(L, src, m, s), true
	}
	if v == lua.LNil || v == lua.LFalse {
		return "", false
	}
	s, ok := luaString(v)
	if !ok {
		L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	}
	return s, true
}

// expandReplacement substitutes %0-%9 in a replacement string; "%x" is x otherwise.
func expandReplacement(L *lua.LState, src string, m *pm.MatchData, repl string) string {
	if strings.IndexByte(repl, '%') < 0 {
		return repl
	}
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		switch {
		case i >= len(repl):
		case repl[i] == '0':
			b.WriteString(src[m.Capture(0):m.Capture(1)])
		case repl[i] >= '1' && repl[i] <= '9':
			s, _ := luaString(gsubCapture(L, src, m, int(repl[i]-'1')))
			b.WriteString(s)
		default:
			b.WriteByte(repl[i])
		}
	}
	return b.String()
}

// gsubCapture is capture i (0-based) of m, or the whole match when the pattern has no
// captures and i is 0; a position capture is a number.
func gsubCapture(L *lua.LState, src string, m *pm.MatchData, i int) lua.LValue {
	n := m.CaptureLength()/2 - 1
	if i >= n {
		if i == 0 {
			return lua.LString(src[m.Capture(0):m.Capture(1)])
		}
		L.RaiseError("invalid capture index")
	}
	idx := 2 * (i + 1)
	if m.IsPosCapture(idx) {
		return lua.LNumber(m.Capture(idx))
	}
	return lua.LString(src[m.Capture(idx):m.Capture(idx+1)])
}
