package rdb

import (
	"strconv"
	"testing"
)

func TestCanonicalInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"7", 7, true}, {"-7", -7, true}, {"123456", 123456, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"01", 0, false}, {"+1", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"xxx", 0, false}, {"--1", 0, false},
		{"000000000000000000001", 0, false},
	} {
		got, ok := canonicalInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("canonicalInt(%q) = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzCanonicalInt: the hand-written parser agrees with strconv's round trip.
func FuzzCanonicalInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "9223372036854775807", "-9223372036854775808", "01", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := strconv.ParseInt(s, 10, 64)
		wantOK := err == nil && strconv.FormatInt(v, 10) == s
		got, ok := canonicalInt([]byte(s))
		if ok != wantOK || ok && got != v {
			t.Fatalf("canonicalInt(%q) = %d %v, strconv says %d %v", s, got, ok, v, wantOK)
		}
	})
}

func TestCanonicalIntDoesNotAllocate(t *testing.T) {
	b := []byte("not a number")
	if n := testing.AllocsPerRun(100, func() { canonicalInt(b) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}
