// Package command owns the command table: every command's arity, flags, ACL categories,
// key specs and handler, declared once and read by dispatch, COMMAND, ACL and persistence.
// It knows nothing of sockets: the connection and server are reached through interfaces.
package command

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"sort"
	"strings"
)

// Flags are Redis 7 command flags, as COMMAND INFO reports them.
type Flags uint32

const (
	Write Flags = 1 << iota
	Readonly
	DenyOOM
	Admin
	PubSub
	NoScript
	Blocking
	Loading
	Stale
	SkipMonitor
	SkipSlowlog
	Fast
	NoAuth
	// MayReplicate marks commands that are not writes but may propagate (PUBLISH, PFCOUNT):
	// read-only scripts and CLIENT PAUSE WRITE hold them back. COMMAND INFO does not show it,
	// as Redis 7.0 does not.
	MayReplicate
	NoMandatoryKeys
	NoMulti
	AllowBusy
	NoAsyncLoading
	// MovableKeys is derived, never declared: a key spec that is not index+range means the
	// key positions depend on the arguments, and COMMAND INFO says so.
	MovableKeys
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{Write, "write"}, {Readonly, "readonly"}, {DenyOOM, "denyoom"}, {Admin, "admin"},
	{PubSub, "pubsub"}, {NoScript, "noscript"}, {Blocking, "blocking"}, {Loading, "loading"},
	{Stale, "stale"}, {SkipMonitor, "skip_monitor"}, {SkipSlowlog, "skip_slowlog"},
	{Fast, "fast"}, {NoAuth, "no_auth"},
	{NoMandatoryKeys, "no_mandatory_keys"}, {NoAsyncLoading, "no_async_loading"}, {NoMulti, "no_multi"}, {AllowBusy, "allow_busy"},
	{MovableKeys, "movablekeys"},
}

// Names lists the flag names in Redis's order.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// Category is a set of ACL categories.
type Category uint32

const (
	CatKeyspace Category = 1 << iota
	CatRead
	CatWrite
	CatSet
	CatSortedSet
	CatList
	CatHash
	CatString
	CatBitmap
	CatHyperLogLog
	CatGeo
	CatStream
	CatPubSub
	CatAdmin
	CatFast
	CatSlow
	CatBlocking
	CatDangerous
	CatConnection
	CatTransaction
	CatScripting
)

// CategoryNames is Redis 7.0's list of ACL categories, in ACL CAT order.
var CategoryNames = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
}

// Names lists the categories in Redis's order.
func (c Category) Names() []string {
	var out []string
	for i, n := range CategoryNames {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// KeyFlags are Redis 7 key-spec flags.
type KeyFlags uint16

const (
	RW KeyFlags = 1 << iota
	RO
	OW
	RM
	Access
	Update
	Insert
	Delete
	NotKey
	Incomplete
	VariableFlags
)

var keyFlagNames = []string{"RW", "RO", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"}

func (f KeyFlags) Names() []string {
	var out []string
	for i, n := range keyFlagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// KeySpec locates keys in a command's arguments, as Redis 7's key_specs: a begin-search step
// (an index, or a keyword searched from an index) and a find-keys step (a range, or a count
// read from the arguments).
type KeySpec struct {
	Flags KeyFlags
	Notes string // shown by COMMAND INFO, as Redis explains unusual flags

	// begin_search: exactly one of BeginIndex > 0 or Keyword != "".
	BeginIndex int
	Keyword    string
	StartFrom  int // keyword search start; negative searches from the end

	// find_keys: range (LastKey, KeyStep, Limit) unless KeyNumIdx > 0 marks keynum.
	LastKey   int // relative to the first key; -1 = last argument
	KeyStep   int
	Limit     int
	KeyNumIdx int // keynum: index of the key count, relative to begin
	FirstKey  int // keynum: first key, relative to begin
	Keynum    bool
}

// Unknown reports a spec whose keys cannot be located from the arguments (Redis's "unknown"
// begin_search and find_keys): neither an index nor a keyword.
func (k KeySpec) Unknown() bool { return k.BeginIndex == 0 && k.Keyword == "" }

// Spec declares one command or subcommand.
type Spec struct {
	Name       string // lower case; subcommands are "parent|sub"
	Arity      int    // Redis convention: negative means "at least -Arity"
	Flags      Flags
	Categories Category
	Keys       []KeySpec
	Tips       []string
	Handler    func(*Ctx)
	Subs       []*Spec
	// GetKeys replaces the key specs for commands whose keys no spec can locate (SORT's
	// STORE may come anywhere); KeyPositions, and so ACL, uses it.
	GetKeys func(args [][]byte) []KeyRef
	// VarKeyFlags gives the real key flags of a concrete call for key specs flagged
	// VariableFlags (SET with or without GET, BITFIELD with or without writes).
	VarKeyFlags func(args [][]byte) KeyFlags

	// Documentation for COMMAND DOCS.
	Summary    string
	Since      string
	Group      string
	Complexity string
	// SysCmd is COMMAND DOCS doc_flags syscmd: Redis internals such as REPLCONF.
	SysCmd bool

	parent *Spec
	subs   map[string]*Spec
	// Id is a dense index for per-command statistics and ACL bitmaps.
	Id int
}

// Parent returns the container command of a subcommand.
func (s *Spec) Parent() *Spec { return s.parent }

// Sub finds a subcommand by (case-insensitive) name.
func (s *Spec) Sub(name []byte) *Spec { return s.subs[ascii.LowerBytes(name)] }

// LegacyRange returns COMMAND INFO's first key, last key and step, derived from the key specs
// the way Redis derives them (only leading index+range specs count).
func (s *Spec) LegacyRange() (first, last, step int) {
	prevLast := 0
	for i, k := range s.Keys {
		if k.BeginIndex == 0 || k.Keynum || k.Flags&Incomplete != 0 {
			break
		}
		if i == 0 {
			first, step = k.BeginIndex, k.KeyStep
		} else if k.BeginIndex != prevLast+step || k.KeyStep != step {
			break
		}
		if k.LastKey < 0 {
			last = k.LastKey
		} else {
			last = k.BeginIndex + k.LastKey
		}
		prevLast = last
		if last < 0 {
			break
		}
	}
	return first, last, step
}

// table maps lower-case names to specs. It is filled once at init from the groups below and
// never changes afterwards, so reads need no lock.
var (
	table   = map[string]*Spec{}
	ordered []*Spec
	nextID  int
)

func register(groups ...[]*Spec) {
	for _, g := range groups {
		for _, s := range g {
			if _, dup := table[s.Name]; dup {
				panic("command declared twice: " + s.Name)
			}
			finish(s, nil)
			table[s.Name] = s
			ordered = append(ordered, s)
		}
	}
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Name < ordered[j].Name })
}

// finish derives what Redis derives from the flags (implied ACL categories) and links subcommands.
func finish(s *Spec, parent *Spec) {
	s.parent = parent
	s.Id = nextID
	nextID++
	if parent != nil {
		s.Name = parent.Name + "|" + s.Name
	}
	c := s.Categories
	if s.Flags&Write != 0 {
		c |= CatWrite
	}
	if s.Flags&Readonly != 0 && c&CatScripting == 0 {
		c |= CatRead
	}
	if s.Flags&Admin != 0 {
		c |= CatAdmin | CatDangerous
	}
	if s.Flags&PubSub != 0 {
		c |= CatPubSub
	}
	if s.Flags&Fast != 0 {
		c |= CatFast
	}
	if s.Flags&Blocking != 0 {
		c |= CatBlocking
	}
	if c&CatFast == 0 {
		c |= CatSlow
	}
	s.Categories = c
	for _, k := range s.Keys {
		if k.Keyword != "" || k.Keynum || k.Unknown() {
			s.Flags |= MovableKeys
		}
	}
	if len(s.Subs) > 0 {
		s.subs = map[string]*Spec{}
		for _, sub := range s.Subs {
			short := sub.Name
			finish(sub, s)
			s.subs[short] = sub
		}
	}
}

// Lookup finds a top-level command by (case-insensitive) name.
func Lookup(name []byte) *Spec {
	if s, ok := table[string(name)]; ok { // fast path: clients send lower case
		return s
	}
	// Clients such as redis-benchmark send upper case: fold into a stack buffer, which the
	// compiler lets the map lookup use without allocating.
	var buf [32]byte
	if len(name) <= len(buf) {
		for i, c := range name {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		return table[string(buf[:len(name)])]
	}
	return table[ascii.LowerBytes(name)]
}

// All returns every top-level command sorted by name.
func All() []*Spec { return ordered }

// Count is the number of command ids allocated (top-level and subcommands).
func Count() int { return nextID }

// Resolve returns the spec that will run args: the subcommand for container commands.
// It returns nil and an error text when the command or subcommand is unknown or arity is wrong.
func Resolve(args [][]byte) (*Spec, string) {
	s := Lookup(args[0])
	if s == nil {
		return nil, unknownCommandErr(args)
	}
	if len(s.Subs) > 0 && len(args) >= 2 {
		sub := s.Sub(args[1])
		if sub == nil {
			return nil, "ERR unknown subcommand '" + clip(string(args[1]), 128) + "'. Try " + strings.ToUpper(s.Name) + " HELP."
		}
		s = sub
	}
	if !arityOK(s.Arity, len(args)) {
		return nil, "ERR wrong number of arguments for '" + s.Name + "' command"
	}
	return s, ""
}

func arityOK(arity, n int) bool {
	if arity >= 0 {
		return n == arity
	}
	return n >= -arity
}

func unknownCommandErr(args [][]byte) string {
	var rest []byte
	for _, a := range args[1:] {
		if len(rest) >= 128 {
			break
		}
		n := 128 - len(rest)
		rest = append(rest, '\'')
		rest = append(rest, clip(string(a), n)...)
		rest = append(rest, "' "...)
	}
	return "ERR unknown command '" + clip(string(args[0]), 128) + "', with args beginning with: " + string(rest)
}

func clip(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) > n {
		return s[:n]
	}
	return s
}
