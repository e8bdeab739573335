package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/keyspace"
)

// The methods below implement command.Host; commands call them with s.mu held.

func (s *Server) DB(i int) *keyspace.DB    { return s.dbs[i] }
func (s *Server) NumDBs() int              { return len(s.dbs) }
func (s *Server) Config() command.Config   { return s.cfg }
func (s *Server) SlowLog() command.SlowLog { return &s.slowlog }
func (s *Server) LastSave() int64          { return s.lastSave }
func (s *Server) Version() string          { return s.version }

// SwapDB exchanges two databases' contents; clients keep their selected index, so they see
// the other data at once, as in Redis.
func (s *Server) SwapDB(a, b int) { keyspace.Swap(s.dbs[a], s.dbs[b]) }

func (s *Server) ResetStats() {
	s.stats.reset()
	s.slowlog.Reset()
}

// snapshotClients returns the connected clients ordered by id.
func (s *Server) snapshotClients() []*client {
	s.clientsMu.Lock()
	out := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	s.clientsMu.Unlock()
	sortClients(out)
	return out
}

func sortClients(cs []*client) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].id < cs[j-1].id; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// ClientList renders CLIENT LIST, optionally filtered by type ("normal", "pubsub", ...) or ids.
func (s *Server) ClientList(typ string, ids []int64) string {
	var b strings.Builder
	now := time.Now()
	for _, c := range s.snapshotClients() {
		if typ != "" && typ != "normal" {
			continue // only normal clients exist until pub/sub and replication land
		}
		if len(ids) > 0 && !containsID(ids, c.id) {
			continue
		}
		b.WriteString(c.describe(now))
		b.WriteByte('\n')
	}
	return b.String()
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// KillClients closes the matching connections. The caller's own connection is closed after
// its reply is written, as Redis does.
func (s *Server) KillClients(f command.KillFilter) int {
	n := 0
	now := time.Now()
	for _, c := range s.snapshotClients() {
		if f.ID != 0 && c.id != f.ID ||
			f.Addr != "" && c.addr != f.Addr ||
			f.LAddr != "" && c.laddr != f.LAddr ||
			f.User != "" && c.user.Name() != f.User ||
			f.Type != "" && f.Type != "normal" ||
			f.MaxAge > 0 && int64(now.Sub(c.born).Seconds()) < f.MaxAge ||
			f.SkipMe && c.id == f.CallerID {
			continue
		}
		n++
		if c.id == f.CallerID {
			c.closeAfter = true
			continue
		}
		c.kill()
	}
	return n
}

func (s *Server) Pause(untilMs int64, writesOnly bool) { s.pause.set(untilMs, writesOnly) }
func (s *Server) Unpause()                             { s.pause.clear() }

// UnblockClient implements CLIENT UNBLOCK. Called under s.mu.
func (s *Server) UnblockClient(id int64, withError bool) int {
	s.clientsMu.Lock()
	c := s.clients[id]
	s.clientsMu.Unlock()
	if c == nil || c.blockedOn == nil || c.blockedOn.closed {
		return 0
	}
	b := c.blockedOn
	s.unblock(b)
	if withError {
		c.out.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
	} else {
		b.req.OnTimeout(&c.out)
	}
	return 1
}

// Shutdown implements SHUTDOWN: with SAVE, or with save points configured and no NOSAVE,
// the dataset is saved first and a failed save refuses the shutdown, as in Redis.
func (s *Server) Shutdown(mode string) string {
	s.cancelWalks()
	if err := s.writeFirstBaseNow(); err != nil {
		s.log.Warn("Error writing the initial AOF, can't exit: " + err.Error())
		return "ERR Errors trying to SHUTDOWN. Check logs."
	}
	if s.loading.Load() {
		mode = "nosave" // a partial dataset must never replace the file being loaded
	}
	if mode == "save" || mode == "" && len(s.cfg.Strings("save")) > 0 {
		if err := s.saveRDB(); err != nil {
			s.log.Warn("Error trying to save the DB, can't exit: " + err.Error())
			return "ERR Errors trying to SHUTDOWN. Check logs."
		}
		s.log.Info("DB saved on disk")
	}
	s.log.Warn("User requested shutdown...")
	go s.Close()
	return ""
}

// SaveOnSignal saves before a SIGTERM/SIGINT stop when save points are configured, as
// Redis does; the error is logged by the caller.
func (s *Server) SaveOnSignal() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelWalks()
	if err := s.writeFirstBaseNow(); err != nil {
		return fmt.Errorf("writing the initial AOF: %w", err)
	}
	if len(s.cfg.Strings("save")) == 0 || s.loading.Load() || s.scriptBusy() {
		// Never replace the file with part of the data being loaded, or with the half-done
		// effects of a busy script (Redis exits without saving then too).
		return nil
	}
	return s.saveRDB()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (s *Server) PasswordSet() bool { return !s.users.Default().NoPass() }

// DebugAllowed applies enable-debug-command: "yes" for everyone, "local" for loopback and
// unix-socket clients only, "no" (the default) for nobody.
func (s *Server) DebugAllowed(conn command.Conn) bool {
	switch s.cfg.String("enable-debug-command") {
	case "yes":
		return true
	case "local":
		c, ok := conn.(*client)
		return ok && c.IsLocal()
	}
	return false
}

func (s *Server) SetActiveExpire(on bool) { s.activeExpireOff.Store(!on) }

func (s *Server) Limits() *keyspace.Limits { return &s.tun.get().limits }
