package scripting

import (
	"bytes"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/resp"
)

// scriptCaller adapts plain-connection errors to what a Caller must return inside scripts.
func scriptCaller(o *oracleConn) Caller {
	f := forwardCaller(o)
	return func(args [][]byte, proto int, pcall bool) []byte {
		r := f(args, proto, pcall)
		switch {
		case bytes.HasPrefix(r, []byte("-ERR unknown command")):
			return []byte("-ERR Unknown Redis command called from script\r\n")
		case bytes.HasPrefix(r, []byte("-ERR wrong number of arguments")):
			return []byte("-ERR Wrong number of args calling Redis command from script\r\n")
		}
		return r
	}
}

type diffCase struct {
	name   string
	script string
	keys   []string
	args   []string
	proto  int // client protocol for the EVAL (2 default)
}

var setup = [][]string{
	{"FLUSHALL"},
	{"SET", "str", "hello"},
	{"SET", "num", "41"},
	{"RPUSH", "list", "a", "b", "c"},
	{"HSET", "hash", "f", "v"},
	{"SADD", "set", "m"},
	{"ZADD", "zset", "1.5", "a"},
}

var diffCases = []diffCase{
	// reply conversion Lua -> RESP
	{name: "int", script: "return 42"},
	{name: "float-trunc", script: "return 3.99"},
	{name: "neg-float-trunc", script: "return -3.99"},
	{name: "string", script: "return 'hello'"},
	{name: "true", script: "return true"},
	{name: "false", script: "return false"},
	{name: "nil", script: "return nil"},
	{name: "noreturn", script: "local x = 1"},
	{name: "array-stops-at-nil", script: "return {1,2,3.7,-3.7,'x',nil,5}"},
	{name: "nested", script: "return {1,{2,{3,'x'}},{}}"},
	{name: "bools-in-array", script: "return {true,false,1}"},
	{name: "status", script: "return redis.status_reply('FINE')"},
	{name: "status-table", script: "return {ok='a\\r\\nb'}"},
	{name: "err-table", script: "return {err='My Error'}"},
	{name: "err-table-dash", script: "return {err='-foo bar'}"},
	{name: "error_reply", script: "return redis.error_reply('foo')"},
	{name: "error_reply-code", script: "return redis.error_reply('MYCODE something')"},
	{name: "error_reply-dash", script: "return redis.error_reply('-foo')"},
	{name: "error_reply-badarg", script: "return redis.error_reply(1)"},
	{name: "double", script: "return {double=1.5}"},
	{name: "double-3", script: "return {double=0.1}", proto: 3},
	{name: "big_number", script: "return {big_number='12345678901234567890'}"},
	{name: "map2", script: "return {map={a=1}}"},
	{name: "map3", script: "return {map={a=1}}", proto: 3},
	{name: "set2", script: "return {set={a=true}}"},
	{name: "set3", script: "return {set={a=true}}", proto: 3},
	{name: "verbatim2", script: "return {verbatim_string={format='txt',string='hi'}}"},
	{name: "keys-argv", script: "return {KEYS[1], KEYS[2], ARGV[1], #ARGV}", keys: []string{"k1", "k2"}, args: []string{"a1", "a2", "a3"}},
	{name: "array-with-err", script: "return {1, {err='E inner'}, {ok='fine'}}"},
	// RESP -> Lua
	{name: "call-get", script: "return redis.call('get','str')"},
	{name: "call-nil", script: "return redis.call('get','nokey')"},
	{name: "call-nil-type", script: "return type(redis.call('get','nokey'))"},
	{name: "call-int", script: "return redis.call('incr','num') + 1"},
	{name: "call-array", script: "return redis.call('lrange','list',0,-1)"},
	{name: "call-status", script: "local r = redis.call('set','x','y') return r.ok"},
	{name: "call-status-passthru", script: "return redis.call('set','x','y')"},
	{name: "call-numarg", script: "redis.call('set','k',1.5) redis.call('set','k2',1e20) redis.call('set','k3',12345678901234567) return redis.call('mget','k','k2','k3')"},
	{name: "call-hgetall", script: "return redis.call('hgetall','hash')"},
	{name: "call-zscore", script: "return redis.call('zscore','zset','a')"},
	// errors
	{name: "runtime-error", script: "error('boom')"},
	{name: "error-level0", script: "error('x', 0)"},
	{name: "error-table", script: "error({err='MY boom'})"},
	{name: "error-nil", script: "error()"},
	{name: "error-line3", script: "local a = 1\nlocal b = 2\nerror('third')"},
	{name: "call-unknown", script: "return redis.call('nosuch')"},
	{name: "call-wrongtype", script: "return redis.call('incr','str')"},
	{name: "call-wrongtype-line2", script: "local function f() return redis.call('incr','str') end\nlocal x = 1\nreturn f()"},
	{name: "call-arity", script: "return redis.call('get')"},
	{name: "call-noargs", script: "return redis.call()"},
	{name: "call-badarg", script: "return redis.call('get', {})"},
	{name: "global-write", script: "x = 5"},
	{name: "global-read", script: "return undefined_var"},
	{name: "setresp-bad", script: "return redis.setresp(4)"},
	{name: "sha1hex-noarg", script: "return redis.sha1hex()"},
	{name: "log-noarg", script: "return redis.log(1)"},
	// pcall
	{name: "pcall-err", script: "return redis.pcall('incr','str')"},
	{name: "pcall-unknown", script: "return redis.pcall('nosuch')"},
	{name: "pcall-noargs", script: "return redis.pcall()"},
	{name: "pcall-field", script: "local t = redis.pcall('incr','str') return t.err"},
	{name: "lua-pcall-of-call", script: "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}"},
	{name: "lua-pcall-error-table", script: "local ok, e = pcall(error, {err='x'}) return {type(e), e}"},
	{name: "lua-pcall-ok", script: "local ok, v = pcall(function() return 7 end) return {tostring(ok), v}"},
	// setresp(3)
	{name: "resp3-hgetall", script: "redis.setresp(3) local r = redis.call('hgetall','hash') return r.map.f"},
	{name: "resp3-hgetall-passthru2", script: "redis.setresp(3) return redis.call('hgetall','hash')"},
	{name: "resp3-hgetall-passthru3", script: "redis.setresp(3) return redis.call('hgetall','hash')", proto: 3},
	{name: "resp3-smembers", script: "redis.setresp(3) local r = redis.call('smembers','set') return tostring(r.set.m)"},
	{name: "resp3-null", script: "redis.setresp(3) return type(redis.call('get','nokey'))"},
	{name: "resp3-double", script: "redis.setresp(3) local r = redis.call('zscore','zset','a') return {type(r), tostring(r.double)}"},
	{name: "resp3-double-passthru", script: "redis.setresp(3) return redis.call('zscore','zset','a')", proto: 3},
	{name: "resp3-bool-ret2", script: "redis.setresp(3) return {true, false}"},
	{name: "resp3-bool-ret3", script: "redis.setresp(3) return {true, false}", proto: 3},
	{name: "resp2-bool-ret3", script: "return {true, false}", proto: 3},
	{name: "nil-ret3", script: "return nil", proto: 3},
	// bit
	{name: "bit-ops", script: "return {bit.band(0xff,0x0f), bit.bor(1,2,4), bit.bxor(5,3), bit.bnot(0), bit.lshift(1,31), bit.rshift(-1,28), bit.arshift(-256,4), bit.tobit(2^32+5), bit.tobit(1.5), bit.tobit(2.5)}"},
	{name: "bit-hex", script: "return {bit.tohex(255), bit.tohex(-1,4), bit.tohex(0xabc,-3), bit.tohex(1,12)}"},
	{name: "bit-rol", script: "return {bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}"},
	// cjson
	{name: "cjson-encode", script: "return {cjson.encode({1,2,{a=1}}), cjson.encode({}), cjson.encode(1.5), cjson.encode('a\"/\\n\\1\\127'), cjson.encode(0.1), cjson.encode(1e20), cjson.encode(-0), cjson.encode(true), cjson.encode(cjson.null)}"},
	{name: "cjson-decode", script: "local t = cjson.decode('[1,2,null,{\"a\":[true,false]},\"\\\\u00e9\\\\ud83d\\\\ude00\"]') return {t[1], type(t[3]), tostring(t[4].a[1]), t[5]}"},
	{name: "cjson-roundtrip", script: "local s = '{\"k\":[1,2.5,\"x\",{\"n\":null}]}' return cjson.encode(cjson.decode(s))"},
	{name: "cjson-decode-err", script: "return cjson.decode('{')"},
	{name: "cjson-decode-err2", script: "return cjson.decode('[1,2')"},
	{name: "cjson-decode-err3", script: "return cjson.decode('[01]')"},
	{name: "cjson-decode-err4", script: "return cjson.decode('{\"a\" 1}')"},
	{name: "cjson-decode-err5", script: "return cjson.decode('\"abc')"},
	{name: "cjson-decode-err6", script: "return cjson.decode('[1] x')"},
	{name: "cjson-sparse", script: "return cjson.encode({[1]=1,[20]=2})"},
	{name: "cjson-sparse-ok", script: "return cjson.encode({[1]=1,[3]=2})"},
	{name: "cjson-func", script: "return cjson.encode(function() end)"},
	{name: "cjson-nan", script: "return cjson.encode(0/0)"},
	{name: "cjson-numkey", script: "return cjson.encode({[1.5]='x'})"},
	// misc library behaviour
	{name: "sha1hex", script: "return redis.sha1hex('abc')"},
	{name: "version", script: "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}"},
	{name: "loadstring", script: "return loadstring('return 1+1')()"},
	{name: "tostring-num", script: "return tostring(1e15) .. ' ' .. tostring(0.1) .. ' ' .. tostring(10/3)"},
	{name: "string-format", script: "return string.format('%d %s %5.2f', 3, 'x', 1.234)"},
	{name: "table-concat", script: "local t = {} for i=1,5 do table.insert(t, i) end return table.concat(t, ',')"},
	{name: "unpack", script: "return {unpack({1,2,3})}"},
	{name: "os-missing", script: "return os.execute('true')"},
	{name: "io-missing", script: "return io.open('/etc/passwd')"},
	{name: "require-missing", script: "return require('os')"},
	{name: "dofile-missing", script: "return dofile('/etc/passwd')"},
	{name: "package-missing", script: "return package.loadlib('x','y')"},
	{name: "setfenv-missing", script: "return setfenv(1, {})"},
	{name: "print-missing", script: "print('x')"},
	{name: "string-rep-ok", script: "return #string.rep('ab', 1000)"},
	{name: "redis-log", script: "redis.log(redis.LOG_WARNING, 'hello', 1) return 1"},
	{name: "set_repl", script: "redis.set_repl(redis.REPL_ALL) return redis.REPL_AOF"},
	{name: "log-badlevel", script: "redis.log(9, 'x') return 1"},
	// shebang lines
	{name: "shebang-plain", script: "#!lua\nreturn 1"},
	{name: "shebang-flags", script: "#!lua flags=no-writes,allow-oom\nreturn redis.call('get','str')"},
	{name: "shebang-all-flags", script: "#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1"},
	{name: "shebang-empty-flags", script: "#!lua flags=\nreturn 1"},
	{name: "shebang-quoted", script: "#!lua \"flags=no-writes\"\nreturn 2"},
	{name: "shebang-line-numbers", script: "#!lua\nlocal a = 1\nerror('third')"},
	{name: "shebang-unknown-flag", script: "#!lua flags=bogus\nreturn 1"},
	{name: "shebang-flag-case", script: "#!lua flags=No-writes\nreturn 1"},
	{name: "shebang-trailing-comma", script: "#!lua flags=no-writes,\nreturn 1"},
	{name: "shebang-name", script: "#!lua name=x\nreturn 1"},
	{name: "shebang-engine-case", script: "#!LUA\nreturn 1"},
	{name: "shebang-no-newline", script: "#!lua"},
	{name: "shebang-space", script: "#! lua\nreturn 1"},
	{name: "shebang-unbalanced", script: "#!lua \"flags\nreturn 1"},
	// the library tables and _G are read-only, as in Redis 7
	{name: "readonly-lib", script: "string.rep = nil"},
	{name: "readonly-redis", script: "redis.call = nil"},
	{name: "readonly-rawset", script: "rawset(_G, 'x', 1)"},
	{name: "rawset-own", script: "local t = {} rawset(t, 'a', 1) return t.a"},
	// the builtins replaced to bound their output keep Lua 5.1's behaviour
	{name: "format-width", script: "return string.format('[%5.2f|%-5d|%05d]', 1.5, 3, 42)"},
	{name: "format-width-too-long", script: "return string.format('%100d', 1)"},
	{name: "format-precision-too-long", script: "return string.format('%.100f', 1)"},
	{name: "format-flags", script: "return string.format('%-+ #0d', 1)"},
	{name: "format-repeated-flags", script: "return string.format('%-+ #0-d', 1)"},
	{name: "concat", script: "return {table.concat({1, 'a', 2.5}, ', '), table.concat({'a','b','c'}, '', 2), table.concat({}, 'x'), table.concat({'a','b'}, '-', 2, 1)}"},
	{name: "concat-bad-value", script: "return table.concat({1, {}})"},
	{name: "gsub-string", script: "return {string.gsub('hello world', 'o', '0')}"},
	{name: "gsub-captures", script: "return {string.gsub('abc', '(b)', '[%1%0]'), string.gsub('abc', '%w', '%0%0'), string.gsub('abc', 'b', '%%')}"},
	{name: "gsub-empty-match", script: "return {string.gsub('abc', '', '-')}"},
	{name: "gsub-limit", script: "return {string.gsub('abc', '.', 'x', 2), string.gsub('abc', '.', 'x', 0)}"},
	{name: "gsub-table", script: "return {string.gsub('hello', 'l', {l='L'}), string.gsub('hello', '(h)', {})}"},
	{name: "gsub-function", script: "return {string.gsub('hello', '(h)(e)', function(a, b) return b .. a end), string.gsub('abc', '%w', function(c) if c == 'b' then return false end return c:upper() end)}"},
	{name: "gsub-anchor", script: "return {string.gsub('aaa', '^a', 'b')}"},
	{name: "gsub-position", script: "return {string.gsub('abc', '()b', '%1')}"},
	{name: "gsub-bad-capture", script: "return string.gsub('abc', 'b', '%2')"},
	{name: "gsub-bad-value", script: "return string.gsub('abc', 'b', function() return {} end)"},
	{name: "rep-bounded", script: "return string.rep('ab', 3)"},
}

func TestDifferential(t *testing.T) {
	eval := dialOracle(t)
	fwd := dialOracle(t)
	eng := New()
	pass, fail := 0, 0
	for _, c := range diffCases {
		proto := c.proto
		if proto == 0 {
			proto = 2
		}
		for _, s := range setup {
			eval.do(s...)
		}
		eval.setProto(proto)
		args := []string{"EVAL", c.script, itoa(len(c.keys))}
		args = append(append(args, c.keys...), c.args...)
		want := eval.do(args...)
		eval.setProto(2)
		for _, s := range setup {
			eval.do(s...)
		}
		fwd.setProto(2)
		w := &resp.Writer{Proto: proto}
		evalScript(eng, c.script, toBytes(c.keys), toBytes(c.args), scriptCaller(fwd), w)
		if !bytes.Equal(w.Buf, want) {
			fail++
			t.Errorf("%s: script %q\n  redis: %s\n  ours:  %s", c.name, c.script, fmtReply(want), fmtReply(w.Buf))
		} else {
			pass++
		}
	}
	t.Logf("differential: %d identical, %d differ", pass, fail)
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0)) + string(rune('0'+n)) }

func toBytes(s []string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}
