package keyspace

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

type snapEntry struct {
	val string
	ttl int64
}

// TestSnapshotIsPointInTime interleaves random writes of every kind with the walk and checks
// that what the snapshot produced (walked or preserved) is exactly the dataset at its start,
// each key once, whatever the writes did meanwhile.
func TestSnapshotIsPointInTime(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed*7))
			dbs := []*DB{NewDB(0), NewDB(1), NewDB(2)}
			const now = 1_000
			n := r.IntN(3000)
			for i := 0; i < n; i++ {
				db := dbs[r.IntN(len(dbs))]
				k := fmt.Sprint("k", r.IntN(n+1))
				db.Set(k, Object{Str: []byte(fmt.Sprint("v", i))}, false)
				if r.IntN(4) == 0 {
					db.SetExpire(k, int64(1_000_000+i))
				}
			}
			want := map[int]map[string]snapEntry{}
			for i, db := range dbs {
				want[i] = map[string]snapEntry{}
				db.Each(now, func(k string, o *Object) bool {
					want[i][k] = snapEntry{string(o.Str), db.TTL(k)}
					return true
				})
			}
			// A value handed over as gone is kept without a copy, as the server keeps it: if
			// anything wrote to it afterwards, the comparison at the end sees the change.
			got := map[int]map[string]func() snapEntry{0: {}, 1: {}, 2: {}}
			record := func(db int, k string, o *Object, exp int64, gone bool) {
				if _, dup := got[db][k]; dup {
					t.Fatalf("db %d key %q produced twice", db, k)
				}
				kept := o.Str
				if !gone {
					kept = []byte(string(o.Str))
				}
				got[db][k] = func() snapEntry { return snapEntry{string(kept), exp} }
			}
			s := NewSnapshot(dbs, record)
			for db := range dbs {
				for {
					done := s.Step(db, 1+r.IntN(50), func(k string, o *Object, exp int64) { record(db, k, o, exp, false) })
					for w := r.IntN(30); w > 0; w-- {
						randomWrite(r, dbs, n, now)
					}
					if done {
						break
					}
				}
			}
			for i := range dbs {
				if len(got[i]) != len(want[i]) {
					t.Fatalf("db %d: snapshot has %d keys, want %d", i, len(got[i]), len(want[i]))
				}
				for k, w := range want[i] {
					g, ok := got[i][k]
					if !ok {
						t.Fatalf("db %d key %q missing from the snapshot", i, k)
					}
					if g() != w {
						t.Fatalf("db %d key %q: snapshot has %+v, want %+v", i, k, g(), w)
					}
				}
			}
		})
	}
}

func randomWrite(r *rand.Rand, dbs []*DB, n int, now int64) {
	db := dbs[r.IntN(len(dbs))]
	k := fmt.Sprint("k", r.IntN(n+1))
	switch r.IntN(100) {
	case 0:
		db.Flush()
	case 1:
		a, b := r.IntN(len(dbs)), r.IntN(len(dbs))
		Swap(dbs[a], dbs[b])
		dbs[a].ID, dbs[b].ID = dbs[b].ID, dbs[a].ID
		dbs[a], dbs[b] = dbs[b], dbs[a]
	default:
		switch r.IntN(6) {
		case 0:
			db.Set(k, Object{Str: []byte("new")}, r.IntN(2) == 0)
		case 1:
			if o := db.LookupWrite(k, now, true); o != nil {
				o.Str[0] = 'X' // in place, as APPEND/SETRANGE do
			}
		case 2:
			db.Delete(k, now)
		case 3:
			if db.Lookup(k, now, false) != nil {
				db.SetExpire(k, 5_000_000)
			}
		case 4:
			db.Persist(k)
		case 5:
			if db.Lookup(k, now, false) == nil {
				o := db.Create(k)
				o.Str = []byte("created")
			}
		}
	}
}
