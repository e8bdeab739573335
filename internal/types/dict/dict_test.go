package dict

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"unsafe"
)

// check verifies every structural invariant of t against model, failing the test at the first
// violation.
func check(t *testing.T, tb *Table[int], model map[string]int) {
	t.Helper()
	if len(tb.dir) != 1<<tb.depth {
		t.Fatalf("directory of %d slots at depth %d", len(tb.dir), tb.depth)
	}
	seen := map[*shard[int]]bool{}
	var n, full, most int
	var alloc int64
	var sizes [32]int32
	for i := 0; i < len(tb.dir); {
		s := tb.dir[i]
		span := 1 << (tb.depth - s.depth)
		if seen[s] || i%span != 0 || uint64(i) != s.lo>>(64-tb.depth) {
			t.Fatalf("slot %d: shard lo %x depth %d (directory depth %d) out of place", i, s.lo, s.depth, tb.depth)
		}
		for j := i; j < i+span; j++ {
			if tb.dir[j] != s {
				t.Fatalf("slot %d does not point at the shard of slot %d", j, i)
			}
		}
		if s.pos >= len(tb.shards) || tb.shards[s.pos] != s {
			t.Fatalf("shard at slot %d is not at its position %d in the list", i, s.pos)
		}
		seen[s] = true
		if s.depth == tb.depth {
			full++
		}
		checkShard(t, s)
		n += s.n
		alloc += int64(unsafe.Sizeof(*s)) + int64(len(s.slots))*int64(8+unsafe.Sizeof(entry[int]{}))
		sizes[bits.Len(uint(len(s.slots)))-1]++
		most = max(most, len(s.slots))
		i += span
	}
	if len(seen) != len(tb.shards) || full != tb.full || full == 0 || n != tb.n || alloc != tb.alloc ||
		(tb.sizes != nil && sizes != *tb.sizes) || (tb.sizes == nil && len(seen) > 1) || most != tb.most {
		t.Fatalf("%d shards listed for %d, full %d for %d, n %d for %d, alloc %d for %d, sizes %v for %v, most %d for %d",
			len(tb.shards), len(seen), tb.full, full, tb.n, n, tb.alloc, alloc, tb.sizes, &sizes, tb.most, most)
	}
	if tb.Len() != len(model) {
		t.Fatalf("Len %d, model %d", tb.Len(), len(model))
	}
	got := maps.Collect(tb.All())
	if !maps.Equal(got, model) {
		t.Fatalf("contents differ from the model: %d entries against %d", len(got), len(model))
	}
}

func checkShard(t *testing.T, s *shard[int]) {
	t.Helper()
	size := len(s.slots)
	if len(s.hashes) != size || size&(size-1) != 0 || size < minSlots || s.n > limit(size) {
		t.Fatalf("shard of %d hashes, %d slots, %d entries", len(s.hashes), size, s.n)
	}
	used := 0
	for p, h := range s.hashes {
		if h == 0 {
			if s.slots[p] != (entry[int]{}) {
				t.Fatalf("empty slot %d holds %q", p, s.slots[p].key)
			}
			continue
		}
		used++
		key := s.slots[p].key
		if h != hashString(key) {
			t.Fatalf("slot %d: hash %x recorded for %q", p, h, key)
		}
		if s.depth > 0 && h>>(64-s.depth) != s.lo>>(64-s.depth) {
			t.Fatalf("key %q (hash %x) in the shard of %x/%d", key, h, s.lo, s.depth)
		}
		if find(s, h, key) != p {
			t.Fatalf("key %q not found at %d", key, p)
		}
	}
	if used != s.n {
		t.Fatalf("%d slots used for %d entries", used, s.n)
	}
}

// op applies one random operation to tb and model, through every write path.
func op(r *rand.Rand, tb *Table[int], model map[string]int, keys int) {
	k := "k" + strconv.Itoa(r.IntN(keys))
	v := r.Int()
	switch r.IntN(6) {
	case 0, 1:
		_, had := model[k]
		if tb.Set(k, v) == had {
			panic(fmt.Sprintf("Set(%q) created=%v with the key present=%v", k, !had, had))
		}
		model[k] = v
	case 2:
		p, created := tb.Upsert([]byte(k))
		old, had := model[k]
		if created == had || *p != old {
			panic(fmt.Sprintf("Upsert(%q) = %d %v, model %d %v", k, *p, created, old, had))
		}
		*p = v
		model[k] = v
	case 3:
		got, ok := tb.Delete(k)
		if want, had := model[k]; ok != had || got != want {
			panic(fmt.Sprintf("Delete(%q) = %d %v, model %d %v", k, got, ok, want, had))
		}
		delete(model, k)
	case 4:
		got, ok := tb.DeleteBytes([]byte(k))
		if want, had := model[k]; ok != had || got != want {
			panic(fmt.Sprintf("DeleteBytes(%q) = %d %v, model %d %v", k, got, ok, want, had))
		}
		delete(model, k)
	case 5:
		got, ok := tb.GetBytes([]byte(k))
		got2, ok2 := tb.Get(k)
		if want, had := model[k]; ok != had || got != want || ok2 != had || got2 != want {
			panic(fmt.Sprintf("Get(%q) = %d %v / %d %v, model %d %v", k, got, ok, got2, ok2, want, had))
		}
	}
}

// TestModel grows tables through splits and shrinks them through merges, comparing every
// operation with a Go map and checking the structure as it goes.
func TestModel(t *testing.T) {
	for _, tc := range []struct {
		seed       uint64
		capacity   int
		keys, ops  int
		checkEvery int
	}{
		{1, 0, 10, 2000, 1},
		{2, 5, 300, 5000, 7},
		{3, 129, 3000, 40000, 997},
		{4, 1000, 20000, 200000, 9973},
	} {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 0))
			tb, model := New[int](tc.capacity), map[string]int{}
			for i := 0; i < tc.ops; i++ {
				op(r, tb, model, tc.keys)
				if i%tc.checkEvery == 0 {
					check(t, tb, model)
				}
			}
			check(t, tb, model)
			// Emptying the table must merge it back to one shard and a one-slot directory.
			for k := range model {
				tb.Delete(k)
				delete(model, k)
			}
			check(t, tb, model)
			if len(tb.shards) != 1 || tb.depth != 0 || len(tb.shards[0].slots) != minSlots {
				t.Fatalf("empty table keeps %d shards, depth %d, %d slots", len(tb.shards), tb.depth, len(tb.shards[0].slots))
			}
		})
	}
}

// TestGrowAndShrinkDepth: the directory follows the table's size both ways.
func TestGrowAndShrinkDepth(t *testing.T) {
	tb := New[int](0)
	for i := 0; i < 100000; i++ {
		tb.Set(strconv.Itoa(i), i)
	}
	grown, shards := tb.depth, len(tb.shards)
	// Shards hold between limit(maxSlots)/2 and limit(maxSlots) entries, so an even split
	// needs ceil(log2(100000/896)) = 7 bits; a few more are normal.
	if grown < 7 || grown > 11 || shards < 100000/limit(maxSlots) || shards > 100000/(limit(maxSlots)/2) {
		t.Fatalf("100000 keys: depth %d, %d shards", grown, shards)
	}
	for i := 0; i < 99000; i++ {
		tb.Delete(strconv.Itoa(i))
	}
	if tb.depth >= grown || len(tb.shards) > 1000/(mergeAt/4) {
		t.Fatalf("1000 keys left: depth %d (was %d), %d shards", tb.depth, grown, len(tb.shards))
	}
}

// TestNoAllocation: lookups and updates of present keys given as bytes never allocate.
func TestNoAllocation(t *testing.T) {
	tb := New[int](0)
	for i := 0; i < 1000; i++ {
		tb.Set("key"+strconv.Itoa(i), i)
	}
	key := []byte("key500")
	for name, f := range map[string]func(){
		"GetBytes": func() { tb.GetBytes(key) },
		"Get":      func() { tb.Get("key500") },
		"Upsert":   func() { p, _ := tb.Upsert(key); *p++ },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

// TestShardProbing exercises the probing with hashes chosen to collide and wrap around, which
// real keys reach only by chance: whatever the order of deletions, the rest stay findable.
func TestShardProbing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hashes []uint64
	}{
		{"one home", []uint64{5, 21, 37, 53, 69, 85}},
		{"equal hashes", []uint64{9, 9, 9, 9}},
		{"wrapping run", []uint64{14, 15, 31, 16, 30, 17, 47}},
		{"interleaved homes", []uint64{3, 4, 19, 5, 20, 35, 6, 51, 7}},
		{"full but one", []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(0); seed < 50; seed++ {
				s := &shard[int]{hashes: make([]uint64, 16), slots: make([]entry[int], 16)}
				key := func(i int) string { return fmt.Sprint("k", i) }
				for i, h := range tc.hashes {
					s.put(h, entry[int]{val: i, key: key(i)})
				}
				gone := map[int]bool{}
				for _, i := range rand.New(rand.NewPCG(seed, 1)).Perm(len(tc.hashes)) {
					s.removeAt(uint64(find(s, tc.hashes[i], key(i))))
					gone[i] = true
					for j, h := range tc.hashes {
						p := find(s, h, key(j))
						if gone[j] != (p < 0) || (p >= 0 && s.slots[p].val != j) {
							t.Fatalf("order %d: after removing %v, key %d found at %d", seed, gone, j, p)
						}
					}
				}
				if s.n != 0 || slices.ContainsFunc(s.hashes, func(h uint64) bool { return h != 0 }) {
					t.Fatalf("order %d: %d entries left", seed, s.n)
				}
			}
		})
	}
}

// TestCloneShares: Clone copies the directory only, and a write after it copies the one shard
// it touches, in either table; nothing either table can write is reachable from the other.
func TestCloneShares(t *testing.T) {
	for _, n := range []int{1, 100, 100000} {
		src := New[int](0)
		for i := 0; i < n; i++ {
			src.Set(strconv.Itoa(i), i)
		}
		c := src.Clone()
		if shared := sharedShards(src, c); shared != len(src.shards) {
			t.Fatalf("n=%d: Clone copied %d of %d shards", n, len(src.shards)-shared, len(src.shards))
		}
		c.Set("0", -1)
		if shared := sharedShards(src, c); shared != len(src.shards)-1 {
			t.Fatalf("n=%d: a write to the clone copied %d shards", n, len(src.shards)-shared)
		}
		src.Delete("1")
		if shared := sharedShards(src, c); shared < len(src.shards)-2 {
			t.Fatalf("n=%d: a write to the source copied %d shards", n, len(src.shards)-shared)
		}
		for _, s := range src.shards {
			if s.owner == c.id {
				t.Fatalf("n=%d: the source reaches a shard the clone may write", n)
			}
		}
		for _, s := range c.shards {
			if s.owner == src.id {
				t.Fatalf("n=%d: the clone reaches a shard the source may write", n)
			}
		}
	}
}

func sharedShards(a, b *Table[int]) int {
	in := map[*shard[int]]bool{}
	for _, s := range a.shards {
		in[s] = true
	}
	shared := 0
	for _, s := range b.shards {
		if in[s] {
			shared++
		}
	}
	return shared
}

// TestCloneIndependent interleaves random writes to a table and its clones (clones of clones
// too) and compares each with its own model.
func TestCloneIndependent(t *testing.T) {
	for _, tc := range []struct {
		seed      uint64
		size, ops int
		keys      int
	}{
		{1, 10, 2000, 20},
		{2, 5000, 20000, 8000},
		{3, 100000, 50000, 150000},
	} {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 2))
			tables, models := []*Table[int]{New[int](0)}, []map[string]int{{}}
			for i := 0; i < tc.size; i++ {
				k := "k" + strconv.Itoa(r.IntN(tc.keys))
				tables[0].Set(k, i)
				models[0][k] = i
			}
			for round := 0; round < 3; round++ {
				from := r.IntN(len(tables))
				tables = append(tables, tables[from].Clone())
				models = append(models, maps.Clone(models[from]))
				for i := 0; i < tc.ops; i++ {
					j := r.IntN(len(tables))
					op(r, tables[j], models[j], tc.keys)
				}
				for j := range tables {
					check(t, tables[j], models[j])
				}
			}
		})
	}
}

// TestScanExactlyOnce: a walk returns every key present for its whole length exactly once,
// and nothing that was never present, while the table grows, shrinks, splits and merges
// between steps.
func TestScanExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		name        string
		size, count int
		adds, dels  int // per step
	}{
		{"static", 3000, 10, 0, 0},
		{"growing", 3000, 10, 20, 0},
		{"shrinking", 30000, 50, 0, 400},
		{"churn", 10000, 1, 30, 30},
		{"tiny", 5, 10, 1, 1},
		{"one big step", 1000, 1 << 62, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := New[int](0)
			ever := map[string]bool{}
			for i := 0; i < tc.size; i++ {
				k := strconv.Itoa(i)
				tb.Set(k, i)
				ever[k] = true
			}
			always := maps.Clone(ever)
			seen := map[string]int{}
			next := tc.size
			cursor, steps := uint64(0), 0
			for {
				cursor = tb.Scan(cursor, tc.count, func(k string, _ int) { seen[k]++ })
				if steps++; cursor == 0 {
					break
				}
				for i := 0; i < tc.adds; i++ {
					k := strconv.Itoa(next)
					next++
					tb.Set(k, 0)
					ever[k] = true
				}
				for i := 0; i < tc.dels && tb.Len() > 0; i++ {
					k, _ := tb.Random()
					tb.Delete(k)
					delete(always, k)
				}
			}
			for k := range always {
				if seen[k] != 1 {
					t.Fatalf("%q present throughout, returned %d times in %d steps", k, seen[k], steps)
				}
			}
			for k, n := range seen {
				if !ever[k] || n > 1 {
					t.Fatalf("%q returned %d times (ever present: %v)", k, n, ever[k])
				}
			}
		})
	}
}

// TestScanStepSize: a step returns about count entries, not a whole shard, so that a client
// paging through a hash of big values with a small COUNT gets small replies; and cursors stay
// small numbers.
func TestScanStepSize(t *testing.T) {
	tb := New[int](0)
	for i := 0; i < 100000; i++ {
		tb.Set(strconv.Itoa(i), i)
	}
	for _, count := range []int{1, 10, 100, 1000} {
		steps, most, total := 0, 0, 0
		var biggest uint64
		for cursor := uint64(0); ; {
			n := 0
			cursor = tb.Scan(cursor, count, func(string, int) { n++ })
			steps, total, most, biggest = steps+1, total+n, max(most, n), max(biggest, cursor)
			if cursor == 0 {
				break
			}
		}
		// Ranges hold count entries or fewer on average and a step adds them up to count: the
		// mean lies between count and twice it, and no step reaches far past it.
		if mean := float64(total) / float64(steps); total != tb.Len() || mean < float64(count)*0.8 || mean > float64(count)*2 || most > 4*count+20 {
			t.Errorf("COUNT %d: %d entries in %d steps, mean %.1f, most %d", count, total, steps, mean, most)
		}
		if biggest >= 1<<32 {
			t.Errorf("COUNT %d: cursor %d", count, biggest)
		}
	}
}

// TestScanMergedUnderCursor: a cursor that points inside a shard formed by a merge after it
// was returned resumes at that point: the part of the shard below it was returned already.
func TestScanMergedUnderCursor(t *testing.T) {
	tb := New[int](0)
	for i := 0; i < 5000; i++ {
		tb.Set(strconv.Itoa(i), i)
	}
	seen := map[string]int{}
	cursor := tb.Scan(0, 2000, func(k string, _ int) { seen[k]++ })
	var before, after string
	for k := range tb.All() {
		if _, ok := seen[k]; ok {
			before = k
		} else {
			after = k
		}
	}
	for i := 0; i < 5000; i++ {
		if k := strconv.Itoa(i); k != before && k != after {
			tb.Delete(k)
		}
	}
	if len(tb.shards) != 1 || tb.Scan(0, 10, func(string, int) {}) != 0 {
		t.Fatalf("two keys left in %d shards", len(tb.shards))
	}
	for cursor != 0 {
		cursor = tb.Scan(cursor, 10, func(k string, _ int) { seen[k]++ })
	}
	if seen[before] != 1 || seen[after] != 1 {
		t.Fatalf("key returned before the merge now returned %d times, key after it %d times", seen[before], seen[after])
	}
}

// chiSquare is the statistic of observed counts against a uniform expectation.
func chiSquare(counts map[string]int, cells int, draws int) float64 {
	want := float64(draws) / float64(cells)
	var x float64
	for _, c := range counts {
		x += (float64(c) - want) * (float64(c) - want) / want
	}
	return x + float64(cells-len(counts))*want
}

// uniformBound is far above any chi-square a uniform sampler reaches over cells counts (mean
// cells-1, standard deviation sqrt(2(cells-1))): the test must not flake, and a sampler that
// is uniform over shards rather than entries lands well above it (checked below).
func uniformBound(cells int) float64 {
	df := float64(cells - 1)
	return df + 10*math.Sqrt(2*df)
}

// skewed returns a table of about size*0.55 entries whose shards hold very different numbers
// of entries: the left half of the hash space kept a tenth of its keys.
func skewed(size int) *Table[int] {
	tb := New[int](0)
	for i := 0; i < size; i++ {
		tb.Set(strconv.Itoa(i), i)
	}
	for i := 0; i < size; i++ {
		if k := strconv.Itoa(i); hashString(k)>>63 == 0 && i%10 != 0 {
			tb.Delete(k)
		}
	}
	return tb
}

func TestRandomUniform(t *testing.T) {
	tb := skewed(20000)
	draws := 200 * tb.Len()
	perShard := func() (string, int) { // uniform over shards: what Random must not be
		s := tb.shards[rand.IntN(len(tb.shards))]
		for s.n == 0 {
			s = tb.shards[rand.IntN(len(tb.shards))]
		}
		for {
			if p := rand.IntN(len(s.slots)); s.hashes[p] != 0 {
				return s.slots[p].key, s.slots[p].val
			}
		}
	}
	for _, tc := range []struct {
		name    string
		pick    func() (string, int)
		uniform bool
	}{
		{"Random", tb.Random, true},
		{"per shard", perShard, false},
	} {
		counts := map[string]int{}
		for i := 0; i < draws; i++ {
			k, v := tc.pick()
			if strconv.Itoa(v) != k {
				t.Fatalf("%s: %q holds %d", tc.name, k, v)
			}
			counts[k]++
		}
		x, bound := chiSquare(counts, tb.Len(), draws), uniformBound(tb.Len())
		if (x < bound) != tc.uniform {
			t.Errorf("%s: chi-square %.0f over %d entries, bound %.0f", tc.name, x, tb.Len(), bound)
		}
	}
}

// TestSample: distinct picks, min(k, Len) of them, each entry with the same chance, in both
// the drawing and the selecting regime.
func TestSample(t *testing.T) {
	tb := skewed(4000)
	n := tb.Len()
	for _, k := range []int{0, 1, 7, n / 3, n/3 + 1, n - 1, n, n + 10} {
		rounds := max(20, 200*n/max(k, 1))
		rounds = min(rounds, 5000)
		counts := map[string]int{}
		for r := 0; r < rounds; r++ {
			got := map[string]bool{}
			tb.Sample(k, func(key string, v int) {
				if got[key] || strconv.Itoa(v) != key {
					t.Fatalf("Sample(%d): %q repeated or holds %d", k, key, v)
				}
				got[key] = true
				counts[key]++
			})
			if len(got) != min(k, n) {
				t.Fatalf("Sample(%d) of %d: %d picks", k, n, len(got))
			}
		}
		if k == 0 || k >= n {
			continue
		}
		// Each pick of a round is a draw: inclusion counts are then close to multinomial.
		if x, bound := chiSquare(counts, n, rounds*k), uniformBound(n); x > bound {
			t.Errorf("Sample(%d): chi-square %.0f, bound %.0f", k, x, bound)
		}
	}
}

// TestMemoryUsage compares the estimate with what the heap grows by when tables are built
// from keys allocated beforehand (the estimate leaves out what keys and values point to).
func TestMemoryUsage(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, tc := range []struct{ tables, entries int }{{20000, 1}, {2000, 10}, {200, 1000}, {1, 200000}} {
		keys := make([]string, tc.entries)
		for i := range keys {
			keys[i] = strconv.Itoa(i)
		}
		tables := make([]*Table[string], tc.tables)
		before := heap()
		var est int64
		for i := range tables {
			tables[i] = New[string](0)
			for _, k := range keys {
				tables[i].Set(k, "")
			}
			est += tables[i].MemoryUsage()
		}
		grown := float64(heap() - before)
		if e := float64(est); e < grown*0.85 || e > grown*1.15 {
			t.Errorf("%d tables of %d entries: estimate %d bytes, heap grew %.0f", tc.tables, tc.entries, est, grown)
		}
		if c := tables[0].Clone(); c.MemoryUsage() != tables[0].MemoryUsage() {
			t.Errorf("%d entries: clone %d bytes, source %d", tc.entries, c.MemoryUsage(), tables[0].MemoryUsage())
		}
		runtime.KeepAlive(keys)
	}
}

// TestAllStops: All honours a break.
func TestAllStops(t *testing.T) {
	tb := New[int](0)
	for i := 0; i < 1000; i++ {
		tb.Set(strconv.Itoa(i), i)
	}
	var got []string
	for k := range tb.All() {
		if got = append(got, k); len(got) == 3 {
			break
		}
	}
	if len(got) != 3 || slices.Contains(got[:2], got[2]) {
		t.Fatalf("All after break: %v", got)
	}
}

// TestCloneReadWhileWritten is the snapshot's use: one goroutine reads a table without any lock
// while another writes its clone (and the other way round). Under -race any write to memory
// the two share is reported; without it, the reader still checks that it sees the contents as
// of the Clone.
func TestCloneReadWhileWritten(t *testing.T) {
	for _, readSource := range []bool{true, false} {
		tb, model := New[int](0), map[string]int{}
		for i := 0; i < 20000; i++ {
			k := strconv.Itoa(i)
			tb.Set(k, i)
			model[k] = i
		}
		c := tb.Clone()
		read, write := tb, c
		if !readSource {
			read, write = c, tb
		}
		done := make(chan error)
		go func() {
			for round := 0; round < 3; round++ {
				if got := maps.Collect(read.All()); !maps.Equal(got, model) {
					done <- fmt.Errorf("round %d: the table read changed: %d entries", round, len(got))
					return
				}
				for k, v := range model {
					if got, ok := read.Get(k); !ok || got != v {
						done <- fmt.Errorf("round %d: Get(%q) = %d %v, want %d", round, k, got, ok, v)
						return
					}
				}
				n := 0
				for cursor := uint64(0); ; {
					cursor = read.Scan(cursor, 100, func(string, int) { n++ })
					if cursor == 0 {
						break
					}
				}
				if n != len(model) {
					done <- fmt.Errorf("round %d: a scan returned %d entries", round, n)
					return
				}
			}
			done <- nil
		}()
		r := rand.New(rand.NewPCG(7, 7))
		for i := 0; i < 60000; i++ {
			k := strconv.Itoa(r.IntN(40000))
			if r.IntN(3) == 0 {
				write.Delete(k)
			} else {
				write.Set(k, -i)
			}
		}
		if err := <-done; err != nil {
			t.Fatalf("reading the source=%v: %v", readSource, err)
		}
	}
}
