package stream

import (
	"fmt"
	"strings"
	"testing"
)

// dumpEntries lists the live entries in both directions.
func dumpEntries(s *Stream) string {
	var sb strings.Builder
	for _, rev := range []bool{false, true} {
		s.Range(ID{}, MaxID, rev, func(e Entry) bool {
			sb.WriteString(e.ID.String())
			for i := range e.Len() {
				f, v := e.Pair(i)
				fmt.Fprintf(&sb, " %q=%q", f, v)
			}
			sb.WriteString("\n")
			return true
		})
	}
	return sb.String()
}

// dumpLayout lists the nodes with their tombstones and the counters.
func dumpLayout(s *Stream) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "len=%d last=%v first=%v maxdel=%v added=%d radix=%d\n", s.Len(), s.LastID(), s.FirstID(),
		s.MaxDeletedID(), s.EntriesAdded(), s.RadixNodes())
	for i := range s.Nodes() {
		v := s.Node(i)
		fmt.Fprintf(&sb, "node %v fields=%q live=%d dead=%d:", v.Master(), v.Fields(), v.Live(), v.Deleted())
		for j := range v.Len() {
			e := v.Entry(j)
			fmt.Fprintf(&sb, " %v/%v/%v", e.ID, e.Deleted, e.SameFields)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// rebuild copies s through its layout, as a snapshot reader does (tombstones without data).
func rebuild(t *testing.T, s *Stream) *Stream {
	t.Helper()
	b := NewBuilder()
	for i := range s.Nodes() {
		v := s.Node(i)
		if err := b.StartNode(v.Master(), v.Fields()); err != nil {
			t.Fatal(err)
		}
		for j := range v.Len() {
			e := v.Entry(j)
			fv := e.Data
			if e.SameFields && !e.Deleted {
				fv = nil
				for k, f := range v.Fields() {
					fv = append(fv, f, e.Data[k])
				}
			}
			if err := b.AddEntry(e.ID, fv, e.Deleted); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, err := b.Finish(Meta{Length: s.Len(), LastID: s.LastID(), FirstID: s.FirstID(), MaxDeletedID: s.MaxDeletedID(), EntriesAdded: s.EntriesAdded()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLayoutRebuild(t *testing.T) {
	cases := map[string]func() *Stream{
		"empty": New,
		"mixed fields": func() *Stream {
			s := New()
			s.Add(ID{1, 0}, fv("a", "1", "b", "2"), 0, 0)
			s.Add(ID{1, 1}, fv("a", "3", "b", "4"), 0, 0)
			s.Add(ID{2, 0}, fv("b", "5"), 0, 0)
			s.Add(ID{3, 7}, fv("a", "", "b", "x"), 0, 0)
			return s
		},
		"tombstones and nodes": func() *Stream {
			s := New()
			for i := uint64(1); i <= 40; i++ {
				s.Add(ID{i * 1000, i % 3}, fv("f", fmt.Sprint(i), "g", strings.Repeat("v", int(i))), 0, 5)
			}
			s.Delete([]ID{{1000, 1}, {3000, 0}, {7000, 1}, {8000, 2}, {9000, 0}, {10000, 1}, {40000, 1}})
			s.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 30})
			return s
		},
		"seq wraps inside a node": func() *Stream {
			s := New()
			s.Add(ID{5, 10}, fv("a", "1"), 0, 0)
			s.Add(ID{6, 0}, fv("a", "2"), 0, 0)
			s.Add(ID{1 << 40, 0}, fv("a", "3"), 0, 0)
			s.Add(MaxID, fv("a", "4"), 0, 0)
			return s
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			s := mk()
			c := rebuild(t, s)
			if a, b := dumpEntries(c), dumpEntries(s); a != b {
				t.Errorf("entries:\n%s\nwant\n%s", a, b)
			}
			if a, b := dumpLayout(c), dumpLayout(s); a != b {
				t.Errorf("layout:\n%s\nwant\n%s", a, b)
			}
			// Without tombstones the node sizes, which decide where XADD starts a new node,
			// come out the same as when the entries were added.
			if s.MaxDeletedID().IsZero() && c.MemoryUsage() != s.MemoryUsage() {
				t.Errorf("memory %d, want %d", c.MemoryUsage(), s.MemoryUsage())
			}
			// The rebuilt stream keeps working: appending, trimming, deleting.
			c.Add(ID{MaxID.Ms, MaxID.Seq}, fv("z", "1"), 0, 0)
			c.Trim(TrimArgs{Strategy: TrimMaxLen, MaxLen: 1})
			if c.Len() != 1 {
				t.Errorf("after trim len %d", c.Len())
			}
		})
	}
}

func TestLayoutTombstoneKeepsSize(t *testing.T) {
	s := New()
	s.Add(ID{1, 0}, fv("a", "1"), 0, 0)
	s.Add(ID{2, 0}, fv("a", "22222"), 0, 0)
	before := s.Node(0).n.bytes()
	b := NewBuilder()
	b.StartNode(ID{1, 0}, fv("a"))
	b.AddEntry(ID{1, 0}, fv("a", "1"), false)
	b.AddEntry(ID{2, 0}, fv("a", "22222"), true)
	c, err := b.Finish(Meta{Length: 1, LastID: ID{2, 0}, FirstID: ID{1, 0}, EntriesAdded: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Redis leaves a deleted entry's bytes in the listpack, only the counters change.
	if got, want := c.Node(0).n.bytes(), before+lpIntSize(1)-lpIntSize(0); got != want {
		t.Errorf("node bytes %d, want %d", got, want)
	}
	if e := c.Node(0).Entry(1); !e.Deleted || e.Data != nil {
		t.Errorf("tombstone %+v", e)
	}
}

func TestBuilderRefuses(t *testing.T) {
	type step struct {
		node    bool
		id      ID
		fv      [][]byte
		deleted bool
	}
	n := func(id ID, fields ...string) step { return step{node: true, id: id, fv: fv(fields...)} }
	e := func(id ID, kv ...string) step { return step{id: id, fv: fv(kv...)} }
	okMeta := Meta{Length: 1, LastID: ID{5, 0}, EntriesAdded: 1}
	cases := []struct {
		name  string
		steps []step
		meta  Meta
		want  string
	}{
		{"entry before node", []step{e(ID{1, 0}, "a", "1")}, okMeta, "before any node"},
		{"entry before its node", []step{n(ID{2, 0}, "a"), e(ID{1, 0}, "a", "1")}, okMeta, "precedes its node"},
		{"entries out of order", []step{n(ID{1, 0}, "a"), e(ID{2, 0}, "a", "1"), e(ID{2, 0}, "a", "1")}, okMeta, "does not follow"},
		{"node key before previous entry", []step{n(ID{1, 0}, "a"), e(ID{3, 0}, "a", "1"), n(ID{3, 0}, "a")}, okMeta, "does not follow"},
		{"empty node", []step{n(ID{1, 0}, "a"), n(ID{2, 0}, "a"), e(ID{2, 0}, "a", "1")}, okMeta, "no entries"},
		{"empty last node", []step{n(ID{1, 0}, "a")}, Meta{}, "no entries"},
		{"odd fields", []step{n(ID{1, 0}, "a"), e(ID{1, 0}, "a")}, okMeta, "odd"},
		{"length lies", []step{n(ID{1, 0}, "a"), e(ID{1, 0}, "a", "1")}, Meta{Length: 2, LastID: ID{5, 0}, EntriesAdded: 2}, "length 2"},
		{"last id before entries", []step{n(ID{1, 0}, "a"), e(ID{6, 0}, "a", "1")}, okMeta, "last id"},
		{"entries added below length", []step{n(ID{1, 0}, "a"), e(ID{1, 0}, "a", "1")}, Meta{Length: 1, LastID: ID{5, 0}}, "entries added"},
	}
	for _, c := range cases {
		b := NewBuilder()
		var err error
		for _, st := range c.steps {
			if st.node {
				err = b.StartNode(st.id, st.fv)
			} else {
				err = b.AddEntry(st.id, st.fv, st.deleted)
			}
			if err != nil {
				break
			}
		}
		if err == nil {
			_, err = b.Finish(c.meta)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}
