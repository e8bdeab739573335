// Package scripting implements the Lua engine behind EVAL/EVALSHA and FUNCTION/FCALL: a
// sandboxed gopher-lua (Lua 5.1) VM with Redis 7.0's redis.* API, reply conversions both ways,
// the bit, cjson, cmsgpack and struct libraries, script flags and function libraries. It does
// not depend on the server: commands run through a Caller.
package scripting

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"sync"

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

// maxStringLen bounds the strings the builtins that multiply their input produce (string.rep,
// table.concat, string.gsub, cjson.encode, cmsgpack.pack): Redis's proto-max-bulk-len default.
// A variable so that tests can reach it without allocating half a gigabyte.
var maxStringLen = 512 << 20

// Chunk names, as they appear in error positions ("user_script:3:").
const (
	scriptChunk   = "user_script"
	functionChunk = "user_function"
)

// Caller runs one command on behalf of the script and returns its raw reply bytes, encoded in
// protocol proto (2 or 3, the script's redis.setresp value). pcall tells whether the script used
// redis.pcall. The Caller owns command-level errors: unknown command ("-ERR Unknown Redis command
// called from script"), arity ("-ERR Wrong number of args calling Redis command from script"),
// noscript flag, ACL, OOM, ... -- they are returned as error replies.
type Caller func(args [][]byte, proto int, pcall bool) []byte

// LogFunc receives redis.log calls (level is redis.LOG_DEBUG..LOG_WARNING).
type LogFunc func(level int, msg string)

// Run connects one execution to the server.
type Run struct {
	Keys, Args [][]byte
	Call       Caller
	// Stopped, when set, is called once the Lua code has stopped, before the reply is
	// written: a server that let go of its lock during a long script takes it back there.
	Stopped func()
}

// Script is a compiled EVAL script.
type Script struct {
	SHA string
	// Shebang is false for a script without a "#!lua" line: Redis 7.0's compatibility mode,
	// where Flags do not apply.
	Shebang bool
	Flags   Flags
	proto   *lua.FunctionProto
}

// Engine owns one long-lived sandboxed Lua state shared by EVAL scripts and function
// libraries. Everything but Kill must be called by one goroutine at a time (the server
// calls it under its keyspace lock); Kill may be called from any goroutine.
type Engine struct {
	L   *lua.LState
	Log LogFunc

	mu      sync.Mutex
	scripts map[string]*Script

	template *lua.LTable            // pristine globals (values shared; libraries behind per-run tables)
	libMT    map[string]*lua.LTable // per library: the metatable of its per-run table
	strMT    *lua.LTable

	// Function libraries: their code runs once at FUNCTION LOAD in fenv, whose reads go to
	// the load-time API (only redis.register_function, redis.log and the version fields)
	// while loading and to the run's globals while a function runs.
	funcs       registry
	fenv        *lua.LTable
	loadRedis   *lua.LTable
	loadRedisMT *lua.LTable
	loading     *Library

	// per-run state
	call     Caller
	proto    int
	repl     int // redis.set_repl flags
	chunk    string
	runName  string // SHA or function name, for error messages
	lastLine int
	real     *lua.LTable
	strIndex *lua.LFunction
	readonly *lua.LFunction // __newindex of the tables scripts may not modify
	gMT      *lua.LTable

	cancelMu sync.Mutex
	cancel   context.CancelFunc // set while a script runs
	killed   bool
}

// SHA1Hex returns the lowercase hex SHA1 of a script body.
func SHA1Hex(body string) string {
	s := sha1.Sum([]byte(body))
	return hex.EncodeToString(s[:])
}

// New builds the sandboxed state.
func New() *Engine {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:  true,
		CallStackSize: 220,
		RegistrySize:  1024 * 16,
		// One slot is an interface value (16 bytes): 1M slots bound the VM stack to 16 MB.
		// The stack grows by copying; gopher-lua's default step of 32 slots made pushing
		// many values (unpack of a large table) quadratic.
		RegistryMaxSize:  1 << 20,
		RegistryGrowStep: 1 << 16,
	})
	e := &Engine{L: L, scripts: map[string]*Script{}, libMT: map[string]*lua.LTable{}, funcs: newRegistry()}
	e.readonly = L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Attempt to modify a readonly table")
		return 0
	})
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
	e.overrideBuiltins(g)
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
			// shared one; writes fail as in Redis, and the few that bypass metamethods
			// (rawset, table.insert) land in the run's own table. __metatable hides the
			// shared table from getmetatable/setmetatable. Copying every library on each run
			// was a quarter of EVAL's cost.
			e.libMT[k.String()] = e.readThrough(t)
		}
	})
	// gopher-lua uses the string library table itself as the string metatable; give strings a
	// separate metatable that is re-pointed at each run's copy of the string table.
	str := g.RawGetString("string").(*lua.LTable)
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
	e.initFunctionEnv()
	return e
}

// overrideBuiltins replaces the base and library functions whose gopher-lua versions differ
// from Redis's Lua 5.1 or are unbounded.
func (e *Engine) overrideBuiltins(g *lua.LTable) {
	L := e.L
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
	g.RawSetString("rawset", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		if mt, ok := L.GetMetatable(t).(*lua.LTable); ok && mt.RawGetString("__newindex") == e.readonly {
			// Raised from C in Redis: no position in the message.
			e.lastLine = currentLine(L)
			L.Error(lua.LString("Attempt to modify a readonly table"), 0)
		}
		L.RawSet(t, L.CheckAny(2), L.CheckAny(3))
		L.SetTop(1)
		return 1
	}))
	origPcall := g.RawGetString("pcall").(*lua.LFunction)
	g.RawSetString("pcall", L.NewFunction(func(L *lua.LState) int { return e.luaPcall(L, origPcall) }))
	str := g.RawGetString("string").(*lua.LTable)
	str.RawSetString("rep", L.NewFunction(strRep))
	str.RawSetString("dump", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("unable to dump given function")
		return 0
	}))
	str.RawSetString("format", boundedFormat(L, str.RawGetString("format").(*lua.LFunction)))
	str.RawSetString("gsub", L.NewFunction(strGsub))
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
		t.RawSetString("concat", L.NewFunction(tableConcat))
	}
}

// readThrough returns the metatable of a read-only view of t: reads fall through to t,
// writes fail with Redis's error, and the metatable itself is hidden.
func (e *Engine) readThrough(t *lua.LTable) *lua.LTable {
	mt := e.L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", e.readonly)
	mt.RawSetString("__metatable", lua.LFalse)
	return mt
}

// Close releases the Lua state.
func (e *Engine) Close() { e.L.Close() }

// newEnv builds the per-run global environment: a fresh table behind a read-only proxy,
// holding KEYS and ARGV for EVAL (withKeys). Builtins are pulled in lazily from the template
// on first access, so a run only pays for what it touches and cannot alter the template.
func (e *Engine) newEnv(keys, argv [][]byte, withKeys bool) *lua.LTable {
	L := e.L
	real := L.CreateTable(0, 8)
	if withKeys {
		real.RawSetString("KEYS", stringArray(L, keys))
		real.RawSetString("ARGV", stringArray(L, argv))
	}
	L.SetMetatable(real, e.gMT)
	proxy := L.NewTable()
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", real)
	mt.RawSetString("__newindex", e.readonly)
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

// stringArray converts arguments to a Lua array of strings (KEYS, ARGV, a function's keys
// and args).
func stringArray(L *lua.LState, items [][]byte) *lua.LTable {
	t := L.CreateTable(len(items), 0)
	for i, b := range items {
		t.RawSetInt(i+1, lua.LString(b))
	}
	return t
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
		e.L.SetMetatable(c, e.libMT[k.String()])
		v = c
	}
	real.RawSetH(k, v)
	return v, true
}

// compileChunk compiles Lua source; the error is Redis's "<chunk>:<line>: <message>".
func compileChunk(body, chunk string) (*lua.FunctionProto, string) {
	ast, err := parse.Parse(strings.NewReader(body), chunk)
	if err != nil {
		return nil, compileErrText(err, body, chunk)
	}
	p, err := lua.Compile(ast, chunk)
	if err != nil {
		return nil, compileErrText(err, body, chunk)
	}
	return p, ""
}

func compileErrText(err error, body, chunk string) string {
	// gopher-lua: "user_script line:1(column:9) near 'EOF':   syntax error"
	if pe, ok := err.(*parse.Error); ok {
		tok := pe.Token
		if tok == "EOF" {
			tok = "<eof>"
		}
		line := pe.Pos.Line
		if line < 1 { // gopher-lua has no position at the end of the input
			line = strings.Count(body, "\n") + 1
		}
		return chunk + ":" + strconv.Itoa(line) + ": " + strings.TrimSpace(pe.Message) + " near '" + tok + "'"
	}
	return err.Error()
}

// Compile returns the script for body, compiling it (and reading its shebang flags) once per
// distinct body, as EVAL and SCRIPT LOAD do. On failure it returns Redis's error reply text.
func (e *Engine) Compile(body string) (*Script, string) {
	sha := SHA1Hex(body)
	if sc := e.Script(sha); sc != nil {
		return sc, ""
	}
	flags, shebang, lineLen, errText := parseShebang(body)
	if errText != "" {
		return nil, errText
	}
	// The shebang line is skipped but its line feed kept, so line numbers stay the user's.
	p, errText := compileChunk(body[lineLen:], scriptChunk)
	if errText != "" {
		return nil, "ERR Error compiling script (new function): " + errText
	}
	sc := &Script{SHA: sha, Shebang: shebang, Flags: flags, proto: p}
	e.mu.Lock()
	e.scripts[sha] = sc
	e.mu.Unlock()
	return sc, ""
}

// Script returns the cached script with this SHA (any case), or nil (EVALSHA).
func (e *Engine) Script(sha string) *Script {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.scripts[strings.ToLower(sha)]
}

// Flush drops all cached scripts (SCRIPT FLUSH).
func (e *Engine) Flush() {
	e.mu.Lock()
	e.scripts = map[string]*Script{}
	e.mu.Unlock()
}

// Kill stops the running script at its next instruction (SCRIPT KILL, FUNCTION KILL); it
// fails with Redis's "Script killed by user" error. Whether a script that already wrote may
// be killed is the caller's decision (UNKILLABLE). Safe from any goroutine.
func (e *Engine) Kill() {
	e.cancelMu.Lock()
	defer e.cancelMu.Unlock()
	if e.cancel != nil {
		e.killed = true
		e.cancel()
	}
}

// RunScript executes an EVAL script with KEYS/ARGV and writes its reply (or error) to w.
func (e *Engine) RunScript(sc *Script, r Run, w *resp.Writer) {
	env := e.newEnv(r.Keys, r.Args, true)
	fn := e.L.NewFunctionFromProto(sc.proto)
	fn.Env = env
	e.execute(fn, nil, scriptChunk, sc.SHA, r, w)
}

// execute runs fn with args as the script named name, then writes its reply.
func (e *Engine) execute(fn *lua.LFunction, args []lua.LValue, chunk, name string, r Run, w *resp.Writer) {
	L := e.L
	e.call, e.proto, e.repl, e.chunk, e.runName, e.lastLine = r.Call, 2, replAll, chunk, name, 0
	ctx, cancel := context.WithCancel(context.Background())
	e.cancelMu.Lock()
	e.cancel, e.killed = cancel, false
	e.cancelMu.Unlock()
	oldEnv := L.Env
	L.Env = fn.Env
	L.SetContext(ctx)

	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 1, nil)

	e.cancelMu.Lock()
	e.cancel = nil
	killed := e.killed
	e.cancelMu.Unlock()
	cancel()
	L.RemoveContext()
	L.Env = oldEnv
	e.call = nil
	if r.Stopped != nil {
		r.Stopped()
	}
	if err != nil {
		e.writeError(err, killed, w)
	} else {
		e.writeReply(L.Get(-1), w, 0)
	}
	L.SetTop(0)
}

// writeError formats a script failure the way Redis 7.0 does:
// "<err> script: <sha or function>, on @user_script:<line>."
func (e *Engine) writeError(err error, killed bool, w *resp.Writer) {
	msg, line := e.errorInfo(err)
	if killed {
		msg, line = "ERR Script killed by user with SCRIPT KILL...", lineFromMsg(err.Error(), e.chunk)
	}
	if line == 0 {
		line = e.lastLine
	}
	w.Error(msg + " script: " + e.runName + ", on @" + e.chunk + ":" + strconv.Itoa(line) + ".")
}

// errorInfo extracts the error reply text and the line (0 if unknown) from a Lua error: an
// error table {err=..., line=...} as Redis raises them, or any other value, which gets the
// ERR code.
func (e *Engine) errorInfo(err error) (string, int) {
	var obj lua.LValue = lua.LString(err.Error())
	if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
		obj = ae.Object
	}
	var msg string
	line := 0
	if t, ok := obj.(*lua.LTable); ok {
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
		line = lineFromMsg(msg, e.chunk)
	}
	return msg, line
}

// lineFromMsg extracts N from a "<chunk>:N:" position prefix.
func lineFromMsg(msg, chunk string) int {
	i := strings.Index(msg, chunk+":")
	if i < 0 {
		return 0
	}
	rest := msg[i+len(chunk)+1:]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(rest[:j])
	return n
}
