package hll

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"
)

func add(t *testing.T, s []byte, eles ...string) ([]byte, int) {
	t.Helper()
	changed := 0
	for _, e := range eles {
		var r int
		s, r = Add(s, []byte(e), DefaultSparseMaxBytes)
		if r < 0 {
			t.Fatalf("Add(%q) reported corruption", e)
		}
		changed += r
	}
	return s, changed
}

// Values below were produced by Redis 7.0 (PFADD then GET / PFDEBUG DECODE).
func TestGolden(t *testing.T) {
	s, _ := add(t, New(), "a", "b", "c")
	want := []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ")
	if !bytes.Equal(s, want) {
		t.Fatalf("bytes = %q, want %q", s, want)
	}
	if got := Decode(s); got != "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603" {
		t.Fatalf("Decode = %q", got)
	}
	if n, ok := Count(s); !ok || n != 3 {
		t.Fatalf("Count = %d, %v", n, ok)
	}
}

func TestNew(t *testing.T) {
	s := New()
	if !Valid(s) || !IsSparse(s) || Decode(s) != "Z:16384" {
		t.Fatalf("New() = %q (%s)", s, Decode(s))
	}
	if n, ok := Cached(s); !ok || n != 0 {
		t.Fatalf("Cached = %d, %v", n, ok)
	}
	if n, ok := Count(s); !ok || n != 0 {
		t.Fatalf("Count = %d, %v", n, ok)
	}
}

func TestValid(t *testing.T) {
	dense := make([]byte, DenseSize)
	copy(dense, "HYLL")
	tests := []struct {
		name string
		s    []byte
		want bool
	}{
		{"empty", nil, false},
		{"short", []byte("HYLL\x01"), false},
		{"bad magic", append([]byte("HYLX\x01\x00\x00\x00"), make([]byte, 10)...), false},
		{"bad encoding", append([]byte("HYLL\x02\x00\x00\x00"), make([]byte, 10)...), false},
		{"header only sparse", append([]byte("HYLL\x01"), make([]byte, 11)...), true},
		{"dense", dense, true},
		{"dense short", dense[:DenseSize-1], false},
		{"dense long", append(append([]byte{}, dense...), 0), false},
		{"new", New(), true},
	}
	for _, tc := range tests {
		if got := Valid(tc.s); got != tc.want {
			t.Errorf("%s: Valid = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPatLen(t *testing.T) {
	for i := 0; i < 10000; i++ {
		idx, c := PatLen([]byte(strconv.Itoa(i)))
		if idx < 0 || idx >= Registers || c < 1 || c > Q+1 {
			t.Fatalf("PatLen(%d) = %d, %d", i, idx, c)
		}
	}
}

func TestDenseRegisters(t *testing.T) {
	r := make([]byte, DenseSize-HeaderSize)
	want := make([]uint8, Registers)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 3; round++ {
		for i := range want {
			want[i] = uint8(rng.IntN(64))
			denseSet(r, i, want[i])
		}
		for i := range want {
			if got := denseGet(r, i); got != want[i] {
				t.Fatalf("register %d = %d, want %d", i, got, want[i])
			}
		}
	}
}

func TestPromotion(t *testing.T) {
	tests := []struct {
		name      string
		sparseMax int64
		n         int
		dense     bool
	}{
		{"stays sparse", 3000, 100, false},
		{"size limit", 3000, 5000, true},
		{"zero limit", 0, 1, true},
		{"tiny limit", 30, 20, true},
	}
	for _, tc := range tests {
		s := New()
		for i := 0; i < tc.n; i++ {
			var r int
			s, r = Add(s, []byte("e"+strconv.Itoa(i)), tc.sparseMax)
			if r < 0 {
				t.Fatalf("%s: corrupt", tc.name)
			}
			if IsSparse(s) && int64(len(s)) > max(tc.sparseMax, int64(len(New()))) {
				t.Fatalf("%s: sparse value of %d bytes", tc.name, len(s))
			}
		}
		if got := !IsSparse(s); got != tc.dense {
			t.Errorf("%s: dense = %v, want %v", tc.name, got, tc.dense)
		}
		if !Valid(s) {
			t.Errorf("%s: invalid result", tc.name)
		}
	}
}

func TestBigCountPromotes(t *testing.T) {
	s, r := Set(New(), 7, 33, DefaultSparseMaxBytes)
	if r != 1 || IsSparse(s) || Register(s, 7) != 33 {
		t.Fatalf("Set(33) = %d, sparse %v", r, IsSparse(s))
	}
}

func TestCacheBits(t *testing.T) {
	s := New()
	SetCached(s, 42)
	if n, ok := Cached(s); !ok || n != 42 {
		t.Fatalf("Cached = %d, %v", n, ok)
	}
	Invalidate(s)
	if _, ok := Cached(s); ok {
		t.Fatal("cache still valid")
	}
	if binary.LittleEndian.Uint64(s[8:16])&^(1<<63) != 42 {
		t.Fatal("invalidation lost the cached value")
	}
}

func TestAccuracy(t *testing.T) {
	s := New()
	for _, n := range []int{10, 100, 1000, 10000, 100000} {
		for i := 0; i < n; i++ {
			s, _ = Add(s, []byte(strconv.Itoa(n)+":"+strconv.Itoa(i)), DefaultSparseMaxBytes)
		}
	}
	total := 10 + 100 + 1000 + 10000 + 100000
	got, ok := Count(s)
	if !ok || got < uint64(float64(total)*0.95) || got > uint64(float64(total)*1.05) {
		t.Fatalf("Count = %d for %d elements", got, total)
	}
}

// model is a naive HyperLogLog: one byte per register.
type model [Registers]uint8

func checkAgainst(t *testing.T, s []byte, m *model) {
	t.Helper()
	if !Valid(s) {
		t.Fatalf("invalid value %q", s)
	}
	var merged [Registers]uint8
	if !Merge(&merged, s) {
		t.Fatalf("Merge rejected a value we built")
	}
	if merged != *m {
		for i := range merged {
			if merged[i] != m[i] {
				t.Fatalf("register %d = %d, want %d (sparse %v)", i, merged[i], m[i], IsSparse(s))
			}
		}
	}
	d, ok := ToDense(append([]byte{}, s...))
	if !ok {
		t.Fatal("ToDense rejected a value we built")
	}
	for i := range m {
		if Register(d, i) != m[i] {
			t.Fatalf("dense register %d = %d, want %d", i, Register(d, i), m[i])
		}
	}
	c1, ok1 := Count(s)
	c2, _ := Count(d)
	c3 := CountRegisters((*[Registers]uint8)(m))
	if !ok1 || c1 != c2 || c1 != c3 {
		t.Fatalf("counts disagree: %d %d %d", c1, c2, c3)
	}
}

// FuzzSet applies register updates to a value and to the naive model, with a small sparse
// limit so that both encodings and the promotion are exercised, and compares them.
func FuzzSet(f *testing.F) {
	f.Add([]byte{0, 0, 5, 0xff, 0xff, 32, 1, 2, 3}, uint16(3000))
	f.Add([]byte{0x3f, 0xff, 33}, uint16(20))
	f.Fuzz(func(t *testing.T, ops []byte, sparseMax uint16) {
		s := New()
		var m model
		for len(ops) >= 3 {
			idx := int(binary.BigEndian.Uint16(ops)) % Registers
			count := ops[2]%52 + 1
			ops = ops[3:]
			var r int
			s, r = Set(s, idx, count, int64(sparseMax))
			want := 0
			if count > m[idx] {
				m[idx] = count
				want = 1
			}
			if r != want {
				t.Fatalf("Set(%d, %d) = %d, want %d", idx, count, r, want)
			}
		}
		checkAgainst(t, s, &m)
	})
}

// FuzzCorrupt puts arbitrary bytes behind a valid sparse header: nothing may panic, and the
// operations must agree on whether the value is corrupt.
func FuzzCorrupt(f *testing.F) {
	f.Add([]byte{0x7f, 0xff})
	f.Add([]byte{0x7f})
	f.Add([]byte{0x80, 0x7f, 0xfe})
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f, 0xff, 0x7f, 0xff})
	f.Add(bytes.Repeat([]byte{0x7f, 0xff}, 40))
	f.Fuzz(func(t *testing.T, body []byte) {
		s := append([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), body...)
		if !Valid(s) {
			t.Fatal("header rejected")
		}
		_, okCount := Count(s)
		var m [Registers]uint8
		okMerge := Merge(&m, s)
		_, okDense := ToDense(append([]byte{}, s...))
		if okCount != okMerge || okMerge != okDense {
			t.Fatalf("disagree on validity: count %v merge %v dense %v", okCount, okMerge, okDense)
		}
		_ = Decode(s)
		cur := append([]byte{}, s...)
		for i, b := range body {
			idx := (int(b)*131 + i*977) % Registers
			cur, _ = Set(cur, idx, b%40+1, int64(len(body)%64)+20)
			if len(cur) < HeaderSize {
				t.Fatal("value lost its header")
			}
		}
		dense := make([]byte, DenseSize)
		copy(dense, s[:HeaderSize])
		dense[4] = Dense
		copy(dense[HeaderSize:], body)
		if _, ok := Count(dense); !ok {
			t.Fatal("dense value reported corrupt")
		}
		Merge(&m, dense)
		Set(dense, len(body)%Registers, 63, 3000)
	})
}

func TestSelfTest(t *testing.T) {
	if testing.Short() {
		t.Skip("adds ten million elements")
	}
	if msg := SelfTest(DefaultSparseMaxBytes); msg != "" {
		t.Fatal(msg)
	}
}
