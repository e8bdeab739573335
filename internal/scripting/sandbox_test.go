package scripting

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/resp"
)

func run(e *Engine, script string) string {
	w := &resp.Writer{Proto: 2}
	evalScript(e, script, nil, nil, func(args [][]byte, proto int, pcall bool) []byte { return []byte("+OK\r\n") }, w)
	return string(w.Buf)
}

// evalScript compiles and runs body as EVAL does.
func evalScript(e *Engine, body string, keys, argv [][]byte, call Caller, w *resp.Writer) {
	sc, errText := e.Compile(body)
	if errText != "" {
		w.Error(errText)
		return
	}
	e.RunScript(sc, Run{Keys: keys, Args: argv, Call: call}, w)
}

func mustErr(t *testing.T, e *Engine, script, want string) {
	t.Helper()
	got := run(e, script)
	if !strings.HasPrefix(got, "-") || !strings.Contains(got, want) {
		t.Errorf("%q: got %q, want error containing %q", script, got, want)
	}
}

func TestEscapes(t *testing.T) {
	e := New()
	mustErr(t, e, "return os.execute('id')", "nonexistent global variable 'os'")
	mustErr(t, e, "return io.open('/etc/passwd')", "nonexistent global variable 'io'")
	mustErr(t, e, "return package.loadlib('/lib/x.so','f')", "nonexistent global variable 'package'")
	mustErr(t, e, "return require('os')", "nonexistent global variable 'require'")
	mustErr(t, e, "return dofile('/etc/passwd')", "nonexistent global variable 'dofile'")
	mustErr(t, e, "return loadfile('/etc/passwd')", "nonexistent global variable 'loadfile'")
	mustErr(t, e, "return getfenv(1)", "nonexistent global variable 'getfenv'")
	mustErr(t, e, "return setfenv(1, {})", "nonexistent global variable 'setfenv'")
	mustErr(t, e, "return debug.getinfo(1)", "nonexistent global variable 'debug'")
	mustErr(t, e, "return loadstring('return os.execute')()", "nonexistent global variable 'os'")
	mustErr(t, e, "return string.dump(function() end)", "dump")
	mustErr(t, e, "x = 1", "Attempt to modify a readonly table")
	mustErr(t, e, "_G.x = 1", "Attempt to modify a readonly table")
	mustErr(t, e, "return string.rep('x', 1024*1024*1024)", "too large")
	mustErr(t, e, "return string.rep('xx', 2^40)", "too large")
	mustErr(t, e, "local function f(n) return 1 + f(n+1) end return f(1)", "stack overflow")
	mustErr(t, e, "local t = setmetatable({}, {__index=function(t,k) return t[k] end}) return t.x", "")
	mustErr(t, e, "local co = coroutine.wrap(function() return os end) return co()", "nonexistent global variable 'os'")
}

// A script must not be able to leave state behind for the next one (CVE-2022-24735 class).
func TestNoStateLeak(t *testing.T) {
	e := New()
	attacks := []string{
		"rawset(_G, 'evil', 1)",
		"getmetatable(_G).__newindex = nil; evil = 1",
		"redis.call = function() return 'pwned' end",
		"string.rep = function() return 'pwned' end",
		"getmetatable('').__index = {rep = function() return 'pwned' end}",
		"getmetatable('').__index.rep = function() return 'pwned' end",
		"local mt = getmetatable(''); mt.__add = function() return 1 end",
		"cjson.encode = function() return 'pwned' end",
		"bit.band = nil",
		"table.insert = nil",
		"KEYS[1] = 'pwned'",
		"redis.setresp(3)",
		// the per-run library tables read through to shared ones: their metatables must not
		// be reachable, or one script could rewrite the library every later script uses
		"getmetatable(redis).__index.call = function() return 'pwned' end",
		"setmetatable(redis, {__index = {call = function() return 'pwned' end}})",
		"getmetatable(string).__index.rep = function() return 'pwned' end",
		"rawset(getmetatable(cjson) or {}, '__index', {})",
		// the library views and globals are shared by every run: the builtins that write raw
		// must refuse them
		"rawset(string, 'rep', function() return 'pwned' end)",
		"rawset(redis, 'call', function() return 'pwned' end)",
		"table.insert(bit, 1)",
		"table.insert(_G, 'evil')",
		"table.remove(cjson)",
		"table.sort(redis)",
		"getmetatable(_G).__index = {}",
		"KEYS = nil",
	}
	for _, a := range attacks {
		run(e, a)
		checks := map[string]string{
			"return type(evil)":                                     "nonexistent global variable 'evil'",
			"return redis.call('ping')":                             "+OK\r\n",
			"return string.rep('a', 3)":                             "$3\r\naaa\r\n",
			"return ('a'):rep(2)":                                   "$2\r\naa\r\n",
			"return cjson.encode({1})":                              "$3\r\n[1]\r\n",
			"return bit.band(3, 1)":                                 ":1\r\n",
			"local t = {} table.insert(t, 1) return #t":             ":1\r\n",
			"return {true}":                                         "*1\r\n:1\r\n",
			"return tostring(pcall(function() return 'a' + 1 end))": "$5\r\nfalse\r\n",
		}
		for s, want := range checks {
			if got := run(e, s); !strings.Contains(got, want) {
				t.Errorf("after %q: %q = %q, want %q", a, s, got, want)
			}
		}
	}
	w := &resp.Writer{Proto: 2}
	evalScript(e, "return KEYS[1]", [][]byte{[]byte("k")}, nil, nil, w)
	if string(w.Buf) != "$1\r\nk\r\n" {
		t.Errorf("KEYS leaked: %q", w.Buf)
	}
}

// killWhenStarted runs script (which must call redis.call once before looping) and kills it
// from another goroutine once that call happened; it returns the script's reply.
func killWhenStarted(t *testing.T, e *Engine, script string) string {
	t.Helper()
	started := make(chan struct{})
	call := func(args [][]byte, proto int, pcall bool) []byte {
		close(started)
		return []byte("+OK\r\n")
	}
	done := make(chan string)
	go func() {
		w := &resp.Writer{Proto: 2}
		evalScript(e, script, nil, nil, call, w)
		done <- string(w.Buf)
	}()
	<-started
	time.Sleep(20 * time.Millisecond)
	e.Kill()
	select {
	case got := <-done:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("script not killed")
		return ""
	}
}

func TestKill(t *testing.T) {
	e := New()
	for _, tc := range []struct{ script, want string }{
		{"redis.call('ping')\nlocal i = 0 while true do i = i + 1 end", "-ERR Script killed by user with SCRIPT KILL... script: "},
		// pcall cannot swallow the kill: the next instruction outside it fails again
		{"redis.call('ping')\nwhile true do pcall(function() while true do end end) end", "-ERR Script killed by user with SCRIPT KILL..."},
		{"redis.call('ping')\nlocal co = coroutine.create(function() while true do end end) coroutine.resume(co) while true do end", "-ERR Script killed by user with SCRIPT KILL..."},
	} {
		got := killWhenStarted(t, e, tc.script)
		if !strings.HasPrefix(got, tc.want) || !strings.HasSuffix(got, ", on @user_script:2.\r\n") {
			t.Errorf("%q: got %q, want %q... on line 2", tc.script, got, tc.want)
		}
		if got := run(e, "return 2"); got != ":2\r\n" {
			t.Fatalf("after kill: %q", got)
		}
	}
	e.Kill() // nothing running: a no-op
	if got := run(e, "return 3"); got != ":3\r\n" {
		t.Fatalf("a kill with nothing running affected the next script: %q", got)
	}
}

func TestCompileCache(t *testing.T) {
	e := New()
	sc, errText := e.Compile("return 'x'")
	if errText != "" || sc.SHA != SHA1Hex("return 'x'") || e.Script(strings.ToUpper(sc.SHA)) != sc {
		t.Fatal("compile/lookup failed")
	}
	w := &resp.Writer{Proto: 2}
	e.RunScript(e.Script(sc.SHA), Run{}, w)
	if string(w.Buf) != "$1\r\nx\r\n" {
		t.Fatalf("run: %q", w.Buf)
	}
	if _, errText := e.Compile("return +"); !strings.HasPrefix(errText, "ERR Error compiling script (new function): user_script:1:") {
		t.Fatalf("compile error: %q", errText)
	}
	e.Flush()
	if e.Script(sc.SHA) != nil {
		t.Fatal("flush")
	}
}

func BenchmarkRunSmall(b *testing.B) {
	e := New()
	w := &resp.Writer{Proto: 2}
	for i := 0; i < b.N; i++ {
		w.Reset()
		evalScript(e, "return ARGV[1]", nil, [][]byte{[]byte("x")}, nil, w)
	}
}

func TestDeepRecursionVariants(t *testing.T) {
	e := New()
	for _, s := range []string{
		"local function f() return pcall(f) end return tostring(f())",
		"local t = setmetatable({}, {__index=function(t,k) return t[k] end}) return t.x",
		"local function f(s) return (string.gsub(s, '.', function(c) return f(c) end)) end return f('ab')",
		"local t = setmetatable({}, {__tostring=function(t) return tostring(t) end}) return tostring(t)",
		"local function f(n) return cjson.decode(string.rep('[', n) .. string.rep(']', n)) end return #f(5000) and 1",
		"local t = {} local cur = t for i=1,5000 do cur[1] = {} cur = cur[1] end return cjson.encode(t)",
		"local t = {} local cur = t for i=1,100000 do cur[1] = {} cur = cur[1] end return t",
	} {
		got := run(e, s)
		if got == "" {
			t.Errorf("%q: empty reply", s)
		}
		if r := run(e, "return 1"); r != ":1\r\n" {
			t.Fatalf("after %q engine broken: %q", s, r)
		}
	}
}

// Functions share one environment across calls and libraries: nothing one function does may
// reach another, or the same one later, except its own library's local state.
func TestFunctionIsolation(t *testing.T) {
	e := New()
	ok := func(args [][]byte, proto int, pcall bool) []byte { return []byte("+OK\r\n") }
	call := func(name string) string {
		w := &resp.Writer{Proto: 2}
		e.CallFunction(e.LookupFunction(name), Run{Call: ok}, w)
		return string(w.Buf)
	}
	attacks := []string{
		"rawset(_G, 'evil', 1)", "evil = 1", "string.rep = nil", "rawset(string, 'rep', nil)",
		"table.insert(redis, 1)", "getmetatable('').__index = {rep = function() return 'pwned' end}",
		"redis.call = nil", "getmetatable(_G).__index = {}",
	}
	var code strings.Builder
	code.WriteString("#!lua name=attacker\nlocal reg = redis\n")
	for i, a := range attacks {
		code.WriteString("redis.register_function('a" + strconv.Itoa(i) + "', function() " + a + " end)\n")
	}
	code.WriteString("redis.register_function('late', function() rawset(reg, 'x', 1) return reg.register_function('z', function() end) end)\n")
	if _, errText := e.LoadLibrary(code.String(), false); errText != "" {
		t.Fatal(errText)
	}
	if _, errText := e.LoadLibrary("#!lua name=victim\nredis.register_function('check', function() return {type(rawget(_G, 'evil')), ('a'):rep(2), string.rep('b', 2), redis.call('ping').ok, tostring(pcall(function() return evil end))} end)", false); errText != "" {
		t.Fatal(errText)
	}
	for i := range attacks {
		call("a" + strconv.Itoa(i))
		if got, want := call("check"), "*5\r\n$3\r\nnil\r\n$2\r\naa\r\n$2\r\nbb\r\n$2\r\nOK\r\n$5\r\nfalse\r\n"; got != want {
			t.Errorf("after %q: check = %q", attacks[i], got)
		}
	}
	if got := call("late"); !strings.Contains(got, "Attempt to modify a readonly table") {
		t.Errorf("writing to the load-time redis table at run time: %q", got)
	}
	// A library loaded after the attacks sees a pristine load-time API.
	if _, errText := e.LoadLibrary("#!lua name=later\nlocal x = redis.x\nredis.register_function('f', function() end)", false); !strings.Contains(errText, "nonexistent global variable 'x'") {
		t.Errorf("load after the attacks: %q", errText)
	}
}
