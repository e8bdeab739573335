package keyspace

import (
	"fmt"
	"math/bits"
	"testing"
)

// listVal stands in for a data type that can clone itself.
type listVal struct{ items []string }

func (l *listVal) Clone() any { return &listVal{items: append([]string{}, l.items...)} }

// opaqueVal is a value type without Clone.
type opaqueVal struct{ n int }

func TestObjectClone(t *testing.T) {
	s := Object{Type: TypeString, Raw: true, Str: []byte("hello")}
	s.Touch(42000)
	c := s.Clone()
	c.Str[0] = 'J'
	if string(s.Str) != "hello" || string(c.Str) != "Jello" || !c.Raw || c.AccessMs() != 42000 || c.Type != TypeString {
		t.Fatalf("string clone shares memory or lost fields: %+v / %+v", s, c)
	}
	if !s.Cloneable() {
		t.Fatal("strings must be cloneable")
	}

	empty := Object{Type: TypeString, Str: []byte{}}
	if c := empty.Clone(); c.Str == nil || len(c.Str) != 0 {
		t.Fatalf("empty string clone = %#v", c.Str)
	}

	l := Object{Type: TypeList, Val: &listVal{items: []string{"a", "b"}}}
	if !l.Cloneable() {
		t.Fatal("value with Clone must be cloneable")
	}
	lc := l.Clone()
	lc.Val.(*listVal).items[0] = "z"
	if l.Val.(*listVal).items[0] != "a" {
		t.Fatal("list clone shares memory with the original")
	}

	o := Object{Type: TypeHash, Val: &opaqueVal{1}}
	if o.Cloneable() {
		t.Fatal("value without Clone reported cloneable")
	}
}

func TestExpireIfNeeded(t *testing.T) {
	db := NewDB(0)
	db.Set("live", Object{Str: []byte("v")}, false)
	db.Set("dead", Object{Str: []byte("v")}, false)
	db.SetExpire("dead", 100)
	db.Set("later", Object{Str: []byte("v")}, false)
	db.SetExpire("later", 1000)
	tests := []struct {
		key  string
		want bool
	}{{"live", false}, {"missing", false}, {"later", false}, {"dead", true}, {"dead", false}}
	for _, tt := range tests {
		if got := db.ExpireIfNeeded(tt.key, 500); got != tt.want {
			t.Fatalf("ExpireIfNeeded(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	if db.Len() != 2 {
		t.Fatalf("Len = %d, want 2", db.Len())
	}
}

func TestScanKeys(t *testing.T) {
	db := NewDB(0)
	if keys, cur := db.ScanKeys(0, 10, nil); len(keys) != 0 || cur != 0 {
		t.Fatalf("empty scan = %v %d", keys, cur)
	}
	const n = 1000
	for i := 0; i < n; i++ {
		k := fmt.Sprint(i)
		db.Set(k, Object{Str: []byte(k)}, false)
		if i%2 == 0 {
			db.SetExpire(k, 1) // long expired: ScanKeys still reports them
		}
	}
	for _, count := range []int64{1, 7, 10, n + 1, 1 << 62} {
		seen := map[string]bool{}
		cursor, calls := uint64(0), 0
		for {
			var keys []string
			keys, cursor = db.ScanKeys(cursor, count, nil)
			calls++
			for _, k := range keys {
				seen[k] = true
			}
			if cursor == 0 {
				break
			}
			// A call may return fewer keys only when its budget of count*10 buckets runs
			// out, as in Redis. With count 1 that is ten empty buckets in a row, which a
			// table at load ~1 shows every few hundred calls (the hash seed is random), so
			// the check starts at 7, where it takes 70 (probability ~e^-70).
			if count >= 7 && int64(len(keys)) < count {
				t.Fatalf("count %d: a call stopped early with %d keys and cursor %d", count, len(keys), cursor)
			}
		}
		if len(seen) != n {
			t.Fatalf("count %d: saw %d keys, want %d (expired ones included)", count, len(seen), n)
		}
		if count > n && calls != 1 {
			t.Fatalf("count %d: took %d calls", count, calls)
		}
	}
	if db.Len() != n {
		t.Fatal("ScanKeys must not delete expired keys")
	}
}

// TestScanKeysBudget checks the bound on buckets visited per call, as Redis's maxiterations:
// with COUNT 1 a call visits at most 11 buckets, so in a sparse table it can return nothing
// with a non-zero cursor.
func TestScanKeysBudget(t *testing.T) {
	const size = 1024
	// pos is the place of bucket b in the scan order: the cursor walks bucket indexes with
	// their bits reversed.
	pos := func(b uint64) uint64 { return bits.Reverse64(b) >> (64 - 10) }
	for i := 0; ; i++ {
		db := NewDB(0)
		db.data.tables[0] = make([]*node[Object], size)
		k := fmt.Sprint("k", i)
		db.Set(k, Object{}, false)
		if pos(db.data.hash(k)&(size-1)) <= 11 {
			continue // want a key beyond the first call's reach
		}
		keys, cursor := db.ScanKeys(0, 1, nil)
		if len(keys) != 0 || cursor != bits.Reverse64(11)>>(64-10) {
			t.Fatalf("first call = %v, cursor %d; want no keys and the cursor of the 12th bucket", keys, cursor)
		}
		seen := 0
		for cursor != 0 {
			keys, cursor = db.ScanKeys(cursor, 1, keys[:0])
			seen += len(keys)
		}
		if seen != 1 {
			t.Fatalf("full scan saw %d keys, want 1", seen)
		}
		return
	}
}
