package scripting

import (
	"context"
	"github.com/redoubt/redoubt/internal/ascii"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/redoubt/redoubt/internal/resp"
)

// loadTimeout bounds the run of a library's code at FUNCTION LOAD, as Redis's 500 ms: the
// code should only register functions.
const loadTimeout = 500 * time.Millisecond

// Library is a loaded function library.
type Library struct {
	Name string
	// Code is the library's source as loaded, metadata line included (FUNCTION LIST
	// WITHCODE, FUNCTION DUMP, RDB).
	Code      string
	Functions []*Function // in registration order
}

// Function is one function registered by a library.
type Function struct {
	Name           string
	Description    string
	HasDescription bool
	Flags          Flags
	Library        *Library
	fn             *lua.LFunction
}

// registry is a set of libraries and the function names they define. Function names are
// unique across libraries regardless of case; library names are case-sensitive.
type registry struct {
	libraries map[string]*Library
	functions map[string]*Function // by foldName
}

func newRegistry() registry {
	return registry{libraries: map[string]*Library{}, functions: map[string]*Function{}}
}

// link adds lib. A library with two names differing only in case links the first, as Redis
// does (its second dictAdd fails silently).
func (r *registry) link(lib *Library) {
	r.libraries[lib.Name] = lib
	for _, f := range lib.Functions {
		if _, dup := r.functions[ascii.Lower(f.Name)]; !dup {
			r.functions[ascii.Lower(f.Name)] = f
		}
	}
}

func (r *registry) unlink(lib *Library) {
	delete(r.libraries, lib.Name)
	for _, f := range lib.Functions {
		if r.functions[ascii.Lower(f.Name)] == f {
			delete(r.functions, ascii.Lower(f.Name))
		}
	}
}

// collision returns Redis's error when one of lib's functions is already defined.
func (r *registry) collision(lib *Library) string {
	for _, f := range lib.Functions {
		if _, dup := r.functions[ascii.Lower(f.Name)]; dup {
			return "ERR Function " + f.Name + " already exists"
		}
	}
	return ""
}

// initFunctionEnv builds the load-time globals library code sees while it loads.
func (e *Engine) initFunctionEnv() {
	L := e.L
	full := e.template.RawGetString("redis").(*lua.LTable)
	loadRedis := L.NewTable()
	loadRedis.RawSetString("register_function", L.NewFunction(e.registerFunction))
	for _, k := range []string{"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		loadRedis.RawSetString(k, full.RawGetString(k))
	}
	// Reading a missing field of the load-time redis table fails like a missing global.
	L.SetMetatable(loadRedis, e.missingGlobalMT())
	e.loadGlobals = L.NewTable()
	e.loadGlobals.RawSetString("redis", e.readOnlyView(loadRedis))
	L.SetMetatable(e.loadGlobals, e.missingGlobalMT())

	e.funcEnvMT = e.funcEnv.Metatable.(*lua.LTable)
}

// setFunctionGlobals points the library code's environment at the load-time globals or at
// the function globals.
func (e *Engine) setFunctionGlobals(loading bool) {
	g := e.funcGlobals
	if loading {
		g = e.loadGlobals
	}
	e.funcEnvMT.RawSetString("__index", g)
}

// registerFunction is redis.register_function: (name, callback) or a table of named
// arguments function_name, callback, flags, description.
func (e *Engine) registerFunction(L *lua.LState) int {
	lib := e.loading
	if lib == nil {
		e.raiseErrTable(L, errorTable(L, "redis.register_function can only be called on FUNCTION LOAD command"))
	}
	var f *Function
	var msg string
	switch L.GetTop() {
	case 1:
		f, msg = namedRegistration(L.Get(1))
	case 2:
		f, msg = positionalRegistration(L.Get(1), L.Get(2))
	default:
		msg = "wrong number of arguments to redis.register_function"
	}
	if msg == "" && !validName(f.Name) {
		msg = errInvalidName
	}
	if msg == "" {
		for _, g := range lib.Functions {
			if g.Name == f.Name {
				msg = "Function already exists in the library"
			}
		}
	}
	if msg != "" {
		e.raiseErrTable(L, errorTable(L, msg))
	}
	f.Library = lib
	lib.Functions = append(lib.Functions, f)
	return 0
}

// luaString is lua_isstring + lua_tostring: strings, and numbers in their %.14g form.
func luaString(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return fmt14g(float64(x)), true
	}
	return "", false
}

func positionalRegistration(name, callback lua.LValue) (*Function, string) {
	n, ok := luaString(name)
	if !ok {
		return nil, "first argument to redis.register_function must be a string"
	}
	fn, ok := callback.(*lua.LFunction)
	if !ok {
		return nil, "second argument to redis.register_function must be a function"
	}
	return &Function{Name: n, fn: fn}, ""
}

func namedRegistration(arg lua.LValue) (*Function, string) {
	t, ok := arg.(*lua.LTable)
	if !ok {
		return nil, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	f := &Function{}
	named := false
	var msg string
	t.ForEach(func(k, v lua.LValue) {
		if msg == "" {
			msg = f.setNamedArg(k, v, &named)
		}
	})
	switch {
	case msg != "":
		return nil, msg
	case !named:
		return nil, "redis.register_function must get a function name argument"
	case f.fn == nil:
		return nil, "redis.register_function must get a callback argument"
	}
	return f, ""
}

// setNamedArg applies one named argument of redis.register_function (names match in any case).
func (f *Function) setNamedArg(k, v lua.LValue, named *bool) string {
	key, ok := luaString(k)
	if !ok {
		return "named argument key given to redis.register_function is not a string"
	}
	switch ascii.Lower(key) {
	case "function_name":
		if f.Name, ok = luaString(v); !ok {
			return "function_name argument given to redis.register_function must be a string"
		}
		*named = true
	case "description":
		if f.Description, ok = luaString(v); !ok {
			return "description argument given to redis.register_function must be a string"
		}
		f.HasDescription = true
	case "callback":
		if f.fn, ok = v.(*lua.LFunction); !ok {
			return "callback argument given to redis.register_function must be a function"
		}
	case "flags":
		t, ok := v.(*lua.LTable)
		if !ok {
			return "flags argument to redis.register_function must be a table representing function flags"
		}
		if f.Flags, ok = readFlags(t); !ok {
			return "unknown flag given"
		}
	default:
		return "unknown argument given to redis.register_function"
	}
	return ""
}

// readFlags reads t[1], t[2], ... up to the first nil as flag names.
func readFlags(t *lua.LTable) (Flags, bool) {
	var flags Flags
	for i := 1; ; i++ {
		v := t.RawGetInt(i)
		if v == lua.LNil {
			return flags, true
		}
		name, ok := luaString(v)
		if !ok {
			return 0, false
		}
		f, ok := lookupFlag(name, true)
		if !ok {
			return 0, false
		}
		flags |= f
	}
}

// LoadLibrary is FUNCTION LOAD: it creates the library defined by code, replacing one of the
// same name when replace is set. It returns the library's name, or Redis's error reply.
func (e *Engine) LoadLibrary(code string, replace bool) (string, string) {
	lib, errText := e.createLibrary(&e.funcs, code, replace)
	if errText != "" {
		return "", errText
	}
	return lib.Name, ""
}

// createLibrary builds the library for code and links it into reg, leaving reg unchanged on
// failure (functionsCreateWithLibraryCtx).
func (e *Engine) createLibrary(reg *registry, code string, replace bool) (*Library, string) {
	meta, errText := parseLibraryMeta(code)
	if errText != "" {
		return nil, errText
	}
	if !validName(meta.name) {
		return nil, "ERR " + errInvalidName
	}
	if ascii.Lower(meta.engine) != "lua" {
		return nil, "ERR Engine '" + meta.engine + "' not found"
	}
	old := reg.libraries[meta.name]
	if old != nil && !replace {
		return nil, "ERR Library '" + meta.name + "' already exists"
	}
	if old != nil {
		reg.unlink(old)
	}
	lib, errText := e.runLibrary(meta.name, code, meta.body)
	if errText == "" && len(lib.Functions) == 0 {
		errText = "ERR No functions registered"
	}
	if errText == "" {
		errText = reg.collision(lib)
	}
	if errText != "" {
		if old != nil {
			reg.link(old)
		}
		return nil, errText
	}
	reg.link(lib)
	return lib, ""
}

// runLibrary compiles a library's body and runs it once, in the load-time environment and
// within loadTimeout, collecting the functions it registers.
func (e *Engine) runLibrary(name, code, body string) (*Library, string) {
	p, errText := compileChunk(body, functionChunk)
	if errText != "" {
		return nil, "ERR Error compiling function: " + errText
	}
	L := e.L
	fn := L.NewFunctionFromProto(p)
	fn.Env = e.funcEnv
	lib := &Library{Name: name, Code: code}
	e.cleanStringMetatable()
	e.loading, e.chunk = lib, functionChunk
	e.setFunctionGlobals(true)
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	L.SetContext(ctx)
	L.Push(fn)
	err := L.PCall(0, 0, nil)
	L.RemoveContext()
	cancel()
	e.setFunctionGlobals(false)
	e.loading = nil
	L.SetTop(0)
	if err == nil {
		return lib, ""
	}
	msg, _ := e.errorInfo(err)
	if ctx.Err() != nil && strings.Contains(msg, context.DeadlineExceeded.Error()) {
		msg = "ERR FUNCTION LOAD timeout"
	}
	return nil, "ERR Error registering functions: " + msg
}

// DeleteLibrary is FUNCTION DELETE; it reports whether the library existed.
func (e *Engine) DeleteLibrary(name string) bool {
	lib := e.funcs.libraries[name]
	if lib == nil {
		return false
	}
	e.funcs.unlink(lib)
	return true
}

// FlushLibraries is FUNCTION FLUSH.
func (e *Engine) FlushLibraries() { e.funcs = newRegistry() }

// Libraries returns the loaded libraries ordered by name.
func (e *Engine) Libraries() []*Library { return sortedLibraries(e.funcs) }

// sortedLibraries orders r's libraries by name: Redis lists them in its hash table's order,
// which differs between processes, so any fixed order is as faithful and this one is stable.
func sortedLibraries(r registry) []*Library {
	out := make([]*Library, 0, len(r.libraries))
	for _, lib := range r.libraries {
		out = append(out, lib)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FunctionCount returns how many functions the loaded libraries register (FUNCTION STATS).
func (e *Engine) FunctionCount() int {
	n := 0
	for _, lib := range e.funcs.libraries {
		n += len(lib.Functions)
	}
	return n
}

// LookupFunction finds a function by name, in any case (FCALL); nil if there is none.
func (e *Engine) LookupFunction(name string) *Function { return e.funcs.functions[ascii.Lower(name)] }

// RestorePolicy says what FUNCTION RESTORE does with the libraries already loaded.
type RestorePolicy int

const (
	// RestoreAppend adds the payload's libraries and fails on any name collision.
	RestoreAppend RestorePolicy = iota
	// RestoreReplace replaces libraries of the same name (functions must still not collide).
	RestoreReplace
	// RestoreFlush drops every loaded library first.
	RestoreFlush
)

// RestoreLibraries is FUNCTION RESTORE once the payload is decoded: every library is created
// apart first (a library twice in the payload fails), then they are joined to the loaded
// ones. Nothing changes on failure. It returns Redis's error reply, or "".
func (e *Engine) RestoreLibraries(codes []string, policy RestorePolicy) string {
	fresh := newRegistry()
	for _, code := range codes {
		if _, errText := e.createLibrary(&fresh, code, false); errText != "" {
			return errText
		}
	}
	if policy == RestoreFlush {
		e.funcs = fresh
		return ""
	}
	return e.join(fresh, policy == RestoreReplace)
}

// join adds the libraries of src (libraryJoin). On a collision nothing changes.
func (e *Engine) join(src registry, replace bool) string {
	var replaced []*Library
	undo := func(msg string) string {
		for _, old := range replaced {
			e.funcs.link(old)
		}
		return msg
	}
	libs := sortedLibraries(src)
	for _, lib := range libs {
		old := e.funcs.libraries[lib.Name]
		if old == nil {
			continue
		}
		if !replace {
			return undo("ERR Library " + lib.Name + " already exists")
		}
		e.funcs.unlink(old)
		replaced = append(replaced, old)
	}
	for _, lib := range libs {
		if msg := e.funcs.collision(lib); msg != "" {
			return undo(msg)
		}
	}
	for _, lib := range libs {
		e.funcs.link(lib)
	}
	return ""
}

// CallFunction runs f with its keys and arguments (FCALL) and writes its reply to w.
func (e *Engine) CallFunction(f *Function, r Run, w *resp.Writer) {
	e.cleanStringMetatable()
	args := []lua.LValue{stringArray(e.L, r.Keys), stringArray(e.L, r.Args)}
	e.execute(f.fn, args, functionChunk, f.Name, r, w)
}

// WriteLibraries writes FUNCTION LIST's reply for libs: per library its name, engine and
// functions (name, description, flags), and its code when withCode is set.
func WriteLibraries(w *resp.Writer, libs []*Library, withCode bool) {
	w.Array(len(libs))
	for _, lib := range libs {
		if withCode {
			w.Map(4)
		} else {
			w.Map(3)
		}
		w.BulkString("library_name")
		w.BulkString(lib.Name)
		w.BulkString("engine")
		w.BulkString("LUA")
		w.BulkString("functions")
		w.Array(len(lib.Functions))
		for _, f := range lib.Functions {
			writeFunction(w, f)
		}
		if withCode {
			w.BulkString("library_code")
			w.BulkString(lib.Code)
		}
	}
}

func writeFunction(w *resp.Writer, f *Function) {
	w.Map(3)
	w.BulkString("name")
	w.BulkString(f.Name)
	w.BulkString("description")
	if f.HasDescription {
		w.BulkString(f.Description)
	} else {
		w.Null()
	}
	w.BulkString("flags")
	names := f.Flags.Names()
	w.Set(len(names))
	for _, n := range names {
		w.Simple(n)
	}
}
