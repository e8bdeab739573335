package hash

import (
	"fmt"
	"testing"
)

// TestCloneIndependentBothWays: changes to a clone and to its source, in both encodings, never show
// in the other (a snapshot keeps the source while the key continues on the clone).
func TestCloneIndependentBothWays(t *testing.T) {
	for _, n := range []int{3, 300} { // listpack and hashtable
		lim := Limits{Entries: 128, Value: 64}
		h := New()
		for i := 0; i < n; i++ {
			h.Set([]byte(fmt.Sprint("f", i)), []byte("v"), lim)
		}
		c := h.Clone().(*Hash)
		c.Set([]byte("f0"), []byte("changed"), lim)
		c.Delete([]byte("f1"))
		c.Set([]byte("new"), []byte("x"), lim)
		h.Delete([]byte("f2"))
		for _, tc := range []struct {
			h      *Hash
			field  string
			want   string
			exists bool
		}{
			{h, "f0", "v", true}, {h, "f1", "v", true}, {h, "f2", "", false}, {h, "new", "", false},
			{c, "f0", "changed", true}, {c, "f1", "", false}, {c, "f2", "v", true}, {c, "new", "x", true},
		} {
			if got, ok := tc.h.Get([]byte(tc.field)); ok != tc.exists || got != tc.want {
				t.Errorf("n=%d %s: %q %v, want %q %v", n, tc.field, got, ok, tc.want, tc.exists)
			}
		}
		if h.Len() != n-1 || c.Len() != n {
			t.Errorf("n=%d: lengths %d %d", n, h.Len(), c.Len())
		}
	}
}
