package zset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"unsafe"
)

// checkTree verifies the tree's invariants: entries strictly ascending, every leaf at the
// same depth, counts and first entries exact, nodes within their occupancy bounds (the root
// excepted), vacated slots cleared, node tallies right.
func checkTree(t fataler, tr *tree) {
	t.Helper()
	var prev *Entry
	leaves, inners := 0, 0
	var walkLeaf func(l *leaf, root bool) int
	walkLeaf = func(l *leaf, root bool) int {
		leaves++
		if l.n > leafMax || (!root && l.n < leafMin) {
			t.Fatalf("leaf of %d entries", l.n)
		}
		for i := range l.items[:l.n] {
			if prev != nil && !prev.before(l.items[i]) {
				t.Fatalf("%+v not after %+v", l.items[i], *prev)
			}
			prev = &l.items[i]
		}
		for _, e := range l.items[l.n:] {
			if e != (Entry{}) {
				t.Fatalf("leaf keeps %+v past its end", e)
			}
		}
		return l.n
	}
	var walk func(n *inner, h int, root bool) (int, Entry)
	walk = func(n *inner, h int, root bool) (int, Entry) {
		inners++
		if n.n > innerMax || (!root && n.n < innerMin) || (root && n.n < 2) {
			t.Fatalf("inner node of %d children (root %v)", n.n, root)
		}
		total := 0
		for j := range n.n {
			var c int
			var first Entry
			if h == 1 {
				if n.kids[j] != nil || n.leaves[j] == nil {
					t.Fatalf("child %d at height 1 is not a leaf", j)
				}
				c, first = walkLeaf(n.leaves[j], false), n.leaves[j].items[0]
			} else {
				if n.leaves[j] != nil || n.kids[j] == nil {
					t.Fatalf("child %d at height %d is not an inner node", j, h)
				}
				c, first = walk(n.kids[j], h-1, false)
			}
			if n.counts[j] != c || n.firsts[j] != first {
				t.Fatalf("child %d at height %d: count %d first %+v, want %d %+v", j, h, n.counts[j], n.firsts[j], c, first)
			}
			total += c
		}
		for j := n.n; j < innerMax; j++ {
			if n.firsts[j] != (Entry{}) || n.counts[j] != 0 || n.kids[j] != nil || n.leaves[j] != nil {
				t.Fatalf("inner node keeps slot %d past its end", j)
			}
		}
		return total, n.firsts[0]
	}
	var total int
	if tr.height == 0 {
		if tr.root != nil {
			t.Fatalf("height 0 with an inner root")
		}
		total = walkLeaf(tr.leaf, true)
	} else {
		if tr.leaf != nil {
			t.Fatalf("height %d with a leaf root", tr.height)
		}
		total, _ = walk(tr.root, tr.height, true)
	}
	if total != tr.length {
		t.Fatalf("tree holds %d entries, length says %d", total, tr.length)
	}
	if leaves != tr.leafCount || inners != tr.innerCount {
		t.Fatalf("%d leaves and %d inner nodes, tallied %d and %d", leaves, inners, tr.leafCount, tr.innerCount)
	}
}

// sortedModel is the reference for the tree: a sorted slice.
type sortedModel []Entry

func (m sortedModel) rank(e Entry) int {
	i, _ := slices.BinarySearchFunc(m, e, func(a, b Entry) int {
		if a.before(b) {
			return -1
		}
		if b.before(a) {
			return 1
		}
		return 0
	})
	return i
}

func (m *sortedModel) insert(e Entry) { *m = slices.Insert(*m, m.rank(e), e) }

// compare checks every read path of tr against m.
func compare(t *testing.T, tr *tree, m sortedModel, r *rand.Rand) {
	t.Helper()
	checkTree(t, tr)
	var desc []Entry
	tr.descend(func(e Entry) bool { desc = append(desc, e); return true })
	slices.Reverse(desc)
	if !slices.Equal(desc, m) && len(m) > 0 {
		t.Fatalf("descend = %v, want %v", desc, m)
	}
	for range 20 {
		if len(m) == 0 {
			break
		}
		i := r.IntN(len(m))
		if got := tr.at(i); got != m[i] {
			t.Fatalf("at(%d) = %+v, want %+v", i, got, m[i])
		}
		if got := tr.rank(m[i]); got != i {
			t.Fatalf("rank(%+v) = %d, want %d", m[i], got, i)
		}
		probe := Entry{m[i].Member + "!", m[i].Score}
		if got, want := tr.rank(probe), m.rank(probe); got != want {
			t.Fatalf("rank of absent %+v = %d, want %d", probe, got, want)
		}
		s := float64(r.IntN(100))
		pre := func(e Entry) bool { return e.Score < s }
		want := 0
		for want < len(m) && pre(m[want]) {
			want++
		}
		if got := tr.countWhile(pre); got != want {
			t.Fatalf("countWhile(< %v) = %d, want %d", s, got, want)
		}
	}
}

func TestTreeAgainstModel(t *testing.T) {
	tests := []struct {
		seed  uint64
		steps int
		grow  int // out of 10: how often a step inserts rather than deletes
	}{
		{1, 6000, 7}, {2, 6000, 6}, {3, 3000, 9}, {4, 8000, 5}, {5, 4000, 8},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 0))
			trees := []*tree{newTree()}
			models := []sortedModel{nil}
			next := 0
			for step := range tc.steps {
				w := r.IntN(len(trees))
				tr, m := trees[w], &models[w]
				switch op := r.IntN(10); {
				case op < tc.grow || len(*m) == 0:
					// Few distinct scores, so members decide many comparisons.
					e := Entry{strconv.Itoa(next), float64(r.IntN(100))}
					next++
					tr.insert(e)
					m.insert(e)
				case op == tc.grow && len(*m) > 0 && r.IntN(4) == 0:
					i := r.IntN(len(*m))
					k := 1 + r.IntN(min(len(*m)-i, 200))
					var gone []Entry
					for left := k; left > 0; {
						left -= tr.deleteRun(i, left, func(e Entry) { gone = append(gone, e) })
					}
					if !slices.Equal(gone, (*m)[i:i+k]) {
						t.Fatalf("deleteRun(%d, %d) removed %v, want %v", i, k, gone, (*m)[i:i+k])
					}
					*m = slices.Delete(*m, i, i+k)
				default:
					i := r.IntN(len(*m))
					tr.delete((*m)[i])
					*m = slices.Delete(*m, i, i+1)
				}
				if step == tc.steps/3 {
					trees = append(trees, tr.clone())
					models = append(models, slices.Clone(*m))
				}
				if step%97 == 0 || step == tc.steps-1 {
					for i := range trees {
						compare(t, trees[i], models[i], r)
					}
				}
			}
			if len(trees) != 2 {
				t.Fatal("never cloned")
			}
		})
	}
}

// TestTreeCursor walks from every kind of start in both directions, across leaves.
func TestTreeCursor(t *testing.T) {
	lim := Limits{Entries: 0, Value: 0}
	z := New()
	m := model{}
	for i := range 5000 {
		k := strconv.Itoa(i)
		z.Add(k, float64(i%50), 0, lim)
		m[k] = float64(i % 50)
	}
	want := m.sorted()
	for _, start := range []int{0, 1, 62, 63, 64, 2500, 4998, 4999} {
		for _, reverse := range []bool{false, true} {
			c := z.FromRank(start, reverse)
			for i := range 300 {
				ascending := start + i
				if reverse {
					ascending = len(want) - 1 - start - i
				}
				if ascending < 0 || ascending >= len(want) {
					if c.Valid() {
						t.Fatalf("cursor from %d (reverse %v) valid past the end", start, reverse)
					}
					break
				}
				if !c.Valid() || c.Entry() != want[ascending] {
					t.Fatalf("cursor from %d (reverse %v) step %d: %+v, want %+v", start, reverse, i, c.Entry(), want[ascending])
				}
				c.Next()
			}
			for _, skip := range []int64{0, 1, 63, 1000, 4999, 5000, 1 << 62} {
				c := z.FromRank(start, reverse)
				c.Skip(skip)
				ascending := start + int(min(skip, 10000))
				if reverse {
					ascending = len(want) - 1 - ascending
				}
				if ok := ascending >= 0 && ascending < len(want) && (reverse || ascending >= start); c.Valid() != ok || ok && c.Entry() != want[ascending] {
					t.Fatalf("Skip(%d) from %d (reverse %v): valid %v", skip, start, reverse, c.Valid())
				}
			}
		}
	}
}

func TestBuildTree(t *testing.T) {
	for _, n := range []int{0, 1, leafMax, leafMax + 1, 2 * leafMax, leafMax * innerMax, leafMax*innerMax + 1, 300000} {
		entries := make([]Entry, n)
		for i := range entries {
			entries[i] = Entry{fmt.Sprintf("%07d", i), float64(i / 3)}
		}
		tr := buildTree(entries)
		checkTree(t, tr)
		if n > 0 && (tr.at(n-1) != entries[n-1] || tr.rank(entries[n/2]) != n/2) {
			t.Fatalf("n=%d: at/rank wrong", n)
		}
		full := (n + leafMax - 1) / leafMax
		if tr.leafCount != max(1, full) {
			t.Fatalf("n=%d: %d leaves, want %d", n, tr.leafCount, full)
		}
	}
}

// TestLoadOrderFillsLeaves: loading in either order (as RDB files and ZADD of growing scores
// do) leaves nodes three quarters full, not half empty.
func TestLoadOrderFillsLeaves(t *testing.T) {
	const n = 100000
	for _, descending := range []bool{false, true} {
		tr := newTree()
		for i := range n {
			if descending {
				i = n - 1 - i
			}
			tr.insert(Entry{fmt.Sprintf("%07d", i), 1})
		}
		checkTree(t, tr)
		if tr.leafCount > n/(leafMax-leafMin)+2 || tr.innerCount > tr.leafCount/(innerMax-innerMin)+3 {
			t.Fatalf("descending %v: %d leaves and %d inner nodes for %d entries", descending, tr.leafCount, tr.innerCount, n)
		}
	}
}

// nodes collects every node reachable from tr.
func nodes(tr *tree) map[any]bool {
	seen := map[any]bool{}
	var walk func(n *inner, h int)
	walk = func(n *inner, h int) {
		seen[n] = true
		for j := range n.n {
			if h == 1 {
				seen[n.leaves[j]] = true
			} else {
				walk(n.kids[j], h-1)
			}
		}
	}
	if tr.height == 0 {
		seen[tr.leaf] = true
	} else {
		walk(tr.root, tr.height)
	}
	return seen
}

// TestCloneCopiesPath: after a clone, a write copies the nodes on its path (and a split or a
// neighbour it touches), not the tree; and the tree it was cloned from does not change.
func TestCloneCopiesPath(t *testing.T) {
	entries := make([]Entry, 200000)
	for i := range entries {
		entries[i] = Entry{strconv.Itoa(i), float64(i)}
	}
	tests := []struct {
		name  string
		write func(tr *tree)
		limit int // nodes per level
	}{
		{"insert", func(tr *tree) { tr.insert(Entry{"x", 777.5}) }, 1},
		{"insert splitting", func(tr *tree) {
			for i := range leafMax + 1 {
				tr.insert(Entry{"y" + strconv.Itoa(i), 1234.5})
			}
		}, 2},
		{"delete", func(tr *tree) { tr.delete(entries[98765]) }, 2},
		{"delete run", func(tr *tree) { tr.deleteRun(0, 40, func(Entry) {}) }, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := buildTree(entries)
			before := nodes(src)
			c := src.clone()
			tc.write(c)
			copied := 0
			for n := range nodes(c) {
				if !before[n] {
					copied++
				}
			}
			if max := tc.limit*(c.height+1) + 1; copied == 0 || copied > max {
				t.Fatalf("write copied %d nodes of %d (height %d), want 1..%d", copied, len(before), c.height, max)
			}
			checkTree(t, c)
			checkTree(t, src)
			i := 0
			src.descend(func(e Entry) bool {
				i++
				return e == entries[len(entries)-i]
			})
			if i != len(entries) || src.length != len(entries) {
				t.Fatalf("the source changed")
			}
		})
	}
}

// TestCloneReadConcurrently reads a clone's source without any lock while the clone is
// written, as a snapshot does; run with -race.
func TestCloneReadConcurrently(t *testing.T) {
	lim := Limits{Entries: 128, Value: 64}
	z := New()
	for i := range 20000 {
		z.Add(strconv.Itoa(i), float64(i%1000), 0, lim)
	}
	live := z.Clone().(*ZSet)
	var wg sync.WaitGroup
	wg.Add(1)
	var n int
	go func() {
		defer wg.Done()
		z.Descending(func(Entry) bool { n++; return true })
		for c := z.FromRank(0, false); c.Valid(); c.Next() {
			n++
		}
		for cursor := z.Scan(0, 100, func(string, float64) { n++ }); cursor != 0; {
			cursor = z.Scan(cursor, 100, func(string, float64) { n++ })
		}
	}()
	r := rand.New(rand.NewPCG(9, 9))
	for i := range 20000 {
		m := strconv.Itoa(r.IntN(30000))
		switch i % 4 {
		case 0, 1:
			live.Add(m, float64(r.IntN(1000)), 0, lim)
		case 2:
			live.Remove(m)
		case 3:
			live.RemoveRangeByRank(0, r.IntN(3))
		}
	}
	wg.Wait()
	if n != 60000 {
		t.Fatalf("the snapshot side saw %d entries, want 60000", n)
	}
}

func TestNodeSizes(t *testing.T) {
	if s := unsafe.Sizeof(leaf{}); s > leafBytes || s <= leafBytes*7/8 {
		t.Errorf("a leaf is %d bytes, MemoryUsage counts %d", s, leafBytes)
	}
	if s := unsafe.Sizeof(inner{}); s > innerBytes || s <= innerBytes*7/8 {
		t.Errorf("an inner node is %d bytes, MemoryUsage counts %d", s, innerBytes)
	}
}
