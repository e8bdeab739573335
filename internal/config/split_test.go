package config

import (
	"errors"
	"reflect"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: "   \t ", want: nil},
		{in: "port 6379", want: []string{"port", "6379"}},
		{in: "  bind  127.0.0.1\t-::1  ", want: []string{"bind", "127.0.0.1", "-::1"}},
		{in: `save ""`, want: []string{"save", ""}},
		{in: `a "b c" d`, want: []string{"a", "b c", "d"}},
		{in: `"\n\r\t\b\a\\\"\q"`, want: []string{"\n\r\t\b\a\\\"q"}},
		{in: `"\x41\x7a\x00\xfF"`, want: []string{"Az\x00\xff"}},
		{in: `"\x4g"`, want: []string{"x4g"}},                  // not two hex digits: \x is plain x
		{in: `'it\'s' 'a\nb'`, want: []string{"it's", `a\nb`}}, // single quotes: only \'
		{in: `foo"bar baz"`, want: []string{"foobar baz"}},     // a quote may start mid-word
		{in: "a\vb c", want: []string{"a\vb", "c"}},            // \v ends no word
		{in: "\va", want: []string{"a"}},                       // but is skipped between words
		{in: `"a"` + "\f", want: []string{"a"}},                // any isspace may follow a quote
		{in: "a\x00 b", want: []string{"a"}},                   // NUL ends the C string
		{in: `"abc`, err: true},
		{in: `'abc`, err: true},
		{in: `"abc"x`, err: true},
		{in: `'abc'x`, err: true},
		{in: `"abc\"`, err: true},
		{in: `"\`, err: true},
	}
	for _, tt := range tests {
		got, err := SplitArgs(tt.in)
		if tt.err {
			if !errors.Is(err, ErrUnbalancedQuotes) {
				t.Errorf("SplitArgs(%q) = %q, %v; want unbalanced quotes", tt.in, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestReprRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uo\te`, "\x00\x01\xff\n\r\t\a\b", "{title} {listen-addr}"} {
		got, err := SplitArgs(repr(s))
		if err != nil || len(got) != 1 || got[0] != s {
			t.Errorf("SplitArgs(repr(%q)) = %q, %v", s, got, err)
		}
	}
	if got := repr("a\"b\\\x01"); got != `"a\"b\\\x01"` {
		t.Errorf("repr = %s", got)
	}
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"port 6379", `"a\x41" 'b\'' c`, `"unterminated`, `'x'y`, "\x00\v\f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args, err := SplitArgs(line)
		if err != nil {
			return
		}
		// Quoting every argument and splitting again must give the same arguments.
		quoted := ""
		for _, a := range args {
			quoted += repr(a) + " "
		}
		again, err := SplitArgs(quoted)
		if err != nil || !reflect.DeepEqual(again, args) && !(len(again) == 0 && len(args) == 0) {
			t.Fatalf("round trip of %q: %q -> %q (%v)", line, args, again, err)
		}
	})
}
