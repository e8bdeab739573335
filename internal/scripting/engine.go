// Package scripting implements the Lua scripting engine behind EVAL/EVALSHA: a sandboxed
// gopher-lua (Lua 5.1) VM with Redis 7.0's redis.* API, reply conversions both ways and the
// bit and cjson libraries. It does not depend on the server: commands run through a Caller.
package scripting

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/redoubt/redoubt/internal/resp"
)

var (
	posInf = math.Inf(1)
	negInf = math.Inf(-1)
	nan    = math.NaN()
)

// RedisVersion is reported as redis.REDIS_VERSION / REDIS_VERSION_NUM.
const (
	RedisVersion    = "7.0.15"
	RedisVersionNum = 0x07000f
)

// MaxStringRep bounds the size of a string.rep result (Redis's proto-max-bulk-len default).
const MaxStringRep = 512 << 20

// Caller runs one command on behalf of the script and returns its raw reply bytes, encoded in
// protocol proto (2 or 3, the script's redis.setresp value). pcall tells whether the script used
// redis.pcall. The Caller owns command-level errors: unknown command ("-ERR Unknown Redis command
// called from script"), arity ("-ERR Wrong number of args calling Redis command from script"),
// noscript flag, ACL, OOM, ... -- they are returned as error replies.
type Caller func(args [][]byte, proto int, pcall bool) []byte

// LogFunc receives redis.log calls (level is redis.LOG_DEBUG..LOG_WARNING).
type LogFunc func(level int, msg string)

// Engine owns one long-lived sandboxed Lua state. It is not safe for concurrent Run calls
// (Redis runs one script at a time); Kill and Busy may be called from other goroutines.
type Engine struct {
	L *lua.LState

	// TimeLimit is lua-time-limit: after it, Busy reports true (the server then answers BUSY
	// and accepts SCRIPT KILL). HardLimit, if > 0, aborts the script unconditionally.
	TimeLimit time.Duration
	HardLimit time.Duration
	Log       LogFunc

	mu      sync.Mutex
	scripts map[string]*lua.FunctionProto

	template *lua.LTable            // pristine globals (values shared; libraries behind per-run tables)
	libs     map[string]*lua.LTable // per library: the metatable of its per-run table
	strMT    *lua.LTable

	// per-run state
	call     Caller
	proto    int
	sha      string
	running  atomic.Bool
	started  atomic.Int64
	cancel   context.CancelFunc
	killed   atomic.Bool
	cancelMu sync.Mutex

	lastLine int
	real     *lua.LTable
	strIndex *lua.LFunction
	proxyMT  *lua.LTable
	gMT      *lua.LTable
}

// SHA1Hex returns the lowercase hex SHA1 of a script body.
func SHA1Hex(body string) string {
	s := sha1.Sum([]byte(body))
	return hex.EncodeToString(s[:])
}

// New builds the sandboxed state.
func New() *Engine {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:    true,
		CallStackSize:   220,
		RegistrySize:    1024 * 16,
		RegistryMaxSize: 1024 * 1024 * 8,
	})
	e := &Engine{L: L, TimeLimit: 5 * time.Second, scripts: map[string]*lua.FunctionProto{}, libs: map[string]*lua.LTable{}}
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}, {lua.CoroutineLibName, lua.OpenCoroutine}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	for _, k := range []string{"dofile", "loadfile", "print", "module", "require", "getfenv", "setfenv", "newproxy", "_GOPHER_LUA_VERSION", "_printregs", "package"} {
		g.RawSetString(k, lua.LNil)
	}
	g.RawSetString("error", L.NewFunction(func(L *lua.LState) int {
		e.lastLine = currentLine(L)
		L.Error(L.Get(1), L.OptInt(2, 1))
		return 0
	}))
	g.RawSetString("tostring", L.NewFunction(func(L *lua.LState) int {
		v := L.CheckAny(1)
		if n, ok := v.(lua.LNumber); ok {
			L.Push(lua.LString(fmt14g(float64(n))))
			return 1
		}
		L.Push(lua.LString(L.ToStringMeta(v).String()))
		return 1
	}))
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	origPcall := g.RawGetString("pcall").(*lua.LFunction)
	g.RawSetString("pcall", L.NewFunction(func(L *lua.LState) int { return e.luaPcall(L, origPcall) }))
	str := g.RawGetString("string").(*lua.LTable)
	str.RawSetString("rep", L.NewFunction(strRep))
	str.RawSetString("dump", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("unable to dump given function")
		return 0
	}))
	if m, ok := g.RawGetString("math").(*lua.LTable); ok {
		m.RawSetString("pow", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(math.Pow(float64(L.CheckNumber(1)), float64(L.CheckNumber(2)))))
			return 1
		}))
	}
	if t, ok := g.RawGetString("table").(*lua.LTable); ok {
		t.RawSetString("setn", L.NewFunction(func(L *lua.LState) int { L.RaiseError("'setn' is obsolete"); return 0 }))
		t.RawSetString("foreach", L.NewFunction(tableForeach))
		t.RawSetString("foreachi", L.NewFunction(tableForeachi))
	}
	g.RawSetString("redis", e.redisLib())
	g.RawSetString("bit", bitLib(L))
	g.RawSetString("cjson", cjsonLib(L))
	g.RawSetString("cmsgpack", cmsgpackLib(L))
	g.RawSetString("struct", structLib(L))
	g.RawSetString("_G", lua.LNil)
	e.template = g
	g.ForEach(func(k, v lua.LValue) {
		if t, ok := v.(*lua.LTable); ok {
			// Each run sees a library through an empty table whose reads fall through to the
			// shared one and whose writes stay in the run's table; __metatable hides the
			// shared table from getmetatable/setmetatable. Copying every library on each run
			// was a quarter of EVAL's cost.
			mt := L.NewTable()
			mt.RawSetString("__index", t)
			mt.RawSetString("__metatable", lua.LFalse)
			e.libs[k.String()] = mt
		}
	})
	// gopher-lua uses the string library table itself as the string metatable; give strings a
	// separate metatable that is re-pointed at each run's copy of the string table.
	str.RawSetString("__index", lua.LNil)
	e.strMT = L.NewTable()
	L.SetMetatable(lua.LString(""), e.strMT)

	e.gMT = L.NewTable()
	e.gMT.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		v, ok := e.global(L.CheckTable(1), L.CheckAny(2))
		if !ok {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.CheckAny(2).String())
		}
		L.Push(v)
		return 1
	}))
	e.strIndex = L.NewFunction(func(L *lua.LState) int {
		st, ok := e.real.RawGetString("string").(*lua.LTable)
		if !ok {
			v, _ := e.global(e.real, lua.LString("string"))
			st, _ = v.(*lua.LTable)
		}
		if st == nil {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(L.GetField(st, L.CheckString(2)))
		return 1
	})
	e.proxyMT = L.NewTable()
	e.proxyMT.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	}))
	return e
}

// Close releases the Lua state.
func (e *Engine) Close() { e.L.Close() }

// newEnv builds the per-run global environment: a fresh table holding KEYS and ARGV behind a
// read-only proxy. Builtins are pulled in lazily from the template on first access (library
// tables are copied then), so a run only pays for what it touches and cannot alter the template.
func (e *Engine) newEnv(keys, argv [][]byte) *lua.LTable {
	L := e.L
	real := L.CreateTable(0, 8)
	kt := L.CreateTable(len(keys), 0)
	for i, k := range keys {
		kt.RawSetInt(i+1, lua.LString(k))
	}
	at := L.CreateTable(len(argv), 0)
	for i, a := range argv {
		at.RawSetInt(i+1, lua.LString(a))
	}
	real.RawSetString("KEYS", kt)
	real.RawSetString("ARGV", at)
	L.SetMetatable(real, e.gMT)
	proxy := L.NewTable()
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", real)
	mt.RawSetString("__newindex", e.proxyMT.RawGetString("__newindex"))
	L.SetMetatable(proxy, mt)
	real.RawSetString("_G", proxy)
	e.real = real
	// the string metatable is shared by every string: drop anything a previous script stored
	// in it and point __index at this run's string table.
	var ks []lua.LValue
	e.strMT.ForEach(func(k, _ lua.LValue) { ks = append(ks, k) })
	for _, k := range ks {
		e.strMT.RawSetH(k, lua.LNil)
	}
	e.strMT.RawSetString("__index", e.strIndex)
	return proxy
}

// global resolves a global missing from the run's table: builtins are cached into it, library
// tables get a fresh per-run table reading through to them. ok=false means the name does not
// exist.
func (e *Engine) global(real *lua.LTable, k lua.LValue) (lua.LValue, bool) {
	v := e.template.RawGet(k)
	if v == lua.LNil {
		return v, false
	}
	if _, ok := v.(*lua.LTable); ok {
		c := e.L.NewTable()
		e.L.SetMetatable(c, e.libs[k.String()])
		v = c
	}
	real.RawSetH(k, v)
	return v, true
}

// compile returns the cached proto for body, compiling it if needed. The error text is the
// full RESP error (without the leading '-').
func (e *Engine) compile(sha, body string) (*lua.FunctionProto, string) {
	e.mu.Lock()
	p := e.scripts[sha]
	e.mu.Unlock()
	if p != nil {
		return p, ""
	}
	chunk, err := parse.Parse(strings.NewReader(body), "user_script")
	if err != nil {
		return nil, "ERR Error compiling script (new function): " + compileErrText(err)
	}
	p, err = lua.Compile(chunk, "user_script")
	if err != nil {
		return nil, "ERR Error compiling script (new function): " + compileErrText(err)
	}
	e.mu.Lock()
	e.scripts[sha] = p
	e.mu.Unlock()
	return p, ""
}

func compileErrText(err error) string {
	s := err.Error()
	// gopher-lua: "user_script line:1(column:9) near 'EOF':   syntax error"
	if pe, ok := err.(*parse.Error); ok {
		tok := pe.Token
		if tok == "EOF" {
			tok = "<eof>"
		}
		return "user_script:" + strconv.Itoa(pe.Pos.Line) + ": " + strings.TrimSpace(pe.Message) + " near '" + tok + "'"
	}
	return s
}

// Load compiles and caches body (SCRIPT LOAD). On failure it returns the RESP error text.
func (e *Engine) Load(body string) (sha string, errText string) {
	sha = SHA1Hex(body)
	_, errText = e.compile(sha, body)
	return sha, errText
}

// Exists reports whether sha is cached (SCRIPT EXISTS / EVALSHA).
func (e *Engine) Exists(sha string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.scripts[strings.ToLower(sha)]
	return ok
}

// Flush drops all cached scripts (SCRIPT FLUSH).
func (e *Engine) Flush() {
	e.mu.Lock()
	e.scripts = map[string]*lua.FunctionProto{}
	e.mu.Unlock()
}

// Busy reports whether a script has been running for longer than TimeLimit.
func (e *Engine) Busy() bool {
	return e.running.Load() && time.Since(time.Unix(0, e.started.Load())) > e.TimeLimit
}

// Running reports whether a script is executing.
func (e *Engine) Running() bool { return e.running.Load() }

// Kill aborts the running script (SCRIPT KILL). It returns false if no script is running.
// Whether a script that already wrote may be killed is the caller's decision (UNKILLABLE).
func (e *Engine) Kill() bool {
	e.cancelMu.Lock()
	defer e.cancelMu.Unlock()
	if !e.running.Load() || e.cancel == nil {
		return false
	}
	e.killed.Store(true)
	e.cancel()
	return true
}

// Run executes body with KEYS/ARGV and writes the reply (or error) to w.
func (e *Engine) Run(body string, keys, argv [][]byte, call Caller, w *resp.Writer) {
	sha := SHA1Hex(body)
	p, errText := e.compile(sha, body)
	if p == nil {
		w.Error(errText)
		return
	}
	e.run(sha, p, keys, argv, call, w)
}

// RunSHA runs a cached script; it returns false (writing nothing) if sha is unknown, so the
// caller can reply NOSCRIPT.
func (e *Engine) RunSHA(sha string, keys, argv [][]byte, call Caller, w *resp.Writer) bool {
	sha = strings.ToLower(sha)
	e.mu.Lock()
	p := e.scripts[sha]
	e.mu.Unlock()
	if p == nil {
		return false
	}
	e.run(sha, p, keys, argv, call, w)
	return true
}

func (e *Engine) run(sha string, p *lua.FunctionProto, keys, argv [][]byte, call Caller, w *resp.Writer) {
	L := e.L
	env := e.newEnv(keys, argv)
	fn := L.NewFunctionFromProto(p)
	fn.Env = env
	oldEnv := L.Env
	L.Env = env
	e.call, e.proto, e.sha, e.lastLine = call, 2, sha, 0

	var ctx context.Context
	var cancel context.CancelFunc
	if e.HardLimit > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), e.HardLimit)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	e.cancelMu.Lock()
	e.cancel = cancel
	e.killed.Store(false)
	e.started.Store(time.Now().UnixNano())
	e.running.Store(true)
	e.cancelMu.Unlock()
	L.SetContext(ctx)

	defer func() {
		e.cancelMu.Lock()
		e.running.Store(false)
		e.cancel = nil
		e.cancelMu.Unlock()
		cancel()
		L.RemoveContext()
		L.Env = oldEnv
		L.SetTop(0)
		e.call = nil
	}()

	L.Push(fn)
	err := L.PCall(0, 1, nil)
	if err != nil {
		e.writeError(err, ctx, w)
		return
	}
	e.writeReply(L.Get(-1), w, 0)
}

// writeError formats a script failure the way Redis 7.0 does:
// "<err> script: <sha>, on @user_script:<line>."
func (e *Engine) writeError(err error, ctx context.Context, w *resp.Writer) {
	var obj lua.LValue = lua.LString(err.Error())
	if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
		obj = ae.Object
	}
	line := 0
	var msg string
	if ctx.Err() != nil {
		if e.killed.Load() {
			msg = "ERR Script killed by user with SCRIPT KILL..."
		} else {
			msg = "ERR Script exceeded the execution time limit"
		}
	} else if t, ok := obj.(*lua.LTable); ok {
		if s, ok := t.RawGetString("err").(lua.LString); ok {
			msg = string(s)
		} else {
			msg = "ERR " + lua.LVAsString(t.RawGetString("err"))
		}
		if n, ok := t.RawGetString("line").(lua.LNumber); ok {
			line = int(n)
		}
	} else {
		s := obj.String()
		if obj == lua.LNil {
			s = "nil"
		}
		msg = "ERR " + s
	}
	if line == 0 {
		line = lineFromMsg(msg)
	}
	if line == 0 {
		line = e.lastLine
	}
	w.Error(msg + " script: " + e.sha + ", on @user_script:" + strconv.Itoa(line) + ".")
}

// lineFromMsg extracts N from a "user_script:N:" position prefix.
func lineFromMsg(msg string) int {
	i := strings.Index(msg, "user_script:")
	if i < 0 {
		return 0
	}
	rest := msg[i+len("user_script:"):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(rest[:j])
	return n
}
