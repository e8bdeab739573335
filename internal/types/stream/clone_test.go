package stream

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

// dump renders everything a stream exposes, layout, sizes and groups included, so that two
// dumps differ whenever the streams could be told apart.
func dump(s *Stream) string {
	var b strings.Builder
	fmt.Fprintf(&b, "len=%d first=%v last=%v maxdel=%v added=%d nodes=%d radix=%d mem=%d lastvalid=%v\n",
		s.Len(), s.FirstID(), s.LastID(), s.MaxDeletedID(), s.EntriesAdded(), s.Nodes(), s.RadixNodes(), s.MemoryUsage(), s.LastValidID())
	for i := 0; i < s.Nodes(); i++ {
		v := s.Node(i)
		fmt.Fprintf(&b, "node %v %q live=%d dead=%d bytes=%d:", v.Master(), v.Fields(), v.Live(), v.Deleted(), v.n.bytes())
		for j := 0; j < v.Len(); j++ {
			e := v.Entry(j)
			fmt.Fprintf(&b, " %v/%v/%v/%q", e.ID, e.Deleted, e.SameFields, e.Data)
		}
		b.WriteByte('\n')
	}
	for _, rev := range []bool{false, true} {
		s.Range(ID{}, MaxID, rev, func(e Entry) bool {
			fmt.Fprintf(&b, "%v", e.ID)
			for i := 0; i < e.Len(); i++ {
				f, v := e.Pair(i)
				fmt.Fprintf(&b, " %s=%s", f, v)
			}
			b.WriteByte(';')
			return true
		})
		b.WriteByte('\n')
	}
	for _, g := range s.Groups() {
		lag, ok := s.Lag(g)
		fmt.Fprintf(&b, "group %s last=%v read=%d lag=%d/%v\n", g.Name, g.LastID, g.EntriesRead, lag, ok)
		for it := g.PEL.Seek(ID{}); it.Valid(); it.Next() {
			n := it.NACK()
			owner := "-"
			if n.Consumer != nil {
				owner = n.Consumer.Name
				if n.Consumer != g.Consumer(owner) || n.Consumer.PEL.Get(it.ID()) != n {
					owner += "(stale)"
				}
			}
			fmt.Fprintf(&b, " pending %v time=%d count=%d %s\n", it.ID(), n.DeliveryTime, n.DeliveryCount, owner)
		}
		for _, c := range g.Consumers() {
			fmt.Fprintf(&b, " consumer %s seen=%d:", c.Name, c.SeenTime)
			for it := c.PEL.Seek(ID{}); it.Valid(); it.Next() {
				fmt.Fprintf(&b, " %v", it.ID())
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// layout summarizes the nodes' contents, cheaply enough for 100000-entry streams.
func layout(s *Stream) string {
	var b []byte
	for _, n := range s.nodes {
		b = fmt.Appendf(b, "%v %d %d %d|", n.master, n.live, n.dead, n.size)
		for _, e := range n.entries {
			b = fmt.Appendf(b, "%v/%d/%d ", e.id, e.flags, len(e.data))
		}
	}
	return string(b)
}

// deepCopy is the reference the copy-on-write Clone must be indistinguishable from: every
// node and entry copied, nothing shared but the immutable bytes.
func deepCopy(s *Stream) *Stream {
	c := *s
	c.id = lastStreamID.Add(1)
	c.nodes = make([]*node, len(s.nodes))
	for i, n := range s.nodes {
		cn := *n
		cn.owner = c.id
		cn.entries = append([]entry(nil), n.entries...)
		c.nodes[i] = &cn
	}
	c.groups, c.groupNames = nil, nil
	for _, name := range s.groupNames {
		c.addGroup(s.groups[name].clone())
	}
	return &c
}

// liveIDs lists the live entries in order.
func liveIDs(s *Stream) []ID {
	var ids []ID
	s.Range(ID{}, MaxID, false, func(e Entry) bool { ids = append(ids, e.ID); return true })
	return ids
}

func pick(r *rand.Rand, ids []ID) ID {
	if len(ids) == 0 {
		return ID{uint64(r.IntN(100)), 0}
	}
	return ids[r.IntN(len(ids))]
}

// randomWrite draws one write from the state of s and returns it, to be applied alike to
// s and to a stream equal to it.
func randomWrite(r *rand.Rand, s *Stream, now int64) (string, func(*Stream)) {
	ids := liveIDs(s)
	groups := []string{"g1", "g2", "g3"}
	consumers := []string{"alice", "bob", "carol"}
	switch r.IntN(12) {
	case 0, 1, 2, 3:
		id, ok := s.NextID(ID{}, false, false, now)
		if !ok {
			return "noop", func(*Stream) {}
		}
		v := fmt.Sprint(r.IntN(1000))
		data := fv("f", v)
		if r.IntN(4) == 0 {
			data = fv("g", v, "h", v+"x")
		}
		maxBytes := []int64{0, 120, 4096}[r.IntN(3)]
		maxEntries := []int64{0, 3, 10, 100}[r.IntN(4)]
		return fmt.Sprintf("add %v %d/%d", id, maxBytes, maxEntries), func(s *Stream) { s.Add(id, data, maxBytes, maxEntries) }
	case 4, 5:
		del := []ID{pick(r, ids), pick(r, ids)}
		if len(ids) > 0 && r.IntN(3) == 0 {
			del = append(del, ids[0])
		}
		return fmt.Sprint("delete ", del), func(s *Stream) { s.Delete(del) }
	case 6:
		a := TrimArgs{Strategy: TrimMaxLen, MaxLen: int64(r.IntN(len(ids) + 1)), Approx: r.IntN(2) == 0, Limit: int64(r.IntN(3) * 50)}
		return fmt.Sprintf("trim %+v", a), func(s *Stream) { s.Trim(a) }
	case 7:
		a := TrimArgs{Strategy: TrimMinID, MinID: pick(r, ids), Approx: r.IntN(2) == 0}
		return fmt.Sprintf("trim %+v", a), func(s *Stream) { s.Trim(a) }
	case 8:
		last, _ := s.LastID().Incr()
		added := []int64{-1, s.EntriesAdded() + 5}[r.IntN(2)]
		maxDel := []ID{{}, s.LastID()}[r.IntN(2)]
		return fmt.Sprint("setid ", last), func(s *Stream) { s.SetID(last, added, maxDel) }
	case 9:
		name, last := groups[r.IntN(len(groups))], pick(r, ids)
		if r.IntN(3) == 0 {
			return "destroy " + name, func(s *Stream) { s.DestroyGroup(name) }
		}
		return "create " + name, func(s *Stream) { s.CreateGroup(name, last, -1) }
	case 10:
		name, cname, count := groups[r.IntN(len(groups))], consumers[r.IntN(len(consumers))], r.IntN(5)+1
		return "read " + name + " " + cname, func(s *Stream) {
			g := s.Group(name)
			if g == nil {
				return
			}
			c := g.Consumer(cname)
			if c == nil {
				c = g.CreateConsumer(cname, now)
			}
			start, ok := g.LastID.Incr()
			if !ok {
				return
			}
			n := 0
			s.Range(start, MaxID, false, func(e Entry) bool {
				s.Delivered(g, e.ID)
				g.Deliver(e.ID, c, now)
				n++
				return n < count
			})
		}
	default:
		name, cname, id := groups[r.IntN(len(groups))], consumers[r.IntN(len(consumers))], pick(r, ids)
		action := r.IntN(3)
		return fmt.Sprint("pending ", action, name, cname, id), func(s *Stream) {
			g := s.Group(name)
			if g == nil {
				return
			}
			switch action {
			case 0:
				g.Ack(id)
			case 1:
				if n := g.PEL.Get(id); n != nil {
					c := g.Consumer(cname)
					if c == nil {
						c = g.CreateConsumer(cname, now)
					}
					g.Claim(id, n, c)
				}
			default:
				g.DeleteConsumer(cname)
			}
		}
	}
}

// build makes a stream of n entries, perNode to a node, with every del-th one deleted (0:
// none), then trims the first trim entries exactly.
func build(n, perNode, del, trim int) *Stream {
	s := New()
	for i := 1; i <= n; i++ {
		data := fv("f", fmt.Sprint(i))
		if i%7 == 0 {
			data = fv("other", "x", "f", fmt.Sprint(i))
		}
		s.Add(ID{uint64(i), 0}, data, 4096, int64(perNode))
	}
	if del > 0 {
		var ids []ID
		for i := del; i <= n; i += del {
			ids = append(ids, ID{uint64(i), 0})
		}
		s.Delete(ids)
	}
	if trim > 0 {
		s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: s.Len() - int64(trim)})
	}
	return s
}

func withGroups(s *Stream) *Stream {
	ids := liveIDs(s)
	g := s.CreateGroup("g1", ID{}, 0)
	for _, name := range []string{"alice", "bob"} {
		c := g.CreateConsumer(name, 1)
		for i := 0; i < len(ids)/4; i++ {
			s.Delivered(g, ids[0])
			g.Deliver(ids[0], c, 1)
			ids = ids[1:]
		}
	}
	s.CreateGroup("g2", ID{}, -1)
	return s
}

// rebuilt passes s through the snapshot layout, as the RDB loader and RESTORE do.
func rebuilt(s *Stream) *Stream {
	b := NewBuilder()
	for i := 0; i < s.Nodes(); i++ {
		v := s.Node(i)
		if err := b.StartNode(v.Master(), v.Fields()); err != nil {
			panic(err)
		}
		for j := 0; j < v.Len(); j++ {
			e := v.Entry(j)
			data := e.Data
			if e.SameFields {
				data = nil
				for k, f := range v.Fields() {
					data = append(data, f, e.Data[k])
				}
			}
			if err := b.AddEntry(e.ID, data, e.Deleted); err != nil {
				panic(err)
			}
		}
	}
	out, err := b.Finish(Meta{Length: s.Len(), LastID: s.LastID(), FirstID: s.FirstID(), MaxDeletedID: s.MaxDeletedID(), EntriesAdded: s.EntriesAdded()})
	if err != nil {
		panic(err)
	}
	return out
}

// TestCloneIsIndependent clones streams of several shapes, then writes at random to the
// originals, the clones and clones of clones, each alongside a deep copy taken before: a
// write that reached a node another stream still holds shows up as a difference there.
func TestCloneIsIndependent(t *testing.T) {
	shapes := []struct {
		name string
		make func() *Stream
	}{
		{"empty", New},
		{"one node", func() *Stream { return build(40, 100, 0, 0) }},
		{"many nodes", func() *Stream { return build(600, 10, 0, 0) }},
		{"deletions", func() *Stream { return build(600, 10, 3, 15) }},
		{"groups", func() *Stream { return withGroups(build(600, 10, 5, 0)) }},
		{"loaded", func() *Stream { return withGroups(rebuilt(build(600, 10, 3, 15))) }},
	}
	for _, sh := range shapes {
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("%s/%d", sh.name, seed), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 99))
				type pair struct{ s, ref *Stream }
				s := sh.make()
				family := []pair{{s, deepCopy(s)}}
				family = append(family, pair{s.Clone().(*Stream), deepCopy(s)})
				now := int64(1000)
				var log []string
				check := func() {
					t.Helper()
					for i, p := range family {
						if got, want := dump(p.s), dump(p.ref); got != want {
							t.Fatalf("stream %d differs from its reference after %q\ngot:\n%s\nwant:\n%s", i, log, got, want)
						}
					}
				}
				for step := 0; step < 300; step++ {
					i := r.IntN(len(family))
					if len(family) < 5 && r.IntN(25) == 0 {
						log = append(log, fmt.Sprintf("%d: clone", i))
						family = append(family, pair{family[i].s.Clone().(*Stream), deepCopy(family[i].ref)})
						continue
					}
					now += int64(r.IntN(3))
					desc, write := randomWrite(r, family[i].s, now)
					log = append(log, fmt.Sprintf("%d: %s", i, desc))
					write(family[i].s)
					write(family[i].ref)
					if step%16 == 0 {
						check()
					}
				}
				check()
			})
		}
	}
}

// sum hashes what a snapshot reads of a stream. It avoids fmt: a sync.Pool object passed
// between goroutines (fmt pools its printers) is a happens-before edge for the race
// detector, which could hide the race being looked for.
func sum(s *Stream) uint64 {
	h := fnv.New64a()
	var b []byte
	num := func(v uint64) { b = binary.LittleEndian.AppendUint64(b, v) }
	id := func(id ID) { num(id.Ms); num(id.Seq) }
	num(uint64(s.Len()))
	id(s.LastID())
	id(s.FirstID())
	id(s.MaxDeletedID())
	num(uint64(s.EntriesAdded()))
	num(uint64(s.MemoryUsage()))
	for i := 0; i < s.Nodes(); i++ {
		v := s.Node(i)
		id(v.Master())
		num(uint64(v.Live()))
		num(uint64(v.Deleted()))
		for j := 0; j < v.Len(); j++ {
			e := v.Entry(j)
			id(e.ID)
			for _, d := range e.Data {
				b = append(b, d...)
			}
		}
	}
	s.Range(ID{}, MaxID, true, func(e Entry) bool {
		id(e.ID)
		for i := 0; i < e.Len(); i++ {
			f, v := e.Pair(i)
			b = append(append(b, f...), v...)
		}
		return true
	})
	h.Write(b)
	return h.Sum64()
}

// TestCloneReadWhileWritten is the snapshot's situation: the original is read on another
// goroutine, without a lock, over and over while the clone is written, and once more
// after. A write into a shared node shows as a changed sum and, under -race, usually as a
// race report too (the detector's history is bounded, so it is not the test's only check).
func TestCloneReadWhileWritten(t *testing.T) {
	// Small, so that the race detector's history spans several sums.
	s := withGroups(build(2030, 50, 9, 0))
	want := sum(s)
	c := s.Clone().(*Stream)
	stop, changed := make(chan struct{}), make(chan bool)
	go func() {
		for {
			if sum(s) != want {
				changed <- true
				return
			}
			select {
			case <-stop:
				changed <- sum(s) != want
				return
			default:
			}
		}
	}()
	// The tail node has room: the append goes to a shared node.
	c.Add(ID{3000, 0}, fv("f", "v"), 4096, 50)
	r := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 400; i++ {
		_, write := randomWrite(r, c, int64(100000+i))
		write(c)
	}
	close(stop)
	if <-changed {
		t.Fatal("the original changed while its clone was written")
	}
}

// TestCloneCopiesOnlyWrittenNodes checks that Clone shares every node and that each kind of
// write then copies just the nodes it changes, in whichever stream it is made.
func TestCloneCopiesOnlyWrittenNodes(t *testing.T) {
	// 100000 entries, 100 to a node; the tail node is full.
	base := build(100000, 100, 0, 0)
	cases := []struct {
		name  string
		write func(*Stream)
		// fresh are the masters of the nodes the writer holds that it did not share.
		fresh []ID
	}{
		{"nothing", func(*Stream) {}, nil},
		{"append to a new node", func(s *Stream) { s.Add(ID{200000, 0}, fv("f", "v"), 4096, 100) }, []ID{{200000, 0}}},
		{"append to the tail", func(s *Stream) { s.Add(ID{200000, 0}, fv("f", "v"), 4096, 1000) }, []ID{{99901, 0}}},
		{"append twice", func(s *Stream) {
			s.Add(ID{200000, 0}, fv("f", "v"), 4096, 1000)
			s.Add(ID{200001, 0}, fv("f", "v"), 4096, 1000)
		}, []ID{{99901, 0}}},
		{"delete inside a node", func(s *Stream) { s.Delete([]ID{{5050, 0}, {5060, 0}}) }, []ID{{5001, 0}}},
		{"delete in two nodes", func(s *Stream) { s.Delete([]ID{{5050, 0}, {7777, 0}}) }, []ID{{5001, 0}, {7701, 0}}},
		{"delete a whole node", func(s *Stream) {
			ids := make([]ID, 100)
			for i := range ids {
				ids[i] = ID{uint64(301 + i), 0}
			}
			s.Delete(ids)
		}, nil},
		{"trim whole nodes", func(s *Stream) { s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 99000, Approx: true}) }, nil},
		{"trim inside a node", func(s *Stream) { s.Trim(TrimArgs{Strategy: TrimMinID, MinID: ID{1050, 0}}) }, []ID{{1001, 0}}},
		{"trim to a node edge", func(s *Stream) { s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 99900}) }, nil},
		{"setid", func(s *Stream) { s.SetID(ID{300000, 0}, 200000, ID{5, 0}) }, nil},
	}
	for _, tc := range cases {
		for _, side := range []string{"clone", "original"} {
			t.Run(tc.name+"/"+side, func(t *testing.T) {
				s := deepCopy(base)
				c := s.Clone().(*Stream)
				for i := range s.nodes {
					if s.nodes[i] != c.nodes[i] {
						t.Fatalf("node %d copied by Clone", i)
					}
				}
				writer, other := c, s
				if side == "original" {
					writer, other = s, c
				}
				before, nodes := layout(other), append([]*node(nil), other.nodes...)
				shared := map[*node]bool{}
				for _, n := range nodes {
					shared[n] = true
				}
				tc.write(writer)
				var fresh []ID
				for _, n := range writer.nodes {
					if !shared[n] {
						fresh = append(fresh, n.master)
					}
				}
				if fmt.Sprint(fresh) != fmt.Sprint(tc.fresh) {
					t.Errorf("unshared nodes %v, want %v", fresh, tc.fresh)
				}
				if layout(other) != before {
					t.Error("the write changed the other stream")
				}
				for i, n := range other.nodes {
					if n != nodes[i] {
						t.Fatalf("the other stream's node %d was replaced", i)
					}
				}
			})
		}
	}
	if a := testing.AllocsPerRun(20, func() { base.Clone() }); a > 2 {
		t.Errorf("Clone of a stream without groups makes %v allocations, want the stream and its node index", a)
	}
}

// BenchmarkClone is the stall a snapshot's first write to a big stream costs every client.
func BenchmarkClone(b *testing.B) {
	for _, size := range []int{1000, 1000000} {
		s := New()
		for i := 1; i <= size; i++ {
			s.Add(ID{uint64(i), 0}, fv("field", "value"), 4096, 100)
		}
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s = s.Clone().(*Stream)
			}
		})
		// The writes that follow pay for the nodes they touch: here the tail and a middle one.
		b.Run(fmt.Sprintf("%d+xadd+xdel", size), func(b *testing.B) {
			next := uint64(size + 1)
			for i := 0; i < b.N; i++ {
				s = s.Clone().(*Stream)
				s.Add(ID{next, 0}, fv("field", "value"), 4096, 100)
				s.Delete([]ID{{next - uint64(size)/2, 0}})
				next++
			}
		})
	}
}

// TestOwnNodesWrittenInPlace checks that a stream changes in place the nodes it owns: all of
// them when nobody cloned it, however it was made, and after a Clone the ones it has copied
// or made since.
func TestOwnNodesWrittenInPlace(t *testing.T) {
	// writes appends to the tail, deletes inside a node and trims inside the first.
	writes := func(s *Stream, k uint64, maxEntries int64) {
		s.Add(ID{1000000 + k, 0}, fv("f", "v"), 4096, maxEntries)
		s.Delete([]ID{{502 + k, 0}})
		s.Trim(TrimArgs{Strategy: TrimMinID, MinID: ID{50 + k, 0}})
	}
	for _, tc := range []struct {
		name string
		s    *Stream
	}{
		{"added", build(1000, 100, 0, 0)},
		{"loaded", rebuilt(build(1000, 100, 3, 0))},
		{"zero value", func() *Stream {
			s := &Stream{}
			for i := 1; i <= 1000; i++ {
				s.Add(ID{uint64(i), 0}, fv("f", "v"), 4096, 100)
			}
			return s
		}()},
		{"cloned, then written", func() *Stream {
			c := build(1000, 100, 0, 0).Clone().(*Stream)
			writes(c, 0, 100) // the tail is full: the append starts a node
			return c
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes := append([]*node(nil), tc.s.nodes...)
			writes(tc.s, 1, 1000)
			for i, n := range nodes {
				if tc.s.nodes[i] != n {
					t.Errorf("node %v was copied", n.master)
				}
			}
		})
	}
}
