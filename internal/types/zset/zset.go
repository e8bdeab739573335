// Package zset owns the value of a Redis sorted set: a sorted array ("listpack") while small, a skiplist with spans plus a dictionary ("skiplist") past the limits.
package zset

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Entry is one member of a sorted set with its score.
type Entry struct {
	Member string
	Score  float64
}

// Limits are zset-max-listpack-entries and zset-max-listpack-value.
type Limits struct {
	Entries, Value int64
}

// fits reports whether a listpack may hold n members, the longest maxLen bytes long.
func (l Limits) fits(n int, maxLen int) bool {
	return int64(n) <= l.Entries && int64(maxLen) <= l.Value
}

// ZSet is one sorted set value, ordered by score and then by member bytes.
//
// As a listpack the entries live in one sorted slice: lookups by member are linear, as in
// Redis, which only keeps small sets this way. As a skiplist the order lives in a skiplist
// whose spans give ranks in O(log n), the members in a map, and a dense slice of the nodes
// (a deletion moves the last node into the hole) gives uniform random picks and a SCAN cursor.
type ZSet struct {
	lp    []Entry
	sl    *skiplist // nil while a listpack
	dict  map[string]*node
	dense []*node
	bytes int64 // sum of member lengths
	peak  int   // largest size since dict was built, to rebuild a mostly empty map
}

// New returns an empty listpack-encoded sorted set.
func New() *ZSet { return &ZSet{} }

// NewSkiplist returns an empty skiplist-encoded sorted set, as Redis creates one whose first
// member is already too long for a listpack (or when listpacks are disabled).
func NewSkiplist() *ZSet {
	z := &ZSet{}
	z.initSkiplist(0)
	return z
}

func (z *ZSet) initSkiplist(capacity int) {
	z.sl = newSkiplist()
	z.dict = make(map[string]*node, capacity)
	z.dense = make([]*node, 0, capacity)
	z.peak = capacity
}

// FromSorted builds a sorted set from entries already in order with distinct members, with
// the encoding Redis gives a computed result (zsetConvertToListpackIfNeeded): a listpack when
// it fits the limits, a skiplist otherwise.
func FromSorted(entries []Entry, lim Limits) *ZSet {
	z := &ZSet{}
	maxLen := 0
	for _, e := range entries {
		maxLen = max(maxLen, len(e.Member))
		z.bytes += int64(len(e.Member))
	}
	if lim.fits(len(entries), maxLen) {
		z.lp = make([]Entry, len(entries))
		for i, e := range entries {
			z.lp[i] = Entry{e.Member, lpScore(e.Score)}
		}
		return z
	}
	z.initSkiplist(len(entries))
	tails := z.sl.tails()
	for _, e := range entries {
		z.track(z.sl.appendTail(e.Score, e.Member, tails))
	}
	return z
}

// lpScore is the score a listpack stores: Redis keeps integral scores as integers, which
// turns -0 into 0.
func lpScore(s float64) float64 {
	if s == 0 {
		return 0
	}
	return s
}

// IsListpack reports the listpack encoding.
func (z *ZSet) IsListpack() bool { return z.sl == nil }

// Encoding is the name OBJECT ENCODING reports.
func (z *ZSet) Encoding() string {
	if z.sl == nil {
		return "listpack"
	}
	return "skiplist"
}

// Len is the number of members.
func (z *ZSet) Len() int {
	if z.sl == nil {
		return len(z.lp)
	}
	return z.sl.length
}

// Bytes is the sum of the lengths of all members.
func (z *ZSet) Bytes() int64 { return z.bytes }

func less(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || (s1 == s2 && m1 < m2)
}

func (z *ZSet) lpFind(member string) int {
	for i := range z.lp {
		if z.lp[i].Member == member {
			return i
		}
	}
	return -1
}

func (z *ZSet) lpInsert(member string, score float64) {
	score = lpScore(score)
	i, _ := slices.BinarySearchFunc(z.lp, Entry{member, score}, func(e, t Entry) int {
		if less(e.Score, e.Member, t.Score, t.Member) {
			return -1
		}
		return 1
	})
	z.lp = slices.Insert(z.lp, i, Entry{member, score})
}

// Score returns member's score.
func (z *ZSet) Score(member string) (float64, bool) {
	if z.sl == nil {
		if i := z.lpFind(member); i >= 0 {
			return z.lp[i].Score, true
		}
		return 0, false
	}
	if n := z.dict[member]; n != nil {
		return n.score, true
	}
	return 0, false
}

// convert turns a listpack into a skiplist; Redis converts back only when it builds a result.
func (z *ZSet) convert() {
	lp := z.lp
	z.lp = nil
	z.initSkiplist(len(lp) + 1)
	tails := z.sl.tails()
	for _, e := range lp {
		z.track(z.sl.appendTail(e.Score, e.Member, tails))
	}
}

func (z *ZSet) track(n *node) {
	n.pos = len(z.dense)
	z.dense = append(z.dense, n)
	z.dict[n.member] = n
	z.peak = max(z.peak, len(z.dense))
}

// untrack forgets a node already unlinked from the skiplist.
func (z *ZSet) untrack(n *node) {
	delete(z.dict, n.member)
	last := z.dense[len(z.dense)-1]
	z.dense[n.pos] = last
	last.pos = n.pos
	z.dense[len(z.dense)-1] = nil
	z.dense = z.dense[:len(z.dense)-1]
	z.bytes -= int64(len(n.member))
	// Go maps never shrink: rebuild one that is mostly empty, as Redis resizes a sparse dict.
	if z.peak > 64 && len(z.dense)*8 < z.peak {
		z.dict = make(map[string]*node, len(z.dense))
		for _, d := range z.dense {
			z.dict[d.member] = d
		}
		z.dense = slices.Clip(z.dense)
		z.peak = len(z.dense)
	}
}

// AddFlags are ZADD's options.
type AddFlags uint8

const (
	Incr AddFlags = 1 << iota
	NX
	XX
	GT
	LT
)

// AddResult says what Add did.
type AddResult uint8

const (
	Added   AddResult = 1 << iota // the member is new
	Updated                       // its score changed
	Nop                           // NX, XX, GT or LT refused the change
	NaN                           // the increment made the score NaN; nothing changed
)

// Add adds member or updates its score as Redis's zsetAdd, returning the resulting score.
// score must not be NaN. A listpack converts to a skiplist when the new member would pass
// the limits.
func (z *ZSet) Add(member string, score float64, f AddFlags, lim Limits) (float64, AddResult) {
	cur, exists := z.Score(member)
	if exists {
		if f&NX != 0 {
			return cur, Nop
		}
		if f&Incr != 0 {
			score += cur
			if math.IsNaN(score) {
				return cur, NaN
			}
		}
		if (f&LT != 0 && score >= cur) || (f&GT != 0 && score <= cur) {
			return cur, Nop
		}
		if score == cur {
			return score, 0
		}
		if z.sl == nil {
			i := z.lpFind(member)
			z.lp = slices.Delete(z.lp, i, i+1)
			z.lpInsert(member, score)
		} else {
			n := z.sl.updateScore(z.dict[member], score)
			z.dict[member] = n
			z.dense[n.pos] = n
		}
		return score, Updated
	}
	if f&XX != 0 {
		return 0, Nop
	}
	z.bytes += int64(len(member))
	if z.sl == nil {
		if int64(len(z.lp))+1 <= lim.Entries && int64(len(member)) <= lim.Value {
			z.lpInsert(member, score)
			return score, Added
		}
		z.convert()
	}
	z.track(z.sl.insert(score, member))
	return score, Added
}

// Remove deletes member and reports whether it was present.
func (z *ZSet) Remove(member string) bool {
	if z.sl == nil {
		i := z.lpFind(member)
		if i < 0 {
			return false
		}
		z.lp = slices.Delete(z.lp, i, i+1)
		z.bytes -= int64(len(member))
		return true
	}
	n := z.dict[member]
	if n == nil {
		return false
	}
	z.sl.delete(n)
	z.untrack(n)
	return true
}

// Rank returns member's 0-based position in ascending order, or from the highest score when
// reverse.
func (z *ZSet) Rank(member string, reverse bool) (int, bool) {
	var r int
	if z.sl == nil {
		if r = z.lpFind(member); r < 0 {
			return 0, false
		}
	} else {
		n := z.dict[member]
		if n == nil {
			return 0, false
		}
		r = z.sl.rank(n.score, n.member) - 1
	}
	if reverse {
		r = z.Len() - 1 - r
	}
	return r, true
}

// At returns the entry of 0-based rank i (0 <= i < Len) in ascending order.
func (z *ZSet) At(i int) Entry {
	if z.sl == nil {
		return z.lp[i]
	}
	n := z.sl.byRank(i + 1)
	return Entry{n.member, n.score}
}

// Cursor walks a sorted set in either direction from a position found by rank or range.
// It must not be used after the set is modified.
type Cursor struct {
	z       *ZSet
	i       int   // listpack position
	n       *node // skiplist node
	reverse bool
	valid   bool
}

// Valid reports whether the cursor is on an entry.
func (c *Cursor) Valid() bool { return c.valid }

// Entry returns the entry under the cursor.
func (c *Cursor) Entry() Entry {
	if c.z.sl == nil {
		return c.z.lp[c.i]
	}
	return Entry{c.n.member, c.n.score}
}

// Next moves one entry on in the cursor's direction.
func (c *Cursor) Next() {
	if c.z.sl == nil {
		if c.reverse {
			c.i--
		} else {
			c.i++
		}
		c.valid = c.i >= 0 && c.i < len(c.z.lp)
		return
	}
	if c.reverse {
		c.n = c.n.backward
	} else {
		c.n = c.n.levels[0].forward
	}
	c.valid = c.n != nil
}

// Skip moves n entries on, as Redis walks an offset one entry at a time.
func (c *Cursor) Skip(n int64) {
	for ; n > 0 && c.valid; n-- {
		c.Next()
	}
}

// FromRank returns a cursor on the entry of 0-based rank i counted from the lowest score, or
// from the highest when reverse.
func (z *ZSet) FromRank(i int, reverse bool) Cursor {
	c := Cursor{z: z, reverse: reverse}
	if i < 0 || i >= z.Len() {
		return c
	}
	asc := i
	if reverse {
		asc = z.Len() - 1 - i
	}
	c.valid = true
	if z.sl == nil {
		c.i = asc
	} else {
		c.n = z.sl.byRank(asc + 1)
	}
	return c
}

func (z *ZSet) cursorAt(i int, n *node, reverse bool) Cursor {
	c := Cursor{z: z, reverse: reverse, i: i, n: n}
	if z.sl == nil {
		c.valid = i >= 0 && i < len(z.lp)
	} else {
		c.valid = n != nil
	}
	return c
}

// FromScore returns a cursor on the first entry of r (the last one when reverse); it is
// invalid when r holds no entry. The caller checks the other bound while walking.
func (z *ZSet) FromScore(r ScoreRange, reverse bool) Cursor {
	if z.sl == nil {
		if !z.lpInRange(r) {
			return z.cursorAt(-1, nil, reverse)
		}
		if reverse {
			i := len(z.lp) - 1
			for i >= 0 && !r.LteMax(z.lp[i].Score) {
				i--
			}
			if i >= 0 && !r.GteMin(z.lp[i].Score) {
				i = -1
			}
			return z.cursorAt(i, nil, reverse)
		}
		i := 0
		for i < len(z.lp) && !r.GteMin(z.lp[i].Score) {
			i++
		}
		if i < len(z.lp) && !r.LteMax(z.lp[i].Score) {
			i = -1
		}
		return z.cursorAt(i, nil, reverse)
	}
	if reverse {
		return z.cursorAt(0, z.sl.lastInRange(r), reverse)
	}
	return z.cursorAt(0, z.sl.firstInRange(r), reverse)
}

func (z *ZSet) lpInRange(r ScoreRange) bool {
	if r.Empty() || len(z.lp) == 0 {
		return false
	}
	return r.GteMin(z.lp[len(z.lp)-1].Score) && r.LteMax(z.lp[0].Score)
}

// FromLex is FromScore for a lexicographic range.
func (z *ZSet) FromLex(r LexRange, reverse bool) Cursor {
	if z.sl == nil {
		if r.Empty() || len(z.lp) == 0 || !r.GteMin(z.lp[len(z.lp)-1].Member) || !r.LteMax(z.lp[0].Member) {
			return z.cursorAt(-1, nil, reverse)
		}
		if reverse {
			i := len(z.lp) - 1
			for i >= 0 && !r.LteMax(z.lp[i].Member) {
				i--
			}
			if i >= 0 && !r.GteMin(z.lp[i].Member) {
				i = -1
			}
			return z.cursorAt(i, nil, reverse)
		}
		i := 0
		for i < len(z.lp) && !r.GteMin(z.lp[i].Member) {
			i++
		}
		if i < len(z.lp) && !r.LteMax(z.lp[i].Member) {
			i = -1
		}
		return z.cursorAt(i, nil, reverse)
	}
	if reverse {
		return z.cursorAt(0, z.sl.lastInLex(r), reverse)
	}
	return z.cursorAt(0, z.sl.firstInLex(r), reverse)
}

// Count returns the number of entries in r.
func (z *ZSet) Count(r ScoreRange) int {
	if z.sl == nil {
		n := 0
		for c := z.FromScore(r, false); c.Valid() && r.LteMax(c.Entry().Score); c.Next() {
			n++
		}
		return n
	}
	first := z.sl.firstInRange(r)
	if first == nil {
		return 0
	}
	last := z.sl.lastInRange(r)
	return z.sl.rank(last.score, last.member) - z.sl.rank(first.score, first.member) + 1
}

// LexCount returns the number of entries in r.
func (z *ZSet) LexCount(r LexRange) int {
	if z.sl == nil {
		n := 0
		for c := z.FromLex(r, false); c.Valid() && r.LteMax(c.Entry().Member); c.Next() {
			n++
		}
		return n
	}
	first := z.sl.firstInLex(r)
	if first == nil {
		return 0
	}
	last := z.sl.lastInLex(r)
	return z.sl.rank(last.score, last.member) - z.sl.rank(first.score, first.member) + 1
}

// RemoveRangeByRank deletes the entries of 0-based ranks start..end (valid and ordered) and
// returns how many it deleted.
func (z *ZSet) RemoveRangeByRank(start, end int) int {
	if z.sl == nil {
		for _, e := range z.lp[start : end+1] {
			z.bytes -= int64(len(e.Member))
		}
		z.lp = slices.Delete(z.lp, start, end+1)
		return end - start + 1
	}
	removed := z.sl.deleteRange(func(x *node, rank int) bool { return rank < start+1 },
		func(x *node, rank int) bool { return rank <= end+1 })
	for _, n := range removed {
		z.untrack(n)
	}
	return len(removed)
}

// RemoveRangeByScore deletes the entries in r and returns how many it deleted.
func (z *ZSet) RemoveRangeByScore(r ScoreRange) int {
	if z.sl == nil {
		return z.lpDeleteWhile(z.FromScore(r, false), func(e Entry) bool { return r.LteMax(e.Score) })
	}
	removed := z.sl.deleteRange(func(x *node, _ int) bool { return !r.GteMin(x.score) },
		func(x *node, _ int) bool { return r.LteMax(x.score) })
	for _, n := range removed {
		z.untrack(n)
	}
	return len(removed)
}

// RemoveRangeByLex deletes the entries in r and returns how many it deleted.
func (z *ZSet) RemoveRangeByLex(r LexRange) int {
	if z.sl == nil {
		return z.lpDeleteWhile(z.FromLex(r, false), func(e Entry) bool { return r.LteMax(e.Member) })
	}
	removed := z.sl.deleteRange(func(x *node, _ int) bool { return !r.GteMin(x.member) },
		func(x *node, _ int) bool { return r.LteMax(x.member) })
	for _, n := range removed {
		z.untrack(n)
	}
	return len(removed)
}

func (z *ZSet) lpDeleteWhile(c Cursor, in func(Entry) bool) int {
	if !c.Valid() {
		return 0
	}
	end := c.i
	for end < len(z.lp) && in(z.lp[end]) {
		z.bytes -= int64(len(z.lp[end].Member))
		end++
	}
	z.lp = slices.Delete(z.lp, c.i, end)
	return end - c.i
}

// Pop removes and returns the entry with the lowest score, or the highest when max. The set
// must not be empty.
func (z *ZSet) Pop(max bool) Entry {
	var e Entry
	if z.sl == nil {
		i := 0
		if max {
			i = len(z.lp) - 1
		}
		e = z.lp[i]
		z.lp = slices.Delete(z.lp, i, i+1)
		z.bytes -= int64(len(e.Member))
		return e
	}
	n := z.sl.header.levels[0].forward
	if max {
		n = z.sl.tail
	}
	z.sl.delete(n)
	z.untrack(n)
	return Entry{n.member, n.score}
}

// Random returns a uniformly chosen entry; the set must not be empty.
func (z *ZSet) Random() Entry {
	if z.sl == nil {
		return z.lp[rand.IntN(len(z.lp))]
	}
	n := z.dense[rand.IntN(len(z.dense))]
	return Entry{n.member, n.score}
}

// Sample returns k distinct entries (k <= Len) chosen uniformly, in random order. Its memory
// is bounded by k and Len, never by more.
func (z *ZSet) Sample(k int) []Entry {
	n := z.Len()
	k = min(k, n)
	out := make([]Entry, 0, k)
	at := func(i int) Entry {
		if z.sl == nil {
			return z.lp[i]
		}
		d := z.dense[i]
		return Entry{d.member, d.score}
	}
	if k*3 > n {
		perm := rand.Perm(n)
		for _, i := range perm[:k] {
			out = append(out, at(i))
		}
		return out
	}
	seen := make(map[int]struct{}, k)
	// Floyd's algorithm: k draws, each distinct, memory O(k).
	for j := n - k; j < n; j++ {
		t := rand.IntN(j + 1)
		if _, dup := seen[t]; dup {
			t = j
		}
		seen[t] = struct{}{}
		out = append(out, at(t))
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// All calls fn with every entry from the highest score down (the order of Redis's zset
// iterator, which ZRANDMEMBER and the set operations use) until fn returns false.
func (z *ZSet) Descending(fn func(Entry) bool) {
	if z.sl == nil {
		for i := len(z.lp) - 1; i >= 0; i-- {
			if !fn(z.lp[i]) {
				return
			}
		}
		return
	}
	for n := z.sl.tail; n != nil; n = n.backward {
		if !fn(Entry{n.member, n.score}) {
			return
		}
	}
}

// Scan calls fn with the entries of one ZSCAN step from cursor and returns the next cursor,
// 0 when the walk is complete. A listpack is returned whole in one step whatever the cursor,
// as Redis does. A skiplist's nodes are walked from the last dense position down, count a
// step: deletions only move the last node down, so a member present for the whole walk is
// returned at least once. The cursor is the number of positions left to walk.
func (z *ZSet) Scan(cursor uint64, count int64, fn func(member string, score float64)) uint64 {
	if z.sl == nil {
		for _, e := range z.lp {
			fn(e.Member, e.Score)
		}
		return 0
	}
	p := uint64(len(z.dense))
	if cursor != 0 && cursor < p {
		p = cursor
	}
	for ; p > 0 && count > 0; count-- {
		p--
		fn(z.dense[p].member, z.dense[p].score)
	}
	return p
}

// FormatScanScore formats a score as ZSCAN shows it: a listpack keeps integral scores as
// integers (printed in full), anything else prints as %.17g.
func (z *ZSet) FormatScanScore(dst []byte, s float64) []byte {
	if z.sl == nil && s >= -(math.MaxInt64/2) && s <= math.MaxInt64/2 && s == math.Trunc(s) {
		return strconv.AppendInt(dst, int64(s), 10)
	}
	return FormatScore(dst, s)
}

// FormatScore formats a score as Redis's replies do (%.17g, inf, -inf).
func FormatScore(dst []byte, s float64) []byte {
	switch {
	case math.IsInf(s, 1):
		return append(dst, "inf"...)
	case math.IsInf(s, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, s, 'g', 17, 64)
}

// Clone returns an independent copy with the same encoding (for COPY).
func (z *ZSet) Clone() any {
	c := &ZSet{bytes: z.bytes}
	if z.sl == nil {
		c.lp = slices.Clone(z.lp)
		return c
	}
	c.initSkiplist(z.sl.length)
	tails := c.sl.tails()
	for n := z.sl.header.levels[0].forward; n != nil; n = n.levels[0].forward {
		c.track(c.sl.appendTail(n.score, n.member, tails))
	}
	return c
}

// MemoryUsage estimates the bytes the value occupies.
func (z *ZSet) MemoryUsage() int64 {
	const (
		perEntry = 24 // string header and score
		perNode  = 96 // node, levels on average, dense slot
		perSlot  = 48 // map bookkeeping
	)
	if z.sl == nil {
		return int64(cap(z.lp))*perEntry + z.bytes
	}
	return int64(z.sl.length)*perNode + int64(z.peak)*perSlot + z.bytes
}
