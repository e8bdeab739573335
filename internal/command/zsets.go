package command

import (
	"math"
	"slices"
	"sort"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// Sorted set commands, following Redis 7.0's t_zset.c: the order in which arguments are
// checked, which lookups count keyspace hits, when keys are created and deleted, the order
// of keyspace events, every error text and every reply shape in RESP2 and RESP3.

const (
	errZaddXXNX     = "ERR XX and NX options at the same time are not compatible"
	errZaddGtLtNx   = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZaddIncr     = "ERR INCR option supports a single increment-element pair"
	errZaddNaN      = "ERR resulting score is not a number (NaN)"
	errMinMaxFloat  = "ERR min or max is not a float"
	errMinMaxLex    = "ERR min or max not valid string range item"
	errLimitRank    = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errScoresLex    = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errWeightFloat  = "ERR weight value is not a float"
	errCountPos     = "ERR count should be greater than 0"
	errMustPositive = "ERR value is out of range, must be positive"
)

// zsetKeynum is the key spec of commands whose keys follow a count at argument begin-1.
func zsetKeynum(begin int, flags KeyFlags) KeySpec {
	return KeySpec{Flags: flags, BeginIndex: begin, Keynum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}
}

func zsetStoreKeys() []KeySpec {
	return []KeySpec{keyAt(1, OW|Update), zsetKeynum(2, RO|Access)}
}

const zsetRangeComplexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."

var zsetCommands = []*Spec{
	{Name: "zadd", Arity: -4, Flags: Write | DenyOOM | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Update)},
		Handler: func(c *Ctx) { zaddGeneric(c, 0) },
		Summary: "Add one or more members to a sorted set, or update its score if it already exists", Since: "1.2.0", Group: "sorted-set",
		Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set."},
	{Name: "zincrby", Arity: 4, Flags: Write | DenyOOM | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Access|Update)},
		Handler: func(c *Ctx) { zaddGeneric(c, zset.Incr) },
		Summary: "Increment the score of a member in a sorted set", Since: "1.2.0", Group: "sorted-set",
		Complexity: "O(log(N)) where N is the number of elements in the sorted set."},
	{Name: "zrem", Arity: -3, Flags: Write | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Delete)}, Handler: zremCmd,
		Summary: "Remove one or more members from a sorted set", Since: "1.2.0", Group: "sorted-set",
		Complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."},
	{Name: "zcard", Arity: 2, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO)}, Handler: zcardCmd,
		Summary: "Get the number of members in a sorted set", Since: "1.2.0", Group: "sorted-set", Complexity: "O(1)"},
	{Name: "zcount", Arity: 4, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: zcountCmd,
		Summary: "Count the members in a sorted set with scores within the given values", Since: "2.0.0", Group: "sorted-set",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set."},
	{Name: "zlexcount", Arity: 4, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: zlexcountCmd,
		Summary: "Count the number of members in a sorted set between a given lexicographical range", Since: "2.8.9", Group: "sorted-set",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set."},
	{Name: "zscore", Arity: 3, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: zscoreCmd,
		Summary: "Get the score associated with the given member in a sorted set", Since: "1.2.0", Group: "sorted-set", Complexity: "O(1)"},
	{Name: "zmscore", Arity: -3, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: zmscoreCmd,
		Summary: "Get the score associated with the given members in a sorted set", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(N) where N is the number of members being requested."},
	{Name: "zrank", Arity: 3, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrankGeneric(c, false) },
		Summary: "Determine the index of a member in a sorted set", Since: "2.0.0", Group: "sorted-set", Complexity: "O(log(N))"},
	{Name: "zrevrank", Arity: 3, Flags: Readonly | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrankGeneric(c, true) },
		Summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", Since: "2.0.0", Group: "sorted-set", Complexity: "O(log(N))"},
	{Name: "zrange", Arity: -4, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 1, false, rangeAuto, dirAuto) },
		Summary: "Return a range of members in a sorted set", Since: "1.2.0", Group: "sorted-set",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."},
	{Name: "zrangestore", Arity: -5, Flags: Write | DenyOOM, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, OW|Update), keyAt(2, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 2, true, rangeAuto, dirAuto) },
		Summary: "Store a range of members from sorted set into another key", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."},
	{Name: "zrevrange", Arity: -4, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 1, false, rangeRank, dirReverse) },
		Summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", Since: "1.2.0", Group: "sorted-set",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."},
	{Name: "zrangebyscore", Arity: -4, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 1, false, rangeScore, dirForward) },
		Summary: "Return a range of members in a sorted set, by score", Since: "1.0.5", Group: "sorted-set", Complexity: zsetRangeComplexity},
	{Name: "zrevrangebyscore", Arity: -4, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 1, false, rangeScore, dirReverse) },
		Summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", Since: "2.2.0", Group: "sorted-set",
		Complexity: zsetRangeComplexity},
	{Name: "zrangebylex", Arity: -4, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 1, false, rangeLex, dirForward) },
		Summary: "Return a range of members in a sorted set, by lexicographical range", Since: "2.8.9", Group: "sorted-set", Complexity: zsetRangeComplexity},
	{Name: "zrevrangebylex", Arity: -4, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { zrangeGeneric(c, 1, false, rangeLex, dirReverse) },
		Summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", Since: "2.8.9", Group: "sorted-set",
		Complexity: zsetRangeComplexity},
	{Name: "zremrangebyrank", Arity: 4, Flags: Write, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Delete)},
		Handler: func(c *Ctx) { zremrangeGeneric(c, rangeRank) },
		Summary: "Remove all members in a sorted set within the given indexes", Since: "2.0.0", Group: "sorted-set",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."},
	{Name: "zremrangebyscore", Arity: 4, Flags: Write, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Delete)},
		Handler: func(c *Ctx) { zremrangeGeneric(c, rangeScore) },
		Summary: "Remove all members in a sorted set within the given scores", Since: "1.2.0", Group: "sorted-set",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."},
	{Name: "zremrangebylex", Arity: 4, Flags: Write, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Delete)},
		Handler: func(c *Ctx) { zremrangeGeneric(c, rangeLex) },
		Summary: "Remove all members in a sorted set between the given lexicographical range", Since: "2.8.9", Group: "sorted-set",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."},
	{Name: "zpopmin", Arity: -2, Flags: Write | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Access|Delete)},
		Handler: func(c *Ctx) { zpopCmd(c, false) },
		Summary: "Remove and return members with the lowest scores in a sorted set", Since: "5.0.0", Group: "sorted-set",
		Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."},
	{Name: "zpopmax", Arity: -2, Flags: Write | Fast, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RW|Access|Delete)},
		Handler: func(c *Ctx) { zpopCmd(c, true) },
		Summary: "Remove and return members with the highest scores in a sorted set", Since: "5.0.0", Group: "sorted-set",
		Complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."},
	{Name: "bzpopmin", Arity: -3, Flags: Write | NoScript | Blocking | Fast, Categories: CatSortedSet,
		Keys: []KeySpec{{Flags: RW | Access | Delete, BeginIndex: 1, LastKey: -2, KeyStep: 1}}, Handler: func(c *Ctx) { bzpopCmd(c, false) },
		Summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", Since: "5.0.0", Group: "sorted-set",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set."},
	{Name: "bzpopmax", Arity: -3, Flags: Write | NoScript | Blocking | Fast, Categories: CatSortedSet,
		Keys: []KeySpec{{Flags: RW | Access | Delete, BeginIndex: 1, LastKey: -2, KeyStep: 1}}, Handler: func(c *Ctx) { bzpopCmd(c, true) },
		Summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", Since: "5.0.0", Group: "sorted-set",
		Complexity: "O(log(N)) with N being the number of elements in the sorted set."},
	{Name: "zmpop", Arity: -4, Flags: Write, Categories: CatSortedSet, Keys: []KeySpec{zsetKeynum(1, RW|Access|Delete)},
		Handler: func(c *Ctx) { zmpopGeneric(c, 1, false) },
		Summary: "Remove and return members with scores in a sorted set", Since: "7.0.0", Group: "sorted-set",
		Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."},
	{Name: "bzmpop", Arity: -5, Flags: Write | Blocking, Categories: CatSortedSet, Keys: []KeySpec{zsetKeynum(2, RW|Access|Delete)},
		Handler: func(c *Ctx) { zmpopGeneric(c, 2, true) },
		Summary: "Remove and return members with scores in a sorted set or block until one is available", Since: "7.0.0", Group: "sorted-set",
		Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."},
	{Name: "zunion", Arity: -3, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{zsetKeynum(1, RO|Access)},
		Handler: func(c *Ctx) { zsetOp(c, "", 1, opUnion, false) },
		Summary: "Add multiple sorted sets", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."},
	{Name: "zinter", Arity: -3, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{zsetKeynum(1, RO|Access)},
		Handler: func(c *Ctx) { zsetOp(c, "", 1, opInter, false) },
		Summary: "Intersect multiple sorted sets", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."},
	{Name: "zintercard", Arity: -3, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{zsetKeynum(1, RO|Access)},
		Handler: func(c *Ctx) { zsetOp(c, "", 1, opInter, true) },
		Summary: "Intersect multiple sorted sets and return the cardinality of the result", Since: "7.0.0", Group: "sorted-set",
		Complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."},
	{Name: "zdiff", Arity: -3, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{zsetKeynum(1, RO|Access)},
		Handler: func(c *Ctx) { zsetOp(c, "", 1, opDiff, false) },
		Summary: "Subtract multiple sorted sets", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."},
	{Name: "zunionstore", Arity: -4, Flags: Write | DenyOOM, Categories: CatSortedSet, Keys: zsetStoreKeys(),
		Handler: func(c *Ctx) { zsetOp(c, c.Key(1), 2, opUnion, false) },
		Summary: "Add multiple sorted sets and store the resulting sorted set in a new key", Since: "2.0.0", Group: "sorted-set",
		Complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."},
	{Name: "zinterstore", Arity: -4, Flags: Write | DenyOOM, Categories: CatSortedSet, Keys: zsetStoreKeys(),
		Handler: func(c *Ctx) { zsetOp(c, c.Key(1), 2, opInter, false) },
		Summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", Since: "2.0.0", Group: "sorted-set",
		Complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."},
	{Name: "zdiffstore", Arity: -4, Flags: Write | DenyOOM, Categories: CatSortedSet, Keys: zsetStoreKeys(),
		Handler: func(c *Ctx) { zsetOp(c, c.Key(1), 2, opDiff, false) },
		Summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."},
	{Name: "zrandmember", Arity: -2, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOut, Handler: zrandmemberCmd,
		Summary: "Get one or multiple random elements from a sorted set", Since: "6.2.0", Group: "sorted-set",
		Complexity: "O(N) where N is the number of elements returned"},
	{Name: "zscan", Arity: -3, Flags: Readonly, Categories: CatSortedSet, Keys: []KeySpec{keyAt(1, RO|Access)}, Tips: tipsNondetOut, Handler: zscanCmd,
		Summary: "Incrementally iterate sorted sets elements and associated scores", Since: "2.8.0", Group: "sorted-set", Complexity: hashScanComplexity},
}

func zsetLimits(c *Ctx) zset.Limits {
	l := c.Host.Limits()
	return zset.Limits{Entries: l.ZSetListpackEntries, Value: l.ZSetListpackValue}
}

// zsetForRead looks key up for a read (counting a hit or miss); nil when absent or after a
// WRONGTYPE reply, which ok distinguishes.
func zsetForRead(c *Ctx, key string) (z *zset.ZSet, ok bool) {
	o, ok := c.ReadType(key, keyspace.TypeZSet)
	if o == nil {
		return nil, ok
	}
	return o.Val.(*zset.ZSet), true
}

// zsetForWrite is a write lookup (no hit/miss accounting).
func zsetForWrite(c *Ctx, key string) (z *zset.ZSet, ok bool) {
	o, ok := c.LookupType(key, keyspace.TypeZSet)
	if o == nil {
		return nil, ok
	}
	return o.Val.(*zset.ZSet), true
}

// zsetDeleteIfEmpty deletes key once its set is empty, with Redis's "del" event, and
// otherwise signals the in-place change.
func zsetDeleteIfEmpty(c *Ctx, key string, z *zset.ZSet) {
	if z.Len() == 0 {
		c.DB.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
		return
	}
	c.DB.Modified(key)
}

// writeEntries replies with members and, withScores, their scores: a flat array in RESP2 and
// an array of [member, score] pairs in RESP3, as Redis 7.0 answers ZRANGE and friends.
func writeEntries(w *resp.Writer, es []zset.Entry, withScores bool) {
	writeEntriesHeader(w, len(es), withScores)
	for _, e := range es {
		writeEntry(w, e, withScores)
	}
}

func writeEntriesHeader(w *resp.Writer, n int, withScores bool) {
	if withScores && w.Proto < 3 {
		w.Array(2 * n)
	} else {
		w.Array(n)
	}
}

func writeEntry(w *resp.Writer, e zset.Entry, withScores bool) {
	if withScores && w.Proto >= 3 {
		w.Array(2)
	}
	w.BulkString(e.Member)
	if withScores {
		w.Double(e.Score)
	}
}

func zaddGeneric(c *Ctx, flags zset.AddFlags) {
	key := c.Key(1)
	ch := false
	i := 2
options:
	for ; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case isOpt(a, "nx"):
			flags |= zset.NX
		case isOpt(a, "xx"):
			flags |= zset.XX
		case isOpt(a, "ch"):
			ch = true
		case isOpt(a, "incr"):
			flags |= zset.Incr
		case isOpt(a, "gt"):
			flags |= zset.GT
		case isOpt(a, "lt"):
			flags |= zset.LT
		default:
			break options
		}
	}
	incr := flags&zset.Incr != 0
	nx, xx, gt, lt := flags&zset.NX != 0, flags&zset.XX != 0, flags&zset.GT != 0, flags&zset.LT != 0
	elements := len(c.Args) - i
	if elements%2 != 0 || elements == 0 {
		c.Err(ErrSyntax)
		return
	}
	elements /= 2
	switch {
	case nx && xx:
		c.Err(errZaddXXNX)
		return
	case (gt && nx) || (lt && nx) || (gt && lt):
		c.Err(errZaddGtLtNx)
		return
	case incr && elements > 1:
		c.Err(errZaddIncr)
		return
	}
	scores := make([]float64, elements)
	members := make([][]byte, elements)
	for j := range scores {
		s, ok := zset.ParseFloat(c.Args[i+2*j])
		if !ok {
			c.Err(ErrNotFloat)
			return
		}
		scores[j], members[j] = s, c.Args[i+2*j+1]
	}
	zaddApply(c, key, flags, ch, scores, members)
}

// zaddApply is the part of ZADD after parsing (GEOADD ends there too): it adds the members
// with their scores, replying and notifying as Redis's zaddGenericCommand.
func zaddApply(c *Ctx, key string, flags zset.AddFlags, ch bool, scores []float64, members [][]byte) {
	incr, xx := flags&zset.Incr != 0, flags&zset.XX != 0
	o, ok := c.LookupType(key, keyspace.TypeZSet)
	if !ok {
		return
	}
	lim := zsetLimits(c)
	var z *zset.ZSet
	if o == nil {
		if xx {
			if incr {
				c.W.Null()
			} else {
				c.W.Int(0)
			}
			return
		}
		if lim.Entries == 0 || lim.Value < int64(len(members[0])) {
			z = zset.NewSkiplist()
		} else {
			z = zset.New()
		}
		c.DB.Set(key, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeZSet, Val: z}, c.Now), false)
		c.Notify(NotifyNew, "new", key)
	} else {
		z = o.Val.(*zset.ZSet)
	}
	added, updated, processed := 0, 0, 0
	var score float64
	failed := false
	for j, s := range scores {
		newScore, res := z.Add(string(members[j]), s, flags, lim)
		if res&zset.NaN != 0 {
			c.Err(errZaddNaN)
			failed = true
			break
		}
		if res&zset.Added != 0 {
			added++
		}
		if res&zset.Updated != 0 {
			updated++
		}
		if res&zset.Nop == 0 {
			processed++
		}
		score = newScore
	}
	if !failed {
		c.Changed(added + updated)
		switch {
		case !incr && ch:
			c.W.Int(int64(added + updated))
		case !incr:
			c.W.Int(int64(added))
		case processed > 0:
			c.W.Double(score)
		default:
			c.W.Null()
		}
	}
	if added > 0 || updated > 0 {
		c.DB.Modified(key)
		if incr {
			c.Notify(NotifyZSet, "zincr", key)
		} else {
			c.Notify(NotifyZSet, "zadd", key)
		}
	}
}

func zremCmd(c *Ctx) {
	key := c.Key(1)
	z, ok := zsetForWrite(c, key)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	deleted := 0
	for _, m := range c.Args[2:] {
		if z.Remove(string(m)) {
			deleted++
		}
		if z.Len() == 0 {
			break
		}
	}
	if deleted > 0 {
		c.Notify(NotifyZSet, "zrem", key)
		zsetDeleteIfEmpty(c, key, z)
		c.Changed(deleted)
	}
	c.W.Int(int64(deleted))
}

func zcardCmd(c *Ctx) {
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.Len()))
}

func zscoreCmd(c *Ctx) {
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if s, found := z.Score(string(c.Args[2])); found {
		c.W.Double(s)
	} else {
		c.W.Null()
	}
}

func zmscoreCmd(c *Ctx) {
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z == nil {
			c.W.Null()
			continue
		}
		if s, found := z.Score(string(m)); found {
			c.W.Double(s)
		} else {
			c.W.Null()
		}
	}
}

func zrankGeneric(c *Ctx, reverse bool) {
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if r, found := z.Rank(string(c.Args[2]), reverse); found {
		c.W.Int(int64(r))
	} else {
		c.W.Null()
	}
}

func zcountCmd(c *Ctx) {
	r, ok := zset.ParseScoreRange(c.Args[2], c.Args[3])
	if !ok {
		c.Err(errMinMaxFloat)
		return
	}
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.Count(r)))
}

func zlexcountCmd(c *Ctx) {
	r, ok := zset.ParseLexRange(c.Args[2], c.Args[3])
	if !ok {
		c.Err(errMinMaxLex)
		return
	}
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.LexCount(r)))
}

// rangeType and rangeDir are zrangeGenericCommand's range kinds and directions; "auto"
// lets ZRANGE's options choose.
type rangeType int

const (
	rangeAuto rangeType = iota
	rangeRank
	rangeScore
	rangeLex
)

type rangeDir int

const (
	dirAuto rangeDir = iota
	dirForward
	dirReverse
)

// clampRank turns start/end indexes (negative from the end) into a valid inclusive range of
// a sequence of n, as Redis sanitizes them; ok is false when the range is empty.
func clampRank(start, end int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		return 0, 0, false
	}
	if end >= ln {
		end = ln - 1
	}
	return int(start), int(end), true
}

// zrangeGeneric serves ZRANGE, ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX]: src is
// the index of the source key, followed by min and max and then the options.
func zrangeGeneric(c *Ctx, src int, store bool, kind rangeType, dir rangeDir) {
	minIdx, maxIdx := src+1, src+2
	var offset, limit int64 = 0, -1
	withScores := false
	for j := src + 3; j < len(c.Args); j++ {
		left := len(c.Args) - j - 1
		switch a := c.Args[j]; {
		case !store && isOpt(a, "withscores"):
			withScores = true
		case isOpt(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.ArgInt(j + 1); !ok {
				return
			}
			if limit, ok = c.ArgInt(j + 2); !ok {
				return
			}
			j += 2
		case dir == dirAuto && isOpt(a, "rev"):
			dir = dirReverse
		case kind == rangeAuto && isOpt(a, "bylex"):
			kind = rangeLex
		case kind == rangeAuto && isOpt(a, "byscore"):
			kind = rangeScore
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if dir == dirAuto {
		dir = dirForward
	}
	if kind == rangeAuto {
		kind = rangeRank
	}
	if limit != -1 && kind == rangeRank {
		c.Err(errLimitRank)
		return
	}
	if withScores && kind == rangeLex {
		c.Err(errScoresLex)
		return
	}
	reverse := dir == dirReverse
	if reverse && kind != rangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var (
		start, end int64
		sr         zset.ScoreRange
		lr         zset.LexRange
		ok         bool
	)
	switch kind {
	case rangeRank:
		if start, ok = c.ArgInt(minIdx); !ok {
			return
		}
		if end, ok = c.ArgInt(maxIdx); !ok {
			return
		}
	case rangeScore:
		if sr, ok = zset.ParseScoreRange(c.Args[minIdx], c.Args[maxIdx]); !ok {
			c.Err(errMinMaxFloat)
			return
		}
	case rangeLex:
		if lr, ok = zset.ParseLexRange(c.Args[minIdx], c.Args[maxIdx]); !ok {
			c.Err(errMinMaxLex)
			return
		}
	}
	z, ok := zsetForRead(c, c.Key(src))
	if !ok {
		return
	}
	if z == nil {
		if store {
			zsetStoreResult(c, c.Key(1), nil, "zrangestore")
		} else {
			c.W.Array(0)
		}
		return
	}
	var out []zset.Entry
	switch kind {
	case rangeRank:
		if s, e, nonEmpty := clampRank(start, end, z.Len()); nonEmpty {
			out = make([]zset.Entry, 0, e-s+1)
			for cur := z.FromRank(s, reverse); len(out) < e-s+1; cur.Next() {
				out = append(out, cur.Entry())
			}
		}
	case rangeScore:
		if offset >= 0 && (offset == 0 || offset < int64(z.Len())) {
			cur := z.FromScore(sr, reverse)
			cur.Skip(offset)
			for ; cur.Valid() && limit != 0; cur.Next() {
				e := cur.Entry()
				if (reverse && !sr.GteMin(e.Score)) || (!reverse && !sr.LteMax(e.Score)) {
					break
				}
				out = append(out, e)
				limit--
			}
		}
	case rangeLex:
		if offset >= 0 {
			cur := z.FromLex(lr, reverse)
			cur.Skip(offset)
			for ; cur.Valid() && limit != 0; cur.Next() {
				e := cur.Entry()
				if (reverse && !lr.GteMin(e.Member)) || (!reverse && !lr.LteMax(e.Member)) {
					break
				}
				out = append(out, e)
				limit--
			}
		}
	}
	if store {
		if reverse {
			slices.Reverse(out)
		}
		zsetStoreResult(c, c.Key(1), out, "zrangestore")
		return
	}
	writeEntries(c.W, out, withScores)
}

// zsetStoreResult stores a result (in ascending order) at dst, replacing whatever was there
// (TTL included) as Redis's setKey, or deletes dst when the result is empty.
func zsetStoreResult(c *Ctx, dst string, sorted []zset.Entry, event string) {
	if len(sorted) == 0 {
		c.W.Int(0)
		if c.DB.Delete(dst, c.Now) {
			c.Notify(NotifyGeneric, "del", dst)
			c.Changed(1)
		}
		return
	}
	created := c.Lookup(dst) == nil
	c.DB.Set(dst, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeZSet, Val: zset.FromSorted(sorted, zsetLimits(c))}, c.Now), false)
	if created {
		c.Notify(NotifyNew, "new", dst)
	}
	c.W.Int(int64(len(sorted)))
	c.Notify(NotifyZSet, event, dst)
	c.Changed(1)
}

func zremrangeGeneric(c *Ctx, kind rangeType) {
	var (
		start, end int64
		sr         zset.ScoreRange
		lr         zset.LexRange
		ok         bool
		event      string
	)
	switch kind {
	case rangeRank:
		event = "zremrangebyrank"
		if start, ok = c.ArgInt(2); !ok {
			return
		}
		if end, ok = c.ArgInt(3); !ok {
			return
		}
	case rangeScore:
		event = "zremrangebyscore"
		if sr, ok = zset.ParseScoreRange(c.Args[2], c.Args[3]); !ok {
			c.Err(errMinMaxFloat)
			return
		}
	case rangeLex:
		event = "zremrangebylex"
		if lr, ok = zset.ParseLexRange(c.Args[2], c.Args[3]); !ok {
			c.Err(errMinMaxLex)
			return
		}
	}
	key := c.Key(1)
	z, ok := zsetForWrite(c, key)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	deleted := 0
	switch kind {
	case rangeRank:
		s, e, nonEmpty := clampRank(start, end, z.Len())
		if !nonEmpty {
			c.W.Int(0)
			return
		}
		deleted = z.RemoveRangeByRank(s, e)
	case rangeScore:
		deleted = z.RemoveRangeByScore(sr)
	case rangeLex:
		deleted = z.RemoveRangeByLex(lr)
	}
	if deleted > 0 {
		if z.Len() == 0 {
			c.DB.Delete(key, c.Now)
		} else {
			c.DB.Modified(key)
		}
		c.Notify(NotifyZSet, event, key)
		if z.Len() == 0 {
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	c.Changed(deleted)
	c.W.Int(int64(deleted))
}

// popReply selects the shape of genericZpopCommand's reply.
type popReply struct {
	emitKey      bool // BZPOP*, ZMPOP and BZMPOP name the key
	nested       bool // [member, score] pairs, in a [key, pairs] array when emitKey
	nilWhenEmpty bool
}

// zpopGeneric pops up to count members (count < 0: a single pop, without COUNT) from the
// first of keys holding a sorted set, as Redis's genericZpopCommand. It returns the key it
// popped from and how many members it popped (0 when it popped nothing).
func zpopGeneric(c *Ctx, keys [][]byte, max bool, count int64, shape popReply) (key []byte, popped int) {
	var z *zset.ZSet
	for _, k := range keys {
		o := c.Lookup(string(k))
		if o == nil {
			continue
		}
		if o.Type != keyspace.TypeZSet {
			c.Err(ErrWrongType)
			return nil, 0
		}
		z, key = o.Val.(*zset.ZSet), k
		break
	}
	if z == nil {
		if shape.nilWhenEmpty {
			c.W.NullArray()
		} else {
			c.W.Array(0)
		}
		return nil, 0
	}
	if count == 0 {
		c.W.Array(0)
		return nil, 0
	}
	if count < 0 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	w := c.W
	switch {
	case !shape.nested && !shape.emitKey:
		w.Array(2 * n)
	case shape.nested && !shape.emitKey:
		w.Array(n)
	case !shape.nested:
		w.Array(2*n + 1)
		w.Bulk(key)
	default:
		w.Array(2)
		w.Bulk(key)
		w.Array(n)
	}
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	for i := 0; i < n; i++ {
		e := z.Pop(max)
		if i == 0 {
			c.Notify(NotifyZSet, event, string(key))
		}
		if shape.nested {
			w.Array(2)
		}
		w.BulkString(e.Member)
		w.Double(e.Score)
	}
	c.Changed(n)
	zsetDeleteIfEmpty(c, string(key), z)
	return key, n
}

func zpopCmd(c *Ctx, max bool) {
	if len(c.Args) > 3 {
		c.Err(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		n, ok := ParseInt(c.Args[2])
		if !ok || n < 0 {
			c.Err(errMustPositive)
			return
		}
		count = n
	}
	zpopGeneric(c, c.Args[1:2], max, count, popReply{nested: c.W.Proto >= 3 && count != -1})
}

// blockingZpop serves BZPOPMIN, BZPOPMAX and BZMPOP: it pops from the first key holding a
// non-empty sorted set, or blocks on all of them.
func blockingZpop(c *Ctx, keys [][]byte, max bool, timeout []byte, count int64, shape popReply) {
	deadline, ok := listTimeout(c, timeout)
	if !ok {
		return
	}
	for _, k := range keys {
		o := c.Lookup(string(k))
		if o == nil {
			continue
		}
		if o.Type != keyspace.TypeZSet {
			c.Err(ErrWrongType)
			return
		}
		key, n := zpopGeneric(c, [][]byte{k}, max, count, shape)
		if n > 0 {
			propagateZpop(c, key, max, count, n)
		}
		return
	}
	var names []string
	for _, k := range keys {
		if !slices.Contains(names, string(k)) {
			names = append(names, string(k))
		}
	}
	c.Block(names, deadline, func(w *resp.Writer) { w.NullArray() })
}

func bzpopCmd(c *Ctx, max bool) {
	blockingZpop(c, c.Args[1:len(c.Args)-1], max, c.Args[len(c.Args)-1], -1, popReply{emitKey: true})
}

// zmpopGeneric serves ZMPOP and BZMPOP, whose numkeys is at argument numkeysIdx.
func zmpopGeneric(c *Ctx, numkeysIdx int, block bool) {
	numkeys, ok := ParseInt(c.Args[numkeysIdx])
	if !ok || numkeys < 1 {
		c.Err(errNumkeys)
		return
	}
	if numkeys >= int64(len(c.Args)-numkeysIdx-1) {
		c.Err(ErrSyntax)
		return
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	var max bool
	switch {
	case isOpt(c.Args[whereIdx], "min"):
	case isOpt(c.Args[whereIdx], "max"):
		max = true
	default:
		c.Err(ErrSyntax)
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(c.Args); j++ {
		if count == -1 && isOpt(c.Args[j], "count") && j+1 < len(c.Args) {
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok || n < 1 {
				c.Err(errCountPos)
				return
			}
			count = n
			continue
		}
		c.Err(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := c.Args[numkeysIdx+1 : whereIdx]
	shape := popReply{emitKey: true, nested: true, nilWhenEmpty: true}
	if block {
		blockingZpop(c, keys, max, c.Args[1], count, shape)
		return
	}
	if key, n := zpopGeneric(c, keys, max, count, shape); n > 0 {
		propagateZpop(c, key, max, count, n)
	}
}

// propagateZpop records n members popped from key by BZPOPMIN/BZPOPMAX (count < 0) or by
// ZMPOP/BZMPOP as the ZPOPMIN/ZPOPMAX of that key, so a replay does not depend on which keys
// held members. Redis gives the count, the number popped, only for the *MPOP forms.
func propagateZpop(c *Ctx, key []byte, max bool, count int64, n int) {
	name := []byte("ZPOPMIN")
	if max {
		name = []byte("ZPOPMAX")
	}
	if count < 0 {
		c.Propagate(name, key)
		return
	}
	c.Propagate(name, key, propInt(int64(n)))
}

// Set operations of zsetOp.
const (
	opUnion = iota
	opInter
	opDiff
)

// zsrc is one input of a set operation: a sorted set, a set (every score 1), or missing.
type zsrc struct {
	z      *zset.ZSet
	s      *set.Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

// same reports whether two inputs are the same value (a key given twice).
func (s *zsrc) same(o *zsrc) bool {
	return (s.z != nil && s.z == o.z) || (s.s != nil && s.s == o.s)
}

// each calls fn with every member, a sorted set from the highest score down as Redis's
// iterator walks it.
func (s *zsrc) each(fn func(member string, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.Descending(func(e zset.Entry) bool { return fn(e.Member, e.Score) })
	case s.s != nil:
		for m := range s.s.All() {
			if !fn(m.String(), 1) {
				return
			}
		}
	}
}

func (s *zsrc) find(member string) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.Score(member)
	case s.s != nil:
		return 1, s.s.Has([]byte(member))
	}
	return 0, false
}

type aggregate int

const (
	aggSum aggregate = iota
	aggMin
	aggMax
)

func (a aggregate) apply(target, v float64) float64 {
	switch a {
	case aggMin:
		if v < target {
			return v
		}
		return target
	case aggMax:
		if v > target {
			return v
		}
		return target
	}
	// +inf plus -inf is NaN, which Redis turns into 0.
	if r := target + v; !math.IsNaN(r) {
		return r
	}
	return 0
}

// weighted multiplies a score by its weight, 0 for the NaN of 0 * inf.
func weighted(score, weight float64) float64 {
	if r := score * weight; !math.IsNaN(r) {
		return r
	}
	return 0
}

// zsetOp serves ZUNION, ZINTER, ZDIFF, their *STORE variants (dst != "") and ZINTERCARD, as
// Redis's zunionInterDiffGenericCommand.
func zsetOp(c *Ctx, dst string, numkeysIdx int, op int, cardOnly bool) {
	setnum, ok := c.ArgInt(numkeysIdx)
	if !ok {
		return
	}
	if setnum < 1 {
		c.Err("ERR at least 1 input key is needed for '" + c.Spec.Name + "' command")
		return
	}
	if setnum > int64(len(c.Args)-(numkeysIdx+1)) {
		c.Err(ErrSyntax)
		return
	}
	srcs := make([]zsrc, setnum)
	j := numkeysIdx + 1
	for i := range srcs {
		srcs[i].weight = 1
		o := c.Read(c.Key(j))
		j++
		if o == nil {
			continue
		}
		switch o.Type {
		case keyspace.TypeZSet:
			srcs[i].z = o.Val.(*zset.ZSet)
		case keyspace.TypeSet:
			srcs[i].s = o.Val.(*set.Set)
		default:
			c.Err(ErrWrongType)
			return
		}
	}
	agg := aggSum
	withScores := false
	var limit int64
	for j < len(c.Args) {
		remaining := len(c.Args) - j
		switch a := c.Args[j]; {
		case op != opDiff && !cardOnly && remaining >= int(setnum)+1 && isOpt(a, "weights"):
			j++
			for i := range srcs {
				w, ok := zset.ParseFloat(c.Args[j])
				if !ok {
					c.Err(errWeightFloat)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != opDiff && !cardOnly && remaining >= 2 && isOpt(a, "aggregate"):
			switch v := c.Args[j+1]; {
			case isOpt(v, "sum"):
				agg = aggSum
			case isOpt(v, "min"):
				agg = aggMin
			case isOpt(v, "max"):
				agg = aggMax
			default:
				c.Err(ErrSyntax)
				return
			}
			j += 2
		case dst == "" && !cardOnly && isOpt(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && isOpt(a, "limit"):
			n, ok := ParseInt(c.Args[j+1])
			if !ok || n < 0 {
				c.Err(errLimitNeg)
				return
			}
			limit = n
			j += 2
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if op != opDiff {
		// Redis sorts with glibc's qsort, a merge sort, so equal sizes keep argument order.
		sort.SliceStable(srcs, func(a, b int) bool { return srcs[a].len() < srcs[b].len() })
	}
	var (
		res   []zset.Entry
		count int64
	)
	switch op {
	case opInter:
		if srcs[0].len() == 0 {
			break
		}
		srcs[0].each(func(m string, s float64) bool {
			score := weighted(s, srcs[0].weight)
			for k := 1; k < len(srcs); k++ {
				var v float64
				if srcs[k].same(&srcs[0]) {
					v = s * srcs[k].weight
				} else if found, ok := srcs[k].find(m); ok {
					v = found * srcs[k].weight
				} else {
					return true
				}
				score = agg.apply(score, v)
			}
			if cardOnly {
				count++
				return limit == 0 || count < limit
			}
			res = append(res, zset.Entry{Member: m, Score: score})
			return true
		})
	case opUnion:
		acc := map[string]float64{}
		for i := range srcs {
			srcs[i].each(func(m string, s float64) bool {
				score := weighted(s, srcs[i].weight)
				if cur, ok := acc[m]; ok {
					acc[m] = agg.apply(cur, score)
				} else {
					acc[m] = score
				}
				return true
			})
		}
		res = make([]zset.Entry, 0, len(acc))
		for m, s := range acc {
			res = append(res, zset.Entry{Member: m, Score: s})
		}
	case opDiff:
		if srcs[0].len() == 0 {
			break
		}
		for k := 1; k < len(srcs); k++ {
			if srcs[k].same(&srcs[0]) {
				srcs[0] = zsrc{}
			}
		}
		srcs[0].each(func(m string, s float64) bool {
			for k := 1; k < len(srcs); k++ {
				if _, ok := srcs[k].find(m); ok {
					return true
				}
			}
			res = append(res, zset.Entry{Member: m, Score: s})
			return true
		})
	}
	if cardOnly {
		c.W.Int(count)
		return
	}
	slices.SortFunc(res, func(a, b zset.Entry) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		case a.Member < b.Member:
			return -1
		case a.Member > b.Member:
			return 1
		}
		return 0
	})
	if dst != "" {
		zsetStoreResult(c, dst, res, [...]string{"zunionstore", "zinterstore", "zdiffstore"}[op])
		return
	}
	writeEntries(c.W, res, withScores)
}

func zrandmemberCmd(c *Ctx) {
	if len(c.Args) == 2 {
		z, ok := zsetForRead(c, c.Key(1))
		if !ok {
			return
		}
		if z == nil {
			c.W.Null()
			return
		}
		c.W.BulkString(z.Random().Member)
		return
	}
	l, ok := randCount(c)
	if !ok {
		return
	}
	if len(c.Args) > 4 || (len(c.Args) == 4 && !isOpt(c.Args[3], "withscores")) {
		c.Err(ErrSyntax)
		return
	}
	withScores := len(c.Args) == 4
	if withScores && (l < -math.MaxInt64/2 || l > math.MaxInt64/2) {
		c.Err(errRange)
		return
	}
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil || l == 0 {
		c.W.Array(0)
		return
	}
	size := z.Len()
	w := c.W
	// A negative count may repeat members; a count of one is served the same way.
	if l < 0 || l == 1 {
		count := uint64(l)
		if l < 0 {
			count = uint64(-l)
		}
		if !randReplyOK(c, count, z.Bytes()/int64(size)) {
			return
		}
		writeEntriesHeader(w, int(count), withScores)
		for ; count > 0; count-- {
			writeEntry(w, z.Random(), withScores)
		}
		return
	}
	if l >= int64(size) {
		writeEntriesHeader(w, size, withScores)
		z.Descending(func(e zset.Entry) bool {
			writeEntry(w, e, withScores)
			return true
		})
		return
	}
	writeEntries(w, z.Sample(int(l)), withScores)
}

func zscanCmd(c *Ctx) {
	scanAggregate(c, keyspace.TypeZSet, func(val any, cursor uint64, opt scanOpts) (next uint64, out []string) {
		z := val.(*zset.ZSet)
		var buf []byte
		next = z.Scan(cursor, opt.count, func(m string, s float64) {
			if opt.matches(m) {
				buf = z.FormatScanScore(buf[:0], s)
				out = append(out, m, string(buf))
			}
		})
		return next, out
	})
}
