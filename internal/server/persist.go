package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// rdbPath is dir/dbfilename.
func (s *Server) rdbPath() string {
	return filepath.Join(s.cfg.String("dir"), s.cfg.String("dbfilename"))
}

// loadBatch is how many keys loading installs per hold of s.mu, so clients connected during a
// long load get their -LOADING replies (and INFO) promptly.
const loadBatch = 1024

// loadData loads the dataset at start (before the cron runs): dir/dbfilename, if it exists.
// Clients may already be connected; until it returns they get -LOADING.
func (s *Server) loadData() error {
	s.loading.Store(true)
	defer s.loading.Store(false)
	if s.cfg.Bool("appendonly") {
		return s.loadAOF()
	}
	return s.loadRDBFile(s.rdbPath())
}

// loadRDBFile loads an RDB file if it exists, dropping keys already expired (as a master does).
func (s *Server) loadRDBFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		s.load.total.Store(st.Size())
	}
	start := time.Now()
	loaded, expired, err := s.loadRDB(&countingReader{r: f, n: &s.load.done})
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB %s: %w. Exiting.", path, err)
	}
	s.log.Info(fmt.Sprintf("DB loaded from disk: %.3f seconds (%d keys, %d expired keys skipped)", time.Since(start).Seconds(), loaded, expired))
	return nil
}

// loadRDB installs the keys of an RDB stream, taking s.mu for loadBatch keys at a time.
func (s *Server) loadRDB(r io.Reader) (loaded, expired int, err error) {
	now := time.Now().UnixMilli()
	lastLog := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	opts := rdb.Options{Function: func(code string) error { return s.LoadFunctionLibrary(code, true) }}
	err = rdb.LoadOptions(bufio.NewReaderSize(r, 1<<20), opts, func(db int, key string, obj keyspace.Object, expireMs int64) error {
		if db < 0 || db >= len(s.dbs) {
			return fmt.Errorf("key in DB %d, but databases is %d", db, len(s.dbs))
		}
		if (loaded+expired)%loadBatch == loadBatch-1 {
			s.mu.Unlock()
			if time.Since(lastLog) >= 2*time.Second {
				lastLog = time.Now()
				s.log.Info(fmt.Sprintf("Loading: %d keys so far (%s)", loaded+expired, s.loadPercent()))
			}
			s.mu.Lock()
		}
		if expireMs >= 0 && expireMs <= now {
			expired++
			return nil
		}
		if obj.AccessMs() == 0 {
			obj.Touch(now) // no idle time in the file
		}
		s.dbs[db].Set(key, obj, false)
		if expireMs >= 0 {
			s.dbs[db].SetExpire(key, expireMs)
		}
		loaded++
		return nil
	})
	s.load.keysLoaded, s.load.keysExpired = int64(loaded), int64(expired)
	return loaded, expired, err
}

// loadPercent is how much of the file loading has read, for the progress log lines.
func (s *Server) loadPercent() string {
	total := s.load.total.Load()
	if total <= 0 {
		return "size unknown"
	}
	return fmt.Sprintf("%.1f%% of %d bytes", float64(s.load.done.Load())*100/float64(total), total)
}

// loadProgress is what INFO persistence reports about loading.
type loadProgress struct {
	started     time.Time
	total, done atomic.Int64 // bytes
	keysLoaded  int64        // the last load's rdb_last_load_keys_loaded, under s.mu
	keysExpired int64
}

// countingReader counts the bytes read into n (loading_loaded_bytes).
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// createTemp opens a temporary file beside path, owner-only from the start.
func createTemp(path string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "temp-redoubt-*.rdb")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// fillTemp writes an RDB into f with write and makes it durable: fsync before the rename, so
// the rename can never expose a file whose blocks are not on disk.
func fillTemp(f *os.File, write func(io.Writer) error, incrementalFsync bool) error {
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	if incrementalFsync {
		w = &syncEvery{w: bw, sync: func() error {
			if err := bw.Flush(); err != nil {
				return err
			}
			return f.Sync()
		}}
	}
	err := write(w)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncEvery fsyncs every 4 MB written (rdb-save-incremental-fsync, Redis's
// REDIS_AUTOSYNC_BYTES), so a large save never leaves a huge dirty backlog for the final fsync.
type syncEvery struct {
	w       io.Writer
	sync    func() error
	pending int
}

func (s *syncEvery) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if s.pending += n; err == nil && s.pending >= 4<<20 {
		s.pending = 0
		err = s.sync()
	}
	return n, err
}

// publish renames the finished temporary file over path and fsyncs the directory, so a crash
// at any point leaves either the previous file or the new one.
func publish(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(path)
	return nil
}

// syncDir makes a rename into path's directory durable.
func syncDir(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
}

// saveRDB writes the dataset to dir/dbfilename in the foreground, holding s.mu throughout
// (SAVE and shutdown block, as in Redis): nothing changes meanwhile, so no snapshot is needed
// and a background walk in progress is unaffected.
func (s *Server) saveRDB() error {
	path := s.rdbPath()
	f, err := createTemp(path)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	started := time.Now()
	if err := fillTemp(f, s.writeRDBLocked, s.cfg.Bool("rdb-save-incremental-fsync")); err != nil {
		return err
	}
	if err := publish(f.Name(), path); err != nil {
		return err
	}
	s.saved(&snapJob{started: started, dirtyAtStart: s.dirty}, true)
	return nil
}

// saved records a successful save of j. Called under s.mu.
func (s *Server) saved(j *snapJob, ok bool) {
	s.lastSaveOK = ok
	if !ok {
		s.saveFailedAt = time.Now()
		return
	}
	s.dirty -= j.dirtyAtStart
	s.lastSave = j.started.Unix()
	s.rdbSaves++
}

// Save implements SAVE for command.Host.
func (s *Server) Save() string {
	if s.bg != nil {
		return "ERR Background save already in progress"
	}
	if err := s.saveRDB(); err != nil {
		s.log.Warn("Failed saving the DB: " + err.Error())
		return "ERR " + err.Error()
	}
	s.log.Info("DB saved on disk")
	return ""
}

// BGSave implements BGSAVE: the snapshot is taken now, under the lock, and written by a
// goroutine that holds the lock only a step at a time. Only one walk runs at a time; SCHEDULE
// defers the save until the running one (an AOF rewrite or a snapshot for a client) ends.
func (s *Server) BGSave(schedule bool) (string, string) {
	switch {
	case s.bg != nil:
		return "", "ERR Background save already in progress"
	case s.rewrite != nil && !schedule:
		return "", "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
	case s.walk != nil && schedule:
		s.bgsaveScheduled = true
		return "Background saving scheduled", ""
	case s.walk != nil:
		return "", "ERR Another background operation is in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
	}
	s.startBGSave()
	return "Background saving started", ""
}

// startBGSave launches a background save. Called under s.mu with no walk running. A file
// that cannot be created fails the save as Redis's child would, after "started" was replied.
func (s *Server) startBGSave() {
	s.bgsaveScheduled = false
	f, err := createTemp(s.rdbPath())
	if err != nil {
		s.saved(nil, false)
		s.log.Warn("Background saving error: " + err.Error())
		return
	}
	j := s.newSnapJob(false)
	j.tmp = f.Name()
	s.bg = j
	s.log.Info("Background saving started")
	go s.runBGSave(j, f)
}

// cancelWalks stops the background save, rewrite or client snapshot in progress, removing
// the save's temporary file (shutdown). Called under s.mu.
func (s *Server) cancelWalks() {
	if s.walk == nil {
		return
	}
	s.walk.abort()
	if s.bg != nil {
		os.Remove(s.bg.tmp)
		s.bg = nil
	}
	s.endWalk()
}

func (s *Server) runBGSave(j *snapJob, f *os.File) {
	path := s.rdbPath()
	err := fillTemp(f, func(w io.Writer) error { return s.writeSnapshot(j, w) }, s.cfg.Bool("rdb-save-incremental-fsync"))
	defer os.Remove(f.Name())
	s.mu.Lock()
	if j.aborted.Load() {
		s.mu.Unlock()
		return // superseded; the temporary file goes
	}
	if err == nil {
		// Renamed under the lock, so a foreground save that superseded this one cannot be
		// overwritten by it; the directory's fsync, which can take long, runs unlocked.
		err = os.Rename(f.Name(), path)
	}
	s.mu.Unlock()
	if err == nil {
		syncDir(path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.aborted.Load() {
		return // superseded meanwhile: the newer save renames its file over this one
	}
	s.bg = nil
	s.endWalk()
	s.lastBGSaveSecs = int64(time.Since(j.started).Seconds())
	if err != nil {
		s.saved(j, false)
		s.log.Warn("Background saving error: " + err.Error())
		return
	}
	s.lastCOWBytes = j.cowBytes.Load()
	s.saved(j, true)
	s.log.Info(fmt.Sprintf("Background saving terminated with success (%d bytes of values preserved for writes during the walk)", j.cowBytes.Load()))
}

// misconf is the -MISCONF reply that refuses writes after a failed background save, when
// stop-writes-on-bgsave-error is set and save points are configured (Redis's condition).
func (s *Server) misconf() string {
	if !s.lastSaveOK && s.cfg.Bool("stop-writes-on-bgsave-error") && len(s.cfg.Strings("save")) > 0 {
		return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	}
	return s.aofMisconf()
}

// savePoints runs from the cron: like Redis's "save <seconds> <changes>" policies it starts a
// background save when any pair is met, retrying a failed save after 5 s.
func (s *Server) savePoints(now time.Time) {
	words := s.cfg.Strings("save")
	if len(words) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scriptBusy() {
		return // a script past busy-reply-threshold is mid-way: no snapshot of half of it
	}
	if s.walk == nil && s.bgsaveScheduled {
		s.startBGSave()
		return
	}
	if s.walk != nil || !s.lastSaveOK && s.saveFailedAt.After(now.Add(-5*time.Second)) {
		return
	}
	elapsed := now.Unix() - s.lastSave
	for i := 0; i+1 < len(words); i += 2 {
		secs, err1 := strconv.ParseInt(words[i], 10, 64)
		changes, err2 := strconv.ParseInt(words[i+1], 10, 64)
		if err1 != nil || err2 != nil || s.dirty < changes || elapsed < secs || s.dirty == 0 {
			continue
		}
		s.log.Info(fmt.Sprintf("%d changes in %d seconds. Saving...", changes, secs))
		s.startBGSave()
		return
	}
}
