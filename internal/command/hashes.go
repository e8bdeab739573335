package command

import (
	"math"
	"strconv"

	"github.com/redoubt/redoubt/internal/glob"
	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/hash"
)

// Hash commands, following Redis 7.0's t_hash.c: which lookups count keyspace hits, when the
// key is created, the order of keyspace events and every error text.

const (
	errHashNotInt   = "ERR hash value is not an integer"
	errHashNotFloat = "ERR hash value is not a float"
	errNaNIncr      = "ERR value is NaN or Infinity"
	// errCountRange is getRangeLongFromObjectOrReply's text for the range Redis accepts for
	// HRANDFIELD and SRANDMEMBER counts (-LONG_MAX..LONG_MAX).
	errCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errRange      = "ERR value is out of range"
)

// emptyScan is the reply of HSCAN/SSCAN/ZSCAN on a missing key.
const emptyScan = "*2\r\n$1\r\n0\r\n*0\r\n"

const hashScanComplexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."

var hashCommands = []*Spec{
	{Name: "hset", Arity: -4, Flags: Write | DenyOOM | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: hsetCmd,
		Summary: "Set the string value of a hash field", Since: "2.0.0", Group: "hash",
		Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."},
	{Name: "hsetnx", Arity: 4, Flags: Write | DenyOOM | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RW|Insert)}, Handler: hsetnxCmd,
		Summary: "Set the value of a hash field, only if the field does not exist", Since: "2.0.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hget", Arity: 3, Flags: Readonly | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: hgetCmd,
		Summary: "Get the value of a hash field", Since: "2.0.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hmget", Arity: -3, Flags: Readonly | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: hmgetCmd,
		Summary: "Get the values of all the given hash fields", Since: "2.0.0", Group: "hash",
		Complexity: "O(N) where N is the number of fields being requested."},
	{Name: "hmset", Arity: -4, Flags: Write | DenyOOM | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: hsetCmd,
		Summary: "Set multiple hash fields to multiple values", Since: "2.0.0", Group: "hash",
		Complexity: "O(N) where N is the number of fields being set."},
	{Name: "hdel", Arity: -3, Flags: Write | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RW|Delete)}, Handler: hdelCmd,
		Summary: "Delete one or more hash fields", Since: "2.0.0", Group: "hash",
		Complexity: "O(N) where N is the number of fields to be removed."},
	{Name: "hlen", Arity: 2, Flags: Readonly | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO)}, Handler: hlenCmd,
		Summary: "Get the number of fields in a hash", Since: "2.0.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hstrlen", Arity: 3, Flags: Readonly | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO)}, Handler: hstrlenCmd,
		Summary: "Get the length of the value of a hash field", Since: "3.2.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hexists", Arity: 3, Flags: Readonly | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO)}, Handler: hexistsCmd,
		Summary: "Determine if a hash field exists", Since: "2.0.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hkeys", Arity: 2, Flags: Readonly, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { hgetallGeneric(c, true, false) },
		Summary: "Get all the fields in a hash", Since: "2.0.0", Group: "hash", Complexity: "O(N) where N is the size of the hash."},
	{Name: "hvals", Arity: 2, Flags: Readonly, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { hgetallGeneric(c, false, true) },
		Summary: "Get all the values in a hash", Since: "2.0.0", Group: "hash", Complexity: "O(N) where N is the size of the hash."},
	{Name: "hgetall", Arity: 2, Flags: Readonly, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { hgetallGeneric(c, true, true) },
		Summary: "Get all the fields and values in a hash", Since: "2.0.0", Group: "hash", Complexity: "O(N) where N is the size of the hash."},
	{Name: "hincrby", Arity: 4, Flags: Write | DenyOOM | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RW|Access|Update)}, Handler: hincrbyCmd,
		Summary: "Increment the integer value of a hash field by the given number", Since: "2.0.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hincrbyfloat", Arity: 4, Flags: Write | DenyOOM | Fast, Categories: CatHash, Keys: []KeySpec{keyAt(1, RW|Access|Update)}, Handler: hincrbyfloatCmd,
		Summary: "Increment the float value of a hash field by the given amount", Since: "2.6.0", Group: "hash", Complexity: "O(1)"},
	{Name: "hrandfield", Arity: -2, Flags: Readonly, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOut, Handler: hrandfieldCmd,
		Summary: "Get one or multiple random fields from a hash", Since: "6.2.0", Group: "hash", Complexity: "O(N) where N is the number of fields returned"},
	{Name: "hscan", Arity: -3, Flags: Readonly, Categories: CatHash, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOut, Handler: hscanCmd,
		Summary: "Incrementally iterate hash fields and associated values", Since: "2.8.0", Group: "hash", Complexity: hashScanComplexity},
}

var tipsNondetOrder = []string{"nondeterministic_output_order"}

func hashLimits(c *Ctx) hash.Limits {
	l := c.Host.Limits()
	return hash.Limits{Entries: l.HashListpackEntries, Value: l.HashListpackValue}
}

// hashForWrite returns key's hash for a write (a lookup that counts no hit or miss). When the
// key is absent it returns a new hash that hashStore adds to the database once it holds
// something, so a failing command never leaves an empty hash behind. ok is false after a
// WRONGTYPE reply.
func hashForWrite(c *Ctx, key string) (h *hash.Hash, created, ok bool) {
	o, ok := c.LookupType(key, keyspace.TypeHash)
	if !ok {
		return nil, false, false
	}
	if o == nil {
		return hash.New(), true, true
	}
	return o.Val.(*hash.Hash), false, true
}

// hashStore publishes a write to h: it adds a created hash to the database with Redis's "new"
// event (dbAdd), or signals the in-place change.
func hashStore(c *Ctx, key string, h *hash.Hash, created bool) {
	if created {
		c.DB.Set(key, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeHash, Val: h}, c.Now), false)
		c.Notify(NotifyNew, "new", key)
		return
	}
	c.DB.Modified(key)
}

// hashForRead looks key up for a read (counting a hit or miss); nil when absent or after a
// WRONGTYPE reply, which ok distinguishes.
func hashForRead(c *Ctx, key string) (h *hash.Hash, ok bool) {
	o, ok := c.ReadType(key, keyspace.TypeHash)
	if o == nil {
		return nil, ok
	}
	return o.Val.(*hash.Hash), true
}

// hsetCmd serves HSET (replying with the number of new fields) and HMSET (replying OK).
func hsetCmd(c *Ctx) {
	if len(c.Args)%2 == 1 {
		c.Err("ERR wrong number of arguments for '" + c.Spec.Name + "' command")
		return
	}
	key := c.Key(1)
	h, created, ok := hashForWrite(c, key)
	if !ok {
		return
	}
	lim := hashLimits(c)
	added := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(c.Args[i], c.Args[i+1], lim) {
			added++
		}
	}
	if c.Spec.Name == "hset" {
		c.W.Int(int64(added))
	} else {
		c.W.OK()
	}
	hashStore(c, key, h, created)
	c.Notify(NotifyHash, "hset", key)
	c.Changed((len(c.Args) - 2) / 2)
}

func hsetnxCmd(c *Ctx) {
	key := c.Key(1)
	h, created, ok := hashForWrite(c, key)
	if !ok {
		return
	}
	if h.Has(c.Args[2]) {
		c.W.Int(0)
		return
	}
	h.Set(c.Args[2], c.Args[3], hashLimits(c))
	c.W.Int(1)
	hashStore(c, key, h, created)
	c.Notify(NotifyHash, "hset", key)
	c.Changed(1)
}

func hgetCmd(c *Ctx) {
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	hashWriteField(c.W, h, c.Args[2])
}

// hashWriteField replies with the value of field, or null when h is nil or lacks it.
func hashWriteField(w *resp.Writer, h *hash.Hash, field []byte) {
	if h != nil {
		if v, found := h.Get(field); found {
			w.BulkString(v)
			return
		}
	}
	w.Null()
}

func hmgetCmd(c *Ctx) {
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, f := range c.Args[2:] {
		hashWriteField(c.W, h, f)
	}
}

func hdelCmd(c *Ctx) {
	removeMembers(c, keyspace.TypeHash, NotifyHash, "hdel", func(val any, m []byte) (bool, int) {
		h := val.(*hash.Hash)
		return h.Delete(m), h.Len()
	})
}

func hlenCmd(c *Ctx) {
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(h.Len()))
}

func hstrlenCmd(c *Ctx) {
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.Get(c.Args[2])
		n = len(v)
	}
	c.W.Int(int64(n))
}

func hexistsCmd(c *Ctx) {
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	if h != nil && h.Has(c.Args[2]) {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

// hgetallGeneric serves HKEYS, HVALS and HGETALL; only HGETALL, with both, replies with a map.
func hgetallGeneric(c *Ctx, fields, values bool) {
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		c.W.Map(n)
	} else {
		c.W.Array(n)
	}
	if h == nil {
		return
	}
	for f, v := range h.All() {
		if fields {
			c.W.BulkString(f)
		}
		if values {
			c.W.BulkString(v)
		}
	}
}

func hincrbyCmd(c *Ctx) {
	incr, ok := c.ArgInt(3)
	if !ok {
		return
	}
	key := c.Key(1)
	h, created, ok := hashForWrite(c, key)
	if !ok {
		return
	}
	var cur int64
	if v, found := h.Get(c.Args[2]); found {
		if cur, ok = ParseInt([]byte(v)); !ok {
			c.Err(errHashNotInt)
			return
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.Err(ErrOverflow)
		return
	}
	cur += incr
	h.Set(c.Args[2], strconv.AppendInt(nil, cur, 10), hashLimits(c))
	c.W.Int(cur)
	hashStore(c, key, h, created)
	c.Notify(NotifyHash, "hincrby", key)
	c.Changed(1)
}

// hincrbyfloatCmd adds in Redis's x87 long double and prints with its "%.17Lf" trimming, the
// arithmetic INCRBYFLOAT shares.
func hincrbyfloatCmd(c *Ctx) {
	incr, ok := parseLongDouble(c.Args[3])
	if !ok {
		c.Err(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Err(errNaNIncr)
		return
	}
	key := c.Key(1)
	h, created, ok := hashForWrite(c, key)
	if !ok {
		return
	}
	v, found := h.Get(c.Args[2])
	cur := []byte(v)
	if found {
		if _, ok := parseLongDouble(cur); !ok {
			c.Err(errHashNotFloat)
			return
		}
	}
	res, msg := incrLongDouble(cur, found, c.Args[3])
	if msg != "" {
		c.Err(msg)
		return
	}
	h.Set(c.Args[2], res, hashLimits(c))
	c.W.Bulk(res)
	hashStore(c, key, h, created)
	c.Notify(NotifyHash, "hincrbyfloat", key)
	c.Changed(1)
	// The sum goes as its result: replaying the addition could round differently elsewhere.
	c.Propagate([]byte("HSET"), c.Args[1], c.Args[2], res)
}

// randCount parses the count of HRANDFIELD and SRANDMEMBER, which Redis bounds to
// -LONG_MAX..LONG_MAX so that its absolute value cannot overflow.
func randCount(c *Ctx) (n int64, ok bool) {
	if n, ok = c.ArgInt(2); !ok {
		return 0, false
	}
	if n == math.MinInt64 {
		c.Err(errCountRange)
		return 0, false
	}
	return n, true
}

// maxRandReply bounds the reply of a repeating random pick (negative count), whose size the
// client chooses regardless of the value's size: Redis builds such a reply of any size and
// runs out of memory; we refuse one estimated past proto-max-bulk-len's default, with the
// error Redis gives for counts out of its range.
const maxRandReply = 512 << 20

// randReplyOK checks a repeating pick of count elements of about elemBytes each against
// maxRandReply, replying with an error when it is too large.
func randReplyOK(c *Ctx, count uint64, elemBytes int64) bool {
	const framing = 32 // bulk headers, CRLFs and RESP3 pair arrays
	if count > uint64(maxRandReply/(elemBytes+framing)) {
		c.Err(errRange)
		return false
	}
	return true
}

func hrandfieldCmd(c *Ctx) {
	if len(c.Args) == 2 {
		h, ok := hashForRead(c, c.Key(1))
		if !ok {
			return
		}
		if h == nil {
			c.W.Null()
			return
		}
		f, _ := h.Random()
		c.W.BulkString(f)
		return
	}
	l, ok := randCount(c)
	if !ok {
		return
	}
	withValues := false
	if len(c.Args) > 4 || (len(c.Args) == 4 && !isOpt(c.Args[3], "withvalues")) {
		c.Err(ErrSyntax)
		return
	}
	if len(c.Args) == 4 {
		withValues = true
		// The RESP2 reply doubles the count.
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.Err(errRange)
			return
		}
	}
	h, ok := hashForRead(c, c.Key(1))
	if !ok {
		return
	}
	if h == nil || l == 0 {
		c.W.Array(0)
		return
	}
	w := c.W
	pairs := withValues && w.Proto >= 3
	header := func(n int) {
		if withValues && !pairs {
			w.Array(2 * n)
		} else {
			w.Array(n)
		}
	}
	emit := func(f, v string) {
		if pairs {
			w.Array(2)
		}
		w.BulkString(f)
		if withValues {
			w.BulkString(v)
		}
	}
	size := h.Len()
	// A negative count may repeat fields; a count of one is served the same way.
	if l < 0 || l == 1 {
		count := uint64(l)
		if l < 0 {
			count = uint64(-l)
		}
		if !randReplyOK(c, count, h.Bytes()/int64(size)) {
			return
		}
		header(int(count))
		for ; count > 0; count-- {
			emit(h.Random())
		}
		return
	}
	if l >= int64(size) {
		header(size)
		for f, v := range h.All() {
			emit(f, v)
		}
		return
	}
	header(int(l))
	h.Sample(int(l), emit)
}

func hscanCmd(c *Ctx) {
	scanAggregate(c, keyspace.TypeHash, func(val any, cursor uint64, opt scanOpts) (next uint64, out []string) {
		next = val.(*hash.Hash).Scan(cursor, opt.count, func(f, v string) {
			if opt.matches(f) {
				out = append(out, f, v)
			}
		})
		return next, out
	})
}

// scanAggregate is the shape of HSCAN, SSCAN and ZSCAN: parse the cursor, look the key up,
// parse the options, and let scan walk the value and collect the reply's strings.
func scanAggregate(c *Ctx, t keyspace.Type, scan func(val any, cursor uint64, opt scanOpts) (uint64, []string)) {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		c.Err(errBadCursor)
		return
	}
	o, ok := c.ReadType(c.Key(1), t)
	if !ok {
		return
	}
	if o == nil {
		c.W.Raw([]byte(emptyScan))
		return
	}
	opt, ok := parseScanOpts(c, 3)
	if !ok {
		return
	}
	next, out := scan(o.Val, cursor, opt)
	writeScanReply(c, next, out)
}

// scanOpts are the COUNT and MATCH options of HSCAN, SSCAN and ZSCAN.
type scanOpts struct {
	count      int64
	pattern    string
	usePattern bool
}

func (o scanOpts) matches(s string) bool {
	return !o.usePattern || glob.MatchString(o.pattern, s, false)
}

// parseScanOpts parses the options from argument i on as Redis's scanGenericCommand does for
// a key's value: the last COUNT and MATCH win and TYPE is a syntax error.
func parseScanOpts(c *Ctx, i int) (scanOpts, bool) {
	o := scanOpts{count: 10}
	for ; i < len(c.Args); i += 2 {
		if len(c.Args)-i < 2 {
			c.Err(ErrSyntax)
			return o, false
		}
		switch opt, val := c.Args[i], c.Args[i+1]; {
		case isOpt(opt, "count"):
			n, ok := c.ArgInt(i + 1)
			if !ok {
				return o, false
			}
			if n < 1 {
				c.Err(ErrSyntax)
				return o, false
			}
			o.count = n
		case isOpt(opt, "match"):
			// "*" matches everything, the empty string included, so Redis skips matching.
			o.pattern, o.usePattern = string(val), !matchAll(val)
		default:
			c.Err(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

func writeScanReply(c *Ctx, cursor uint64, items []string) {
	c.W.Array(2)
	c.W.BulkString(strconv.FormatUint(cursor, 10))
	c.W.StringArray(items)
}
