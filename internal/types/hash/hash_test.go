package hash

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

var defaults = Limits{Entries: 128, Value: 64}

type pair struct{ f, v string }

func pairs(h *Hash) []pair {
	var out []pair
	for f, v := range h.All() {
		out = append(out, pair{f, v})
	}
	return out
}

func TestListpackOrder(t *testing.T) {
	tests := []struct {
		name string
		ops  func(h *Hash)
		want []pair
	}{
		{"insertion order", func(h *Hash) {
			h.Set([]byte("b"), []byte("1"), defaults)
			h.Set([]byte("a"), []byte("2"), defaults)
		}, []pair{{"b", "1"}, {"a", "2"}}},
		{"update in place", func(h *Hash) {
			h.Set([]byte("a"), []byte("1"), defaults)
			h.Set([]byte("b"), []byte("2"), defaults)
			h.Set([]byte("a"), []byte("3"), defaults)
		}, []pair{{"a", "3"}, {"b", "2"}}},
		{"delete closes the gap", func(h *Hash) {
			for _, f := range []string{"a", "b", "c"} {
				h.Set([]byte(f), []byte(f), defaults)
			}
			h.Delete([]byte("a"))
			h.Set([]byte("a"), []byte("x"), defaults)
		}, []pair{{"b", "b"}, {"c", "c"}, {"a", "x"}}},
		{"empty field and value", func(h *Hash) {
			h.Set(nil, nil, defaults)
			h.Set([]byte("z"), nil, defaults)
		}, []pair{{"", ""}, {"z", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New()
			tt.ops(h)
			if got := pairs(h); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if h.Encoding() != "listpack" {
				t.Fatalf("encoding %s", h.Encoding())
			}
		})
	}
}

func TestConversion(t *testing.T) {
	tests := []struct {
		name         string
		lim          Limits
		field, value string
		n            int // fields set before
		want         string
	}{
		{"within limits", Limits{4, 4}, "abcd", "abcd", 3, "listpack"},
		{"too many entries", Limits{4, 4}, "x", "y", 4, "hashtable"},
		{"long value", Limits{4, 4}, "x", "abcde", 0, "hashtable"},
		{"long field", Limits{4, 4}, "abcde", "y", 0, "hashtable"},
		{"zero entries", Limits{0, 64}, "x", "y", 0, "hashtable"},
		{"zero value length", Limits{128, 0}, "", "", 0, "listpack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New()
			for i := 0; i < tt.n; i++ {
				h.Set([]byte(strconv.Itoa(i)), []byte("v"), tt.lim)
			}
			h.Set([]byte(tt.field), []byte(tt.value), tt.lim)
			if h.Encoding() != tt.want {
				t.Fatalf("encoding %s, want %s", h.Encoding(), tt.want)
			}
			if v, ok := h.Get([]byte(tt.field)); !ok || v != tt.value {
				t.Fatalf("Get after conversion: %q %v", v, ok)
			}
			for i := 0; i < tt.n; i++ {
				h.Delete([]byte(strconv.Itoa(i)))
			}
			h.Delete([]byte(tt.field))
			if h.Len() != 0 || h.Encoding() != tt.want {
				t.Fatalf("after deleting all: len %d encoding %s", h.Len(), h.Encoding())
			}
		})
	}
}

// TestLoweredLimits: limits lowered since a listpack was built apply at its next write, even
// one that only updates a field, as in Redis.
func TestLoweredLimits(t *testing.T) {
	for _, tc := range []struct {
		name         string
		lim          Limits
		field, value string
		want         string
	}{
		{"update under fewer entries", Limits{1, 64}, "a", "x", "hashtable"},
		{"update within a shorter value limit", Limits{128, 1}, "a", "x", "listpack"},
		{"update past a shorter value limit", Limits{128, 1}, "a", "xy", "hashtable"},
		{"new field under fewer entries", Limits{2, 64}, "c", "x", "hashtable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New()
			h.Set([]byte("a"), []byte("1"), defaults)
			h.Set([]byte("b"), []byte("2"), defaults)
			h.Set([]byte(tc.field), []byte(tc.value), tc.lim)
			if h.Encoding() != tc.want {
				t.Fatalf("encoding %s, want %s", h.Encoding(), tc.want)
			}
			var bytes int64
			for f, v := range h.All() {
				bytes += int64(len(f) + len(v))
			}
			if v, ok := h.Get([]byte(tc.field)); !ok || v != tc.value || h.Bytes() != bytes {
				t.Fatalf("after the write: %q %v, %d bytes for %d", v, ok, h.Bytes(), bytes)
			}
		})
	}
}

func TestCloneIsIndependent(t *testing.T) {
	for _, lim := range []Limits{defaults, {0, 0}} {
		h := New()
		h.Set([]byte("a"), []byte("1"), lim)
		c := h.Clone().(*Hash)
		c.Set([]byte("a"), []byte("2"), lim)
		c.Set([]byte("b"), []byte("3"), lim)
		if v, _ := h.Get([]byte("a")); v != "1" || h.Len() != 1 || c.Encoding() != h.Encoding() {
			t.Fatalf("clone shares state: %v %v", pairs(h), pairs(c))
		}
	}
}

func TestScanCoversSurvivors(t *testing.T) {
	h := New()
	lim := Limits{0, 0}
	for i := 0; i < 500; i++ {
		h.Set([]byte(strconv.Itoa(i)), nil, lim)
	}
	seen := map[string]bool{}
	cursor, step := uint64(0), 0
	for {
		cursor = h.Scan(cursor, 13, func(f, _ string) { seen[f] = true })
		step++
		h.Delete([]byte(strconv.Itoa(500 - step)))
		h.Set([]byte(fmt.Sprintf("new%d", step)), nil, lim)
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 500-step; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Fatalf("%d missed", i)
		}
	}
}

func TestSample(t *testing.T) {
	for _, n := range []int{1, 2, 10, 100} {
		for _, k := range []int{0, 1, n / 3, n / 2, n - 1, n, n + 5} {
			got := sample(n, k)
			if len(got) != min(k, n) {
				t.Fatalf("sample(%d,%d): %d values", n, k, len(got))
			}
			seen := map[int]bool{}
			for _, i := range got {
				if i < 0 || i >= n || seen[i] {
					t.Fatalf("sample(%d,%d) = %v", n, k, got)
				}
				seen[i] = true
			}
		}
	}
}

// FuzzHash applies a sequence of operations to a Hash and to a naive model (an ordered slice
// of pairs) and checks that they agree, including the listpack's iteration order.
func FuzzHash(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(4), uint8(3))
	f.Add([]byte("hello world, a longer sequence of operations"), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, ops []byte, entries, value uint8) {
		lim := Limits{Entries: int64(entries % 16), Value: int64(value % 8)}
		h := New()
		var model []pair
		find := func(f string) int {
			return slices.IndexFunc(model, func(p pair) bool { return p.f == f })
		}
		compact := true
		for i := 0; i+1 < len(ops); i += 2 {
			f := strconv.Itoa(int(ops[i+1] % 20))
			v := string(make([]byte, int(ops[i+1]%11)))
			switch ops[i] % 4 {
			case 0, 1:
				j := find(f)
				created := h.Set([]byte(f), []byte(v), lim)
				if created != (j < 0) {
					t.Fatalf("Set(%q) created=%v", f, created)
				}
				if j < 0 {
					model = append(model, pair{f, v})
				} else {
					model[j].v = v
				}
				if int64(len(f)) > lim.Value || int64(len(v)) > lim.Value || int64(len(model)) > lim.Entries {
					compact = false
				}
			case 2:
				j := find(f)
				if h.Delete([]byte(f)) != (j >= 0) {
					t.Fatalf("Delete(%q)", f)
				}
				if j >= 0 {
					model = slices.Delete(model, j, j+1)
				}
			case 3:
				j := find(f)
				v, ok := h.Get([]byte(f))
				if ok != (j >= 0) || (ok && v != model[j].v) {
					t.Fatalf("Get(%q) = %q %v", f, v, ok)
				}
			}
			if h.Len() != len(model) {
				t.Fatalf("Len %d, model %d", h.Len(), len(model))
			}
			if want := map[bool]string{true: "listpack", false: "hashtable"}[compact]; h.Encoding() != want {
				t.Fatalf("encoding %s, want %s", h.Encoding(), want)
			}
			got := pairs(h)
			if compact {
				if !slices.Equal(got, model) {
					t.Fatalf("listpack order %v, model %v", got, model)
				}
			} else {
				cmp := func(a, b pair) int {
					if a.f < b.f {
						return -1
					}
					if a.f > b.f {
						return 1
					}
					return 0
				}
				sorted := slices.SortedFunc(slices.Values(model), cmp)
				if !slices.Equal(slices.SortedFunc(slices.Values(got), cmp), sorted) {
					t.Fatalf("hashtable content %v, model %v", got, model)
				}
			}
			var bytes int64
			for _, p := range model {
				bytes += int64(len(p.f) + len(p.v))
			}
			if h.Bytes() != bytes {
				t.Fatalf("Bytes %d, want %d", h.Bytes(), bytes)
			}
		}
	})
}
