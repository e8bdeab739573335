package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
)

// newTestServer builds a server that is never listening: tests drive clients directly.
func newTestServer(t testing.TB, args ...string) *Server {
	t.Helper()
	cfg, err := config.Load("", append([]string{"--save", "", "--appendonly", "no", "--dir", t.TempDir()}, args...), "7.0.15")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "7.0.15")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testClient is a connection without a socket, authenticated as the default user.
func (s *Server) testClient() *client {
	c := &client{s: s, id: s.nextID.Add(1), born: time.Now(), replyMode: "on", user: s.users.Default(), authed: true, killCh: make(chan struct{})}
	c.out.Proto = 2
	return c
}

// do runs one command as a connection's batch does and returns its reply.
func (c *client) do(args ...string) string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	mark := len(c.out.Buf)
	c.exec(toArgs(args), time.Now())
	reply := string(c.out.Buf[mark:])
	c.out.Buf = c.out.Buf[:mark]
	return reply
}

// handle runs one command's handler with a context the test keeps, to read what it propagates.
func (c *client) handle(args ...string) *command.Ctx {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	bargs := toArgs(args)
	spec, rejection := command.Resolve(bargs)
	if spec == nil {
		panic(rejection)
	}
	ctx := &command.Ctx{Args: bargs, W: &c.out, DB: c.s.dbs[c.db], Now: time.Now().UnixMilli(), Conn: c, Host: c.s, Spec: spec}
	spec.Handler(ctx)
	c.out.Buf = c.out.Buf[:0]
	return ctx
}

func toArgs(args []string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func cmds(lines ...string) [][][]byte {
	var out [][][]byte
	for _, l := range lines {
		out = append(out, toArgs(strings.Fields(l)))
	}
	return out
}

func fmtCmds(cs [][][]byte) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, string(bytesJoin(c)))
	}
	return "[" + strings.Join(parts, " | ") + "]"
}

func bytesJoin(args [][]byte) []byte {
	var out []byte
	for i, a := range args {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, a...)
	}
	return out
}

// TestScriptEffectsPropagation checks what a script leaves for the AOF and replicas: the
// commands that changed data (as they propagate themselves), never the script, with the
// database changes a SELECT inside it made; FUNCTION LOAD and friends propagate as themselves.
func TestScriptEffectsPropagation(t *testing.T) {
	s := newTestServer(t)
	c := s.testClient()
	c.do("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('w', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)\nredis.register_function{function_name='r', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}")
	tests := []struct {
		args []string
		want [][][]byte
	}{
		{[]string{"EVAL", "redis.call('set', 'a', '1') redis.call('get', 'a') redis.call('incr', 'a') return 1", "0"}, cmds("set a 1", "incr a")},
		{[]string{"EVAL", "return redis.call('get', 'a')", "0"}, nil},
		{[]string{"EVAL", "redis.call('del', 'nokey') return 1", "0"}, nil},
		{[]string{"EVAL", "redis.call('set', 'a', '2') redis.call('select', 1) redis.call('set', 'b', '3') redis.call('select', 0) redis.call('del', 'a')", "0"},
			cmds("set a 2", "SELECT 1", "set b 3", "SELECT 0", "del a")},
		{[]string{"EVAL", "redis.call('select', 2) redis.call('set', 'c', '4')", "0"}, cmds("SELECT 2", "set c 4", "SELECT 0")},
		{[]string{"EVAL", "redis.call('set', 'd', '1') redis.set_repl(redis.REPL_NONE) redis.call('set', 'e', '1') redis.set_repl(redis.REPL_ALL) redis.call('set', 'f', '1')", "0"}, cmds("set d 1", "set f 1")},
		{[]string{"EVAL", "redis.call('set', 'g', '1') error('after the write')", "0"}, cmds("set g 1")},
		{[]string{"FCALL", "w", "1", "k", "v"}, cmds("set k v")},
		{[]string{"FCALL", "r", "1", "k"}, nil},
		{[]string{"FCALL_RO", "w", "1", "k", "v"}, nil},
		{[]string{"FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('x', function() end)"}, [][][]byte{toArgs([]string{"FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('x', function() end)"})}},
		{[]string{"FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('x', function() end)"}, nil},
		{[]string{"FUNCTION", "DELETE", "lib2"}, cmds("FUNCTION DELETE lib2")},
		{[]string{"FUNCTION", "DELETE", "lib2"}, nil},
		{[]string{"FUNCTION", "FLUSH", "SYNC"}, cmds("FUNCTION FLUSH SYNC")},
	}
	for _, tt := range tests {
		got := c.handle(tt.args...).Propagation()
		if fmtCmds(got) != fmtCmds(tt.want) {
			t.Errorf("%q: propagates %s, want %s", tt.args, fmtCmds(got), fmtCmds(tt.want))
		}
	}
	if c.db != 0 {
		t.Errorf("SELECT inside a script changed the caller's database to %d", c.db)
	}
}

// TestFunctionPersistenceAPI checks the methods RDB and AOF code use: the libraries' code
// comes back as loaded, and loading it into another server recreates the functions.
func TestFunctionPersistenceAPI(t *testing.T) {
	s := newTestServer(t)
	c := s.testClient()
	libs := []string{
		"#!lua name=b\nredis.register_function('fb', function() return 'b' end)",
		"#!lua name=a\nredis.register_function('fa', function() return 'a' end)",
	}
	for _, code := range libs {
		c.do("FUNCTION", "LOAD", code)
	}
	s.mu.Lock()
	saved := s.FunctionLibraries()
	s.mu.Unlock()
	if !slices.Equal(saved, []string{libs[1], libs[0]}) {
		t.Fatalf("FunctionLibraries = %q", saved)
	}

	s2 := newTestServer(t)
	s2.mu.Lock()
	for _, code := range saved {
		if err := s2.LoadFunctionLibrary(code, false); err != nil {
			t.Fatal(err)
		}
	}
	dup := s2.LoadFunctionLibrary(saved[0], false)
	replaced := s2.LoadFunctionLibrary(saved[0], true)
	bad := s2.LoadFunctionLibrary("#!lua name=c\nreturn 1", false)
	s2.mu.Unlock()
	if dup == nil || !strings.Contains(dup.Error(), "Library 'a' already exists") || replaced != nil {
		t.Errorf("duplicate: %v, replace: %v", dup, replaced)
	}
	if bad == nil || !strings.Contains(bad.Error(), "No functions registered") {
		t.Errorf("library without functions: %v", bad)
	}
	c2 := s2.testClient()
	if got := c2.do("FCALL", "fa", "0") + c2.do("FCALL", "FB", "0"); got != "$1\r\na\r\n$1\r\nb\r\n" {
		t.Errorf("functions after load: %q", got)
	}
}

// scriptTranscript runs on Redis and on a server driven in-process; "!" lines are setup run on
// both without comparing.
var scriptTranscript = [][]string{
	{"!", "FUNCTION", "LOAD", "#!lua name=lw\nredis.register_function('w', function(keys, args) return redis.call('set', keys[1], 'v') end)"},
	{"!", "FUNCTION", "LOAD", "#!lua name=lr\nredis.register_function{function_name='r', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}"},
	{"!", "FUNCTION", "LOAD", "#!lua name=lrw\nredis.register_function{function_name='rw', callback=function(keys, args) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}"},
	{"!", "FUNCTION", "LOAD", "#!lua name=loom\nredis.register_function{function_name='oomok', callback=function(keys, args) return redis.call('set', keys[1], 'o') end, flags={'allow-oom'}}"},
	{"!", "FUNCTION", "LOAD", "#!lua name=lsel\nredis.register_function('sel', function() redis.call('select', 3) return redis.call('set', 'insel', '1') end)"},
	// FCALL and the flags
	{"FCALL", "w", "1", "k"},
	{"FCALL_RO", "w", "1", "k"},
	{"FCALL", "r", "1", "k"},
	{"FCALL_RO", "R", "1", "k"},
	{"FCALL", "rw", "1", "k"},
	{"FCALL", "w", "x", "k"},
	{"FCALL", "w", "-1"},
	{"FCALL", "w", "3", "k"},
	{"FCALL", "nosuch", "x"},
	{"FCALL", "sel", "0"},
	{"GET", "insel"},
	{"SELECT", "3"},
	{"GET", "insel"},
	{"SELECT", "0"},
	// EVAL with and without a shebang
	{"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"},
	{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0"},
	{"EVAL_RO", "#!lua\nreturn 1", "0"},
	{"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"},
	{"EVAL_RO", "return redis.call('set','a','b')", "0"},
	{"EVAL", "#!lua flags=bogus\nreturn 1", "0"},
	{"SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"},
	{"SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn redis.call('set','a','b')"},
	{"EVALSHA", "7c2d9e4c0ec1f6f2a4bbb5da6d47d9aa13cf2d56", "0"},
	{"EVALSHA_RO", "7c2d9e4c0ec1f6f2a4bbb5da6d47d9aa13cf2d56", "0"},
	{"EVALSHA", "short", "0"},
	{"EVALSHA", "0123456789012345678901234567890123456789", "x"},
	{"EVALSHA", "0123456789012345678901234567890123456789", "0"},
	{"EVAL", "return 1", "x"},
	{"EVAL", "return 1", "-1"},
	{"EVAL", "return 1", "2", "a"},
	// used memory over maxmemory
	{"CONFIG", "SET", "maxmemory", "1"},
	{"FCALL", "w", "1", "k"},
	{"FCALL", "r", "1", "k"},
	{"FCALL", "oomok", "1", "k"},
	{"EVAL", "return redis.call('set','a','b')", "0"},
	{"EVAL", "redis.call('del','nokey') return redis.call('set','a','b')", "0"},
	{"EVAL", "#!lua\nreturn redis.call('set','a','b')", "0"},
	{"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','a','b')", "0"},
	{"EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"},
	{"FUNCTION", "LOAD", "#!lua name=l2\nredis.register_function('x', function() end)"},
	{"CONFIG", "SET", "maxmemory", "0"},
	// FUNCTION subcommands and their errors
	{"FUNCTION", "LOAD", "foo", "#!lua name=l2\nredis.register_function('x', function() end)"},
	{"FUNCTION", "LOAD", "REPLACE", "replace", "#!lua name=lr\nredis.register_function('r2', function() end)"},
	{"FUNCTION", "LOAD", "REPLACE"},
	{"FUNCTION", "LIST", "LIBRARYNAME", "lr"},
	{"FUNCTION", "LIST", "libraryname", "LW*", "withcode"},
	{"FUNCTION", "LIST", "LIBRARYNAME"},
	{"FUNCTION", "LIST", "WITHCODE", "WITHCODE"},
	{"FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"},
	{"FUNCTION", "LIST", "foo"},
	{"FUNCTION", "DELETE", "nosuch"},
	{"FUNCTION", "DELETE"},
	{"FUNCTION", "FLUSH", "a", "b"},
	{"FUNCTION", "FLUSH", "foo"},
	{"FUNCTION", "RESTORE", "abc"},
	{"FUNCTION", "RESTORE", "abc", "foo"},
	{"FUNCTION", "RESTORE", "abc", "flush", "extra"},
	{"FUNCTION", "STATS"},
	{"FUNCTION", "STATS", "extra"},
	{"FUNCTION", "KILL"},
	{"SCRIPT", "KILL"},
	{"FUNCTION", "HELP"},
	{"FUNCTION", "FOO"},
	{"FUNCTION"},
	{"FCALL"},
	// ACL inside scripts
	{"!", "ACL", "SETUSER", "lim", "on", "nopass", "~a*", "&x", "+@all", "-set"},
	{"!", "AUTH", "lim", "x"},
	{"EVAL", "return redis.call('set', 'a', 'b')", "0"},
	{"EVAL", "return redis.pcall('set', 'a', 'b')", "0"},
	{"EVAL", "return redis.call('get', 'b')", "0"},
	{"EVAL", "return redis.call('publish', 'y', 'm')", "0"},
	{"!", "AUTH", "default", "x"},
	{"FUNCTION", "DELETE", "lsel"},
	{"FUNCTION", "FLUSH", "ASYNC"},
	{"FUNCTION", "STATS"},
	{"FUNCTION", "LIST"},
}

func TestScriptCommandsAgainstRedis(t *testing.T) {
	o := startOracle(t)
	c := newTestServer(t).testClient()
	o.do("FUNCTION", "FLUSH")
	o.do("FLUSHALL")
	for _, step := range scriptTranscript {
		if step[0] == "!" {
			o.do(step[1:]...)
			c.do(step[1:]...)
			continue
		}
		want, got := o.do(step...), c.do(step...)
		if got != want {
			t.Errorf("%q:\n redis: %q\n ours:  %q", step, want, got)
		}
	}
}

// oracle is a connection to a redis-server started for the test.
type oracle struct {
	c  net.Conn
	br *bufio.Reader
}

// startOracle starts Debian's redis-server on a free port; without it the test is skipped,
// unless REDOUBT_REQUIRE_ORACLE=1 makes that a failure.
func startOracle(t *testing.T) *oracle {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
			t.Fatal("redis-server is required (REDOUBT_REQUIRE_ORACLE=1)")
		}
		t.Skip("redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		nc, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			t.Cleanup(func() { nc.Close() })
			return &oracle{c: nc, br: bufio.NewReader(nc)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v", err)
		}
	}
}

func (o *oracle) do(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	o.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(o.c, b.String()); err != nil {
		panic(err)
	}
	var out strings.Builder
	if err := readReply(o.br, &out); err != nil {
		panic(err)
	}
	return out.String()
}

// readReply copies one RESP2 reply from br to out.
func readReply(br *bufio.Reader, out *strings.Builder) error {
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	out.WriteString(line)
	n, _ := strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
	switch line[0] {
	case '$':
		if n >= 0 {
			b := make([]byte, n+2)
			if _, err := io.ReadFull(br, b); err != nil {
				return err
			}
			out.Write(b)
		}
	case '*':
		for i := 0; i < n; i++ {
			if err := readReply(br, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// BenchmarkEval measures EVAL and FCALL through exec without the network: the script path's
// own cost (engine, busy watch, redis.call bridge).
func BenchmarkEval(b *testing.B) {
	s := newTestServer(b)
	c := s.testClient()
	c.do("FUNCTION", "LOAD", "#!lua name=bench\nredis.register_function('incr1', function(keys) return redis.call('incr', keys[1]) end)")
	for _, args := range [][]string{
		{"EVAL", "return redis.call('incr', KEYS[1])", "1", "k"},
		{"FCALL", "incr1", "1", "k"},
	} {
		b.Run(args[0], func(b *testing.B) {
			bargs := toArgs(args)
			for b.Loop() {
				s.mu.Lock()
				c.exec(bargs, time.Now())
				c.out.Buf = c.out.Buf[:0]
				s.mu.Unlock()
			}
		})
	}
}
