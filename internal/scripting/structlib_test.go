package scripting

import (
	"strings"
	"testing"
)

func TestStructUnit(t *testing.T) {
	cases := []struct{ script, want string }{
		{hexFn + "return hx(struct.pack('<i', 1))", "$8\r\n01000000\r\n"},
		{hexFn + "return hx(struct.pack('>i', 1))", "$8\r\n00000001\r\n"},
		{hexFn + "return hx(struct.pack('i3', 1))", "$6\r\n010000\r\n"},
		{hexFn + "return hx(struct.pack('>i16', -2))", "$32\r\n0000000000000000fffffffffffffffe\r\n"},
		{hexFn + "return hx(struct.pack('!4 b i', 1, 2))", "$16\r\n0100000002000000\r\n"},
		{hexFn + "return hx(struct.pack('s', 'ab'))", "$6\r\n616200\r\n"},
		{hexFn + "return hx(struct.pack('>d', 1))", "$16\r\n3ff0000000000000\r\n"},
		{hexFn + "return hx(struct.pack('<f', 1))", "$8\r\n0000803f\r\n"},
		{"return {struct.unpack('<h', '\\254\\255')}", "*2\r\n:-2\r\n:3\r\n"},
		{"return {struct.unpack('>H', '\\254\\255')}", "*2\r\n:65279\r\n:3\r\n"},
		{"return {struct.unpack('bc0', '\\2abc')}", "*2\r\n$2\r\nab\r\n:4\r\n"},
		{"return {struct.unpack('s', 'abc\\0d')}", "*2\r\n$3\r\nabc\r\n:5\r\n"},
		{"return {struct.unpack('b', 'xyz', 3)}", "*2\r\n:122\r\n:4\r\n"},
		{"return struct.size('!8 b d')", ":16\r\n"},
		{"return struct.size('z')", ":0\r\n"},
	}
	for _, c := range cases {
		if got := runLua(t, c.script); got != c.want {
			t.Errorf("%s: got %q want %q", c.script, got, c.want)
		}
	}
}

func TestStructErrors(t *testing.T) {
	cases := []struct{ script, prefix string }{
		{"return struct.pack('z', 1)", "-ERR user_script:1: bad argument #1 to 'pack' (invalid format option 'z')"},
		{"return struct.pack('b')", "-ERR user_script:1: bad argument #2 to 'pack' (number expected, got nil)"},
		{"return struct.pack('c5', 'abc')", "-ERR user_script:1: bad argument #3 to 'pack' (string too short)"},
		{"return struct.pack('c99999999999', 'x')", "-ERR user_script:1: integral size overflow"},
		{"return struct.pack('i33', 1)", "-ERR user_script:1: integral size 33 is larger than limit of 32"},
		{"return struct.pack('!3 b', 1)", "-ERR user_script:1: alignment 3 is not a power of 2"},
		{"return struct.unpack('b', 'x', 0)", "-ERR user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)"},
		{"return struct.unpack('i', 'abc')", "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short)"},
		{"return struct.unpack('bc0', '\\255abc')", "-ERR user_script:1: bad argument #2 to 'unpack' (data string too short)"},
		{"return struct.unpack('c0', 'x')", "-ERR user_script:1: format 'c0' needs a previous size"},
		{"return struct.unpack('s', 'abc')", "-ERR user_script:1: unfinished string in data"},
		{"return struct.size('s')", "-ERR user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)"},
		{"return struct.size('c0')", "-ERR user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)"},
	}
	for _, c := range cases {
		if got := runLua(t, c.script); !strings.HasPrefix(got, c.prefix) {
			t.Errorf("%s: got %q want prefix %q", c.script, got, c.prefix)
		}
	}
}
