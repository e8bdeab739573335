package server

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// snapJob is one point-in-time snapshot of the keyspace being serialized as an RDB stream
// (SAVE, BGSAVE, and later AOF rewrite and replica sync). See keyspace.Snapshot for why it is
// consistent without fork or a copy.
type snapJob struct {
	snap *keyspace.Snapshot
	opts rdb.WriterOptions
	// pending holds, per database, the values writers changed before the walk reached them.
	pending  []*rdb.Entries
	cowBytes int64 // bytes preserved so far (INFO current_cow_size)
	err      error // a value that could not be serialized; the job fails with it
	keysDone int64
	total    int64
	// dirtyAtStart is subtracted from the change counter when the save succeeds: changes made
	// during the walk are not in the file.
	dirtyAtStart int64
	started      time.Time
	aborted      atomic.Bool
	tmp          string // the background save's temporary file
}

// errSnapshotAborted ends a background save that SHUTDOWN or FLUSHALL superseded.
var errSnapshotAborted = errors.New("snapshot aborted")

// snapshotBudget is how many keys one step serializes under the lock, small enough that
// other clients wait at most a fraction of a millisecond for it.
const snapshotBudget = 256

// newSnapJob starts a snapshot of every database; s.walk must be nil (one walk at a time:
// each value has one snapshot mark). Called under s.mu.
func (s *Server) newSnapJob() *snapJob {
	compress := s.cfg.Bool("rdbcompression")
	j := &snapJob{started: time.Now(), pending: make([]*rdb.Entries, len(s.dbs)), dirtyAtStart: s.dirty}
	j.opts = rdb.WriterOptions{CTime: j.started.Unix(), UsedMem: s.mem.used(j.started), NoCompression: !compress}
	for i := range j.pending {
		j.pending[i] = rdb.NewEntries(compress)
	}
	j.snap = keyspace.NewSnapshot(s.dbs, func(db int, key string, o *keyspace.Object, exp int64) {
		before := j.pending[db].Len()
		if err := j.pending[db].Add(key, o, exp); err != nil && j.err == nil {
			j.err = err
		}
		j.cowBytes += int64(j.pending[db].Len() - before)
		j.keysDone++
	})
	for i := range s.dbs {
		n, _ := j.snap.Sizes(i)
		j.total += int64(n)
	}
	s.walk = j
	return j
}

// endWalk marks the running walk finished and wakes those waiting to start one. Called under
// s.mu.
func (s *Server) endWalk() {
	if s.walk != nil {
		s.walk.abort()
		s.walk = nil
	}
	s.walkDone.Broadcast()
}

// waitWalk waits until no walk runs. Called under s.mu, which it releases while waiting.
func (s *Server) waitWalk() {
	for s.walk != nil {
		s.walkDone.Wait()
	}
}

// abort stops the job's walk; writers stop preserving for it. Called under s.mu.
func (j *snapJob) abort() {
	j.aborted.Store(true)
	j.snap.Abort()
}

// writeRDB serializes the snapshot to w, taking the lock for each step and releasing it
// while bytes go to w, so clients keep being served during a background save.
func (s *Server) writeRDB(j *snapJob, w io.Writer) error {
	lock, unlock := s.mu.Lock, s.mu.Unlock
	rw, err := rdb.NewWriter(w, j.opts)
	if err != nil {
		return err
	}
	walked := rdb.NewEntries(!j.opts.NoCompression)
	var walkErr error
	for db := range j.pending {
		keys, volatile := j.snap.Sizes(db)
		if keys == 0 {
			continue
		}
		if err := rw.SelectDB(db, keys, volatile); err != nil {
			return err
		}
		for done := false; !done; {
			lock()
			if j.aborted.Load() {
				unlock()
				return errSnapshotAborted
			}
			preserved := j.pending[db].Take()
			done = j.snap.Step(db, snapshotBudget, func(key string, o *keyspace.Object, exp int64) {
				if err := walked.Add(key, o, exp); err != nil && walkErr == nil {
					walkErr = err
				}
				j.keysDone++
			})
			if done {
				preserved = append(preserved, j.pending[db].Take()...)
			}
			err := j.err
			unlock()
			if err == nil {
				err = walkErr
			}
			if err != nil {
				return err
			}
			if err := rw.WriteEntries(preserved); err != nil {
				return err
			}
			if err := rw.WriteEntries(walked.Take()); err != nil {
				return err
			}
		}
	}
	return rw.Close()
}

// writeRDBLocked writes the whole dataset as an RDB while the caller holds s.mu (SAVE,
// shutdown, a new AOF base): nothing can change, so it needs no snapshot.
func (s *Server) writeRDBLocked(w io.Writer) error {
	now := time.Now()
	rw, err := rdb.NewWriter(w, rdb.WriterOptions{CTime: now.Unix(), UsedMem: s.mem.used(now), NoCompression: !s.cfg.Bool("rdbcompression")})
	if err != nil {
		return err
	}
	for _, db := range s.dbs {
		if err := rw.WriteDB(db, now.UnixMilli()); err != nil {
			return err
		}
	}
	return rw.Close()
}
