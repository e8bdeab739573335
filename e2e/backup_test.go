package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const redisCheckRDBPath = "/usr/bin/redis-check-rdb"

// cliResult is the outcome of one run of the binary.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary with args; env entries are added to an environment that never
// carries a REDOUBT_AUTH of the caller's.
func runCLI(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, redoubtBin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDOUBT_AUTH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return cliResult{stdout.String(), stderr.String(), code}
}

// backupPath returns the .rdb path a successful backup run printed.
func backupPath(t *testing.T, r cliResult) string {
	t.Helper()
	rest, ok := strings.CutPrefix(r.stdout, "backup ")
	path, _, found := strings.Cut(rest, ": ")
	if r.code != 0 || !ok || !found || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("backup: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return path
}

// backupFiles lists a backup directory without its lock file.
func backupFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != ".redoubt-backup.lock" {
			out = append(out, e.Name())
		}
	}
	return out
}

// fillTypes writes keys of every type, some with a TTL, into each database in dbs.
func fillTypes(t *testing.T, c *conn, dbs ...int) {
	t.Helper()
	for _, db := range dbs {
		p := fmt.Sprintf("db%d:", db)
		big := []string{"HSET", p + "bighash"}
		for i := range 300 { // past the listpack limits
			big = append(big, fmt.Sprint("field", i), strings.Repeat("v", i%80))
		}
		cmds := [][]string{{"SELECT", strconv.Itoa(db)},
			{"SET", p + "str", "hello"}, {"SET", p + "int", "12345"}, {"SET", p + "bin", "a\r\nb\x00c"},
			{"SET", p + "ttl", "soon", "EX", "100000"},
			{"RPUSH", p + "list", "a", "b", "c", "a"},
			{"HSET", p + "hash", "f1", "v1", "f2", "v2"}, {"EXPIRE", p + "hash", "100000"},
			{"SADD", p + "intset", "1", "2", "3"}, {"SADD", p + "set", "x", "y", "z"},
			{"ZADD", p + "zset", "1.5", "m1", "-2", "m2", "3", "m3"},
			{"XADD", p + "stream", "1-1", "f", "v"}, {"XADD", p + "stream", "2-1", "g", "w"},
			big, {"SELECT", "0"},
		}
		for i, r := range c.pipeline(cmds) {
			if strings.HasPrefix(r, "-") {
				t.Fatalf("%v: %q", cmds[i][:2], r)
			}
		}
	}
}

// dataset reads every key of databases 0-15 into a comparable form: type, contents (sets
// and hashes sorted) and whether it has a TTL.
func dataset(t *testing.T, c *conn) map[string]string {
	t.Helper()
	out := map[string]string{}
	for db := range 16 {
		if r := c.do("SELECT", strconv.Itoa(db)); r != "+OK\r\n" {
			t.Fatalf("SELECT %d: %q", db, r)
		}
		for _, key := range scanAll(t, c) {
			typ := strings.TrimSuffix(strings.TrimPrefix(c.do("TYPE", key), "+"), "\r\n")
			var content string
			switch typ {
			case "string":
				content = c.do("GET", key)
			case "list":
				content = c.do("LRANGE", key, "0", "-1")
			case "hash":
				content = sortedElements(t, c.do("HGETALL", key), 2)
			case "set":
				content = sortedElements(t, c.do("SMEMBERS", key), 1)
			case "zset":
				content = c.do("ZRANGE", key, "0", "-1", "WITHSCORES")
			case "stream":
				content = c.do("XRANGE", key, "-", "+")
			default:
				t.Fatalf("key %q of type %q", key, typ)
			}
			ttl := c.do("PTTL", key) != ":-1\r\n"
			out[fmt.Sprintf("%d/%q", db, key)] = fmt.Sprintf("%s ttl=%v %q", typ, ttl, content)
		}
	}
	c.do("SELECT", "0")
	return out
}

func scanAll(t *testing.T, c *conn) []string {
	t.Helper()
	var keys []string
	cursor := "0"
	for {
		n, err := parseReply(c.do("SCAN", cursor, "COUNT", "1000"))
		if err != nil || len(n.children) != 2 {
			t.Fatalf("SCAN: %v", err)
		}
		for _, k := range n.children[1].children {
			keys = append(keys, k.str())
		}
		if cursor = n.children[0].str(); cursor == "0" {
			return keys
		}
	}
}

// sortedElements sorts an array reply in groups of size (field-value pairs for 2).
func sortedElements(t *testing.T, raw string, size int) string {
	t.Helper()
	n, err := parseReply(raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	var groups []string
	for i := 0; i+size <= len(n.children); i += size {
		var g []string
		for _, c := range n.children[i : i+size] {
			g = append(g, c.str())
		}
		groups = append(groups, strings.Join(g, "\x00"))
	}
	sort.Strings(groups)
	return strings.Join(groups, "\n")
}

func compareDatasets(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("the source dataset is empty: nothing is being compared")
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: key %s = %s, want %s", what, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: extra key %s", what, k)
		}
	}
}

// TestBackupAndRestore: a backup of a password-protected Redoubt is owner-only, passes
// sha256sum -c and redis-check-rdb, and restored into a fresh directory gives a server with
// the same data, key by key, in both databases.
func TestBackupAndRestore(t *testing.T) {
	requireOracle(t, redisCheckRDBPath)
	src := startRedoubt(t, "--requirepass", "s3cret", "--dir", t.TempDir(), "--save", "")
	c := dial(t, src.addr)
	c.do("AUTH", "s3cret")
	fillTypes(t, c, 0, 5)
	want := dataset(t, c)

	dir := filepath.Join(t.TempDir(), "backups")
	r := runCLI(t, []string{"REDOUBT_AUTH=s3cret"}, "backup", "--port", strconv.Itoa(src.port), "--dir", dir)
	file := backupPath(t, r)
	name := filepath.Base(file)
	if got := backupFiles(t, dir); !slices.Equal(got, []string{name, name + ".sha256"}) {
		t.Fatalf("backup directory holds %q", got)
	}
	if !strings.Contains(r.stdout, fmt.Sprintf("%d keys", len(want))) {
		t.Errorf("summary %q does not report %d keys", r.stdout, len(want))
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("backup directory mode %v (%v), want 0700", st.Mode(), err)
	}
	for _, f := range []string{file, file + ".sha256"} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v (%v), want 0600", f, st.Mode(), err)
		}
	}
	sum := exec.Command("sha256sum", "-c", name+".sha256")
	sum.Dir = dir
	if out, err := sum.CombinedOutput(); err != nil || string(out) != name+": OK\n" {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
	if out, err := exec.Command(redisCheckRDBPath, file).CombinedOutput(); err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Errorf("redis-check-rdb: %v\n%s", err, out)
	}

	data := filepath.Join(t.TempDir(), "data")
	if r := runCLI(t, nil, "restore", "--from", file, "--dir", data); r.code != 0 || !strings.Contains(r.stdout, "restored ") {
		t.Fatalf("restore: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	restored := startRedoubt(t, "--dir", data, "--save", "")
	compareDatasets(t, "restored from the backup", dataset(t, dial(t, restored.addr)), want)
	restored.kill()

	// A second restore over the file is refused, unless forced; forced, the old file stays.
	if r := runCLI(t, nil, "restore", "--from", file, "--dir", data); r.code != 1 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("restore over an existing file: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "restore", "--from", file, "--dir", data, "--force"); r.code != 0 || !strings.Contains(r.stdout, "dump.rdb.before-restore-") {
		t.Errorf("restore --force: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestBackupRetention: four backups with --keep 2 leave exactly the two newest pairs.
func TestBackupRetention(t *testing.T) {
	src := startRedoubt(t, "--save", "")
	c := dial(t, src.addr)
	dir := t.TempDir()
	var made []string
	for i := range 4 {
		c.do("SET", "run", strconv.Itoa(i))
		r := runCLI(t, nil, "backup", "--port", strconv.Itoa(src.port), "--dir", dir, "--keep", "2")
		made = append(made, filepath.Base(backupPath(t, r)))
	}
	want := []string{made[2], made[2] + ".sha256", made[3], made[3] + ".sha256"}
	if got := backupFiles(t, dir); !slices.Equal(got, want) {
		t.Fatalf("after 4 backups with --keep 2: %q, want %q", got, want)
	}
}

// TestBackupFromRedis: backups of Redis 7.0 in both of its framings (diskless with the end
// mark and keepalives during repl-diskless-sync-delay; disk-based with a length) restore into
// a Redoubt that answers like the Redis did.
func TestBackupFromRedis(t *testing.T) {
	for _, diskless := range []string{"yes", "no"} {
		t.Run("repl-diskless-sync "+diskless, func(t *testing.T) {
			redis := startRedis(t, "--dir", t.TempDir(), "--repl-diskless-sync", diskless)
			rc := dial(t, redis.addr)
			fillTypes(t, rc, 0, 9)
			want := dataset(t, rc)
			dir := t.TempDir()
			file := backupPath(t, runCLI(t, nil, "backup", "--port", strconv.Itoa(redis.port), "--dir", dir))
			data := t.TempDir()
			if r := runCLI(t, nil, "restore", "--from", file, "--dir", data); r.code != 0 {
				t.Fatalf("restore: exit %d\n%s", r.code, r.stderr)
			}
			restored := startRedoubt(t, "--dir", data, "--save", "")
			compareDatasets(t, "Redoubt restored from a Redis backup", dataset(t, dial(t, restored.addr)), want)
		})
	}
}

// TestBackupRefusedLeavesNothing: a wrong password and a user without @admin fail with exit
// code 1 and the server's reason, and leave no file; a user granted only REPLCONF and SYNC
// is enough.
func TestBackupRefusedLeavesNothing(t *testing.T) {
	src := startRedoubt(t, "--requirepass", "s3cret", "--save", "")
	c := dial(t, src.addr)
	c.do("AUTH", "s3cret")
	c.do("SET", "k", "v")
	for _, setuser := range [][]string{
		{"ACL", "SETUSER", "reader", "on", ">readpw", "~*", "&*", "+@all", "-@admin"},
		{"ACL", "SETUSER", "backup", "on", ">backuppw", "-@all", "+replconf", "+sync"},
	} {
		if r := c.do(setuser...); r != "+OK\r\n" {
			t.Fatalf("%v: %q", setuser, r)
		}
	}
	port := strconv.Itoa(src.port)
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"wrong password", []string{"REDOUBT_AUTH=wrong"}, nil, "WRONGPASS"},
		{"no password", nil, nil, "NOAUTH"},
		{"user without @admin", []string{"REDOUBT_AUTH=readpw"}, []string{"--user", "reader"}, "NOPERM"},
		{"user without a password", nil, []string{"--user", "reader"}, "REDOUBT_AUTH"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runCLI(t, tc.env, append([]string{"backup", "--port", port, "--dir", dir}, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, tc.want)
			}
			if strings.Contains(r.stderr+r.stdout, "readpw") {
				t.Errorf("the password was printed: %q", r.stderr)
			}
			if got := backupFiles(t, dir); len(got) != 0 {
				t.Errorf("left behind: %q", got)
			}
		})
	}
	r := runCLI(t, []string{"REDOUBT_AUTH=backuppw"}, "backup", "--port", port, "--user", "backup", "--dir", t.TempDir())
	backupPath(t, r)
}

// TestBackupServerKilledMidTransfer: the server dies while the snapshot streams; the backup
// fails and nothing of it stays.
func TestBackupServerKilledMidTransfer(t *testing.T) {
	src := startRedoubt(t, "--save", "")
	c := dial(t, src.addr)
	const keys, perCmd = 300000, 1000
	for i := 0; i < keys; i += perCmd * 20 {
		var cmds [][]string
		for j := i; j < i+perCmd*20 && j < keys; j += perCmd {
			mset := []string{"MSET"}
			for k := j; k < j+perCmd; k++ {
				mset = append(mset, fmt.Sprint("key:", k), randomHex(t, 100)) // incompressible
			}
			cmds = append(cmds, mset)
		}
		for _, r := range c.pipeline(cmds) {
			if r != "+OK\r\n" {
				t.Fatalf("MSET: %q", r)
			}
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(redoubtBin, "backup", "--port", strconv.Itoa(src.port), "--dir", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var err error
	exited := make(chan struct{})
	go func() { err = cmd.Wait(); close(exited) }()
	if !waitPartial(dir, 1<<20, exited) {
		t.Fatalf("the transfer finished before the server could be killed: make the dataset larger (%s)", stderr.String())
	}
	src.kill()
	select {
	case <-exited:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("backup still running a minute after the server died")
	}
	t.Logf("backup after the kill: %s", strings.TrimSpace(stderr.String()))
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("backup: %v, want exit code 1; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "before its end mark") && !strings.Contains(stderr.String(), "connection reset") {
		t.Errorf("stderr %q does not say the stream was cut", stderr.String())
	}
	if got := backupFiles(t, dir); len(got) != 0 {
		t.Errorf("left behind: %q", got)
	}
}

// waitPartial waits until a temporary backup file in dir holds at least n bytes; false when
// the backup process exits first.
func waitPartial(dir string, n int64, exited <-chan struct{}) bool {
	for {
		select {
		case <-exited:
			return false
		default:
		}
		matches, _ := filepath.Glob(filepath.Join(dir, ".tmp-*.rdb"))
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.Size() >= n {
				return true
			}
		}
		time.Sleep(time.Millisecond)
	}
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestBackupTransports: over TLS with a client certificate, and over a unix socket.
func TestBackupTransports(t *testing.T) {
	certs := tlsFiles(t, "backup")
	p := startTLS(t, certs)
	dial(t, p.addr).do("SET", "over", "tls")
	tlsArgs := []string{"backup", "--tls", "--port", strconv.Itoa(p.tlsPort),
		"--cacert", filepath.Join(certs, "ca.crt"),
		"--cert", filepath.Join(certs, "backup.crt"), "--key", filepath.Join(certs, "backup.key")}
	backupPath(t, runCLI(t, nil, append(tlsArgs, "--dir", t.TempDir())...))
	backupPath(t, runCLI(t, nil, append(tlsArgs, "--sni", "localhost", "--dir", t.TempDir())...))
	if r := runCLI(t, nil, append(tlsArgs, "--sni", "db.example.com", "--dir", t.TempDir())...); r.code != 1 || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("a server certificate for another name: exit %d, %q", r.code, r.stderr)
	}

	sockDir, err := os.MkdirTemp("", "rdbt") // short: sun_path holds 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "redoubt.sock")
	u := startRedoubt(t, "--unixsocket", sock, "--unixsocketperm", "700", "--save", "")
	dial(t, u.addr).do("SET", "over", "unix")
	backupPath(t, runCLI(t, nil, "backup", "--unix", sock, "--dir", t.TempDir()))
}
