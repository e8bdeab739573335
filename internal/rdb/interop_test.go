package rdb

import (
	"bufio"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// Interop tests against Debian's redis-server 7.0 and redis-check-rdb; skipped when absent.

type respConn struct {
	c  net.Conn
	br *bufio.Reader
}

func (r *respConn) do(t testing.TB, args ...string) any {
	t.Helper()
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := r.c.Write([]byte(sb.String())); err != nil {
		t.Fatal(err)
	}
	v, err := r.read()
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := v.(error); ok {
		t.Fatalf("%v: %v", args, e)
	}
	return v
}

func (r *respConn) read() (any, error) {
	line, err := r.br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return fmt.Errorf("%s", line[1:]), nil
	case ':':
		n, _ := strconv.ParseInt(line[1:], 10, 64)
		return n, nil
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io_ReadFull(r.br, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		a := make([]any, 0, max(n, 0))
		for range n {
			v, err := r.read()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		return a, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}

func io_ReadFull(br *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := br.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// redisRender renders key as render does, from a live server.
func redisRender(t testing.TB, c *respConn, key string) string {
	typ := c.do(t, "TYPE", key).(string)
	var sb strings.Builder
	switch typ {
	case "none":
		return "none"
	case "string":
		fmt.Fprintf(&sb, "string:%q", c.do(t, "GET", key).(string))
	case "list":
		sb.WriteString("list:")
		for _, v := range strs(c.do(t, "LRANGE", key, "0", "-1")) {
			fmt.Fprintf(&sb, "%q,", v)
		}
	case "hash":
		a := strs(c.do(t, "HGETALL", key))
		var kv []string
		for i := 0; i < len(a); i += 2 {
			kv = append(kv, fmt.Sprintf("%q=%q", a[i], a[i+1]))
		}
		slices.Sort(kv)
		sb.WriteString("hash:" + strings.Join(kv, ","))
	case "set":
		var ms []string
		for _, m := range strs(c.do(t, "SMEMBERS", key)) {
			ms = append(ms, strconv.Quote(m))
		}
		slices.Sort(ms)
		sb.WriteString("set:" + strings.Join(ms, ","))
	case "zset":
		sb.WriteString("zset:")
		a := strs(c.do(t, "ZRANGE", key, "0", "-1", "WITHSCORES"))
		for i := 0; i < len(a); i += 2 {
			f, err := strconv.ParseFloat(a[i+1], 64)
			if err != nil {
				t.Fatalf("score %q", a[i+1])
			}
			fmt.Fprintf(&sb, "%q=%s,", a[i], strconv.FormatFloat(f, 'g', 17, 64))
		}
	default:
		return typ
	}
	return sb.String()
}

type redisProc struct {
	cmd  *exec.Cmd
	conn *respConn
	dir  string
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startRedis(t testing.TB, dir, dbfile string) *redisProc {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--dbfilename", dbfile, "--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &redisProc{cmd: cmd, dir: dir}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			p.conn = &respConn{c: c, br: bufio.NewReader(c)}
			// Wait for loading to finish.
			for {
				if v, _ := p.ping(); v == "PONG" {
					return p
				}
				if time.Now().After(deadline) {
					log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
					t.Fatalf("redis not ready:\n%s", log)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis did not start: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *redisProc) ping() (any, error) {
	p.conn.c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	return p.conn.read()
}

func needRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, b := range []string{"redis-server", "redis-check-rdb"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skip(b + " not installed")
		}
	}
}

// TestInteropRedisLoadsOurs writes the corpus, checks it with redis-check-rdb, loads it in
// redis-server and compares every key.
func TestInteropRedisLoadsOurs(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	es := corpus()
	b := writeCorpus(t, es)
	path := filepath.Join(dir, "ours.rdb")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("redis-check-rdb", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	p := startRedis(t, dir, "ours.rdb")
	c := p.conn
	now := time.Now().UnixMilli()
	db := -1
	for _, e := range es {
		if e.db != db {
			db = e.db
			c.do(t, "SELECT", strconv.Itoa(db))
		}
		want := render(e.obj)
		if e.expire >= 0 && e.expire <= now {
			want = "none" // Redis drops keys already expired at load
		}
		if got := redisRender(t, c, e.key); got != want {
			t.Errorf("db %d key %q: redis has %.300s\nwant %.300s", e.db, e.key, got, want)
		}
		if want == "none" {
			continue
		}
		pttl := c.do(t, "PTTL", e.key).(int64)
		if e.expire >= 0 {
			if pttl <= 0 || math.Abs(float64(now+pttl-e.expire)) > 5000 {
				t.Errorf("key %q: PTTL %d, deadline %d", e.key, pttl, e.expire)
			}
		} else if pttl != -1 {
			t.Errorf("key %q: PTTL %d, want -1", e.key, pttl)
		}
	}
	// Redis's encodings after loading our file.
	c.do(t, "SELECT", "0")
	if enc := c.do(t, "OBJECT", "ENCODING", "list-big").(string); enc != "quicklist" {
		t.Errorf("list-big encoding %s", enc)
	}
	c.do(t, "SELECT", "2")
	if enc := c.do(t, "OBJECT", "ENCODING", "set-ints").(string); enc != "intset" {
		t.Errorf("set-ints encoding %s", enc)
	}
	// And Redis's own re-save of our data still loads here.
	c.do(t, "SAVE")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	if err := Load(f, func(int, string, keyspace.Object, int64) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(es)-2 {
		t.Errorf("reloaded %d keys, want %d", n, len(es)-2)
	}
}

// TestInteropWeLoadRedis populates a real Redis with every type in small and large
// encodings, SAVEs, loads dump.rdb here and compares every key.
func TestInteropWeLoadRedis(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	p := startRedis(t, dir, "dump.rdb")
	c := p.conn
	cmds := [][]string{
		{"CONFIG", "SET", "list-compress-depth", "1"},
		{"SET", "int", "12345"}, {"SET", "neg", "-9223372036854775808"}, {"SET", "empty", ""},
		{"SET", "long", strings.Repeat("compress me ", 100)}, {"SET", "bin", "\x00\x01\xff\r\n"},
		{"SET", "float", "1.5"}, {"INCRBYFLOAT", "float", "1"}, {"APPEND", "raw", "abc"},
		{"SET", "ttl", "v", "PX", "100000000"}, {"SET", "ttlsec", "v", "EX", "100000"},
		{"RPUSH", "lsmall", "a", "1", "-1", "300", "-70000", "5000000000", "", "x"},
		{"HSET", "hsmall", "a", "1", "b", "two", "", "empty"},
		{"SADD", "sint", "1", "2", "-3", "100000", "9223372036854775807"},
		{"SADD", "sstr", "a", "b", "007"},
		{"ZADD", "zsmall", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0.1", "e"},
		{"FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"},
		{"SELECT", "3"}, {"SET", "indb3", "x"},
	}
	for _, cmd := range cmds {
		c.do(t, cmd...)
	}
	c.do(t, "SELECT", "0")
	var lbig, hbig, sbig, sibig, zbig []string
	for i := range 3000 {
		s := strconv.Itoa(i)
		v := "item" + s
		if i%500 == 0 {
			v = strings.Repeat("B", 10000+i)
		} else if i%2 == 0 {
			v = strconv.Itoa(i * 1000003)
		}
		lbig = append(lbig, v)
		hbig = append(hbig, "f"+s, v)
		sbig = append(sbig, "m"+s)
		sibig = append(sibig, strconv.Itoa(i*i))
		zbig = append(zbig, strconv.FormatFloat(float64(i)/7, 'g', -1, 64), "z"+s)
	}
	c.do(t, append([]string{"RPUSH", "lbig"}, lbig...)...)
	c.do(t, append([]string{"HSET", "hbig"}, hbig...)...)
	c.do(t, append([]string{"SADD", "sbig"}, sbig...)...)
	c.do(t, append([]string{"SADD", "sibig"}, sibig...)...)
	c.do(t, append([]string{"ZADD", "zbig"}, zbig...)...)
	c.do(t, "HSET", "hlongval", "f", strings.Repeat("v", 100))
	c.do(t, "ZADD", "zlongmember", "1", strings.Repeat("m", 100))
	c.do(t, "PEXPIRE", "hbig", "50000000")
	c.do(t, "SAVE")

	f, err := os.Open(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type loaded struct {
		obj keyspace.Object
		exp int64
	}
	got := map[string]loaded{}
	seen := map[byte]int{}
	typeSeen = func(t byte) { seen[t]++ }
	defer func() { typeSeen = nil }()
	var functions []string
	err = LoadOptions(f, Options{Function: func(code string) error { functions = append(functions, code); return nil }},
		func(db int, key string, o keyspace.Object, exp int64) error {
			got[fmt.Sprintf("%d/%s", db, key)] = loaded{o, exp}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range []byte{typeString, typeListQuicklist2, typeHash, typeHashListpack, typeSet, typeSetIntset, typeZSet2, typeZSetListpack} {
		if seen[ty] == 0 {
			t.Errorf("redis wrote no value of type %d (seen %v)", ty, seen)
		}
	}
	t.Logf("value types in redis's dump: %v", seen)
	if len(functions) != 1 || !strings.Contains(functions[0], "mylib") {
		t.Errorf("functions = %q", functions)
	}
	now := time.Now().UnixMilli()
	n := 0
	for _, db := range []int{0, 3} {
		c.do(t, "SELECT", strconv.Itoa(db))
		keys := strs(c.do(t, "KEYS", "*"))
		for _, k := range keys {
			n++
			l, ok := got[fmt.Sprintf("%d/%s", db, k)]
			if !ok {
				t.Errorf("db %d key %q missing", db, k)
				continue
			}
			if g, w := render(l.obj), redisRender(t, c, k); g != w {
				t.Errorf("db %d key %q: loaded %.300s\nredis has %.300s", db, k, g, w)
			}
			pttl := c.do(t, "PTTL", k).(int64)
			if (pttl < 0) != (l.exp < 0) || (pttl >= 0 && math.Abs(float64(now+pttl-l.exp)) > 5000) {
				t.Errorf("key %q: PTTL %d, loaded deadline %d", k, pttl, l.exp)
			}
		}
	}
	if n != len(got) || n < 20 {
		t.Errorf("redis has %d keys, loaded %d", n, len(got))
	}
}
