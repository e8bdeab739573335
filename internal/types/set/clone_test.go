package set

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// TestCloneIndependentBothWays: changes to a clone and to its source, in every encoding, never show
// in the other.
func TestCloneIndependentBothWays(t *testing.T) {
	for _, members := range [][]string{{"1", "2", "3"}, {"a", "b", "c"}, manyMembers(300)} {
		s := New()
		for _, m := range members {
			s.Add([]byte(m), 512)
		}
		c := s.Clone().(*Set)
		c.Remove([]byte(members[0]))
		c.Add([]byte("99"), 512)
		s.Remove([]byte(members[1]))
		for _, tc := range []struct {
			s    *Set
			m    string
			want bool
		}{
			{s, members[0], true}, {s, members[1], false}, {s, "99", false},
			{c, members[0], false}, {c, members[1], true}, {c, "99", true},
		} {
			if got := tc.s.Has([]byte(tc.m)); got != tc.want {
				t.Errorf("%v: Has(%q) = %v", members[:2], tc.m, got)
			}
		}
	}
}

func manyMembers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("m", i)
	}
	return out
}

// TestCloneInterleaved: after a Clone, random writes to either side (conversions and pops
// included) show only on that side, each compared with its own map.
func TestCloneInterleaved(t *testing.T) {
	for _, tc := range []struct {
		seed      uint64
		size, ops int
		members   int
		strings   bool // non-integer members, which convert an intset
	}{
		{1, 50, 3000, 600, false}, // an intset that converts past 512 members
		{2, 100000, 50000, 150000, true},
		{3, 300, 5000, 1000, true},
	} {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 0))
			member := func() string {
				if tc.strings && r.IntN(2) == 0 {
					return fmt.Sprint("m", r.IntN(tc.members))
				}
				return fmt.Sprint(r.IntN(tc.members))
			}
			src, model := New(), map[string]bool{}
			for i := 0; i < tc.size; i++ {
				m := member()
				src.Add([]byte(m), 512)
				model[m] = true
			}
			sets := []*Set{src, src.Clone().(*Set)}
			models := []map[string]bool{model, maps.Clone(model)}
			for i := 0; i < tc.ops; i++ {
				j := r.IntN(2)
				switch m := member(); r.IntN(4) {
				case 0:
					sets[j].Remove([]byte(m))
					delete(models[j], m)
				case 1:
					if sets[j].Len() > 0 {
						delete(models[j], sets[j].PopRandom().String())
					}
				default:
					sets[j].Add([]byte(m), 512)
					models[j][m] = true
				}
			}
			for j, s := range sets {
				got := map[string]bool{}
				var bytes int64
				for m := range s.All() {
					got[m.String()] = true
					bytes += int64(len(m.String()))
				}
				if !maps.Equal(got, models[j]) || s.Len() != len(models[j]) || (!s.IsIntset() && s.Bytes() != bytes) {
					t.Fatalf("side %d: %d members, %d bytes; model %d members, %d bytes", j, len(got), s.Bytes(), len(models[j]), bytes)
				}
			}
		})
	}
}

// TestSetSample: distinct members, min(k, Len) of them, in both encodings.
func TestSetSample(t *testing.T) {
	for _, members := range [][]string{{"1", "2", "3", "4"}, manyMembers(1000)} {
		s := New()
		for _, m := range members {
			s.Add([]byte(m), 512)
		}
		n := len(members)
		for _, k := range []int{0, 1, 3, n / 2, n, n + 1} {
			seen := map[string]bool{}
			s.Sample(k, func(m Member) {
				if seen[m.String()] || !s.HasMember(m) {
					t.Fatalf("n=%d k=%d: %v repeated or not a member", n, k, m)
				}
				seen[m.String()] = true
			})
			if len(seen) != min(k, n) {
				t.Fatalf("n=%d k=%d: %d members", n, k, len(seen))
			}
		}
	}
}
