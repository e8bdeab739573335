package command

import (
	"bytes"
	"math"
	"math/big"
	"strconv"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// strMaxBulkLen is proto-max-bulk-len's default, the cap Redis's checkStringLength enforces on
// strings grown by a command.
const strMaxBulkLen = 512 * 1024 * 1024

const errStrTooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

// strKey is the key spec of a command whose only key is its first argument.
func strKey(flags KeyFlags) []KeySpec {
	return []KeySpec{{Flags: flags, BeginIndex: 1, KeyStep: 1}}
}

var stringCommands = []*Spec{
	{Name: "get", Arity: 2, Flags: Readonly | Fast, Categories: CatString, Keys: strKey(RO | Access), Handler: strGet,
		Summary: "Get the value of a key", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "set", Arity: -3, Flags: Write | DenyOOM, Categories: CatString, Handler: strSet,
		Keys:        []KeySpec{{Flags: RW | Access | Update | VariableFlags, Notes: "RW and ACCESS due to the optional `GET` argument", BeginIndex: 1, KeyStep: 1}},
		VarKeyFlags: setKeyFlags,
		Summary:     "Set the string value of a key", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "setnx", Arity: 3, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(OW | Insert), Handler: strSetnx,
		Summary: "Set the value of a key, only if the key does not exist", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "setex", Arity: 4, Flags: Write | DenyOOM, Categories: CatString, Keys: strKey(OW | Update), Handler: strSetex,
		Summary: "Set the value and expiration of a key", Since: "2.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "psetex", Arity: 4, Flags: Write | DenyOOM, Categories: CatString, Keys: strKey(OW | Update), Handler: strPsetex,
		Summary: "Set the value and expiration in milliseconds of a key", Since: "2.6.0", Group: "string", Complexity: "O(1)"},
	{Name: "getset", Arity: 3, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Access | Update), Handler: strGetset,
		Summary: "Set the string value of a key and return its old value", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "getdel", Arity: 2, Flags: Write | Fast, Categories: CatString, Keys: strKey(RW | Access | Delete), Handler: strGetdel,
		Summary: "Get the value of a key and delete the key", Since: "6.2.0", Group: "string", Complexity: "O(1)"},
	{Name: "getex", Arity: -2, Flags: Write | Fast, Categories: CatString, Handler: strGetex,
		Keys:    []KeySpec{{Flags: RW | Access | Update, Notes: "RW and UPDATE because it changes the TTL", BeginIndex: 1, KeyStep: 1}},
		Summary: "Get the value of a key and optionally set its expiration", Since: "6.2.0", Group: "string", Complexity: "O(1)"},
	{Name: "mget", Arity: -2, Flags: Readonly | Fast, Categories: CatString, Keys: []KeySpec{{Flags: RO | Access, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		Tips: []string{"request_policy:multi_shard"}, Handler: strMget,
		Summary: "Get the values of all the given keys", Since: "1.0.0", Group: "string", Complexity: "O(N) where N is the number of keys to retrieve."},
	{Name: "mset", Arity: -3, Flags: Write | DenyOOM, Categories: CatString, Keys: []KeySpec{{Flags: OW | Update, BeginIndex: 1, LastKey: -1, KeyStep: 2}},
		Tips: []string{"request_policy:multi_shard", "response_policy:all_succeeded"}, Handler: strMset,
		Summary: "Set multiple keys to multiple values", Since: "1.0.1", Group: "string", Complexity: "O(N) where N is the number of keys to set."},
	{Name: "msetnx", Arity: -3, Flags: Write | DenyOOM, Categories: CatString, Keys: []KeySpec{{Flags: OW | Insert, BeginIndex: 1, LastKey: -1, KeyStep: 2}},
		Tips: []string{"request_policy:multi_shard", "response_policy:agg_min"}, Handler: strMsetnx,
		Summary: "Set multiple keys to multiple values, only if none of the keys exist", Since: "1.0.1", Group: "string", Complexity: "O(N) where N is the number of keys to set."},
	{Name: "append", Arity: 3, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Insert), Handler: strAppend,
		Summary: "Append a value to a key", Since: "2.0.0", Group: "string",
		Complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."},
	{Name: "strlen", Arity: 2, Flags: Readonly | Fast, Categories: CatString, Keys: strKey(RO), Handler: strStrlen,
		Summary: "Get the length of the value stored in a key", Since: "2.2.0", Group: "string", Complexity: "O(1)"},
	{Name: "incr", Arity: 2, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Access | Update), Handler: strIncr,
		Summary: "Increment the integer value of a key by one", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "decr", Arity: 2, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Access | Update), Handler: strDecr,
		Summary: "Decrement the integer value of a key by one", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "incrby", Arity: 3, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Access | Update), Handler: strIncrby,
		Summary: "Increment the integer value of a key by the given amount", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "decrby", Arity: 3, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Access | Update), Handler: strDecrby,
		Summary: "Decrement the integer value of a key by the given number", Since: "1.0.0", Group: "string", Complexity: "O(1)"},
	{Name: "incrbyfloat", Arity: 3, Flags: Write | DenyOOM | Fast, Categories: CatString, Keys: strKey(RW | Access | Update), Handler: strIncrbyfloat,
		Summary: "Increment the float value of a key by the given amount", Since: "2.6.0", Group: "string", Complexity: "O(1)"},
	{Name: "getrange", Arity: 4, Flags: Readonly, Categories: CatString, Keys: strKey(RO | Access), Handler: strGetrange,
		Summary: "Get a substring of the string stored at a key", Since: "2.4.0", Group: "string",
		Complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."},
	{Name: "setrange", Arity: 4, Flags: Write | DenyOOM, Categories: CatString, Keys: strKey(RW | Update), Handler: strSetrange,
		Summary: "Overwrite part of a string at key starting at the specified offset", Since: "2.2.0", Group: "string",
		Complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument."},
	{Name: "substr", Arity: 4, Flags: Readonly, Categories: CatString, Keys: strKey(RO | Access), Handler: strGetrange,
		Summary: "Get a substring of the string stored at a key", Since: "1.0.0", Group: "string",
		Complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."},
	{Name: "lcs", Arity: -3, Flags: Readonly, Categories: CatString, Keys: []KeySpec{{Flags: RO | Access, BeginIndex: 1, LastKey: 1, KeyStep: 1}}, Handler: strLcs,
		Summary: "Find longest common substring", Since: "7.0.0", Group: "string", Complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively"},
}

// newString builds a string value as SET and friends store it; only in-place edits mark it raw.
func newString(c *Ctx, v []byte) keyspace.Object {
	return keyspace.Stamped(keyspace.Object{Type: keyspace.TypeString, Str: v}, c.Now)
}

// unshareString gives o a buffer of its own with room for n bytes before it is edited in
// place, as Redis's dbUnshareStringValue turns a shared or embedded value into a raw one:
// a value stored straight from an argument or built by another command is never written to.
func unshareString(o *keyspace.Object, n int) {
	if !o.Raw {
		b := make([]byte, len(o.Str), max(n, len(o.Str)))
		copy(b, o.Str)
		o.Str = b
		o.Raw = true
	}
}

// growZero extends s with zero bytes to length n (n > len(s)), amortizing repeated growth.
func growZero(s []byte, n int) []byte {
	return append(s, make([]byte, n-len(s))...)
}

// Option flags of SET and GETEX, parsed as Redis's parseExtendedStringArgumentsOrReply does.
const (
	optNX = 1 << iota
	optXX
	optEX
	optPX
	optKeepTTL
	optGet
	optEXAT
	optPXAT
	optPersist
)

const optAnyExpire = optEX | optPX | optEXAT | optPXAT

// strOpts is the outcome of parsing SET/GETEX options.
type strOpts struct {
	flags  int
	expire []byte // the EX/PX/EXAT/PXAT argument, when flags has one of them
}

// parseStrOpts parses the options after the fixed arguments (from index start). isSet selects
// SET's option set (NX XX GET KEEPTTL) over GETEX's (PERSIST). Repeating an option is
// accepted, mutually exclusive ones are a syntax error, exactly as in Redis.
func parseStrOpts(c *Ctx, start int, isSet bool) (strOpts, bool) {
	var o strOpts
	for j := start; j < len(c.Args); j++ {
		opt := c.Args[j]
		hasNext := j+1 < len(c.Args)
		f := o.flags
		switch {
		case isSet && eqFold(opt, "nx") && f&optXX == 0:
			o.flags |= optNX
		case isSet && eqFold(opt, "xx") && f&optNX == 0:
			o.flags |= optXX
		case isSet && eqFold(opt, "get"):
			o.flags |= optGet
		case isSet && eqFold(opt, "keepttl") && f&(optPersist|optAnyExpire) == 0:
			o.flags |= optKeepTTL
		case !isSet && eqFold(opt, "persist") && f&(optAnyExpire|optKeepTTL) == 0:
			o.flags |= optPersist
		case eqFold(opt, "ex") && f&(optKeepTTL|optPersist|optEXAT|optPX|optPXAT) == 0 && hasNext:
			o.flags |= optEX
			o.expire = c.Args[j+1]
			j++
		case eqFold(opt, "px") && f&(optKeepTTL|optPersist|optEX|optEXAT|optPXAT) == 0 && hasNext:
			o.flags |= optPX
			o.expire = c.Args[j+1]
			j++
		case eqFold(opt, "exat") && f&(optKeepTTL|optPersist|optEX|optPX|optPXAT) == 0 && hasNext:
			o.flags |= optEXAT
			o.expire = c.Args[j+1]
			j++
		case eqFold(opt, "pxat") && f&(optKeepTTL|optPersist|optEX|optEXAT|optPX) == 0 && hasNext:
			o.flags |= optPXAT
			o.expire = c.Args[j+1]
			j++
		default:
			c.Err(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// eqFold compares an argument with a lower-case ASCII word, ignoring case. Like the C string
// comparisons of Redis's option parsers, it reads the argument only up to a NUL byte.
func eqFold(b []byte, word string) bool {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) != len(word) {
		return false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != word[i] {
			return false
		}
	}
	return true
}

// expireAt turns an expire argument into an absolute unix-ms deadline. relative marks EX/PX
// (added to the command's clock), seconds marks EX/EXAT. Overflow is an invalid expire time,
// as in Redis's getExpireMillisecondsOrReply.
func expireAt(c *Ctx, arg []byte, relative, seconds bool, cmd string) (int64, bool) {
	n, ok := ParseInt(arg)
	if !ok {
		c.Err(ErrNotInt)
		return 0, false
	}
	if n <= 0 || (seconds && n > math.MaxInt64/1000) {
		c.Err("ERR invalid expire time in '" + cmd + "' command")
		return 0, false
	}
	if seconds {
		n *= 1000
	}
	if relative {
		if n > math.MaxInt64-c.Now {
			c.Err("ERR invalid expire time in '" + cmd + "' command")
			return 0, false
		}
		n += c.Now
	}
	return n, true
}

// strGetReply replies with key's string value (or null) as Redis's getGenericCommand. ok is
// false after a WRONGTYPE reply; found tells whether the key exists.
func strGetReply(c *Ctx, key string) (found, ok bool) {
	o, ok := c.ReadType(key, keyspace.TypeString)
	if !ok {
		return false, false
	}
	if o == nil {
		c.W.Null()
	} else {
		c.W.Bulk(o.Str)
	}
	return o != nil, true
}

func strGet(c *Ctx) { strGetReply(c, c.Key(1)) }

// strStored emits the events of Redis's setKey and friends: "new" when the write created the
// key, then the command's own event.
func strStored(c *Ctx, key string, created bool, event string) {
	if created {
		c.Notify(NotifyNew, "new", key)
	}
	c.Notify(NotifyString, event, key)
}

// setKeyFlags is SET's key access: read-write with GET, otherwise a plain overwrite.
func setKeyFlags(args [][]byte) KeyFlags {
	for _, a := range args[3:] {
		if eqFold(a, "get") {
			return RW | Access | Update
		}
	}
	return OW | Update
}

// setReply selects the replies of the SET family: +OK/null for SET, SETEX and PSETEX, 1/0 for SETNX.
type setReply bool

const (
	replyOK  setReply = false
	replyInt setReply = true
)

// strSetGeneric implements SET and its variants: validate the expire first, then (GET) reply
// with the old value, then apply NX/XX.
func strSetGeneric(c *Ctx, flags int, key string, val, expire []byte, cmd string, reply setReply) {
	var at int64
	hasExpire := flags&optAnyExpire != 0
	if hasExpire {
		var ok bool
		at, ok = expireAt(c, expire, flags&(optEX|optPX) != 0, flags&(optEX|optEXAT) != 0, cmd)
		if !ok {
			return
		}
	}
	if flags&optGet != 0 {
		if _, ok := strGetReply(c, key); !ok {
			return
		}
	}
	found := c.Lookup(key) != nil
	if (flags&optNX != 0 && found) || (flags&optXX != 0 && !found) {
		if flags&optGet == 0 {
			if reply == replyInt {
				c.W.Int(0)
			} else {
				c.W.Null()
			}
		}
		return
	}
	c.DB.Set(key, newString(c, val), flags&optKeepTTL != 0)
	c.Changed(1)
	strStored(c, key, !found, "set")
	if hasExpire {
		c.DB.SetExpire(key, at)
		c.Notify(NotifyGeneric, "expire", key)
	}
	propagateSet(c, flags, val, at)
	if flags&optGet == 0 {
		if reply == replyInt {
			c.W.Int(1)
		} else {
			c.W.OK()
		}
	}
}

// propagateSet records what a SET that stored val must replay as. A relative or second-unit
// expire becomes the absolute SET key value PXAT ms, and Redis drops every other option
// then (the write already happened, so NX/XX/GET no longer matter). Without an expire only GET
// goes: it changes the reply, not the data.
func propagateSet(c *Ctx, flags int, val []byte, at int64) {
	switch {
	case flags&optAnyExpire != 0:
		c.Propagate([]byte("SET"), c.Args[1], val, []byte("PXAT"), propInt(at))
	case flags&optGet != 0:
		args := make([][]byte, 0, len(c.Args))
		for j, a := range c.Args {
			if j < 3 || !eqFold(a, "get") {
				args = append(args, a)
			}
		}
		c.Propagate(args...)
	}
}

func strSet(c *Ctx) {
	o, ok := parseStrOpts(c, 3, true)
	if !ok {
		return
	}
	strSetGeneric(c, o.flags, c.Key(1), c.Args[2], o.expire, "set", replyOK)
}

func strSetnx(c *Ctx) { strSetGeneric(c, optNX, c.Key(1), c.Args[2], nil, "setnx", replyInt) }

func strSetex(c *Ctx) { strSetGeneric(c, optEX, c.Key(1), c.Args[3], c.Args[2], "setex", replyOK) }

func strPsetex(c *Ctx) {
	strSetGeneric(c, optPX, c.Key(1), c.Args[3], c.Args[2], "psetex", replyOK)
}

func strGetset(c *Ctx) {
	key := c.Key(1)
	found, ok := strGetReply(c, key)
	if !ok {
		return
	}
	c.DB.Set(key, newString(c, c.Args[2]), false)
	c.Changed(1)
	c.Propagate([]byte("SET"), c.Args[1], c.Args[2])
	strStored(c, key, !found, "set")
}

func strGetdel(c *Ctx) {
	key := c.Key(1)
	if _, ok := strGetReply(c, key); !ok {
		return
	}
	if c.DB.Delete(key, c.Now) {
		c.Changed(1)
		c.Notify(NotifyGeneric, "del", key)
		propagateDelete(c, c.Args[1], lazyUserDel)
	}
}

// strGetex is GET with an optional TTL change. Unlike SET it validates the expire only once
// the key is known to exist, and deletes the key when EXAT/PXAT is already in the past.
func strGetex(c *Ctx) {
	opts, ok := parseStrOpts(c, 2, false)
	if !ok {
		return
	}
	key := c.Key(1)
	o, ok := c.ReadType(key, keyspace.TypeString)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	var at int64
	if opts.flags&optAnyExpire != 0 {
		at, ok = expireAt(c, opts.expire, opts.flags&(optEX|optPX) != 0, opts.flags&(optEX|optEXAT) != 0, "getex")
		if !ok {
			return
		}
	}
	c.W.Bulk(o.Str)
	switch {
	case opts.flags&(optEXAT|optPXAT) != 0 && at <= c.Now:
		c.DB.Delete(key, c.Now)
		c.Changed(1)
		c.Notify(NotifyGeneric, "del", key)
		propagateDelete(c, c.Args[1], lazyExpire)
	case opts.flags&optAnyExpire != 0:
		c.DB.SetExpire(key, at)
		c.Changed(1)
		c.Notify(NotifyGeneric, "expire", key)
		c.Propagate([]byte("PEXPIREAT"), c.Args[1], propInt(at))
	case opts.flags&optPersist != 0:
		if c.DB.Persist(key) {
			c.Changed(1)
			c.Notify(NotifyGeneric, "persist", key)
			c.Propagate([]byte("PERSIST"), c.Args[1])
		}
	}
}

func strMget(c *Ctx) {
	c.W.Array(len(c.Args) - 1)
	for _, k := range c.Args[1:] {
		o := c.Read(string(k))
		if o == nil || o.Type != keyspace.TypeString {
			c.W.Null()
		} else {
			c.W.Bulk(o.Str)
		}
	}
}

// strMsetGeneric sets every pair in order, so a key given twice ends with its last value.
func strMsetGeneric(c *Ctx, nx bool, cmd string) {
	if len(c.Args)%2 == 0 {
		c.Err("ERR wrong number of arguments for '" + cmd + "' command")
		return
	}
	if nx {
		for j := 1; j < len(c.Args); j += 2 {
			if c.Lookup(string(c.Args[j])) != nil {
				c.W.Int(0)
				return
			}
		}
	}
	for j := 1; j < len(c.Args); j += 2 {
		key := string(c.Args[j])
		created := c.Lookup(key) == nil
		c.DB.Set(key, newString(c, c.Args[j+1]), false)
		strStored(c, key, created, "set")
	}
	c.Changed((len(c.Args) - 1) / 2)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
}

func strMset(c *Ctx) { strMsetGeneric(c, false, "mset") }

func strMsetnx(c *Ctx) { strMsetGeneric(c, true, "msetnx") }

func strAppend(c *Ctx) {
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeString)
	if !ok {
		return
	}
	arg := c.Args[2]
	var total int
	if o == nil {
		c.DB.Set(key, newString(c, arg), false)
		total = len(arg)
	} else {
		total = len(o.Str) + len(arg)
		if total > strMaxBulkLen {
			c.Err(errStrTooBig)
			return
		}
		unshareString(o, total)
		o.Str = append(o.Str, arg...)
		c.DB.Modified(key)
	}
	c.Changed(1)
	strStored(c, key, o == nil, "append")
	c.W.Int(int64(total))
}

func strStrlen(c *Ctx) {
	o, ok := c.ReadType(c.Key(1), keyspace.TypeString)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(len(o.Str)))
}

func strIncrDecr(c *Ctx, incr int64) {
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeString)
	if !ok {
		return
	}
	var v int64
	if o != nil {
		if v, ok = ParseInt(o.Str); !ok {
			c.Err(ErrNotInt)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		c.Err(ErrOverflow)
		return
	}
	v += incr
	s := strconv.AppendInt(make([]byte, 0, 20), v, 10)
	if o != nil {
		// A fresh buffer, not an in-place edit: the result is an integer-encoded value again.
		o.Str, o.Raw, o.Float = s, false, false
		c.DB.Modified(key)
	} else {
		c.DB.Set(key, newString(c, s), false)
	}
	c.Changed(1)
	strStored(c, key, o == nil, "incrby")
	c.W.Int(v)
}

func strIncr(c *Ctx) { strIncrDecr(c, 1) }

func strDecr(c *Ctx) { strIncrDecr(c, -1) }

func strIncrby(c *Ctx) {
	n, ok := c.ArgInt(2)
	if !ok {
		return
	}
	strIncrDecr(c, n)
}

func strDecrby(c *Ctx) {
	n, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.Err("ERR decrement would overflow")
		return
	}
	strIncrDecr(c, -n)
}

func strIncrbyfloat(c *Ctx) {
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeString)
	if !ok {
		return
	}
	var cur []byte
	if o != nil {
		cur = o.Str
	}
	res, errMsg := incrLongDouble(cur, o != nil, c.Args[2])
	if errMsg != "" {
		c.Err(errMsg)
		return
	}
	if o != nil {
		o.Str, o.Raw, o.Float = res, false, true
		c.DB.Modified(key)
	} else {
		obj := newString(c, res)
		obj.Float = true
		c.DB.Set(key, obj, false)
	}
	c.Changed(1)
	// The sum goes as its result: replaying the addition could round differently elsewhere.
	c.Propagate([]byte("SET"), c.Args[1], res, []byte("KEEPTTL"))
	strStored(c, key, o == nil, "incrbyfloat")
	c.W.Bulk(res)
}

// incrLongDouble adds incr to cur (0 when the key does not exist) with the semantics of Redis's INCRBYFLOAT
// on x86-64: both parsed by strtold into an 80-bit long double, summed in that precision and
// printed with "%.17Lf", trailing zeros trimmed. It returns the new value or an error reply.
func incrLongDouble(cur []byte, exists bool, incr []byte) ([]byte, string) {
	// Integers below 2^63 are exact in a 64-bit significand, so their sum needs no big math.
	a, aok := int64(0), true
	if exists {
		a, aok = ParseInt(cur)
	}
	if b, bok := ParseInt(incr); aok && bok && !((b < 0 && a < 0 && b < math.MinInt64-a) || (b > 0 && a > 0 && b > math.MaxInt64-a)) {
		return strconv.AppendInt(nil, a+b, 10), ""
	}
	x := new(big.Float)
	if exists {
		var ok bool
		if x, ok = parseLongDouble(cur); !ok {
			return nil, ErrNotFloat
		}
	}
	y, ok := parseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	const errNaN = "ERR increment would produce NaN or Infinity"
	if x.IsInf() || y.IsInf() {
		return nil, errNaN
	}
	sum := new(big.Float).SetPrec(ldMantBits).Add(x, y)
	if sum.MantExp(nil) > ldMaxExp {
		return nil, errNaN
	}
	return formatLongDouble(sum), ""
}

// The x87 extended format Redis's long double is on x86-64: a 64-bit significand and gradual
// underflow. Exponents follow big.Float's convention, x = m·2^e with 0.5 <= m < 1.
const (
	ldMantBits  = 64
	ldMaxExp    = 16384  // |x| < 2^16384
	ldMinExp    = -16381 // the smallest normal, 2^-16382
	ldMinSubExp = -16445 // subnormals are multiples of 2^-16445
	ldMaxChars  = 5 * 1024
)

// ldRound rounds the exact value x to the nearest long double (ties to even), reporting
// overflow (|x| too large) and underflow (non-zero x rounding to zero), the two cases where
// strtold sets ERANGE and Redis's string2ld rejects the number.
func ldRound(x *big.Float) (overflow, underflow bool) {
	if x.Sign() == 0 || x.IsInf() {
		return false, false
	}
	e := x.MantExp(nil)
	prec := ldMantBits
	if e < ldMinExp {
		prec = e - ldMinSubExp
	}
	if prec <= 0 {
		// Below the smallest subnormal: only values above half of it round up to it.
		half := new(big.Float).SetMantExp(big.NewFloat(1), ldMinSubExp-1)
		if prec < 0 || new(big.Float).Abs(x).Cmp(half) == 0 {
			return false, true
		}
		x.SetMantExp(new(big.Float).SetInt64(int64(x.Sign())), ldMinSubExp)
		return false, false
	}
	x.SetMode(big.ToNearestEven)
	x.SetPrec(uint(prec))
	return x.MantExp(nil) > ldMaxExp, false
}

// parseLongDouble parses s as Redis's string2ld does with glibc's strtold: the whole input
// must be a decimal or hexadecimal float or inf/infinity, with no leading space; NaN, results
// that overflow and non-zero results that underflow to zero are rejected.
func parseLongDouble(s []byte) (*big.Float, bool) {
	if len(s) == 0 || len(s) >= ldMaxChars || isCSpace(s[0]) {
		return nil, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	var x *big.Float
	switch {
	case eqFold(s, "inf") || eqFold(s, "infinity"):
		x = new(big.Float).SetInf(false)
	case len(s) >= 2 && s[0] == '0' && (s[1]|0x20) == 'x':
		var ok bool
		if x, ok = parseHexLD(s[2:]); !ok {
			return nil, false
		}
	default:
		var ok bool
		if x, ok = parseDecLD(s); !ok {
			return nil, false
		}
	}
	if neg {
		x.Neg(x)
	}
	return x, true
}

func isCSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'
}

// scanExp parses a decimal exponent (sign optional), saturating far beyond any range that
// matters so huge exponents cannot overflow.
func scanExp(s []byte) (int, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	n := 0
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if n < 1e8 {
			n = n*10 + int(ch-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

func parseDecLD(s []byte) (*big.Float, bool) {
	digits := make([]byte, 0, len(s))
	frac, i, dot := 0, 0, false
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			digits = append(digits, ch)
			if dot {
				frac++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			goto mantEnd
		}
	}
mantEnd:
	if len(digits) == 0 {
		return nil, false
	}
	exp := 0
	if i < len(s) {
		if s[i]|0x20 != 'e' {
			return nil, false
		}
		var ok bool
		if exp, ok = scanExp(s[i+1:]); !ok {
			return nil, false
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	exp10 := exp - frac
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp10++
	}
	if len(digits) == 0 {
		return new(big.Float), true
	}
	// 10^4933 exceeds the largest long double; below 10^-4951 is under half the smallest
	// subnormal. Deciding these early keeps the exact arithmetic below bounded.
	if len(digits)-1+exp10 >= 4933 || len(digits)+exp10 < -4951 {
		return nil, false
	}
	num, _ := new(big.Int).SetString(string(digits), 10)
	var x *big.Float
	if exp10 >= 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp10)), nil))
		x = new(big.Float).SetInt(num)
	} else {
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-exp10)), nil)
		// Scale so the quotient has at least 66 bits, and keep a sticky bit for the remainder:
		// rounding that to at most 64 bits is then correctly rounded.
		shift := max(0, den.BitLen()-num.BitLen()+66)
		num.Lsh(num, uint(shift))
		q, r := num.QuoRem(num, den, new(big.Int))
		q.Lsh(q, 1)
		if r.Sign() != 0 {
			q.SetBit(q, 0, 1)
		}
		x = new(big.Float).SetInt(q)
		x.SetMantExp(x, -(shift + 1))
	}
	if over, under := ldRound(x); over || under {
		return nil, false
	}
	return x, true
}

func parseHexLD(s []byte) (*big.Float, bool) {
	digits := make([]byte, 0, len(s))
	frac, i, dot := 0, 0, false
	for ; i < len(s); i++ {
		ch := s[i]
		switch {
		case isHexDigit(ch):
			digits = append(digits, ch)
			if dot {
				frac++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			goto mantEnd
		}
	}
mantEnd:
	if len(digits) == 0 {
		return nil, false
	}
	exp := 0
	if i < len(s) {
		if s[i]|0x20 != 'p' {
			return nil, false
		}
		var ok bool
		if exp, ok = scanExp(s[i+1:]); !ok {
			return nil, false
		}
	}
	num, _ := new(big.Int).SetString(string(digits), 16)
	if num.Sign() == 0 {
		return new(big.Float), true
	}
	e := num.BitLen() + exp - 4*frac
	if e > ldMaxExp || e < ldMinSubExp {
		return nil, false
	}
	x := new(big.Float).SetInt(num)
	x.SetMantExp(x, exp-4*frac)
	if over, under := ldRound(x); over || under {
		return nil, false
	}
	return x, true
}

func isHexDigit(ch byte) bool {
	return ch >= '0' && ch <= '9' || ch|0x20 >= 'a' && ch|0x20 <= 'f'
}

// formatLongDouble prints x as "%.17Lf" with trailing zeros (and a bare point) removed, and
// "-0" turned into "0", as Redis's ld2string in LD_STR_HUMAN mode. The decimal expansion of a
// binary float is finite, so the rounding to 17 places (half to even, as glibc) is exact.
func formatLongDouble(x *big.Float) []byte {
	if x.Sign() == 0 {
		return []byte("0")
	}
	neg := x.Sign() < 0
	ax := new(big.Float).Abs(x)
	prec := int(ax.MinPrec())
	e := ax.MantExp(nil)
	m, _ := new(big.Float).SetMantExp(ax, prec-e).Int(nil) // ax = m·2^(e-prec)
	shift := e - prec
	ten17 := new(big.Int).Exp(big.NewInt(10), big.NewInt(17), nil)
	q := new(big.Int).Mul(m, ten17)
	if shift >= 0 {
		q.Lsh(q, uint(shift))
	} else {
		r := new(big.Int).Set(q)
		q.Rsh(q, uint(-shift))
		r.Sub(r, new(big.Int).Lsh(q, uint(-shift)))
		half := new(big.Int).Lsh(big.NewInt(1), uint(-shift-1))
		if cmp := r.Cmp(half); cmp > 0 || (cmp == 0 && q.Bit(0) == 1) {
			q.Add(q, big.NewInt(1))
		}
	}
	digits := q.Text(10)
	for len(digits) < 18 {
		digits = "0" + digits
	}
	intPart, fracPart := digits[:len(digits)-17], digits[len(digits)-17:]
	for len(fracPart) > 0 && fracPart[len(fracPart)-1] == '0' {
		fracPart = fracPart[:len(fracPart)-1]
	}
	out := make([]byte, 0, len(digits)+2)
	if neg && (intPart != "0" || fracPart != "") {
		out = append(out, '-')
	}
	out = append(out, intPart...)
	if fracPart != "" {
		out = append(out, '.')
		out = append(out, fracPart...)
	}
	return out
}

func strGetrange(c *Ctx) {
	start, end, ok := c.argRange()
	if !ok {
		return
	}
	o, ok := c.ReadType(c.Key(1), keyspace.TypeString)
	if !ok {
		return
	}
	if o == nil {
		c.W.BulkString("")
		return
	}
	n := int64(len(o.Str))
	if start < 0 && end < 0 && start > end {
		c.W.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.W.BulkString("")
		return
	}
	c.W.Bulk(o.Str[start : end+1])
}

func strSetrange(c *Ctx) {
	offset, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if offset < 0 {
		c.Err("ERR offset is out of range")
		return
	}
	key, val := c.Key(1), c.Args[3]
	o, ok := c.LookupType(key, keyspace.TypeString)
	if !ok {
		return
	}
	if o != nil && len(val) == 0 {
		c.W.Int(int64(len(o.Str)))
		return
	}
	if o == nil && len(val) == 0 {
		c.W.Int(0)
		return
	}
	// Checked before any allocation; written so that offset+len cannot overflow.
	if offset > strMaxBulkLen-int64(len(val)) {
		c.Err(errStrTooBig)
		return
	}
	end := int(offset) + len(val)
	if o == nil {
		b := make([]byte, end)
		copy(b[offset:], val)
		obj := newString(c, b)
		obj.Raw = true
		c.DB.Set(key, obj, false)
	} else {
		unshareString(o, end)
		if end > len(o.Str) {
			o.Str = growZero(o.Str, end)
		}
		copy(o.Str[offset:], val)
		c.DB.Modified(key)
	}
	c.Changed(1)
	strStored(c, key, o == nil, "setrange")
	if o == nil {
		c.W.Int(int64(end))
	} else {
		c.W.Int(int64(len(o.Str)))
	}
}

// lcsRange is one matching run of LCS ... IDX: a[aStart..aEnd] equals b[bStart..bEnd].
type lcsRange struct{ aStart, aEnd, bStart, bEnd uint32 }

func strLcs(c *Ctx) {
	oa, ob := c.Read(c.Key(1)), c.Read(c.Key(2))
	if (oa != nil && oa.Type != keyspace.TypeString) || (ob != nil && ob.Type != keyspace.TypeString) {
		c.Err("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if oa != nil {
		a = oa.Str
	}
	if ob != nil {
		b = ob.Str
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withMatchLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(c.Args):
			n, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.Err("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		c.Err("ERR String too long for LCS")
		return
	}
	// The DP table is (|a|+1)·(|b|+1) 32-bit cells; Redis refuses it beyond proto-max-bulk-len.
	alen, blen := uint64(len(a)), uint64(len(b))
	if (alen+1)*(blen+1)*4 > strMaxBulkLen {
		c.Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	w := int(blen) + 1
	lcs := make([]uint32, (int(alen)+1)*w)
	for i := 1; i <= int(alen); i++ {
		row, prev := lcs[i*w:(i+1)*w], lcs[(i-1)*w:i*w]
		ai := a[i-1]
		for j := 1; j <= int(blen); j++ {
			if ai == b[j-1] {
				row[j] = prev[j-1] + 1
			} else {
				row[j] = max(prev[j], row[j-1])
			}
		}
	}
	total := lcs[int(alen)*w+int(blen)]
	if getLen {
		c.W.Int(int64(total))
		return
	}
	// Walk back from the end as Redis does, so ties resolve to the same matches.
	idx := total
	result := make([]byte, total)
	var ranges []lcsRange
	cur := lcsRange{aStart: uint32(alen)} // aStart == alen: no range open
	i, j := uint32(alen), uint32(blen)
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if cur.aStart == uint32(alen) {
				cur = lcsRange{i - 1, i - 1, j - 1, j - 1}
			} else if cur.aStart == i && cur.bStart == j {
				cur.aStart--
				cur.bStart--
			} else {
				emit = true
			}
			if cur.aStart == 0 || cur.bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if lcs[int(i-1)*w+int(j)] > lcs[int(i)*w+int(j-1)] {
				i--
			} else {
				j--
			}
			if cur.aStart != uint32(alen) {
				emit = true
			}
		}
		if emit {
			if matchLen := int64(cur.aEnd - cur.aStart + 1); minMatchLen == 0 || matchLen >= minMatchLen {
				ranges = append(ranges, cur)
			}
			cur.aStart = uint32(alen)
		}
	}
	if !getIdx {
		c.W.Bulk(result)
		return
	}
	c.W.Map(2)
	c.W.BulkString("matches")
	c.W.Array(len(ranges))
	for _, r := range ranges {
		if withMatchLen {
			c.W.Array(3)
		} else {
			c.W.Array(2)
		}
		c.W.Array(2)
		c.W.Int(int64(r.aStart))
		c.W.Int(int64(r.aEnd))
		c.W.Array(2)
		c.W.Int(int64(r.bStart))
		c.W.Int(int64(r.bEnd))
		if withMatchLen {
			c.W.Int(int64(r.aEnd - r.aStart + 1))
		}
	}
	c.W.BulkString("len")
	c.W.Int(int64(total))
}
