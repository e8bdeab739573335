// Package keyspace owns the databases: keys, values, expiry and the per-key metadata the
// command layer needs. It knows nothing of networking or the protocol.
package keyspace

// Type is a value's data type, as TYPE reports it.
type Type uint8

const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

func (t Type) String() string { return typeNames[t] }

// Object is one stored value. Strings live in Str; the other types keep their structure in
// Val, owned by the code of that type.
type Object struct {
	Type Type
	// Raw marks a string modified in place (APPEND, SETRANGE, SETBIT), which Redis always
	// reports with the "raw" encoding, and whose buffer belongs to this value alone: any
	// other buffer is copied before an in-place edit, so it may be shared (with the argument
	// it came from, or with a snapshot).
	Raw bool
	// Float marks an INCRBYFLOAT result, which Redis stores as a string even when it reads
	// as an integer, so OBJECT ENCODING reports embstr, not int.
	Float bool
	Str   []byte
	Val   any
	// access is the last access in unix seconds (OBJECT IDLETIME, LRU eviction). 32 bits
	// keep the dict node in Go's 80-byte size class instead of 96 (Redis keeps 24 bits).
	access uint32
	// snap is the epoch of the last snapshot that has this value (written or preserved);
	// it fills padding after access, so the node stays in its size class.
	snap uint32
}

// Touch records an access at unix ms now.
func (o *Object) Touch(now int64) { o.access = uint32(now / 1000) }

// Stamped returns o with its access time set to now (unix ms), for building a new value.
func Stamped(o Object, now int64) Object {
	o.Touch(now)
	return o
}

// AccessMs is the last access in unix ms (second resolution).
func (o *Object) AccessMs() int64 { return int64(o.access) * 1000 }

// DB is one numbered database. It is not safe for concurrent use: the server serializes
// access to the whole keyspace.
type DB struct {
	ID      int
	data    *dict[Object]
	expires *dict[int64] // unix ms deadline per volatile key
	// Touched is called with each key whose value changed or vanished (WATCH, blocked clients).
	Touched func(db int, key string)
	// Expired is called with each key deleted because its TTL passed (the "expired" event).
	Expired func(db int, key string)
	// snap is the running snapshot's view of this database's tables, nil when none.
	snap *snapTable
}

func NewDB(id int) *DB {
	return &DB{ID: id, data: newDict[Object](), expires: newDict[int64]()}
}

func (db *DB) Len() int { return db.data.Len() }

// ExpiresLen is the number of keys with a TTL.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

func (db *DB) touched(key string) {
	if db.Touched != nil {
		db.Touched(db.ID, key)
	}
}

// expireIfNeeded deletes key when its deadline has passed and reports whether it did.
func (db *DB) expireIfNeeded(key string, now int64) bool {
	if db.expires.Len() == 0 {
		return false
	}
	at := db.expires.Get(key)
	if at == nil || *at > now {
		return false
	}
	db.preserveKey(key, true)
	db.data.Delete(key)
	db.expires.Delete(key)
	db.touched(key)
	if db.Expired != nil {
		db.Expired(db.ID, key)
	}
	return true
}

// Lookup returns the live value of key, deleting it first if it has expired. touch updates
// the access time (false for CLIENT NO-TOUCH and OBJECT).
func (db *DB) Lookup(key string, now int64, touch bool) *Object {
	if db.expireIfNeeded(key, now) {
		return nil
	}
	o := db.data.Get(key)
	if o != nil && touch {
		o.Touch(now)
	}
	return o
}

// LookupWrite is Lookup for a command about to change the value in place: a running
// snapshot gets the value as it is first.
func (db *DB) LookupWrite(key string, now int64, touch bool) *Object {
	o := db.Lookup(key, now, touch)
	if o != nil {
		db.preserve(key, o, false)
	}
	return o
}

// Set stores o at key and clears any TTL unless keepTTL, as SET does.
func (db *DB) Set(key string, o Object, keepTTL bool) {
	slot, created := db.data.Put(key)
	if !created {
		db.preserve(key, slot, true)
	}
	*slot = o
	db.markNew(slot)
	if !keepTTL {
		db.expires.Delete(key)
	}
	db.touched(key)
}

// Create returns the slot for a new key (the caller fills it); the key must not exist.
// It exists for types that build their value in place.
func (db *DB) Create(key string) *Object {
	slot, _ := db.data.Put(key)
	db.markNew(slot)
	db.touched(key)
	return slot
}

// Delete removes key and reports whether it existed (expired keys count as absent).
func (db *DB) Delete(key string, now int64) bool {
	if db.expireIfNeeded(key, now) {
		return false
	}
	db.preserveKey(key, true)
	if !db.data.Delete(key) {
		return false
	}
	db.expires.Delete(key)
	db.touched(key)
	return true
}

// Modified records an in-place change to key's value.
func (db *DB) Modified(key string) { db.touched(key) }

// TTL returns the deadline of key in unix ms, or -1 if it has none.
func (db *DB) TTL(key string) int64 {
	if at := db.expires.Get(key); at != nil {
		return *at
	}
	return -1
}

// SetExpire sets key's deadline (unix ms). The key must exist.
func (db *DB) SetExpire(key string, at int64) {
	db.preserveKey(key, false)
	slot, _ := db.expires.Put(key)
	*slot = at
	db.touched(key)
}

// Persist removes key's TTL and reports whether it had one.
func (db *DB) Persist(key string) bool {
	db.preserveKey(key, false)
	if db.expires.Delete(key) {
		db.touched(key)
		return true
	}
	return false
}

// RandomKey returns a random live key, or "" if the database is empty. Like Redis it gives up
// sampling after a bounded number of expired hits so a database of expired keys cannot stall it.
func (db *DB) RandomKey(now int64) (string, bool) {
	for tries := 0; tries < 100 && db.data.Len() > 0; tries++ {
		k, _ := db.data.Random()
		if !db.expireIfNeeded(k, now) {
			return k, true
		}
	}
	return "", false
}

// Scan returns the keys in the buckets at cursor and the next cursor. Expired keys are
// deleted and skipped.
func (db *DB) Scan(cursor uint64, count int, now int64, keys []string) ([]string, uint64) {
	var expired []string
	start := len(keys)
	// Like Redis, bound the buckets visited so a sparse table cannot make one call long.
	for budget := count * 10; ; budget-- {
		cursor = db.data.Scan(cursor, func(k string, _ *Object) {
			if at := db.expires.Get(k); at != nil && *at <= now {
				expired = append(expired, k)
				return
			}
			keys = append(keys, k)
		})
		if cursor == 0 || budget <= 0 || len(keys)-start >= count {
			break
		}
	}
	for _, k := range expired {
		db.expireIfNeeded(k, now)
	}
	return keys, cursor
}

// Each calls fn for every live key until fn returns false. fn must not modify the database.
func (db *DB) Each(now int64, fn func(key string, o *Object) bool) {
	db.data.Each(func(k string, o *Object) bool {
		if at := db.expires.Get(k); at != nil && *at <= now {
			return true
		}
		return fn(k, o)
	})
}

// Flush empties the database, reporting how many keys it held.
func (db *DB) Flush() int {
	n := db.data.Len()
	if n > 0 && db.Touched != nil {
		db.data.Each(func(k string, _ *Object) bool { db.touched(k); return true })
	}
	if db.walking() {
		// The snapshot still walks the old tables; they become its own.
		db.snap = nil
		db.data, db.expires = newDict[Object](), newDict[int64]()
		return n
	}
	db.data.Clear()
	db.expires.Clear()
	return n
}

// Maintain shrinks sparse tables and advances rehashing (activerehashing), so memory freed by
// deletes returns without waiting for more writes.
func (db *DB) Maintain() {
	db.data.maintain(100)
	db.expires.maintain(100)
}

// Swap exchanges the contents of two databases (SWAPDB).
func Swap(a, b *DB) {
	a.data, b.data = b.data, a.data
	a.expires, b.expires = b.expires, a.expires
	a.snap, b.snap = b.snap, a.snap
}

// ActiveExpire samples keys with a TTL and deletes the expired ones, repeating while more
// than a quarter of a sample was expired, as Redis's activeExpireCycle does. It returns
// the number deleted. budget bounds the samples so one call stays short.
func (db *DB) ActiveExpire(now int64, budget int) int {
	deleted := 0
	for budget > 0 && db.expires.Len() > 0 {
		sample := min(20, budget)
		budget -= sample
		var victims []string
		for i := 0; i < sample && db.expires.Len() > 0; i++ {
			k, at := db.expires.Random()
			if *at <= now {
				victims = append(victims, k)
			}
		}
		for _, k := range victims {
			if db.expireIfNeeded(k, now) {
				deleted++
			}
		}
		if len(victims)*4 <= sample {
			break
		}
	}
	return deleted
}

// Limits are the encoding thresholds of redis.conf (*-max-listpack-*, set-max-intset-entries,
// list-max-listpack-size, ...): small values use a compact encoding until they cross them,
// and OBJECT ENCODING reports which, as Redis does.
type Limits struct {
	HashListpackEntries  int64
	HashListpackValue    int64
	SetIntsetEntries     int64
	ZSetListpackEntries  int64
	ZSetListpackValue    int64
	ListListpackSize     int64 // list-max-listpack-size: >0 entries per node, <0 bytes class
	StreamNodeMaxBytes   int64
	StreamNodeMaxEntries int64
}
