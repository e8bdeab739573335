package aof

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// Interop with Debian's Redis 7.0: layouts it wrote (testdata/gen.sh) load here, and
// layouts written here pass redis-check-aof and load into redis-server.

func needRedis(t *testing.T, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
				t.Fatalf("%s is required: %v", b, err)
			}
			t.Skipf("%s not installed", b)
		}
	}
}

// redisAt is a redis-server on a unix socket in dir (no TCP port to collide on).
type redisAt struct {
	t    *testing.T
	sock string
}

func startRedis(t *testing.T, dir string, args ...string) *redisAt {
	t.Helper()
	sock := filepath.Join(dir, "redis.sock")
	argv := append([]string{"--port", "0", "--unixsocket", sock, "--save", "", "--dir", dir,
		"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}, args...)
	cmd := exec.Command("redis-server", argv...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	r := &redisAt{t: t, sock: sock}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if out, err := exec.Command("redis-cli", "-s", sock, "PING").CombinedOutput(); err == nil && strings.TrimSpace(string(out)) == "PONG" {
			return r
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server did not start:\n%s", logText)
		}
	}
}

// do runs one command with redis-cli and returns its raw output lines.
func (r *redisAt) do(args ...string) string {
	r.t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-s", r.sock}, args...)...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestRedisWrittenLayoutsLoad(t *testing.T) {
	common := []string{"SELECT 0", "SET after 1", "DEL s", "SELECT 3", "LPUSH l3 x"}
	tests := []struct {
		dir   string
		files []string
		keys  []string // in the RDB base
		base  []string // commands of the AOF base, where deterministic
	}{
		{"redis7-preamble-yes", []string{"appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"},
			[]string{"big", "h", "indb2", "l", "m", "n", "s", "si", "ss", "st", "ttl", "z"}, nil},
		{"redis7-preamble-no", []string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof"}, nil, []string{
			"SELECT 0",
			"RPUSH big " + numbered("", 1, 65),
			"RPUSH big " + numbered("", 65, 101),
			"HMSET h f v f2 v2",
			"SADD si 1 2 3",
			"XADD st 1-1 f v",
			"XADD st 2-1 g w h x",
			"XSETID st 3-1 ENTRIESADDED 3 MAXDELETEDID 3-1",
			"XGROUP CREATE st grp 1-1 ENTRIESREAD -1",
			"XGROUP CREATECONSUMER st grp bob",
			"XGROUP CREATE st later 3-1 ENTRIESREAD -1",
			"ZADD z 1 a 2.5 b",
			"RPUSH l z a b c",
			"SET ttl v",
			"PEXPIREAT ttl 4102444800000",
			"SELECT 2",
			"SET indb2 1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			cfg := Config{Dir: "testdata", DirName: tt.dir}
			r := &recorder{}
			info, err := Load(cfg, false, r)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(info.Files, tt.files) || info.Truncated != nil {
				t.Fatalf("info %+v", info)
			}
			incr := r.cmds
			if tt.keys != nil {
				var keys []string
				err := rdb.LoadBytes(r.rdbs[0], rdb.Options{}, func(db int, key string, _ keyspace.Object, _ int64) error {
					keys = append(keys, key)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(keys)
				if !slices.Equal(keys, tt.keys) {
					t.Fatalf("RDB base keys %q, want %q", keys, tt.keys)
				}
			} else {
				for _, want := range tt.base {
					if !slices.Contains(r.cmds, want) {
						t.Fatalf("the AOF base lacks %q; it holds\n%s", want, strings.Join(r.cmds, "\n"))
					}
				}
				claim := slices.IndexFunc(r.cmds, func(c string) bool { return strings.HasPrefix(c, "XCLAIM") })
				if f := strings.Fields(r.cmds[claim]); claim < 0 || len(f) != 12 ||
					strings.Join(f[:7], " ") != "XCLAIM st grp alice 0 1-1 TIME" || strings.Join(f[8:], " ") != "RETRYCOUNT 1 JUSTID FORCE" {
					t.Fatalf("the pending entry is rewritten as %q", r.cmds[claim])
				}
				incr = r.cmds[slices.Index(r.cmds, "SET indb2 1")+1:]
			}
			if !slices.Equal(incr[:len(common)], common) {
				t.Fatalf("the incr file starts with %q, want %q", incr, common)
			}
			rep, err := Check(OS, filepath.Join("testdata", tt.dir, "appendonly.aof.manifest"), false)
			if err != nil || !rep.Valid {
				var out bytes.Buffer
				rep.Print(&out)
				t.Fatalf("Check: %v\n%s", err, out.String())
			}
		})
	}
}

// The same dataset as objects: a KeyWriter base must rebuild it in Redis.
func ourDataset() map[string]keyspace.Object {
	l := list.New()
	for i := range 100 {
		l.PushBack([]byte(fmt.Sprint(i)))
	}
	s := set.New()
	s.Add([]byte("x"), 512)
	s.Add([]byte("y"), 512)
	z := zset.New()
	z.Add("a", 1.5, 0, zset.Limits{Entries: 128, Value: 64})
	z.Add("b", -2, 0, zset.Limits{Entries: 128, Value: 64})
	h := hash.New()
	h.Set([]byte("f"), []byte("v"), hash.Limits{Entries: 128, Value: 64})
	return map[string]keyspace.Object{
		"str":  {Type: keyspace.TypeString, Str: []byte("hello world")},
		"list": {Type: keyspace.TypeList, Val: l},
		"set":  {Type: keyspace.TypeSet, Val: s},
		"zset": {Type: keyspace.TypeZSet, Val: z},
		"hash": {Type: keyspace.TypeHash, Val: h},
	}
}

func writeDataset(w io.Writer, preamble bool, extra map[string]keyspace.Object) error {
	data := ourDataset()
	maps.Copy(data, extra)
	data["stream"] = keyspace.Object{Type: keyspace.TypeStream, Val: testStream()}
	keys := slices.Sorted(maps.Keys(data))
	if preamble {
		rw, err := rdb.NewWriter(w, rdb.WriterOptions{CTime: time.Now().Unix()})
		if err != nil {
			return err
		}
		rw.SelectDB(0, len(keys), 1)
		for _, k := range keys {
			o := data[k]
			exp := int64(-1)
			if k == "str" {
				exp = 4102444800000
			}
			if err := rw.WriteKey(k, &o, exp); err != nil {
				return err
			}
		}
		return rw.Close()
	}
	kw := NewKeyWriter(w)
	kw.Timestamp(time.Now().Unix())
	kw.Select(0)
	for _, k := range keys {
		o := data[k]
		exp := int64(-1)
		if k == "str" {
			exp = 4102444800000
		}
		if err := kw.Key(k, &o, exp); err != nil {
			return err
		}
	}
	return nil
}

func TestRedisLoadsOurLayout(t *testing.T) {
	needRedis(t, "redis-server", "redis-cli", "redis-check-aof")
	for _, preamble := range []bool{true, false} {
		t.Run(fmt.Sprintf("rdb-preamble=%v", preamble), func(t *testing.T) {
			tmp := t.TempDir()
			cfg := Config{Dir: tmp, RDBPreamble: preamble, Timestamps: true, Fsync: FsyncAlways}
			l, err := Create(cfg, func(w io.Writer) error { return writeDataset(w, preamble, nil) })
			if err != nil {
				t.Fatal(err)
			}
			commit := func(db int, cmds ...[][]byte) {
				if err := l.Commit(l.Append(db, cmds)); err != nil {
					t.Fatal(err)
				}
			}
			commit(0, cmd("SET", "before", "1"))
			commit(1, cmd("MULTI"), cmd("SET", "d1", "x"), cmd("INCR", "counter"), cmd("EXEC"))
			rw, err := l.BeginRewrite()
			if err != nil {
				t.Fatal(err)
			}
			commit(0, cmd("RPUSH", "list", "during"))
			// The snapshot is the state at BeginRewrite: the base plus what was committed.
			extra := map[string]keyspace.Object{"before": {Type: keyspace.TypeString, Str: []byte("1")}}
			if err := writeDataset(rw.Base(), preamble, extra); err != nil {
				t.Fatal(err)
			}
			if !preamble {
				kw := NewKeyWriter(rw.Base())
				kw.Select(1)
				kw.Command(cmd("SET", "d1", "x")...)
				kw.Command(cmd("SET", "counter", "1")...)
			} else {
				// An RDB base holds every database; db 1 goes through the incr file instead.
				commit(1, cmd("SET", "d1", "x"), cmd("SET", "counter", "1"))
			}
			if err := rw.Commit(); err != nil {
				t.Fatal(err)
			}
			commit(0, cmd("SET", "after", "2"), cmd("PEXPIREAT", "after", "4102444800000"))
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}

			manifest := filepath.Join(tmp, "appendonlydir", "appendonly.aof.manifest")
			out, err := exec.Command("redis-check-aof", manifest).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "All AOF files and manifest are valid") {
				t.Fatalf("redis-check-aof: %v\n%s", err, out)
			}
			rep, err := Check(OS, manifest, false)
			if err != nil || !rep.Valid {
				t.Fatalf("Check: %v %+v", err, rep.Lines)
			}

			r := startRedis(t, tmp, "--appendonly", "yes")
			checks := []struct {
				args []string
				want string
			}{
				{[]string{"GET", "str"}, "hello world"},
				{[]string{"GET", "before"}, "1"},
				{[]string{"GET", "after"}, "2"},
				{[]string{"PEXPIRETIME", "after"}, "4102444800000"},
				{[]string{"PEXPIRETIME", "str"}, "4102444800000"},
				{[]string{"LLEN", "list"}, "101"},
				{[]string{"LINDEX", "list", "-1"}, "during"},
				{[]string{"LINDEX", "list", "63"}, "63"},
				{[]string{"SMISMEMBER", "set", "x", "y", "z"}, "1\n1\n0"},
				{[]string{"ZRANGE", "zset", "0", "-1", "WITHSCORES"}, "b\n-2\na\n1.5"},
				{[]string{"HGETALL", "hash"}, "f\nv"},
				{[]string{"-n", "1", "GET", "d1"}, "x"},
				{[]string{"-n", "1", "GET", "counter"}, "1"},
			}
			checks = append(checks, []struct {
				args []string
				want string
			}{
				{[]string{"XLEN", "stream"}, "2"},
				{[]string{"XRANGE", "stream", "-", "+"}, "1000-1\nf\nv1\ng\nx\n1000-3\nf\nv3\ng\nx"},
				{[]string{"XPENDING", "stream", "grp", "-", "+", "10"}, "1000-1\nalice\n*\n1\n1000-3\nalice\n*\n4"},
				{[]string{"XINFO", "CONSUMERS", "stream", "grp"}, "name\nalice\npending\n2\nidle\n*\nname\nbob\npending\n0\nidle\n*"},
			}...)
			for _, c := range checks {
				got := r.do(c.args...)
				if !matchLines(got, c.want) {
					t.Errorf("%q = %q, want %q", c.args, got, c.want)
				}
			}
		})
	}
}

// matchLines compares line by line; "*" matches any line.
func matchLines(got, want string) bool {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if w[i] != "*" && g[i] != w[i] {
			return false
		}
	}
	return true
}

// A file name that needs quoting in the manifest: Redis's quoting parses here, and ours
// parses in Redis.
func TestRedisManifestQuoting(t *testing.T) {
	needRedis(t, "redis-server", "redis-cli")
	name := `my "aof" file.aof`
	tmp := t.TempDir()
	r := startRedis(t, tmp, "--appendonly", "yes", "--appendfilename", name)
	r.do("SET", "x", "1")
	r.do("SHUTDOWN", "NOSAVE")
	text, err := os.ReadFile(filepath.Join(tmp, "appendonlydir", name+".manifest"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(text)
	if err != nil {
		t.Fatalf("Redis's manifest %q: %v", text, err)
	}
	if m.Base == nil || m.Base.Name != name+".1.base.rdb" || string(m.Marshal()) != string(text) {
		t.Fatalf("parsed %+v from %q; marshals as %q", m, text, m.Marshal())
	}
	rec, _ := loadAll(t, Config{Dir: tmp, FileName: name}, false)
	if !slices.Contains(rec.cmds, "SET x 1") {
		t.Fatalf("loaded %q", rec.cmds)
	}

	ours := t.TempDir()
	l, err := Create(Config{Dir: ours, FileName: name}, aofBase(cmd("SET", "y", "2")))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	r2 := startRedis(t, ours, "--appendonly", "yes", "--appendfilename", name)
	if got := r2.do("GET", "y"); got != "2" {
		t.Fatalf("Redis read y = %q from our layout", got)
	}
}
