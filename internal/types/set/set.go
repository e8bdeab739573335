// Package set owns the value of a Redis set: a sorted array of integers ("intset") while every member is a small canonical integer, a hash table ("hashtable") otherwise.
package set

import (
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/redoubt/redoubt/internal/types/dict"
)

// maxIntset is Redis's own cap on set-max-intset-entries (intset internals address 2^30).
const maxIntset = 1 << 30

// Member is one element of a set: an integer when it comes from an intset (so that replies
// and intset lookups need no formatting), a string otherwise.
type Member struct {
	Str   string
	Int   int64
	IsInt bool
}

// String returns the member as the client sees it.
func (m Member) String() string {
	if m.IsInt {
		return strconv.FormatInt(m.Int, 10)
	}
	return m.Str
}

// Set is one set value. The zero value is an empty intset.
//
// As an intset the members are int64s in ascending order, so iteration order is Redis's. As a
// hashtable they are the keys of a dict.Table, whose Clone is cheap enough for a snapshot to
// take under the lock.
type Set struct {
	ints  []int64
	table *dict.Table[struct{}] // nil while an intset
	bytes int64                 // sum of member lengths of a hashtable
}

// New returns an empty set.
func New() *Set { return &Set{} }

// Len is the number of members.
func (s *Set) Len() int {
	if s.table == nil {
		return len(s.ints)
	}
	return s.table.Len()
}

// Bytes is the sum of the lengths of all members (for an intset, an upper bound).
func (s *Set) Bytes() int64 {
	if s.table == nil {
		return int64(len(s.ints)) * 20
	}
	return s.bytes
}

// PopRandom removes a uniformly chosen member and returns it; the set must not be empty.
func (s *Set) PopRandom() Member {
	if s.table == nil {
		i := rand.IntN(len(s.ints))
		m := Member{Int: s.ints[i], IsInt: true}
		s.removeInt(i)
		return m
	}
	m, _ := s.table.Random()
	s.removeStr(m)
	return Member{Str: m}
}

// IsIntset reports the intset encoding.
func (s *Set) IsIntset() bool { return s.table == nil }

// Encoding is the name OBJECT ENCODING reports.
func (s *Set) Encoding() string {
	if s.table == nil {
		return "intset"
	}
	return "hashtable"
}

// ParseInt parses b as Redis's string2ll does: the canonical decimal form of an int64, no
// sign on zero, no leading zeros, no spaces. Only such members may live in an intset.
func ParseInt[T ~string | ~[]byte](b T) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		ch := digits[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

func (s *Set) intPos(n int64) (int, bool) { return slices.BinarySearch(s.ints, n) }

// Add adds member and reports whether it was new. An intset converts to a hashtable when the
// member is not a canonical integer or the set grows past maxEntries, as Redis's setTypeAdd.
func (s *Set) Add(member []byte, maxEntries int64) bool {
	if s.table == nil {
		if n, ok := ParseInt(member); ok {
			return s.addInt(n, maxEntries)
		}
		s.convert()
	}
	if _, created := s.table.Upsert(member); !created {
		return false
	}
	s.bytes += int64(len(member))
	return true
}

// AddMember is Add for a member read from another set.
func (s *Set) AddMember(m Member, maxEntries int64) bool {
	if m.IsInt {
		if s.table == nil {
			return s.addInt(m.Int, maxEntries)
		}
		return s.addStr(m.String())
	}
	if s.table == nil {
		if n, ok := ParseInt(m.Str); ok {
			return s.addInt(n, maxEntries)
		}
		s.convert()
	}
	return s.addStr(m.Str)
}

func (s *Set) addInt(n int64, maxEntries int64) bool {
	i, found := s.intPos(n)
	if found {
		return false
	}
	s.ints = slices.Insert(s.ints, i, n)
	if int64(len(s.ints)) > min(maxEntries, maxIntset) {
		s.convert()
	}
	return true
}

func (s *Set) addStr(m string) bool {
	if !s.table.Set(m, struct{}{}) {
		return false
	}
	s.bytes += int64(len(m))
	return true
}

// convert turns an intset into a hashtable; Redis never converts back.
func (s *Set) convert() {
	s.table = dict.New[struct{}](len(s.ints))
	for _, n := range s.ints {
		s.addStr(strconv.FormatInt(n, 10))
	}
	s.ints = nil
}

// Has reports whether member is in the set.
func (s *Set) Has(member []byte) bool {
	if s.table == nil {
		n, ok := ParseInt(member)
		if !ok {
			return false
		}
		_, found := s.intPos(n)
		return found
	}
	_, ok := s.table.GetBytes(member)
	return ok
}

// HasMember is Has for a member read from another set.
func (s *Set) HasMember(m Member) bool {
	if !m.IsInt {
		if s.table == nil {
			n, ok := ParseInt(m.Str)
			if !ok {
				return false
			}
			_, found := s.intPos(n)
			return found
		}
		_, ok := s.table.Get(m.Str)
		return ok
	}
	if s.table == nil {
		_, found := s.intPos(m.Int)
		return found
	}
	var buf [20]byte
	_, ok := s.table.GetBytes(strconv.AppendInt(buf[:0], m.Int, 10))
	return ok
}

// Remove deletes member and reports whether it was present.
func (s *Set) Remove(member []byte) bool {
	if s.table == nil {
		n, ok := ParseInt(member)
		if !ok {
			return false
		}
		i, found := s.intPos(n)
		if found {
			s.removeInt(i)
		}
		return found
	}
	_, ok := s.table.DeleteBytes(member)
	if ok {
		s.bytes -= int64(len(member))
	}
	return ok
}

// RemoveMember is Remove for a member read from another set.
func (s *Set) RemoveMember(m Member) bool {
	if m.IsInt && s.table == nil {
		i, found := s.intPos(m.Int)
		if found {
			s.removeInt(i)
		}
		return found
	}
	if !m.IsInt && s.table != nil {
		return s.removeStr(m.Str)
	}
	return s.Remove([]byte(m.String()))
}

func (s *Set) removeStr(m string) bool {
	_, ok := s.table.Delete(m)
	if ok {
		s.bytes -= int64(len(m))
	}
	return ok
}

// removeInt deletes the intset member at position i.
func (s *Set) removeInt(i int) {
	s.ints = slices.Delete(s.ints, i, i+1)
	if cap(s.ints) > 64 && len(s.ints)*4 < cap(s.ints) {
		s.ints = append(make([]int64, 0, len(s.ints)*2), s.ints...)
	}
}

// All yields the members in iteration order (ascending for an intset). The set must not be
// modified during the iteration.
func (s *Set) All() iter.Seq[Member] {
	return func(yield func(Member) bool) {
		if s.table != nil {
			for m := range s.table.All() {
				if !yield(Member{Str: m}) {
					return
				}
			}
			return
		}
		for _, n := range s.ints {
			if !yield(Member{Int: n, IsInt: true}) {
				return
			}
		}
	}
}

// Random returns a uniformly chosen member; the set must not be empty.
func (s *Set) Random() Member {
	if s.table != nil {
		m, _ := s.table.Random()
		return Member{Str: m}
	}
	return Member{Int: s.ints[rand.IntN(len(s.ints))], IsInt: true}
}

// Sample calls fn with k distinct random members (all of them when k >= Len), in random
// order. The set must not be modified during the calls.
func (s *Set) Sample(k int, fn func(Member)) {
	if s.table != nil {
		s.table.Sample(k, func(m string, _ struct{}) { fn(Member{Str: m}) })
		return
	}
	for _, i := range sample(len(s.ints), k) {
		fn(Member{Int: s.ints[i], IsInt: true})
	}
}

// Pop removes k distinct random members (k <= Len) and returns them in random order.
func (s *Set) Pop(k int) []Member {
	out := make([]Member, 0, k)
	s.Sample(k, func(m Member) { out = append(out, m) })
	if s.table != nil {
		for _, m := range out {
			s.removeStr(m.Str)
		}
		return out
	}
	// One compaction pass instead of a shift per member.
	drop := make(map[int64]bool, len(out))
	for _, m := range out {
		drop[m.Int] = true
	}
	kept := s.ints[:0]
	for _, n := range s.ints {
		if !drop[n] {
			kept = append(kept, n)
		}
	}
	s.ints = slices.Clip(kept)
	return out
}

// Scan calls fn with the members of one SSCAN step from cursor and returns the next cursor,
// 0 when the walk is complete. An intset is returned whole in one step whatever the cursor,
// as Redis does; a hashtable in steps of about count members (see dict.Table.Scan for the
// guarantee).
func (s *Set) Scan(cursor uint64, count int64, fn func(Member)) uint64 {
	if s.table != nil {
		return s.table.Scan(cursor, int(count), func(m string, _ struct{}) { fn(Member{Str: m}) })
	}
	for _, n := range s.ints {
		fn(Member{Int: n, IsInt: true})
	}
	return 0
}

// Clone returns an independent copy with the same encoding (for COPY, and for a snapshot,
// which keeps the original while the key continues on the copy). A hashtable's copy costs
// its directory, not its members.
func (s *Set) Clone() any {
	c := &Set{ints: slices.Clone(s.ints), bytes: s.bytes}
	if s.table != nil {
		c.table = s.table.Clone()
	}
	return c
}

// MemoryUsage estimates the bytes the value occupies.
func (s *Set) MemoryUsage() int64 {
	if s.table == nil {
		return int64(cap(s.ints)) * 8
	}
	return s.table.MemoryUsage() + s.bytes
}

// sample picks k distinct values of [0, n) uniformly. When k is a large part of n it shuffles
// a prefix of all positions; otherwise it draws with Floyd's algorithm, whose memory is O(k).
// Either way the memory is bounded by n, never by a caller's count beyond it.
func sample(n, k int) []int {
	if k > n {
		k = n
	}
	if k*3 > n {
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		for i := 0; i < k; i++ {
			j := i + rand.IntN(n-i)
			perm[i], perm[j] = perm[j], perm[i]
		}
		return perm[:k]
	}
	out := make([]int, 0, k)
	seen := make(map[int]struct{}, k)
	for j := n - k; j < n; j++ {
		t := rand.IntN(j + 1)
		if _, dup := seen[t]; dup {
			t = j
		}
		seen[t] = struct{}{}
		out = append(out, t)
	}
	rand.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}
