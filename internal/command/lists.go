package command

import (
	"bytes"
	"math"
	"math/big"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/list"
)

// listKey is the key spec of a list command whose only key is its first argument.
func listKey(flags KeyFlags) []KeySpec {
	return []KeySpec{{Flags: flags, BeginIndex: 1, KeyStep: 1}}
}

// listMoveKeys is the key spec of LMOVE and its relatives: a source and a destination.
var listMoveKeys = []KeySpec{
	{Flags: RW | Access | Delete, BeginIndex: 1, KeyStep: 1},
	{Flags: RW | Insert, BeginIndex: 2, KeyStep: 1},
}

const (
	listPushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
	listMpopComplexity = "O(N+M) where N is the number of provided keys and M is the number of elements returned."
	listMoveSummary    = "Pop an element from a list, push it to another list and return it; or block until one is available"
)

var listCommands = []*Spec{
	{Name: "lpush", Arity: -3, Flags: Write | DenyOOM | Fast, Categories: CatList, Keys: listKey(RW | Insert), Handler: listLpush,
		Summary: "Prepend one or multiple elements to a list", Since: "1.0.0", Group: "list", Complexity: listPushComplexity},
	{Name: "rpush", Arity: -3, Flags: Write | DenyOOM | Fast, Categories: CatList, Keys: listKey(RW | Insert), Handler: listRpush,
		Summary: "Append one or multiple elements to a list", Since: "1.0.0", Group: "list", Complexity: listPushComplexity},
	{Name: "lpushx", Arity: -3, Flags: Write | DenyOOM | Fast, Categories: CatList, Keys: listKey(RW | Insert), Handler: listLpushx,
		Summary: "Prepend an element to a list, only if the list exists", Since: "2.2.0", Group: "list", Complexity: listPushComplexity},
	{Name: "rpushx", Arity: -3, Flags: Write | DenyOOM | Fast, Categories: CatList, Keys: listKey(RW | Insert), Handler: listRpushx,
		Summary: "Append an element to a list, only if the list exists", Since: "2.2.0", Group: "list", Complexity: listPushComplexity},
	{Name: "lpop", Arity: -2, Flags: Write | Fast, Categories: CatList, Keys: listKey(RW | Access | Delete), Handler: listLpop,
		Summary: "Remove and get the first elements in a list", Since: "1.0.0", Group: "list", Complexity: "O(N) where N is the number of elements returned"},
	{Name: "rpop", Arity: -2, Flags: Write | Fast, Categories: CatList, Keys: listKey(RW | Access | Delete), Handler: listRpop,
		Summary: "Remove and get the last elements in a list", Since: "1.0.0", Group: "list", Complexity: "O(N) where N is the number of elements returned"},
	{Name: "llen", Arity: 2, Flags: Readonly | Fast, Categories: CatList, Keys: listKey(RO), Handler: listLlen,
		Summary: "Get the length of a list", Since: "1.0.0", Group: "list", Complexity: "O(1)"},
	{Name: "lrange", Arity: 4, Flags: Readonly, Categories: CatList, Keys: listKey(RO | Access), Handler: listLrange,
		Summary: "Get a range of elements from a list", Since: "1.0.0", Group: "list",
		Complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."},
	{Name: "lindex", Arity: 3, Flags: Readonly, Categories: CatList, Keys: listKey(RO | Access), Handler: listLindex,
		Summary: "Get an element from a list by its index", Since: "1.0.0", Group: "list",
		Complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."},
	{Name: "lset", Arity: 4, Flags: Write | DenyOOM, Categories: CatList, Keys: listKey(RW | Update), Handler: listLset,
		Summary: "Set the value of an element in a list by its index", Since: "1.0.0", Group: "list",
		Complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."},
	{Name: "linsert", Arity: 5, Flags: Write | DenyOOM, Categories: CatList, Keys: listKey(RW | Insert), Handler: listLinsert,
		Summary: "Insert an element before or after another element in a list", Since: "2.2.0", Group: "list",
		Complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."},
	{Name: "lrem", Arity: 4, Flags: Write, Categories: CatList, Keys: listKey(RW | Delete), Handler: listLrem,
		Summary: "Remove elements from a list", Since: "1.0.0", Group: "list",
		Complexity: "O(N+M) where N is the length of the list and M is the number of elements removed."},
	{Name: "ltrim", Arity: 4, Flags: Write, Categories: CatList, Keys: listKey(RW | Delete), Handler: listLtrim,
		Summary: "Trim a list to the specified range", Since: "1.0.0", Group: "list",
		Complexity: "O(N) where N is the number of elements to be removed by the operation."},
	{Name: "lpos", Arity: -3, Flags: Readonly, Categories: CatList, Keys: listKey(RO | Access), Handler: listLpos,
		Summary: "Return the index of matching elements on a list", Since: "6.0.6", Group: "list",
		Complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."},
	{Name: "lmove", Arity: 5, Flags: Write | DenyOOM, Categories: CatList, Keys: listMoveKeys, Handler: listLmove,
		Summary: "Pop an element from a list, push it to another list and return it", Since: "6.2.0", Group: "list", Complexity: "O(1)"},
	{Name: "rpoplpush", Arity: 3, Flags: Write | DenyOOM, Categories: CatList, Keys: listMoveKeys, Handler: listRpoplpush,
		Summary: "Remove the last element in a list, prepend it to another list and return it", Since: "1.2.0", Group: "list", Complexity: "O(1)"},
	{Name: "lmpop", Arity: -4, Flags: Write, Categories: CatList,
		Keys:    []KeySpec{{Flags: RW | Access | Delete, BeginIndex: 1, Keynum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Handler: listLmpop, Summary: "Pop elements from a list", Since: "7.0.0", Group: "list", Complexity: listMpopComplexity},
	{Name: "blpop", Arity: -3, Flags: Write | NoScript | Blocking, Categories: CatList,
		Keys:    []KeySpec{{Flags: RW | Access | Delete, BeginIndex: 1, LastKey: -2, KeyStep: 1}},
		Handler: listBlpop, Summary: "Remove and get the first element in a list, or block until one is available", Since: "2.0.0", Group: "list",
		Complexity: "O(N) where N is the number of provided keys."},
	{Name: "brpop", Arity: -3, Flags: Write | NoScript | Blocking, Categories: CatList,
		Keys:    []KeySpec{{Flags: RW | Access | Delete, BeginIndex: 1, LastKey: -2, KeyStep: 1}},
		Handler: listBrpop, Summary: "Remove and get the last element in a list, or block until one is available", Since: "2.0.0", Group: "list",
		Complexity: "O(N) where N is the number of provided keys."},
	{Name: "blmove", Arity: 6, Flags: Write | DenyOOM | NoScript | Blocking, Categories: CatList, Keys: listMoveKeys, Handler: listBlmove,
		Summary: listMoveSummary, Since: "6.2.0", Group: "list", Complexity: "O(1)"},
	{Name: "brpoplpush", Arity: 4, Flags: Write | DenyOOM | NoScript | Blocking, Categories: CatList, Keys: listMoveKeys, Handler: listBrpoplpush,
		Summary: listMoveSummary, Since: "2.2.0", Group: "list", Complexity: "O(1)"},
	{Name: "blmpop", Arity: -5, Flags: Write | Blocking, Categories: CatList,
		Keys:    []KeySpec{{Flags: RW | Access | Delete, BeginIndex: 2, Keynum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
		Handler: listBlmpop, Summary: "Pop elements from a list, or block until one is available", Since: "7.0.0", Group: "list", Complexity: listMpopComplexity},
}

const (
	errListCountPositive = "ERR value is out of range, must be positive"
	errListRankZero      = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errListIndexRange    = "ERR index out of range"
	errListTimeout       = "ERR timeout is not a float or out of range"
	errListTimeoutNeg    = "ERR timeout is negative"
)

// listVal returns the list held by a looked-up object.
func listVal(o *keyspace.Object) *list.List { return o.Val.(*list.List) }

// listCreate stores a new empty list at key.
func listCreate(c *Ctx, key string) *list.List {
	l := list.New()
	c.DB.Set(key, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeList, Val: l}, c.Now), false)
	return l
}

func listPop(l *list.List, front bool) []byte {
	if front {
		v, _ := l.PopFront()
		return v
	}
	v, _ := l.PopBack()
	return v
}

func listPushOne(l *list.List, v []byte, front bool) {
	if front {
		l.PushFront(v)
	} else {
		l.PushBack(v)
	}
}

func listPushEvent(front bool) string {
	if front {
		return "lpush"
	}
	return "rpush"
}

// listRemoved does what follows a pop of n elements from the list at key, as Redis's
// listElementsRemoved: the pop event, deleting the emptied key, and the bookkeeping.
func listRemoved(c *Ctx, key string, l *list.List, front bool, n int) {
	if front {
		c.Notify(NotifyList, "lpop", key)
	} else {
		c.Notify(NotifyList, "rpop", key)
	}
	listDeleteIfEmpty(c, key, l)
	c.DB.Modified(key)
	c.Changed(n)
}

// listDeleteIfEmpty removes the key of a list that lost its last element: Redis never keeps
// an empty list.
func listDeleteIfEmpty(c *Ctx, key string, l *list.List) {
	if l.Len() == 0 {
		c.DB.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
	}
}

// listWhere parses LEFT or RIGHT; front is true for LEFT.
func listWhere(c *Ctx, arg []byte) (front, ok bool) {
	switch {
	case eqFold(arg, "left"):
		return true, true
	case eqFold(arg, "right"):
		return false, true
	}
	c.Err(ErrSyntax)
	return false, false
}

// listRangeReply writes elements start..end (already clamped to the list) as an array,
// from end down to start when reverse, as Redis's addListRangeReply.
func listRangeReply(c *Ctx, l *list.List, start, end int, reverse bool) {
	c.W.Array(end - start + 1)
	first := start
	if reverse {
		first = end
	}
	it := l.IterAt(first, reverse)
	for i := start; i <= end; i++ {
		v, _ := it.Next()
		c.W.Bulk(v)
	}
}

// listClampRange turns LRANGE/LTRIM start and end (negative counts from the tail) into an
// inclusive index range of a list of length n; ok is false when the range is empty.
func listClampRange(start, end int64, n int) (s, e int, ok bool) {
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

func listLpush(c *Ctx)  { listPush(c, true, false) }
func listRpush(c *Ctx)  { listPush(c, false, false) }
func listLpushx(c *Ctx) { listPush(c, true, true) }
func listRpushx(c *Ctx) { listPush(c, false, true) }

// listPush implements [LR]PUSH[X]; xx pushes only to an existing list.
func listPush(c *Ctx, front, xx bool) {
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeList)
	if !ok {
		return
	}
	var l *list.List
	if o == nil {
		if xx {
			c.W.Int(0)
			return
		}
		l = listCreate(c, key)
	} else {
		l = listVal(o)
	}
	for _, v := range c.Args[2:] {
		listPushOne(l, v, front)
	}
	c.Changed(len(c.Args) - 2)
	c.W.Int(int64(l.Len()))
	c.DB.Modified(key)
	c.Notify(NotifyList, listPushEvent(front), key)
}

func listLpop(c *Ctx) { listPopCommand(c, true) }
func listRpop(c *Ctx) { listPopCommand(c, false) }

// listPopCommand implements LPOP/RPOP: a bulk reply without a count, an array with one.
func listPopCommand(c *Ctx, front bool) {
	if len(c.Args) > 3 {
		c.Err("ERR wrong number of arguments for '" + c.Spec.Name + "' command")
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		n, ok := ParseInt(c.Args[2])
		if !ok || n < 0 {
			c.Err(errListCountPositive)
			return
		}
		count = n
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		if hasCount {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	l := listVal(o)
	if !hasCount {
		c.W.Bulk(listPop(l, front))
		listRemoved(c, key, l, front, 1)
		return
	}
	if count == 0 {
		c.W.Array(0)
		return
	}
	listPopRange(c, key, l, front, count)
}

// listPopRange pops up to count elements from one end, replying with them in pop order, and
// returns how many it popped.
func listPopRange(c *Ctx, key string, l *list.List, front bool, count int64) int {
	n := int(min(count, int64(l.Len())))
	if front {
		listRangeReply(c, l, 0, n-1, false)
		l.TrimFront(n)
	} else {
		listRangeReply(c, l, l.Len()-n, l.Len()-1, true)
		l.TrimBack(n)
	}
	listRemoved(c, key, l, front, n)
	return n
}

// propagatePop records a pop from a blocking or multi-key command as the plain LPOP/RPOP of
// the key it served, so a replay does not depend on which keys held elements. count is nil
// for the single-element form.
func propagatePop(c *Ctx, key []byte, front bool, count []byte) {
	name := "RPOP"
	if front {
		name = "LPOP"
	}
	if count == nil {
		c.Propagate([]byte(name), key)
		return
	}
	c.Propagate([]byte(name), key, count)
}

func listLlen(c *Ctx) {
	o, ok := c.ReadType(c.Key(1), keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(listVal(o).Len()))
}

func listLrange(c *Ctx) {
	start, end, ok := c.argRange()
	if !ok {
		return
	}
	o, ok := c.ReadType(c.Key(1), keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.W.Array(0)
		return
	}
	l := listVal(o)
	s, e, ok := listClampRange(start, end, l.Len())
	if !ok {
		c.W.Array(0)
		return
	}
	listRangeReply(c, l, s, e, false)
}

// listIndex resolves a possibly negative index; ok is false when it is out of range.
func listIndex(idx int64, n int) (int, bool) {
	if idx < 0 {
		idx += int64(n)
	}
	if idx < 0 || idx >= int64(n) {
		return 0, false
	}
	return int(idx), true
}

func listLindex(c *Ctx) {
	o, ok := c.ReadType(c.Key(1), keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	idx, ok := c.ArgInt(2)
	if !ok {
		return
	}
	l := listVal(o)
	i, ok := listIndex(idx, l.Len())
	if !ok {
		c.W.Null()
		return
	}
	v, _ := l.Index(i)
	c.W.Bulk(v)
}

func listLset(c *Ctx) {
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.Err(ErrNoSuchKey)
		return
	}
	idx, ok := c.ArgInt(2)
	if !ok {
		return
	}
	l := listVal(o)
	i, ok := listIndex(idx, l.Len())
	if !ok {
		c.Err(errListIndexRange)
		return
	}
	l.Set(i, c.Args[3])
	c.W.OK()
	c.DB.Modified(key)
	c.Notify(NotifyList, "lset", key)
	c.Changed(1)
}

func listLinsert(c *Ctx) {
	var after bool
	switch {
	case eqFold(c.Args[2], "after"):
		after = true
	case eqFold(c.Args[2], "before"):
	default:
		c.Err(ErrSyntax)
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	l := listVal(o)
	pivot := c.Args[3]
	at := -1
	it := l.IterAt(0, false)
	for i := 0; ; i++ {
		v, more := it.Next()
		if !more {
			break
		}
		if bytes.Equal(v, pivot) {
			at = i
			break
		}
	}
	if at < 0 {
		c.W.Int(-1)
		return
	}
	if after {
		at++
	}
	l.Insert(at, c.Args[4])
	c.DB.Modified(key)
	c.Notify(NotifyList, "linsert", key)
	c.Changed(1)
	c.W.Int(int64(l.Len()))
}

func listLrem(c *Ctx) {
	count, ok := c.ArgInt(2)
	if !ok {
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	l := listVal(o)
	// A count of math.MinInt64 has no positive counterpart; like Redis, whose negation
	// leaves it negative, it then removes every match, scanning from the tail.
	fromTail := count < 0
	if fromTail {
		count = -count
	}
	removed := l.Remove(c.Args[3], int(min(count, int64(l.Len()))), fromTail)
	if removed > 0 {
		c.Notify(NotifyList, "lrem", key)
		c.Changed(removed)
	}
	listDeleteIfEmpty(c, key, l)
	if removed > 0 {
		c.DB.Modified(key)
	}
	c.W.Int(int64(removed))
}

func listLtrim(c *Ctx) {
	start, end, ok := c.argRange()
	if !ok {
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		c.W.OK()
		return
	}
	l := listVal(o)
	n := l.Len()
	ltrim, rtrim := n, 0
	if s, e, ok := listClampRange(start, end, n); ok {
		ltrim, rtrim = s, n-e-1
	}
	l.TrimFront(ltrim)
	l.TrimBack(rtrim)
	c.Notify(NotifyList, "ltrim", key)
	listDeleteIfEmpty(c, key, l)
	c.DB.Modified(key)
	c.Changed(ltrim + rtrim)
	c.W.OK()
}

func listLpos(c *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: no COUNT option
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		more := j+1 < len(c.Args)
		switch {
		case eqFold(opt, "rank") && more:
			j++
			n, ok := c.ArgInt(j)
			if !ok {
				return
			}
			if n == 0 {
				c.Err(errListRankZero)
				return
			}
			rank = n
		case eqFold(opt, "count") && more:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok || n < 0 {
				c.Err("ERR COUNT can't be negative")
				return
			}
			count = n
		case eqFold(opt, "maxlen") && more:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok || n < 0 {
				c.Err("ERR MAXLEN can't be negative")
				return
			}
			maxlen = n
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	// A negative rank searches from the tail. math.MinInt64 stays negative when negated,
	// which (as in Redis) makes the first match from the tail qualify.
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	o, ok := c.ReadType(c.Key(1), keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		if count != -1 {
			c.W.Array(0)
		} else {
			c.W.Null()
		}
		return
	}
	l := listVal(o)
	n := l.Len()
	start := 0
	if reverse {
		start = n - 1
	}
	ele := c.Args[2]
	var found []int64 // bounded by the list's length, never by COUNT
	var matches int64
	it := l.IterAt(start, reverse)
	for idx := int64(0); maxlen == 0 || idx < maxlen; idx++ {
		v, more := it.Next()
		if !more {
			break
		}
		if !bytes.Equal(v, ele) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		pos := idx
		if reverse {
			pos = int64(n) - idx - 1
		}
		found = append(found, pos)
		if count == -1 || (count != 0 && int64(len(found)) >= count) {
			break
		}
	}
	if count != -1 {
		c.W.Array(len(found))
		for _, p := range found {
			c.W.Int(p)
		}
		return
	}
	if len(found) == 0 {
		c.W.Null()
		return
	}
	c.W.Int(found[0])
}

func listLmove(c *Ctx) {
	from, ok := listWhere(c, c.Args[3])
	if !ok {
		return
	}
	to, ok := listWhere(c, c.Args[4])
	if !ok {
		return
	}
	listMove(c, from, to)
}

func listRpoplpush(c *Ctx) { listMove(c, false, true) }

// listMove pops from the list at argument 1 and pushes to the list at argument 2, in the
// order of Redis's lmoveGenericCommand (destination type checked only when there is
// something to move; the source may be the destination). It reports whether it moved an
// element.
func listMove(c *Ctx, from, to bool) bool {
	src, dst := c.Key(1), c.Key(2)
	so, ok := c.LookupType(src, keyspace.TypeList)
	if !ok {
		return false
	}
	if so == nil {
		c.W.Null()
		return false
	}
	sl := listVal(so)
	do, ok := c.LookupType(dst, keyspace.TypeList)
	if !ok {
		return false
	}
	v := listPop(sl, from)
	var dl *list.List
	if do == nil {
		dl = listCreate(c, dst)
	} else {
		dl = listVal(do)
	}
	c.DB.Modified(dst)
	listPushOne(dl, v, to)
	c.Notify(NotifyList, listPushEvent(to), dst)
	c.W.Bulk(v)
	if from {
		c.Notify(NotifyList, "lpop", src)
	} else {
		c.Notify(NotifyList, "rpop", src)
	}
	listDeleteIfEmpty(c, src, sl)
	c.DB.Modified(src)
	c.Changed(1)
	return true
}

// listMpopArgs parses the numkeys, LEFT|RIGHT and COUNT of LMPOP/BLMPOP, numkeys being at
// argument idx. It replies with Redis's error and returns ok false on bad input.
func listMpopArgs(c *Ctx, idx int) (keys [][]byte, front bool, count int64, ok bool) {
	numkeys, isInt := ParseInt(c.Args[idx])
	if !isInt || numkeys < 1 {
		c.Err("ERR numkeys should be greater than 0")
		return nil, false, 0, false
	}
	if numkeys > int64(len(c.Args)-idx-2) {
		c.Err(ErrSyntax)
		return nil, false, 0, false
	}
	whereIdx := idx + int(numkeys) + 1
	if front, ok = listWhere(c, c.Args[whereIdx]); !ok {
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(c.Args); j++ {
		if count == -1 && eqFold(c.Args[j], "count") && j+1 < len(c.Args) {
			j++
			n, isInt := ParseInt(c.Args[j])
			if !isInt || n < 1 {
				c.Err("ERR count should be greater than 0")
				return nil, false, 0, false
			}
			count = n
			continue
		}
		c.Err(ErrSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return c.Args[idx+1 : whereIdx], front, count, true
}

// listMpopServe pops from the first non-empty list among keys, replying [key, [elements]].
// served is false when every list was empty or absent (nothing was written); ok is false
// after a WRONGTYPE reply.
func listMpopServe(c *Ctx, keys [][]byte, front bool, count int64) (served, ok bool) {
	for _, k := range keys {
		key := string(k)
		o, ok := c.LookupType(key, keyspace.TypeList)
		if !ok {
			return false, false
		}
		if o == nil {
			continue
		}
		c.W.Array(2)
		c.W.Bulk(k)
		n := listPopRange(c, key, listVal(o), front, count)
		propagatePop(c, k, front, propInt(int64(n)))
		return true, true
	}
	return false, true
}

func listLmpop(c *Ctx) {
	keys, front, count, ok := listMpopArgs(c, 1)
	if !ok {
		return
	}
	if served, ok := listMpopServe(c, keys, front, count); ok && !served {
		c.W.NullArray()
	}
}

func listBlmpop(c *Ctx) {
	keys, front, count, ok := listMpopArgs(c, 2)
	if !ok {
		return
	}
	deadline, ok := listTimeout(c, c.Args[1])
	if !ok {
		return
	}
	if served, ok := listMpopServe(c, keys, front, count); ok && !served {
		c.Block(listBlockKeys(keys), deadline, listNullArray)
	}
}

func listBlpop(c *Ctx) { listBpop(c, true) }
func listBrpop(c *Ctx) { listBpop(c, false) }

// listBpop implements BLPOP/BRPOP: pop one element from the first non-empty list, or block.
func listBpop(c *Ctx, front bool) {
	deadline, ok := listTimeout(c, c.Args[len(c.Args)-1])
	if !ok {
		return
	}
	keys := c.Args[1 : len(c.Args)-1]
	for _, k := range keys {
		key := string(k)
		if c.Rerun && listOtherType(c, key) {
			continue // Redis keeps a parked client waiting when a key changes type
		}
		o, ok := c.LookupType(key, keyspace.TypeList)
		if !ok {
			return
		}
		if o == nil {
			continue
		}
		l := listVal(o)
		c.W.Array(2)
		c.W.Bulk(k)
		c.W.Bulk(listPop(l, front))
		listRemoved(c, key, l, front, 1)
		propagatePop(c, k, front, nil)
		return
	}
	c.Block(listBlockKeys(keys), deadline, listNullArray)
}

func listBlmove(c *Ctx) {
	from, ok := listWhere(c, c.Args[3])
	if !ok {
		return
	}
	to, ok := listWhere(c, c.Args[4])
	if !ok {
		return
	}
	listBmove(c, from, to, c.Args[5])
}

func listBrpoplpush(c *Ctx) { listBmove(c, false, true, c.Args[3]) }

// propagateMove records a served BLMOVE or BRPOPLPUSH as its non-blocking twin. Redis passes
// BLMOVE's LEFT/RIGHT on as typed, but spells them in lower case when serving a client that
// had blocked.
func propagateMove(c *Ctx, from, to bool) {
	src, dst := c.Args[1], c.Args[2]
	if c.Spec.Name == "brpoplpush" {
		c.Propagate([]byte("RPOPLPUSH"), src, dst)
		return
	}
	wherefrom, whereto := c.Args[3], c.Args[4]
	if c.Rerun {
		wherefrom, whereto = listWhereName(from), listWhereName(to)
	}
	c.Propagate([]byte("LMOVE"), src, dst, wherefrom, whereto)
}

func listWhereName(front bool) []byte {
	if front {
		return []byte("left")
	}
	return []byte("right")
}

// listBmove implements BLMOVE/BRPOPLPUSH: LMOVE when the source has elements, else block
// on the source alone.
func listBmove(c *Ctx, from, to bool, timeout []byte) {
	deadline, ok := listTimeout(c, timeout)
	if !ok {
		return
	}
	if c.Rerun && listOtherType(c, c.Key(1)) {
		c.Block([]string{c.Key(1)}, deadline, listNullArray)
		return
	}
	o, ok := c.LookupType(c.Key(1), keyspace.TypeList)
	if !ok {
		return
	}
	if o == nil {
		if c.NoBlock {
			c.W.Null() // inside MULTI Redis answers like LMOVE on a missing key
			return
		}
		// Redis answers a timed-out BLMOVE with a null array, as every blocked list command.
		c.Block([]string{c.Key(1)}, deadline, listNullArray)
		return
	}
	if listMove(c, from, to) {
		propagateMove(c, from, to)
	}
}

// listOtherType reports whether key holds a value that is not a list.
func listOtherType(c *Ctx, key string) bool {
	o := c.Lookup(key)
	return o != nil && o.Type != keyspace.TypeList
}

func listNullArray(w *resp.Writer) { w.NullArray() }

// listBlockKeys lists the distinct keys a command blocks on, in argument order.
func listBlockKeys(args [][]byte) []string {
	keys := make([]string, 0, len(args))
	seen := make(map[string]bool, len(args))
	for _, a := range args {
		k := string(a)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// listTimeout parses a blocking timeout in seconds into an absolute deadline in unix ms
// (0: wait forever), exactly as Redis's getTimeoutFromObjectOrReply: strtold syntax,
// long double arithmetic, rounding up to whole milliseconds, and any value the conversion
// to long long cannot hold (inf, 1e20) turning into a negative one.
func listTimeout(c *Ctx, arg []byte) (int64, bool) {
	ms, ok := strtoldTimeoutMs(arg)
	if !ok {
		c.Err(errListTimeout)
		return 0, false
	}
	if ms < 0 {
		c.Err(errListTimeoutNeg)
		return 0, false
	}
	if ms == 0 {
		return 0, true
	}
	// Redis would overflow its deadline here; waiting (practically) forever is the intent.
	if ms > math.MaxInt64-c.Now {
		return math.MaxInt64, true
	}
	return c.Now + ms, true
}

// strtoldTimeoutMs converts a seconds argument to milliseconds as Redis 7.0.15 does on x86-64,
// (long long)ceill(strtold(s) * 1000.0), so that a positive timeout under a millisecond still
// times out; ok is false when Redis would reply "not a float".
func strtoldTimeoutMs(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return 0, false
	}
	// strtold sees a C string: it stops at a NUL, and an empty one parses as zero.
	if i := bytes.IndexByte(b, 0); i >= 0 {
		if i == 0 {
			return 0, true
		}
		b = b[:i]
	}
	x, ok := parseLongDouble(b)
	if !ok {
		return 0, false
	}
	// Converting an infinite or too large product yields x86's "integer indefinite", the
	// most negative value, which Redis then reports as a negative timeout.
	if x.IsInf() {
		return math.MinInt64, true
	}
	ms := new(big.Float).SetPrec(ldMantBits).Mul(x, big.NewFloat(1000))
	limit := new(big.Float).SetMantExp(big.NewFloat(1), 63)
	if ms.Cmp(limit) >= 0 || ms.Cmp(limit.Neg(limit)) < 0 {
		return math.MinInt64, true
	}
	v, acc := ms.Int64()  // truncated toward zero
	if acc == big.Below { // a positive fraction: round up, as ceill does
		if v == math.MaxInt64 {
			return math.MinInt64, true
		}
		v++
	}
	return v, true
}
