package config

import (
	"bufio"
	"context"
	"fmt"
	"github.com/redoubt/redoubt/internal/ascii"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests in this file compare Redoubt with the redis-server binary, when it is
// installed: Redis is the oracle for defaults, error texts and CONFIG REWRITE.

func redisServer(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// startRedis runs redis-server on a loopback port in a temporary directory and returns a
// connection to it; the server is stopped when the test ends.
func startRedis(t *testing.T, args ...string) *redisConn {
	t.Helper()
	bin := redisServer(t)
	port := freePort(t)
	args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--daemonize", "no")
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return &redisConn{c: c, r: bufio.NewReader(c)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// do sends a command and returns its reply: a string, an error reply as an error, or a
// []string for an array of bulk strings.
func (r *redisConn) do(t *testing.T, args ...string) (any, error) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	r.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.c.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	return r.read(t)
}

func (r *redisConn) read(t *testing.T) (any, error) {
	line, err := r.r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, fmt.Errorf("%s", line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r.r, buf); err != nil {
			t.Fatal(err)
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]string, n)
		for i := range out {
			v, _ := r.read(t)
			out[i], _ = v.(string)
		}
		return out, nil
	}
	t.Fatalf("unexpected reply %q", line)
	return nil, nil
}

func TestRedisDefaults(t *testing.T) {
	r := startRedis(t)
	// Values that differ on purpose or by environment.
	except := map[string]string{
		"bind":       "Redoubt's secure default is 127.0.0.1 -::1; the test instance is given --bind",
		"port":       "the test instance listens on a free port",
		"dir":        "Redis reports its working directory",
		"maxclients": "Redis lowers it to fit RLIMIT_NOFILE",
	}
	ours := Default()
	for name := range byName {
		if except[name] != "" || redoubtOnly[name] {
			continue
		}
		got, err := r.do(t, "CONFIG", "GET", name)
		if err != nil {
			t.Fatal(err)
		}
		want := ours.Get(name)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("CONFIG GET %s: Redis %q, Redoubt %q", name, got, want)
		}
	}
	all, _ := r.do(t, "CONFIG", "GET", "*")
	if got, want := len(all.([]string))/2, len(ours.Get("*"))/2-len(redoubtOnly); got != want {
		t.Errorf("CONFIG GET * has %d names in Redis, %d in Redoubt", got, want)
	}
}

// TestRedisSet sends the same CONFIG SET commands to Redis and to Redoubt: the replies
// must match, and so must the values afterwards.
func TestRedisSet(t *testing.T) {
	r := startRedis(t, "--save", "")
	ours, err := Load("", []string{"--save", ""}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	commands := [][]string{
		{"foo", "bar"},
		{"timeout", "1", "foo", "1"},
		{"port", "abc"},
		{"port", "99999"},
		{"port", "-1"},
		{"protected-mode", "maybe"},
		{"loglevel", "loud"},
		{"daemonize", "yes"},
		{"timeout", "x", "Daemonize", "yes"},
		{"unixsocketperm", "700"},
		{"enable-debug-command", "yes"},
		{"dir", "/tmp"},
		{"dbfilename", "x.rdb"},
		{"timeout", "1", "TIMEOUT", "2"},
		{"timeout", "1", "hz"},
		{"timeout", "007"},
		{"timeout", "+5"},
		{"timeout", ""},
		{"timeout", "2147483648"},
		{"timeout", "99999999999999999999"},
		{"list-max-listpack-size", "-2147483649"},
		{"maxclients", "-1"},
		{"maxclients", "abc"},
		{"slowlog-max-len", "-1"},
		{"slowlog-log-slower-than", "-2"},
		{"proto-max-bulk-len", "1x"},
		{"proto-max-bulk-len", "1000"},
		{"proto-max-bulk-len", "2mb"},
		{"client-query-buffer-limit", "18446744073709551615"},
		{"client-query-buffer-limit", "3G"},
		{"hash-max-ziplist-entries", "x"},
		{"hash-max-ziplist-value", "1kb"},
		{"hz", "1000"},
		{"hz", "0"},
		{"save", "100"},
		{"save", "0 1"},
		{"save", "100 1  200 2"},
		{"save", "100 1 200 2"},
		{"save", "100 4294967297"},
		{"client-output-buffer-limit", "normal 1 2"},
		{"client-output-buffer-limit", "master 1 2 3"},
		{"client-output-buffer-limit", "pubsub 1x 2 3"},
		{"client-output-buffer-limit", "Replica 1mb 2k 3 pubsub 0 0 0"},
		{"oom-score-adj-values", "1 2"},
		{"oom-score-adj-values", "1 2 3000"},
		{"latency-tracking-info-percentiles", "101"},
		{"latency-tracking-info-percentiles", "x"},
		{"notify-keyspace-events", "X"},
		{"proc-title-template", "{foo}"},
		{"proc-title-template", "{title}"},
		{"proc-title-template", "{title} {port} x"},
		{"shutdown-on-sigint", "save nosave"},
		{"shutdown-on-sigint", "now  force"},
		{"maxmemory-clients", "101%"},
		{"maxmemory-clients", "-1"},
		{"maxmemory", "foo"},
		{"maxmemory", "0"},
		{"cluster-announce-hostname", "a_b"},
		{"set-max-intset-entries", "1000", "activerehashing", "no", "lazyfree-lazy-expire", "yes"},
		{"loglevel", "WARNING", "slowlog-max-len", "5", "latency-tracking", "no"},
	}
	for _, cmd := range commands {
		_, rerr := r.do(t, append([]string{"CONFIG", "SET"}, cmd...)...)
		oerr := ours.Set(cmd...)
		if fmt.Sprint(rerr) != fmt.Sprint(oerr) {
			t.Errorf("CONFIG SET %q:\nRedis   %v\nRedoubt %v", cmd, rerr, oerr)
		}
		for i := 0; i < len(cmd); i += 2 {
			switch e := byName[ascii.Lower(cmd[i])]; {
			case e == nil, e.name == "port", e.name == "dir": // unknown, or set by the environment
				continue
			}
			got, _ := r.do(t, "CONFIG", "GET", cmd[i])
			if want := ours.Get(cmd[i]); !reflect.DeepEqual(got, want) {
				t.Errorf("after CONFIG SET %q: Redis %q, Redoubt %q", cmd, got, want)
			}
		}
	}
}

// TestRedisFileErrors starts Redis on bad config files and compares its fatal error with
// Redoubt's.
func TestRedisFileErrors(t *testing.T) {
	bin := redisServer(t)
	dir := t.TempDir()
	cases := []struct {
		file string
		args []string
	}{
		{file: "port 1\nfoo bar\n"},
		{file: "  PORT 1 2  \r\n"},
		{file: "daemonize maybe\n"},
		{file: "loglevel loud\n"},
		{file: "port \"abc\n"},
		{file: "port 'abc'x\n"},
		{file: "save 100\n"},
		{file: "dir /nonexistent-redoubt\n"},
		{file: "dbfilename a/b\n"},
		{file: "client-output-buffer-limit normal 1\n"},
		{file: "unixsocketperm 999\n"},
		{file: "oom-score-adj-values 1 2\n"},
		{file: "notify-keyspace-events X\n"},
		{file: "proc-title-template \"{x}\"\n"},
		{file: "bind a b c d e f g h i j k l m n o p q\n"},
		{file: "include\n"},
		{file: "mymod.opt\n"},
		{file: "list-max-ziplist-entries 5 6\n"},
		{file: "\"\" x\n"},
		{file: "maxmemory 1x\n"},
		{file: "replicaof x y\n"},
		{file: "save 900 1\n", args: []string{"--port", "0", "--timeout", "1", "2"}},
		{file: "", args: []string{"--port", "0", "--maxmemory", "--5"}},
		{file: "", args: []string{"--loglevel", "--save"}},
	}
	banner := regexp.MustCompile(`\(Redis [^)]*\)`)
	for _, tc := range cases {
		path := writeFile(t, dir, "bad.conf", tc.file)
		args := append([]string{path}, tc.args...)
		if tc.args == nil {
			args = append(args, "--port", "0") // never listen, even if the file loads
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		cancel()
		i := strings.Index(string(out), "\n*** FATAL CONFIG FILE ERROR")
		if i < 0 {
			t.Errorf("%q: Redis did not fail: %s", tc.file, out)
			continue
		}
		want := banner.ReplaceAllString(strings.TrimSuffix(string(out[i:]), "\n"), "(Redoubt "+testVersion+")")
		_, err := Load(path, args[1:], testVersion)
		if err == nil || err.Error() != want {
			t.Errorf("%q %q:\nRedis   %q\nRedoubt %q", tc.file, tc.args, want, err)
		}
	}
}

// TestRedisRewrite has Redis and Redoubt rewrite the same file after the same CONFIG SET
// commands. Everything up to the "# Generated by CONFIG REWRITE" line must be identical;
// the lines after it may come in another order (Redis follows its hash table), and Redis
// also writes its ACL default user, which Redoubt does not have yet.
func TestRedisRewrite(t *testing.T) {
	redisServer(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	writeFile(t, dir, "inc.conf", "timeout 7\n")
	content := "# top comment\nport " + strconv.Itoa(port) + "\nbind 127.0.0.1\n\n\n# save section\nsave 900 1\nsave 300 10\n" +
		"  TIMEOUT 5  \nhash-max-ziplist-entries 256\ninclude " + dir + "/inc.conf\nloglevel notice\nlogfile \"\"\n" +
		"client-output-buffer-limit pubsub 32mb 8mb 60\nnotify-keyspace-events \"\"\ndir " + dir + "\nslave-read-only yes\n" +
		"unixsocketperm 700\nhz 100\n"
	sets := [][]string{
		{"loglevel", "warning"}, {"hash-max-listpack-entries", "100"}, {"slowlog-max-len", "5"},
		{"proc-title-template", "{title}  x"}, {"save", "10 1"}, {"client-output-buffer-limit", "normal 1mb 1000 0"},
		{"hz", "10"}, {"proto-max-bulk-len", "3mb"},
	}

	redisPath := writeFile(t, dir, "redis.conf", content)
	bin, _ := exec.LookPath("redis-server")
	cmd := exec.Command(bin, redisPath)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var r *redisConn
	for deadline := time.Now().Add(5 * time.Second); r == nil; {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			defer c.Close()
			r = &redisConn{c: c, r: bufio.NewReader(c)}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, s := range sets {
		if _, err := r.do(t, append([]string{"CONFIG", "SET"}, s...)...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.do(t, "CONFIG", "REWRITE"); err != nil {
		t.Fatal(err)
	}
	redisOut, err := os.ReadFile(redisPath)
	if err != nil {
		t.Fatal(err)
	}

	oursPath := writeFile(t, dir, "redoubt.conf", content)
	c, err := Load(oursPath, nil, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		if err := c.Set(s...); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Rewrite(); err != nil {
		t.Fatal(err)
	}
	oursOut, err := os.ReadFile(oursPath)
	if err != nil {
		t.Fatal(err)
	}

	split := func(s string) (string, []string) {
		head, tail, _ := strings.Cut(s, rewriteSignature+"\n")
		var lines []string
		for _, l := range strings.Split(tail, "\n") {
			if l != "" && !strings.HasPrefix(l, "user default ") {
				lines = append(lines, l)
			}
		}
		sort.Strings(lines)
		return head, lines
	}
	rh, rt := split(string(redisOut))
	oh, ot := split(string(oursOut))
	if rh != oh || !reflect.DeepEqual(rt, ot) {
		t.Errorf("Redis wrote:\n%s\nRedoubt wrote:\n%s", redisOut, oursOut)
	}
}

// TestRedisEveryDirective sets every directive to a few awkward values in Redis and in
// Redoubt: each refusal must read the same, which checks every directive's type, bounds,
// mutability and protection. Where Redis accepts a value Redoubt must too, unless the
// directive is not implemented yet.
func TestRedisEveryDirective(t *testing.T) {
	r := startRedis(t, "--save", "")
	ours, err := Load("", []string{"--save", ""}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range byName {
		if name == "requirepass" || name == "bind" || redoubtOnly[name] {
			continue // would lock the test client out, move the listener, or is ours alone
		}
		for _, v := range []string{"zzz", "", "-99999999999", "99999999999999999999"} {
			prev, _ := r.do(t, "CONFIG", "GET", name)
			_, rerr := r.do(t, "CONFIG", "SET", name, v)
			oerr := ours.Set(name, v)
			switch {
			case rerr != nil:
				if fmt.Sprint(rerr) != fmt.Sprint(oerr) {
					t.Errorf("CONFIG SET %s %q:\nRedis   %v\nRedoubt %v", name, v, rerr, oerr)
				}
			case oerr == nil:
				got, _ := r.do(t, "CONFIG", "GET", name)
				if want := ours.Get(name); !reflect.DeepEqual(got, want) {
					t.Errorf("after CONFIG SET %s %q: Redis %q, Redoubt %q", name, v, got, want)
				}
			case e.d.implemented.Load() || !strings.HasSuffix(oerr.Error(), "- not supported by Redoubt yet"):
				t.Errorf("CONFIG SET %s %q: Redis accepts it, Redoubt says %v", name, v, oerr)
			default:
				if _, err := r.do(t, "CONFIG", "SET", name, prev.([]string)[1]); err != nil {
					t.Fatalf("restoring %s: %v", name, err)
				}
			}
		}
	}
}
