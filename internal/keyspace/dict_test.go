package keyspace

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

// dictOp is one step of a table-driven dict test.
type dictOp struct {
	op      string // put, get, del, len, clear
	key     string
	val     int
	want    int  // get: value; len: length
	present bool // get: found; put: created; del: removed
}

func runDictOps(t *testing.T, d *dict[int], ops []dictOp) {
	t.Helper()
	for i, o := range ops {
		switch o.op {
		case "put":
			v, created := d.Put(o.key)
			if created != o.present {
				t.Fatalf("step %d: Put(%q) created=%v, want %v", i, o.key, created, o.present)
			}
			*v = o.val
		case "get":
			v := d.Get(o.key)
			if (v != nil) != o.present || v != nil && *v != o.want {
				t.Fatalf("step %d: Get(%q) = %v, want present=%v value %d", i, o.key, v, o.present, o.want)
			}
		case "del":
			if got := d.Delete(o.key); got != o.present {
				t.Fatalf("step %d: Delete(%q) = %v, want %v", i, o.key, got, o.present)
			}
		case "len":
			if d.Len() != o.want {
				t.Fatalf("step %d: Len = %d, want %d", i, d.Len(), o.want)
			}
		case "clear":
			d.Clear()
		default:
			t.Fatalf("bad op %q", o.op)
		}
	}
}

func TestDictOps(t *testing.T) {
	tests := []struct {
		name string
		ops  []dictOp
	}{
		{"empty", []dictOp{
			{op: "len", want: 0}, {op: "get", key: "a"}, {op: "del", key: "a"},
		}},
		{"put get overwrite", []dictOp{
			{op: "put", key: "a", val: 1, present: true}, {op: "get", key: "a", want: 1, present: true},
			{op: "put", key: "a", val: 2, present: false}, {op: "get", key: "a", want: 2, present: true},
			{op: "len", want: 1},
		}},
		{"empty key", []dictOp{
			{op: "put", key: "", val: 7, present: true}, {op: "get", key: "", want: 7, present: true},
			{op: "get", key: "\x00"}, {op: "del", key: "", present: true}, {op: "len", want: 0},
		}},
		{"binary keys are distinct", []dictOp{
			{op: "put", key: "a\x00b", val: 1, present: true}, {op: "put", key: "a\x00c", val: 2, present: true},
			{op: "get", key: "a\x00b", want: 1, present: true}, {op: "get", key: "a", present: false},
			{op: "len", want: 2},
		}},
		{"delete twice", []dictOp{
			{op: "put", key: "a", val: 1, present: true}, {op: "del", key: "a", present: true},
			{op: "del", key: "a", present: false}, {op: "get", key: "a"}, {op: "len", want: 0},
			{op: "put", key: "a", val: 3, present: true}, {op: "get", key: "a", want: 3, present: true},
		}},
		{"clear then reuse", []dictOp{
			{op: "put", key: "a", val: 1, present: true}, {op: "put", key: "b", val: 2, present: true},
			{op: "clear"}, {op: "len", want: 0}, {op: "get", key: "a"},
			{op: "put", key: "b", val: 5, present: true}, {op: "get", key: "b", want: 5, present: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runDictOps(t, newDict[int](), tt.ops) })
	}
}

// TestDictGrowShrink fills the dict through several resizes and empties it again, checking
// every key along the way, including while a rehash is in progress.
func TestDictGrowShrink(t *testing.T) {
	d := newDict[int]()
	const n = 5000
	sawRehash := false
	for i := 0; i < n; i++ {
		v, created := d.Put(fmt.Sprint(i))
		if !created {
			t.Fatalf("Put(%d) not created", i)
		}
		*v = i
		sawRehash = sawRehash || d.rehashing()
	}
	if !sawRehash {
		t.Fatal("growing to 5000 keys never rehashed")
	}
	for i := 0; i < n; i++ {
		if v := d.Get(fmt.Sprint(i)); v == nil || *v != i {
			t.Fatalf("Get(%d) = %v", i, v)
		}
	}
	big := len(d.tables[0]) + len(d.tables[1])
	for i := 0; i < n-3; i++ {
		if !d.Delete(fmt.Sprint(i)) {
			t.Fatalf("Delete(%d) = false", i)
		}
	}
	// Shrinking is decided on Delete and waits for a running rehash to finish, so keep
	// deleting and re-adding a key until the table settles.
	for i := 0; i < 3000; i++ {
		d.Put("x")
		d.Delete("x")
	}
	if got := len(d.tables[0]) + len(d.tables[1]); got >= big/8 {
		t.Fatalf("table did not shrink: %d buckets for %d keys (was %d)", got, d.Len(), big)
	}
	for i := n - 3; i < n; i++ {
		if v := d.Get(fmt.Sprint(i)); v == nil || *v != i {
			t.Fatalf("after shrink Get(%d) = %v", i, v)
		}
	}
	if d.Len() != 3 {
		t.Fatalf("Len = %d", d.Len())
	}
}

func TestDictRandom(t *testing.T) {
	d := newDict[int]()
	if k, v := d.Random(); k != "" || v != nil {
		t.Fatalf("Random on empty = %q %v", k, v)
	}
	seen := map[string]int{}
	for i := 0; i < 8; i++ {
		*must(d.Put(fmt.Sprint(i))) = i
	}
	for i := 0; i < 4000; i++ {
		k, v := d.Random()
		if v == nil || fmt.Sprint(*v) != k {
			t.Fatalf("Random = %q %v", k, v)
		}
		seen[k]++
	}
	if len(seen) != 8 {
		t.Fatalf("Random reached %d of 8 keys: %v", len(seen), seen)
	}
	// Random must also work mid-rehash, where half the buckets live in each table.
	for i := 8; i < 2000; i++ {
		*must(d.Put(fmt.Sprint(i))) = i
		if d.rehashing() {
			if k, v := d.Random(); v == nil || fmt.Sprint(*v) != k {
				t.Fatalf("Random while rehashing = %q %v", k, v)
			}
		}
	}
}

func must(v *int, _ bool) *int { return v }

func TestDictEachStops(t *testing.T) {
	d := newDict[int]()
	for i := 0; i < 100; i++ {
		d.Put(fmt.Sprint(i))
	}
	n := 0
	d.Each(func(string, *int) bool { n++; return n < 10 })
	if n != 10 {
		t.Fatalf("Each visited %d after stop at 10", n)
	}
	all := map[string]bool{}
	d.Each(func(k string, _ *int) bool { all[k] = true; return true })
	if len(all) != 100 {
		t.Fatalf("Each visited %d distinct keys, want 100", len(all))
	}
}

// TestDictAgainstMap applies random operations to the dict and to a Go map and requires the
// same contents throughout, across many grow/shrink cycles and mid-rehash states.
func TestDictAgainstMap(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, seed*7919))
		d := newDict[int]()
		m := map[string]int{}
		keyspace := 1 + rng.IntN(3000)
		for step := 0; step < 20000; step++ {
			k := fmt.Sprint(rng.IntN(keyspace))
			switch r := rng.IntN(100); {
			case r < 45:
				v, created := d.Put(k)
				_, had := m[k]
				if created == had {
					t.Fatalf("seed %d step %d: Put(%q) created=%v, map had=%v", seed, step, k, created, had)
				}
				*v = step
				m[k] = step
			case r < 85:
				_, had := m[k]
				if got := d.Delete(k); got != had {
					t.Fatalf("seed %d step %d: Delete(%q)=%v, map had=%v", seed, step, k, got, had)
				}
				delete(m, k)
			case r < 99:
				v := d.Get(k)
				mv, had := m[k]
				if (v != nil) != had || v != nil && *v != mv {
					t.Fatalf("seed %d step %d: Get(%q)=%v, map %d,%v", seed, step, k, v, mv, had)
				}
			default:
				keyspace = 1 + rng.IntN(3000) // change density to force resizes both ways
			}
			if d.Len() != len(m) {
				t.Fatalf("seed %d step %d: Len %d, map %d", seed, step, d.Len(), len(m))
			}
			if step%1000 == 0 {
				got := map[string]int{}
				d.Each(func(k string, v *int) bool { got[k] = *v; return true })
				if fmt.Sprint(got) != fmt.Sprint(m) {
					t.Fatalf("seed %d step %d: contents differ", seed, step)
				}
			}
		}
	}
}

// scanAll runs a full SCAN, calling between after each call, and returns how often each key
// was reported.
func scanAll(d *dict[int], between func()) map[string]int {
	seen := map[string]int{}
	cursor := uint64(0)
	for calls := 0; ; calls++ {
		cursor = d.Scan(cursor, func(k string, _ *int) { seen[k]++ })
		if cursor == 0 {
			return seen
		}
		between()
	}
}

func TestDictScanStable(t *testing.T) {
	for _, n := range []int{0, 1, 3, 4, 5, 100, 4096, 10000} {
		d := newDict[int]()
		for i := 0; i < n; i++ {
			d.Put(fmt.Sprint(i))
		}
		seen := scanAll(d, func() {})
		if len(seen) != n {
			t.Fatalf("n=%d: scan saw %d keys", n, len(seen))
		}
		if !d.rehashing() {
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("n=%d: key %q reported %d times without resizes", n, k, c)
				}
			}
		}
	}
}

// TestDictScanAcrossResize checks SCAN's guarantee: a key present for the whole scan is
// reported at least once, however much the table grows or shrinks between calls.
func TestDictScanAcrossResize(t *testing.T) {
	tests := []struct {
		name       string
		stable     int
		churnStart int
		between    func(rng *rand.Rand, d *dict[int], churn *[]string, next *int)
	}{
		{"grow", 50, 0, func(rng *rand.Rand, d *dict[int], churn *[]string, next *int) {
			// Bounded: a table that grows faster than the scan advances is never fully scanned.
			for i := 0; i < 40 && len(*churn) < 8000; i++ {
				k := fmt.Sprint("c", *next)
				*next++
				d.Put(k)
				*churn = append(*churn, k)
			}
		}},
		{"shrink", 30, 8000, func(rng *rand.Rand, d *dict[int], churn *[]string, next *int) {
			for i := 0; i < 300 && len(*churn) > 0; i++ {
				k := (*churn)[len(*churn)-1]
				*churn = (*churn)[:len(*churn)-1]
				d.Delete(k)
			}
		}},
		{"grow and shrink", 200, 3000, func(rng *rand.Rand, d *dict[int], churn *[]string, next *int) {
			if rng.IntN(2) == 0 {
				for i := rng.IntN(500); i > 0 && len(*churn) < 8000; i-- {
					k := fmt.Sprint("c", *next)
					*next++
					d.Put(k)
					*churn = append(*churn, k)
				}
				return
			}
			for i := rng.IntN(800); i > 0 && len(*churn) > 0; i-- {
				j := rng.IntN(len(*churn))
				d.Delete((*churn)[j])
				(*churn)[j] = (*churn)[len(*churn)-1]
				*churn = (*churn)[:len(*churn)-1]
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			midRehash := 0
			for seed := uint64(1); seed <= 8; seed++ {
				rng := rand.New(rand.NewPCG(seed, 42))
				d := newDict[int]()
				var churn []string
				next := 0
				for i := 0; i < tt.churnStart; i++ {
					k := fmt.Sprint("c", next)
					next++
					d.Put(k)
					churn = append(churn, k)
				}
				var stable []string
				for i := 0; i < tt.stable; i++ {
					k := fmt.Sprint("s", i)
					d.Put(k)
					stable = append(stable, k)
				}
				seen := scanAll(d, func() {
					tt.between(rng, d, &churn, &next)
					if d.rehashing() {
						midRehash++
					}
				})
				var missing []string
				for _, k := range stable {
					if seen[k] == 0 {
						missing = append(missing, k)
					}
				}
				if len(missing) > 0 {
					sort.Strings(missing)
					t.Fatalf("seed %d: scan missed %d stable keys, e.g. %v", seed, len(missing), missing[:min(5, len(missing))])
				}
			}
			if midRehash == 0 {
				t.Fatal("no scan call happened during a rehash")
			}
		})
	}
}
