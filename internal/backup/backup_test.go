package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// testRDB returns a valid RDB file with n string keys in database 0 and one in database 3.
func testRDB(t testing.TB, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := rdb.NewWriter(&b, rdb.WriterOptions{CTime: 1700000000})
	if err != nil {
		t.Fatal(err)
	}
	w.SelectDB(0, n, 0)
	for i := range n {
		o := keyspace.Object{Type: keyspace.TypeString, Str: []byte(fmt.Sprint("value-", i))}
		w.WriteKey(fmt.Sprint("key:", i), &o, -1)
	}
	w.SelectDB(3, 1, 0)
	o := keyspace.Object{Type: keyspace.TypeString, Str: []byte("x")}
	w.WriteKey("other-db", &o, -1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dirNames lists dir, without the lock file.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != lockName {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestBackupWritesVerifiedPair(t *testing.T) {
	file := testRDB(t, 50)
	srv := startFake(t, listenTCP(t), serveSnapshot(eofFramed(string(file))))
	dir := filepath.Join(t.TempDir(), "new", "backups")
	res, err := Backup(context.Background(), Options{Source: Source{Address: srv.addr}, Dir: dir, Keep: 3})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("backup directory mode %v (%v), want 0700", st.Mode(), err)
	}
	name := filepath.Base(res.Path)
	if got := dirNames(t, dir); !slices.Equal(got, []string{name, name + ".sha256"}) {
		t.Fatalf("directory holds %q", got)
	}
	if stampOf(name) == "" || filepath.Dir(res.Path) != dir {
		t.Errorf("backup path %q", res.Path)
	}
	for _, f := range []string{res.Path, res.Path + ".sha256"} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", f, st.Mode(), err)
		}
	}
	got, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, file) || res.Bytes != int64(len(file)) {
		t.Errorf("backup holds %d bytes, the server sent %d (result says %d)", len(got), len(file), res.Bytes)
	}
	if res.Keys != 51 {
		t.Errorf("keys %d, want 51", res.Keys)
	}
	sum := sha256.Sum256(got)
	line, _ := os.ReadFile(res.Path + ".sha256")
	if want := hex.EncodeToString(sum[:]) + "  " + name + "\n"; string(line) != want || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf(".sha256 holds %q (result %s), want %q", line, res.SHA256, want)
	}
}

// TestBackupNeverKeepsABadStream: whatever goes wrong, the directory is left as it was.
func TestBackupNeverKeepsABadStream(t *testing.T) {
	file := testRDB(t, 20)
	corrupt := bytes.Clone(file)
	corrupt[len(corrupt)/2] ^= 0xff
	cases := []struct {
		name    string
		reply   string
		maxSize int64
		want    string
	}{
		{"corrupt payload", eofFramed(string(corrupt)), 0, "not a valid RDB file"},
		{"truncated before the mark", "$EOF:" + testMark + "\r\n" + string(file[:len(file)-20]), 0, "before its end mark"},
		{"truncated length form", fmt.Sprintf("$%d\r\n%s", len(file), file[:100]), 0, "100 of"},
		{"not an RDB at all", eofFramed("hello world"), 0, "not a valid RDB file"},
		{"over the size limit", eofFramed(string(file)), 64, "larger than the limit"},
		{"refused", "-NOPERM this user has no permissions to run the 'sync' command\r\n", 0, "NOPERM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startFake(t, listenTCP(t), serveSnapshot(c.reply))
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "unrelated"), []byte("x"), 0o600)
			_, err := Backup(context.Background(), Options{Source: Source{Address: srv.addr}, Dir: dir, Keep: 1, MaxSize: c.maxSize})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if got := dirNames(t, dir); !slices.Equal(got, []string{"unrelated"}) {
				t.Errorf("left behind: %q", got)
			}
		})
	}
}

func TestBackupRefusals(t *testing.T) {
	srv := startFake(t, listenTCP(t), serveSnapshot(eofFramed(string(testRDB(t, 1)))))
	src := Source{Address: srv.addr}
	open := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o770)
	worldOpen := filepath.Join(t.TempDir(), "world")
	os.Mkdir(worldOpen, 0o700)
	os.Chmod(worldOpen, 0o703)
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o600)
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"group-writable directory", Options{Source: src, Dir: open, Keep: 1}, "writable by group or others"},
		{"world-writable directory", Options{Source: src, Dir: worldOpen, Keep: 1}, "writable by group or others"},
		{"not a directory", Options{Source: src, Dir: notDir, Keep: 1}, "not a directory"},
		{"keep zero", Options{Source: src, Dir: t.TempDir(), Keep: 0}, "keep must be at least 1"},
		{"no directory", Options{Source: src, Keep: 1}, "no backup directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Backup(context.Background(), c.o); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	if n := srv.connections(); n != 0 {
		t.Errorf("%d connections made for refused backups", n)
	}
}

func TestBackupLocksTheDirectory(t *testing.T) {
	srv := startFake(t, listenTCP(t), serveSnapshot(eofFramed(string(testRDB(t, 1)))))
	dir := t.TempDir()
	held, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Backup(context.Background(), Options{Source: Source{Address: srv.addr}, Dir: dir, Keep: 1})
	if err == nil || !strings.Contains(err.Error(), "another backup is running") {
		t.Fatalf("error %v, want the lock refusal", err)
	}
	held.Close()
	if _, err := Backup(context.Background(), Options{Source: Source{Address: srv.addr}, Dir: dir, Keep: 1}); err != nil {
		t.Fatalf("after the lock was released: %v", err)
	}
}

// TestBackupSameSecond: two backups in a row get distinct names (the second waits for the
// next second) and retention keeps both pairs.
func TestBackupSameSecond(t *testing.T) {
	srv := startFake(t, listenTCP(t), serveSnapshot(eofFramed(string(testRDB(t, 1)))))
	dir := t.TempDir()
	o := Options{Source: Source{Address: srv.addr}, Dir: dir, Keep: 5}
	first, err := Backup(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Backup(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if first.Path == second.Path || filepath.Base(second.Path) < filepath.Base(first.Path) {
		t.Fatalf("names %s then %s", first.Path, second.Path)
	}
	if got := len(dirNames(t, dir)); got != 4 {
		t.Errorf("%d files, want two pairs", got)
	}
}

// TestBackupPrunesAfterSuccessOnly: a failed run deletes nothing; a successful one keeps the
// newest Keep, counting itself.
func TestBackupPrunesAfterSuccessOnly(t *testing.T) {
	dir := t.TempDir()
	old := names([]string{".tmp-redoubt-20200103T000000Z.rdb"}, pair("20200101T000000Z"), pair("20200102T000000Z"))
	for _, f := range old {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
	}
	bad := startFake(t, listenTCP(t), serveSnapshot(eofFramed("garbage")))
	if _, err := Backup(context.Background(), Options{Source: Source{Address: bad.addr}, Dir: dir, Keep: 1}); err == nil {
		t.Fatal("a garbage snapshot was accepted")
	}
	if got := dirNames(t, dir); !slices.Equal(got, old) {
		t.Fatalf("a failed backup changed the directory: %q", got)
	}
	good := startFake(t, listenTCP(t), serveSnapshot(eofFramed(string(testRDB(t, 1)))))
	res, err := Backup(context.Background(), Options{Source: Source{Address: good.addr}, Dir: dir, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(res.Path)
	want := names(pair("20200102T000000Z"), []string{name, name + ".sha256"})
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("left %q, want %q", got, want)
	}
	if wantPruned := names([]string{".tmp-redoubt-20200103T000000Z.rdb"}, pair("20200101T000000Z")); !slices.Equal(res.Pruned, wantPruned) {
		t.Errorf("pruned %q, want %q", res.Pruned, wantPruned)
	}
}

func TestBackupInterrupted(t *testing.T) {
	srv := startFake(t, listenTCP(t), stallAfter("$EOF:"+testMark+"\r\nREDIS0010", 0, 0))
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := Backup(ctx, Options{Source: Source{Address: srv.addr}, Dir: dir, Keep: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("left behind: %q", got)
	}
}
