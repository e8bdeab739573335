package scripting

import (
	"strings"
	"testing"
)

// TestOutputBounds checks that the builtins which can multiply their input refuse a result
// over maxStringLen instead of building it, and still work below it.
func TestOutputBounds(t *testing.T) {
	defer func(old int) { maxStringLen = old }(maxStringLen)
	maxStringLen = 1000
	e := New()
	tests := []struct{ script, want string }{
		{"return #string.rep('ab', 500)", ":1000\r\n"},
		{"return string.rep('ab', 501)", errTooLarge},
		{"return #table.concat({'a', 'b'}, string.rep('x', 998))", ":1000\r\n"},
		{"local t = {} for i = 1, 100 do t[i] = 1 end return table.concat(t, string.rep('x', 20))", errTooLarge},
		{"return #(string.gsub(string.rep('a', 10), 'a', string.rep('b', 100)))", ":1000\r\n"},
		{"return string.gsub(string.rep('a', 100), 'a', string.rep('b', 100))", errTooLarge},
		{"return string.gsub(string.rep('a', 100), 'a', function() return string.rep('b', 100) end)", errTooLarge},
		{"local s = string.rep('x', 400) return cjson.encode({s, s, s})", errTooLarge},
		{"local s = string.rep('x', 300) return #cjson.encode({s, s, s})", ":910\r\n"},
		{"local s = string.rep('x', 400) return cmsgpack.pack({s, s, s})", errTooLarge},
		{"local s = string.rep('x', 400) return cmsgpack.pack(s, s, s)", errTooLarge},
		{"return string.format('%99d', 1)", "$99\r\n"},
		{"return string.format('%100d', 1)", "invalid format (width or precision too long)"},
		{"return string.format('%.100f', 1)", "invalid format (width or precision too long)"},
		{"return string.format('%-+ #0-d', 1)", "invalid format (repeated flags)"},
		{"return #string.format('%%%5s%%', 'a')", ":7\r\n"},
	}
	for _, tt := range tests {
		if got := run(e, tt.script); !strings.Contains(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.script, got, tt.want)
		}
	}
}

// TestStackBound checks that the VM stack is bounded: unpacking a huge table fails instead of
// growing the registry without limit, and the engine stays usable.
func TestStackBound(t *testing.T) {
	e := New()
	got := run(e, "local t = {} for i = 1, 2000000 do t[i] = i end return select('#', unpack(t))")
	if !strings.HasPrefix(got, "-") {
		t.Fatalf("unpack of 2M values: %q", got)
	}
	if got := run(e, "return select('#', unpack({1, 2, 3}))"); got != ":3\r\n" {
		t.Fatalf("after: %q", got)
	}
}
