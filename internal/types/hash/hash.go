// Package hash owns the value of a Redis hash: field/value pairs in a flat slice ("listpack") while small, indexed by a hash table ("hashtable") past the configured limits.
package hash

import (
	"iter"
	"math/rand/v2"
	"slices"

	"github.com/redoubt/redoubt/internal/types/dict"
)

// maxListpackBytes is Redis's listpack safety limit (lpSafeToAdd): a listpack never grows
// past 1 GiB, whatever the configured limits.
const maxListpackBytes = 1 << 30

// Limits are hash-max-listpack-entries and hash-max-listpack-value.
type Limits struct{ Entries, Value int64 }

type entry struct{ field, value string }

// Hash is one hash value. The zero value is an empty listpack.
//
// As a listpack the pairs are a flat slice in insertion order: lookups scan it and deletions
// close the gap, so iteration order is the one Redis's listpack shows. As a hashtable they
// live in a dict.Table, whose Clone is cheap enough for a snapshot to take under the lock.
type Hash struct {
	entries []entry             // a listpack's pairs
	table   *dict.Table[string] // nil while a listpack
	bytes   int64               // sum of field and value lengths
}

// New returns an empty hash.
func New() *Hash { return &Hash{} }

// Len is the number of fields.
func (h *Hash) Len() int {
	if h.table != nil {
		return h.table.Len()
	}
	return len(h.entries)
}

// Encoding is the name OBJECT ENCODING reports.
func (h *Hash) Encoding() string {
	if h.table == nil {
		return "listpack"
	}
	return "hashtable"
}

// find returns the listpack position of field, or -1.
func (h *Hash) find(field []byte) int {
	for i := range h.entries {
		if h.entries[i].field == string(field) {
			return i
		}
	}
	return -1
}

// Get returns the value of field.
func (h *Hash) Get(field []byte) (string, bool) {
	if h.table != nil {
		return h.table.GetBytes(field)
	}
	if i := h.find(field); i >= 0 {
		return h.entries[i].value, true
	}
	return "", false
}

// Bytes is the sum of the lengths of all fields and values.
func (h *Hash) Bytes() int64 { return h.bytes }

// Has reports whether field exists.
func (h *Hash) Has(field []byte) bool {
	_, ok := h.Get(field)
	return ok
}

// Set stores value at field and reports whether the field is new. Like Redis's hashTypeSet it
// converts a listpack to a hashtable when the field or value is longer than lim.Value, and
// when the hash ends up with more than lim.Entries fields.
func (h *Hash) Set(field, value []byte, lim Limits) (created bool) {
	if h.table == nil && (int64(len(field)) > lim.Value || int64(len(value)) > lim.Value ||
		h.bytes+int64(len(field))+int64(len(value)) > maxListpackBytes) {
		h.convert()
	}
	if h.table != nil {
		v, created := h.table.Upsert(field)
		if created {
			h.bytes += int64(len(field))
		}
		h.bytes += int64(len(value)) - int64(len(*v))
		*v = string(value)
		return created
	}
	if i := h.find(field); i >= 0 {
		e := &h.entries[i]
		h.bytes += int64(len(value)) - int64(len(e.value))
		e.value = string(value)
	} else {
		h.entries = append(h.entries, entry{string(field), string(value)})
		h.bytes += int64(len(field)) + int64(len(value))
		created = true
	}
	// Checked on updates too: lowered limits apply to the next write of a listpack.
	if int64(len(h.entries)) > lim.Entries {
		h.convert()
	}
	return created
}

// convert moves the pairs into a table; Redis never converts a hashtable back to a listpack.
func (h *Hash) convert() {
	h.table = dict.New[string](len(h.entries))
	for _, e := range h.entries {
		h.table.Set(e.field, e.value)
	}
	h.entries = nil
}

// Delete removes field and reports whether it existed.
func (h *Hash) Delete(field []byte) bool {
	if h.table != nil {
		v, ok := h.table.DeleteBytes(field)
		if ok {
			h.bytes -= int64(len(field) + len(v))
		}
		return ok
	}
	i := h.find(field)
	if i < 0 {
		return false
	}
	h.bytes -= int64(len(h.entries[i].field) + len(h.entries[i].value))
	h.entries = slices.Delete(h.entries, i, i+1)
	if n := len(h.entries); cap(h.entries) > 64 && n*4 < cap(h.entries) {
		h.entries = append(make([]entry, 0, n*2), h.entries...)
	}
	return true
}

// All yields the pairs in iteration order (insertion order for a listpack). The hash must not
// be modified during the iteration.
func (h *Hash) All() iter.Seq2[string, string] {
	if h.table != nil {
		return h.table.All()
	}
	return func(yield func(string, string) bool) {
		for _, e := range h.entries {
			if !yield(e.field, e.value) {
				return
			}
		}
	}
}

// Random returns a uniformly chosen pair; the hash must not be empty.
func (h *Hash) Random() (field, value string) {
	if h.table != nil {
		return h.table.Random()
	}
	e := h.entries[rand.IntN(len(h.entries))]
	return e.field, e.value
}

// Sample calls fn with k distinct random pairs (all of them when k >= Len), in random order.
// The hash must not be modified during the calls.
func (h *Hash) Sample(k int, fn func(field, value string)) {
	if h.table != nil {
		h.table.Sample(k, fn)
		return
	}
	for _, i := range sample(len(h.entries), k) {
		fn(h.entries[i].field, h.entries[i].value)
	}
}

// Scan calls fn with the pairs of one HSCAN step from cursor and returns the next cursor, 0
// when the walk is complete. A listpack is returned whole in one step whatever the cursor, as
// Redis does; a hashtable in steps of about count pairs (see dict.Table.Scan for the
// guarantee).
func (h *Hash) Scan(cursor uint64, count int64, fn func(field, value string)) uint64 {
	if h.table != nil {
		return h.table.Scan(cursor, int(count), fn)
	}
	for _, e := range h.entries {
		fn(e.field, e.value)
	}
	return 0
}

// Clone returns an independent copy with the same encoding (for COPY, and for a snapshot,
// which keeps the original while the key continues on the copy). A hashtable's copy costs
// its directory, not its fields.
func (h *Hash) Clone() any {
	c := &Hash{entries: slices.Clone(h.entries), bytes: h.bytes}
	if h.table != nil {
		c.table = h.table.Clone()
	}
	return c
}

// MemoryUsage estimates the bytes the value occupies.
func (h *Hash) MemoryUsage() int64 {
	if h.table != nil {
		return h.table.MemoryUsage() + h.bytes
	}
	const perEntry = 32 // two string headers
	return int64(cap(h.entries))*perEntry + h.bytes
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
