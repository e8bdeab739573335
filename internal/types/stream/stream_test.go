package stream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestParseID(t *testing.T) {
	max := uint64(math.MaxUint64)
	cases := []struct {
		in           string
		strict, star bool
		missing      uint64
		want         ID
		seqGiven, ok bool
	}{
		{in: "1-2", want: ID{1, 2}, seqGiven: true, ok: true},
		{in: "5", missing: 7, want: ID{5, 7}, seqGiven: true, ok: true},
		{in: "-", want: ID{}, seqGiven: true, ok: true},
		{in: "+", want: MaxID, seqGiven: true, ok: true},
		{in: "-", strict: true},
		{in: "+", strict: true},
		{in: "3-*", star: true, want: ID{3, 0}, ok: true},
		{in: "3-*"},
		{in: ""},
		{in: "-1"},
		{in: "1--1"},
		{in: "1-2-3"},
		{in: "x"},
		{in: "18446744073709551615-18446744073709551615", want: MaxID, seqGiven: true, ok: true},
		{in: "18446744073709551616"},
		// string2ull falls back to strtoull: blanks, '+', leading zeros and wrapped negatives.
		{in: " 12", want: ID{12, 0}, seqGiven: true, ok: true},
		{in: "+12-007", want: ID{12, 7}, seqGiven: true, ok: true},
		{in: "1--01", want: ID{1, max}, seqGiven: true, ok: true},
		{in: "1-\x005", want: ID{1, 0}, ok: false},
		{in: "7\x00junk", want: ID{7, 0}, seqGiven: true, ok: true},
		{in: string(make([]byte, 128))},
	}
	for _, c := range cases {
		id, seqGiven, ok := ParseID([]byte(c.in), c.strict, c.missing, c.star)
		if ok != c.ok || ok && (id != c.want || seqGiven != c.seqGiven) {
			t.Errorf("ParseID(%q) = %v %v %v, want %v %v %v", c.in, id, seqGiven, ok, c.want, c.seqGiven, c.ok)
		}
	}
}

func TestIDIncrDecr(t *testing.T) {
	if id, ok := (ID{1, math.MaxUint64}).Incr(); !ok || id != (ID{2, 0}) {
		t.Errorf("incr carry: %v", id)
	}
	if _, ok := MaxID.Incr(); ok {
		t.Error("MaxID.Incr must fail")
	}
	if id, ok := (ID{2, 0}).Decr(); !ok || id != (ID{1, math.MaxUint64}) {
		t.Errorf("decr borrow: %v", id)
	}
	if _, ok := (ID{}).Decr(); ok {
		t.Error("0-0 Decr must fail")
	}
}

func TestListpackSizes(t *testing.T) {
	cases := []struct {
		s    string
		want int64
	}{
		{"1", 2}, {"127", 2}, {"128", 3}, {"-1", 3}, {"4095", 3}, {"4096", 4}, {"32767", 4}, {"32768", 5},
		{"8388608", 6}, {"2147483648", 10}, {"01", 4}, {"", 2}, {"abc", 5},
		{string(make([]byte, 63)), 65}, {string(make([]byte, 64)), 67}, {string(make([]byte, 125)), 128}, {string(make([]byte, 126)), 130},
		{string(make([]byte, 4096)), 4096 + 5 + 2},
	}
	for _, c := range cases {
		if got := lpStrSize([]byte(c.s)); got != c.want {
			t.Errorf("lpStrSize(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

func fv(kv ...string) [][]byte {
	out := make([][]byte, len(kv))
	for i, s := range kv {
		out[i] = []byte(s)
	}
	return out
}

func TestNodesByEntries(t *testing.T) {
	s := New()
	for i := 1; i <= 250; i++ {
		s.Add(ID{uint64(i), 0}, fv("f", "v"), 4096, 100)
	}
	if s.Nodes() != 3 || s.Len() != 250 {
		t.Fatalf("nodes %d len %d", s.Nodes(), s.Len())
	}
	if n := s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 120, Approx: true, Limit: 10000}); n != 100 {
		t.Fatalf("approx trim removed %d", n)
	}
	if n := s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 120}); n != 30 || s.Len() != 120 || s.FirstID() != (ID{131, 0}) {
		t.Fatalf("exact trim removed %d, len %d first %v", n, s.Len(), s.FirstID())
	}
	if n := s.Delete([]ID{{131, 0}, {131, 0}, {9999, 0}}); n != 1 || s.FirstID() != (ID{132, 0}) || s.MaxDeletedID() != (ID{131, 0}) {
		t.Fatalf("delete %d first %v", n, s.FirstID())
	}
}

func TestRadixNodes(t *testing.T) {
	s := New()
	if s.RadixNodes() != 1 {
		t.Fatal("empty tree has the root")
	}
	s.Add(ID{1, 0}, fv("f", "v"), 4096, 1)
	if s.RadixNodes() != 2 {
		t.Fatalf("one key: %d", s.RadixNodes())
	}
	s.Add(ID{1, 1}, fv("f", "v"), 4096, 1)
	// root (compressed 15 bytes), the branch at byte 15, two leaves.
	if s.RadixNodes() != 4 {
		t.Fatalf("two keys: %d", s.RadixNodes())
	}
}

// model is the naive reference: every entry ever added, with a deleted mark.
type model struct {
	ids  []ID
	vals []string
	dead []bool
}

func (m *model) live() []ID {
	var out []ID
	for i, id := range m.ids {
		if !m.dead[i] {
			out = append(out, id)
		}
	}
	return out
}

// FuzzStreamModel drives Add, Delete, exact trims and ranges against the model; approximate
// trims only need to stay within the exact bound.
func FuzzStreamModel(f *testing.F) {
	f.Add(uint64(1), uint8(5), uint8(3))
	f.Add(uint64(42), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, maxEntries, maxBytesK uint8) {
		r := rand.New(rand.NewPCG(seed, 7))
		s, m := New(), &model{}
		var next ID
		for step := 0; step < 400; step++ {
			switch op := r.IntN(10); {
			case op < 5:
				next.Seq += uint64(r.IntN(3) + 1)
				if r.IntN(4) == 0 {
					next.Ms += uint64(r.IntN(1000))
				}
				v := fmt.Sprint(r.IntN(100000))
				s.Add(next, fv("f", v), int64(maxBytesK)*64, int64(maxEntries%20))
				m.ids, m.vals, m.dead = append(m.ids, next), append(m.vals, v), append(m.dead, false)
			case op < 7 && len(m.ids) > 0:
				i := r.IntN(len(m.ids))
				want := int64(0)
				if !m.dead[i] {
					want = 1
				}
				if got := s.Delete([]ID{m.ids[i]}); got != want {
					t.Fatalf("delete %v = %d, want %d", m.ids[i], got, want)
				}
				m.dead[i] = true
			case op == 7:
				maxLen := int64(r.IntN(50))
				live := m.live()
				approx := r.IntN(2) == 0
				n := s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: maxLen, Approx: approx})
				want := max(int64(len(live))-maxLen, 0)
				if n > want || !approx && n != want {
					t.Fatalf("trim maxlen %d (approx %v) of %d removed %d", maxLen, approx, len(live), n)
				}
				for i, removed := 0, int64(0); removed < n; i++ {
					if !m.dead[i] {
						m.dead[i] = true
						removed++
					}
				}
			case op == 8 && len(m.ids) > 0:
				min := m.ids[r.IntN(len(m.ids))]
				n := s.Trim(TrimArgs{Strategy: TrimMinID, MinID: min})
				var want int64
				for i, id := range m.ids {
					if !m.dead[i] && id.Less(min) {
						m.dead[i] = true
						want++
					}
				}
				if n != want {
					t.Fatalf("trim minid %v removed %d, want %d", min, n, want)
				}
			default:
				var got []ID
				var a, b ID
				if len(m.ids) > 0 {
					a, b = m.ids[r.IntN(len(m.ids))], m.ids[r.IntN(len(m.ids))]
				}
				rev := r.IntN(2) == 0
				s.Range(a, b, rev, func(e Entry) bool {
					got = append(got, e.ID)
					if f, _ := e.Pair(0); string(f) != "f" || e.Len() != 1 {
						t.Fatalf("entry %v fields", e.ID)
					}
					return true
				})
				var want []ID
				for _, id := range m.live() {
					if !id.Less(a) && !b.Less(id) {
						want = append(want, id)
					}
				}
				if rev {
					slices.Reverse(want)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("range %v..%v rev=%v: %v, want %v", a, b, rev, got, want)
				}
			}
			live := m.live()
			if s.Len() != int64(len(live)) {
				t.Fatalf("len %d, want %d", s.Len(), len(live))
			}
			if len(live) > 0 && (s.FirstID() != live[0] || s.LastValidID() != live[len(live)-1]) {
				t.Fatalf("first %v last %v, want %v %v", s.FirstID(), s.LastValidID(), live[0], live[len(live)-1])
			}
			for i, id := range m.ids {
				e, ok := s.Get(id)
				if ok == m.dead[i] {
					t.Fatalf("Get(%v) = %v, dead %v", id, ok, m.dead[i])
				}
				if ok {
					if _, v := e.Pair(0); string(v) != m.vals[i] {
						t.Fatalf("value of %v = %q, want %q", id, v, m.vals[i])
					}
				}
			}
		}
	})
}

func TestPEL(t *testing.T) {
	p := newPEL()
	r := rand.New(rand.NewPCG(1, 2))
	ref := map[ID]bool{}
	for i := 0; i < 5000; i++ {
		id := ID{uint64(r.IntN(50)), uint64(r.IntN(50))}
		if r.IntN(3) == 0 {
			if p.Delete(id) != ref[id] {
				t.Fatalf("delete %v", id)
			}
			delete(ref, id)
		} else {
			if p.Insert(id, &NACK{}) == ref[id] {
				t.Fatalf("insert %v", id)
			}
			ref[id] = true
		}
	}
	var want []ID
	for id := range ref {
		want = append(want, id)
	}
	slices.SortFunc(want, ID.Cmp)
	var got []ID
	for it := p.Seek(ID{}); it.Valid(); it.Next() {
		got = append(got, it.ID())
	}
	if !slices.Equal(got, want) || p.Len() != len(want) {
		t.Fatalf("PEL order differs: %d vs %d", len(got), len(want))
	}
	if last, _ := p.Last(); last != want[len(want)-1] {
		t.Fatalf("Last %v", last)
	}
	it := p.Seek(ID{25, 25})
	if i, _ := slices.BinarySearchFunc(want, ID{25, 25}, ID.Cmp); it.ID() != want[i] {
		t.Fatalf("Seek %v", it.ID())
	}
}

func TestGroupsAndClone(t *testing.T) {
	s := New()
	s.Add(ID{1, 1}, fv("f", "v"), 4096, 100)
	s.Add(ID{2, 1}, fv("f", "v"), 4096, 100)
	g := s.CreateGroup("g", ID{}, 0)
	if s.CreateGroup("g", ID{}, 0) != nil {
		t.Fatal("duplicate group")
	}
	s.CreateGroup("a", ID{}, -1)
	if gs := s.Groups(); gs[0].Name != "a" || gs[1].Name != "g" {
		t.Fatal("groups not in name order")
	}
	c := g.CreateConsumer("c", 10)
	s.Delivered(g, ID{1, 1})
	g.Deliver(ID{1, 1}, c, 10)
	s.Delivered(g, ID{2, 1})
	g.Deliver(ID{2, 1}, c, 10)
	if g.EntriesRead != 2 || g.LastID != (ID{2, 1}) || c.PEL.Len() != 2 {
		t.Fatalf("delivery: read %d last %v pel %d", g.EntriesRead, g.LastID, c.PEL.Len())
	}
	cp := s.Clone().(*Stream)
	cg := cp.Group("g")
	cg.Ack(ID{1, 1})
	if g.PEL.Len() != 2 || cg.PEL.Len() != 1 || cg.Consumer("c").PEL.Len() != 1 || c.PEL.Len() != 2 {
		t.Fatal("clone shares pending lists")
	}
	if g.DeleteConsumer("c") != 2 || g.PEL.Len() != 0 || g.NumConsumers() != 0 {
		t.Fatal("DeleteConsumer")
	}
	if !s.DestroyGroup("a") || s.DestroyGroup("a") || s.NumGroups() != 1 {
		t.Fatal("DestroyGroup")
	}
	if lag, ok := s.Lag(g); !ok || lag != 0 {
		t.Fatalf("lag %d %v", lag, ok)
	}
}

// BenchmarkStreamOps measures single-entry operations on large streams, which must not grow
// with the stream: a seek is a binary search over nodes, a delete touches one node.
func BenchmarkStreamOps(b *testing.B) {
	for _, size := range []int{1000, 1000000} {
		s := New()
		for i := 1; i <= size; i++ {
			s.Add(ID{uint64(i), 0}, fv("field", "value"), 4096, 100)
		}
		b.Run(fmt.Sprintf("seek/%d", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				id := ID{uint64(i%size + 1), 0}
				s.Range(id, MaxID, false, func(Entry) bool { return false })
			}
		})
		b.Run(fmt.Sprintf("add-delete/%d", size), func(b *testing.B) {
			next := uint64(size + 1)
			for i := 0; i < b.N; i++ {
				s.Add(ID{next, 0}, fv("field", "value"), 4096, 100)
				s.Delete([]ID{{next - uint64(size)/2, 0}})
				next++
			}
		})
		b.Run(fmt.Sprintf("pel/%d", size), func(b *testing.B) {
			p := newPEL()
			for i := 0; i < size; i++ {
				p.Insert(ID{uint64(i), 0}, &NACK{})
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := ID{uint64(i % size), 0}
				p.Delete(id)
				p.Insert(id, &NACK{})
			}
		})
	}
}
