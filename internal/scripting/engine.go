// Package scripting implements the Lua engine behind EVAL/EVALSHA and FUNCTION/FCALL: a
// sandboxed gopher-lua (Lua 5.1) VM with Redis 7.0's redis.* API, reply conversions both ways,
// the bit, cjson, cmsgpack and struct libraries, script flags and function libraries. It does
// not depend on the server: commands run through a Caller.
package scripting

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
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

	// The environments are built once. Scripts see every library through a read-only view
	// (an empty table reading through to it); no write reaches a view or a globals table:
	// assignments fail through __newindex, and the builtins that write raw (rawset,
	// table.insert/remove/sort) refuse read-only tables. So nothing a script does can be seen
	// by the next one, and a run allocates no environment.
	template    *lua.LTable // the libraries and base functions
	strMT       *lua.LTable // the metatable of strings, cleaned before each run
	strView     *lua.LTable // the string library's view, strMT's __index
	readonly    *lua.LFunction
	evalGlobals *lua.LTable // builtins, plus KEYS and ARGV set per run
	evalEnv     *lua.LTable // EVAL's _G: a read-only proxy of evalGlobals

	// Function libraries: their code runs once at FUNCTION LOAD in funcEnv, a proxy reading
	// the load-time globals (only redis, with register_function, log and the version fields)
	// while a library loads and the function globals (EVAL's without KEYS and ARGV) otherwise.
	funcs       registry
	funcEnvMT   *lua.LTable
	funcEnv     *lua.LTable
	funcGlobals *lua.LTable
	loadGlobals *lua.LTable
	loading     *Library

	// per-run state
	mem      memWatch // script-max-memory
	call     Caller
	proto    int
	repl     int // redis.set_repl flags
	chunk    string
	runName  string // SHA or function name, for error messages
	lastLine int

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
	e := &Engine{L: L, scripts: map[string]*Script{}, funcs: newRegistry()}
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
	// gopher-lua uses the string library table itself as the string metatable; strings get a
	// separate metatable, whose methods are read through the string library's view.
	str := g.RawGetString("string").(*lua.LTable)
	str.RawSetString("__index", lua.LNil)
	e.strMT = L.NewTable()
	L.SetMetatable(lua.LString(""), e.strMT)

	views := map[string]*lua.LTable{}
	g.ForEach(func(k, v lua.LValue) {
		if t, ok := v.(*lua.LTable); ok {
			views[k.String()] = e.readOnlyView(t)
		}
	})
	e.strView = views["string"]
	e.strMT.RawSetString("__index", e.strView)
	e.evalGlobals, e.evalEnv = e.globals(views)
	e.funcGlobals, e.funcEnv = e.globals(views)
	e.initFunctionEnv()
	return e
}

// globals builds a globals table holding every builtin (libraries as their views) and its
// read-only proxy, which is _G and a script's environment. Reading a missing name fails.
func (e *Engine) globals(views map[string]*lua.LTable) (globals, proxy *lua.LTable) {
	L := e.L
	globals = L.NewTable()
	e.template.ForEach(func(k, v lua.LValue) {
		if _, ok := v.(*lua.LTable); ok {
			v = views[k.String()]
		}
		globals.RawSetH(k, v)
	})
	L.SetMetatable(globals, e.missingGlobalMT())
	proxy = e.readOnlyView(globals)
	// getmetatable(_G) is a table in Redis; an empty read-only one keeps globals out of reach.
	proxy.Metatable.(*lua.LTable).RawSetString("__metatable", e.readOnlyView(L.NewTable()))
	globals.RawSetString("_G", proxy)
	return globals, proxy
}

// missingGlobalMT makes reading a name absent from a table fail as Redis's globals do.
func (e *Engine) missingGlobalMT() *lua.LTable {
	mt := e.L.NewTable()
	mt.RawSetString("__index", e.L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("Script attempted to access nonexistent global variable '%s'", L.CheckAny(2).String())
		return 0
	}))
	return mt
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
		if e.isReadOnly(t) {
			e.raiseReadOnly(L)
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
		for _, name := range []string{"insert", "remove", "sort"} {
			t.RawSetString(name, e.refuseReadOnly(t.RawGetString(name)))
		}
	}
}

// readOnlyView returns an empty table whose reads fall through to t and whose writes fail
// with Redis's error; getmetatable on it returns false, so t stays out of reach.
func (e *Engine) readOnlyView(t *lua.LTable) *lua.LTable {
	mt := e.L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", e.readonly)
	mt.RawSetString("__metatable", lua.LFalse)
	view := e.L.NewTable()
	e.L.SetMetatable(view, mt)
	return view
}

// isReadOnly reports a view or proxy made by readOnlyView.
func (e *Engine) isReadOnly(t *lua.LTable) bool {
	mt, ok := t.Metatable.(*lua.LTable) // the real one: getmetatable sees __metatable
	return ok && mt.RawGetString("__newindex") == e.readonly
}

// refuseReadOnly wraps a builtin that writes raw into its first argument, a table, so that
// it fails on read-only tables as in Redis.
func (e *Engine) refuseReadOnly(orig lua.LValue) *lua.LFunction {
	fn := orig.(*lua.LFunction)
	return e.L.NewFunction(func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok && e.isReadOnly(t) {
			e.raiseReadOnly(L)
		}
		top := L.GetTop()
		L.Insert(fn, 1)
		L.Call(top, lua.MultRet)
		return L.GetTop()
	})
}

// raiseReadOnly fails as a write to a read-only table does in Redis's C code: without a
// position in the message.
func (e *Engine) raiseReadOnly(L *lua.LState) {
	e.lastLine = currentLine(L)
	L.Error(lua.LString("Attempt to modify a readonly table"), 0)
}

// Close releases the Lua state.
func (e *Engine) Close() { e.L.Close() }

// prepareEval sets KEYS and ARGV for an EVAL run.
func (e *Engine) prepareEval(keys, argv [][]byte) {
	e.evalGlobals.RawSetString("KEYS", stringArray(e.L, keys))
	e.evalGlobals.RawSetString("ARGV", stringArray(e.L, argv))
	e.cleanStringMetatable()
}

// cleanStringMetatable undoes what a previous script did to the metatable all strings share
// (getmetatable(”) reaches it).
func (e *Engine) cleanStringMetatable() {
	clean := true
	e.strMT.ForEach(func(k, v lua.LValue) {
		clean = clean && k == lua.LString("__index") && v == e.strView
	})
	if clean {
		return
	}
	var ks []lua.LValue
	e.strMT.ForEach(func(k, _ lua.LValue) { ks = append(ks, k) })
	for _, k := range ks {
		e.strMT.RawSetH(k, lua.LNil)
	}
	e.strMT.RawSetString("__index", e.strView)
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
	// gopher-lua builds the Lua 5.0 "arg" table for a vararg main chunk on every call
	// although no name reaches it there (Lua 5.1 does not build it): half of EVAL's garbage.
	p.IsVarArg &^= lua.VarArgNeedsArg
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
	e.prepareEval(r.Keys, r.Args)
	fn := e.L.NewFunctionFromProto(sc.proto)
	fn.Env = e.evalEnv
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
	e.startMemWatch()
	err := L.PCall(len(args), 1, nil)
	overMemory := e.stopMemWatch()

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
	switch {
	case err != nil && overMemory:
		w.Error(fmt.Sprintf("ERR Script stopped: it grew memory by more than script-max-memory (%d bytes) script: %s, on @%s.", e.mem.limit.Load(), e.runName, e.chunk))
	case err != nil:
		e.writeError(err, killed, w)
	default:
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
