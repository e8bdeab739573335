package acl

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"sync"
	"time"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/resp"
)

// Context is where a refused command was running, the ACL LOG "context" field.
type Context int

const (
	Toplevel Context = iota
	Multi            // queued in MULTI
	Lua              // called from a script
	Module
)

func (c Context) String() string {
	switch c {
	case Toplevel:
		return "toplevel"
	case Multi:
		return "multi"
	case Lua:
		return "lua"
	case Module:
		return "module"
	}
	return "unknown"
}

// DefaultLogMaxLen is acllog-max-len's default.
const DefaultLogMaxLen = 128

// logGroupWindow is ACL_LOG_GROUPING_MAX_TIME_DELTA: a denial like one logged at most this
// long ago bumps that entry's count instead of adding an entry.
const logGroupWindow = 60 * time.Second

// LogEntry is one denial to record.
type LogEntry struct {
	Reason   Reason
	Context  Context
	Object   string // command full name, key, channel, or for auth the command name (DenialObject)
	Username string // the client's user, or for auth the name that failed
	// ClientInfo is the client's CLIENT LIST line (the real client for script calls).
	ClientInfo string
}

type logEntry struct {
	LogEntry
	count int64
	ctime time.Time // last update
}

// Log is the ACL LOG: most recent entries first, at most maxLen of them. It is safe for
// concurrent use.
type Log struct {
	mu      sync.Mutex
	entries []*logEntry // newest first
	maxLen  int
	now     func() time.Time
}

// NewLog returns an empty log keeping at most maxLen entries (acllog-max-len).
func NewLog(maxLen int) *Log {
	if maxLen < 0 {
		maxLen = 0
	}
	return &Log{maxLen: maxLen, now: time.Now}
}

// SetMaxLen changes acllog-max-len. As in Redis, a smaller limit trims the log only when
// the next entry is added.
func (l *Log) SetMaxLen(n int) {
	if n < 0 {
		n = 0
	}
	l.mu.Lock()
	l.maxLen = n
	l.mu.Unlock()
}

// Add records a denial (addACLLogEntry). If one of the 10 newest entries has the same
// reason, context, object and user and was updated at most 60 s ago, that entry moves to the
// front, its count grows and it takes the new client info; otherwise a new entry is added
// and the oldest ones beyond the limit are dropped.
func (l *Log) Add(e LogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for i := 0; i < len(l.entries) && i < 10; i++ {
		m := l.entries[i]
		d := now.UnixMilli() - m.ctime.UnixMilli()
		if d < 0 {
			d = -d
		}
		if m.Reason != e.Reason || m.Context != e.Context || d > logGroupWindow.Milliseconds() ||
			m.Object != e.Object || m.Username != e.Username {
			continue
		}
		copy(l.entries[1:i+1], l.entries[:i])
		l.entries[0] = m
		m.ClientInfo = e.ClientInfo
		m.ctime = now
		m.count++
		return
	}
	l.entries = append(l.entries, nil)
	copy(l.entries[1:], l.entries)
	l.entries[0] = &logEntry{LogEntry: e, count: 1, ctime: now}
	for len(l.entries) > l.maxLen {
		l.entries[len(l.entries)-1] = nil
		l.entries = l.entries[:len(l.entries)-1]
	}
}

// AddDenial records a refused command from Check's result.
func (l *Log) AddDenial(spec *command.Spec, args [][]byte, r Reason, pos int, ctx Context, username, clientInfo string) {
	l.Add(LogEntry{Reason: r, Context: ctx, Object: DenialObject(spec, args, r, pos), Username: username, ClientInfo: clientInfo})
}

// AddAuthFailure records a failed AUTH or HELLO ... AUTH: object is the command name as the
// client sent it (args[0]), username the name that failed to authenticate.
func (l *Log) AddAuthFailure(cmdName string, ctx Context, username, clientInfo string) {
	l.Add(LogEntry{Reason: DeniedAuth, Context: ctx, Object: cmdName, Username: username, ClientInfo: clientInfo})
}

// Reset empties the log (ACL LOG RESET).
func (l *Log) Reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

// Len is the number of entries.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// LogView is a read-only copy of an entry.
type LogView struct {
	LogEntry
	Count      int64
	AgeSeconds float64
}

// Entries returns up to count entries, newest first.
func (l *Log) Entries(count int) []LogView {
	l.mu.Lock()
	defer l.mu.Unlock()
	if count > len(l.entries) {
		count = len(l.entries)
	}
	if count < 0 {
		count = 0
	}
	now := l.now().UnixMilli()
	out := make([]LogView, count)
	for i := range out {
		e := l.entries[i]
		out[i] = LogView{LogEntry: e.LogEntry, Count: e.count, AgeSeconds: float64(now-e.ctime.UnixMilli()) / 1000}
	}
	return out
}

// WriteLog answers ACL LOG [count | RESET]; arg is nil when absent. Each entry is a map of
// count, reason, context, object, username, age-seconds and client-info (Redis 7.0 has no
// entry-id or timestamps; those came in 7.2).
func (l *Log) WriteLog(w *resp.Writer, arg []byte) {
	count := int64(10)
	if arg != nil {
		if ascii.EqualFold(string(arg), "reset") {
			l.Reset()
			w.OK()
			return
		}
		n, ok := command.ParseInt(arg)
		if !ok {
			w.Error("ERR value is not an integer or out of range")
			return
		}
		count = max(n, 0)
	}
	if count > int64(l.Len()) {
		count = int64(l.Len())
	}
	entries := l.Entries(int(count))
	w.Array(len(entries))
	for _, e := range entries {
		w.Map(7)
		w.BulkString("count")
		w.Int(e.Count)
		w.BulkString("reason")
		w.BulkString(e.Reason.String())
		w.BulkString("context")
		w.BulkString(e.Context.String())
		w.BulkString("object")
		w.BulkString(e.Object)
		w.BulkString("username")
		w.BulkString(e.Username)
		w.BulkString("age-seconds")
		w.Double(e.AgeSeconds)
		w.BulkString("client-info")
		w.BulkString(e.ClientInfo)
	}
}
