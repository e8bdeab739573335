package server

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"

	"github.com/redoubt/redoubt/internal/aof"
	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
)

func init() {
	config.MarkImplemented("appendonly", "appendfsync", "appendfilename", "appenddirname",
		"aof-use-rdb-preamble", "aof-timestamp-enabled", "aof-load-truncated",
		"auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size", "aof-rewrite-incremental-fsync",
		"no-appendfsync-on-rewrite", "rdbcompression", "rdbchecksum", "stop-writes-on-bgsave-error", "rdb-save-incremental-fsync", "rdb-key-save-delay",
		"sanitize-dump-payload", "rdb-del-sync-files")
}

// aofConfig is the aof package's view of the live configuration.
func (s *Server) aofConfig() aof.Config {
	return aof.Config{
		Dir:              s.cfg.String("dir"),
		DirName:          s.cfg.String("appenddirname"),
		FileName:         s.cfg.String("appendfilename"),
		RDBPreamble:      s.cfg.Bool("aof-use-rdb-preamble"),
		Timestamps:       s.cfg.Bool("aof-timestamp-enabled"),
		Fsync:            s.cfg.String("appendfsync"),
		FS:               s.aofFS,
		IncrementalFsync: s.cfg.Bool("aof-rewrite-incremental-fsync"),
		NoFsyncOnRewrite: s.cfg.Bool("no-appendfsync-on-rewrite"),
		Log: func(level, msg string) {
			if level == "warning" {
				s.log.Warn(msg)
			} else {
				s.log.Info(msg)
			}
		},
	}
}

// loadAOF replays the append-only file at start and opens it for appending. With no AOF on
// disk it loads the RDB, if any, and starts a fresh AOF from that dataset, so turning
// appendonly on in redis.conf keeps the data.
func (s *Server) loadAOF() error {
	cfg := s.aofConfig()
	start := time.Now()
	h := &aofReplay{s: s}
	info, err := aof.Load(cfg, s.cfg.Bool("aof-load-truncated"), h)
	if err != nil {
		return fmt.Errorf("Fatal error loading the AOF: %w", err)
	}
	var log *aof.Log
	if info.Existed {
		s.log.Info(fmt.Sprintf("DB loaded from append only file: %.3f seconds (%d commands)", time.Since(start).Seconds(), info.Commands))
		log, err = aof.Open(cfg)
	} else {
		if err := s.loadRDBFile(s.rdbPath()); err != nil {
			return err
		}
		log, err = aof.Create(cfg, s.baseWriter(cfg))
		if err == nil {
			s.log.Info("Creating AOF base file on server start")
		}
	}
	if err != nil {
		return fmt.Errorf("Fatal error opening the AOF: %w", err)
	}
	s.mu.Lock()
	s.setAOF(log)
	s.mu.Unlock()
	return nil
}

// setAOF installs the open log (nil: appendonly no). Called under s.mu.
func (s *Server) setAOF(log *aof.Log) {
	s.aof = log
	s.aofLog.Store(log)
}

// baseWriter writes the whole dataset as a new AOF base, taking the lock.
func (s *Server) baseWriter(cfg aof.Config) func(io.Writer) error {
	return func(w io.Writer) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.baseWriterLocked(cfg)(w)
	}
}

// baseWriterLocked is baseWriter for a caller that holds s.mu: an RDB or, with
// aof-use-rdb-preamble no, commands.
func (s *Server) baseWriterLocked(cfg aof.Config) func(io.Writer) error {
	if cfg.RDBPreamble {
		return s.writeRDBLocked
	}
	return s.writeAOFLocked
}

// aofReplay executes loaded commands as a client that always has permission, never blocks
// and propagates nothing (the log is not open yet).
type aofReplay struct {
	s *Server
	c *client
}

func (h *aofReplay) BeginFile(string) {
	h.c = &client{s: h.s, authed: true, user: h.s.users.Default(), replyMode: "on", obey: true}
	h.c.out.Proto = 2
}

func (h *aofReplay) LoadRDB(r io.Reader) error {
	_, _, err := h.s.loadRDB(r)
	return err
}

func (h *aofReplay) Exec(args [][]byte) error {
	spec, rejection := command.Resolve(args)
	if spec == nil {
		return fmt.Errorf("unknown command in the AOF: %s", rejection)
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	h.c.out.Buf = h.c.out.Buf[:0]
	h.c.run(spec, args, time.Now(), true)
	return nil
}

// propagate appends what a command did to the AOF, under s.mu, and returns the offset its
// client must see committed before replying (0 when nothing was appended). Several effects
// of one command (a script, SPOP with a count) are wrapped in MULTI/EXEC so that a replay
// applies all or none.
func (s *Server) propagate(db int, cmds [][][]byte) uint64 {
	if s.aof == nil || len(cmds) == 0 {
		return 0
	}
	if s.txn != nil {
		// Copied now: an effect may share memory with a value that a later command of the
		// same EXEC changes in place.
		for _, cmd := range cmds {
			cp := make([][]byte, len(cmd))
			for i, a := range cmd {
				cp[i] = append([]byte(nil), a...)
			}
			s.txn.dbs = append(s.txn.dbs, db)
			s.txn.cmds = append(s.txn.cmds, cp)
		}
		return 0
	}
	if len(cmds) > 1 {
		wrapped := make([][][]byte, 0, len(cmds)+2)
		wrapped = append(wrapped, [][]byte{[]byte("MULTI")})
		wrapped = append(wrapped, cmds...)
		cmds = append(wrapped, [][]byte{[]byte("EXEC")})
	}
	return s.aof.Append(db, cmds)
}

// txnLog collects the effects of an EXEC, which reach the AOF together at its end.
type txnLog struct {
	dbs  []int
	cmds [][][]byte
}

// beginTxn starts collecting for EXEC. Called under s.mu.
func (s *Server) beginTxn() {
	if s.aof != nil {
		s.txn = &txnLog{}
	}
}

// endTxn appends the EXEC's effects, in MULTI/EXEC when there are several, and returns the
// offset to commit. Called under s.mu.
func (s *Server) endTxn() uint64 {
	t := s.txn
	s.txn = nil
	if t == nil || len(t.cmds) == 0 || s.aof == nil {
		return 0
	}
	if len(t.cmds) == 1 {
		return s.aof.Append(t.dbs[0], t.cmds)
	}
	s.aof.Append(t.dbs[0], [][][]byte{{[]byte("MULTI")}})
	for i, cmd := range t.cmds {
		s.aof.Append(t.dbs[i], [][][]byte{cmd})
	}
	return s.aof.Append(-1, [][][]byte{{[]byte("EXEC")}})
}

// propagateDel records a key the server deleted on its own (expiry, eviction) as DEL, as
// Redis propagates it.
func (s *Server) propagateDel(db int, key string) {
	if s.aof != nil {
		s.propagate(db, [][][]byte{{[]byte("DEL"), []byte(key)}})
	}
}

// commitAOF waits until the client's AOF records are written (and fsynced under always),
// before its replies go out. Called without s.mu. Under appendfsync always a failure means
// the writes cannot be acknowledged: the caller drops the replies and closes the connection.
func (c *client) commitAOF() error {
	seq := c.aofSeq.Swap(0)
	if seq == 0 {
		return nil
	}
	log := c.s.aofLog.Load()
	if log == nil {
		return nil
	}
	err := log.Commit(seq)
	if err != nil && c.s.cfg.String("appendfsync") != "always" {
		return nil // acknowledged, as Redis does: the bytes stay buffered and are retried
	}
	return err
}

// aofMisconf is the -MISCONF reply while the AOF cannot be written.
func (s *Server) aofMisconf() string {
	if s.aof == nil {
		return ""
	}
	err := s.aof.Err()
	if err == nil {
		return ""
	}
	return "MISCONF Errors writing to the AOF file: " + strerror(err)
}

// strerror gives the C library's text of the errno behind err, as Redis's messages carry.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		return strings.ToUpper(msg[:1]) + msg[1:]
	}
	return err.Error()
}

// BGRewriteAOF implements BGREWRITEAOF: appends switch to a new incr file and a snapshot
// taken at that instant becomes the new base, written in the background.
func (s *Server) BGRewriteAOF() (string, string) {
	if s.rewrite != nil {
		return "", "ERR Background append only file rewriting already in progress"
	}
	if s.walk != nil {
		s.rewriteScheduled = true
		return "Background append only file rewriting scheduled", ""
	}
	if err := s.startRewrite(); err != nil {
		return "", "ERR " + err.Error()
	}
	return "Background append only file rewriting started", ""
}

// startRewrite begins a rewrite. Called under s.mu with no walk running.
func (s *Server) startRewrite() error {
	s.rewriteScheduled = false
	switch {
	case s.aofWaiting:
		if err := s.startFirstBase(); err != nil {
			s.rewriteScheduled = true // appendonly stays on: retried from the cron
			return err
		}
		return nil
	case s.aof == nil:
		s.writeAOFDir()
		return nil
	}
	r, err := s.aof.BeginRewrite()
	if err != nil {
		s.log.Warn("Can't rewrite append only file in background: " + err.Error())
		return err
	}
	s.rewriteInBackground(func(j *snapJob) error { return commitBase(s.writeSnapshot(j, r.Base()), r) }, nil)
	return nil
}

// commitBase ends a rewrite whose base was written with err.
func commitBase(err error, r *aof.Rewrite) error {
	if err != nil {
		r.Abort()
		return err
	}
	return r.Commit()
}

// startFirstBase turns the AOF on as Redis 7 does (AOF_WAIT_REWRITE): appends go at once to
// a new incr file, while a snapshot taken now becomes its base in the background. The
// layout is published only when that base is complete; a failed one is retried with a new
// snapshot, because the incr file only follows the snapshot it was started with. Called
// under s.mu with no walk running.
func (s *Server) startFirstBase() error {
	log, r, err := aof.CreateInBackground(s.aofConfig())
	if err != nil {
		s.log.Warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation: " + err.Error())
		return err
	}
	s.setAOF(log)
	s.rewriteInBackground(func(j *snapJob) error { return commitBase(s.writeSnapshot(j, r.Base()), r) },
		func(err error) {
			if s.aof != log {
				return // turned off, or written in the foreground by a shutdown
			}
			if err == nil {
				s.aofWaiting = false
				return
			}
			s.setAOF(nil)
			log.Close()
			s.rewriteScheduled = true
		})
	return nil
}

// rewriteInBackground takes the snapshot a rewrite's new base is made of and runs write on
// it in the background; done, when not nil, gets write's outcome under s.mu unless the
// rewrite was stopped. Called under s.mu with no walk running.
func (s *Server) rewriteInBackground(write func(j *snapJob) error, done func(error)) {
	j := s.newSnapJob(!s.cfg.Bool("aof-use-rdb-preamble"))
	s.rewrite = j
	s.log.Info("Background append only file rewriting started")
	go func() {
		err := write(j)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.rewrite != j {
			return // stopped by CONFIG SET appendonly no or a shutdown
		}
		s.rewrite = nil
		s.endWalk()
		if done != nil {
			done(err)
		}
		if err != nil {
			s.log.Warn("Background AOF rewrite failed: " + err.Error())
			return
		}
		s.log.Info("Background AOF rewrite finished successfully")
	}()
}

// writeAOFDir is BGREWRITEAOF with appendonly no: as Redis does, it writes an AOF directory
// from a snapshot (a base, here with an empty incr file), which a later start with appendonly
// yes loads. Called under s.mu with no walk running.
func (s *Server) writeAOFDir() {
	cfg := s.aofConfig()
	s.rewriteInBackground(func(j *snapJob) error {
		log, err := aof.Create(cfg, func(w io.Writer) error { return s.writeSnapshot(j, w) })
		if err != nil {
			return err
		}
		return log.Close()
	}, nil)
}

// aofCron starts a scheduled rewrite, or an automatic one when the AOF grew by
// auto-aof-rewrite-percentage over its base and is past auto-aof-rewrite-min-size. Called
// under s.mu.
func (s *Server) aofCron() {
	if s.aof == nil && !s.aofWaiting || s.walk != nil {
		return
	}
	if s.rewriteScheduled {
		s.startRewrite()
		return
	}
	perc := s.cfg.Int("auto-aof-rewrite-percentage")
	if perc == 0 || s.aofWaiting {
		return
	}
	st := s.aof.Stats()
	base := max(st.BaseSize, 1)
	if st.CurrentSize >= s.cfg.Int("auto-aof-rewrite-min-size") && (st.CurrentSize-base)*100/base >= perc {
		s.log.Info(fmt.Sprintf("Starting automatic rewriting of AOF on %d%% growth", (st.CurrentSize-base)*100/base))
		s.startRewrite()
	}
}

// setAppendOnly applies CONFIG SET appendonly, under s.mu. Turning it on starts the first
// base in the background (or schedules it behind the walk that runs); turning it off stops
// that, flushes and closes the log.
func (s *Server) setAppendOnly(on bool) error {
	switch {
	case on && s.aof == nil && !s.aofWaiting:
		s.aofWaiting = true
		if s.walk != nil {
			s.rewriteScheduled = true
			s.log.Info("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
			return nil
		}
		if err := s.startFirstBase(); err != nil {
			s.aofWaiting = false
			return err
		}
	case !on && (s.aof != nil || s.aofWaiting):
		s.aofWaiting, s.rewriteScheduled = false, false
		if s.rewrite != nil {
			s.rewrite.abort()
			s.rewrite = nil
			s.endWalk()
		}
		if log := s.aof; log != nil {
			s.setAOF(nil)
			return log.Close()
		}
	}
	return nil
}

// writeFirstBaseNow is the shutdown path while the first base is still being written in
// the background: that walk was stopped, so the AOF is written from the dataset as it is,
// under the lock (Redis refuses to exit then; writing it is what the operator asked for).
// Called under s.mu after cancelWalks.
func (s *Server) writeFirstBaseNow() error {
	if !s.aofWaiting {
		return nil
	}
	s.rewrite = nil
	if s.aof != nil {
		s.aof.Close()
		s.setAOF(nil)
	}
	cfg := s.aofConfig()
	log, err := aof.Create(cfg, s.baseWriterLocked(cfg))
	if err != nil {
		return err
	}
	s.aofWaiting = false
	s.setAOF(log)
	return nil
}

// closeAOF writes and fsyncs what is buffered at shutdown.
func (s *Server) closeAOF() {
	s.mu.Lock()
	log := s.aof
	s.setAOF(nil)
	s.mu.Unlock()
	if log != nil {
		if err := log.Close(); err != nil {
			s.log.Warn("Error flushing the AOF at shutdown: " + err.Error())
		}
	}
}

// infoAOF writes INFO persistence's AOF fields.
func (s *Server) infoAOF(b *strings.Builder) {
	field(b, "aof_enabled", boolInt(s.aof != nil || s.aofWaiting))
	if s.aof == nil {
		field(b, "aof_rewrite_in_progress", boolInt(s.rewrite != nil))
		field(b, "aof_rewrite_scheduled", boolInt(s.rewriteScheduled))
		field(b, "aof_last_rewrite_time_sec", -1)
		field(b, "aof_current_rewrite_time_sec", -1)
		field(b, "aof_last_bgrewrite_status", "ok")
		field(b, "aof_rewrites", 0)
		field(b, "aof_rewrites_consecutive_failures", 0)
		field(b, "aof_last_write_status", "ok")
		return
	}
	st := s.aof.Stats()
	current := int64(-1)
	if st.RewriteInProgress {
		current = int64(time.Since(st.RewriteStarted).Seconds())
	}
	last := int64(-1)
	if st.Rewrites > 0 || st.RewriteFailures > 0 {
		last = int64(st.LastRewriteTime.Seconds())
	}
	okErr := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "err"
	}
	field(b, "aof_rewrite_in_progress", boolInt(st.RewriteInProgress))
	field(b, "aof_rewrite_scheduled", boolInt(s.rewriteScheduled))
	field(b, "aof_last_rewrite_time_sec", last)
	field(b, "aof_current_rewrite_time_sec", current)
	field(b, "aof_last_bgrewrite_status", okErr(st.LastRewriteOK || st.Rewrites+st.RewriteFailures == 0))
	field(b, "aof_rewrites", st.Rewrites)
	field(b, "aof_rewrites_consecutive_failures", st.RewriteFailures)
	field(b, "aof_last_write_status", okErr(st.WriteErr == nil))
	field(b, "aof_current_size", st.CurrentSize)
	field(b, "aof_base_size", st.BaseSize)
	field(b, "aof_pending_rewrite", boolInt(s.rewriteScheduled))
	field(b, "aof_buffer_length", st.BufferLength)
	field(b, "aof_pending_bio_fsync", boolInt(st.PendingFsync))
	field(b, "aof_delayed_fsync", st.DelayedFsync)
}

// MustObey implements command.Obeyed: the AOF loader replays what a server wrote, including
// forms a client may not send (XADD ... MAXLEN = n LIMIT m), as Redis's mustObeyClient.
func (c *client) MustObey() bool { return c.obey }
