package aof

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// aofBase returns a writeBase that writes the given commands.
func aofBase(cmds ...[][]byte) func(io.Writer) error {
	return func(w io.Writer) error {
		k := NewKeyWriter(w)
		for _, c := range cmds {
			if err := k.Command(c...); err != nil {
				return err
			}
		}
		return nil
	}
}

func mustCreate(t *testing.T, cfg Config, cmds ...[][]byte) *Log {
	t.Helper()
	l, err := Create(cfg, aofBase(cmds...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendCommit(t *testing.T, l *Log, db int, args ...string) uint64 {
	t.Helper()
	seq := l.Append(db, [][][]byte{cmd(args...)})
	if err := l.Commit(seq); err != nil {
		t.Fatalf("Commit(%v): %v", args, err)
	}
	return seq
}

const incr1 = dir + "/appendonly.aof.1.incr.aof"

func TestCreateAppendLoad(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	l := mustCreate(t, cfg, cmd("SELECT", "0"), cmd("SET", "base", "1"))
	appendCommit(t, l, 0, "SET", "a", "1")
	appendCommit(t, l, 0, "SET", "b", "2")
	seq := l.Append(3, [][][]byte{cmd("MULTI"), cmd("INCR", "n"), cmd("EXEC")})
	if err := l.Commit(seq); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	wantIncr := resp("SELECT", "0") + resp("SET", "a", "1") + resp("SET", "b", "2") + resp("SELECT", "3") + resp("MULTI") + resp("INCR", "n") + resp("EXEC")
	if got := string(fsys.content(incr1)); got != wantIncr {
		t.Fatalf("incr file %q, want %q", got, wantIncr)
	}
	wantManifest := "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	if got := string(fsys.content(dir + "/appendonly.aof.manifest")); got != wantManifest {
		t.Fatalf("manifest %q, want %q", got, wantManifest)
	}
	r, _ := loadAll(t, cfg, false)
	want := []string{"SELECT 0", "SET base 1", "SELECT 0", "SET a 1", "SET b 2", "SELECT 3", "INCR n"}
	if !slices.Equal(r.cmds, want) {
		t.Fatalf("loaded %q, want %q", r.cmds, want)
	}
	if got := fsys.names(dir); !slices.Equal(got, []string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}) {
		t.Fatalf("directory holds %q", got)
	}
}

func TestAppendAnnotations(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	cfg.Timestamps = true
	now := int64(100)
	cfg.Now = func() time.Time { return time.Unix(now, 0) }
	l := mustCreate(t, cfg)
	appendCommit(t, l, 0, "SET", "a", "1")
	appendCommit(t, l, 0, "SET", "b", "1")
	now = 101
	appendCommit(t, l, 1, "SET", "c", "1")
	l.Append(1, nil) // nothing to log: no annotation either
	now = 102
	appendCommit(t, l, -1, "FLUSHALL")
	want := "#TS:100\r\n" + resp("SELECT", "0") + resp("SET", "a", "1") + resp("SET", "b", "1") +
		"#TS:101\r\n" + resp("SELECT", "1") + resp("SET", "c", "1") + "#TS:102\r\n" + resp("FLUSHALL")
	if got := string(fsys.content(incr1)); got != want {
		t.Fatalf("incr file %q, want %q", got, want)
	}
}

func TestOpenContinuesTheLastIncrFile(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	l := mustCreate(t, cfg)
	appendCommit(t, l, 2, "SET", "a", "1")
	l.Close()
	l2, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	appendCommit(t, l2, 2, "SET", "b", "1")
	if st := l2.Stats(); st.CurrentSize != int64(len(fsys.content(incr1))) || st.BaseSize != 0 {
		t.Fatalf("stats %+v, incr file has %d bytes", st, len(fsys.content(incr1)))
	}
	l2.Close()
	// A new process writes SELECT again: it cannot know what the file selected last.
	want := resp("SELECT", "2") + resp("SET", "a", "1") + resp("SELECT", "2") + resp("SET", "b", "1")
	if got := string(fsys.content(incr1)); got != want {
		t.Fatalf("incr file %q, want %q", got, want)
	}
}

func TestOpenWithNothingCreatesALayout(t *testing.T) {
	for _, preamble := range []bool{false, true} {
		t.Run(fmt.Sprintf("rdb-preamble=%v", preamble), func(t *testing.T) {
			fsys := newMemFS()
			fsys.dirs["/data"] = true
			cfg := testConfig(fsys, nil)
			cfg.RDBPreamble = preamble
			l, err := Open(cfg)
			if err != nil {
				t.Fatal(err)
			}
			appendCommit(t, l, 0, "SET", "a", "1")
			l.Close()
			base := "appendonly.aof.1.base.aof"
			if preamble {
				base = "appendonly.aof.1.base.rdb"
			}
			if got := fsys.names(dir); !slices.Equal(got, []string{base, "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"}) {
				t.Fatalf("directory holds %q", got)
			}
			r, _ := loadAll(t, cfg, false)
			if len(r.rdbs) != boolInt(preamble) || (preamble && len(rdbKeys(t, r.rdbs[0])) != 0) {
				t.Fatalf("base: %d RDBs", len(r.rdbs))
			}
			if !slices.Equal(r.cmds, []string{"SELECT 0", "SET a 1"}) {
				t.Fatalf("loaded %q", r.cmds)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestOpenUpgradesALegacyFile(t *testing.T) {
	legacy := resp("SET", "old", "1")
	fsys := layoutFS(map[string]string{"appendonly.aof": legacy})
	cfg := testConfig(fsys, nil)
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	appendCommit(t, l, 0, "SET", "new", "1")
	l.Close()
	if fsys.content("/data/appendonly.aof") != nil || string(fsys.content(dir+"/appendonly.aof")) != legacy {
		t.Fatal("the legacy file was not moved into the directory")
	}
	want := "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	if got := string(fsys.content(dir + "/appendonly.aof.manifest")); got != want {
		t.Fatalf("manifest %q, want %q", got, want)
	}
	r, info := loadAll(t, cfg, false)
	if info.Legacy || !slices.Equal(r.cmds, []string{"SET old 1", "SELECT 0", "SET new 1"}) {
		t.Fatalf("loaded %+v %q", info, r.cmds)
	}
}

// A crash at any step of the upgrade leaves a layout that loads the legacy file's commands
// exactly once, and that the next Open completes.
func TestLegacyUpgradeCrashPoints(t *testing.T) {
	legacy := resp("SET", "old", "1")
	for n := 0; ; n++ {
		fsys := layoutFS(map[string]string{"appendonly.aof": legacy})
		fsys.hook = failAfter(n)
		l, err := Open(testConfig(fsys, nil))
		if err == nil {
			l.Close()
			if n == 0 {
				t.Fatal("Open did nothing that could fail")
			}
			return
		}
		restarted := fsys.clone()
		cfg := testConfig(restarted, nil)
		r, _ := loadAll(t, cfg, false)
		if !slices.Equal(r.cmds, []string{"SET old 1"}) {
			t.Fatalf("crash after %d operations: loaded %q", n, r.cmds)
		}
		l, err = Open(cfg)
		if err != nil {
			t.Fatalf("crash after %d operations: reopening: %v", n, err)
		}
		l.Close()
		if r, _ = loadAll(t, cfg, false); !slices.Equal(r.cmds, []string{"SET old 1"}) {
			t.Fatalf("crash after %d operations, reopened: loaded %q", n, r.cmds)
		}
	}
}

// Under always, concurrent commits share fsyncs, and none returns before an fsync covered
// its bytes.
func TestGroupCommit(t *testing.T) {
	fsys := newMemFS()
	fsys.syncDelay = 2 * time.Millisecond
	cfg := testConfig(fsys, nil)
	cfg.Fsync = FsyncAlways
	l := mustCreate(t, cfg)
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq := l.Append(0, [][][]byte{cmd("SET", fmt.Sprint("k", i), "v")})
			if err := l.Commit(seq); err != nil {
				t.Error(err)
				return
			}
			fsys.note("commit", incr1, int(seq))
		}()
	}
	wg.Wait()
	syncs := fsys.syncCount(incr1)
	if syncs >= n || syncs == 0 {
		t.Fatalf("%d fsyncs for %d concurrent commits", syncs, n)
	}
	synced, commits := 0, 0
	for _, e := range fsys.events {
		switch {
		case e.path != incr1:
		case e.op == "sync":
			synced = e.size
		case e.op == "commit":
			commits++
			if e.size > synced {
				t.Fatalf("a commit of offset %d returned when only %d bytes were fsynced", e.size, synced)
			}
		}
	}
	if commits != n {
		t.Fatalf("%d commits recorded", commits)
	}
	t.Logf("%d commits, %d fsyncs", n, syncs)
}

func TestWriteFailsWithENOSPC(t *testing.T) {
	for _, truncateFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("truncate-fails=%v", truncateFails), func(t *testing.T) {
			fsys := newMemFS()
			logs := &logLines{}
			cfg := testConfig(fsys, logs)
			cfg.tick = time.Hour
			l := mustCreate(t, cfg)
			appendCommit(t, l, 0, "SET", "a", "1")
			before := string(fsys.content(incr1))
			fsys.mu.Lock()
			fsys.space = fsys.used() + 5
			if truncateFails {
				fsys.hook = func(op, _ string) error {
					if op == "truncate" {
						return syscall.EIO
					}
					return nil
				}
			}
			fsys.mu.Unlock()
			seq := l.Append(0, [][][]byte{cmd("SET", "b", "2")})
			err := l.Commit(seq)
			if !errors.Is(err, syscall.ENOSPC) || !errors.Is(l.Err(), syscall.ENOSPC) || !errors.Is(l.Stats().WriteErr, syscall.ENOSPC) {
				t.Fatalf("Commit: %v, Err: %v", err, l.Err())
			}
			got := string(fsys.content(incr1))
			if !truncateFails && got != before {
				t.Fatalf("after the failed write the file is %q, want the previous %q", got, before)
			}
			if truncateFails && len(got) != len(before)+5 {
				t.Fatalf("the short write that could not be undone left %d bytes, want %d", len(got), len(before)+5)
			}
			if !logs.has("Error writing to the AOF file") {
				t.Fatalf("no warning: %q", logs.lines)
			}
			seq = l.Append(0, [][][]byte{cmd("SET", "c", "3")})
			fsys.mu.Lock()
			fsys.space, fsys.hook = -1, nil
			fsys.mu.Unlock()
			if err := l.Commit(seq); err != nil || l.Err() != nil {
				t.Fatalf("after space returned: Commit %v, Err %v", err, l.Err())
			}
			want := before + resp("SET", "b", "2") + resp("SET", "c", "3")
			if got := string(fsys.content(incr1)); got != want {
				t.Fatalf("file %q, want %q", got, want)
			}
			if !logs.has("looks solved") {
				t.Fatalf("no recovery notice: %q", logs.lines)
			}
		})
	}
}

// The background loop retries a failed write on its own: the server refuses writes while
// Err is set, so no Commit may come to do it.
func TestLoopRetriesFailedWrite(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	cfg.tick = 5 * time.Millisecond
	l := mustCreate(t, cfg)
	fsys.mu.Lock()
	fsys.space = 0
	fsys.mu.Unlock()
	if err := l.Commit(l.Append(0, [][][]byte{cmd("SET", "a", "1")})); err == nil {
		t.Fatal("the write succeeded with no space")
	}
	fsys.mu.Lock()
	fsys.space = -1
	fsys.mu.Unlock()
	waitFor(t, func() bool { return l.Err() == nil })
	if got, want := string(fsys.content(incr1)), resp("SELECT", "0")+resp("SET", "a", "1"); got != want {
		t.Fatalf("file %q, want %q", got, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
	}
}

func TestFsyncFailure(t *testing.T) {
	fsys := newMemFS()
	logs := &logLines{}
	cfg := testConfig(fsys, logs)
	cfg.Fsync = FsyncAlways
	cfg.tick = time.Hour
	l := mustCreate(t, cfg)
	appendCommit(t, l, 0, "SET", "a", "1")
	fsys.mu.Lock()
	fsys.syncErr = syscall.EIO
	fsys.mu.Unlock()
	err := l.Commit(l.Append(0, [][][]byte{cmd("SET", "b", "1")}))
	if !errors.Is(err, syscall.EIO) || !errors.Is(l.Err(), syscall.EIO) || !errors.Is(l.Stats().FsyncErr, syscall.EIO) {
		t.Fatalf("Commit %v, Err %v", err, l.Err())
	}
	fsys.mu.Lock()
	fsys.syncErr = nil
	fsys.mu.Unlock()
	appendCommit(t, l, 0, "SET", "c", "1")
	if l.Err() != nil || !logs.has("fsync error looks solved") {
		t.Fatalf("Err %v after a good fsync; log %q", l.Err(), logs.lines)
	}
	if got := fsys.syncedLen(incr1); got != len(fsys.content(incr1)) {
		t.Fatalf("%d bytes synced of %d", got, len(fsys.content(incr1)))
	}
}

func TestEverysecAndNo(t *testing.T) {
	for _, policy := range []string{FsyncEverySec, FsyncNo} {
		t.Run(policy, func(t *testing.T) {
			fsys := newMemFS()
			fsys.syncDelay = 20 * time.Millisecond
			cfg := testConfig(fsys, nil)
			cfg.Fsync = policy
			cfg.tick = 5 * time.Millisecond
			l := mustCreate(t, cfg)
			seq := appendCommit(t, l, 0, "SET", "a", "1")
			if policy == FsyncNo {
				time.Sleep(50 * time.Millisecond)
				if n := fsys.syncCount(incr1); n != 0 {
					t.Fatalf("%d fsyncs under appendfsync no", n)
				}
				return
			}
			waitFor(t, func() bool { return fsys.syncedLen(incr1) >= int(seq) && l.Stats().UnsyncedBytes == 0 })
			if l.Stats().LastFsync.IsZero() {
				t.Fatal("LastFsync not set")
			}
		})
	}
}

// Under everysec a write waits for a running fsync, at most postponeLimit, then goes ahead
// and counts a delayed fsync.
func TestDelayedFsync(t *testing.T) {
	for _, release := range []bool{false, true} {
		t.Run(fmt.Sprintf("fsync-ends-first=%v", release), func(t *testing.T) {
			fsys := newMemFS()
			logs := &logLines{}
			cfg := testConfig(fsys, logs)
			cfg.tick = 5 * time.Millisecond
			cfg.postponeLimit = 100 * time.Millisecond
			l := mustCreate(t, cfg)
			gate := make(chan struct{})
			fsys.mu.Lock()
			fsys.syncGate = gate
			fsys.mu.Unlock()
			appendCommit(t, l, 0, "SET", "a", "1")
			waitFor(t, func() bool { return l.Stats().PendingFsync })
			if release {
				time.AfterFunc(20*time.Millisecond, func() { close(gate) })
			}
			start := time.Now()
			seq := appendCommit(t, l, 0, "SET", "b", "1")
			waited := time.Since(start)
			if len(fsys.content(incr1)) < int(seq) {
				t.Fatal("Commit returned before the write")
			}
			st := l.Stats()
			if release {
				if st.DelayedFsync != 0 || waited > 90*time.Millisecond {
					t.Fatalf("delayed %d after %v though the fsync ended at 20ms", st.DelayedFsync, waited)
				}
				return
			}
			if st.DelayedFsync != 1 || waited < 100*time.Millisecond || !logs.has("fsync is taking too long") {
				t.Fatalf("delayed %d after %v; log %q", st.DelayedFsync, waited, logs.lines)
			}
			fsys.mu.Lock()
			fsys.syncGate = nil
			fsys.mu.Unlock()
			close(gate)
		})
	}
}

func TestSetFsyncAlways(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	cfg.tick = time.Hour
	l := mustCreate(t, cfg)
	seq := appendCommit(t, l, 0, "SET", "a", "1")
	if fsys.syncedLen(incr1) >= int(seq) {
		t.Fatal("everysec fsynced in Commit")
	}
	l.SetFsync(FsyncAlways)
	seq = appendCommit(t, l, 0, "SET", "b", "1")
	if fsys.syncedLen(incr1) < int(seq) {
		t.Fatal("always did not fsync in Commit")
	}
	l.SetFsync("sometimes") // ignored
	if l.policy != FsyncAlways {
		t.Fatalf("policy %q", l.policy)
	}
}

func TestCloseWritesEverythingAndLoopWritesUncommitted(t *testing.T) {
	fsys := newMemFS()
	cfg := testConfig(fsys, nil)
	cfg.tick = 5 * time.Millisecond
	l := mustCreate(t, cfg)
	l.Append(0, [][][]byte{cmd("DEL", "expired")}) // as active expiry does, with no client
	waitFor(t, func() bool { return len(fsys.content(incr1)) > 0 })
	seq := l.Append(0, [][][]byte{cmd("SET", "a", "1")})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if fsys.syncedLen(incr1) != int(seq) || string(fsys.content(incr1)) != resp("SELECT", "0")+resp("DEL", "expired")+resp("SET", "a", "1") {
		t.Fatalf("after Close: %q, %d synced", fsys.content(incr1), fsys.syncedLen(incr1))
	}
	if err := l.Commit(seq); err != nil {
		t.Fatalf("Commit of bytes Close wrote: %v", err)
	}
	if err := l.Commit(l.Append(0, [][][]byte{cmd("SET", "late", "1")})); !errors.Is(err, ErrClosed) {
		t.Fatalf("Commit after Close: %v", err)
	}
	if err := l.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []Config{
		{FileName: "../x"}, {DirName: "a/b"}, {Fsync: "sometimes"}, {FileName: ".."},
	} {
		c.FS = newMemFS()
		if _, err := Open(c); err == nil {
			t.Errorf("Open accepted %+v", c)
		}
		if _, err := Load(c, false, &recorder{}); err == nil {
			t.Errorf("Load accepted %+v", c)
		}
	}
}

// On the real filesystem the directory is private to the server's user, and so are the
// files.
func TestOSPermissions(t *testing.T) {
	tmp := t.TempDir()
	l, err := Create(Config{Dir: tmp}, aofBase(cmd("SET", "a", "1")))
	if err != nil {
		t.Fatal(err)
	}
	appendCommit(t, l, 0, "SET", "b", "1")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(tmp, "appendonlydir"))
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, %v", st.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Join(tmp, "appendonlydir"))
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), info.Mode())
		}
		if strings.HasPrefix(e.Name(), "temp-") {
			t.Errorf("temp file %s left", e.Name())
		}
	}
	r, _ := loadAll(t, Config{Dir: tmp}, false)
	if !slices.Equal(r.cmds, []string{"SET a 1", "SELECT 0", "SET b 1"}) {
		t.Fatalf("loaded %q", r.cmds)
	}
}
