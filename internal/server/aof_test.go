package server

import (
	"io/fs"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/aof"
)

// faultyFS is the real filesystem whose writes fail with ENOSPC, or whose fsyncs fail with
// EIO, while switched on: a full disk and a failing disk, without needing either.
type faultyFS struct {
	aof.FS
	noSpace, badSync atomic.Bool
}

type faultyFile struct {
	aof.File
	fs *faultyFS
}

func (f *faultyFS) OpenFile(name string, flag int, perm fs.FileMode) (aof.File, error) {
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return faultyFile{file, f}, nil
}

func (f faultyFile) Write(p []byte) (int, error) {
	if f.fs.noSpace.Load() {
		return 0, &fs.PathError{Op: "write", Path: "appendonly", Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

func (f faultyFile) Sync() error {
	if f.fs.badSync.Load() {
		return &fs.PathError{Op: "fsync", Path: "appendonly", Err: syscall.EIO}
	}
	return f.File.Sync()
}

func openFaultyAOF(t *testing.T, policy string) (*Server, *faultyFS, string) {
	t.Helper()
	dir := t.TempDir()
	s := newTestServer(t, "--appendonly", "yes", "--appendfsync", policy, "--dir", dir)
	ffs := &faultyFS{FS: aof.OS}
	s.aofFS = ffs
	if err := s.loadData(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.closeAOF)
	return s, ffs, dir
}

// waitWritable waits for the log to recover (its background loop retries every tick).
func waitWritable(t *testing.T, s *Server) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		err := s.aof.Err()
		s.mu.Unlock()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the AOF did not recover: %v", err)
		}
	}
}

// TestAOFDiskFullRefusesWrites: with the disk full, the write in flight is not acknowledged
// under appendfsync always (its connection is dropped), later writes get Redis's -MISCONF,
// reads keep working, and once space returns the buffered write lands and nothing is lost.
func TestAOFDiskFullRefusesWrites(t *testing.T) {
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			s, ffs, dir := openFaultyAOF(t, policy)
			c := s.testClient()
			if got := c.do("SET", "a", "1"); got != "+OK\r\n" || c.commitAOF() != nil {
				t.Fatalf("SET before the fault: %q", got)
			}
			ffs.noSpace.Store(true)
			c.do("SET", "b", "2")
			err := c.commitAOF()
			if policy == "always" && err == nil {
				t.Fatal("appendfsync always acknowledged a write that is not on disk")
			}
			if policy == "everysec" && err != nil {
				t.Fatalf("everysec must acknowledge (the write is retried): %v", err)
			}
			want := "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
			if got := c.do("SET", "c", "3"); got != want {
				t.Fatalf("write while the disk is full: %q, want %q", got, want)
			}
			if got := c.do("PING"); got != want {
				t.Fatalf("PING while the disk is full: %q (Redis refuses it too)", got)
			}
			if got := c.do("GET", "a"); got != "$1\r\n1\r\n" {
				t.Fatalf("read while the disk is full: %q", got)
			}
			ffs.noSpace.Store(false)
			waitWritable(t, s)
			if got := c.do("SET", "c", "3"); got != "+OK\r\n" || c.commitAOF() != nil {
				t.Fatalf("write after recovery: %q", got)
			}
			s.closeAOF()

			r := newTestServer(t, "--appendonly", "yes", "--dir", dir)
			if err := r.loadData(); err != nil {
				t.Fatal(err)
			}
			defer r.closeAOF()
			if got := r.testClient().do("MGET", "a", "b", "c"); got != "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n" {
				t.Fatalf("after reload: %q", got)
			}
		})
	}
}

// TestAOFFsyncFailureRefusesWrites: a failed fsync under always is not acknowledged and makes
// the server refuse writes until an fsync succeeds again.
func TestAOFFsyncFailureRefusesWrites(t *testing.T) {
	s, ffs, _ := openFaultyAOF(t, "always")
	c := s.testClient()
	ffs.badSync.Store(true)
	c.do("SET", "x", "1")
	if err := c.commitAOF(); err == nil {
		t.Fatal("acknowledged a write whose fsync failed")
	}
	if got := c.do("SET", "y", "2"); !strings.HasPrefix(got, "-MISCONF Errors writing to the AOF file: ") {
		t.Fatalf("write after a failed fsync: %q", got)
	}
	ffs.badSync.Store(false)
	waitWritable(t, s)
	if got := c.do("SET", "y", "2"); got != "+OK\r\n" || c.commitAOF() != nil {
		t.Fatalf("write after fsync recovered: %q", got)
	}
}
