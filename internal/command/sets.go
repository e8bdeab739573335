package command

import (
	"slices"
	"sort"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/set"
)

// Set commands, following Redis 7.0's t_set.c: which lookups count keyspace hits, when keys
// are created and deleted, the order of keyspace events, every error text, and the way
// results are built (so that a result held as an intset is listed in ascending order exactly
// when Redis's is).

const (
	errNumkeys     = "ERR numkeys should be greater than 0"
	errNumkeysArgs = "ERR Number of keys can't be greater than number of args"
	errLimitNeg    = "ERR LIMIT can't be negative"
	errPositive    = "ERR value is out of range, must be positive"
)

// setKeys is the key spec of SINTER, SUNION and SDIFF: every argument is a key.
var setKeys = []KeySpec{{Flags: RO | Access, BeginIndex: 1, LastKey: -1, KeyStep: 1}}

// setStoreKeys is the key spec of the *STORE variants: a destination, then source keys.
func setStoreKeys(dst KeyFlags) []KeySpec {
	return []KeySpec{keyAt(1, dst), {Flags: RO | Access, BeginIndex: 2, LastKey: -1, KeyStep: 1}}
}

var setCommands = []*Spec{
	{Name: "sadd", Arity: -3, Flags: Write | DenyOOM | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RW|Insert)}, Handler: saddCmd,
		Summary: "Add one or more members to a set", Since: "1.0.0", Group: "set",
		Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."},
	{Name: "srem", Arity: -3, Flags: Write | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RW|Delete)}, Handler: sremCmd,
		Summary: "Remove one or more members from a set", Since: "1.0.0", Group: "set",
		Complexity: "O(N) where N is the number of members to be removed."},
	{Name: "scard", Arity: 2, Flags: Readonly | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RO)}, Handler: scardCmd,
		Summary: "Get the number of members in a set", Since: "1.0.0", Group: "set", Complexity: "O(1)"},
	{Name: "sismember", Arity: 3, Flags: Readonly | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RO)}, Handler: sismemberCmd,
		Summary: "Determine if a given value is a member of a set", Since: "1.0.0", Group: "set", Complexity: "O(1)"},
	{Name: "smismember", Arity: -3, Flags: Readonly | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: smismemberCmd,
		Summary: "Returns the membership associated with the given elements for a set", Since: "6.2.0", Group: "set",
		Complexity: "O(N) where N is the number of elements being checked for membership"},
	{Name: "smembers", Arity: 2, Flags: Readonly, Categories: CatSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { setInter(c, c.Args[1:], "", interReply, 0) },
		Summary: "Get all the members in a set", Since: "1.0.0", Group: "set", Complexity: "O(N) where N is the set cardinality."},
	{Name: "srandmember", Arity: -2, Flags: Readonly, Categories: CatSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOut, Handler: srandmemberCmd,
		Summary: "Get one or multiple random members from a set", Since: "1.0.0", Group: "set",
		Complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."},
	{Name: "spop", Arity: -2, Flags: Write | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RW|Access|Delete)}, Tips: tipsNondetOut, Handler: spopCmd,
		Summary: "Remove and return one or multiple random members from a set", Since: "1.0.0", Group: "set",
		Complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count."},
	{Name: "smove", Arity: 4, Flags: Write | Fast, Categories: CatSet, Keys: []KeySpec{keyAt(1, RW|Access|Delete), keyAt(2, RW|Insert)}, Handler: smoveCmd,
		Summary: "Move a member from one set to another", Since: "1.0.0", Group: "set", Complexity: "O(1)"},
	{Name: "sinter", Arity: -2, Flags: Readonly, Categories: CatSet, Keys: setKeys, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { setInter(c, c.Args[1:], "", interReply, 0) },
		Summary: "Intersect multiple sets", Since: "1.0.0", Group: "set",
		Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."},
	{Name: "sintercard", Arity: -3, Flags: Readonly, Categories: CatSet,
		Keys:    []KeySpec{{Flags: RO | Access, BeginIndex: 1, Keynum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Handler: sintercardCmd,
		Summary: "Intersect multiple sets and return the cardinality of the result", Since: "7.0.0", Group: "set",
		Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."},
	{Name: "sinterstore", Arity: -3, Flags: Write | DenyOOM, Categories: CatSet, Keys: setStoreKeys(RW | Update),
		Handler: func(c *Ctx) { setInter(c, c.Args[2:], c.Key(1), interStore, 0) },
		Summary: "Intersect multiple sets and store the resulting set in a key", Since: "1.0.0", Group: "set",
		Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."},
	{Name: "sunion", Arity: -2, Flags: Readonly, Categories: CatSet, Keys: setKeys, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { setUnionDiff(c, c.Args[1:], "", false, false) },
		Summary: "Add multiple sets", Since: "1.0.0", Group: "set", Complexity: "O(N) where N is the total number of elements in all given sets."},
	{Name: "sunionstore", Arity: -3, Flags: Write | DenyOOM, Categories: CatSet, Keys: setStoreKeys(OW | Update),
		Handler: func(c *Ctx) { setUnionDiff(c, c.Args[2:], c.Key(1), true, false) },
		Summary: "Add multiple sets and store the resulting set in a key", Since: "1.0.0", Group: "set",
		Complexity: "O(N) where N is the total number of elements in all given sets."},
	{Name: "sdiff", Arity: -2, Flags: Readonly, Categories: CatSet, Keys: setKeys, Tips: tipsNondetOrder,
		Handler: func(c *Ctx) { setUnionDiff(c, c.Args[1:], "", false, true) },
		Summary: "Subtract multiple sets", Since: "1.0.0", Group: "set", Complexity: "O(N) where N is the total number of elements in all given sets."},
	{Name: "sdiffstore", Arity: -3, Flags: Write | DenyOOM, Categories: CatSet, Keys: setStoreKeys(OW | Update),
		Handler: func(c *Ctx) { setUnionDiff(c, c.Args[2:], c.Key(1), true, true) },
		Summary: "Subtract multiple sets and store the resulting set in a key", Since: "1.0.0", Group: "set",
		Complexity: "O(N) where N is the total number of elements in all given sets."},
	{Name: "sscan", Arity: -3, Flags: Readonly, Categories: CatSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOut, Handler: sscanCmd,
		Summary: "Incrementally iterate Set elements", Since: "2.8.0", Group: "set", Complexity: hashScanComplexity},
}

func intsetLimit(c *Ctx) int64 { return c.Host.Limits().SetIntsetEntries }

// setForWrite returns key's set for a write (a lookup that counts no hit or miss), or a new
// set that setStore adds to the database; ok is false after a WRONGTYPE reply.
func setForWrite(c *Ctx, key string) (s *set.Set, created, ok bool) {
	o, ok := c.LookupType(key, keyspace.TypeSet)
	if !ok {
		return nil, false, false
	}
	if o == nil {
		return set.New(), true, true
	}
	return o.Val.(*set.Set), false, true
}

// setStore publishes a write to s: it adds a created set to the database with Redis's "new"
// event (dbAdd), or signals the in-place change.
func setStore(c *Ctx, key string, s *set.Set, created bool) {
	if created {
		c.DB.Set(key, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeSet, Val: s}, c.Now), false)
		c.Notify(NotifyNew, "new", key)
		return
	}
	c.DB.Modified(key)
}

// setForRead looks key up for a read (counting a hit or miss); nil when absent or after a
// WRONGTYPE reply, which ok distinguishes.
func setForRead(c *Ctx, key string) (s *set.Set, ok bool) {
	o, ok := c.ReadType(key, keyspace.TypeSet)
	if o == nil {
		return nil, ok
	}
	return o.Val.(*set.Set), true
}

func writeMember(w *resp.Writer, m set.Member) {
	if m.IsInt {
		w.BulkInt(m.Int)
	} else {
		w.BulkString(m.Str)
	}
}

func saddCmd(c *Ctx) {
	key := c.Key(1)
	s, created, ok := setForWrite(c, key)
	if !ok {
		return
	}
	limit := intsetLimit(c)
	added := 0
	for _, m := range c.Args[2:] {
		if s.Add(m, limit) {
			added++
		}
	}
	if added > 0 {
		setStore(c, key, s, created)
		c.Notify(NotifySet, "sadd", key)
	}
	c.Changed(added)
	c.W.Int(int64(added))
}

func sremCmd(c *Ctx) {
	removeMembers(c, keyspace.TypeSet, NotifySet, "srem", func(val any, m []byte) (bool, int) {
		s := val.(*set.Set)
		return s.Remove(m), s.Len()
	})
}

func smoveCmd(c *Ctx) {
	srcKey, dstKey, member := c.Key(1), c.Key(2), c.Args[3]
	srcObj, dstObj := c.Lookup(srcKey), c.Lookup(dstKey)
	// As in Redis, a missing source answers 0 before any type check.
	if srcObj == nil {
		c.W.Int(0)
		return
	}
	if srcObj.Type != keyspace.TypeSet || (dstObj != nil && dstObj.Type != keyspace.TypeSet) {
		c.Err(ErrWrongType)
		return
	}
	src := srcObj.Val.(*set.Set)
	if srcKey == dstKey {
		if src.Has(member) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
		return
	}
	if !src.Remove(member) {
		c.W.Int(0)
		return
	}
	c.Notify(NotifySet, "srem", srcKey)
	if src.Len() == 0 {
		c.DB.Delete(srcKey, c.Now)
		c.Notify(NotifyGeneric, "del", srcKey)
	} else {
		c.DB.Modified(srcKey)
	}
	c.Changed(1)
	var dst *set.Set
	if dstObj != nil {
		dst = dstObj.Val.(*set.Set)
	} else {
		dst = set.New()
	}
	if dst.Add(member, intsetLimit(c)) {
		c.Changed(1)
		setStore(c, dstKey, dst, dstObj == nil)
		c.Notify(NotifySet, "sadd", dstKey)
	}
	c.W.Int(1)
}

func sismemberCmd(c *Ctx) {
	s, ok := setForRead(c, c.Key(1))
	if !ok {
		return
	}
	if s != nil && s.Has(c.Args[2]) {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

func smismemberCmd(c *Ctx) {
	s, ok := setForRead(c, c.Key(1))
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if s != nil && s.Has(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func scardCmd(c *Ctx) {
	s, ok := setForRead(c, c.Key(1))
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

func spopCmd(c *Ctx) {
	if len(c.Args) == 3 {
		spopCountCmd(c)
		return
	}
	if len(c.Args) > 3 {
		c.Err(ErrSyntax)
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeSet)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	s := o.Val.(*set.Set)
	m := s.PopRandom()
	c.Notify(NotifySet, "spop", key)
	writeMember(c.W, m)
	// The member was chosen at random: a replay must remove that one.
	c.Propagate([]byte("SREM"), c.Args[1], []byte(m.String()))
	if s.Len() == 0 {
		c.DB.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
	} else {
		c.DB.Modified(key)
	}
	c.Changed(1)
}

func spopCountCmd(c *Ctx) {
	n, ok := ParseInt(c.Args[2])
	if !ok || n < 0 {
		c.Err(errPositive)
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeSet)
	if !ok {
		return
	}
	if o == nil || n == 0 {
		c.W.Set(0)
		return
	}
	s := o.Val.(*set.Set)
	size := s.Len()
	c.Notify(NotifySet, "spop", key)
	if n >= int64(size) {
		// Redis replies through SUNION of the key, whose read lookup counts a hit.
		c.Hits++
		c.Changed(size)
		c.W.Set(size)
		for m := range s.All() {
			writeMember(c.W, m)
		}
		c.DB.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
		// Popping every member is deleting the key, whichever members a replay would pick.
		c.Propagate([]byte("DEL"), c.Args[1])
		return
	}
	c.Changed(int(n))
	popped := s.Pop(int(n))
	c.W.Set(len(popped))
	for _, m := range popped {
		writeMember(c.W, m)
		// One SREM per member, as Redis 7.0 propagates them.
		c.Propagate([]byte("SREM"), c.Args[1], []byte(m.String()))
	}
	c.DB.Modified(key)
}

func srandmemberCmd(c *Ctx) {
	if len(c.Args) > 3 {
		c.Err(ErrSyntax)
		return
	}
	if len(c.Args) == 2 {
		s, ok := setForRead(c, c.Key(1))
		if !ok {
			return
		}
		if s == nil {
			c.W.Null()
			return
		}
		writeMember(c.W, s.Random())
		return
	}
	l, ok := randCount(c)
	if !ok {
		return
	}
	s, ok := setForRead(c, c.Key(1))
	if !ok {
		return
	}
	if s == nil || l == 0 {
		c.W.Array(0)
		return
	}
	size := s.Len()
	// A negative count may repeat members; a count of one is served the same way.
	if l < 0 || l == 1 {
		count := uint64(l)
		if l < 0 {
			count = uint64(-l)
		}
		if !randReplyOK(c, count, s.Bytes()/int64(size)) {
			return
		}
		c.W.Array(int(count))
		for ; count > 0; count-- {
			writeMember(c.W, s.Random())
		}
		return
	}
	if l >= int64(size) {
		c.W.Array(size)
		for m := range s.All() {
			writeMember(c.W, m)
		}
		return
	}
	c.W.Array(int(l))
	s.Sample(int(l), func(m set.Member) { writeMember(c.W, m) })
}

// readSets looks every key up for a read, as SINTER, SUNION and SDIFF do before any work: a
// missing key is a nil set, and any key of another type fails the command with WRONGTYPE.
func readSets(c *Ctx, keys [][]byte) ([]*set.Set, bool) {
	sets := make([]*set.Set, len(keys))
	for i, k := range keys {
		o := c.Read(string(k))
		if o == nil {
			continue
		}
		if o.Type != keyspace.TypeSet {
			c.Err(ErrWrongType)
			return nil, false
		}
		sets[i] = o.Val.(*set.Set)
	}
	return sets, true
}

// storeSetResult stores the result of a *STORE command at dst, replacing whatever was there
// (TTL included) as Redis's setKey, or deletes dst when the result is empty.
func storeSetResult(c *Ctx, dst string, res *set.Set, event string) {
	if res.Len() == 0 {
		c.W.Int(0)
		if c.DB.Delete(dst, c.Now) {
			c.Changed(1)
			c.Notify(NotifyGeneric, "del", dst)
		}
		return
	}
	created := c.Lookup(dst) == nil
	c.DB.Set(dst, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeSet, Val: res}, c.Now), false)
	c.W.Int(int64(res.Len()))
	if created {
		c.Notify(NotifyNew, "new", dst)
	}
	c.Notify(NotifySet, event, dst)
	c.Changed(1)
}

// interMode selects what setInter does with the intersection.
type interMode int

const (
	interReply interMode = iota // SINTER, SMEMBERS: reply with the members
	interStore                  // SINTERSTORE: store them at the destination
	interCard                   // SINTERCARD: reply with their number
)

// setInter serves SMEMBERS, SINTER, SINTERSTORE and SINTERCARD (whose limit, 0 for none,
// stops the count early). It walks the smallest set and keeps the members every other set
// has, so an intersection read from an intset comes out sorted, as in Redis.
func setInter(c *Ctx, keys [][]byte, dst string, mode interMode, limit int64) {
	sets, ok := readSets(c, keys)
	if !ok {
		return
	}
	if slices.Contains(sets, nil) {
		switch mode {
		case interStore:
			storeSetResult(c, dst, set.New(), "sinterstore")
		case interCard:
			c.W.Int(0)
		default:
			c.W.Set(0)
		}
		return
	}
	if mode == interReply && len(sets) == 1 {
		// SMEMBERS: the size is known, so the members need no buffering.
		c.W.Set(sets[0].Len())
		for m := range sets[0].All() {
			writeMember(c.W, m)
		}
		return
	}
	// Redis sorts with glibc's qsort, a merge sort here, so ties keep the argument order.
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].Len() < sets[j].Len() })
	var (
		res   = set.New()
		out   []set.Member
		count int64
	)
	maxIntset := intsetLimit(c)
walk:
	for m := range sets[0].All() {
		for _, other := range sets[1:] {
			if other != sets[0] && !other.HasMember(m) {
				continue walk
			}
		}
		switch mode {
		case interCard:
			count++
			if limit > 0 && count >= limit {
				break walk
			}
		case interStore:
			res.AddMember(m, maxIntset)
		default:
			out = append(out, m)
		}
	}
	switch mode {
	case interCard:
		c.W.Int(count)
	case interStore:
		storeSetResult(c, dst, res, "sinterstore")
	default:
		c.W.Set(len(out))
		for _, m := range out {
			writeMember(c.W, m)
		}
	}
}

func sintercardCmd(c *Ctx) {
	numkeys, ok := ParseInt(c.Args[1])
	if !ok || numkeys < 1 {
		c.Err(errNumkeys)
		return
	}
	if numkeys > int64(len(c.Args)-2) {
		c.Err(errNumkeysArgs)
		return
	}
	limit := int64(0)
	for j := 2 + int(numkeys); j < len(c.Args); j++ {
		if !isOpt(c.Args[j], "limit") || j+1 == len(c.Args) {
			c.Err(ErrSyntax)
			return
		}
		j++
		if limit, ok = ParseInt(c.Args[j]); !ok || limit < 0 {
			c.Err(errLimitNeg)
			return
		}
	}
	setInter(c, c.Args[2:2+numkeys], "", interCard, limit)
}

// setUnionDiff serves SUNION, SDIFF and their *STORE variants. The result is built as Redis
// builds it, in a set that starts as an intset, with SDIFF choosing between Redis's two
// algorithms by the same estimate: the order a result is listed in depends on whether it
// stayed an intset, so the same choices give the same order.
func setUnionDiff(c *Ctx, keys [][]byte, dst string, store, diff bool) {
	sets, ok := readSets(c, keys)
	if !ok {
		return
	}
	limit := intsetLimit(c)
	res := set.New()
	switch {
	case !diff:
		for _, s := range sets {
			if s == nil {
				continue
			}
			for m := range s.All() {
				res.AddMember(m, limit)
			}
		}
	case sets[0] == nil:
	case diffByLookup(sets):
		for m := range sets[0].All() {
			found := false
			for _, other := range sets[1:] {
				if other != nil && (other == sets[0] || other.HasMember(m)) {
					found = true
					break
				}
			}
			if !found {
				res.AddMember(m, limit)
			}
		}
	default:
		for i, s := range sets {
			if s == nil {
				continue
			}
			for m := range s.All() {
				if i == 0 {
					res.AddMember(m, limit)
				} else {
					res.RemoveMember(m)
				}
			}
			if res.Len() == 0 {
				break
			}
		}
	}
	if store {
		event := "sunionstore"
		if diff {
			event = "sdiffstore"
		}
		storeSetResult(c, dst, res, event)
		return
	}
	c.W.Set(res.Len())
	for m := range res.All() {
		writeMember(c.W, m)
	}
}

// diffByLookup is Redis's choice of SDIFF algorithm: looking each member of the first set up
// in the others (O(N*M)), unless adding the first set and removing all the others is
// estimated cheaper.
func diffByLookup(sets []*set.Set) bool {
	var byLookup, byRemoval int64
	for _, s := range sets {
		if s == nil {
			continue
		}
		byLookup += int64(sets[0].Len())
		byRemoval += int64(s.Len())
	}
	return byLookup/2 <= byRemoval
}

func sscanCmd(c *Ctx) {
	scanAggregate(c, keyspace.TypeSet, func(val any, cursor uint64, opt scanOpts) (next uint64, out []string) {
		next = val.(*set.Set).Scan(cursor, opt.count, func(m set.Member) {
			if str := m.String(); opt.matches(str) {
				out = append(out, str)
			}
		})
		return next, out
	})
}
