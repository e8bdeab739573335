package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// aofWorkload writes every type, expiry, a transaction, a blocking pop served by a push, and
// commands whose propagation is rewritten (INCRBYFLOAT, SPOP, EXPIRE, SET EX).
var aofWorkload = [][]string{
	{"SET", "s", "hello"}, {"APPEND", "s", " world"}, {"INCR", "n"}, {"INCRBYFLOAT", "f", "1.5"},
	{"RPUSH", "l", "a", "b", "c"}, {"LPOP", "l"}, {"HSET", "h", "f1", "v1", "f2", "v2"}, {"HDEL", "h", "f1"},
	{"SADD", "set", "x", "y", "z"}, {"SPOP", "set"}, {"ZADD", "z", "1", "m1", "2", "m2"}, {"ZINCRBY", "z", "5", "m1"},
	{"XADD", "st", "1-1", "f", "v"}, {"XADD", "st", "*", "g", "w"}, {"XGROUP", "CREATE", "st", "grp", "0"},
	{"SET", "ttl", "v", "EX", "1000"}, {"SET", "gone", "v"}, {"EXPIRE", "gone", "0"},
	{"MULTI"}, {"SET", "t1", "1"}, {"SET", "t2", "2"}, {"EXEC"},
	{"SELECT", "3"}, {"SET", "in3", "three"}, {"SELECT", "0"},
	{"PFADD", "hll", "a", "b", "c"}, {"SETRANGE", "s", "0", "J"},
	// Propagated as XADD ... MAXLEN = n LIMIT m, which only a replaying loader may send.
	{"XADD", "trimmed", "MAXLEN", "~", "1", "*", "h", "x"},
}

// dumpAll renders every key of every database (type, contents, has-TTL) in a canonical
// order, so two servers holding the same data render the same text.
func dumpAll(t *testing.T, c *conn) string {
	t.Helper()
	var out []string
	for db := 0; db < 16; db++ {
		c.do("SELECT", fmt.Sprint(db))
		keysNode, _ := parseReply(c.do("KEYS", "*"))
		var keys []string
		for _, k := range keysNode.children {
			keys = append(keys, k.str())
		}
		sort.Strings(keys)
		for _, k := range keys {
			typ, _ := parseReply(c.do("TYPE", k))
			var val string
			switch typ.str() {
			case "string":
				val = c.do("GET", k)
			case "list":
				val = c.do("LRANGE", k, "0", "-1")
			case "hash":
				val = sortedReply(c.do("HGETALL", k))
			case "set":
				val = sortedReply(c.do("SMEMBERS", k))
			case "zset":
				val = c.do("ZRANGE", k, "0", "-1", "WITHSCORES")
			case "stream":
				val = c.do("XRANGE", k, "-", "+") + c.do("XINFO", "GROUPS", k)
			}
			ttl := c.do("PTTL", k) != ":-1\r\n"
			out = append(out, fmt.Sprintf("%d %s %s ttl=%v %q", db, k, typ.str(), ttl, val))
		}
	}
	c.do("SELECT", "0")
	return strings.Join(out, "\n")
}

// sortedReply sorts the elements of a flat array reply (set members; hash pairs stay pairs).
func sortedReply(raw string) string {
	n, err := parseReply(raw)
	if err != nil {
		return raw
	}
	var items []string
	for _, it := range n.children {
		items = append(items, it.str())
	}
	sort.Strings(items)
	return strings.Join(items, ",")
}

func runWorkload(t *testing.T, c *conn, cmds [][]string) {
	t.Helper()
	for _, cmd := range cmds {
		if got := c.do(cmd...); strings.HasPrefix(got, "-") {
			t.Fatalf("%v: %q", cmd, got)
		}
	}
}

// copyDir copies a directory tree (the AOF directory and its files).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from+"/.", to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// TestAOFInteropWithRedis: the same workload goes to Redis and to Redoubt, both with
// appendonly yes (before and after a BGREWRITEAOF). Then each server restarts on the other's
// AOF directory and on its own, and must hold exactly what the writer held;
// redis-check-aof must accept Redoubt's directory.
func TestAOFInteropWithRedis(t *testing.T) {
	requireOracle(t, redisServerPath)
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble-"+preamble, func(t *testing.T) {
			args := []string{"--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", preamble}
			rdDir, rsDir := t.TempDir(), t.TempDir()
			rd := startRedoubt(t, append([]string{"--dir", rdDir, "--save", ""}, args...)...)
			rs := startRedis(t, append([]string{"--dir", rsDir}, args...)...)
			rdc, rsc := dial(t, rd.addr), dial(t, rs.addr)
			half := len(aofWorkload) / 2
			runWorkload(t, rdc, aofWorkload[:half])
			runWorkload(t, rsc, aofWorkload[:half])
			for _, c := range []*conn{rdc, rsc} {
				if got := c.do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
					t.Fatalf("BGREWRITEAOF: %q", got)
				}
			}
			waitRewrite(t, rdc)
			waitRewrite(t, rsc)
			runWorkload(t, rdc, aofWorkload[half:])
			runWorkload(t, rsc, aofWorkload[half:])
			// SPOP and XADD * make the two datasets differ by design: each load is compared
			// with the live data of the server that wrote the files.
			live := map[string]string{rdDir: dumpAll(t, rdc), rsDir: dumpAll(t, rsc)}
			rd.kill()
			rs.kill()

			manifest := filepath.Join(rdDir, "appendonlydir", "appendonly.aof.manifest")
			if out, err := exec.Command("redis-check-aof", manifest).CombinedOutput(); err != nil || !strings.Contains(string(out), "is valid") {
				t.Fatalf("redis-check-aof on Redoubt's AOF: %v\n%s", err, out)
			}
			for _, tc := range []struct {
				name  string
				start func(testing.TB, ...string) *proc
				from  string
			}{
				{"redoubt-on-own", startRedoubt, rdDir}, {"redis-on-redoubt", startRedis, rdDir},
				{"redoubt-on-redis", startRedoubt, rsDir}, {"redis-on-own", startRedis, rsDir},
			} {
				dir := t.TempDir()
				copyDir(t, tc.from, dir)
				p := tc.start(t, append([]string{"--dir", dir}, args...)...)
				if got, want := dumpAll(t, dial(t, p.addr)), live[tc.from]; got != want {
					t.Errorf("%s: data after load differs:\n%s\nwant:\n%s", tc.name, got, want)
				}
				p.kill()
			}
		})
	}
}

func waitRewrite(t *testing.T, c *conn) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for c.infoField("aof_rewrite_in_progress") != "0" || c.infoField("aof_rewrite_scheduled") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("AOF rewrite still running after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := c.infoField("aof_last_bgrewrite_status"); st != "ok" {
		t.Fatalf("aof_last_bgrewrite_status %s", st)
	}
}

// TestAOFTruncatedTail: a torn last command (a crash mid-write) loads up to the last complete
// command with aof-load-truncated yes, and refuses to start with it set to no — the same
// decisions Redis makes on the same file.
func TestAOFTruncatedTail(t *testing.T) {
	dir := t.TempDir()
	p := startRedoubt(t, "--dir", dir, "--appendonly", "yes", "--save", "")
	runWorkload(t, dial(t, p.addr), [][]string{{"SET", "a", "1"}, {"SET", "b", "2"}})
	p.kill()
	incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$10\r\n12") // torn
	f.Close()

	q := launch(t, "redoubt", redoubtBin, []string{"--port", fmt.Sprint(freePort(t)), "--dir", dir, "--appendonly", "yes", "--aof-load-truncated", "no"})
	if code := q.wait(t, startTimeout); code == 0 {
		t.Fatal("started on a truncated AOF with aof-load-truncated no")
	}
	if !strings.Contains(q.log.String(), "appendonly.aof.1.incr.aof") {
		t.Errorf("the error does not name the file:\n%s", q.log.String())
	}
	r := startRedoubt(t, "--dir", dir, "--appendonly", "yes", "--save", "")
	c := dial(t, r.addr)
	if got := c.do("MGET", "a", "b", "c"); got != "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n" {
		t.Fatalf("after loading the truncated AOF: %q", got)
	}
	c.do("SET", "d", "4") // appends after the cut, not after the torn bytes
	r.kill()
	s := startRedoubt(t, "--dir", dir, "--appendonly", "yes", "--save", "", "--aof-load-truncated", "no")
	if got := dial(t, s.addr).do("GET", "d"); got != "$1\r\n4\r\n" {
		t.Fatalf("write after the truncation point lost: %q", got)
	}
}

// TestConfigSetAppendOnly: turning the AOF on at runtime answers at once and writes the
// first base in the background, as Redis 7 does (aof_rewrite_in_progress, or scheduled behind
// a running BGSAVE); writes made while it is written and after it all survive SIGKILL.
// rdb-key-save-delay makes the walk long enough to write during it.
func TestConfigSetAppendOnly(t *testing.T) {
	for _, behindBGSave := range []bool{false, true} {
		t.Run(fmt.Sprint("behind BGSAVE ", behindBGSave), func(t *testing.T) {
			dir := t.TempDir()
			p := startRedoubt(t, "--dir", dir, "--save", "", "--rdb-key-save-delay", "200")
			c := dial(t, p.addr)
			want := map[string]string{}
			var mset [][]string
			for i := 0; i < 2000; i++ {
				k := fmt.Sprint("before:", i)
				want[k] = fmt.Sprint(i)
				mset = append(mset, []string{"SET", k, want[k]})
			}
			for _, r := range c.pipeline(mset) {
				if r != "+OK\r\n" {
					t.Fatalf("SET: %q", r)
				}
			}
			busy := "aof_rewrite_in_progress"
			if behindBGSave {
				if got := c.do("BGSAVE"); got != "+Background saving started\r\n" {
					t.Fatalf("BGSAVE: %q", got)
				}
				busy = "aof_rewrite_scheduled"
			}
			if got := c.do("CONFIG", "SET", "appendonly", "yes"); got != "+OK\r\n" {
				t.Fatalf("CONFIG SET appendonly yes: %q", got)
			}
			if got := c.infoField("aof_enabled"); got != "1" {
				t.Fatalf("aof_enabled %s", got)
			}
			if got := c.infoField(busy); got != "1" {
				t.Fatalf("%s %s right after CONFIG SET", busy, got)
			}
			runWorkload(t, c, [][]string{{"SET", "during", "1"}, {"INCR", "before:1"}, {"DEL", "before:2"}})
			want["during"], want["before:1"] = "1", "2"
			delete(want, "before:2")
			waitRewrite(t, c)
			runWorkload(t, c, [][]string{{"SET", "after", "2"}, {"INCR", "before:1"}})
			want["after"], want["before:1"] = "2", "3"
			p.kill()
			q := startRedoubt(t, "--dir", dir, "--appendonly", "yes", "--save", "")
			d := dial(t, q.addr)
			if got := d.do("DBSIZE"); got != fmt.Sprintf(":%d\r\n", len(want)) {
				t.Fatalf("DBSIZE after SIGKILL %q, want %d", got, len(want))
			}
			for k, v := range want {
				if got := d.do("GET", k); got != fmt.Sprintf("$%d\r\n%s\r\n", len(v), v) {
					t.Fatalf("GET %s after SIGKILL: %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestShutdownDuringFirstAOFBase: a SHUTDOWN while the first base is still being written in
// the background writes the AOF in the foreground instead of losing it (Redis refuses to exit
// then); the restart on the AOF holds everything.
func TestShutdownDuringFirstAOFBase(t *testing.T) {
	dir := t.TempDir()
	p := startRedoubt(t, "--dir", dir, "--save", "", "--rdb-key-save-delay", "1000")
	c := dial(t, p.addr)
	var sets [][]string
	for i := 0; i < 1000; i++ {
		sets = append(sets, []string{"SET", fmt.Sprint("k", i), "v"})
	}
	c.pipeline(sets)
	runWorkload(t, c, [][]string{{"CONFIG", "SET", "appendonly", "yes"}, {"SET", "during", "1"}})
	if got := c.infoField("aof_rewrite_in_progress"); got != "1" {
		t.Fatalf("aof_rewrite_in_progress %s: the first base ended before SHUTDOWN", got)
	}
	c.send(encodeCommand("SHUTDOWN"))
	if !c.expectClosed(10 * time.Second) {
		t.Fatal("SHUTDOWN did not close the connection")
	}
	p.wait(t, 10*time.Second)
	q := startRedoubt(t, "--dir", dir, "--appendonly", "yes", "--save", "")
	d := dial(t, q.addr)
	if got := d.do("DBSIZE"); got != ":1001\r\n" {
		t.Fatalf("DBSIZE after restart %q, want 1001", got)
	}
	if got := d.do("GET", "during"); got != "$1\r\n1\r\n" {
		t.Fatalf("GET during: %q", got)
	}
}

// TestFunctionsPersist: function libraries survive an RDB save, the AOF, and an AOF rewrite,
// and Redis 7.0 loads them from Redoubt's RDB.
func TestFunctionsPersist(t *testing.T) {
	requireOracle(t, redisServerPath)
	lib := "#!lua name=mylib\nredis.register_function('hello', function(keys, args) return 'hi ' .. args[1] end)"
	call := []string{"FCALL", "hello", "0", "you"}
	want := "$6\r\nhi you\r\n"
	for _, mode := range []string{"rdb", "aof", "aof-rewrite"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--dir", dir, "--save", ""}
			if mode != "rdb" {
				args = append(args, "--appendonly", "yes")
			}
			p := startRedoubt(t, args...)
			c := dial(t, p.addr)
			if got := c.do("FUNCTION", "LOAD", lib); got != "$5\r\nmylib\r\n" {
				t.Fatalf("FUNCTION LOAD: %q", got)
			}
			switch mode {
			case "rdb":
				c.do("SAVE")
			case "aof-rewrite":
				c.do("BGREWRITEAOF")
				waitRewrite(t, c)
			}
			p.kill()
			q := startRedoubt(t, args...)
			if got := dial(t, q.addr).do(call...); got != want {
				t.Fatalf("after restart: %q", got)
			}
			if mode == "rdb" {
				q.kill()
				r := startRedis(t, "--dir", dir)
				if got := dial(t, r.addr).do(call...); got != want {
					t.Fatalf("Redis loading our RDB: %q", got)
				}
			}
		})
	}
}

// TestBGRewriteAOFWithAppendOnlyNo: as in Redis, BGREWRITEAOF with appendonly no writes an
// AOF directory from a snapshot, which a later start with appendonly yes loads.
func TestBGRewriteAOFWithAppendOnlyNo(t *testing.T) {
	dir := t.TempDir()
	p := startRedoubt(t, "--dir", dir, "--save", "")
	c := dial(t, p.addr)
	c.do("SET", "k", "v")
	if got := c.do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.infoField("aof_rewrite_in_progress") != "0" || c.infoField("rdb_bgsave_in_progress") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("rewrite did not finish")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.kill()
	q := startRedoubt(t, "--dir", dir, "--save", "", "--appendonly", "yes")
	if got := dial(t, q.addr).do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("after restart with appendonly yes: %q", got)
	}
}
