package hash

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
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

// TestCloneInterleaved: after a Clone, random writes to either side (conversions included)
// show only on that side, each compared with its own map.
func TestCloneInterleaved(t *testing.T) {
	for _, tc := range []struct {
		seed      uint64
		size, ops int
		fields    int
		lim       Limits
	}{
		{1, 50, 2000, 100, Limits{Entries: 128, Value: 64}}, // converts on the way
		{2, 100000, 50000, 150000, Limits{Entries: 128, Value: 64}},
		{3, 1000, 20000, 2000, Limits{Entries: 0, Value: 0}},
	} {
		t.Run(fmt.Sprint(tc.seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(tc.seed, 0))
			src, model := New(), map[string]string{}
			for i := 0; i < tc.size; i++ {
				f := fmt.Sprint("f", r.IntN(tc.fields))
				src.Set([]byte(f), []byte("v0"), tc.lim)
				model[f] = "v0"
			}
			hashes := []*Hash{src, src.Clone().(*Hash)}
			models := []map[string]string{model, maps.Clone(model)}
			for i := 0; i < tc.ops; i++ {
				j := r.IntN(2)
				f := fmt.Sprint("f", r.IntN(tc.fields))
				if r.IntN(3) == 0 {
					hashes[j].Delete([]byte(f))
					delete(models[j], f)
				} else {
					v := strings.Repeat("v", r.IntN(70))
					hashes[j].Set([]byte(f), []byte(v), tc.lim)
					models[j][f] = v
				}
			}
			for j, h := range hashes {
				var bytes int64
				for f, v := range models[j] {
					bytes += int64(len(f) + len(v))
				}
				if got := maps.Collect(h.All()); !maps.Equal(got, models[j]) || h.Bytes() != bytes || h.Len() != len(models[j]) {
					t.Fatalf("side %d: %d fields, %d bytes; model %d fields, %d bytes", j, len(got), h.Bytes(), len(models[j]), bytes)
				}
			}
		})
	}
}

// TestHashSample: distinct pairs, min(k, Len) of them, as stored, in both encodings.
func TestHashSample(t *testing.T) {
	for _, n := range []int{5, 1000} {
		h := New()
		for i := 0; i < n; i++ {
			h.Set([]byte(fmt.Sprint("f", i)), []byte(fmt.Sprint(i)), Limits{Entries: 128, Value: 64})
		}
		for _, k := range []int{0, 1, 3, n / 2, n, n + 1} {
			seen := map[string]bool{}
			h.Sample(k, func(f, v string) {
				if seen[f] || "f"+v != f {
					t.Fatalf("n=%d k=%d: %q %q repeated or mismatched", n, k, f, v)
				}
				seen[f] = true
			})
			if len(seen) != min(k, n) {
				t.Fatalf("n=%d k=%d: %d pairs", n, k, len(seen))
			}
		}
	}
}
