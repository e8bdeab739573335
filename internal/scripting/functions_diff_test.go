package scripting

import (
	"bufio"
	"bytes"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/rdb"
	"github.com/redoubt/redoubt/internal/resp"
)

// functionSession plays the FUNCTION and FCALL commands on the engine, with the server's
// glue reduced to what these tests use; redis.call goes to the oracle.
type functionSession struct {
	eng  *Engine
	fwd  *oracleConn
	dump []byte // the payload saved by "!dump"
}

func (s *functionSession) do(args []string) []byte {
	w := &resp.Writer{Proto: 2}
	sub := strings.ToUpper(args[0])
	if sub == "FUNCTION" {
		sub += " " + strings.ToUpper(args[1])
	}
	switch sub {
	case "FUNCTION LOAD":
		name, errText := s.eng.LoadLibrary(args[len(args)-1], len(args) == 4)
		if errText != "" {
			w.Error(errText)
		} else {
			w.BulkString(name)
		}
	case "FUNCTION DELETE":
		if s.eng.DeleteLibrary(args[2]) {
			w.OK()
		} else {
			w.Error("ERR Library not found")
		}
	case "FUNCTION FLUSH":
		s.eng.FlushLibraries()
		w.OK()
	case "FUNCTION LIST":
		WriteLibraries(w, s.eng.Libraries(), len(args) == 3)
	case "FUNCTION DUMP":
		var codes []string
		for _, lib := range s.eng.Libraries() {
			codes = append(codes, lib.Code)
		}
		w.Bulk(rdb.EncodeFunctions(codes))
	case "FUNCTION RESTORE":
		s.restore(w, []byte(args[2]), args[3:])
	case "FCALL":
		f := s.eng.LookupFunction(args[1])
		if f == nil {
			w.Error("ERR Function not found")
			break
		}
		n, _ := strconv.Atoi(args[2])
		s.eng.CallFunction(f, Run{Keys: toBytes(args[3 : 3+n]), Args: toBytes(args[3+n:]), Call: scriptCaller(s.fwd)}, w)
	default:
		panic("functionSession: unsupported " + sub)
	}
	return w.Buf
}

func (s *functionSession) restore(w *resp.Writer, payload []byte, policy []string) {
	p := RestoreAppend
	if len(policy) == 1 && strings.EqualFold(policy[0], "replace") {
		p = RestoreReplace
	} else if len(policy) == 1 && strings.EqualFold(policy[0], "flush") {
		p = RestoreFlush
	}
	codes, err := rdb.DecodeFunctions(payload)
	if err != nil {
		for _, known := range []error{rdb.ErrDumpPayload, rdb.ErrNotFunction, rdb.ErrLibraryPayload} {
			if errors.Is(err, known) {
				w.Error("ERR " + known.Error())
				return
			}
		}
		w.Error("ERR " + err.Error())
		return
	}
	if errText := s.eng.RestoreLibraries(codes, p); errText != "" {
		w.Error(errText)
		return
	}
	w.OK()
}

// functionSteps run in order on Redis and on the engine. "!flush" empties both; "!dump" saves
// each side's FUNCTION DUMP; "@redis-dump" / "@our-dump" in a RESTORE are replaced, on both
// sides, by the payload Redis / the engine dumped at the last "!dump".
var functionSteps = [][]string{
	{"!flush"},
	// loading: metadata and names
	{"FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return redis.call('incr', keys[1]) end)"},
	{"FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)"},
	{"FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return redis.call('incr', keys[1]) end)"},
	{"FUNCTION", "LOAD", "redis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=nonl"},
	{"FUNCTION", "LOAD", "#!lua name=x foo=bar\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x NAME=y\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!lua\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=a-b\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!js name=x\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#! name=x\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!lua \"unbalanced\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "#!LUA name=upper\nredis.register_function('upper_f', function() return 'up' end)"},
	{"FUNCTION", "LOAD", "#!lua  \"name=quoted\"\nredis.register_function('quoted_f', function() return 'q' end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\n"},
	{"FUNCTION", "LOAD", "#!lua name=x\nreturn 1"},
	// the load-time sandbox
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.call('set', 'k', 'v')"},
	{"FUNCTION", "LOAD", "#!lua name=x\nlocal s = string.format('%d', 1)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nx = 1"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.setresp(3)"},
	{"FUNCTION", "LOAD", "#!lua name=x\npcall(function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.x = 1"},
	{"FUNCTION", "LOAD", "#!lua name=x\nwhile true do end"},
	{"FUNCTION", "LOAD", "#!lua name=loglib\nredis.log(redis.LOG_NOTICE, 'loading')\nlocal v = redis.REDIS_VERSION\nredis.register_function('version', function() return v end)"},
	// redis.register_function's forms and errors
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function()"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', function() end, 'c')"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function({}, function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', 'b')"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a')"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{callback=function() end}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a'}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={'bad'}}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags='no-writes'}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, other=1}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=1}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, description={}}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={1}}"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('b c', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', function() end)\nredis.register_function('a', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f1', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('F1', function() end)"},
	{"FUNCTION", "LOAD", "#!lua name=flagged\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\nredis.register_function{function_name='all', callback=function() return 1 end, flags={'No-Writes', 'ALLOW-OOM', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}"},
	{"FUNCTION", "LOAD", "#!lua name=numname\nredis.register_function(42, function() return 42 end)"},
	{"FUNCTION", "LIST"},
	{"FUNCTION", "LIST", "WITHCODE"},
	// running functions
	{"FCALL", "f1", "1", "counter"},
	{"FCALL", "F1", "1", "counter"},
	{"FCALL", "nosuch", "0"},
	{"FCALL", "ro", "1", "counter"},
	{"FCALL", "42", "0"},
	{"FCALL", "version", "0"},
	{"FUNCTION", "LOAD", "#!lua name=rt\n" + strings.Join([]string{
		"redis.register_function('args', function(keys, args) return {keys[1], keys[2], args[1], #keys, #args} end)",
		"redis.register_function('boom', function() error('boom') end)",
		"redis.register_function('errtable', function() error({err='MYERR custom'}) end)",
		"redis.register_function('keysglobal', function() return KEYS end)",
		"redis.register_function('setglobal', function() g = 1 end)",
		"redis.register_function('setlib', function() string.rep = nil end)",
		"redis.register_function('rawsetg', function() rawset(_G, 'leak', 1) return rawget(_G, 'leak') end)",
		"redis.register_function('readleak', function() return type(rawget(_G, 'leak')) end)",
		"redis.register_function('register', function() return type(redis.register_function) end)",
		"local n = 0",
		"redis.register_function('count', function() n = n + 1 return n end)",
		"local reg = redis.register_function",
		"redis.register_function('lateregister', function() reg('z', function() end) end)",
		"redis.register_function('resp3', function() redis.setresp(3) return redis.call('hgetall', 'h') end)",
		"redis.register_function('pcallerr', function() return redis.pcall('incr', 'str') end)",
		"redis.register_function('callerr', function() return redis.call('incr', 'str') end)",
		"redis.register_function('status', function() return redis.status_reply('FINE') end)",
		"redis.register_function('errreply', function() return redis.error_reply('MY reply') end)",
		"redis.register_function('libs', function() return {type(string), type(cjson), type(bit), type(struct), type(cmsgpack), type(math), type(table), type(_G), type(loadstring)} end)",
		"redis.register_function('methods', function() return ('ab'):rep(2) end)",
		"redis.register_function('nested', function(keys, args) local function inner() return redis.call('set', 'str', args[1]) end return inner() end)",
	}, "\n")},
	{"FCALL", "args", "2", "k1", "k2", "a1"},
	{"FCALL", "boom", "0"},
	{"FCALL", "errtable", "0"},
	{"FCALL", "keysglobal", "0"},
	{"FCALL", "setglobal", "0"},
	{"FCALL", "setlib", "0"},
	{"FCALL", "rawsetg", "0"},
	{"FCALL", "readleak", "0"},
	{"FCALL", "register", "0"},
	{"FCALL", "count", "0"},
	{"FCALL", "count", "0"},
	{"FCALL", "lateregister", "0"},
	{"FCALL", "resp3", "0"},
	{"FCALL", "nested", "0", "hello"},
	{"FCALL", "pcallerr", "0"},
	{"FCALL", "callerr", "0"},
	{"FCALL", "status", "0"},
	{"FCALL", "errreply", "0"},
	{"FCALL", "libs", "0"},
	{"FCALL", "methods", "0"},
	// replacing a library re-runs its code: the counter starts again
	{"FUNCTION", "LOAD", "REPLACE", "#!lua name=rt\nlocal n = 10\nredis.register_function('count', function() n = n + 1 return n end)"},
	{"FCALL", "count", "0"},
	{"FCALL", "args", "0"},
	// delete
	{"FUNCTION", "DELETE", "rt"},
	{"FUNCTION", "DELETE", "rt"},
	{"FUNCTION", "DELETE", "MYLIB"},
	{"FCALL", "count", "0"},
	{"FUNCTION", "LIST"},
	// dump and restore, across implementations
	{"!dump"},
	{"!flush"},
	{"FUNCTION", "LOAD", "#!lua name=loglib\nredis.register_function('other', function() end)"},
	{"FUNCTION", "RESTORE", "@redis-dump"},
	{"FUNCTION", "RESTORE", "@redis-dump", "REPLACE"},
	{"FUNCTION", "LIST"},
	{"FUNCTION", "RESTORE", "@redis-dump", "FLUSH"},
	{"FUNCTION", "LIST", "WITHCODE"},
	{"FCALL", "ro", "1", "counter"},
	{"!flush"},
	{"FUNCTION", "RESTORE", "@our-dump", "APPEND"},
	{"FUNCTION", "LIST", "WITHCODE"},
	{"FCALL", "f1", "1", "counter"},
	{"FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('ro', function() end)"},
	{"!dump"},
	{"FUNCTION", "DELETE", "other"},
	{"FUNCTION", "RESTORE", "@our-dump", "REPLACE"},
	{"FUNCTION", "LIST"},
	{"FUNCTION", "RESTORE", "bogus"},
	{"FUNCTION", "RESTORE", "\x00\x03abc\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
}

func TestFunctionsDifferential(t *testing.T) {
	o := dialOracle(t)
	fwd := dialOracle(t)
	s := &functionSession{eng: New(), fwd: fwd}
	var redisDump []byte
	// The engine's redis.call commands go to database 1, Redis's FCALLs run in database 0:
	// both start from the same data and neither sees the other's writes.
	o.do("FLUSHALL")
	fwd.do("SELECT", "1")
	for _, c := range []*oracleConn{o, fwd} {
		c.do("HSET", "h", "f", "v")
		c.do("SET", "str", "text")
	}
	same := 0
	for i, step := range functionSteps {
		switch step[0] {
		case "!flush":
			o.do("FUNCTION", "FLUSH")
			s.eng.FlushLibraries()
			continue
		case "!dump":
			redisDump = bulkBody(t, o.do("FUNCTION", "DUMP"))
			s.dump = bulkBody(t, s.do([]string{"FUNCTION", "DUMP"}))
			continue
		}
		args := append([]string(nil), step...)
		for j, a := range args {
			switch a {
			case "@redis-dump":
				args[j] = string(redisDump)
			case "@our-dump":
				args[j] = string(s.dump)
			}
		}
		want := o.do(args...)
		got := s.do(args)
		if step[0] == "FUNCTION" && step[1] == "LIST" {
			want, got = sortedList(t, want), sortedList(t, got)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("step %d %q:\n redis: %q\n ours:  %q", i, clipArgs(step), want, got)
			continue
		}
		same++
	}
	t.Logf("%d of %d function steps identical to Redis", same, len(functionSteps))
}

func clipArgs(args []string) string {
	s := strings.Join(args, " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

func bulkBody(t *testing.T, reply []byte) []byte {
	t.Helper()
	i := bytes.Index(reply, []byte("\r\n"))
	if len(reply) == 0 || reply[0] != '$' || i < 0 {
		t.Fatalf("not a bulk string: %q", reply)
	}
	return reply[i+2 : len(reply)-2]
}

// rnode is a parsed RESP2 reply, kept with its framing so it re-encodes unchanged.
type rnode struct {
	head string
	body string
	kids []rnode
}

func parseRNode(r *bufio.Reader) rnode {
	line, _ := r.ReadString('\n')
	n := rnode{head: line}
	switch line[0] {
	case '$':
		if l, _ := strconv.Atoi(line[1 : len(line)-2]); l >= 0 {
			b := make([]byte, l+2)
			ioReadFull(r, b)
			n.body = string(b)
		}
	case '*':
		k, _ := strconv.Atoi(line[1 : len(line)-2])
		for i := 0; i < k; i++ {
			n.kids = append(n.kids, parseRNode(r))
		}
	}
	return n
}

func (n rnode) encode(b *bytes.Buffer) {
	b.WriteString(n.head)
	b.WriteString(n.body)
	for _, k := range n.kids {
		k.encode(b)
	}
}

// field returns the value after key in a flattened RESP2 map.
func (n rnode) field(key string) *rnode {
	for i := 0; i+1 < len(n.kids); i += 2 {
		if strings.TrimSuffix(n.kids[i].body, "\r\n") == key {
			return &n.kids[i+1]
		}
	}
	return nil
}

// sortedList orders a FUNCTION LIST reply's libraries and each library's functions by name:
// Redis lists them in hash-table order.
func sortedList(t *testing.T, reply []byte) []byte {
	t.Helper()
	if len(reply) == 0 || reply[0] != '*' {
		return reply
	}
	root := parseRNode(bufio.NewReader(bytes.NewReader(reply)))
	name := func(n rnode, key string) string {
		if f := n.field(key); f != nil {
			return f.body
		}
		return ""
	}
	for _, lib := range root.kids {
		if fns := lib.field("functions"); fns != nil {
			sort.Slice(fns.kids, func(i, j int) bool { return name(fns.kids[i], "name") < name(fns.kids[j], "name") })
		}
	}
	sort.Slice(root.kids, func(i, j int) bool { return name(root.kids[i], "library_name") < name(root.kids[j], "library_name") })
	var b bytes.Buffer
	root.encode(&b)
	return b.Bytes()
}
