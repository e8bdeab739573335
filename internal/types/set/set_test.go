package set

import (
	"cmp"
	"slices"
	"strconv"
	"testing"
)

func members(s *Set) []string {
	var out []string
	for m := range s.All() {
		out = append(out, m.String())
	}
	return out
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"01", 0, false}, {"+1", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1.0", 0, false}, {"1e3", 0, false},
		{"99999999999999999999", 0, false}, {"123456789012345678901", 0, false},
	}
	for _, tt := range tests {
		n, ok := ParseInt(tt.in)
		if n != tt.n || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d %v, want %d %v", tt.in, n, ok, tt.n, tt.ok)
		}
	}
}

func TestEncoding(t *testing.T) {
	tests := []struct {
		name   string
		limit  int64
		add    []string
		want   string
		sorted []string // iteration order, when an intset
	}{
		{"integers stay an intset, sorted", 512, []string{"3", "-1", "2", "3"}, "intset", []string{"-1", "2", "3"}},
		{"extremes", 512, []string{"9223372036854775807", "-9223372036854775808"}, "intset",
			[]string{"-9223372036854775808", "9223372036854775807"}},
		{"a string converts", 512, []string{"1", "a"}, "hashtable", nil},
		{"non-canonical integers are strings", 512, []string{"01"}, "hashtable", nil},
		{"too many entries", 2, []string{"1", "2", "3"}, "hashtable", nil},
		{"at the limit", 3, []string{"1", "2", "3"}, "intset", []string{"1", "2", "3"}},
		{"zero limit", 0, []string{"1"}, "hashtable", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			for _, m := range tt.add {
				s.Add([]byte(m), tt.limit)
			}
			if s.Encoding() != tt.want {
				t.Fatalf("encoding %s, want %s", s.Encoding(), tt.want)
			}
			if tt.sorted != nil && !slices.Equal(members(s), tt.sorted) {
				t.Fatalf("order %v, want %v", members(s), tt.sorted)
			}
			for _, m := range tt.add {
				if !s.Has([]byte(m)) {
					t.Fatalf("%q missing", m)
				}
			}
		})
	}
}

func TestMemberOps(t *testing.T) {
	for _, limit := range []int64{512, 0} {
		s := New()
		s.Add([]byte("5"), limit)
		for _, m := range []Member{{Int: 5, IsInt: true}, {Str: "5"}} {
			if !s.HasMember(m) {
				t.Fatalf("limit %d: HasMember(%+v)", limit, m)
			}
		}
		if s.AddMember(Member{Str: "5"}, limit) || s.AddMember(Member{Int: 5, IsInt: true}, limit) {
			t.Fatalf("limit %d: re-added 5", limit)
		}
		if !s.AddMember(Member{Int: 6, IsInt: true}, limit) || !s.RemoveMember(Member{Str: "6"}) {
			t.Fatalf("limit %d: add/remove 6", limit)
		}
		if s.HasMember(Member{Str: "05"}) || s.RemoveMember(Member{Str: "x"}) {
			t.Fatalf("limit %d: phantom members", limit)
		}
	}
}

func TestPop(t *testing.T) {
	for _, limit := range []int64{512, 0} {
		for _, k := range []int{0, 1, 5, 33, 99, 100} {
			s := New()
			for i := 0; i < 100; i++ {
				s.Add([]byte(strconv.Itoa(i)), limit)
			}
			popped := s.Pop(k)
			if len(popped) != k || s.Len() != 100-k {
				t.Fatalf("Pop(%d): %d popped, %d left", k, len(popped), s.Len())
			}
			seen := map[string]bool{}
			for _, m := range popped {
				if seen[m.String()] || s.HasMember(m) {
					t.Fatalf("Pop(%d): %v repeated or still present", k, m)
				}
				seen[m.String()] = true
			}
			for m := range s.All() {
				if seen[m.String()] {
					t.Fatalf("Pop(%d): %v both popped and kept", k, m)
				}
			}
			if s.IsIntset() && !slices.IsSorted(s.ints) {
				t.Fatalf("intset unsorted after Pop")
			}
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	for _, limit := range []int64{512, 0} {
		s := New()
		s.Add([]byte("1"), limit)
		c := s.Clone().(*Set)
		c.Add([]byte("2"), limit)
		c.Remove([]byte("1"))
		if !s.Has([]byte("1")) || s.Has([]byte("2")) || s.Len() != 1 || c.Encoding() != s.Encoding() {
			t.Fatalf("clone shares state: %v %v", members(s), members(c))
		}
	}
}

func TestScanCoversSurvivors(t *testing.T) {
	s := New()
	for i := 0; i < 500; i++ {
		s.Add([]byte("m"+strconv.Itoa(i)), 512)
	}
	seen := map[string]bool{}
	cursor, step := uint64(0), 0
	for {
		cursor = s.Scan(cursor, 11, func(m Member) { seen[m.Str] = true })
		step++
		s.Remove([]byte("m" + strconv.Itoa(500-step)))
		s.Add([]byte("new"+strconv.Itoa(step)), 512)
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 500-step; i++ {
		if !seen["m"+strconv.Itoa(i)] {
			t.Fatalf("m%d missed", i)
		}
	}
}

// FuzzSet applies a sequence of operations to a Set and to a naive model (a map plus the
// expected encoding) and checks that they agree, including an intset's ascending order.
func FuzzSet(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(4))
	f.Add([]byte("some longer sequence of set operations"), uint8(2))
	f.Fuzz(func(t *testing.T, ops []byte, limit uint8) {
		lim := int64(limit % 10)
		s := New()
		model := map[string]bool{}
		intset := true
		for i := 0; i+1 < len(ops); i += 2 {
			vals := []string{"0", "1", "-1", "7", "42", "9223372036854775807", "-9223372036854775808", "a", "01", "", "-0", "x y"}
			m := vals[int(ops[i+1])%len(vals)]
			switch ops[i] % 5 {
			case 0, 1:
				if s.Add([]byte(m), lim) == model[m] {
					t.Fatalf("Add(%q)", m)
				}
				model[m] = true
				if _, ok := ParseInt(m); !ok || int64(len(model)) > lim {
					intset = false
				}
			case 2:
				if s.Remove([]byte(m)) != model[m] {
					t.Fatalf("Remove(%q)", m)
				}
				delete(model, m)
			case 3:
				if s.Has([]byte(m)) != model[m] {
					t.Fatalf("Has(%q)", m)
				}
			case 4:
				if s.Len() > 0 {
					p := s.PopRandom()
					if !model[p.String()] {
						t.Fatalf("popped %v, not a member", p)
					}
					delete(model, p.String())
				}
			}
			if s.Len() != len(model) || s.IsIntset() != intset {
				t.Fatalf("len %d (model %d), intset %v (model %v)", s.Len(), len(model), s.IsIntset(), intset)
			}
			got := members(s)
			if intset {
				want := slices.Collect(func(yield func(string) bool) {
					for m := range model {
						if !yield(m) {
							return
						}
					}
				})
				slices.SortFunc(want, func(a, b string) int {
					x, _ := ParseInt(a)
					y, _ := ParseInt(b)
					return cmp.Compare(x, y)
				})
				if !slices.Equal(got, want) {
					t.Fatalf("intset order %v, want %v", got, want)
				}
			}
			slices.Sort(got)
			var want []string
			for m := range model {
				want = append(want, m)
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("members %v, model %v", got, want)
			}
		}
	})
}
