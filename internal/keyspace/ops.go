package keyspace

import "math"

// cloner is implemented by the values of non-string types so COPY can duplicate them.
type cloner interface{ Clone() any }

// Cloneable reports whether Clone can produce an independent copy of o: strings always can,
// other types only when their value implements Clone() any.
func (o *Object) Cloneable() bool {
	if o.Val == nil {
		return true
	}
	_, ok := o.Val.(cloner)
	return ok
}

// Clone returns a deep copy of o that shares no memory with it. A Val that cannot clone
// itself (see Cloneable) is shared, so callers check Cloneable first.
func (o *Object) Clone() Object {
	c := *o
	if o.Str != nil {
		c.Str = append([]byte{}, o.Str...)
	}
	if v, ok := o.Val.(cloner); ok {
		c.Val = v.Clone()
	}
	return c
}

// ExpireIfNeeded deletes key if its deadline has passed and reports whether it did; a key
// without a deadline, or absent, reports false.
func (db *DB) ExpireIfNeeded(key string, now int64) bool { return db.expireIfNeeded(key, now) }

// ScanKeys is SCAN's walk of the key table: it appends the keys in the buckets from cursor on,
// expired keys included, until count keys are collected or 10*count further buckets were
// visited, and returns the next cursor (0 when the walk is complete). Redis filters pattern,
// type and expiry only after the walk, so expired keys count toward count there and here.
func (db *DB) ScanKeys(cursor uint64, count int64, keys []string) ([]string, uint64) {
	budget := int64(math.MaxInt64)
	if count <= math.MaxInt64/10 {
		budget = count * 10
	}
	start := len(keys)
	collect := func(k string, _ *Object) { keys = append(keys, k) }
	for {
		cursor = db.data.Scan(cursor, collect)
		if cursor == 0 || budget == 0 || int64(len(keys)-start) >= count {
			return keys, cursor
		}
		budget--
	}
}
