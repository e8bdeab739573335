package server

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/redoubt/redoubt/internal/command"
)

// syncState is what a connection told us with REPLCONF, and its pending SYNC.
type syncState struct {
	rdbOnly   bool // REPLCONF rdb-only 1: a backup tool (redis-cli --rdb, redoubt backup)
	capaEOF   bool // REPLCONF capa eof: the payload may be streamed with an end marker
	requested bool
	psync     bool
}

// Replconf implements the REPLCONF options a snapshot client sends.
func (s *Server) Replconf(conn command.Conn, option, value string) string {
	c := conn.(*client)
	switch option {
	case "rdb-only":
		switch value {
		case "0", "1":
			c.sync.rdbOnly = value == "1"
		default:
			return "ERR value is not an integer or out of range"
		}
	case "capa":
		if value == "eof" {
			c.sync.capaEOF = true
		}
	case "listening-port", "ip-address", "rdb-filter-only":
		// Recorded by Redis for INFO replication; a snapshot needs none of them.
	default:
		return "ERR Unrecognized REPLCONF option: " + option
	}
	return ""
}

// Sync schedules a full snapshot for conn, sent by its goroutine after the batch (so the lock
// is not held while bytes go out). Only snapshot clients are served: streaming the writes that
// follow to a replica is not implemented, and a replica must not believe it is in sync.
func (s *Server) Sync(conn command.Conn, psync bool) string {
	c := conn.(*client)
	if !c.sync.rdbOnly {
		return "ERR Replication is not supported yet; snapshot clients send REPLCONF rdb-only 1 first"
	}
	c.sync.requested, c.sync.psync = true, psync
	return ""
}

// serveSync streams a point-in-time RDB to the connection and closes it. Called by the
// connection's goroutine without s.mu. With capa eof the snapshot is streamed directly
// between "$EOF:<mark>" and the mark, as diskless replication does; otherwise it is written
// to a temporary file first, because the bulk length must be sent before the bytes.
func (c *client) serveSync() error {
	s := c.s
	s.mu.Lock()
	s.waitWalk()
	j := s.newSnapJob(false)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.walk == j {
			s.endWalk()
		}
		s.mu.Unlock()
	}()
	s.log.Info(fmt.Sprintf("Snapshot requested by %s (rdb-only), streaming %d keys", c.addr, j.total))
	c.nc.SetWriteDeadline(time.Time{})
	w := bufio.NewWriterSize(c.nc, 64<<10)
	if c.sync.psync {
		fmt.Fprintf(w, "+FULLRESYNC %s 0\r\n", s.runID)
	}
	if c.sync.capaEOF {
		mark := make([]byte, 20)
		rand.Read(mark)
		m := hex.EncodeToString(mark)
		w.WriteString("$EOF:" + m + "\r\n")
		if err := s.writeSnapshot(j, w); err != nil {
			return err
		}
		w.WriteString(m)
		return w.Flush()
	}
	f, err := createTemp(s.rdbPath())
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := s.writeSnapshot(j, bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w.WriteString("$" + strconv.FormatInt(size, 10) + "\r\n")
	if _, err := io.Copy(w, f); err != nil {
		return err
	}
	return w.Flush()
}
