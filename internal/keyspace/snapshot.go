package keyspace

// A Snapshot is the databases as they were at one instant, read while clients keep writing,
// without fork and without copying the dataset (BGSAVE, AOF rewrite, a replica's full sync).
//
// Each value carries the epoch of the last snapshot that has it. NewSnapshot takes a new epoch
// and remembers each database's tables; Step then walks them a few buckets at a time with the
// server's SCAN cursor, which visits every key present for the whole walk at least once even
// across resizes. A key is emitted when its mark is not the epoch yet, and then marked, so a key
// the cursor meets twice is emitted once. Writers keep the view consistent: before a key not
// yet marked is changed in place, overwritten, deleted or given another TTL, its current value
// is handed to the snapshot's preserve function and marked; keys created during the walk are
// marked at birth and so never emitted. FLUSHDB/FLUSHALL hand the old tables to the snapshot,
// SWAPDB swaps the views with the tables. The cost of consistency is one serialization per key
// written during the walk, the analogue of fork's copied pages, instead of a second dataset.
//
// Epochs only grow (one per snapshot), so marks left by an earlier or abandoned snapshot can
// never be mistaken for the current one. Everything here runs under the server's lock.
type Snapshot struct {
	epoch    uint32
	tables   []*snapTable
	preserve PreserveFunc
}

// PreserveFunc receives a value about to change before the snapshot walked it; expireMs is its
// deadline (-1 for none). gone means the value is leaving the keyspace (overwritten, deleted
// or expired) without having been looked up for writing, so nothing will change it any more
// and the snapshot may simply keep a shallow copy of *o. Otherwise, before returning, it must
// leave the snapshot a version the write cannot touch: serialize it, or keep o's Str/Val and
// give o a deep copy to continue with.
type PreserveFunc func(db int, key string, o *Object, expireMs int64, gone bool)

type snapTable struct {
	s        *Snapshot
	db       int
	data     *dict[Object]
	expires  *dict[int64]
	keys     int
	volatile int
	cursor   uint64
	done     bool
}

// lastEpoch is the epoch of the newest snapshot. Guarded by the server's lock.
var lastEpoch uint32

// NewSnapshot starts a snapshot of dbs, indexed by database number. Only one snapshot may run
// at a time: the caller ends the previous one (walk to the end, or Abort) first.
func NewSnapshot(dbs []*DB, preserve PreserveFunc) *Snapshot {
	lastEpoch++
	s := &Snapshot{epoch: lastEpoch, preserve: preserve}
	for i, db := range dbs {
		t := &snapTable{s: s, db: i, data: db.data, expires: db.expires, keys: db.data.Len(), volatile: db.expires.Len()}
		t.done = t.keys == 0
		db.snap = t
		s.tables = append(s.tables, t)
	}
	return s
}

// Sizes are database db's key and TTL counts when the snapshot began (the RESIZEDB hints).
func (s *Snapshot) Sizes(db int) (keys, volatile int) {
	t := s.tables[db]
	return t.keys, t.volatile
}

// Step emits up to about budget keys of database db that the snapshot has not produced yet,
// and reports whether db is finished. Once it is, writes to db no longer call preserve.
func (s *Snapshot) Step(db, budget int, emit func(key string, o *Object, expireMs int64)) (done bool) {
	t := s.tables[db]
	for !t.done && budget > 0 {
		t.cursor = t.data.Scan(t.cursor, func(k string, o *Object) {
			if o.snap == s.epoch {
				return
			}
			o.snap = s.epoch
			exp := int64(-1)
			if at := t.expires.Get(k); at != nil {
				exp = *at
			}
			emit(k, o, exp)
			budget--
		})
		t.done = t.cursor == 0
	}
	return t.done
}

// Abort ends the snapshot early: writers stop preserving values for it.
func (s *Snapshot) Abort() {
	for _, t := range s.tables {
		t.done = true
	}
}

// walking reports whether a snapshot is still walking db's tables.
func (db *DB) walking() bool { return db.snap != nil && !db.snap.done }

// markNew marks a value stored during a walk of its database: it is not part of the snapshot.
func (db *DB) markNew(o *Object) {
	if db.walking() {
		o.snap = db.snap.s.epoch
	}
}

// preserve hands key's current value to the running snapshot if the walk has not produced it.
func (db *DB) preserve(key string, o *Object, gone bool) {
	t := db.snap
	if t == nil || t.done || o.snap == t.s.epoch {
		return
	}
	o.snap = t.s.epoch
	t.s.preserve(t.db, key, o, db.TTL(key), gone)
}

// preserveKey is preserve for a key the caller has not looked up.
func (db *DB) preserveKey(key string, gone bool) {
	if !db.walking() {
		return
	}
	if o := db.data.Get(key); o != nil {
		db.preserve(key, o, gone)
	}
}
