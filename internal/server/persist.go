package server

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// rdbPath is dir/dbfilename.
func (s *Server) rdbPath() string {
	return filepath.Join(s.cfg.String("dir"), s.cfg.String("dbfilename"))
}

// LoadRDB loads dir/dbfilename at start, if it exists, dropping keys already expired (as a
// master does). It runs before the listeners accept anyone.
func (s *Server) LoadRDB() error {
	path := s.rdbPath()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB: %w", err)
	}
	defer f.Close()
	start := time.Now()
	now := start.UnixMilli()
	loaded, expired := 0, 0
	s.mu.Lock()
	defer s.mu.Unlock()
	err = rdb.Load(bufio.NewReaderSize(f, 1<<20), func(db int, key string, obj keyspace.Object, expireMs int64) error {
		if db < 0 || db >= len(s.dbs) {
			return fmt.Errorf("key in DB %d, but databases is %d", db, len(s.dbs))
		}
		if expireMs >= 0 && expireMs <= now {
			expired++
			return nil
		}
		obj.Touch(now)
		s.dbs[db].Set(key, obj, false)
		if expireMs >= 0 {
			s.dbs[db].SetExpire(key, expireMs)
		}
		loaded++
		return nil
	})
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB %s: %w. Exiting.", path, err)
	}
	s.log.Info(fmt.Sprintf("DB loaded from disk: %.3f seconds (%d keys, %d expired keys skipped)", time.Since(start).Seconds(), loaded, expired))
	return nil
}

// saveRDB writes every database to dir/dbfilename atomically: a temporary file in the same
// directory, owner-only, fsynced, renamed over the old file, and the directory fsynced, so a
// crash mid-save leaves the previous file intact. Called under s.mu (SAVE blocks, as in Redis).
func (s *Server) saveRDB() error {
	path := s.rdbPath()
	tmp, err := os.CreateTemp(filepath.Dir(path), "temp-redoubt-*.rdb")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	w, err := rdb.NewWriter(bw, rdb.WriterOptions{CTime: time.Now().Unix(), UsedMem: s.mem.used(time.Now())})
	if err == nil {
		now := time.Now().UnixMilli()
		for _, db := range s.dbs {
			if err = w.WriteDB(db, now); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	s.dirty = 0
	s.lastSave = time.Now().Unix()
	return nil
}

// Save implements SAVE for command.Host.
func (s *Server) Save() string {
	if err := s.saveRDB(); err != nil {
		s.log.Warn("Failed saving the DB: " + err.Error())
		return "ERR " + err.Error()
	}
	s.log.Info("DB saved on disk")
	return ""
}

// savePoints runs from the cron: like Redis's "save <seconds> <changes>" policies it saves
// when any pair is met, retrying a failed save after 5 s. Without fork the save runs under
// the lock and blocks clients for its duration (docs/COMPATIBILITY.md).
func (s *Server) savePoints(now time.Time) {
	words := s.cfg.Strings("save")
	if len(words) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saveFailedAt.After(now.Add(-5 * time.Second)) {
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
		if err := s.saveRDB(); err != nil {
			s.saveFailedAt = now
			s.lastSaveOK = false
			s.log.Warn("Background saving error: " + err.Error())
			return
		}
		s.lastSaveOK = true
		s.log.Info("DB saved on disk")
		return
	}
}
