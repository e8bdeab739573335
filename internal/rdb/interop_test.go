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
	"github.com/redoubt/redoubt/internal/types/stream"
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

// startRedis starts redis-server in dir on dbfile, with extra configuration arguments.
func startRedis(t testing.TB, dir, dbfile string, extra ...string) *redisProc {
	t.Helper()
	port := freePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--dbfilename", dbfile, "--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", filepath.Join(dir, "redis.log")}, extra...)
	cmd := exec.Command("redis-server", args...)
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

// needRedis skips the test when Redis's binaries are missing, unless REDOUBT_REQUIRE_ORACLE=1
// makes that a failure.
func needRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, b := range []string{"redis-server", "redis-check-rdb"} {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
				t.Fatal(b + " not installed and REDOUBT_REQUIRE_ORACLE=1")
			}
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

// redisStreamAnswers asks a live Redis the queries streamAnswers renders for our streams.
func redisStreamAnswers(t testing.TB, c *respConn, key string) []string {
	t.Helper()
	out := []string{"full " + canon(c.do(t, "XINFO", "STREAM", key, "FULL", "COUNT", "0"))}
	out = append(out, "range rev=false "+canon(c.do(t, "XRANGE", key, "-", "+")))
	out = append(out, "range rev=true "+canon(c.do(t, "XREVRANGE", key, "+", "-")))
	groups := c.do(t, "XINFO", "GROUPS", key).([]any)
	for _, g := range groups {
		name := g.([]any)[1].(string)
		out = append(out, "xpending "+name+" "+canon(c.do(t, "XPENDING", key, name)))
	}
	return append(out, "groups "+canon(groups))
}

func diffAnswers(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d answers, want %d:\n got %q\nwant %q", what, len(got), len(want), got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s:\n got %.2000s\nwant %.2000s", what, got[i], want[i])
		}
	}
}

func checkRDB(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("redis-check-rdb", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb %s: %v\n%s", path, err, out)
	}
}

// TestInteropStreamsRedisLoadsOurs writes streams built with the stream package, checks the
// file with redis-check-rdb, loads it into a Redis that validates every listpack deeply
// (sanitize-dump-payload yes) and compares Redis's answers with what our structures say.
// The same streams then go through DUMP payloads (RESTORE) and keep working in Redis:
// appending to the loaded nodes, deleting and trimming give what our structures give.
func TestInteropStreamsRedisLoadsOurs(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	cases := streamCorpus()
	var es []entry
	for _, c := range cases {
		es = append(es, entry{0, c.key, streamObj(c.s), -1})
	}
	path := filepath.Join(dir, "streams.rdb")
	if err := os.WriteFile(path, writeCorpus(t, es), 0o644); err != nil {
		t.Fatal(err)
	}
	checkRDB(t, path)
	p := startRedis(t, dir, "streams.rdb", "--sanitize-dump-payload", "yes")
	c := p.conn
	for _, sc := range cases {
		diffAnswers(t, sc.key, redisStreamAnswers(t, c, sc.key), streamAnswers(sc.s))
		o := streamObj(sc.s)
		payload, err := EncodeValue(&o)
		if err != nil {
			t.Fatal(err)
		}
		c.do(t, "RESTORE", sc.key+":restored", "0", string(payload))
		diffAnswers(t, sc.key+" restored", redisStreamAnswers(t, c, sc.key+":restored"), streamAnswers(sc.s))
	}
	for _, sc := range cases {
		s := sc.s
		if s.LastID().Ms == math.MaxUint64 {
			continue
		}
		ms := s.LastID().Ms + 1
		for i, fv := range [][]string{{"a", "1", "b", "2"}, {"n", "1", "name", "x"}, {"k", "v", "bin", "w"}, {"new", "fields"}} {
			id := sid(ms, uint64(i))
			c.do(t, append([]string{"XADD", sc.key, id.String()}, fv...)...)
			s.Add(id, bs(fv...), 4096, 100)
		}
		first := s.LastValidID()
		s.Range(stream.ID{}, stream.MaxID, false, func(e stream.Entry) bool { first = e.ID; return false })
		c.do(t, "XDEL", sc.key, first.String())
		s.Delete([]stream.ID{first})
		c.do(t, "XTRIM", sc.key, "MAXLEN", "3")
		s.Trim(stream.TrimArgs{Strategy: stream.TrimMaxLen, MaxLen: 3})
		diffAnswers(t, sc.key+" after writes", redisStreamAnswers(t, c, sc.key), streamAnswers(s))
	}
}

// streamScript builds streams in a real Redis with the commands that shape them.
func streamScript(t *testing.T, c *respConn) []string {
	c.do(t, "CONFIG", "SET", "stream-node-max-entries", "5")
	for i := 1; i <= 40; i++ {
		fv := []string{"name", "item" + strconv.Itoa(i), "n", strconv.Itoa(i * i)}
		if i%6 == 0 {
			fv = []string{"other", strings.Repeat("x", i*3), "n", "-" + strconv.Itoa(i)}
		}
		c.do(t, append([]string{"XADD", "s1", fmt.Sprintf("%d-%d", i, i%3)}, fv...)...)
	}
	for _, id := range []string{"3-0", "4-1", "5-2", "6-0", "7-1", "20-2"} {
		c.do(t, "XDEL", "s1", id)
	}
	c.do(t, "XGROUP", "CREATE", "s1", "g1", "0")
	c.do(t, "XGROUP", "CREATE", "s1", "g2", "$")
	c.do(t, "XGROUP", "CREATE", "s1", "g3", "10-0", "ENTRIESREAD", "8")
	c.do(t, "XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", "s1", ">")
	c.do(t, "XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s1", ">")
	c.do(t, "XACK", "s1", "g1", "2-2")
	c.do(t, "XCLAIM", "s1", "g1", "carol", "0", "8-2")
	c.do(t, "XGROUP", "CREATECONSUMER", "s1", "g1", "dave")
	c.do(t, "XREADGROUP", "GROUP", "g3", "erin", "COUNT", "2", "STREAMS", "s1", ">")
	c.do(t, "XDEL", "s1", "9-0")
	c.do(t, "XAUTOCLAIM", "s1", "g1", "alice", "0", "0-0", "COUNT", "1")
	c.do(t, "XTRIM", "s1", "MINID", "2-0")

	for i := 0; i < 12; i++ {
		c.do(t, "XADD", "auto", "*", "f", strconv.Itoa(i))
	}
	c.do(t, "XTRIM", "auto", "MAXLEN", "~", "2")
	c.do(t, "XGROUP", "CREATE", "mk", "g", "$", "MKSTREAM")
	c.do(t, "XADD", "emptied", "1-1", "f", "v")
	c.do(t, "XGROUP", "CREATE", "emptied", "g", "0")
	c.do(t, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "emptied", ">")
	c.do(t, "XDEL", "emptied", "1-1")
	c.do(t, "XADD", "setid", "5-5", "f", "v")
	c.do(t, "XSETID", "setid", "10-0", "ENTRIESADDED", "7", "MAXDELETEDID", "6-0")
	c.do(t, "XADD", "big", "1-0", "payload", strings.Repeat("0123456789", 500))
	c.do(t, "XADD", "big", "2-0", "payload", strings.Repeat("z", 70))
	c.do(t, "XADD", "nums", "1-0", "1", "2", "-3", "-4", "9223372036854775807", "x", "18446744073709551616", "y", "", "")
	c.do(t, "XADD", "nums", "1-1", "1", "5", "-3", "6", "9223372036854775807", "z", "18446744073709551616", "w", "", "")
	return []string{"s1", "auto", "mk", "emptied", "setid", "big", "nums"}
}

// TestInteropStreamsRoundTripRedis creates streams in a real Redis with commands, loads its
// SAVE with our reader (checked against Redis's answers), writes them back with our writer
// and loads that into a second Redis, whose answers must be the first one's. Then each
// stream's DUMP payload goes through DecodeValue and EncodeValue and is RESTOREd (with deep
// sanitization) into the first Redis, again answering identically.
func TestInteropStreamsRoundTripRedis(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	a := startRedis(t, dir, "dump.rdb")
	ca := a.conn
	keys := streamScript(t, ca)
	ca.do(t, "SAVE")
	f, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]*stream.Stream{}
	seen := map[byte]int{}
	typeSeen = func(t byte) { seen[t]++ }
	defer func() { typeSeen = nil }()
	if err := LoadBytes(f, Options{}, func(db int, key string, o keyspace.Object, exp int64) error {
		loaded[key] = o.Val.(*stream.Stream)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen[typeStreamListpacks2] != len(keys) {
		t.Errorf("value types in redis's dump: %v", seen)
	}
	var es []entry
	for _, k := range keys {
		s := loaded[k]
		if s == nil {
			t.Fatalf("%s not loaded", k)
		}
		diffAnswers(t, k+" loaded here", streamAnswers(s), redisStreamAnswers(t, ca, k))
		es = append(es, entry{0, k, streamObj(s), -1})
	}

	bdir := t.TempDir()
	path := filepath.Join(bdir, "ours.rdb")
	if err := os.WriteFile(path, writeCorpus(t, es), 0o644); err != nil {
		t.Fatal(err)
	}
	checkRDB(t, path)
	b := startRedis(t, bdir, "ours.rdb", "--sanitize-dump-payload", "yes")
	for _, k := range keys {
		diffAnswers(t, k+" redis→ours→redis", redisStreamAnswers(t, b.conn, k), redisStreamAnswers(t, ca, k))
	}

	ca.do(t, "CONFIG", "SET", "sanitize-dump-payload", "yes")
	for _, k := range keys {
		payload := ca.do(t, "DUMP", k).(string)
		o, err := DecodeValue([]byte(payload), Options{})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		diffAnswers(t, k+" decoded", streamAnswers(o.Val.(*stream.Stream)), redisStreamAnswers(t, ca, k))
		ours, err := EncodeValue(&o)
		if err != nil {
			t.Fatal(err)
		}
		ca.do(t, "RESTORE", k+":copy", "0", string(ours))
		diffAnswers(t, k+" DUMP→ours→RESTORE", redisStreamAnswers(t, ca, k+":copy"), redisStreamAnswers(t, ca, k))
	}
}

// TestInteropWriterOptions: with rdbcompression and rdbchecksum off, the file still passes
// redis-check-rdb and loads into Redis (a zero checksum means "not computed" to Redis too).
func TestInteropWriterOptions(t *testing.T) {
	needRedis(t)
	es := corpus()
	for _, sc := range streamCorpus() {
		es = append(es, entry{4, sc.key, streamObj(sc.s), -1})
	}
	for _, o := range []WriterOptions{{NoCompression: true}, {NoChecksum: true}, {NoCompression: true, NoChecksum: true}} {
		var buf strings.Builder
		w, err := NewWriter(&buf, o)
		if err != nil {
			t.Fatal(err)
		}
		db := -1
		for _, e := range es {
			if e.db != db {
				db = e.db
				w.SelectDB(db, 0, 0)
			}
			if err := w.WriteKey(e.key, &e.obj, e.expire); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "opts.rdb")
		if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		checkRDB(t, path)
		c := startRedis(t, dir, "opts.rdb").conn
		n := int64(0)
		for _, db := range []string{"0", "1", "2", "3", "4", "15"} {
			c.do(t, "SELECT", db)
			n += c.do(t, "DBSIZE").(int64)
		}
		// Two keys of the corpus have already expired.
		if n != int64(len(es)-2) {
			t.Errorf("%+v: redis loaded %d keys, want %d", o, n, len(es)-2)
		}
		c.do(t, "SELECT", "0")
		if got, want := redisRender(t, c, "s26"), render(es[26].obj); got != want {
			t.Errorf("%+v: s26 = %.100s, want %.100s", o, got, want)
		}
	}
}
