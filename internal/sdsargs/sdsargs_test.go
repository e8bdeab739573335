package sdsargs

import (
	"errors"
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"  a  b\tc ", []string{"a", "b", "c"}, false},
		{`"a b" 'c d'`, []string{"a b", "c d"}, false},
		{`"\x41\n\t\\\"" 'it\'s'`, []string{"A\n\t\\\"", "it's"}, false},
		{`"\xZZ"`, []string{"xZZ"}, false},
		{"a\vb", []string{"a\vb"}, false}, // \v separates words only between them, as in Redis
		{"a\x00b", []string{"a"}, false},  // a NUL ends the C string
		{`"unterminated`, nil, true},
		{`'unterminated`, nil, true},
		{`"closed"x`, nil, true},
		{`'closed'x`, nil, true},
	} {
		got, err := Split(tc.in)
		if tc.err != (err != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, %v; want %q, err %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrUnbalanced) {
			t.Errorf("Split(%q): error %v is not ErrUnbalanced", tc.in, err)
		}
	}
}

func TestNeedsRepr(t *testing.T) {
	for s, want := range map[string]bool{"plain.aof": false, "": true, "a b": true, "it's": true, `q"`: true, "\x01": true, "é": true} {
		if got := NeedsRepr(s); got != want {
			t.Errorf("NeedsRepr(%q) = %v", s, got)
		}
	}
}

// FuzzReprRoundTrip: whatever the bytes (up to the first NUL, which ends a C string), Repr
// writes one word that Split reads back unchanged.
func FuzzReprRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a b", `"'\`, "\xff\x00x", "\n\r\t\a\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Split(Repr(s))
		if err != nil || len(got) != 1 || got[0] != s {
			t.Fatalf("Split(Repr(%q)) = %q, %v", s, got, err)
		}
	})
}
