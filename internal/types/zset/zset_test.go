package zset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestParseFloat(t *testing.T) {
	// Verdicts observed on Redis 7.0 (ZADD's score parsing).
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.5", 1.5, true}, {"0x10", 16, true}, {"0x1p3", 8, true}, {"0X1P-2", 0.25, true},
		{"0x.8", 0.5, true}, {"+.5", 0.5, true}, {"5.", 5, true}, {"-.5e1", -5, true},
		{"00012", 12, true}, {"inf", math.Inf(1), true}, {"inF", math.Inf(1), true},
		{"infinity", math.Inf(1), true}, {"-Infinity", math.Inf(-1), true}, {"+inf", math.Inf(1), true},
		{"1e-320", 1e-320, true}, {"4.9e-324", 5e-324, true}, {"-0", math.Copysign(0, -1), true},
		{"1e400", 0, false}, {"2e-324", 0, false}, {"-1e-400", 0, false}, {"nan", 0, false},
		{"NaN(123)", 0, false}, {" 5", 0, false}, {"5 ", 0, false}, {"", 0, false}, {"0x", 0, false},
		{"1e", 0, false}, {"1e+", 0, false}, {".e1", 0, false}, {".", 0, false}, {"1_0", 0, false},
		{"0x1p-1080", 0, false}, {"0x1p1024", 0, false}, {"5\x00", 0, false}, {"infx", 0, false},
		{"0e-400", 0, true}, {"0x0p-5000", 0, true},
	}
	for _, tc := range tests {
		got, ok := ParseFloat([]byte(tc.in))
		if ok != tc.ok || (ok && (got != tc.want || math.Signbit(got) != math.Signbit(tc.want))) {
			t.Errorf("ParseFloat(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseScoreRange(t *testing.T) {
	tests := []struct {
		min, max string
		want     ScoreRange
		ok       bool
	}{
		{"1", "2", ScoreRange{Min: 1, Max: 2}, true},
		{"(1", "(2", ScoreRange{Min: 1, Max: 2, MinEx: true, MaxEx: true}, true},
		{"-inf", "+inf", ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}, true},
		{"", "(", ScoreRange{MaxEx: true}, true},
		{" 1", "1e400", ScoreRange{Min: 1, Max: math.Inf(1)}, true},
		{"1\x00junk", "2", ScoreRange{Min: 1, Max: 2}, true},
		{"nan", "1", ScoreRange{}, false},
		{"1", "x", ScoreRange{}, false},
		{"((1", "2", ScoreRange{}, false},
		{"1 ", "2", ScoreRange{}, false},
	}
	for _, tc := range tests {
		got, ok := ParseScoreRange([]byte(tc.min), []byte(tc.max))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseScoreRange(%q, %q) = %+v, %v", tc.min, tc.max, got, ok)
		}
	}
}

func TestParseLexRange(t *testing.T) {
	tests := []struct {
		min, max string
		ok       bool
		empty    bool
	}{
		{"-", "+", true, false}, {"[a", "(b", true, false}, {"(a", "(a", true, true},
		{"[a", "[a", true, false}, {"+", "-", true, true}, {"-", "-", true, true},
		{"[b", "[a", true, true}, {"a", "[b", false, false}, {"", "+", false, false},
		{"+x", "+", false, false}, {"+\x00x", "+", true, true}, {"[", "+", true, false},
	}
	for _, tc := range tests {
		r, ok := ParseLexRange([]byte(tc.min), []byte(tc.max))
		if ok != tc.ok || (ok && r.Empty() != tc.empty) {
			t.Errorf("ParseLexRange(%q, %q) = %+v, %v (empty %v)", tc.min, tc.max, r, ok, r.Empty())
		}
	}
}

// model is the naive reference: a map, sorted on demand.
type model map[string]float64

func (m model) sorted() []Entry {
	var out []Entry
	for k, v := range m {
		out = append(out, Entry{k, v})
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if less(a.Score, a.Member, b.Score, b.Member) {
			return -1
		}
		return 1
	})
	return out
}

// check compares z with the model through every read path, spans included.
// fataler is the part of testing.TB check needs.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func check(t fataler, z *ZSet, m model, lim Limits) {
	t.Helper()
	want := m.sorted()
	if z.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", z.Len(), len(want))
	}
	var bytes int64
	for i, e := range want {
		bytes += int64(len(e.Member))
		if got := z.At(i); got.Member != e.Member || got.Score != e.Score {
			t.Fatalf("At(%d) = %+v, want %+v", i, got, e)
		}
		if r, ok := z.Rank(e.Member, false); !ok || r != i {
			t.Fatalf("Rank(%q) = %d, %v; want %d", e.Member, r, ok, i)
		}
		if r, ok := z.Rank(e.Member, true); !ok || r != len(want)-1-i {
			t.Fatalf("RevRank(%q) = %d", e.Member, r)
		}
		if s, ok := z.Score(e.Member); !ok || s != e.Score {
			t.Fatalf("Score(%q) = %v", e.Member, s)
		}
	}
	if z.Bytes() != bytes {
		t.Fatalf("Bytes = %d, want %d", z.Bytes(), bytes)
	}
	var desc []Entry
	z.Descending(func(e Entry) bool { desc = append(desc, e); return true })
	slices.Reverse(desc)
	if !slices.Equal(desc, want) && !(len(desc) == 0 && len(want) == 0) {
		t.Fatalf("Descending = %v, want %v", desc, want)
	}
	if z.t != nil {
		if z.dict.Len() != len(want) {
			t.Fatalf("dict holds %d, want %d", z.dict.Len(), len(want))
		}
		checkTree(t, z.t)
	}
	if z.t == nil && int64(len(want)) > lim.Entries {
		t.Fatalf("listpack of %d entries past the limit %d", len(want), lim.Entries)
	}
}

func TestAddFlags(t *testing.T) {
	lim := Limits{Entries: 128, Value: 64}
	z := New()
	if s, r := z.Add("a", 1, 0, lim); r != Added || s != 1 {
		t.Fatalf("add: %v %v", s, r)
	}
	tests := []struct {
		score float64
		f     AddFlags
		want  float64
		res   AddResult
	}{
		{2, NX, 1, Nop}, {2, XX, 2, Updated}, {1, GT, 2, Nop}, {3, GT, 3, Updated},
		{4, LT, 3, Nop}, {0, LT | XX, 0, Updated}, {5, Incr, 5, Updated}, {0, Incr, 5, 0},
		{math.Inf(1), Incr, math.Inf(1), Updated}, {math.Inf(-1), Incr, math.Inf(1), NaN},
		{math.Inf(1), 0, math.Inf(1), 0},
	}
	for i, tc := range tests {
		s, r := z.Add("a", tc.score, tc.f, lim)
		if s != tc.want || r != tc.res {
			t.Errorf("%d: Add(%v, %v) = %v, %v; want %v, %v", i, tc.score, tc.f, s, r, tc.want, tc.res)
		}
	}
	if _, r := z.Add("b", 1, XX, lim); r != Nop || z.Len() != 1 {
		t.Errorf("XX added a member")
	}
	if _, r := z.Add("b", 1, GT, lim); r != Added {
		t.Errorf("GT refused a new member")
	}
}

func TestEncoding(t *testing.T) {
	lim := Limits{Entries: 2, Value: 3}
	z := New()
	z.Add("a", 1, 0, lim)
	z.Add("b", 2, 0, lim)
	if z.Encoding() != "listpack" {
		t.Fatal(z.Encoding())
	}
	z.Add("c", 3, 0, lim)
	if z.Encoding() != "skiplist" {
		t.Fatal(z.Encoding())
	}
	z.Remove("c")
	z.Remove("b")
	if z.Encoding() != "skiplist" {
		t.Fatal("converted back")
	}
	z = New()
	z.Add("long", 1, 0, lim)
	if z.Encoding() != "skiplist" {
		t.Fatal("long member kept in listpack")
	}
	neg := math.Copysign(0, -1)
	z = New()
	z.Add("a", neg, 0, lim)
	if s, _ := z.Score("a"); math.Signbit(s) {
		t.Fatal("listpack kept -0")
	}
	z = NewSkiplist()
	z.Add("a", neg, 0, lim)
	if s, _ := z.Score("a"); !math.Signbit(s) {
		t.Fatal("skiplist lost -0")
	}
	if FromSorted([]Entry{{"a", 1}, {"b", 2}}, lim).Encoding() != "listpack" ||
		FromSorted([]Entry{{"a", 1}, {"b", 2}, {"c", 3}}, lim).Encoding() != "skiplist" ||
		FromSorted([]Entry{{"abcd", 1}}, lim).Encoding() != "skiplist" {
		t.Fatal("FromSorted encodings")
	}
}

func TestFormatScanScore(t *testing.T) {
	lp, sl := New(), NewSkiplist()
	for _, tc := range []struct {
		s      float64
		lp, sl string
	}{
		{1e17, "100000000000000000", "1e+17"}, {1.5, "1.5", "1.5"}, {1.1, "1.1000000000000001", "1.1000000000000001"},
		{math.Inf(-1), "-inf", "-inf"}, {3, "3", "3"}, {1e300, "1.0000000000000001e+300", "1.0000000000000001e+300"},
	} {
		if got := string(lp.FormatScanScore(nil, tc.s)); got != tc.lp {
			t.Errorf("listpack %v: %s", tc.s, got)
		}
		if got := string(sl.FormatScanScore(nil, tc.s)); got != tc.sl {
			t.Errorf("skiplist %v: %s", tc.s, got)
		}
	}
}

func TestBigSkiplist(t *testing.T) {
	lim := Limits{Entries: 0, Value: 0}
	z := New()
	m := model{}
	for i := 0; i < 3000; i++ {
		k := strconv.Itoa(i * 7919 % 3001)
		s := float64(i % 17)
		z.Add(k, s, 0, lim)
		m[k] = s
	}
	check(t, z, m, lim)
	r := ScoreRange{Min: 3, Max: 5, MaxEx: true}
	want := 0
	for _, v := range m {
		if r.GteMin(v) && r.LteMax(v) {
			want++
		}
	}
	if got := z.Count(r); got != want {
		t.Fatalf("Count = %d, want %d", got, want)
	}
	if got := z.RemoveRangeByScore(r); got != want {
		t.Fatalf("RemoveRangeByScore = %d, want %d", got, want)
	}
	for k, v := range m {
		if r.GteMin(v) && r.LteMax(v) {
			delete(m, k)
		}
	}
	check(t, z, m, lim)
	if got := z.RemoveRangeByRank(10, 2000); got != 1991 {
		t.Fatalf("RemoveRangeByRank = %d", got)
	}
	sorted := m.sorted()
	for _, e := range sorted[10:2001] {
		delete(m, e.Member)
	}
	check(t, z, m, lim)
	c := z.Clone().(*ZSet)
	check(t, c, m, lim)
}

// TestScanWhileChanging: a member present for the whole ZSCAN walk is returned, however the
// set grows and shrinks between steps.
func TestScanWhileChanging(t *testing.T) {
	lim := Limits{Entries: 128, Value: 64}
	tests := []struct {
		seed  uint64
		count int64
		churn int // members added and removed between steps
	}{
		{1, 1, 3}, {2, 10, 50}, {3, 100, 500}, {4, 7, 0},
	}
	for _, tc := range tests {
		r := rand.New(rand.NewPCG(tc.seed, 0))
		z := New()
		for i := range 3000 {
			z.Add("stable"+strconv.Itoa(i), float64(r.IntN(100)), 0, lim)
		}
		seen := map[string]bool{}
		next := 0
		for cursor, first := uint64(0), true; first || cursor != 0; first = false {
			cursor = z.Scan(cursor, tc.count, func(m string, _ float64) { seen[m] = true })
			for range tc.churn {
				if r.IntN(2) == 0 {
					z.Add("churn"+strconv.Itoa(next), float64(r.IntN(100)), 0, lim)
					next++
				} else if next > 0 {
					z.Remove("churn" + strconv.Itoa(r.IntN(next)))
				}
			}
		}
		for i := range 3000 {
			if !seen["stable"+strconv.Itoa(i)] {
				t.Fatalf("seed %d: stable%d never returned", tc.seed, i)
			}
		}
	}
}

// FuzzZSet drives both encodings with a byte string of operations against the naive model.
func FuzzZSet(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, uint8(3))
	f.Add([]byte("a longer program of sorted set operations, some removals, some ranges"), uint8(0))
	f.Add([]byte{0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 5, 0, 6, 1, 7, 2, 8, 3}, uint8(200))
	f.Fuzz(func(t *testing.T, ops []byte, entries uint8) {
		lim := Limits{Entries: int64(entries % 8), Value: 3}
		members := []string{"a", "b", "c", "d", "ee", "fff", "gggg", "", "10", "x y"}
		scores := []float64{0, 1, -1, 2.5, math.Inf(1), math.Inf(-1), 1, 2, 3, 1e300}
		z := New()
		m := model{}
		for i := 0; i+2 < len(ops); i += 3 {
			mem := members[int(ops[i+1])%len(members)]
			sc := scores[int(ops[i+2])%len(scores)]
			switch ops[i] % 10 {
			case 0, 1, 2:
				flags := []AddFlags{0, NX, XX, GT, LT, Incr, Incr | XX, GT | XX}[int(ops[i+2])%8]
				got, res := z.Add(mem, sc, flags, lim)
				cur, exists := m[mem]
				want := sc
				switch {
				case exists && flags&NX != 0:
					want = cur
				case exists:
					if flags&Incr != 0 {
						want = cur + sc
					}
					if math.IsNaN(want) || (flags&LT != 0 && want >= cur) || (flags&GT != 0 && want <= cur) {
						want = cur
					}
				case flags&XX != 0:
					want = 0
				}
				if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("Add(%q,%v,%v) = %v (%v), want %v", mem, sc, flags, got, res, want)
				}
				if res&(Added|Updated) != 0 || (res == 0 && exists) {
					m[mem] = got
				}
				if res == Added && z.IsListpack() {
					m[mem] = lpScore(got)
				}
			case 3:
				_, exists := m[mem]
				if z.Remove(mem) != exists {
					t.Fatalf("Remove(%q)", mem)
				}
				delete(m, mem)
			case 4:
				if z.Len() > 0 {
					e := z.Pop(ops[i+1]%2 == 0)
					if _, ok := m[e.Member]; !ok {
						t.Fatalf("Pop returned %q", e.Member)
					}
					delete(m, e.Member)
				}
			case 5:
				r := ScoreRange{Min: sc, Max: scores[int(ops[i+1])%len(scores)], MinEx: ops[i+1]%2 == 0, MaxEx: ops[i+2]%3 == 0}
				want := 0
				for _, v := range m {
					if r.GteMin(v) && r.LteMax(v) {
						want++
					}
				}
				if got := z.Count(r); got != want {
					t.Fatalf("Count(%+v) = %d, want %d", r, got, want)
				}
				var walked []Entry
				for c := z.FromScore(r, ops[i]%2 == 0); c.Valid(); c.Next() {
					e := c.Entry()
					if !r.GteMin(e.Score) || !r.LteMax(e.Score) {
						break
					}
					walked = append(walked, e)
				}
				if len(walked) != want {
					t.Fatalf("FromScore(%+v) walked %d, want %d", r, len(walked), want)
				}
				if ops[i+1]%3 == 0 {
					if got := z.RemoveRangeByScore(r); got != want {
						t.Fatalf("RemoveRangeByScore = %d, want %d", got, want)
					}
					for k, v := range m {
						if r.GteMin(v) && r.LteMax(v) {
							delete(m, k)
						}
					}
				}
			case 6:
				// Lexicographic ranges are defined only when every score is equal.
				uniform := true
				for _, v := range m {
					uniform = uniform && v == m[mem] && len(m) > 0
				}
				if _, ok := m[mem]; !ok || !uniform {
					break
				}
				r, _ := ParseLexRange([]byte("["+mem), []byte("("+members[int(ops[i+2])%len(members)]))
				if ops[i+2]%4 == 0 {
					r.MinInf = -1
				}
				want := 0
				for k := range m {
					if r.GteMin(k) && r.LteMax(k) {
						want++
					}
				}
				if got := z.LexCount(r); got != want {
					t.Fatalf("LexCount(%+v) = %d, want %d", r, got, want)
				}
				if ops[i+1]%2 == 0 {
					if got := z.RemoveRangeByLex(r); got != want {
						t.Fatalf("RemoveRangeByLex = %d, want %d", got, want)
					}
					for k := range m {
						if r.GteMin(k) && r.LteMax(k) {
							delete(m, k)
						}
					}
				}
			case 7:
				n := z.Len()
				if n > 0 {
					start, end := int(ops[i+1])%n, int(ops[i+2])%n
					if start > end {
						start, end = end, start
					}
					sorted := m.sorted()
					if got := z.RemoveRangeByRank(start, end); got != end-start+1 {
						t.Fatalf("RemoveRangeByRank = %d", got)
					}
					for _, e := range sorted[start : end+1] {
						delete(m, e.Member)
					}
				}
			case 8:
				k := int(ops[i+1]) % (z.Len() + 1)
				seen := map[string]bool{}
				for _, e := range z.Sample(k) {
					if seen[e.Member] || m[e.Member] != e.Score {
						t.Fatalf("Sample gave %+v", e)
					}
					seen[e.Member] = true
				}
				if len(seen) != k {
					t.Fatalf("Sample(%d) gave %d", k, len(seen))
				}
			case 9:
				z = z.Clone().(*ZSet)
				seen := map[string]bool{}
				cursor := uint64(0)
				for {
					cursor = z.Scan(cursor, int64(ops[i+1]%4)+1, func(mem string, _ float64) { seen[mem] = true })
					if cursor == 0 {
						break
					}
				}
				if len(seen) != len(m) {
					t.Fatalf("Scan saw %d of %d", len(seen), len(m))
				}
			}
			check(t, z, m, lim)
		}
		built := FromSorted(m.sorted(), lim)
		check(t, built, m, lim)
	})
}

// TestLoad: a bulk load gives the set member-by-member insertion gives, from any order, with
// Redis's encoding for a loaded set, and refuses what no valid file holds.
func TestLoad(t *testing.T) {
	lim := Limits{Entries: 128, Value: 64}
	entries := func(n int, order string) []Entry {
		var es []Entry
		for i := range n {
			es = append(es, Entry{fmt.Sprintf("m%05d", i), float64(i % 7)})
		}
		switch order {
		case "descending":
			slices.Reverse(es)
		case "shuffled":
			r := rand.New(rand.NewPCG(1, 2))
			r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		}
		return es
	}
	for _, tc := range []struct {
		n        int
		order    string
		encoding string
	}{
		{0, "ascending", "listpack"}, {5, "descending", "listpack"}, {128, "shuffled", "listpack"},
		{129, "descending", "skiplist"}, {5000, "shuffled", "skiplist"}, {5000, "ascending", "skiplist"},
	} {
		t.Run(fmt.Sprint(tc.n, tc.order), func(t *testing.T) {
			want := New()
			for _, e := range entries(tc.n, tc.order) {
				want.Add(e.Member, e.Score, 0, lim)
			}
			got, err := Load(entries(tc.n, tc.order), lim)
			if err != nil {
				t.Fatal(err)
			}
			if tc.n > 0 && got.Encoding() != tc.encoding {
				t.Fatalf("encoding %s, want %s", got.Encoding(), tc.encoding)
			}
			if got.Len() != want.Len() {
				t.Fatalf("Len %d, want %d", got.Len(), want.Len())
			}
			for i := range want.Len() {
				if g, w := got.At(i), want.At(i); g != w {
					t.Fatalf("rank %d: %v, want %v", i, g, w)
				}
			}
			for _, e := range entries(tc.n, "ascending") {
				if s, ok := got.Score(e.Member); !ok || s != e.Score {
					t.Fatalf("Score(%s) = %v %v", e.Member, s, ok)
				}
			}
		})
	}
	for name, es := range map[string][]Entry{
		"duplicate member": {{"a", 1}, {"b", 2}, {"a", 3}},
		"NaN score":        {{"a", 1}, {"b", math.NaN()}},
	} {
		if _, err := Load(es, lim); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
