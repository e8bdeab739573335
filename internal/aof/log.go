package aof

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redoubt/redoubt/internal/rdb"
)

var (
	// ErrClosed is returned for bytes that were appended after (or not written by) Close.
	ErrClosed = errors.New("aof: the append only file is closed")
	// ErrRewriteInProgress is Redis's reply when a rewrite is asked for during another.
	ErrRewriteInProgress = errors.New("Background append only file rewriting already in progress")
)

const (
	// writeErrorLogEvery is Redis's AOF_WRITE_LOG_ERROR_RATE.
	writeErrorLogEvery = 30 * time.Second
	// maxSpare bounds the buffer kept for reuse after a write.
	maxSpare = 1 << 20
)

// Log is the open append-only file: the server appends the commands it executed, and
// connections commit before replying. Every method is safe for concurrent use.
//
// Bytes move through three counters, all offsets in the stream of everything ever
// appended: appended (in the buffer), written (write(2) returned), synced (fsync returned).
// Append returns the appended offset after its commands; Commit waits for written (and,
// under appendfsync always, synced) to reach it.
type Log struct {
	c Config

	mu   sync.Mutex
	cond *sync.Cond // signalled when a write or an fsync ends

	policy   string
	manifest *Manifest
	file     File // the last incr file, opened for append
	// tempIncr is the temporary name of file while the first base of a layout made by
	// CreateInBackground is written: no manifest lists it yet.
	tempIncr string
	retired  []File // earlier incr files awaiting their last fsync and close

	buf, spare []byte
	appended   uint64
	written    uint64
	synced     uint64
	flushing   bool          // a leader writes (and under always fsyncs) outside mu
	syncing    bool          // an fsync runs outside mu
	syncDone   chan struct{} // closed when the running fsync ends
	gen        uint64        // completed write attempts
	flushErr   error         // outcome of the last write attempt

	selectedDB int
	lastTS     int64

	writeErr       error
	syncErr        error
	lastErrLog     time.Time
	postponedSince time.Time
	delayedFsync   int64
	lastFsync      time.Time

	baseSize    int64
	incrSize    int64 // size of the current incr file
	currentSize int64 // base plus every incr file

	rewrite         *Rewrite
	rewriteStart    time.Time
	lastRewriteTime time.Duration
	lastRewriteOK   bool
	rewrites        int64
	rewriteFailures int64

	closed           bool // Close has begun: no new leaders
	finished         bool // Close has written what it could
	noFsyncOnRewrite bool // no-appendfsync-on-rewrite
	stop             chan struct{}
	loopDone         chan struct{}
}

// Stats are the INFO persistence fields of the log.
type Stats struct {
	CurrentSize   int64     // aof_current_size
	BaseSize      int64     // aof_base_size
	BufferLength  int       // aof_buffer_length
	PendingFsync  bool      // aof_pending_bio_fsync
	DelayedFsync  int64     // aof_delayed_fsync
	WriteErr      error     // aof_last_write_status is err when non-nil
	FsyncErr      error     // the last fsync's failure, nil once one succeeds
	LastFsync     time.Time // zero before the first
	UnsyncedBytes uint64    // written but not yet fsynced
	// Rewrite state: aof_rewrite_in_progress, aof_current_rewrite_time_sec,
	// aof_last_rewrite_time_sec (-1 before the first), aof_last_bgrewrite_status,
	// aof_rewrites, aof_rewrites_consecutive_failures.
	RewriteInProgress bool
	RewriteStarted    time.Time
	LastRewriteTime   time.Duration
	LastRewriteOK     bool
	Rewrites          int64
	RewriteFailures   int64
	Manifest          *Manifest // a copy of the current manifest
}

// Open continues the layout on disk (what Load just read): a legacy single file is first
// moved into the directory as the base, with a manifest, as Redis 7 upgrades it. The last
// incr file is opened for append (a new one is created when the manifest lists none);
// stale temp files of interrupted rewrites and history files a crash left listed are
// removed. With nothing on disk, Open creates a layout with an empty base, as Redis does
// when it starts with an empty dataset.
func Open(cfg Config) (*Log, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	lay, err := detect(&c)
	if err != nil {
		return nil, err
	}
	if err := c.FS.MkdirAll(c.dirPath(), dirPerm); err != nil {
		return nil, fmt.Errorf("aof: can't open or create append-only dir %s: %w", c.dirPath(), err)
	}
	var m *Manifest
	switch lay.kind {
	case layoutNone:
		old := lay.m
		if old == nil {
			old = &Manifest{}
		}
		return create(&c, old, emptyBase(&c))
	case layoutLegacy:
		if m, err = upgrade(&c, lay.m); err != nil {
			return nil, err
		}
	default:
		m = lay.m.Clone()
	}
	removeTemps(&c)
	return openLast(&c, m)
}

// openLast opens the last incr file of m for append, creating it (and listing it) when m
// has none.
func openLast(c *Config, m *Manifest) (*Log, error) {
	flags := os.O_WRONLY | os.O_APPEND | os.O_CREATE
	created := len(m.Incrs) == 0
	if created {
		m.Incrs = append(m.Incrs, m.newFile(c.FileName, TypeIncr, false))
		// An unlisted file of that name is left from a crash and holds nothing acknowledged.
		flags |= os.O_TRUNC
	}
	name := m.Incrs[len(m.Incrs)-1].Name
	f, err := c.FS.OpenFile(c.path(name), flags, filePerm)
	if err != nil {
		return nil, fmt.Errorf("aof: can't open the append-only file %s: %w", name, err)
	}
	if created {
		if err := writeManifest(c, m); err != nil {
			f.Close()
			return nil, err
		}
		c.logf("notice", "Creating AOF incr file %s on server start", name)
	} else {
		c.logf("notice", "Opening AOF incr file %s on server start", name)
	}
	l := newLog(c, m, f)
	if err := l.measure(); err != nil {
		f.Close()
		return nil, err
	}
	m, _ = gcHistory(c, m)
	l.manifest = m
	l.start()
	return l, nil
}

// measure sets the sizes from the files on disk.
func (l *Log) measure() error {
	size := func(name string) (int64, error) {
		st, err := l.c.FS.Stat(l.c.path(name))
		if err != nil {
			return 0, fmt.Errorf("aof: unable to obtain the AOF file %s length: %w", name, err)
		}
		return st.Size(), nil
	}
	var err error
	if b := l.manifest.Base; b != nil {
		if l.baseSize, err = size(b.Name); err != nil {
			return err
		}
	}
	l.currentSize = l.baseSize
	for _, fi := range l.manifest.Incrs {
		if l.incrSize, err = size(fi.Name); err != nil {
			return err
		}
		l.currentSize += l.incrSize
	}
	return nil
}

// Create starts a fresh layout: a base (seq one above any existing one) written by
// writeBase, an empty incr file, and a manifest listing only them. Files of a previous
// layout in the directory become history and are deleted. The caller's writeBase writes an
// RDB (rdb.Writer) when cfg.RDBPreamble is set, commands (KeyWriter) otherwise.
func Create(cfg Config, writeBase func(w io.Writer) error) (*Log, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := c.FS.MkdirAll(c.dirPath(), dirPerm); err != nil {
		return nil, fmt.Errorf("aof: can't open or create append-only dir %s: %w", c.dirPath(), err)
	}
	old, err := readManifest(c.FS, c.path(c.manifestName()))
	if err != nil {
		return nil, err
	}
	if old == nil {
		old = &Manifest{}
	}
	return create(&c, old, writeBase)
}

func create(c *Config, old *Manifest, writeBase func(w io.Writer) error) (*Log, error) {
	removeTemps(c)
	base := old.newFile(c.FileName, TypeBase, c.RDBPreamble)
	incr := old.newFile(c.FileName, TypeIncr, false)
	baseSize, err := writeBaseFile(c, base.Name, writeBase)
	if err != nil {
		return nil, err
	}
	f, err := c.FS.OpenFile(c.path(incr.Name), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		_ = c.FS.Remove(c.path(base.Name))
		return nil, fmt.Errorf("aof: can't open the append-only file %s: %w", incr.Name, err)
	}
	m := &Manifest{Base: &base, Incrs: []FileInfo{incr}, History: retire(old, nil)}
	if err := writeManifest(c, m); err != nil {
		f.Close()
		_ = c.FS.Remove(c.path(incr.Name))
		_ = c.FS.Remove(c.path(base.Name))
		return nil, err
	}
	c.logf("notice", "Creating AOF base file %s and incr file %s", base.Name, incr.Name)
	m, _ = gcHistory(c, m)
	l := newLog(c, m, f)
	l.baseSize, l.currentSize = baseSize, baseSize
	l.start()
	return l, nil
}

// retire lists the files of old that a new base replaces: its base, its history, and its
// incr files except keep.
func retire(old *Manifest, keep *FileInfo) []FileInfo {
	h := append([]FileInfo(nil), old.History...)
	if old.Base != nil {
		h = append(h, FileInfo{Name: old.Base.Name, Seq: old.Base.Seq, Type: TypeHistory})
	}
	for _, fi := range old.Incrs {
		if keep == nil || fi.Name != keep.Name {
			h = append(h, FileInfo{Name: fi.Name, Seq: fi.Seq, Type: TypeHistory})
		}
	}
	return h
}

// emptyBase writes the base of an empty dataset.
func emptyBase(c *Config) func(io.Writer) error {
	return func(w io.Writer) error {
		if !c.RDBPreamble {
			return nil
		}
		rw, err := rdb.NewWriter(w, rdb.WriterOptions{CTime: c.Now().Unix()})
		if err != nil {
			return err
		}
		return rw.Close()
	}
}

// writeBaseFile writes a base through a temp file, fsynced and renamed into place.
func writeBaseFile(c *Config, name string, write func(io.Writer) error) (int64, error) {
	tmp, err := openTempBase(c, name)
	if err != nil {
		return 0, err
	}
	if err := write(tmp.w); err != nil {
		tmp.discard()
		return 0, fmt.Errorf("aof: writing the base file %s: %w", name, err)
	}
	return tmp.finish()
}

// upgrade moves a legacy file into the directory as the base, as Redis 7 does: the
// manifest first, then the rename, so a crash in between is redone at the next start.
func upgrade(c *Config, half *Manifest) (*Manifest, error) {
	m := &Manifest{}
	if half != nil {
		m = half.Clone()
	}
	m.Base = &FileInfo{Name: c.FileName, Seq: 1, Type: TypeBase}
	if err := writeManifest(c, m); err != nil {
		return nil, err
	}
	if err := c.FS.Rename(c.legacyPath(), c.path(c.FileName)); err != nil {
		return nil, fmt.Errorf("aof: moving the old AOF file %s into dir %s: %w", c.legacyPath(), c.dirPath(), err)
	}
	if err := c.FS.SyncDir(c.Dir); err != nil {
		return nil, fmt.Errorf("aof: fsync of %s: %w", c.Dir, err)
	}
	if err := c.FS.SyncDir(c.dirPath()); err != nil {
		return nil, fmt.Errorf("aof: fsync of %s: %w", c.dirPath(), err)
	}
	c.logf("notice", "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", c.FileName, c.DirName)
	return m, nil
}

// removeTemps deletes temp files left by an interrupted rewrite or manifest write.
func removeTemps(c *Config) {
	entries, err := c.FS.ReadDir(c.dirPath())
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), c.tempPrefix()) {
			if err := c.FS.Remove(c.path(e.Name())); err == nil {
				c.logf("notice", "Removed the stale temp file %s", e.Name())
			}
		}
	}
}

// gcHistory deletes the history files and persists the manifest without them. A file that
// cannot be deleted stays listed, to be retried by the next collection.
func gcHistory(c *Config, m *Manifest) (*Manifest, error) {
	if len(m.History) == 0 {
		return m, nil
	}
	n := m.Clone()
	n.History = nil
	for _, fi := range m.History {
		c.logf("notice", "Removing the history file %s", fi.Name)
		if err := c.FS.Remove(c.path(fi.Name)); err != nil && !os.IsNotExist(err) {
			c.logf("warning", "Can't remove the history file %s: %v", fi.Name, err)
			n.History = append(n.History, fi)
		}
	}
	if err := writeManifest(c, n); err != nil {
		c.logf("warning", "%v", err)
		return m, err
	}
	return n, nil
}

func newLog(c *Config, m *Manifest, f File) *Log {
	l := &Log{
		c: *c, policy: c.Fsync, manifest: m, file: f, noFsyncOnRewrite: c.NoFsyncOnRewrite,
		selectedDB: -1, syncDone: make(chan struct{}),
		lastRewriteTime: -1, lastRewriteOK: true,
		stop: make(chan struct{}), loopDone: make(chan struct{}),
	}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *Log) start() { go l.run() }

// Append encodes commands executed in database db (negative: no SELECT needed) into the
// buffer, preceded by a SELECT when db differs from the last one written and by a "#TS"
// annotation when timestamps are on and the second changed. It is called under the
// server's lock right after the commands ran, so the log's order is the execution order;
// it makes no syscall. It returns the offset to pass to Commit.
func (l *Log) Append(db int, cmds [][][]byte) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(cmds) == 0 {
		return l.appended
	}
	before := len(l.buf)
	if l.c.Timestamps {
		if now := l.c.Now().Unix(); now > l.lastTS {
			l.lastTS = now
			l.buf = append(l.buf, "#TS:"...)
			l.buf = strconv.AppendInt(l.buf, now, 10)
			l.buf = append(l.buf, '\r', '\n')
		}
	}
	if db >= 0 && db != l.selectedDB {
		l.buf = appendCommand(l.buf, [][]byte{[]byte("SELECT"), strconv.AppendInt(nil, int64(db), 10)})
		l.selectedDB = db
	}
	for _, cmd := range cmds {
		l.buf = appendCommand(l.buf, cmd)
	}
	l.appended += uint64(len(l.buf) - before)
	return l.appended
}

// appendCommand encodes one command as a RESP multibulk.
func appendCommand(b []byte, args [][]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// Commit returns once everything appended up to seq is written to the file and, under
// appendfsync always, fsynced. It is called after releasing the server's lock and before
// replying. Concurrent callers share the work (group commit): the first becomes the leader
// and writes (and fsyncs) everything buffered so far; the others wait and return as soon as
// a write covered their offset. Under everysec a write waits for a running background
// fsync, up to 2 s (then it is counted in aof_delayed_fsync), as Redis does.
//
// On a write error the unwritten bytes stay buffered, are retried by later commits and by
// the background loop every tick, and Err reports the failure until a write succeeds.
func (l *Log) Commit(seq uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	startGen := l.gen
	for !l.covered(seq) {
		switch {
		case l.gen != startGen && l.flushErr != nil:
			return l.flushErr
		case l.finished:
			return ErrClosed
		case l.flushing || l.closed:
			l.cond.Wait() // a leader, or Close, is writing
		case l.policy == FsyncAlways && l.syncing:
			l.cond.Wait() // an fsync from before a policy change is still running
		default:
			if ch, wait := l.postpone(); ch != nil {
				l.waitFsync(ch, wait)
				continue
			}
			l.flush(l.fsyncs(FsyncAlways))
		}
	}
	return nil
}

func (l *Log) covered(seq uint64) bool {
	return l.written >= seq && (!l.fsyncs(FsyncAlways) || l.synced >= seq)
}

// fsyncs reports whether the policy is p and fsyncs are not suspended by
// no-appendfsync-on-rewrite while a rewrite runs (Redis's trade of durability for latency:
// the rewrite's disk traffic would make each fsync slow).
func (l *Log) fsyncs(p string) bool {
	return l.policy == p && !(l.noFsyncOnRewrite && l.rewrite != nil)
}

// SetNoFsyncOnRewrite applies no-appendfsync-on-rewrite.
func (l *Log) SetNoFsyncOnRewrite(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.noFsyncOnRewrite = on
	l.cond.Broadcast()
}

// postpone decides whether a write under everysec should wait for the running fsync, which
// would block write(2) anyway; it returns the channel closing when that fsync ends and
// how long to wait at most. Past the limit the write goes ahead and is counted as delayed.
func (l *Log) postpone() (<-chan struct{}, time.Duration) {
	if l.policy != FsyncEverySec || !l.syncing {
		l.postponedSince = time.Time{}
		return nil, 0
	}
	now := time.Now()
	if l.postponedSince.IsZero() {
		l.postponedSince = now
	}
	if wait := l.c.postponeLimit - now.Sub(l.postponedSince); wait > 0 {
		return l.syncDone, wait
	}
	l.delayedFsync++
	l.postponedSince = time.Time{}
	l.c.logf("notice", "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.")
	return nil, 0
}

// waitFsync waits, without mu, for ch to close or wait to pass.
func (l *Log) waitFsync(ch <-chan struct{}, wait time.Duration) {
	l.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-ch:
	case <-t.C:
	}
	t.Stop()
	l.mu.Lock()
}

// flush writes the whole buffer as the leader, and fsyncs when sync is set. It is called
// with mu held and no other leader, and releases mu during the I/O.
func (l *Log) flush(sync bool) {
	l.flushing = true
	if sync {
		l.syncing = true
	}
	buf := l.buf
	l.buf, l.spare = l.spare[:0], nil
	f, size := l.file, l.incrSize
	target := l.written + uint64(len(buf))
	var retired []File
	if sync {
		retired, l.retired = l.retired, nil
	}
	l.mu.Unlock()

	n, werr := writeAll(f, buf)
	if werr != nil && n > 0 && f.Truncate(size) == nil {
		n = 0 // the partial write is undone: the file ends at a command boundary
	}
	var serr error
	if sync && werr == nil {
		serr = syncFiles(retired, f, true)
	}

	l.mu.Lock()
	l.wrote(buf, n, werr)
	if sync && werr != nil {
		l.retired = append(retired, l.retired...)
	}
	if sync {
		l.fsyncEnded(target, werr, serr)
	}
	l.flushing = false
	l.gen++
	l.flushErr = werr
	if werr == nil {
		l.flushErr = serr
	}
	l.cond.Broadcast()
}

func writeAll(f File, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, nil
	}
	n, err := f.Write(buf)
	if err == nil && n < len(buf) {
		err = io.ErrShortWrite
	}
	return n, err
}

// syncFiles fsyncs and closes the retired files, then fsyncs cur when syncCur is set.
func syncFiles(retired []File, cur File, syncCur bool) error {
	var first error
	for _, f := range retired {
		if err := f.Sync(); err != nil && first == nil {
			first = err
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	if syncCur {
		if err := cur.Sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// wrote accounts for a write of n bytes of buf; what was not written goes back in front
// of the buffer.
func (l *Log) wrote(buf []byte, n int, err error) {
	l.written += uint64(n)
	l.incrSize += int64(n)
	l.currentSize += int64(n)
	if n < len(buf) {
		rest := make([]byte, 0, len(buf)-n+len(l.buf))
		rest = append(rest, buf[n:]...)
		l.buf = append(rest, l.buf...)
	} else if cap(buf) <= maxSpare {
		l.spare = buf[:0]
	}
	if err != nil {
		l.writeErr = err
		if now := time.Now(); now.Sub(l.lastErrLog) > writeErrorLogEvery {
			l.lastErrLog = now
			l.c.logf("warning", "Error writing to the AOF file: %v (wrote %d of %d bytes)", err, n, len(buf))
		}
		return
	}
	if l.writeErr != nil {
		l.writeErr = nil
		l.c.logf("warning", "AOF write error looks solved, Redis can write again.")
	}
}

// fsyncEnded ends an fsync that covered target, unless the write before it failed.
func (l *Log) fsyncEnded(target uint64, werr, serr error) {
	l.syncing = false
	close(l.syncDone)
	l.syncDone = make(chan struct{})
	switch {
	case werr != nil:
	case serr != nil:
		if l.syncErr == nil {
			l.c.logf("warning", "Error fsyncing the AOF file: %v", serr)
		}
		l.syncErr = serr
	default:
		if l.syncErr != nil {
			l.c.logf("warning", "AOF fsync error looks solved, Redis can write again.")
		}
		l.syncErr = nil
		l.synced = max(l.synced, target)
		l.lastFsync = l.c.Now()
	}
}

// run is the background loop, Redis's cron and bio thread for the log: every tick it
// retries a failed write, writes what was appended without a Commit, and under everysec
// fsyncs what was written since the last fsync. Retired incr files are fsynced and closed.
func (l *Log) run() {
	defer close(l.loopDone)
	t := time.NewTicker(l.c.tick)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.cron()
		}
	}
}

func (l *Log) cron() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if len(l.buf) > 0 && !l.flushing && !l.syncing {
		l.flush(l.policy == FsyncAlways)
	}
	if l.syncing {
		return
	}
	// Under always the committers fsync themselves, but after a failed fsync nobody may
	// commit (writes are refused), so the retry that clears the error happens here.
	syncCur := l.fsyncs(FsyncEverySec) && (l.synced < l.written || l.syncErr != nil) ||
		l.policy == FsyncAlways && l.syncErr != nil && !l.flushing
	if syncCur || len(l.retired) > 0 {
		l.backgroundSync(syncCur)
	}
}

// backgroundSync fsyncs outside mu while writes go on; called with mu held and no fsync
// running.
func (l *Log) backgroundSync(syncCur bool) {
	l.syncing = true
	f, target := l.file, l.written
	retired := l.retired
	l.retired = nil
	l.mu.Unlock()
	err := syncFiles(retired, f, syncCur)
	l.mu.Lock()
	if !syncCur {
		target = l.synced
	}
	l.fsyncEnded(target, nil, err)
	l.cond.Broadcast()
}

// SetFsync changes the appendfsync policy; unknown values are ignored (CONFIG SET
// validates them first).
func (l *Log) SetFsync(policy string) {
	if !validFsync(policy) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.policy = policy
	l.cond.Broadcast()
}

// Err is non-nil while the log cannot write or fsync: the server then refuses writes with
// "-MISCONF Errors writing to the AOF file: <err>", as Redis does.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writeErr != nil {
		return l.writeErr
	}
	return l.syncErr
}

// Stats returns the log's INFO fields.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{
		CurrentSize:       l.currentSize,
		BaseSize:          l.baseSize,
		BufferLength:      len(l.buf),
		PendingFsync:      l.syncing,
		DelayedFsync:      l.delayedFsync,
		WriteErr:          l.writeErr,
		FsyncErr:          l.syncErr,
		LastFsync:         l.lastFsync,
		UnsyncedBytes:     l.written - l.synced,
		RewriteInProgress: l.rewrite != nil,
		RewriteStarted:    l.rewriteStart,
		LastRewriteTime:   l.lastRewriteTime,
		LastRewriteOK:     l.lastRewriteOK,
		Rewrites:          l.rewrites,
		RewriteFailures:   l.rewriteFailures,
		Manifest:          l.manifest.Clone(),
	}
}

// Close writes and fsyncs everything appended, then closes the files. Commits still
// waiting for bytes that could not be written get ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.loopDone

	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing || l.syncing {
		l.cond.Wait()
	}
	l.flush(true)
	err := l.flushErr
	if cerr := l.file.Close(); err == nil {
		err = cerr
	}
	if rerr := syncFiles(l.retired, nil, false); err == nil {
		err = rerr
	}
	if l.tempIncr != "" {
		// Without its base the file is useless (the snapshot it follows was never written).
		_ = l.c.FS.Remove(l.tempIncr)
	}
	l.retired = nil
	l.finished = true
	l.cond.Broadcast()
	if err != nil {
		return fmt.Errorf("aof: closing: %w", err)
	}
	return nil
}
