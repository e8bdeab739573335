package command

import (
	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
)

// Standard error replies, byte for byte as Redis 7.0 sends them.
const (
	ErrWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax    = "ERR syntax error"
	ErrNotInt    = "ERR value is not an integer or out of range"
	ErrNotFloat  = "ERR value is not a valid float"
	ErrNoSuchKey = "ERR no such key"
	ErrOverflow  = "ERR increment or decrement would overflow"
	ErrDBIndex   = "ERR DB index is out of range"
)

// Conn is the calling connection, as the command layer sees it.
type Conn interface {
	ID() int64
	Proto() int
	SetProto(int)
	Name() string
	SetName(string)
	DBIndex() int
	Select(int)
	User() string
	SetNoTouch(bool)
	NoTouch() bool
	SetNoEvict(bool)
	// SetReplyMode implements CLIENT REPLY: "on", "off" or "skip".
	SetReplyMode(string)
	// CloseAfterReply closes the connection once the pending replies are written (QUIT).
	CloseAfterReply()
	// Reset returns the connection to its state just after connecting (RESET).
	Reset()
	// Authenticate checks credentials and switches the connection's user. It returns the
	// error reply on failure ("" on success).
	Authenticate(user, pass string) string
	Authenticated() bool
	// Describe formats the CLIENT LIST/INFO line of this connection.
	Describe() string
	// IsLocal reports a loopback or unix-socket peer.
	IsLocal() bool
}

// Host is the server, as the command layer sees it.
type Host interface {
	Keyspace
	Clients
	Config() Config
	// Info renders INFO for the named sections (empty: the default sections).
	Info(sections []string) string
	// Shutdown stops the server; save is "", "save" or "nosave". It returns an error
	// text when the stop is refused.
	Shutdown(save string) string
	ResetStats()
	// Save writes the RDB file (SAVE); it returns an error text on failure.
	Save() string
	SlowLog() SlowLog
	LastSave() int64
	Version() string
	// DebugAllowed applies enable-debug-command (no, yes, local) to the caller.
	DebugAllowed(Conn) bool
	// SetActiveExpire turns the background expiry cycle on or off (DEBUG SET-ACTIVE-EXPIRE).
	SetActiveExpire(bool)
	// Limits returns the current encoding thresholds.
	Limits() *keyspace.Limits
	// Notify publishes a keyspace notification if notify-keyspace-events enables class.
	Notify(db int, class byte, event, key string)
	// PasswordSet reports whether the default user has a password (AUTH's error differs).
	PasswordSet() bool
}

// Keyspace gives access to the numbered databases.
type Keyspace interface {
	DB(i int) *keyspace.DB
	NumDBs() int
	SwapDB(a, b int)
}

// Clients manages the other connections (CLIENT command family).
type Clients interface {
	ClientList(typ string, ids []int64) string
	// KillClients closes the connections matching the filter and returns how many.
	KillClients(f KillFilter) int
	// Pause suspends command processing of other clients until the deadline (unix ms).
	Pause(untilMs int64, writesOnly bool)
	Unpause()
	// UnblockClient ends a client's blocking command (CLIENT UNBLOCK) as a timeout, or with
	// an UNBLOCKED error; it returns 1 if the client was blocked.
	UnblockClient(id int64, withError bool) int
}

// KillFilter selects connections for CLIENT KILL; zero fields match all.
type KillFilter struct {
	ID       int64
	Addr     string
	LAddr    string
	User     string
	Type     string
	SkipMe   bool
	CallerID int64
	MaxAge   int64
}

// Config is the live configuration, as CONFIG uses it.
type Config interface {
	Get(patterns ...string) []string
	Set(pairs ...string) error
	// SetLocal is Set for a local client, which enable-protected-configs local trusts.
	SetLocal(pairs ...string) error
	Rewrite() error
}

// SlowLog records commands that took longer than slowlog-log-slower-than.
type SlowLog interface {
	Get(n int, w *resp.Writer)
	Len() int
	Reset()
}

// Ctx carries one command's execution: its arguments, its reply writer, the selected
// database and the clock, fixed for the command as Redis caches mstime() per call.
type Ctx struct {
	Args [][]byte
	W    *resp.Writer
	DB   *keyspace.DB
	Now  int64 // unix ms
	Conn Conn
	Host Host
	Spec *Spec
	// Dirty counts the changes this command made (persistence and replication will read it).
	Dirty int
	// Hits and Misses count keyspace lookups on behalf of reads, for INFO.
	Hits, Misses int
	// Blocked is set by Block; the server parks the client and re-runs the command.
	Blocked *BlockRequest
	// Rerun marks the server re-running a parked blocking command after a key was written;
	// NoBlock marks a command run by EXEC, where Block answers at once.
	Rerun, NoBlock bool
	// Effects, once Propagate is called, replace the command's own arguments in the AOF and
	// the replication stream (see Propagate).
	Effects    [][][]byte
	propagated bool
}

// Propagate records a command to write to the AOF and to replicas in place of the one that
// ran. Commands whose effect depends on the clock, randomness or blocking call it so that
// replaying the stream reproduces the same dataset: EXPIRE becomes PEXPIREAT, SPOP becomes
// SREM, BLPOP becomes LPOP, XADD * gets its ID, and so on. Once called, the command's own
// arguments are not propagated; calling it with no arguments propagates nothing.
func (c *Ctx) Propagate(args ...[]byte) {
	c.propagated = true
	if len(args) > 0 {
		c.Effects = append(c.Effects, args)
	}
}

// Propagation returns what the command's execution must append to the AOF and replicas:
// the effects it recorded, or its own arguments when it changed the dataset.
func (c *Ctx) Propagation() [][][]byte {
	if c.propagated {
		return c.Effects
	}
	if c.Dirty > 0 {
		return [][][]byte{c.Args}
	}
	return nil
}

// BlockRequest asks the server to park the client until one of Keys is written or the
// deadline passes. The server then runs the command again from the start (so a handler needs
// no resume logic); on timeout it calls OnTimeout to write the reply.
type BlockRequest struct {
	Keys      []string
	Deadline  int64 // unix ms; 0 blocks forever
	OnTimeout func(w *resp.Writer)
}

// Block parks the client (see BlockRequest). Inside MULTI/EXEC or a script the server
// cannot park, and calls OnTimeout at once, as Redis makes blocking commands non-blocking there.
// The handler must write nothing else when it calls Block.
func (c *Ctx) Block(keys []string, deadline int64, onTimeout func(w *resp.Writer)) {
	c.Blocked = &BlockRequest{Keys: keys, Deadline: deadline, OnTimeout: onTimeout}
}

// Keyspace notification classes, as notify-keyspace-events spells them.
const (
	NotifyGeneric = 'g'
	NotifyString  = '$'
	NotifyList    = 'l'
	NotifySet     = 's'
	NotifyHash    = 'h'
	NotifyZSet    = 'z'
	NotifyExpired = 'x'
	NotifyEvicted = 'e'
	NotifyStream  = 't'
	NotifyKeyMiss = 'm'
	NotifyNew     = 'n'
)

// Notify emits a keyspace notification for key in the current database.
func (c *Ctx) Notify(class byte, event, key string) { c.Host.Notify(c.DB.ID, class, event, key) }

// Err writes an error reply.
func (c *Ctx) Err(msg string) { c.W.Error(msg) }

// Key returns argument i as a key string.
func (c *Ctx) Key(i int) string { return string(c.Args[i]) }

// ArgInt parses argument i as a 64-bit integer, replying with Redis's error if it is not one.
func (c *Ctx) ArgInt(i int) (int64, bool) {
	n, ok := ParseInt(c.Args[i])
	if !ok {
		c.Err(ErrNotInt)
	}
	return n, ok
}

// argRange parses arguments 2 and 3 as the start and end of an index range (GETRANGE,
// LRANGE, LTRIM), replying with Redis's error if either is not an integer.
func (c *Ctx) argRange() (start, end int64, ok bool) {
	if start, ok = c.ArgInt(2); !ok {
		return 0, 0, false
	}
	end, ok = c.ArgInt(3)
	return start, end, ok
}

// ParseInt parses a decimal int64 with Redis's strictness (string2ll): no spaces, no '+',
// no leading zeros.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// Lookup returns key's live value; a nil result means absent. A write command may change the
// value in place, so a running snapshot gets it first.
func (c *Ctx) Lookup(key string) *keyspace.Object {
	if c.Spec != nil && c.Spec.Flags&Write != 0 {
		return c.DB.LookupWrite(key, c.Now, !c.Conn.NoTouch())
	}
	return c.DB.Lookup(key, c.Now, !c.Conn.NoTouch())
}

// LookupType returns key's value if it has type t. ok is false (and WRONGTYPE was replied)
// when the key holds another type.
func (c *Ctx) LookupType(key string, t keyspace.Type) (o *keyspace.Object, ok bool) {
	o = c.Lookup(key)
	if o != nil && o.Type != t {
		c.Err(ErrWrongType)
		return nil, false
	}
	return o, true
}

// Changed records that the command modified the dataset n times.
func (c *Ctx) Changed(n int) { c.Dirty += n }

// Read looks key up on behalf of a read and counts a keyspace hit or miss for INFO.
func (c *Ctx) Read(key string) *keyspace.Object {
	o := c.Lookup(key)
	if o == nil {
		c.Misses++
		c.Notify(NotifyKeyMiss, "keymiss", key)
	} else {
		c.Hits++
	}
	return o
}

// ReadType is Read restricted to type t; ok is false after a WRONGTYPE reply.
func (c *Ctx) ReadType(key string, t keyspace.Type) (o *keyspace.Object, ok bool) {
	o = c.Read(key)
	if o != nil && o.Type != t {
		c.Err(ErrWrongType)
		return nil, false
	}
	return o, true
}
