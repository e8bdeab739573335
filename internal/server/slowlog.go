package server

import (
	"strconv"
	"time"

	"github.com/redoubt/redoubt/internal/resp"
)

// slowLog keeps the most recent slow commands, as SLOWLOG reports them. Guarded by s.mu.
type slowLog struct {
	entries []slowEntry // newest last
	nextID  int64
}

type slowEntry struct {
	id         int64
	at         int64 // unix seconds
	usec       int64
	args       []string
	addr, name string
}

// record keeps the command if it ran longer than slowlog-log-slower-than. Arguments are
// trimmed as Redis trims them (32 arguments, 128 bytes each) so the log stays small.
func (l *slowLog) record(c *client, args [][]byte, start time.Time, d time.Duration) {
	tun := c.s.tun.get()
	threshold := tun.slowlogSlower
	if threshold < 0 || d.Microseconds() < threshold {
		return
	}
	max := tun.slowlogMaxLen
	e := slowEntry{id: l.nextID, at: start.Unix(), usec: d.Microseconds(), addr: c.addr, name: c.name}
	l.nextID++
	n := min(len(args), 32)
	for i := 0; i < n; i++ {
		a := args[i]
		if i == 31 && len(args) > 32 {
			e.args = append(e.args, "... ("+strconv.Itoa(len(args)-31)+" more arguments)")
			break
		}
		if len(a) > 128 {
			e.args = append(e.args, string(a[:128])+"... ("+strconv.Itoa(len(a)-128)+" more bytes)")
		} else {
			e.args = append(e.args, string(a))
		}
	}
	l.entries = append(l.entries, e)
	if over := len(l.entries) - max; over > 0 {
		l.entries = append(l.entries[:0], l.entries[over:]...)
	}
}

func (l *slowLog) Get(n int, w *resp.Writer) {
	if n < 0 || n > len(l.entries) {
		n = len(l.entries)
	}
	w.Array(n)
	for i := 0; i < n; i++ {
		e := l.entries[len(l.entries)-1-i]
		w.Array(6)
		w.Int(e.id)
		w.Int(e.at)
		w.Int(e.usec)
		w.StringArray(e.args)
		w.BulkString(e.addr)
		w.BulkString(e.name)
	}
}

func (l *slowLog) Len() int { return len(l.entries) }

func (l *slowLog) Reset() { l.entries = nil }
