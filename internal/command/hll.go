package command

import (
	"strconv"
	"strings"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hll"
)

// HyperLogLogs are plain strings in Redis's HLL byte format, so GET, SET, DUMP and
// replication move them unchanged between Redoubt and Redis.

const (
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errCorruptHLL = "INVALIDOBJ Corrupted HLL object detected"
)

var hllCommands = []*Spec{
	{Name: "pfadd", Arity: -2, Flags: Write | DenyOOM | Fast, Categories: CatHyperLogLog,
		Keys:    []KeySpec{{Flags: RW | Insert, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		Handler: pfadd,
		Summary: "Adds the specified elements to the specified HyperLogLog.", Since: "2.8.9", Group: "hyperloglog",
		Complexity: "O(1) to add every element."},
	{Name: "pfcount", Arity: -2, Flags: Readonly | MayReplicate, Categories: CatHyperLogLog,
		Keys: []KeySpec{{Flags: RW | Access, BeginIndex: 1, LastKey: -1, KeyStep: 1,
			Notes: "RW because it may change the internal representation of the key, and propagate to replicas"}},
		Handler: pfcount,
		Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", Since: "2.8.9", Group: "hyperloglog",
		Complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys."},
	{Name: "pfmerge", Arity: -2, Flags: Write | DenyOOM, Categories: CatHyperLogLog,
		Keys: []KeySpec{
			{Flags: RW | Access | Insert, BeginIndex: 1, LastKey: 0, KeyStep: 1},
			{Flags: RO | Access, BeginIndex: 2, LastKey: -1, KeyStep: 1},
		},
		Handler: pfmerge,
		Summary: "Merge N different HyperLogLogs into a single one.", Since: "2.8.9", Group: "hyperloglog",
		Complexity: "O(N) to merge N HyperLogLogs, but with high constant times."},
	{Name: "pfdebug", Arity: 3, Flags: Write | DenyOOM | Admin, Categories: CatHyperLogLog,
		Keys:    []KeySpec{{Flags: RW | Access, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		Handler: pfdebug,
		Summary: "Internal commands for debugging HyperLogLog values", Since: "2.8.9", Group: "hyperloglog", Complexity: "N/A"},
	{Name: "pfselftest", Arity: 1, Flags: Admin, Categories: CatHyperLogLog, Handler: pfselftest,
		Summary: "An internal command for testing HyperLogLog values", Since: "2.8.9", Group: "hyperloglog", Complexity: "N/A"},
}

// hllSparseMax reads hll-sparse-max-bytes once per command.
func hllSparseMax(c *Ctx) int64 {
	if n, err := strconv.ParseInt(configValue(c, "hll-sparse-max-bytes"), 10, 64); err == nil && n >= 0 {
		return n
	}
	return hll.DefaultSparseMaxBytes
}

// hllCheck replies and returns false unless o is a string holding a valid HyperLogLog.
func hllCheck(c *Ctx, o *keyspace.Object) bool {
	if o.Type != keyspace.TypeString {
		c.Err(ErrWrongType)
		return false
	}
	if !hll.Valid(o.Str) {
		c.Err(errNotHLL)
		return false
	}
	return true
}

// hllCreate stores an empty HyperLogLog at key. Redis builds it as a raw string.
func hllCreate(c *Ctx, key string) *keyspace.Object {
	o := c.DB.Create(key)
	*o = keyspace.Stamped(keyspace.Object{Type: keyspace.TypeString, Raw: true, Str: hll.New()}, c.Now)
	return o
}

func pfadd(c *Ctx) {
	key := c.Key(1)
	o := c.Lookup(key)
	updated := 0
	if o == nil {
		o = hllCreate(c, key)
		updated++
	} else {
		if !hllCheck(c, o) {
			return
		}
		unshareString(o, len(o.Str))
	}
	sparseMax := hllSparseMax(c)
	for _, ele := range c.Args[2:] {
		var r int
		o.Str, r = hll.Add(o.Str, ele, sparseMax)
		if r < 0 {
			c.Err(errCorruptHLL)
			return
		}
		updated += r
	}
	if updated > 0 {
		c.DB.Modified(key)
		c.Notify(NotifyString, "pfadd", key)
		c.Changed(updated)
		hll.Invalidate(o.Str)
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

func pfcount(c *Ctx) {
	if len(c.Args) > 2 {
		var max [hll.Registers]uint8
		for i := 1; i < len(c.Args); i++ {
			o := c.Read(c.Key(i))
			if o == nil {
				continue
			}
			if !hllCheck(c, o) {
				return
			}
			if !hll.Merge(&max, o.Str) {
				c.Err(errCorruptHLL)
				return
			}
		}
		c.W.Int(int64(hll.CountRegisters(&max)))
		return
	}
	key := c.Key(1)
	o := c.Read(key)
	if o == nil {
		c.W.Int(0)
		return
	}
	if !hllCheck(c, o) {
		return
	}
	unshareString(o, len(o.Str))
	card, ok := hll.Cached(o.Str)
	if !ok {
		if card, ok = hll.Count(o.Str); !ok {
			c.Err(errCorruptHLL)
			return
		}
		// Refreshing the cache rewrites the string, so it counts as a change to propagate.
		hll.SetCached(o.Str, card)
		c.DB.Modified(key)
		c.Changed(1)
	}
	c.W.Int(int64(card))
}

func pfmerge(c *Ctx) {
	var max [hll.Registers]uint8
	dense := false
	for i := 1; i < len(c.Args); i++ {
		o := c.Read(c.Key(i))
		if o == nil {
			continue
		}
		if !hllCheck(c, o) {
			return
		}
		if !hll.IsSparse(o.Str) {
			dense = true
		}
		if !hll.Merge(&max, o.Str) {
			c.Err(errCorruptHLL)
			return
		}
	}
	key := c.Key(1)
	o := c.Lookup(key)
	if o == nil {
		o = hllCreate(c, key)
	} else {
		// The destination was validated as the first source above.
		unshareString(o, len(o.Str))
	}
	if dense {
		d, ok := hll.ToDense(o.Str)
		if !ok {
			c.Err(errCorruptHLL)
			return
		}
		o.Str = d
	}
	sparseMax := hllSparseMax(c)
	for i, v := range max {
		if v != 0 {
			o.Str, _ = hll.Set(o.Str, i, v, sparseMax)
		}
	}
	hll.Invalidate(o.Str)
	c.DB.Modified(key)
	// Redis reports a merge as "pfadd": in effect it adds many elements at once.
	c.Notify(NotifyString, "pfadd", key)
	c.Changed(1)
	c.W.OK()
}

func pfdebug(c *Ctx) {
	sub := string(c.Args[1])
	key := c.Key(2)
	o := c.Lookup(key)
	if o == nil {
		c.Err("ERR The specified key does not exist")
		return
	}
	if !hllCheck(c, o) {
		return
	}
	unshareString(o, len(o.Str))
	switch strings.ToLower(sub) {
	case "getreg":
		if hll.IsSparse(o.Str) {
			d, ok := hll.ToDense(o.Str)
			if !ok {
				c.Err(errCorruptHLL)
				return
			}
			o.Str = d
			c.Changed(1)
		}
		c.W.Array(hll.Registers)
		for i := 0; i < hll.Registers; i++ {
			c.W.Int(int64(hll.Register(o.Str, i)))
		}
	case "decode":
		if !hll.IsSparse(o.Str) {
			c.Err("ERR HLL encoding is not sparse")
			return
		}
		c.W.BulkString(hll.Decode(o.Str))
	case "encoding":
		if hll.IsSparse(o.Str) {
			c.W.Simple("sparse")
		} else {
			c.W.Simple("dense")
		}
	case "todense":
		if !hll.IsSparse(o.Str) {
			c.W.Int(0)
			return
		}
		d, ok := hll.ToDense(o.Str)
		if !ok {
			c.Err(errCorruptHLL)
			return
		}
		o.Str = d
		c.Changed(1)
		c.W.Int(1)
	default:
		c.Err("ERR Unknown PFDEBUG subcommand '" + sub + "'")
	}
}

func pfselftest(c *Ctx) {
	if msg := hll.SelfTest(hllSparseMax(c)); msg != "" {
		c.Err(msg)
		return
	}
	c.W.OK()
}
