package set

import (
	"fmt"
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
