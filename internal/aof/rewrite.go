package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Rewrite is a BGREWRITEAOF in progress, Redis 7 style: appends already go to a new incr
// file, and the caller streams a snapshot of the dataset, taken at BeginRewrite, into Base.
// Commit makes that snapshot the base and drops the files it replaces.
type Rewrite struct {
	l    *Log
	base FileInfo
	tmp  *tempBase
	done bool
}

// BeginRewrite starts a rewrite; it is called under the server's lock, at the instant the
// snapshot is taken. It writes out the buffer, opens a new incr file (next seq) and
// persists a manifest listing it after the current incr files, then switches appends to
// it: whatever happens to the rewrite, a crash loses nothing, because the old base and incr
// files stay listed until Commit.
func (l *Log) BeginRewrite() (*Rewrite, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.rewrite != nil {
		return nil, ErrRewriteInProgress
	}
	for l.flushing {
		l.cond.Wait()
	}
	if len(l.buf) > 0 {
		l.flush(false)
		if l.writeErr != nil {
			return nil, l.rewriteFailed(fmt.Errorf("aof: can't rewrite while the AOF can't be written: %w", l.writeErr))
		}
	}
	m := l.manifest.Clone()
	incr := m.newFile(l.c.FileName, TypeIncr, false)
	base := m.newFile(l.c.FileName, TypeBase, l.c.RDBPreamble)
	f, err := l.c.FS.OpenFile(l.c.path(incr.Name), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return nil, l.rewriteFailed(fmt.Errorf("aof: can't open the append-only file %s: %w", incr.Name, err))
	}
	tmp, err := openTempBase(&l.c, base.Name)
	if err != nil {
		f.Close()
		_ = l.c.FS.Remove(l.c.path(incr.Name))
		return nil, l.rewriteFailed(err)
	}
	m.Incrs = append(m.Incrs, incr)
	if err := writeManifest(&l.c, m); err != nil {
		tmp.discard()
		f.Close()
		_ = l.c.FS.Remove(l.c.path(incr.Name))
		return nil, l.rewriteFailed(err)
	}
	l.retired = append(l.retired, l.file)
	l.file, l.incrSize, l.selectedDB, l.manifest = f, 0, -1, m
	r := &Rewrite{l: l, base: base, tmp: tmp}
	l.rewrite, l.rewriteStart = r, time.Now()
	l.c.logf("notice", "Creating AOF incr file %s on background rewrite", incr.Name)
	return r, nil
}

// CreateInBackground starts a fresh layout the way Redis 7's CONFIG SET appendonly yes does
// (AOF_WAIT_REWRITE): appends go at once to a new incr file under a temporary name, and the
// caller streams the snapshot it takes at this instant into the returned rewrite's Base.
// Commit renames the incr file into place and persists a manifest listing the new base and
// it; until then the manifest on disk is untouched, so a crash or an Abort leaves the
// previous layout (or none) as it was. Close removes the temporary incr file. It is called
// under the server's lock, at the instant the snapshot is taken.
func CreateInBackground(cfg Config) (*Log, *Rewrite, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	if err := c.FS.MkdirAll(c.dirPath(), dirPerm); err != nil {
		return nil, nil, fmt.Errorf("aof: can't open or create append-only dir %s: %w", c.dirPath(), err)
	}
	old, err := readManifest(c.FS, c.path(c.manifestName()))
	if err != nil {
		return nil, nil, err
	}
	if old == nil {
		old = &Manifest{}
	}
	removeTemps(&c)
	m := old.Clone()
	incr := m.newFile(c.FileName, TypeIncr, false)
	base := m.newFile(c.FileName, TypeBase, c.RDBPreamble)
	tempIncr := c.path("temp-" + incr.Name)
	f, err := c.FS.OpenFile(tempIncr, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return nil, nil, fmt.Errorf("aof: can't open the append-only file %s: %w", incr.Name, err)
	}
	tmp, err := openTempBase(&c, base.Name)
	if err != nil {
		f.Close()
		_ = c.FS.Remove(tempIncr)
		return nil, nil, err
	}
	m.Incrs = append(m.Incrs, incr)
	l := newLog(&c, m, f)
	l.tempIncr = tempIncr
	r := &Rewrite{l: l, base: base, tmp: tmp}
	l.rewrite, l.rewriteStart = r, time.Now()
	c.logf("notice", "Creating AOF incr file %s on background rewrite", incr.Name)
	l.start()
	return l, r, nil
}

// rewriteFailed records a failed rewrite; called with mu held.
func (l *Log) rewriteFailed(err error) error {
	l.lastRewriteOK = false
	l.rewriteFailures++
	l.c.logf("warning", "Background AOF rewrite failed: %v", err)
	return err
}

// endRewrite records the end of r; called with mu held.
func (l *Log) endRewrite(ok bool, err error) {
	l.rewrite = nil
	l.lastRewriteTime = time.Since(l.rewriteStart)
	if ok {
		l.lastRewriteOK = true
		l.rewriteFailures = 0
		l.rewrites++
		return
	}
	_ = l.rewriteFailed(err)
}

// Base is where the snapshot is written: an RDB (rdb.Writer) when aof-use-rdb-preamble is
// set, commands (KeyWriter) otherwise.
func (r *Rewrite) Base() io.Writer { return r.tmp.w }

// Commit fsyncs the new base and renames it into place, then persists a manifest whose
// base is the new one and whose only incr file is the one appends go to now; the old base
// and incr files become history and are deleted.
func (r *Rewrite) Commit() error {
	if r.done {
		return errors.New("aof: the rewrite already ended")
	}
	r.done = true
	l := r.l
	size, err := r.tmp.finish()
	if err != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.endRewrite(false, err)
		return err
	}
	// Only the rewrite changes the manifest while one runs, so it can be written without mu,
	// which Append needs.
	l.mu.Lock()
	closed, old, tempIncr := l.closed, l.manifest, l.tempIncr
	l.mu.Unlock()
	if closed {
		_ = l.c.FS.Remove(l.c.path(r.base.Name))
		l.mu.Lock()
		defer l.mu.Unlock()
		l.endRewrite(false, ErrClosed)
		return ErrClosed
	}
	cur := old.Incrs[len(old.Incrs)-1]
	if tempIncr != "" {
		// The open file keeps being appended to under its new name; the manifest's
		// directory fsync below makes the rename durable with it.
		if err := l.c.FS.Rename(tempIncr, l.c.path(cur.Name)); err != nil {
			_ = l.c.FS.Remove(l.c.path(r.base.Name))
			l.mu.Lock()
			defer l.mu.Unlock()
			l.endRewrite(false, err)
			return fmt.Errorf("aof: naming the incr file %s: %w", cur.Name, err)
		}
		l.mu.Lock()
		l.tempIncr = ""
		l.mu.Unlock()
	}
	m := &Manifest{Base: &r.base, Incrs: []FileInfo{cur}, History: retire(old, &cur)}
	if err := writeManifest(&l.c, m); err != nil {
		_ = l.c.FS.Remove(l.c.path(r.base.Name))
		l.mu.Lock()
		defer l.mu.Unlock()
		l.endRewrite(false, err)
		return err
	}
	l.c.logf("notice", "Background AOF rewrite terminated with success: base %s", r.base.Name)
	gc, _ := gcHistory(&l.c, m)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.manifest = gc
	l.baseSize = size
	l.currentSize = size + l.incrSize
	l.endRewrite(true, nil)
	return nil
}

// Abort drops the rewrite: the temp base is removed and the manifest keeps every incr
// file, so the next rewrite replaces them all.
func (r *Rewrite) Abort() {
	if r.done {
		return
	}
	r.done = true
	r.tmp.discard()
	l := r.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.endRewrite(false, errors.New("aborted"))
}

// tempBase is a base file being written under a temp name in the AOF directory.
type tempBase struct {
	c    *Config
	name string // final name
	path string // temp path
	f    File
	bw   *bufio.Writer
	w    *countingWriter
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
	// sync, when set (aof-rewrite-incremental-fsync), runs every incrementalFsyncBytes so the
	// kernel never holds a huge dirty backlog that one final fsync would stall on.
	sync     func() error
	nextSync int64
}

// incrementalFsyncBytes is Redis's REDIS_AUTOSYNC_BYTES.
const incrementalFsyncBytes = 4 << 20

func (cw *countingWriter) Write(p []byte) (int, error) {
	if cw.err != nil {
		return 0, cw.err
	}
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	cw.err = err
	if err == nil && cw.sync != nil && cw.n >= cw.nextSync {
		cw.nextSync = cw.n + incrementalFsyncBytes
		cw.err = cw.sync()
		err = cw.err
	}
	return n, err
}

func openTempBase(c *Config, name string) (*tempBase, error) {
	path := c.path("temp-" + name)
	f, err := c.FS.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return nil, fmt.Errorf("aof: opening the temp base file: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	cw := &countingWriter{w: bw, nextSync: incrementalFsyncBytes}
	if c.IncrementalFsync {
		cw.sync = func() error {
			if err := bw.Flush(); err != nil {
				return err
			}
			return f.Sync()
		}
	}
	return &tempBase{c: c, name: name, path: path, f: f, bw: bw, w: cw}, nil
}

// finish makes the base durable under its final name and returns its size.
func (t *tempBase) finish() (int64, error) {
	err := t.w.err
	if err == nil {
		err = t.bw.Flush()
	}
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = t.c.FS.Rename(t.path, t.c.path(t.name))
	}
	if err != nil {
		_ = t.c.FS.Remove(t.path)
		return 0, fmt.Errorf("aof: writing the base file %s: %w", t.name, err)
	}
	return t.w.n, nil
}

func (t *tempBase) discard() {
	t.f.Close()
	_ = t.c.FS.Remove(t.path)
}
