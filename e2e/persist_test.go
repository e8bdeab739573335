package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSaveRestartAndRedisLoadsOurFile: SAVE writes an owner-only dump.rdb that
// redis-check-rdb accepts and Redis 7.0 loads with the same data; SIGTERM with save points
// saves, and a restart loads it back.
func TestSaveRestartAndRedisLoadsOurFile(t *testing.T) {
	requireOracle(t, redisServerPath)
	dir := t.TempDir()
	p := startRedoubt(t, "--dir", dir)
	c := dial(t, p.addr)
	for _, cmd := range [][]string{
		{"SET", "s", "hello"}, {"SET", "n", "12345"}, {"RPUSH", "l", "a", "b", "c"},
		{"HSET", "h", "f1", "v1", "f2", "v2"}, {"SADD", "set", "1", "2", "3"},
		{"ZADD", "z", "1.5", "m1", "-2", "m2"}, {"SET", "ttl", "v", "EX", "1000"},
	} {
		if got := c.do(cmd...); strings.HasPrefix(got, "-") {
			t.Fatalf("%v: %q", cmd, got)
		}
	}
	if got := c.do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	file := filepath.Join(dir, "dump.rdb")
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("dump.rdb: %v mode %v", err, st.Mode())
	}
	if out, err := exec.Command("redis-check-rdb", file).CombinedOutput(); err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	checks := [][2]string{
		{"DBSIZE", ":7\r\n"}, {"GET s", "$5\r\nhello\r\n"}, {"LRANGE l 0 -1", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"HGET h f2", "$2\r\nv2\r\n"}, {"SISMEMBER set 2", ":1\r\n"}, {"ZSCORE z m2", "$2\r\n-2\r\n"},
	}
	redis := startRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	rc := dial(t, redis.addr)
	for _, ck := range checks {
		if got := rc.do(strings.Fields(ck[0])...); got != ck[1] {
			t.Errorf("Redis loading our file: %s = %q, want %q", ck[0], got, ck[1])
		}
	}
	if ttl := rc.do("TTL", "ttl"); ttl == ":-1\r\n" || ttl == ":-2\r\n" {
		t.Errorf("TTL lost: %q", ttl)
	}
	redis.kill()

	c.do("SET", "after-save", "x")
	p.kill() // SIGKILL: nothing after SAVE survives, everything before does
	p2 := startRedoubt(t, "--dir", dir)
	c2 := dial(t, p2.addr)
	for _, ck := range checks {
		if got := c2.do(strings.Fields(ck[0])...); got != ck[1] {
			t.Errorf("restart: %s = %q, want %q", ck[0], got, ck[1])
		}
	}
	c2.do("SET", "at-shutdown", "y")
	c2.send(encodeCommand("SHUTDOWN")) // no reply: the server saves and exits
	if code := p2.wait(t, startTimeout); code != 0 {
		t.Fatalf("SHUTDOWN exit code %d", code)
	}
	p3 := startRedoubt(t, "--dir", dir)
	if got := dial(t, p3.addr).do("GET", "at-shutdown"); got != "$1\r\ny\r\n" {
		t.Errorf("SHUTDOWN with save points did not save: %q", got)
	}
}

// TestSavePointsSurviveAKill: with "save 1 1" a write reaches the disk within seconds
// without any command, so a SIGKILL afterwards loses nothing.
func TestSavePointsSurviveAKill(t *testing.T) {
	dir := t.TempDir()
	p := startRedoubt(t, "--dir", dir, "--save", "1 1")
	dial(t, p.addr).do("SET", "durable", "yes")
	waitFile(t, filepath.Join(dir, "dump.rdb"), "durable", 10*time.Second)
	p.kill()
	p2 := startRedoubt(t, "--dir", dir)
	if got := dial(t, p2.addr).do("GET", "durable"); got != "$3\r\nyes\r\n" {
		t.Fatalf("after SIGKILL: %q", got)
	}
}

// TestCheckRDB: `redoubt check-rdb` accepts a dump written by Redis 7.0 and rejects every
// truncation of it without crashing (the offline checker reads untrusted files).
func TestCheckRDB(t *testing.T) {
	dir := t.TempDir()
	r := startRedis(t, "--dir", dir)
	c := dial(t, r.addr)
	c.do("RPUSH", "l", "a", "b")
	c.do("HSET", "h", "f", "v")
	c.do("ZADD", "z", "1", "m")
	c.do("SET", "s", strings.Repeat("x", 100))
	c.do("SAVE")
	file := filepath.Join(dir, "dump.rdb")
	out, err := exec.Command(redoubtBin, "check-rdb", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("check-rdb on Redis's dump: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(file)
	for cut := 1; cut < len(data); cut += max(1, len(data)/40) {
		bad := filepath.Join(dir, "bad.rdb")
		os.WriteFile(bad, data[:cut], 0o600)
		out, err := exec.Command(redoubtBin, "check-rdb", bad).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "RDB ERROR DETECTED") && !strings.Contains(string(out), "Cannot") {
			t.Fatalf("truncated at %d: %v\n%s", cut, err, out)
		}
	}
}

// TestIdleTimeSurvivesRestart: under an LRU maxmemory-policy the RDB carries each key's idle
// time, as Redis's does, so eviction order survives a restart — in Redoubt and in Redis 7.0
// loading Redoubt's file.
func TestIdleTimeSurvivesRestart(t *testing.T) {
	requireOracle(t, redisServerPath)
	dir := t.TempDir()
	args := []string{"--dir", dir, "--save", "", "--maxmemory-policy", "allkeys-lru"}
	p := startRedoubt(t, args...)
	c := dial(t, p.addr)
	c.do("SET", "old", "1")
	time.Sleep(2100 * time.Millisecond)
	if got := c.do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	p.kill()
	for name, start := range map[string]func(testing.TB, ...string) *proc{"redoubt": startRedoubt, "redis": startRedis} {
		q := start(t, args...)
		raw := dial(t, q.addr).do("OBJECT", "IDLETIME", "old")
		if idle, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(raw, ":"), "\r\n")); err != nil || idle < 2 {
			t.Errorf("%s: OBJECT IDLETIME after loading = %q, want >= 2", name, raw)
		}
		q.kill()
	}
}
