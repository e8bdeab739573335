package scripting

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/redoubt/redoubt/internal/resp"
)

// currentLine returns the current line of the innermost Lua function on the stack.
func currentLine(L *lua.LState) int {
	for lvl := 0; lvl < 8; lvl++ {
		dbg, ok := L.GetStack(lvl)
		if !ok {
			return 0
		}
		if _, err := L.GetInfo("lS", dbg, lua.LNil); err != nil {
			continue
		}
		if dbg.CurrentLine > 0 {
			return dbg.CurrentLine
		}
	}
	return 0
}

// raiseErrTable raises a Redis error table {err=msg}.
func (e *Engine) raiseErrTable(L *lua.LState, t *lua.LTable) {
	e.lastLine = currentLine(L)
	L.Error(t, 0)
}

func (e *Engine) redisLib() *lua.LTable {
	L := e.L
	t := L.NewTable()
	t.RawSetString("call", L.NewFunction(func(L *lua.LState) int { return e.redisCall(L, false) }))
	t.RawSetString("pcall", L.NewFunction(func(L *lua.LState) int { return e.redisCall(L, true) }))
	single := func(field string) lua.LGFunction {
		return func(L *lua.LState) int {
			if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
				L.Push(errorTable(L, "wrong number or type of arguments"))
				return 1
			}
			s := string(L.Get(1).(lua.LString))
			if field == "err" {
				L.Push(errorTable(L, "-"+strings.TrimPrefix(s, "-")))
				return 1
			}
			tt := L.CreateTable(0, 1)
			tt.RawSetString(field, lua.LString(s))
			L.Push(tt)
			return 1
		}
	}
	t.RawSetString("error_reply", L.NewFunction(single("err")))
	t.RawSetString("status_reply", L.NewFunction(single("ok")))
	t.RawSetString("sha1hex", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			e.raiseErrTable(L, errorTable(L, "wrong number of arguments"))
		}
		s, _ := toStringArg(L.Get(1))
		L.Push(lua.LString(SHA1Hex(s)))
		return 1
	}))
	t.RawSetString("log", L.NewFunction(func(L *lua.LState) int {
		n := L.GetTop()
		if n < 2 {
			e.raiseErrTable(L, errorTable(L, "redis.log() requires two arguments or more."))
		}
		lv, ok := L.Get(1).(lua.LNumber)
		if !ok {
			e.raiseErrTable(L, errorTable(L, "First argument must be a number (log level)."))
		}
		level := int(lv)
		if level < 0 || level > 3 {
			e.raiseErrTable(L, errorTable(L, "Invalid debug level."))
		}
		var sb strings.Builder
		for i := 2; i <= n; i++ {
			if i > 2 {
				sb.WriteByte(' ')
			}
			if s, ok := toStringArg(L.Get(i)); ok {
				sb.WriteString(s)
			}
		}
		if e.Log != nil {
			e.Log(level, sb.String())
		}
		return 0
	}))
	t.RawSetString("setresp", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			e.raiseErrTable(L, errorTable(L, "redis.setresp() requires one argument."))
		}
		n, _ := L.Get(1).(lua.LNumber)
		if n != 2 && n != 3 {
			e.raiseErrTable(L, errorTable(L, "RESP version must be 2 or 3."))
		}
		e.proto = int(n)
		return 0
	}))
	noop := func(L *lua.LState) int { return 0 }
	t.RawSetString("set_repl", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			e.raiseErrTable(L, errorTable(L, "redis.set_repl() requires one argument."))
		}
		n, ok := L.Get(1).(lua.LNumber)
		if !ok || n < replNone || n > replAll {
			e.raiseErrTable(L, errorTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."))
		}
		e.repl = int(n)
		return 0
	}))
	t.RawSetString("replicate_commands", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LTrue); return 1 }))
	t.RawSetString("breakpoint", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LFalse); return 1 }))
	t.RawSetString("debug", L.NewFunction(noop))
	t.RawSetString("acl_check_cmd", L.NewFunction(func(L *lua.LState) int {
		// Without access to the ACL layer, report whether the command exists is unknowable here;
		// the Caller contract has no dry-run mode, so permit.
		if L.GetTop() < 1 {
			e.raiseErrTable(L, errorTable(L, "Please specify at least one argument for this redis lib call"))
		}
		L.Push(lua.LTrue)
		return 1
	}))
	for k, v := range map[string]int{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3, "REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3, "REDIS_VERSION_NUM": RedisVersionNum} {
		t.RawSetString(k, lua.LNumber(v))
	}
	t.RawSetString("REDIS_VERSION", lua.LString(RedisVersion))
	return t
}

// redis.set_repl flags.
const (
	replNone = 0
	replAll  = 3
)

// PropagateEffects reports whether the running script lets its commands' effects reach the
// AOF and replicas: false after redis.set_repl(redis.REPL_NONE). The server has one stream
// for both, so REPL_AOF and REPL_REPLICA alone both propagate.
func (e *Engine) PropagateEffects() bool { return e.repl != replNone }

// toStringArg converts a redis.call argument: strings as is, numbers with fpconv_dtoa
// (shortest round-trip representation), as Redis 7.0 does.
func toStringArg(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return fpconvDtoa(float64(x)), true
	}
	return "", false
}

// fmt14g is C's "%.14g" (LUA_NUMBER_FMT), used by tostring and cjson.encode.
func fmt14g(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// fpconvDtoa mirrors Redis's fpconv_dtoa (grisu shortest digits, emit_digits layout).
func fpconvDtoa(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	}
	neg := f < 0
	e := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d.ddddde±XX
	ei := strings.IndexByte(e, 'e')
	digits := strings.Replace(e[:ei], ".", "", 1)
	exp10, _ := strconv.Atoi(e[ei+1:])
	nd := len(digits)
	K := exp10 - (nd - 1)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	abs := func(x int) int {
		if x < 0 {
			return -x
		}
		return x
	}
	exp := abs(K + nd - 1)
	if K >= 0 && exp < nd+7 {
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", K))
		return b.String()
	}
	if K < 0 && (K > -7 || exp < 4) {
		off := nd - abs(K)
		if off <= 0 {
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -off))
			b.WriteString(digits)
		} else {
			b.WriteString(digits[:off])
			b.WriteByte('.')
			b.WriteString(digits[off:])
		}
		return b.String()
	}
	maxd := 18
	if neg {
		maxd = 17
	}
	if nd > maxd {
		nd = maxd
	}
	b.WriteByte(digits[0])
	if nd > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:nd])
	}
	b.WriteByte('e')
	if K+nd-1 < 0 {
		b.WriteByte('-')
	} else {
		b.WriteByte('+')
	}
	b.WriteString(strconv.Itoa(exp))
	return b.String()
}

func (e *Engine) redisCall(L *lua.LState, pcall bool) int {
	n := L.GetTop()
	fail := func(msg string) int {
		t := errorTable(L, msg)
		if pcall {
			L.Push(t)
			return 1
		}
		e.raiseErrTable(L, t)
		return 0
	}
	if n == 0 {
		return fail("Please specify at least one argument for this redis lib call")
	}
	args := make([][]byte, n)
	for i := 1; i <= n; i++ {
		s, ok := toStringArg(L.Get(i))
		if !ok {
			return fail("Lua redis lib command arguments must be strings or integers")
		}
		args[i-1] = []byte(s)
	}
	if e.call == nil {
		return fail("Unknown Redis command called from script")
	}
	reply := e.call(args, e.proto, pcall)
	p := replyParser{L: L, b: reply}
	v, err := p.parse()
	if err != nil {
		return fail("Invalid reply from command")
	}
	if t, ok := v.(*lua.LTable); ok && !pcall && len(reply) > 0 && reply[0] == '-' {
		e.raiseErrTable(L, t)
	}
	L.Push(v)
	return 1
}

// luaPcall is Redis 7.0's pcall: error tables {err=...} are turned into their message string.
func (e *Engine) luaPcall(L *lua.LState, orig *lua.LFunction) int {
	top := L.GetTop()
	L.Insert(orig, 1)
	L.Call(top, lua.MultRet)
	n := L.GetTop()
	if n >= 2 && L.Get(1) == lua.LFalse {
		if t, ok := L.Get(2).(*lua.LTable); ok {
			if s, ok := t.RawGetString("err").(lua.LString); ok {
				L.Replace(2, s)
			}
		}
	}
	return n
}

func tableForeach(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	k, v := t.Next(lua.LNil)
	for k != lua.LNil {
		L.Push(f)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		r := L.Get(-1)
		L.Pop(1)
		if r != lua.LNil {
			L.Push(r)
			return 1
		}
		k, v = t.Next(k)
	}
	return 0
}

func tableForeachi(L *lua.LState) int {
	t := L.CheckTable(1)
	f := L.CheckFunction(2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(f)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		r := L.Get(-1)
		L.Pop(1)
		if r != lua.LNil {
			L.Push(r)
			return 1
		}
	}
	return 0
}

// writeReply converts a Lua value to RESP following luaReplyToRedisReply (Redis 7.0).
func (e *Engine) writeReply(v lua.LValue, w *resp.Writer, depth int) {
	if depth > 1000 {
		w.Error("ERR reached lua stack limit")
		return
	}
	switch x := v.(type) {
	case lua.LString:
		w.BulkString(string(x))
	case lua.LBool:
		if e.proto == 2 {
			if x {
				w.Int(1)
			} else {
				w.Null()
			}
		} else {
			w.Bool(bool(x))
		}
	case lua.LNumber:
		w.Int(luaToInt(float64(x)))
	case *lua.LTable:
		if s, ok := x.RawGetString("err").(lua.LString); ok {
			w.Error(string(s))
			return
		}
		if s, ok := x.RawGetString("ok").(lua.LString); ok {
			w.Simple(resp.SanitizeErr(string(s)))
			return
		}
		if f, ok := x.RawGetString("double").(lua.LNumber); ok {
			w.Double(float64(f))
			return
		}
		if s, ok := x.RawGetString("big_number").(lua.LString); ok {
			if w.Proto >= 3 {
				w.Raw([]byte("(" + resp.SanitizeErr(string(s)) + "\r\n"))
			} else {
				w.BulkString(string(s))
			}
			return
		}
		if m, ok := x.RawGetString("map").(*lua.LTable); ok {
			n := 0
			m.ForEach(func(_, _ lua.LValue) { n++ })
			w.Map(n)
			m.ForEach(func(k, v lua.LValue) {
				e.writeReply(k, w, depth+1)
				e.writeReply(v, w, depth+1)
			})
			return
		}
		if s, ok := x.RawGetString("set").(*lua.LTable); ok {
			n := 0
			s.ForEach(func(_, _ lua.LValue) { n++ })
			w.Set(n)
			s.ForEach(func(k, _ lua.LValue) { e.writeReply(k, w, depth+1) })
			return
		}
		if vt, ok := x.RawGetString("verbatim_string").(*lua.LTable); ok {
			f, ok1 := vt.RawGetString("format").(lua.LString)
			s, ok2 := vt.RawGetString("string").(lua.LString)
			if ok1 && ok2 {
				w.Verbatim(string(f), string(s))
				return
			}
		}
		n := 0
		for x.RawGetInt(n+1) != lua.LNil {
			n++
		}
		w.Array(n)
		for i := 1; i <= n; i++ {
			e.writeReply(x.RawGetInt(i), w, depth+1)
		}
	default:
		w.Null()
	}
}

// luaToInt mimics C's (long long) cast of a double on amd64 (out of range -> MinInt64).
func luaToInt(f float64) int64 {
	if math.IsNaN(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return math.MinInt64
	}
	return int64(f)
}
