// Package set owns the value of a Redis set: a sorted array of integers ("intset") while every member is a small canonical integer, a hash table ("hashtable") otherwise.
package set

import (
	"iter"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
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
// hashtable they are strings in a dense slice indexed by a map; deletions move the last
// member into the hole, which keeps every operation O(1) and random picks uniform.
type Set struct {
	ints    []int64
	members []string
	index   map[string]int // nil while an intset
	bytes   int64          // sum of member lengths of a hashtable
	// peak is the largest size since index was built: Go maps never shrink, so the map is
	// rebuilt once it is mostly empty, as Redis resizes a sparse dict.
	peak int
}

// New returns an empty set.
func New() *Set { return &Set{} }

// Len is the number of members.
func (s *Set) Len() int {
	if s.index == nil {
		return len(s.ints)
	}
	return len(s.members)
}

// Bytes is the sum of the lengths of all members (for an intset, an upper bound).
func (s *Set) Bytes() int64 {
	if s.index == nil {
		return int64(len(s.ints)) * 20
	}
	return s.bytes
}

// PopRandom removes a uniformly chosen member and returns it; the set must not be empty.
func (s *Set) PopRandom() Member {
	i := rand.IntN(s.Len())
	m := s.At(i)
	s.removeAt(i)
	return m
}

// IsIntset reports the intset encoding.
func (s *Set) IsIntset() bool { return s.index == nil }

// Encoding is the name OBJECT ENCODING reports.
func (s *Set) Encoding() string {
	if s.index == nil {
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
	if s.index == nil {
		if n, ok := ParseInt(member); ok {
			return s.addInt(n, maxEntries)
		}
		s.convert()
	}
	return s.addStr(string(member))
}

// AddMember is Add for a member read from another set.
func (s *Set) AddMember(m Member, maxEntries int64) bool {
	if m.IsInt {
		if s.index == nil {
			return s.addInt(m.Int, maxEntries)
		}
		return s.addStr(m.String())
	}
	if s.index == nil {
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
	if _, ok := s.index[m]; ok {
		return false
	}
	s.index[m] = len(s.members)
	s.members = append(s.members, m)
	s.bytes += int64(len(m))
	s.peak = max(s.peak, len(s.members))
	return true
}

// convert turns an intset into a hashtable; Redis never converts back.
func (s *Set) convert() {
	s.members = make([]string, len(s.ints))
	for i, n := range s.ints {
		s.members[i] = strconv.FormatInt(n, 10)
		s.bytes += int64(len(s.members[i]))
	}
	s.ints = nil
	s.reindex()
}

func (s *Set) reindex() {
	s.index = make(map[string]int, len(s.members))
	for i, m := range s.members {
		s.index[m] = i
	}
	s.peak = len(s.members)
}

// Has reports whether member is in the set.
func (s *Set) Has(member []byte) bool {
	if s.index == nil {
		n, ok := ParseInt(member)
		if !ok {
			return false
		}
		_, found := s.intPos(n)
		return found
	}
	_, ok := s.index[string(member)]
	return ok
}

// HasMember is Has for a member read from another set.
func (s *Set) HasMember(m Member) bool {
	if !m.IsInt {
		if s.index == nil {
			n, ok := ParseInt(m.Str)
			if !ok {
				return false
			}
			_, found := s.intPos(n)
			return found
		}
		_, ok := s.index[m.Str]
		return ok
	}
	if s.index == nil {
		_, found := s.intPos(m.Int)
		return found
	}
	var buf [20]byte
	_, ok := s.index[string(strconv.AppendInt(buf[:0], m.Int, 10))]
	return ok
}

// Remove deletes member and reports whether it was present.
func (s *Set) Remove(member []byte) bool {
	if s.index == nil {
		n, ok := ParseInt(member)
		if !ok {
			return false
		}
		i, found := s.intPos(n)
		if found {
			s.removeAt(i)
		}
		return found
	}
	i, ok := s.index[string(member)]
	if ok {
		s.removeAt(i)
	}
	return ok
}

// RemoveMember is Remove for a member read from another set.
func (s *Set) RemoveMember(m Member) bool {
	if m.IsInt && s.index == nil {
		i, found := s.intPos(m.Int)
		if found {
			s.removeAt(i)
		}
		return found
	}
	return s.Remove([]byte(m.String()))
}

// removeAt deletes the member at position i. In a hashtable the last member takes its place.
func (s *Set) removeAt(i int) {
	if s.index == nil {
		s.ints = slices.Delete(s.ints, i, i+1)
		if cap(s.ints) > 64 && len(s.ints)*4 < cap(s.ints) {
			s.ints = append(make([]int64, 0, len(s.ints)*2), s.ints...)
		}
		return
	}
	m := s.members[i]
	s.bytes -= int64(len(m))
	delete(s.index, m)
	last := len(s.members) - 1
	if i != last {
		s.members[i] = s.members[last]
		s.index[s.members[i]] = i
	}
	s.members[last] = ""
	s.members = s.members[:last]
	n := len(s.members)
	if cap(s.members) > 64 && n*4 < cap(s.members) {
		s.members = append(make([]string, 0, n*2), s.members...)
	}
	if s.peak > 64 && n*8 < s.peak {
		s.reindex()
	}
}

// At returns the member at position i (0 <= i < Len) of the iteration order.
func (s *Set) At(i int) Member {
	if s.index == nil {
		return Member{Int: s.ints[i], IsInt: true}
	}
	return Member{Str: s.members[i]}
}

// All yields the members in iteration order (ascending for an intset). The set must not be
// modified during the iteration.
func (s *Set) All() iter.Seq[Member] {
	return func(yield func(Member) bool) {
		for i, n := 0, s.Len(); i < n; i++ {
			if !yield(s.At(i)) {
				return
			}
		}
	}
}

// Random returns a uniformly chosen member; the set must not be empty.
func (s *Set) Random() Member { return s.At(rand.IntN(s.Len())) }

// Sample returns k distinct random positions, 0 <= k <= Len, in random order.
func (s *Set) Sample(k int) []int { return sample(s.Len(), k) }

// Pop removes k distinct random members (k <= Len) and returns them in random order.
func (s *Set) Pop(k int) []Member {
	idx := s.Sample(k)
	out := make([]Member, len(idx))
	for j, i := range idx {
		out[j] = s.At(i)
	}
	if s.index == nil {
		// One compaction pass instead of a shift per member.
		drop := make([]bool, len(s.ints))
		for _, i := range idx {
			drop[i] = true
		}
		kept := s.ints[:0]
		for i, n := range s.ints {
			if !drop[i] {
				kept = append(kept, n)
			}
		}
		s.ints = slices.Clip(kept)
		return out
	}
	// Deleting from the highest position down, the member moved into each hole is never one
	// still to be deleted.
	slices.Sort(idx)
	for j := len(idx) - 1; j >= 0; j-- {
		s.removeAt(idx[j])
	}
	return out
}

// Scan calls fn with the members of one SSCAN step from cursor and returns the next cursor,
// 0 when the walk is complete. An intset is returned whole in one step whatever the cursor,
// as Redis does. A hashtable is walked from the last position down, count members a step: as
// deletions only move the last member down, a member present for the whole walk is never
// moved into the part already walked, so it is returned at least once (Redis's SCAN
// guarantee). The cursor is the number of positions left to walk.
func (s *Set) Scan(cursor uint64, count int64, fn func(Member)) uint64 {
	if s.index == nil {
		for _, n := range s.ints {
			fn(Member{Int: n, IsInt: true})
		}
		return 0
	}
	p := uint64(len(s.members))
	if cursor != 0 && cursor < p {
		p = cursor
	}
	for ; p > 0 && count > 0; count-- {
		p--
		fn(Member{Str: s.members[p]})
	}
	return p
}

// Clone returns an independent copy with the same encoding (for COPY).
func (s *Set) Clone() any {
	// The index is copied wholesale, much faster than rebuilding it (see hash.Clone).
	c := &Set{ints: slices.Clone(s.ints), members: slices.Clone(s.members), bytes: s.bytes, peak: s.peak}
	if s.index != nil {
		c.index = maps.Clone(s.index)
	}
	return c
}

// MemoryUsage estimates the bytes the value occupies.
func (s *Set) MemoryUsage() int64 {
	if s.index == nil {
		return int64(cap(s.ints)) * 8
	}
	const (
		perMember = 16 // string header
		perSlot   = 48 // key header, int and map bookkeeping
	)
	return int64(cap(s.members))*perMember + int64(s.peak)*perSlot + s.bytes
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
