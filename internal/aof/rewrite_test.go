package aof

import (
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func manifestText(fsys *memFS) string { return string(fsys.content(dir + "/appendonly.aof.manifest")) }

func TestRewriteCommit(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	l := mustCreate(t, cfg, cmd("SET", "base", "1"))
	appendCommit(t, l, 0, "SET", "a", "1")
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	want := "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	if got := manifestText(fsys); got != want {
		t.Fatalf("manifest during the rewrite %q, want %q", got, want)
	}
	if _, err := l.BeginRewrite(); !errors.Is(err, ErrRewriteInProgress) {
		t.Fatalf("second BeginRewrite: %v", err)
	}
	appendCommit(t, l, 0, "SET", "b", "2")
	k := NewKeyWriter(rw.Base())
	k.Select(0)
	k.Command(cmd("SET", "base", "1")...)
	k.Command(cmd("SET", "a", "1")...)
	if !l.Stats().RewriteInProgress {
		t.Fatal("no rewrite in progress")
	}
	if err := rw.Commit(); err != nil {
		t.Fatal(err)
	}
	want = "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	if got := manifestText(fsys); got != want {
		t.Fatalf("manifest after the rewrite %q, want %q", got, want)
	}
	if got := fsys.names(dir); !slices.Equal(got, []string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}) {
		t.Fatalf("directory holds %q", got)
	}
	st := l.Stats()
	baseLen := len(fsys.content(dir + "/appendonly.aof.2.base.aof"))
	if st.RewriteInProgress || !st.LastRewriteOK || st.Rewrites != 1 || st.BaseSize != int64(baseLen) ||
		st.CurrentSize != int64(baseLen+len(fsys.content(dir+"/appendonly.aof.2.incr.aof"))) || st.LastRewriteTime < 0 {
		t.Fatalf("stats %+v", st)
	}
	appendCommit(t, l, 0, "SET", "c", "3")
	l.Close()
	r, _ := loadAll(t, cfg, false)
	wantCmds := []string{"SELECT 0", "SET base 1", "SET a 1", "SELECT 0", "SET b 2", "SET c 3"}
	if !slices.Equal(r.cmds, wantCmds) {
		t.Fatalf("loaded %q, want %q", r.cmds, wantCmds)
	}
}

func TestRewriteAbortKeepsEverything(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	l := mustCreate(t, cfg, cmd("SET", "base", "1"))
	appendCommit(t, l, 0, "SET", "a", "1")
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	rw.Base().Write([]byte(resp("SET", "partial", "snapshot")))
	appendCommit(t, l, 0, "SET", "b", "1")
	rw.Abort()
	rw.Abort() // harmless
	if err := rw.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	st := l.Stats()
	if st.RewriteInProgress || st.LastRewriteOK || st.RewriteFailures != 1 {
		t.Fatalf("stats after abort %+v", st)
	}
	for _, name := range fsys.names(dir) {
		if strings.HasPrefix(name, "temp-") {
			t.Fatalf("temp file %s left by Abort", name)
		}
	}
	appendCommit(t, l, 0, "SET", "c", "1")
	r, _ := loadAll(t, cfg, false)
	want := []string{"SET base 1", "SELECT 0", "SET a 1", "SELECT 0", "SET b 1", "SET c 1"}
	if !slices.Equal(r.cmds, want) {
		t.Fatalf("loaded %q, want %q", r.cmds, want)
	}
	// The next rewrite replaces all three incr files.
	rw, err = l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	NewKeyWriter(rw.Base()).Command(cmd("SET", "snapshot", "1")...)
	if err := rw.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, want := manifestText(fsys), "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n"; got != want {
		t.Fatalf("manifest %q, want %q", got, want)
	}
	if got := fsys.names(dir); len(got) != 3 {
		t.Fatalf("history not deleted: %q", got)
	}
	if st := l.Stats(); st.RewriteFailures != 0 || !st.LastRewriteOK {
		t.Fatalf("stats %+v", st)
	}
}

func TestRewriteWithRDBBase(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	cfg.RDBPreamble = true
	first := testRDB(t, map[string]string{"a": "1"})
	l, err := Create(cfg, func(w io.Writer) error { _, err := w.Write(first); return err })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendCommit(t, l, 0, "SET", "b", "2")
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	second := testRDB(t, map[string]string{"a": "1", "b": "2"})
	rw.Base().Write(second)
	if err := rw.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, want := manifestText(fsys), "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"; got != want {
		t.Fatalf("manifest %q, want %q", got, want)
	}
	r, _ := loadAll(t, cfg, false)
	if len(r.rdbs) != 1 || !maps.Equal(rdbKeys(t, r.rdbs[0]), map[string]string{"a": "1", "b": "2"}) || len(r.cmds) != 0 {
		t.Fatalf("loaded %d RDBs, commands %q", len(r.rdbs), r.cmds)
	}
}

// Under always, bytes BeginRewrite wrote to the old incr file are fsynced before their
// Commit returns, although appends have moved to the new file.
func TestRewriteSyncsTheRetiredFile(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	cfg.Fsync = FsyncAlways
	cfg.tick = time.Hour
	l := mustCreate(t, cfg)
	seq := l.Append(0, [][][]byte{cmd("SET", "a", "1")})
	rw, err := l.BeginRewrite()
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Abort()
	if fsys.syncedLen(incr1) == len(fsys.content(incr1)) {
		t.Fatal("BeginRewrite fsynced under the server lock")
	}
	if err := l.Commit(seq); err != nil {
		t.Fatal(err)
	}
	if got, want := fsys.syncedLen(incr1), len(resp("SELECT", "0")+resp("SET", "a", "1")); got != want {
		t.Fatalf("old incr file: %d bytes fsynced, want %d", got, want)
	}
}

// pushList is the dataset of the crash tests: one list, grown by RPUSH list <i>.
func replayList(t *testing.T, cmds []string) []int {
	var list []int
	for _, c := range cmds {
		f := strings.Fields(c)
		if f[0] == "SELECT" {
			continue
		}
		if f[0] != "RPUSH" || f[1] != "list" {
			t.Fatalf("unexpected command %q", c)
		}
		for _, v := range f[2:] {
			n, _ := strconv.Atoi(v)
			list = append(list, n)
		}
	}
	return list
}

// rewriteScenario appends, rewrites, appends during and after, aborts a second rewrite,
// and stops at the first error: a crash. It returns how many pushes were acknowledged.
func rewriteScenario(fsys *memFS) (acked int, l *Log) {
	cfg := testConfig(fsys, nil)
	cfg.tick = time.Hour
	l, err := Create(cfg, aofBase())
	if err != nil {
		return 0, nil
	}
	next := 0
	push := func() bool {
		if l.Commit(l.Append(0, [][][]byte{cmd("RPUSH", "list", strconv.Itoa(next))})) != nil {
			return false
		}
		next++
		acked = next
		return true
	}
	if !push() || !push() || !push() {
		return acked, l
	}
	rw, err := l.BeginRewrite()
	if err != nil {
		return acked, l
	}
	snapshot := next
	if !push() || !push() {
		return acked, l
	}
	k := NewKeyWriter(rw.Base())
	k.Select(0)
	args := []string{"RPUSH", "list"}
	for i := range snapshot {
		args = append(args, strconv.Itoa(i))
	}
	k.Command(cmd(args...)...)
	if rw.Commit() != nil || !push() {
		return acked, l
	}
	if rw, err = l.BeginRewrite(); err != nil || !push() {
		return acked, l
	}
	rw.Abort()
	if !push() {
		return acked, l
	}
	if l.Close() != nil {
		return acked, l
	}
	return acked, nil
}

// A crash at any step of appending and rewriting leaves files that load every
// acknowledged command exactly once, in order, and that Open continues.
func TestRewriteCrashPoints(t *testing.T) {
	for n := 0; ; n++ {
		fsys := newMemFS()
		fsys.dirs["/data"] = true
		fsys.hook = failAfter(n)
		acked, l := rewriteScenario(fsys)
		restarted := fsys.clone()
		if l != nil {
			l.Close()
		}
		if l == nil && acked == 8 {
			if n < 20 {
				t.Fatalf("the scenario ran through after %d operations", n)
			}
			t.Logf("%d crash points", n)
			return
		}
		cfg := testConfig(restarted, nil)
		for round := range 2 {
			r := &recorder{}
			if _, err := Load(cfg, false, r); err != nil {
				t.Fatalf("crash after %d operations (round %d): %v", n, round, err)
			}
			list := replayList(t, r.cmds)
			for i, v := range list {
				if v != i {
					t.Fatalf("crash after %d operations (round %d): list %v is not 0..n in order", n, round, list)
				}
			}
			if len(list) < acked {
				t.Fatalf("crash after %d operations (round %d): %d acknowledged pushes, %d loaded", n, round, acked, len(list))
			}
			if round == 0 {
				l2, err := Open(cfg)
				if err != nil {
					t.Fatalf("crash after %d operations: reopening: %v", n, err)
				}
				l2.Close()
			}
		}
	}
}

func TestRewriteFailures(t *testing.T) {
	t.Run("manifest write fails at Commit", func(t *testing.T) {
		fsys := newMemFS()
		cfg := testConfig(fsys, nil)
		l := mustCreate(t, cfg, cmd("SET", "base", "1"))
		rw, err := l.BeginRewrite()
		if err != nil {
			t.Fatal(err)
		}
		NewKeyWriter(rw.Base()).Command(cmd("SET", "new", "1")...)
		fsys.mu.Lock()
		fsys.hook = func(op, path string) error {
			if op == "rename" && strings.HasSuffix(path, ".manifest") {
				return errors.New("disk on fire")
			}
			return nil
		}
		fsys.mu.Unlock()
		if err := rw.Commit(); err == nil {
			t.Fatal("Commit succeeded")
		}
		fsys.mu.Lock()
		fsys.hook = nil
		fsys.mu.Unlock()
		if st := l.Stats(); st.LastRewriteOK || st.RewriteInProgress {
			t.Fatalf("stats %+v", st)
		}
		if slices.Contains(fsys.names(dir), "appendonly.aof.2.base.aof") {
			t.Fatal("the unlisted new base was left behind")
		}
		appendCommit(t, l, 0, "SET", "after", "1")
		r, _ := loadAll(t, cfg, false)
		if want := []string{"SET base 1", "SELECT 0", "SET after 1"}; !slices.Equal(r.cmds, want) {
			t.Fatalf("loaded %q, want %q", r.cmds, want)
		}
	})
	t.Run("base write fails", func(t *testing.T) {
		fsys := newMemFS()
		l := mustCreate(t, testConfig(fsys, nil))
		rw, err := l.BeginRewrite()
		if err != nil {
			t.Fatal(err)
		}
		fsys.mu.Lock()
		fsys.space = fsys.used()
		fsys.mu.Unlock()
		rw.Base().Write(make([]byte, 100<<10))
		if err := rw.Commit(); err == nil || l.Stats().LastRewriteOK {
			t.Fatalf("Commit %v, stats %+v", err, l.Stats())
		}
	})
	t.Run("after Close", func(t *testing.T) {
		l := mustCreate(t, testConfig(newMemFS(), nil))
		rw, err := l.BeginRewrite()
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		if err := rw.Commit(); !errors.Is(err, ErrClosed) {
			t.Fatalf("Commit after Close: %v", err)
		}
		if _, err := l.BeginRewrite(); !errors.Is(err, ErrClosed) {
			t.Fatalf("BeginRewrite after Close: %v", err)
		}
	})
}

// TestNoFsyncOnRewrite: with no-appendfsync-on-rewrite, commits under always skip the fsync
// while a rewrite runs (Redis's documented trade), and fsync again once it ends; without the
// option every commit fsyncs.
func TestNoFsyncOnRewrite(t *testing.T) {
	for _, skip := range []bool{false, true} {
		fsys := newMemFS()
		cfg := testConfig(fsys, nil)
		cfg.Fsync, cfg.NoFsyncOnRewrite = FsyncAlways, skip
		l := mustCreate(t, cfg, cmd("SET", "base", "1"))
		rw, err := l.BeginRewrite()
		if err != nil {
			t.Fatal(err)
		}
		incr := dir + "/appendonly.aof.2.incr.aof"
		before := fsys.syncCount(incr)
		appendCommit(t, l, 0, "SET", "during", "1")
		if got := fsys.syncCount(incr) - before; skip != (got == 0) {
			t.Fatalf("skip=%v: %d fsyncs for a commit during the rewrite", skip, got)
		}
		rw.Abort()
		appendCommit(t, l, 0, "SET", "after", "1")
		if fsys.syncedLen(incr) != len(fsys.content(incr)) {
			t.Fatalf("skip=%v: the commit after the rewrite did not fsync everything", skip)
		}
		l.Close()
	}
}

// TestCreateInBackground: CONFIG SET appendonly yes's layout. Until the first base commits,
// nothing on disk names the new files (a crash then must load the previous layout), and a
// layout that never got its base leaves no incr file behind.
func TestCreateInBackground(t *testing.T) {
	for _, tc := range []struct {
		name       string
		previous   bool // a layout from an earlier appendonly yes is on disk
		commit     bool
		wantLoaded []string
		wantFiles  []string
	}{
		{"commit on an empty dir", false, true,
			[]string{"SELECT 0", "SET snap 1", "SELECT 0", "SET during 1", "SET after 1"},
			[]string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}},
		{"commit replaces a previous layout", true, true,
			[]string{"SELECT 0", "SET snap 1", "SELECT 0", "SET during 1", "SET after 1"},
			[]string{"appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}},
		{"closed before the base: the previous layout stays", true, false,
			[]string{"SELECT 0", "SET old 1"},
			[]string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}},
		{"closed before the base: nothing left", false, false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := newMemFS()
			cfg := testConfig(fsys, nil)
			if tc.previous {
				old := mustCreate(t, cfg)
				appendCommit(t, old, 0, "SET", "old", "1")
				old.Close()
			}
			before := manifestText(fsys)
			l, rw, err := CreateInBackground(cfg)
			if err != nil {
				t.Fatal(err)
			}
			appendCommit(t, l, 0, "SET", "during", "1")
			if got := manifestText(fsys); got != before {
				t.Fatalf("manifest changed before the base was written: %q, was %q", got, before)
			}
			if !l.Stats().RewriteInProgress {
				t.Fatal("the first base is not reported as a rewrite in progress")
			}
			if tc.commit {
				k := NewKeyWriter(rw.Base())
				k.Select(0)
				k.Command(cmd("SET", "snap", "1")...)
				if err := rw.Commit(); err != nil {
					t.Fatal(err)
				}
				appendCommit(t, l, 0, "SET", "after", "1")
			} else {
				rw.Abort()
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if got := fsys.names(dir); !slices.Equal(got, tc.wantFiles) {
				t.Fatalf("directory holds %q, want %q", got, tc.wantFiles)
			}
			if tc.wantFiles == nil {
				return
			}
			r, _ := loadAll(t, cfg, false)
			if !slices.Equal(r.cmds, tc.wantLoaded) {
				t.Fatalf("loaded %q, want %q", r.cmds, tc.wantLoaded)
			}
		})
	}
}
