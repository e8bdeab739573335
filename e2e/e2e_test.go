package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	redisCLIPath       = "/usr/bin/redis-cli"
	redisBenchmarkPath = "/usr/bin/redis-benchmark"
)

func newGoRedis(t *testing.T, addr string, proto int, password string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{
		Addr:         addr,
		Protocol:     proto,
		Password:     password,
		DialTimeout:  ioTimeout,
		ReadTimeout:  ioTimeout,
		WriteTimeout: ioTimeout,
		MaxRetries:   -1, // a failure must show, not be retried away
	})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestGoRedis(t *testing.T) {
	srv := startRedoubt(t)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rdb := newGoRedis(t, srv.addr, proto, "")
			p := fmt.Sprintf("p%d:", proto) // each protocol's keys apart

			if err := rdb.Ping(ctx).Err(); err != nil {
				t.Fatalf("PING: %v", err)
			}
			if err := rdb.Set(ctx, p+"k", "v", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			if v, err := rdb.Get(ctx, p+"k").Result(); err != nil || v != "v" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if _, err := rdb.Get(ctx, p+"missing").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("GET missing: err = %v, want redis.Nil", err)
			}
			for i := int64(1); i <= 3; i++ {
				if n, err := rdb.Incr(ctx, p+"ctr").Result(); err != nil || n != i {
					t.Fatalf("INCR = %d, %v; want %d", n, err, i)
				}
			}
			if err := rdb.Incr(ctx, p+"k").Err(); err == nil || !strings.Contains(err.Error(), "not an integer") {
				t.Fatalf("INCR on a non-integer: err = %v", err)
			}
			if ok, err := rdb.Expire(ctx, p+"k", 100*time.Second).Result(); err != nil || !ok {
				t.Fatalf("EXPIRE = %v, %v", ok, err)
			}
			if ok, err := rdb.Expire(ctx, p+"missing", 100*time.Second).Result(); err != nil || ok {
				t.Fatalf("EXPIRE missing = %v, %v", ok, err)
			}
			if d, err := rdb.TTL(ctx, p+"k").Result(); err != nil || d <= 98*time.Second || d > 100*time.Second {
				t.Fatalf("TTL = %v, %v", d, err)
			}
			if d, err := rdb.TTL(ctx, p+"ctr").Result(); err != nil || d != -1 {
				t.Fatalf("TTL without expiry = %v, %v; want -1", d, err)
			}
			if d, err := rdb.TTL(ctx, p+"missing").Result(); err != nil || d != -2 {
				t.Fatalf("TTL missing = %v, %v; want -2", d, err)
			}
			if err := rdb.Set(ctx, p+"px", "v", 1500*time.Millisecond).Err(); err != nil {
				t.Fatalf("SET PX: %v", err)
			}
			if d, err := rdb.PTTL(ctx, p+"px").Result(); err != nil || d <= 0 || d > 1500*time.Millisecond {
				t.Fatalf("PTTL = %v, %v", d, err)
			}

			// MSET through a pipeline, then MGET and SCAN over them.
			pipe := rdb.Pipeline()
			var want []string
			for i := 0; i < 50; i++ {
				k := fmt.Sprintf("%sscan:%02d", p, i)
				want = append(want, k)
				pipe.Set(ctx, k, i, 0)
			}
			get := pipe.Get(ctx, p+"scan:07")
			cmds, err := pipe.Exec(ctx)
			if err != nil || len(cmds) != 51 {
				t.Fatalf("pipeline: %d cmds, %v", len(cmds), err)
			}
			if v, err := get.Result(); err != nil || v != "7" {
				t.Fatalf("pipelined GET = %q, %v", v, err)
			}
			vals, err := rdb.MGet(ctx, p+"scan:01", p+"missing", p+"scan:49").Result()
			if err != nil || len(vals) != 3 || vals[0] != "1" || vals[1] != nil || vals[2] != "49" {
				t.Fatalf("MGET = %#v, %v", vals, err)
			}
			seen := map[string]bool{}
			var cursor uint64
			for rounds := 0; ; rounds++ {
				if rounds > 1000 {
					t.Fatalf("SCAN did not finish")
				}
				keys, next, err := rdb.Scan(ctx, cursor, p+"scan:*", 7).Result()
				if err != nil {
					t.Fatalf("SCAN: %v", err)
				}
				for _, k := range keys {
					seen[k] = true
				}
				if cursor = next; cursor == 0 {
					break
				}
			}
			var got []string
			for k := range seen {
				got = append(got, k)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("SCAN found %d keys %v, want the %d scan:* keys", len(got), got, len(want))
			}
			keys, _, err := rdb.ScanType(ctx, 0, p+"ctr", 1000, "string").Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("SCAN TYPE string = %v, %v", keys, err)
			}

			if n, err := rdb.Del(ctx, p+"k", p+"ctr", p+"missing").Result(); err != nil || n != 2 {
				t.Fatalf("DEL = %d, %v; want 2", n, err)
			}
			if n, err := rdb.Exists(ctx, p+"k", p+"ctr").Result(); err != nil || n != 0 {
				t.Fatalf("EXISTS after DEL = %d, %v", n, err)
			}
			if proto == 3 {
				// RESP3 must really be in effect on go-redis's connection.
				info, err := rdb.Do(ctx, "HELLO", "3").Result()
				if err != nil {
					t.Fatalf("HELLO 3: %v", err)
				}
				m, ok := info.(map[interface{}]interface{})
				if !ok || m["proto"] != int64(3) {
					t.Fatalf("HELLO 3 via go-redis = %#v", info)
				}
			}
		})
	}
}

func TestPipeline10k(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	const n = 10000
	var req bytes.Buffer
	for i := 0; i < n; i++ {
		switch i % 3 {
		case 0:
			req.Write(encodeCommand("INCR", "ctr"))
		case 1:
			req.Write(encodeCommand("SET", "k"+strconv.Itoa(i), strconv.Itoa(i)))
		default:
			req.Write(encodeCommand("GET", "k"+strconv.Itoa(i-1)))
		}
	}
	// Write from another goroutine: with replies unread, a blocking write could otherwise
	// deadlock against a server that stops reading while its replies are not consumed.
	werr := make(chan error, 1)
	go func() {
		c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err := c.nc.Write(req.Bytes()) // one write of all 10,000 commands
		werr <- err
	}()
	ctr := 0
	for i := 0; i < n; i++ {
		r, err := c.tryReadReply(10 * time.Second)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		var want string
		switch i % 3 {
		case 0:
			ctr++
			want = ":" + strconv.Itoa(ctr) + "\r\n"
		case 1:
			want = "+OK\r\n"
		default:
			v := strconv.Itoa(i - 1)
			want = "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"
		}
		if r != want {
			t.Fatalf("reply %d = %q, want %q", i, r, want)
		}
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING after the pipeline = %q", r)
	}
}

// inlineCases are inline (non-RESP) requests as telnet or nc would send them.
var inlineCases = []struct{ req, want string }{
	{"PING\r\n", "+PONG\r\n"},
	{"ping\n", "+PONG\r\n"},
	{"SET foo bar\r\n", "+OK\r\n"},
	{"GET foo\r\n", "$3\r\nbar\r\n"},
	{"  GET   foo  \r\n", "$3\r\nbar\r\n"},
	{"SET \"a b\" \"c\\r\\nd\"\r\n", "+OK\r\n"},
	{"GET 'a b'\r\n", "$4\r\nc\r\nd\r\n"},
	{"ECHO \"\\x41\\x00B\"\r\n", "$3\r\nA\x00B\r\n"},
	{"\r\n", ""}, // an empty line is skipped without a reply
	{"PING\r\nPING\r\n", "+PONG\r\n+PONG\r\n"},
	{"GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n"},
	{"NOSUCH x y\r\n", "-ERR unknown command 'NOSUCH', with args beginning with: 'x' 'y' \r\n"},
}

func TestInlineCommands(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	for _, tc := range inlineCases {
		c.send([]byte(tc.req))
		var got string
		for len(got) < len(tc.want) {
			r, err := c.tryReadReply(ioTimeout)
			if err != nil {
				t.Fatalf("%q: %v (got %q)", tc.req, err, got+r)
			}
			got += r
		}
		if got != tc.want {
			t.Errorf("inline %q = %q, want %q", tc.req, got, tc.want)
		}
	}
	// An unbalanced quote is a protocol error that closes the connection.
	c.send([]byte("SET \"unbalanced\r\n"))
	if r := c.readReply(); r != "-ERR Protocol error: unbalanced quotes in request\r\n" {
		t.Errorf("unbalanced quotes: %q", r)
	}
	if !c.expectClosed(ioTimeout) {
		t.Errorf("connection still open after an inline protocol error")
	}
}

// TestInlineDiff sends the same inline requests to Redis and compares the raw bytes.
func TestInlineDiff(t *testing.T) {
	requireOracle(t, redisServerPath)
	ours := dial(t, startRedoubt(t).addr)
	oracle := dial(t, startRedis(t).addr)
	var all bytes.Buffer
	for _, tc := range inlineCases {
		all.WriteString(tc.req)
	}
	all.WriteString("SET x \"unbalanced\r\n")
	ours.send(all.Bytes())
	oracle.send(all.Bytes())
	got := drain(ours, 2*time.Second)
	want := drain(oracle, 2*time.Second)
	if got != want {
		t.Errorf("inline transcript differs\n  redis:   %q\n  redoubt: %q", want, got)
	}
}

// drain reads until the peer closes or stays silent for quiet.
func drain(c *conn, quiet time.Duration) string {
	var out bytes.Buffer
	buf := make([]byte, 64*1024)
	for {
		c.nc.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.br.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.String()
		}
	}
}

func TestRedisCLI(t *testing.T) {
	requireOracle(t, redisCLIPath)
	srv := startRedoubt(t)
	port := strconv.Itoa(srv.port)
	cli := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, redisCLIPath, append([]string{"-h", "127.0.0.1", "-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := cli("ping"); out != "PONG\n" {
		t.Errorf("redis-cli ping = %q", out)
	}
	if out := cli("set", "a", "b"); out != "OK\n" {
		t.Errorf("redis-cli set a b = %q", out)
	}
	if out := cli("get", "a"); out != "b\n" {
		t.Errorf("redis-cli get a = %q", out)
	}
	if out := cli("incr", "n"); out != "1\n" {
		t.Errorf("redis-cli incr n = %q", out)
	}
	if out := cli("get", "missing"); out != "\n" {
		t.Errorf("redis-cli get missing = %q", out)
	}
	if out := cli("-3", "hello", "3"); !strings.Contains(out, "proto") {
		t.Errorf("redis-cli -3 hello 3 = %q", out)
	}
}

func TestRedisBenchmark(t *testing.T) {
	requireOracle(t, redisBenchmarkPath)
	srv := startRedoubt(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, redisBenchmarkPath, "-h", "127.0.0.1", "-p", strconv.Itoa(srv.port),
		"-t", "set,get,incr,mset", "-n", "2000", "-q")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	// -q redraws a progress line with \r and ends each test with "NAME: N requests per second".
	text := string(out)
	for _, test := range []string{"SET", "GET", "INCR", "MSET (10 keys)"} {
		re := regexp.MustCompile(`(?m)(^|\r)` + regexp.QuoteMeta(test) + `: [0-9.]+ requests per second`)
		if !re.MatchString(text) {
			t.Errorf("redis-benchmark printed no result for %s:\n%q", test, text)
		}
	}
	if strings.Contains(strings.ToLower(text), "error") {
		t.Errorf("redis-benchmark reported an error:\n%s", text)
	}
	if r := dial(t, srv.addr).do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING after the benchmark = %q", r)
	}
}

// clientID returns the connection's CLIENT ID.
func clientID(t *testing.T, c *conn) int64 {
	t.Helper()
	r := c.do("CLIENT", "ID")
	id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n"), 10, 64)
	if err != nil {
		t.Fatalf("CLIENT ID = %q", r)
	}
	return id
}

// bulkText returns a bulk reply's payload.
func bulkText(t *testing.T, r string) string {
	t.Helper()
	n, err := parseReply(r)
	if err != nil || (n.head[0] != '$' && n.head[0] != '=') {
		t.Fatalf("not a bulk reply: %q", r)
	}
	return strings.TrimSuffix(n.body, "\r\n")
}

func TestClientList(t *testing.T) {
	srv := startRedoubt(t)
	a := dial(t, srv.addr)
	b := dial(t, srv.addr)
	if r := a.do("CLIENT", "SETNAME", "watched"); r != "+OK\r\n" {
		t.Fatalf("CLIENT SETNAME = %q", r)
	}
	a.do("SELECT", "3")
	aid, bid := clientID(t, a), clientID(t, b)
	list := bulkText(t, b.do("CLIENT", "LIST"))
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST has %d lines, want 2:\n%s", len(lines), list)
	}
	found := map[int64]map[string]string{}
	for _, line := range lines {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		id, _ := strconv.ParseInt(fields["id"], 10, 64)
		found[id] = fields
	}
	fa, fb := found[aid], found[bid]
	if fa == nil || fb == nil {
		t.Fatalf("CLIENT LIST lacks id=%d or id=%d:\n%s", aid, bid, list)
	}
	if fa["name"] != "watched" || fa["db"] != "3" || fa["addr"] != a.nc.LocalAddr().String() || fa["cmd"] != "client|id" {
		t.Errorf("CLIENT LIST line for A = %v", fa)
	}
	if fb["cmd"] != "client|list" || fb["addr"] != b.nc.LocalAddr().String() || fb["laddr"] != srv.addr {
		t.Errorf("CLIENT LIST line for B = %v", fb)
	}
	for _, key := range []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "multi", "qbuf", "qbuf-free", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"} {
		if _, ok := fa[key]; !ok {
			t.Errorf("CLIENT LIST lacks field %q: %s", key, lines[0])
		}
	}
	// CLIENT LIST ID filters; CLIENT INFO is the caller's own line.
	one := bulkText(t, b.do("CLIENT", "LIST", "ID", strconv.FormatInt(aid, 10)))
	if strings.Count(one, "\n") != 1 || !strings.Contains(one, "name=watched") {
		t.Errorf("CLIENT LIST ID %d = %q", aid, one)
	}
	self := bulkText(t, a.do("CLIENT", "INFO"))
	if !strings.HasPrefix(self, fmt.Sprintf("id=%d ", aid)) || !strings.Contains(self, " cmd=client|info ") {
		t.Errorf("CLIENT INFO = %q", self)
	}
}

func TestClientKill(t *testing.T) {
	srv := startRedoubt(t)
	victim := dial(t, srv.addr)
	killer := dial(t, srv.addr)
	id := clientID(t, victim)
	if r := killer.do("CLIENT", "KILL", "ID", strconv.FormatInt(id, 10)); r != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID = %q, want :1", r)
	}
	if !victim.expectClosed(ioTimeout) {
		t.Fatalf("killed connection is still open")
	}
	if r := killer.do("CLIENT", "KILL", "ID", strconv.FormatInt(id, 10)); r != ":0\r\n" {
		t.Errorf("second CLIENT KILL ID = %q, want :0", r)
	}
	if r := killer.do("PING"); r != "+PONG\r\n" {
		t.Errorf("killer's PING = %q", r)
	}
	// The old-style form takes the address and answers +OK.
	victim2 := dial(t, srv.addr)
	victim2.do("PING")
	if r := killer.do("CLIENT", "KILL", victim2.nc.LocalAddr().String()); r != "+OK\r\n" {
		t.Errorf("CLIENT KILL addr = %q", r)
	}
	if !victim2.expectClosed(ioTimeout) {
		t.Errorf("connection killed by address is still open")
	}
	// SKIPME yes (the default) spares the caller.
	if r := killer.do("CLIENT", "KILL", "ID", strconv.FormatInt(clientID(t, killer), 10), "SKIPME", "yes"); r != ":0\r\n" {
		t.Errorf("CLIENT KILL own ID SKIPME yes = %q", r)
	}
}

func TestQuit(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	c.send(append(encodeCommand("QUIT"), encodeCommand("PING")...))
	if r := c.readReply(); r != "+OK\r\n" {
		t.Fatalf("QUIT = %q", r)
	}
	if !c.expectClosed(ioTimeout) {
		t.Fatalf("connection open after QUIT")
	}
	if r := dial(t, srv.addr).do("PING"); r != "+PONG\r\n" {
		t.Fatalf("server not serving after a QUIT: %q", r)
	}
}

func TestShutdownNosave(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	c.send(encodeCommand("SHUTDOWN", "NOSAVE"))
	if !c.expectClosed(10 * time.Second) {
		t.Fatalf("connection open after SHUTDOWN NOSAVE")
	}
	if code := srv.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code after SHUTDOWN NOSAVE = %d, want 0", code)
	}
	if _, err := net.DialTimeout("tcp", srv.addr, time.Second); err == nil {
		t.Errorf("port still accepting after shutdown")
	}
}

func TestShutdownErrors(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	if r := c.do("SHUTDOWN", "BOGUS"); !strings.HasPrefix(r, "-ERR") {
		t.Errorf("SHUTDOWN BOGUS = %q", r)
	}
	if r := c.do("SHUTDOWN", "SAVE", "NOSAVE"); !strings.HasPrefix(r, "-ERR") {
		t.Errorf("SHUTDOWN SAVE NOSAVE = %q", r)
	}
	if srv.exited() {
		t.Fatalf("server exited on an invalid SHUTDOWN")
	}
}

func TestSIGTERM(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	if r := c.do("SET", "k", "v"); r != "+OK\r\n" {
		t.Fatalf("SET = %q", r)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := srv.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
	log := srv.log.String()
	if !strings.Contains(log, "ready to exit") {
		t.Errorf("log lacks \"ready to exit\":\n%s", log)
	}
	if !strings.Contains(log, "Received SIGTERM") {
		t.Errorf("log lacks \"Received SIGTERM\":\n%s", log)
	}
}

func TestVersion(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		out, err := exec.Command(redoubtBin, flag).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", flag, err, out)
		}
		if !regexp.MustCompile(`v=\S+`).Match(out) || strings.Count(string(out), "\n") != 1 {
			t.Errorf("%s printed %q", flag, out)
		}
	}
}

func TestBadDirective(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, redoubtBin, "--port", strconv.Itoa(freePort(t)), "--nosuchdirective", "yes")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("unknown directive: err = %v, want exit status 1; output:\n%s", err, out)
	}
	for _, want := range []string{"FATAL CONFIG FILE ERROR", "nosuchdirective", "Bad directive or wrong number of arguments"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Wrong number of arguments for a known directive fails the same way.
	out, err = exec.CommandContext(ctx, redoubtBin, "--port", "1", "2").CombinedOutput()
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "wrong number of arguments") {
		t.Errorf("--port 1 2: err = %v; output:\n%s", err, out)
	}
}

func TestUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "rdbt") // short: sun_path holds 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "redoubt.sock")
	srv := startRedoubt(t, "--unixsocket", path, "--unixsocketperm", "700")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("%s is not a socket: %v", path, fi.Mode())
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("socket mode = %#o, want 0700", perm)
	}
	c := dialNet(t, "unix", path)
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING over the unix socket = %q", r)
	}
	if r := c.do("SET", "u", "1"); r != "+OK\r\n" {
		t.Errorf("SET over the unix socket = %q", r)
	}
	if r := dial(t, srv.addr).do("GET", "u"); r != "$1\r\n1\r\n" {
		t.Errorf("GET over TCP of a key set over the socket = %q", r)
	}
	self := bulkText(t, c.do("CLIENT", "INFO"))
	if !strings.Contains(self, "flags=U") {
		t.Errorf("CLIENT INFO over the socket lacks flags=U: %q", self)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.wait(t, 10*time.Second)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket file left behind after shutdown: %v", err)
	}
}

// authSteps run against both servers with requirepass set.
var authSteps = [][]string{
	{"GET", "k"},
	{"PING"},
	{"SET", "k", "v"},
	{"HELLO", "3"},
	{"HELLO", "2", "AUTH", "default", "wrong"},
	{"AUTH", "wrong"},
	{"AUTH", "default", "wrong"},
	{"AUTH", "nosuchuser", "secret"},
	{"AUTH"},
	{"AUTH", "a", "b", "c"},
	{"CLIENT", "SETNAME", "x"},
	{"AUTH", "secret"},
	{"GET", "k"},
	{"SET", "k", "v"},
	{"GET", "k"},
	{"AUTH", "wrong"},
	{"GET", "k"}, // a failed AUTH does not log an authenticated connection out
	{"RESET"},
	{"GET", "k"}, // RESET does
	{"AUTH", "default", "secret"},
	{"GET", "k"},
}

func TestRequirePass(t *testing.T) {
	srv := startRedoubt(t, "--requirepass", "secret")
	c := dial(t, srv.addr)
	check := func(args []string, want string) {
		t.Helper()
		if r := c.do(args...); r != want {
			t.Errorf("%v = %q, want %q", args, r, want)
		}
	}
	check([]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n")
	check([]string{"AUTH", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
	check([]string{"AUTH", "default", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
	check([]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n")
	check([]string{"AUTH", "secret"}, "+OK\r\n")
	check([]string{"SET", "k", "v"}, "+OK\r\n")
	check([]string{"GET", "k"}, "$1\r\nv\r\n")

	// HELLO 3 AUTH on a fresh connection authenticates and switches protocol at once.
	h := dial(t, srv.addr)
	r := h.do("HELLO", "3", "AUTH", "default", "secret")
	n, err := parseReply(r)
	if err != nil || n.head[0] != '%' {
		t.Fatalf("HELLO 3 AUTH default secret = %q", r)
	}
	fields := map[string]string{}
	for i := 0; i+1 < len(n.children); i += 2 {
		fields[n.children[i].str()] = n.children[i+1].encode()
	}
	if fields["proto"] != ":3\r\n" || fields["server"] != "$5\r\nredis\r\n" {
		t.Errorf("HELLO 3 AUTH map = %v", fields)
	}
	if r := h.do("GET", "missing"); r != "_\r\n" {
		t.Errorf("GET missing after HELLO 3 AUTH = %q, want RESP3 null", r)
	}
	bad := dial(t, srv.addr)
	if r := bad.do("HELLO", "3", "AUTH", "default", "wrong"); r != "-WRONGPASS invalid username-password pair or user is disabled.\r\n" {
		t.Errorf("HELLO 3 AUTH with a bad password = %q", r)
	}
	if r := bad.do("GET", "k"); r != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("GET after a failed HELLO AUTH = %q (protocol must not have switched)", r)
	}

	// go-redis with a password, both protocols.
	for _, proto := range []int{2, 3} {
		rdb := newGoRedis(t, srv.addr, proto, "secret")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
			t.Errorf("go-redis RESP%d with password: GET = %q, %v", proto, v, err)
		}
		cancel()
		wrong := newGoRedis(t, srv.addr, proto, "wrong")
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		if err := wrong.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
			t.Errorf("go-redis RESP%d with a wrong password: err = %v", proto, err)
		}
		cancel()
	}
}

func TestRequirePassDiff(t *testing.T) {
	requireOracle(t, redisServerPath)
	ours := dial(t, startRedoubt(t, "--requirepass", "secret").addr)
	oracle := dial(t, startRedis(t, "--requirepass", "secret").addr)
	for _, args := range authSteps {
		want, got := oracle.do(args...), ours.do(args...)
		if got != want {
			t.Errorf("%q\n  redis:   %q\n  redoubt: %q", args, want, got)
		}
	}
}
