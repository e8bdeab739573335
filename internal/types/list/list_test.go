package list

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// withFill builds a list with tiny nodes so tests exercise node boundaries.
func withFill(fill int, items ...string) *List {
	l := &List{fill: fill}
	for _, s := range items {
		l.PushBack([]byte(s))
	}
	return l
}

func contents(l *List) []string {
	out := []string{}
	it := l.IterAt(0, false)
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		out = append(out, string(v))
	}
	return out
}

// check verifies the structural invariants and that both iteration directions agree.
func check(t testing.TB, l *List, want []string) {
	t.Helper()
	n, b := 0, int64(0)
	var prev *node
	for nd := l.head; nd != nil; nd = nd.next {
		if nd.prev != prev {
			t.Fatalf("broken prev link")
		}
		if nd.count() <= 0 || nd.count() > l.fill || nd.lo < 0 || nd.hi > len(nd.buf) {
			t.Fatalf("bad node lo=%d hi=%d cap=%d fill=%d", nd.lo, nd.hi, len(nd.buf), l.fill)
		}
		for i, v := range nd.buf {
			if (i < nd.lo || i >= nd.hi) && v != nil {
				t.Fatalf("free slot %d holds a reference", i)
			}
		}
		for _, v := range nd.buf[nd.lo:nd.hi] {
			b += int64(len(v))
		}
		n += nd.count()
		prev = nd
	}
	if prev != l.tail {
		t.Fatalf("tail mismatch")
	}
	if n != l.Len() || b != l.bytes {
		t.Fatalf("len %d/%d bytes %d/%d", n, l.Len(), b, l.bytes)
	}
	got := contents(l)
	if !slices.Equal(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	var rev []string
	if l.Len() > 0 {
		it := l.IterAt(l.Len()-1, true)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			rev = append(rev, string(v))
		}
	}
	slices.Reverse(rev)
	if len(want) > 0 && !slices.Equal(rev, want) {
		t.Fatalf("reverse %q want %q", rev, want)
	}
	for i, w := range want {
		if v, ok := l.Index(i); !ok || string(v) != w {
			t.Fatalf("Index(%d)=%q,%v want %q", i, v, ok, w)
		}
	}
}

func TestOperations(t *testing.T) {
	tests := []struct {
		name string
		op   func(l *List)
		want []string
	}{
		{"push front", func(l *List) { l.PushFront([]byte("z")) }, []string{"z", "a", "b", "c", "d", "e"}},
		{"push back", func(l *List) { l.PushBack([]byte("z")) }, []string{"a", "b", "c", "d", "e", "z"}},
		{"pop front", func(l *List) { l.PopFront() }, []string{"b", "c", "d", "e"}},
		{"pop back", func(l *List) { l.PopBack() }, []string{"a", "b", "c", "d"}},
		{"set", func(l *List) { l.Set(2, []byte("C")) }, []string{"a", "b", "C", "d", "e"}},
		{"set out of range", func(l *List) { l.Set(5, []byte("X")) }, []string{"a", "b", "c", "d", "e"}},
		{"insert middle", func(l *List) { l.Insert(2, []byte("x")) }, []string{"a", "b", "x", "c", "d", "e"}},
		{"insert head", func(l *List) { l.Insert(0, []byte("x")) }, []string{"x", "a", "b", "c", "d", "e"}},
		{"insert tail", func(l *List) { l.Insert(5, []byte("x")) }, []string{"a", "b", "c", "d", "e", "x"}},
		{"trim front", func(l *List) { l.TrimFront(3) }, []string{"d", "e"}},
		{"trim back", func(l *List) { l.TrimBack(4) }, []string{"a"}},
		{"trim all", func(l *List) { l.TrimFront(99) }, []string{}},
		{"remove all", func(l *List) { l.Remove([]byte("b"), 0, false) }, []string{"a", "c", "d", "e"}},
		{"empty element", func(l *List) { l.PushBack([]byte{}) }, []string{"a", "b", "c", "d", "e", ""}},
	}
	for _, fill := range []int{2, 3, 128} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/fill%d", tt.name, fill), func(t *testing.T) {
				l := withFill(fill, "a", "b", "c", "d", "e")
				tt.op(l)
				check(t, l, tt.want)
			})
		}
	}
}

func TestRemoveDirectionAndLimit(t *testing.T) {
	tests := []struct {
		limit    int
		fromTail bool
		want     []string
		removed  int
	}{
		{0, false, []string{"b", "b"}, 3},
		{2, false, []string{"b", "b", "a"}, 2},
		{2, true, []string{"a", "b", "b"}, 2},
		{1, true, []string{"a", "b", "a", "b"}, 1},
		{9, true, []string{"b", "b"}, 3},
	}
	for _, tt := range tests {
		l := withFill(2, "a", "b", "a", "b", "a")
		if got := l.Remove([]byte("a"), tt.limit, tt.fromTail); got != tt.removed {
			t.Fatalf("limit %d tail %v: removed %d want %d", tt.limit, tt.fromTail, got, tt.removed)
		}
		check(t, l, tt.want)
	}
}

func TestPopEmpty(t *testing.T) {
	l := New()
	if _, ok := l.PopFront(); ok {
		t.Fatal("PopFront on empty list")
	}
	if _, ok := l.PopBack(); ok {
		t.Fatal("PopBack on empty list")
	}
	if _, ok := l.Index(0); ok {
		t.Fatal("Index on empty list")
	}
	it := l.IterAt(0, false)
	if _, ok := it.Next(); ok {
		t.Fatal("iterator on empty list")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	l := withFill(2, "a", "b", "c")
	c := l.Clone().(*List)
	c.PushBack([]byte("d"))
	c.Set(0, []byte("A"))
	check(t, l, []string{"a", "b", "c"})
	check(t, c, []string{"A", "b", "c", "d"})
	l.PopBack()
	l.Insert(1, []byte("x"))
	check(t, l, []string{"a", "x", "b"})
	check(t, c, []string{"A", "b", "c", "d"})
	if l.Encoding() != "quicklist" || l.MemoryUsage() <= 3 {
		t.Fatalf("encoding %q usage %d", l.Encoding(), l.MemoryUsage())
	}
}

// TestAlternatingEnds keeps a single node under push-at-one-end, pop-at-the-other traffic,
// the pattern that forces in-node shifts.
func TestAlternatingEnds(t *testing.T) {
	l := withFill(8)
	var model []string
	for i := 0; i < 1000; i++ {
		s := fmt.Sprint(i)
		l.PushBack([]byte(s))
		model = append(model, s)
		if i%3 != 0 {
			l.PopFront()
			model = model[1:]
		}
	}
	check(t, l, model)
	for i := 0; i < 1000; i++ {
		s := fmt.Sprint(i)
		l.PushFront([]byte(s))
		model = append([]string{s}, model...)
		if i%3 != 0 {
			l.PopBack()
			model = model[:len(model)-1]
		}
	}
	check(t, l, model)
}

// FuzzList drives random operations on a List and a plain slice and compares them.
func FuzzList(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add(bytes.Repeat([]byte{0, 1, 6, 9}, 40))
	f.Add(bytes.Repeat([]byte{1, 1, 1, 6, 3, 2, 10}, 30))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		l := withFill(int(ops[0]%6) + 2)
		var model [][]byte
		// other is a clone being checked for independence: it is left alone (a snapshot's
		// copy) or swapped in and changed too (COPY), while they share node buffers.
		var other *List
		var otherModel [][]byte
		for i := 1; i+1 < len(ops); i += 2 {
			op, arg := ops[i], int(ops[i+1])
			v := []byte{byte(arg % 4)} // few distinct values so Remove finds matches
			switch op % 12 {
			case 0:
				l.PushFront(v)
				model = append([][]byte{v}, model...)
			case 1:
				l.PushBack(v)
				model = append(model, v)
			case 2:
				got, ok := l.PopFront()
				if ok != (len(model) > 0) || ok && !bytes.Equal(got, model[0]) {
					t.Fatalf("PopFront %q %v", got, ok)
				}
				if ok {
					model = model[1:]
				}
			case 3:
				got, ok := l.PopBack()
				if ok != (len(model) > 0) || ok && !bytes.Equal(got, model[len(model)-1]) {
					t.Fatalf("PopBack %q %v", got, ok)
				}
				if ok {
					model = model[:len(model)-1]
				}
			case 4:
				i := arg % (len(model) + 1)
				if l.Set(i, v) != (i < len(model)) {
					t.Fatalf("Set(%d)", i)
				}
				if i < len(model) {
					model[i] = v
				}
			case 5, 6:
				i := arg % (len(model) + 1)
				l.Insert(i, v)
				model = slices.Insert(model, i, v)
			case 7:
				k := arg % (len(model) + 2)
				l.TrimFront(k)
				model = model[min(k, len(model)):]
			case 8:
				k := arg % (len(model) + 2)
				l.TrimBack(k)
				model = model[:len(model)-min(k, len(model))]
			case 9, 10:
				limit, fromTail := arg%3, arg&16 != 0
				got := l.Remove(v, limit, fromTail)
				want := naiveRemove(&model, v, limit, fromTail)
				if got != want {
					t.Fatalf("Remove %d want %d", got, want)
				}
			case 11:
				switch {
				case arg%5 == 0:
					other, otherModel = l.Clone().(*List), slices.Clone(model)
				case arg%5 == 1 && other != nil:
					l, other = other, l
					model, otherModel = otherModel, model
				}
				i := arg % (len(model) + 1)
				it := l.IterAt(i, arg&1 != 0)
				for j := i; ; {
					got, ok := it.Next()
					if ok != (j >= 0 && j < len(model)) {
						t.Fatalf("iter at %d step %d: ok=%v", i, j, ok)
					}
					if !ok {
						break
					}
					if !bytes.Equal(got, model[j]) {
						t.Fatalf("iter %d: %q want %q", j, got, model[j])
					}
					if arg&1 != 0 {
						j--
					} else {
						j++
					}
				}
			}
		}
		check(t, l, strings(model))
		if other != nil {
			check(t, other, strings(otherModel))
		}
	})
}

func strings(model [][]byte) []string {
	out := make([]string, len(model))
	for i, v := range model {
		out[i] = string(v)
	}
	return out
}

func naiveRemove(model *[][]byte, v []byte, limit int, fromTail bool) int {
	m := *model
	removed := 0
	keep := make([]bool, len(m))
	for k := range m {
		i := k
		if fromTail {
			i = len(m) - 1 - k
		}
		if (limit <= 0 || removed < limit) && bytes.Equal(m[i], v) {
			removed++
			continue
		}
		keep[i] = true
	}
	var out [][]byte
	for i, e := range m {
		if keep[i] {
			out = append(out, e)
		}
	}
	*model = out
	return removed
}

// BenchmarkListPushPop measures queue traffic on a long list: push at one end, pop at the
// other, so each operation must be O(1) whatever the length.
func BenchmarkListPushPop(b *testing.B) {
	l := New()
	v := []byte("element")
	for i := 0; i < 100000; i++ {
		l.PushBack(v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.PushBack(v)
		l.PopFront()
		l.PushFront(v)
		l.PopBack()
	}
}

// TestClonesStayIndependent: a clone shares node buffers with its source until one of them
// writes; random operations on both (as COPY allows) or on one while the other is only read
// (a snapshot) must never show one list's change in the other.
func TestClonesStayIndependent(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		a := withFill(2 + r.IntN(5))
		var ma [][]byte
		for i := r.IntN(40); i > 0; i-- {
			v := []byte(fmt.Sprint(i))
			a.PushBack(v)
			ma = append(ma, v)
		}
		b, mb := a.Clone().(*List), slices.Clone(ma)
		frozen := seed%2 == 0
		for step := 0; step < 60; step++ {
			l, m := a, &ma
			if !frozen && r.IntN(2) == 0 {
				l, m = b, &mb
			}
			randomOp(r, l, m)
			check(t, a, strings(ma))
			check(t, b, strings(mb))
		}
	}
}

func randomOp(r *rand.Rand, l *List, m *[][]byte) {
	v := []byte(fmt.Sprint("n", r.IntN(4)))
	n := len(*m)
	switch r.IntN(9) {
	case 0:
		l.PushFront(v)
		*m = append([][]byte{v}, *m...)
	case 1:
		l.PushBack(v)
		*m = append(*m, v)
	case 2:
		if _, ok := l.PopFront(); ok {
			*m = (*m)[1:]
		}
	case 3:
		if _, ok := l.PopBack(); ok {
			*m = (*m)[:n-1]
		}
	case 4:
		if i := r.IntN(n + 1); l.Set(i, v) {
			(*m)[i] = v
		}
	case 5:
		i := r.IntN(n + 1)
		l.Insert(i, v)
		*m = slices.Insert(*m, i, v)
	case 6:
		k := r.IntN(n + 2)
		l.TrimFront(k)
		*m = (*m)[min(k, n):]
	case 7:
		k := r.IntN(n + 2)
		l.TrimBack(k)
		*m = (*m)[:n-min(k, n)]
	case 8:
		limit, fromTail := r.IntN(3), r.IntN(2) == 0
		l.Remove(v, limit, fromTail)
		naiveRemove(m, v, limit, fromTail)
	}
}
