package command

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/redoubt/redoubt/internal/glob"
	"github.com/redoubt/redoubt/internal/keyspace"
)

// Generic keyspace commands: deletion, existence, renaming and copying, expiry, iteration and
// OBJECT introspection. Each follows Redis 7.0's db.c, expire.c and object.c, including which
// lookups count keyspace hits and misses and which update a key's access time.

const (
	errSameObject  = "ERR source and destination objects are the same"
	errIntRange    = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errBadCursor   = "ERR invalid cursor"
	errExpireFlags = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errGtLt        = "ERR GT and LT options at the same time are not compatible"
	errNoLFU       = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFU         = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// keyRange is the key spec of a command whose keys are all its arguments from the first.
func keyRange(flags KeyFlags) []KeySpec {
	return []KeySpec{{Flags: flags, BeginIndex: 1, LastKey: -1, KeyStep: 1}}
}

// keyAt is the key spec of a single key at argument i.
func keyAt(i int, flags KeyFlags) KeySpec {
	return KeySpec{Flags: flags, BeginIndex: i, KeyStep: 1}
}

var (
	tipsMultiSum  = []string{"request_policy:multi_shard", "response_policy:agg_sum"}
	tipsFlush     = []string{"request_policy:all_shards", "response_policy:all_succeeded"}
	tipsNondetOut = []string{"nondeterministic_output"}
)

func objectSub(name string, h func(*Ctx), summary, since string) *Spec {
	return &Spec{Name: name, Arity: 3, Flags: Readonly, Categories: CatKeyspace, Keys: []KeySpec{keyAt(2, RO)},
		Tips: tipsNondetOut, Handler: h, Summary: summary, Since: since, Group: "generic", Complexity: "O(1)"}
}

func expireSpec(name string, h func(*Ctx), summary, since string) *Spec {
	return &Spec{Name: name, Arity: -3, Flags: Write | Fast, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RW|Update)},
		Handler: h, Summary: summary, Since: since, Group: "generic", Complexity: "O(1)"}
}

func ttlSpec(name string, h func(*Ctx), tips []string, summary, since string) *Spec {
	return &Spec{Name: name, Arity: 2, Flags: Readonly | Fast, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RO|Access)},
		Tips: tips, Handler: h, Summary: summary, Since: since, Group: "generic", Complexity: "O(1)"}
}

var keyCommands = []*Spec{
	{Name: "del", Arity: -2, Flags: Write, Categories: CatKeyspace, Keys: keyRange(RM | Delete), Tips: tipsMultiSum, Handler: delCmd,
		Summary: "Delete a key", Since: "1.0.0", Group: "generic",
		Complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)."},
	{Name: "unlink", Arity: -2, Flags: Write | Fast, Categories: CatKeyspace, Keys: keyRange(RM | Delete), Tips: tipsMultiSum, Handler: delCmd,
		Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", Since: "4.0.0", Group: "generic",
		Complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of."},
	{Name: "exists", Arity: -2, Flags: Readonly | Fast, Categories: CatKeyspace, Keys: keyRange(RO), Tips: tipsMultiSum, Handler: existsCmd,
		Summary: "Determine if a key exists", Since: "1.0.0", Group: "generic", Complexity: "O(N) where N is the number of keys to check."},
	{Name: "type", Arity: 2, Flags: Readonly | Fast, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RO)}, Handler: typeCmd,
		Summary: "Determine the type stored at key", Since: "1.0.0", Group: "generic", Complexity: "O(1)"},
	{Name: "rename", Arity: 3, Flags: Write, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RW|Access|Delete), keyAt(2, OW|Update)},
		Handler: renameCmd, Summary: "Rename a key", Since: "1.0.0", Group: "generic", Complexity: "O(1)"},
	{Name: "renamenx", Arity: 3, Flags: Write | Fast, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RW|Access|Delete), keyAt(2, OW|Insert)},
		Handler: renamenxCmd, Summary: "Rename a key, only if the new key does not exist", Since: "1.0.0", Group: "generic", Complexity: "O(1)"},
	{Name: "copy", Arity: -3, Flags: Write | DenyOOM, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RO|Access), keyAt(2, OW|Update)},
		Handler: copyCmd, Summary: "Copy a key", Since: "6.2.0", Group: "generic",
		Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values."},
	{Name: "move", Arity: 3, Flags: Write | Fast, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RW|Access|Update)},
		Handler: moveCmd, Summary: "Move a key to another database", Since: "1.0.0", Group: "generic", Complexity: "O(1)"},
	{Name: "swapdb", Arity: 3, Flags: Write | Fast, Categories: CatKeyspace | CatDangerous, Handler: swapdbCmd,
		Summary: "Swaps two Redis databases", Since: "4.0.0", Group: "server",
		Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases."},
	{Name: "dbsize", Arity: 1, Flags: Readonly | Fast, Categories: CatKeyspace, Handler: dbsizeCmd,
		Tips:    []string{"request_policy:all_shards", "response_policy:agg_sum"},
		Summary: "Return the number of keys in the selected database", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
	{Name: "flushdb", Arity: -1, Flags: Write, Categories: CatKeyspace | CatDangerous, Tips: tipsFlush, Handler: flushdbCmd,
		Summary: "Remove all keys from the current database", Since: "1.0.0", Group: "server",
		Complexity: "O(N) where N is the number of keys in the selected database"},
	{Name: "flushall", Arity: -1, Flags: Write, Categories: CatKeyspace | CatDangerous, Tips: tipsFlush, Handler: flushallCmd,
		Summary: "Remove all keys from all databases", Since: "1.0.0", Group: "server",
		Complexity: "O(N) where N is the total number of keys in all databases"},
	{Name: "keys", Arity: 2, Flags: Readonly, Categories: CatKeyspace | CatDangerous, Handler: keysCmd,
		Tips:    []string{"request_policy:all_shards", "nondeterministic_output_order"},
		Summary: "Find all keys matching the given pattern", Since: "1.0.0", Group: "generic",
		Complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."},
	{Name: "scan", Arity: -2, Flags: Readonly, Categories: CatKeyspace, Handler: scanCmd,
		Tips:    []string{"nondeterministic_output", "request_policy:special"},
		Summary: "Incrementally iterate the keys space", Since: "2.8.0", Group: "generic",
		Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."},
	{Name: "randomkey", Arity: 1, Flags: Readonly, Categories: CatKeyspace, Handler: randomkeyCmd,
		Tips:    []string{"request_policy:all_shards", "nondeterministic_output"},
		Summary: "Return a random key from the keyspace", Since: "1.0.0", Group: "generic", Complexity: "O(1)"},
	{Name: "touch", Arity: -2, Flags: Readonly | Fast, Categories: CatKeyspace, Keys: keyRange(RO), Tips: tipsMultiSum, Handler: touchCmd,
		Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", Since: "3.2.1", Group: "generic",
		Complexity: "O(N) where N is the number of keys that will be touched."},
	{Name: "object", Arity: -2, Categories: CatSlow, Summary: "A container for object introspection commands", Since: "2.2.3", Group: "generic",
		Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatKeyspace, Handler: objectHelp,
				Summary: "Show helpful text about the different subcommands", Since: "6.2.0", Group: "generic", Complexity: "O(1)"},
			objectSub("encoding", objectEncoding, "Inspect the internal encoding of a Redis object", "2.2.3"),
			objectSub("idletime", objectIdletime, "Get the time since a Redis object was last accessed", "2.2.3"),
			objectSub("freq", objectFreq, "Get the logarithmic access frequency counter of a Redis object", "4.0.0"),
			objectSub("refcount", objectRefcount, "Get the number of references to the value of the key", "2.2.3"),
		}},
	expireSpec("expire", expireCmd, "Set a key's time to live in seconds", "1.0.0"),
	expireSpec("pexpire", pexpireCmd, "Set a key's time to live in milliseconds", "2.6.0"),
	expireSpec("expireat", expireatCmd, "Set the expiration for a key as a UNIX timestamp", "1.2.0"),
	expireSpec("pexpireat", pexpireatCmd, "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"),
	ttlSpec("ttl", ttlCmd, tipsNondetOut, "Get the time to live for a key in seconds", "1.0.0"),
	ttlSpec("pttl", pttlCmd, tipsNondetOut, "Get the time to live for a key in milliseconds", "2.6.0"),
	ttlSpec("expiretime", expiretimeCmd, nil, "Get the expiration Unix timestamp for a key", "7.0.0"),
	ttlSpec("pexpiretime", pexpiretimeCmd, nil, "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"),
	{Name: "persist", Arity: 2, Flags: Write | Fast, Categories: CatKeyspace, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: persistCmd,
		Summary: "Remove the expiration from a key", Since: "2.2.0", Group: "generic", Complexity: "O(1)"},
}

// cstr cuts b at its first NUL byte: Redis compares options with strcasecmp and prints them
// with %s, so it sees only that much of a binary argument.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// isOpt reports whether argument b names the option word (lower case), as strcasecmp would.
func isOpt(b []byte, word string) bool { return eqFold(cstr(b), word) }

// peek looks key up for a read without updating its access time (Redis's LOOKUP_NOTOUCH),
// counting a hit or miss and notifying a miss as Read does.
func peek(c *Ctx, key string) *keyspace.Object {
	o := peekQuiet(c, key)
	if o == nil {
		c.Notify(NotifyKeyMiss, "keymiss", key)
	}
	return o
}

// peekQuiet is peek without the keymiss notification (Redis's LOOKUP_NONOTIFY, for OBJECT).
func peekQuiet(c *Ctx, key string) *keyspace.Object {
	o := c.DB.Lookup(key, c.Now, false)
	if o == nil {
		c.Misses++
	} else {
		c.Hits++
	}
	return o
}

// lookupIn is a write lookup (no hit/miss accounting) in db, which may not be the selected one.
func lookupIn(c *Ctx, db *keyspace.DB, key string) *keyspace.Object {
	return db.LookupWrite(key, c.Now, !c.Conn.NoTouch())
}

// intArg parses an int64 argument, replying with Redis's error if it is not one.
func intArg(c *Ctx, b []byte) (int64, bool) {
	n, ok := ParseInt(b)
	if !ok {
		c.Err(ErrNotInt)
	}
	return n, ok
}

// parseInt32 parses an argument as Redis's getIntFromObjectOrReply does, replying on failure.
func parseInt32(c *Ctx, b []byte) (int, bool) {
	n, ok := intArg(c, b)
	if !ok {
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.Err(errIntRange)
		return 0, false
	}
	return int(n), true
}

// dbArg parses a database index argument (COPY DB, MOVE) and returns that database.
func dbArg(c *Ctx, b []byte) (*keyspace.DB, bool) {
	id, ok := parseInt32(c, b)
	if !ok {
		return nil, false
	}
	if id < 0 || id >= c.Host.NumDBs() {
		c.Err(ErrDBIndex)
		return nil, false
	}
	return c.Host.DB(id), true
}

// propInt formats n as an argument of a propagated command.
func propInt(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// Lazy-free directives that decide whether a propagated delete is DEL or UNLINK.
const (
	lazyExpire  = "lazyfree-lazy-expire"   // a deadline already in the past
	lazyUserDel = "lazyfree-lazy-user-del" // GETDEL
)

// propagateDelete records the command's effect as deleting key, which replays the same
// wherever and whenever it runs: DEL, or UNLINK when the given lazy-free directive is on, as
// Redis names the delete after how it freed the value.
func propagateDelete(c *Ctx, key []byte, lazyDirective string) {
	name := "DEL"
	if configValue(c, lazyDirective) == "yes" {
		name = "UNLINK"
	}
	c.Propagate([]byte(name), key)
}

func delCmd(c *Ctx) {
	n := 0
	for _, k := range c.Args[1:] {
		if c.DB.Delete(string(k), c.Now) {
			c.Notify(NotifyGeneric, "del", string(k))
			n++
		}
	}
	c.Changed(n)
	c.W.Int(int64(n))
}

func existsCmd(c *Ctx) {
	n := 0
	for _, k := range c.Args[1:] {
		if peek(c, string(k)) != nil {
			n++
		}
	}
	c.W.Int(int64(n))
}

func typeCmd(c *Ctx) {
	o := peek(c, c.Key(1))
	if o == nil {
		c.W.Simple("none")
		return
	}
	c.W.Simple(o.Type.String())
}

func renameCmd(c *Ctx)   { renameGeneric(c, false) }
func renamenxCmd(c *Ctx) { renameGeneric(c, true) }

func renameGeneric(c *Ctx, nx bool) {
	src, dst := c.Key(1), c.Key(2)
	o := c.Lookup(src)
	if o == nil {
		c.Err(ErrNoSuchKey)
		return
	}
	if src == dst {
		if nx {
			c.W.Int(0)
		} else {
			c.W.OK()
		}
		return
	}
	if c.Lookup(dst) != nil && nx {
		c.W.Int(0)
		return
	}
	moveKey(c, c.DB, src, c.DB, dst, *o)
	c.Notify(NotifyGeneric, "rename_from", src)
	c.Notify(NotifyGeneric, "rename_to", dst)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
}

// moveKey stores o (the value of src in from) at dst in to, carrying src's deadline along,
// and deletes src: the common step of RENAME and MOVE. An existing dst is replaced.
func moveKey(c *Ctx, from *keyspace.DB, src string, to *keyspace.DB, dst string, o keyspace.Object) {
	at := from.TTL(src)
	to.Set(dst, o, false)
	c.Host.Notify(to.ID, NotifyNew, "new", dst)
	if at != -1 {
		to.SetExpire(dst, at)
	}
	from.Delete(src, c.Now)
	c.Changed(1)
}

func copyCmd(c *Ctx) {
	dst := c.DB
	replace := false
	for j := 3; j < len(c.Args); j++ {
		switch {
		case isOpt(c.Args[j], "replace"):
			replace = true
		case isOpt(c.Args[j], "db") && j+1 < len(c.Args):
			db, ok := dbArg(c, c.Args[j+1])
			if !ok {
				return
			}
			dst = db
			j++
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	key, newkey := c.Key(1), c.Key(2)
	if dst == c.DB && key == newkey {
		c.Err(errSameObject)
		return
	}
	o := c.Read(key)
	if o == nil {
		c.W.Int(0)
		return
	}
	at := c.DB.TTL(key)
	if lookupIn(c, dst, newkey) != nil && !replace {
		c.W.Int(0)
		return
	}
	if !o.Cloneable() {
		c.Err("ERR unknown type object")
		return
	}
	dup := o.Clone()
	dup.Touch(c.Now)
	dst.Set(newkey, dup, false)
	c.Host.Notify(dst.ID, NotifyNew, "new", newkey)
	if at != -1 {
		dst.SetExpire(newkey, at)
	}
	c.Host.Notify(dst.ID, NotifyGeneric, "copy_to", newkey)
	c.Changed(1)
	c.W.Int(1)
}

func moveCmd(c *Ctx) {
	dst, ok := dbArg(c, c.Args[2])
	if !ok {
		return
	}
	if dst == c.DB {
		c.Err(errSameObject)
		return
	}
	key := c.Key(1)
	o := c.Lookup(key)
	if o == nil {
		c.W.Int(0)
		return
	}
	if lookupIn(c, dst, key) != nil {
		c.W.Int(0)
		return
	}
	moveKey(c, c.DB, key, dst, key, *o)
	c.Notify(NotifyGeneric, "move_from", key)
	c.Host.Notify(dst.ID, NotifyGeneric, "move_to", key)
	c.W.Int(1)
}

func swapdbCmd(c *Ctx) {
	a, ok := ParseInt(c.Args[1])
	if !ok || a < math.MinInt32 || a > math.MaxInt32 {
		c.Err("ERR invalid first DB index")
		return
	}
	b, ok := ParseInt(c.Args[2])
	if !ok || b < math.MinInt32 || b > math.MaxInt32 {
		c.Err("ERR invalid second DB index")
		return
	}
	n := int64(c.Host.NumDBs())
	if a < 0 || a >= n || b < 0 || b >= n {
		c.Err(ErrDBIndex)
		return
	}
	if a != b {
		c.Host.SwapDB(int(a), int(b))
	}
	c.Changed(1)
	c.W.OK()
}

func dbsizeCmd(c *Ctx) { c.W.Int(int64(c.DB.Len())) }

// flushArgsOK accepts FLUSHDB/FLUSHALL's optional ASYNC or SYNC. Both flush synchronously:
// freeing memory is the garbage collector's job, so there is nothing to hand to a thread.
func flushArgsOK(c *Ctx) bool {
	if len(c.Args) == 1 || len(c.Args) == 2 && (isOpt(c.Args[1], "sync") || isOpt(c.Args[1], "async")) {
		return true
	}
	c.Err(ErrSyntax)
	return false
}

func flushdbCmd(c *Ctx) {
	if !flushArgsOK(c) {
		return
	}
	c.Changed(c.DB.Flush())
	// Replicas and the AOF get FLUSHDB even when the database was already empty: theirs
	// may not be.
	c.Propagate(c.Args...)
	c.W.OK()
}

func flushallCmd(c *Ctx) {
	if !flushArgsOK(c) {
		return
	}
	n := 0
	for i := 0; i < c.Host.NumDBs(); i++ {
		n += c.Host.DB(i).Flush()
	}
	// Redis counts one more change than the keys removed, so FLUSHALL of an empty dataset
	// still dirties it.
	c.Changed(n + 1)
	c.W.OK()
}

// matchAll reports whether pattern is the lone "*", which KEYS and SCAN treat as "no
// pattern" (so it also lists the empty key, which the matcher would not).
func matchAll(pattern []byte) bool { return len(pattern) == 1 && pattern[0] == '*' }

func keysCmd(c *Ctx) {
	pattern := c.Args[1]
	all := matchAll(pattern)
	var out []string
	c.DB.Each(c.Now, func(k string, _ *keyspace.Object) bool {
		if all || glob.Match(pattern, []byte(k), false) {
			out = append(out, k)
		}
		return true
	})
	c.W.StringArray(out)
}

// parseCursor reads a SCAN cursor as Redis does with strtoul on the C string: an optional
// sign (a negative cursor wraps around), no leading space, nothing after the digits, and an
// empty string is cursor 0.
func parseCursor(b []byte) (uint64, bool) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	if isCSpace(b[0]) {
		return 0, false
	}
	neg := b[0] == '-'
	if b[0] == '+' || b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

func scanCmd(c *Ctx) {
	cursor, ok := parseCursor(c.Args[1])
	if !ok {
		c.Err(errBadCursor)
		return
	}
	count := int64(10)
	var pattern, typ []byte
	usePattern, useType := false, false
	for i := 2; i < len(c.Args); i += 2 {
		if len(c.Args)-i < 2 {
			c.Err(ErrSyntax)
			return
		}
		switch opt, val := c.Args[i], c.Args[i+1]; {
		case isOpt(opt, "count"):
			if count, ok = intArg(c, val); !ok {
				return
			}
			if count < 1 {
				c.Err(ErrSyntax)
				return
			}
		case isOpt(opt, "match"):
			pattern, usePattern = val, !matchAll(val)
		case isOpt(opt, "type"):
			typ, useType = cstr(val), true
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	keys, next := c.DB.ScanKeys(cursor, count, nil)
	out := keys[:0]
	for _, k := range keys {
		if usePattern && !glob.Match(pattern, []byte(k), false) {
			continue
		}
		if useType {
			// As in Redis, this lookup deletes an expired key and reports it as "none", so
			// TYPE none lists keys that have just expired.
			name := "none"
			if o := peek(c, k); o != nil {
				name = o.Type.String()
			}
			if !eqFold(typ, name) {
				continue
			}
		}
		if c.DB.ExpireIfNeeded(k, c.Now) {
			continue
		}
		out = append(out, k)
	}
	c.W.Array(2)
	c.W.BulkString(strconv.FormatUint(next, 10))
	c.W.StringArray(out)
}

func randomkeyCmd(c *Ctx) {
	// DB.RandomKey gives up after a run of expired samples, deleting each; Redis keeps going
	// until it finds a live key, and so does this loop, which ends because every failed round
	// shrinks the database.
	for {
		if k, ok := c.DB.RandomKey(c.Now); ok {
			c.W.BulkString(k)
			return
		}
		if c.DB.Len() == 0 {
			c.W.Null()
			return
		}
	}
}

func touchCmd(c *Ctx) {
	n := 0
	for _, k := range c.Args[1:] {
		// TOUCH updates the access time even under CLIENT NO-TOUCH: that is its purpose.
		o := c.DB.Lookup(string(k), c.Now, true)
		if o == nil {
			c.Misses++
			c.Notify(NotifyKeyMiss, "keymiss", string(k))
		} else {
			c.Hits++
			n++
		}
	}
	c.W.Int(int64(n))
}

func objectHelp(c *Ctx) {
	WriteHelp(c, "OBJECT", []string{
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	})
}

// objectLookup finds OBJECT's key without touching it, replying null when it is absent.
func objectLookup(c *Ctx) *keyspace.Object {
	o := peekQuiet(c, c.Key(2))
	if o == nil {
		c.W.Null()
	}
	return o
}

// defaultEncodings name the encoding of values whose type does not report one.
var defaultEncodings = [...]string{
	keyspace.TypeList:   "quicklist",
	keyspace.TypeSet:    "hashtable",
	keyspace.TypeZSet:   "skiplist",
	keyspace.TypeHash:   "hashtable",
	keyspace.TypeStream: "stream",
}

// stringIsInt reports whether a string value would be stored int-encoded by Redis: strings
// edited in place and INCRBYFLOAT results never are.
func stringIsInt(o *keyspace.Object) bool {
	if o.Raw || o.Float || len(o.Str) > 20 {
		return false
	}
	_, ok := ParseInt(o.Str)
	return ok
}

// encodingOf names o's representation as Redis would report it. Strings are never converted
// between representations here, so it follows Redis's rules for a freshly stored value.
func encodingOf(o *keyspace.Object) string {
	if o.Type == keyspace.TypeString {
		switch {
		case o.Raw:
			return "raw"
		case !o.Float && stringIsInt(o):
			return "int"
		case len(o.Str) <= 44:
			return "embstr"
		}
		return "raw"
	}
	if e, ok := o.Val.(interface{ Encoding() string }); ok {
		return e.Encoding()
	}
	return defaultEncodings[o.Type]
}

func objectEncoding(c *Ctx) {
	if o := objectLookup(c); o != nil {
		c.W.BulkString(encodingOf(o))
	}
}

// configValue reads one configuration parameter; "" when there is no configuration.
func configValue(c *Ctx, name string) string {
	cfg := c.Host.Config()
	if cfg == nil {
		return ""
	}
	if kv := cfg.Get(name); len(kv) == 2 {
		return kv[1]
	}
	return ""
}

func lfuPolicy(c *Ctx) bool { return strings.HasSuffix(configValue(c, "maxmemory-policy"), "-lfu") }

// sharedIntegers reports whether Redis would store small integers as its shared objects:
// not when an LRU or LFU policy is active with a memory limit, since those need per-key
// access data.
func sharedIntegers(c *Ctx) bool {
	mm := configValue(c, "maxmemory")
	if mm == "" || mm == "0" {
		return true
	}
	p := configValue(c, "maxmemory-policy")
	return !strings.HasSuffix(p, "-lru") && !strings.HasSuffix(p, "-lfu")
}

func objectRefcount(c *Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if o.Type == keyspace.TypeString && stringIsInt(o) && sharedIntegers(c) {
		if n, _ := ParseInt(o.Str); n >= 0 && n < 10000 {
			c.W.Int(math.MaxInt32)
			return
		}
	}
	c.W.Int(1)
}

func objectIdletime(c *Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if lfuPolicy(c) {
		c.Err(errLFU)
		return
	}
	// Redis's LRU clock ticks in whole seconds, so idle time is a difference of seconds.
	c.W.Int(max(0, c.Now/1000-o.AccessMs()/1000))
}

// lfuInitVal is the counter Redis gives a new key under an LFU policy.
const lfuInitVal = 5

func objectFreq(c *Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if !lfuPolicy(c) {
		c.Err(errNoLFU)
		return
	}
	// Objects carry no access counter, so this is the counter of a key last accessed at
	// Access and never since, decayed one step per lfu-decay-time minutes as Redis decays it.
	freq := int64(lfuInitVal)
	if decay, ok := ParseInt([]byte(configValue(c, "lfu-decay-time"))); ok && decay > 0 {
		freq -= max(0, c.Now-o.AccessMs()) / 60000 / decay
	}
	c.W.Int(max(0, freq))
}

func expireCmd(c *Ctx)    { expireGeneric(c, c.Now, true, "expire") }
func pexpireCmd(c *Ctx)   { expireGeneric(c, c.Now, false, "pexpire") }
func expireatCmd(c *Ctx)  { expireGeneric(c, 0, true, "expireat") }
func pexpireatCmd(c *Ctx) { expireGeneric(c, 0, false, "pexpireat") }

const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

// expireFlags parses EXPIRE's NX|XX|GT|LT options, replying on error.
func expireFlags(c *Ctx) (int, bool) {
	flags := 0
	for _, a := range c.Args[3:] {
		switch {
		case isOpt(a, "nx"):
			flags |= expNX
		case isOpt(a, "xx"):
			flags |= expXX
		case isOpt(a, "gt"):
			flags |= expGT
		case isOpt(a, "lt"):
			flags |= expLT
		default:
			c.Err("ERR Unsupported option " + string(cstr(a)))
			return 0, false
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		c.Err(errExpireFlags)
		return 0, false
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		c.Err(errGtLt)
		return 0, false
	}
	return flags, true
}

// expireGeneric implements the EXPIRE family: base is the clock the argument is relative to
// (0 for the *AT forms) and seconds marks second units.
func expireGeneric(c *Ctx, base int64, seconds bool, name string) {
	flags, ok := expireFlags(c)
	if !ok {
		return
	}
	when, ok := c.ArgInt(2)
	if !ok {
		return
	}
	invalid := "ERR invalid expire time in '" + name + "' command"
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Err(invalid)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.Err(invalid)
		return
	}
	when += base
	key := c.Key(1)
	if c.Lookup(key) == nil {
		c.W.Int(0)
		return
	}
	if flags != 0 {
		cur := c.DB.TTL(key)
		if flags&expNX != 0 && cur != -1 ||
			flags&expXX != 0 && cur == -1 ||
			flags&expGT != 0 && (cur == -1 || when <= cur) ||
			flags&expLT != 0 && cur != -1 && when >= cur {
			c.W.Int(0)
			return
		}
	}
	if when <= c.Now {
		c.DB.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
		propagateDelete(c, c.Args[1], lazyExpire)
	} else {
		c.DB.SetExpire(key, when)
		c.Notify(NotifyGeneric, "expire", key)
		propagateExpire(c, base != 0 || seconds, when)
	}
	c.Changed(1)
	c.W.Int(1)
}

// propagateExpire records a relative or second-unit expire as PEXPIREAT with the absolute
// deadline, so that replaying it later sets the same one; the NX/XX/GT/LT options stay.
// PEXPIREAT itself already says the deadline and goes as it came.
func propagateExpire(c *Ctx, rewrite bool, when int64) {
	if !rewrite {
		return
	}
	args := append([][]byte{[]byte("PEXPIREAT"), c.Args[1], propInt(when)}, c.Args[3:]...)
	c.Propagate(args...)
}

func ttlCmd(c *Ctx)         { ttlGeneric(c, false, false) }
func pttlCmd(c *Ctx)        { ttlGeneric(c, true, false) }
func expiretimeCmd(c *Ctx)  { ttlGeneric(c, false, true) }
func pexpiretimeCmd(c *Ctx) { ttlGeneric(c, true, true) }

// ttlGeneric implements TTL, PTTL, EXPIRETIME and PEXPIRETIME: ms selects milliseconds,
// abs the deadline instead of the time left.
func ttlGeneric(c *Ctx, ms, abs bool) {
	key := c.Key(1)
	if peek(c, key) == nil {
		c.W.Int(-2)
		return
	}
	at := c.DB.TTL(key)
	if at == -1 {
		c.W.Int(-1)
		return
	}
	t := at
	if !abs {
		t = at - c.Now
	}
	t = max(t, 0)
	if !ms {
		// Rounded to the nearest second without overflowing near MaxInt64 (Redis computes
		// (t+500)/1000 and returns the mathematically right value there too).
		t = t/1000 + (t%1000+500)/1000
	}
	c.W.Int(t)
}

func persistCmd(c *Ctx) {
	key := c.Key(1)
	if c.Lookup(key) != nil && c.DB.Persist(key) {
		c.Notify(NotifyGeneric, "persist", key)
		c.Changed(1)
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}
