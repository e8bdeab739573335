// Package zset owns the value of a Redis sorted set: a sorted array ("listpack") while small,
// past the limits an order-statistic B+tree plus a dictionary (the encoding Redis calls "skiplist").
package zset

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/redoubt/redoubt/internal/types/dict"
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
// Redis, which only keeps small sets this way. Past the limits the order lives in a B+tree
// whose inner nodes count the entries under each child (ranks, random picks by rank), and
// the scores in a dictionary by member. Both share what they hold with their clones, so a
// clone costs O(1) for the tree and O(directory) for the dictionary, and a later write
// copies only the nodes and shard it touches.
type ZSet struct {
	lp    []Entry
	t     *tree // nil while a listpack
	dict  *dict.Table[float64]
	bytes int64 // sum of member lengths
}

// New returns an empty listpack-encoded sorted set.
func New() *ZSet { return &ZSet{} }

// NewSkiplist returns an empty skiplist-encoded sorted set, as Redis creates one whose first
// member is already too long for a listpack (or when listpacks are disabled).
func NewSkiplist() *ZSet {
	return &ZSet{t: newTree(), dict: dict.New[float64](0)}
}

// FromSorted builds a sorted set from entries already in order with distinct members, with
// the encoding Redis gives a computed result (zsetConvertToListpackIfNeeded): a listpack when
// it fits the limits, a skiplist otherwise.
func FromSorted(entries []Entry, lim Limits) *ZSet {
	return fromSorted(entries, nil, lim)
}

// Load builds a sorted set from entries in the order a loader meets them (an RDB lists a
// big set's members from the highest score down), in one bulk build instead of an insertion
// per member, with the encoding Redis gives a loaded set (the same rule as FromSorted's). It
// reorders entries, and fails on a NaN score or a repeated member, which no valid file holds.
func Load(entries []Entry, lim Limits) (*ZSet, error) {
	members := dict.New[float64](len(entries))
	for _, e := range entries {
		if math.IsNaN(e.Score) {
			return nil, errors.New("NaN score")
		}
		if !members.Set(e.Member, e.Score) {
			return nil, fmt.Errorf("duplicate sorted set member %q", e.Member)
		}
	}
	// pdqsort: O(n) for input sorted either way, as files are.
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Member, b.Member)
	})
	return fromSorted(entries, members, lim), nil
}

// fromSorted is FromSorted with the member dictionary already built, or nil.
func fromSorted(entries []Entry, members *dict.Table[float64], lim Limits) *ZSet {
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
	z.t = buildTree(entries)
	if members == nil {
		members = memberDict(entries)
	}
	z.dict = members
	return z
}

func memberDict(entries []Entry) *dict.Table[float64] {
	d := dict.New[float64](len(entries))
	for _, e := range entries {
		d.Set(e.Member, e.Score)
	}
	return d
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
func (z *ZSet) IsListpack() bool { return z.t == nil }

// Encoding is the name OBJECT ENCODING reports.
func (z *ZSet) Encoding() string {
	if z.t == nil {
		return "listpack"
	}
	return "skiplist"
}

// Len is the number of members.
func (z *ZSet) Len() int {
	if z.t == nil {
		return len(z.lp)
	}
	return z.t.length
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
	if z.t == nil {
		if i := z.lpFind(member); i >= 0 {
			return z.lp[i].Score, true
		}
		return 0, false
	}
	return z.dict.Get(member)
}

// convert turns a listpack into a skiplist; Redis converts back only when it builds a result.
func (z *ZSet) convert() {
	lp := z.lp
	z.lp = nil
	z.t = buildTree(lp)
	z.dict = memberDict(lp)
}

// untrack forgets an entry already removed from the tree.
func (z *ZSet) untrack(e Entry) {
	z.dict.Delete(e.Member)
	z.bytes -= int64(len(e.Member))
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
		if z.t == nil {
			i := z.lpFind(member)
			z.lp = slices.Delete(z.lp, i, i+1)
			z.lpInsert(member, score)
		} else {
			z.t.delete(Entry{member, cur})
			z.t.insert(Entry{member, score})
			z.dict.Set(member, score)
		}
		return score, Updated
	}
	if f&XX != 0 {
		return 0, Nop
	}
	z.bytes += int64(len(member))
	if z.t == nil {
		if int64(len(z.lp))+1 <= lim.Entries && int64(len(member)) <= lim.Value {
			z.lpInsert(member, score)
			return score, Added
		}
		z.convert()
	}
	z.t.insert(Entry{member, score})
	z.dict.Set(member, score)
	return score, Added
}

// Remove deletes member and reports whether it was present.
func (z *ZSet) Remove(member string) bool {
	if z.t == nil {
		i := z.lpFind(member)
		if i < 0 {
			return false
		}
		z.lp = slices.Delete(z.lp, i, i+1)
		z.bytes -= int64(len(member))
		return true
	}
	s, ok := z.dict.Get(member)
	if !ok {
		return false
	}
	e := Entry{member, s}
	z.t.delete(e)
	z.untrack(e)
	return true
}

// Rank returns member's 0-based position in ascending order, or from the highest score when
// reverse.
func (z *ZSet) Rank(member string, reverse bool) (int, bool) {
	var r int
	if z.t == nil {
		if r = z.lpFind(member); r < 0 {
			return 0, false
		}
	} else {
		s, ok := z.dict.Get(member)
		if !ok {
			return 0, false
		}
		r = z.t.rank(Entry{member, s})
	}
	if reverse {
		r = z.Len() - 1 - r
	}
	return r, true
}

// At returns the entry of 0-based rank i (0 <= i < Len) in ascending order.
func (z *ZSet) At(i int) Entry {
	if z.t == nil {
		return z.lp[i]
	}
	return z.t.at(i)
}

// Cursor walks a sorted set in either direction from a position found by rank or range.
// It must not be used after the set is modified.
type Cursor struct {
	z       *ZSet
	rank    int   // ascending rank of the entry under the cursor
	leaf    *leaf // the tree's leaf that holds it
	i       int   // its index in leaf
	reverse bool
	valid   bool
}

// Valid reports whether the cursor is on an entry.
func (c *Cursor) Valid() bool { return c.valid }

// Entry returns the entry under the cursor.
func (c *Cursor) Entry() Entry {
	if c.z.t == nil {
		return c.z.lp[c.rank]
	}
	return c.leaf.items[c.i]
}

// Next moves one entry on in the cursor's direction.
func (c *Cursor) Next() {
	step := 1
	if c.reverse {
		step = -1
	}
	c.rank += step
	c.i += step
	c.valid = c.rank >= 0 && c.rank < c.z.Len()
	if c.valid && c.z.t != nil && (c.i < 0 || c.i >= c.leaf.n) {
		c.leaf, c.i = c.z.t.find(c.rank)
	}
}

// Skip moves n entries on, by rank in O(log n) where Redis walks the offset entry by entry.
func (c *Cursor) Skip(n int64) {
	if n <= 0 || !c.valid {
		return
	}
	if n >= int64(c.z.Len()) {
		c.valid = false
		return
	}
	if c.reverse {
		n = -n
	}
	*c = c.z.cursorAt(c.rank+int(n), c.reverse)
}

// FromRank returns a cursor on the entry of 0-based rank i counted from the lowest score, or
// from the highest when reverse.
func (z *ZSet) FromRank(i int, reverse bool) Cursor {
	if reverse && i >= 0 && i < z.Len() {
		i = z.Len() - 1 - i
	}
	return z.cursorAt(i, reverse)
}

// cursorAt returns a cursor on ascending rank i, invalid when there is none.
func (z *ZSet) cursorAt(i int, reverse bool) Cursor {
	c := Cursor{z: z, rank: i, reverse: reverse, valid: i >= 0 && i < z.Len()}
	if c.valid && z.t != nil {
		c.leaf, c.i = z.t.find(i)
	}
	return c
}

// FromScore returns a cursor on the first entry of r (the last one when reverse); it is
// invalid when r holds no entry. The caller checks the other bound while walking.
func (z *ZSet) FromScore(r ScoreRange, reverse bool) Cursor {
	if z.t == nil {
		if !z.lpInRange(r) {
			return z.cursorAt(-1, reverse)
		}
		if reverse {
			i := len(z.lp) - 1
			for i >= 0 && !r.LteMax(z.lp[i].Score) {
				i--
			}
			if i >= 0 && !r.GteMin(z.lp[i].Score) {
				i = -1
			}
			return z.cursorAt(i, reverse)
		}
		i := 0
		for i < len(z.lp) && !r.GteMin(z.lp[i].Score) {
			i++
		}
		if i < len(z.lp) && !r.LteMax(z.lp[i].Score) {
			i = -1
		}
		return z.cursorAt(i, reverse)
	}
	if r.Empty() {
		return z.cursorAt(-1, reverse)
	}
	var i int
	if reverse {
		i = z.t.countWhile(func(e Entry) bool { return r.LteMax(e.Score) }) - 1
	} else {
		i = z.t.countWhile(func(e Entry) bool { return !r.GteMin(e.Score) })
	}
	c := z.cursorAt(i, reverse)
	if c.valid && !(r.GteMin(c.Entry().Score) && r.LteMax(c.Entry().Score)) {
		c.valid = false
	}
	return c
}

func (z *ZSet) lpInRange(r ScoreRange) bool {
	if r.Empty() || len(z.lp) == 0 {
		return false
	}
	return r.GteMin(z.lp[len(z.lp)-1].Score) && r.LteMax(z.lp[0].Score)
}

// FromLex is FromScore for a lexicographic range.
func (z *ZSet) FromLex(r LexRange, reverse bool) Cursor {
	if z.t == nil {
		if r.Empty() || len(z.lp) == 0 || !r.GteMin(z.lp[len(z.lp)-1].Member) || !r.LteMax(z.lp[0].Member) {
			return z.cursorAt(-1, reverse)
		}
		if reverse {
			i := len(z.lp) - 1
			for i >= 0 && !r.LteMax(z.lp[i].Member) {
				i--
			}
			if i >= 0 && !r.GteMin(z.lp[i].Member) {
				i = -1
			}
			return z.cursorAt(i, reverse)
		}
		i := 0
		for i < len(z.lp) && !r.GteMin(z.lp[i].Member) {
			i++
		}
		if i < len(z.lp) && !r.LteMax(z.lp[i].Member) {
			i = -1
		}
		return z.cursorAt(i, reverse)
	}
	if r.Empty() {
		return z.cursorAt(-1, reverse)
	}
	var i int
	if reverse {
		i = z.t.countWhile(func(e Entry) bool { return r.LteMax(e.Member) }) - 1
	} else {
		i = z.t.countWhile(func(e Entry) bool { return !r.GteMin(e.Member) })
	}
	c := z.cursorAt(i, reverse)
	if c.valid && !(r.GteMin(c.Entry().Member) && r.LteMax(c.Entry().Member)) {
		c.valid = false
	}
	return c
}

// scoreRanks returns the ascending ranks [lo, hi) of the entries in r, in a tree.
func (z *ZSet) scoreRanks(r ScoreRange) (int, int) {
	if r.Empty() {
		return 0, 0
	}
	lo := z.t.countWhile(func(e Entry) bool { return !r.GteMin(e.Score) })
	hi := z.t.countWhile(func(e Entry) bool { return r.LteMax(e.Score) })
	return lo, max(lo, hi)
}

// lexRanks is scoreRanks for a lexicographic range; like Redis's, it assumes equal scores.
func (z *ZSet) lexRanks(r LexRange) (int, int) {
	if r.Empty() {
		return 0, 0
	}
	lo := z.t.countWhile(func(e Entry) bool { return !r.GteMin(e.Member) })
	hi := z.t.countWhile(func(e Entry) bool { return r.LteMax(e.Member) })
	return lo, max(lo, hi)
}

// Count returns the number of entries in r.
func (z *ZSet) Count(r ScoreRange) int {
	if z.t == nil {
		n := 0
		for c := z.FromScore(r, false); c.Valid() && r.LteMax(c.Entry().Score); c.Next() {
			n++
		}
		return n
	}
	lo, hi := z.scoreRanks(r)
	return hi - lo
}

// LexCount returns the number of entries in r.
func (z *ZSet) LexCount(r LexRange) int {
	if z.t == nil {
		n := 0
		for c := z.FromLex(r, false); c.Valid() && r.LteMax(c.Entry().Member); c.Next() {
			n++
		}
		return n
	}
	lo, hi := z.lexRanks(r)
	return hi - lo
}

// removeRanks deletes the tree's entries of ascending ranks [lo, hi) and returns how many.
func (z *ZSet) removeRanks(lo, hi int) int {
	for left := hi - lo; left > 0; {
		left -= z.t.deleteRun(lo, left, z.untrack)
	}
	return hi - lo
}

// RemoveRangeByRank deletes the entries of 0-based ranks start..end (valid and ordered) and
// returns how many it deleted.
func (z *ZSet) RemoveRangeByRank(start, end int) int {
	if z.t == nil {
		for _, e := range z.lp[start : end+1] {
			z.bytes -= int64(len(e.Member))
		}
		z.lp = slices.Delete(z.lp, start, end+1)
		return end - start + 1
	}
	return z.removeRanks(start, end+1)
}

// RemoveRangeByScore deletes the entries in r and returns how many it deleted.
func (z *ZSet) RemoveRangeByScore(r ScoreRange) int {
	if z.t == nil {
		return z.lpDeleteWhile(z.FromScore(r, false), func(e Entry) bool { return r.LteMax(e.Score) })
	}
	return z.removeRanks(z.scoreRanks(r))
}

// RemoveRangeByLex deletes the entries in r and returns how many it deleted.
func (z *ZSet) RemoveRangeByLex(r LexRange) int {
	if z.t == nil {
		return z.lpDeleteWhile(z.FromLex(r, false), func(e Entry) bool { return r.LteMax(e.Member) })
	}
	return z.removeRanks(z.lexRanks(r))
}

func (z *ZSet) lpDeleteWhile(c Cursor, in func(Entry) bool) int {
	if !c.Valid() {
		return 0
	}
	end := c.rank
	for end < len(z.lp) && in(z.lp[end]) {
		z.bytes -= int64(len(z.lp[end].Member))
		end++
	}
	z.lp = slices.Delete(z.lp, c.rank, end)
	return end - c.rank
}

// Pop removes and returns the entry with the lowest score, or the highest when max. The set
// must not be empty.
func (z *ZSet) Pop(max bool) Entry {
	i := 0
	if max {
		i = z.Len() - 1
	}
	var e Entry
	if z.t == nil {
		e = z.lp[i]
		z.lp = slices.Delete(z.lp, i, i+1)
		z.bytes -= int64(len(e.Member))
		return e
	}
	z.t.deleteRun(i, 1, func(x Entry) { e = x })
	z.untrack(e)
	return e
}

// Random returns a uniformly chosen entry; the set must not be empty.
func (z *ZSet) Random() Entry {
	return z.At(rand.IntN(z.Len()))
}

// Sample returns k distinct entries (k <= Len) chosen uniformly, in random order. Its memory
// is bounded by k and Len, never by more.
func (z *ZSet) Sample(k int) []Entry {
	n := z.Len()
	k = min(k, n)
	out := make([]Entry, 0, k)
	if k*3 > n {
		perm := rand.Perm(n)
		for _, i := range perm[:k] {
			out = append(out, z.At(i))
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
		out = append(out, z.At(t))
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Descending calls fn with every entry from the highest score down (the order of Redis's
// zset iterator, which ZRANDMEMBER and the set operations use) until fn returns false.
func (z *ZSet) Descending(fn func(Entry) bool) {
	if z.t == nil {
		for i := len(z.lp) - 1; i >= 0; i-- {
			if !fn(z.lp[i]) {
				return
			}
		}
		return
	}
	z.t.descend(fn)
}

// Scan calls fn with the entries of one ZSCAN step from cursor and returns the next cursor,
// 0 when the walk is complete. A listpack is returned whole in one step whatever the cursor,
// as Redis does; a bigger set walks its dictionary, which returns every member present for
// the whole walk exactly once however the set changes between steps.
func (z *ZSet) Scan(cursor uint64, count int64, fn func(member string, score float64)) uint64 {
	if z.t == nil {
		for _, e := range z.lp {
			fn(e.Member, e.Score)
		}
		return 0
	}
	return z.dict.Scan(cursor, int(min(count, math.MaxInt)), fn)
}

// FormatScanScore formats a score as ZSCAN shows it: a listpack keeps integral scores as
// integers (printed in full), anything else prints as %.17g.
func (z *ZSet) FormatScanScore(dst []byte, s float64) []byte {
	if z.t == nil && s >= -(math.MaxInt64/2) && s <= math.MaxInt64/2 && s == math.Trunc(s) {
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

// Clone returns an independent copy with the same encoding: O(1) for the tree, whose nodes
// the two sets share until either writes.
func (z *ZSet) Clone() any {
	c := &ZSet{bytes: z.bytes}
	if z.t == nil {
		c.lp = slices.Clone(z.lp)
		return c
	}
	c.t = z.t.clone()
	c.dict = z.dict.Clone()
	return c
}

// MemoryUsage estimates the bytes the value occupies: node allocations, the dictionary's
// structure, and member bytes once (the tree and the dictionary share each string).
func (z *ZSet) MemoryUsage() int64 {
	const perEntry = 24 // string header and score
	if z.t == nil {
		return int64(cap(z.lp))*perEntry + z.bytes
	}
	return int64(z.t.leafCount)*leafBytes + int64(z.t.innerCount)*innerBytes + z.dict.MemoryUsage() + z.bytes
}
