package resp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

var authed = Limits{MaxMultibulk: DefaultMaxMultibulk, MaxBulk: 512 << 20, MaxInline: DefaultMaxInline}
var unauthed = Limits{MaxMultibulk: UnauthMaxMultibulk, MaxBulk: UnauthMaxBulk, HardMaxBulk: 512 << 20, MaxInline: DefaultMaxInline}

func strs(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

var parseTests = []struct {
	name   string
	limits Limits
	in     string
	want   []string
	n      int
	err    string // "" ok, "incomplete", or the protocol error text
}{
	{"multibulk", authed, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", []string{"GET", "k"}, 20, ""},
	{"empty bulk", authed, "*1\r\n$0\r\n\r\n", []string{""}, 10, ""},
	{"binary bulk", authed, "*1\r\n$4\r\na\r\nb\r\n", []string{"a\r\nb"}, 14, ""},
	{"empty multibulk skipped", authed, "*0\r\n", nil, 4, ""},
	{"negative multibulk skipped", authed, "*-1\r\n", nil, 5, ""},
	{"partial header", authed, "*2\r", nil, 0, "incomplete"},
	{"partial bulk", authed, "*1\r\n$5\r\nab", nil, 8, "incomplete"},
	{"bad multibulk", authed, "*x\r\n", nil, 0, "Protocol error: invalid multibulk length"},
	{"huge multibulk", authed, "*2000000\r\n", nil, 0, "Protocol error: invalid multibulk length"},
	{"unauth multibulk", unauthed, "*11\r\n", nil, 0, "Protocol error: unauthenticated multibulk length"},
	{"bad bulk prefix", authed, "*1\r\n:3\r\n", nil, 4, "Protocol error: expected '$', got ':'"},
	{"negative bulk", authed, "*1\r\n$-1\r\n", nil, 4, "Protocol error: invalid bulk length"},
	{"bulk over limit", authed, "*1\r\n$536870913\r\n", nil, 4, "Protocol error: invalid bulk length"},
	{"unauth bulk", unauthed, "*1\r\n$16385\r\n", nil, 4, "Protocol error: unauthenticated bulk length"},
	{"unauth bulk over proto-max-bulk-len", unauthed, "*1\r\n$1073741824\r\n", nil, 4, "Protocol error: invalid bulk length"},
	{"inline", authed, "SET k \"a b\"\r\n", []string{"SET", "k", "a b"}, 13, ""},
	{"inline lf only", authed, "PING\n", []string{"PING"}, 5, ""},
	{"inline unbalanced", authed, "SET \"k\r\n", nil, 0, "Protocol error: unbalanced quotes in request"},
	{"inline partial", authed, "PIN", nil, 0, "incomplete"},
	{"empty line", authed, "\r\n", []string{}, 2, ""},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			p := Parser{Limits: tt.limits}
			args, n, err := p.Parse([]byte(tt.in))
			switch {
			case tt.err == "incomplete":
				if !errors.Is(err, ErrIncomplete) {
					t.Fatalf("err = %v, want incomplete", err)
				}
			case tt.err != "":
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
			case err != nil:
				t.Fatalf("unexpected err %v", err)
			default:
				if got := strs(args); len(got)+len(tt.want) > 0 && !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("args = %q, want %q", got, tt.want)
				}
			}
			if n != tt.n {
				t.Fatalf("consumed %d, want %d", n, tt.n)
			}
		})
	}
}

// TestParseByteByByte delivers a pipeline one byte at a time, the worst case for a parser
// that keeps state across reads, and checks every command comes out intact.
func TestParseByteByByte(t *testing.T) {
	stream := "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\nPING\r\n*1\r\n$4\r\nPING\r\n"
	want := [][]string{{"SET", "key", "0123456789"}, {"PING"}, {"PING"}}
	p := Parser{Limits: authed}
	var buf []byte
	var got [][]string
	for i := 0; i < len(stream); i++ {
		buf = append(buf, stream[i])
		for {
			args, n, err := p.Parse(buf)
			buf = buf[n:]
			if errors.Is(err, ErrIncomplete) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, strs(args))
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestArgsDetached checks that parsed arguments do not alias the read buffer, which the
// connection reuses for the next read.
func TestArgsDetached(t *testing.T) {
	buf := []byte("*1\r\n$3\r\nabc\r\n")
	p := Parser{Limits: authed}
	args, _, err := p.Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, bytes.Repeat([]byte("x"), len(buf)))
	if string(args[0]) != "abc" {
		t.Fatalf("argument changed with the buffer: %q", args[0])
	}
}

var splitTests = []struct {
	in   string
	want []string
	ok   bool
}{
	{"a b  c", []string{"a", "b", "c"}, true},
	{`"a\x41\n"`, []string{"aA\n"}, true},
	{`'it\'s'`, []string{"it's"}, true},
	{`""`, []string{""}, true},
	{`"a"b`, nil, false},
	{`'a`, nil, false},
	{`"\"q\\"`, []string{`"q\`}, true},
	{"", nil, true},
	{"   ", nil, true},
	// A NUL ends the line, as it ends sdssplitargs's C string. (Redis 7.0 never gets that far:
	// its strchr for the newline stops at the NUL, and the client waits for a reply forever.)
	{"get a\x00b c", []string{"get", "a"}, true},
}

// TestInlineQuoting: inline commands are split with sdssplitargs's quoting (package sdsargs).
func TestInlineQuoting(t *testing.T) {
	for _, tt := range splitTests {
		var p Parser
		p.Limits = authed
		got, _, err := p.Parse([]byte(tt.in + "\r\n"))
		if (err == nil) != tt.ok || (tt.ok && !reflect.DeepEqual(strs(got), append([]string(nil), tt.want...))) && !(len(got) == 0 && len(tt.want) == 0) {
			t.Errorf("Parse(%q) = %q, %v; want %q, ok %v", tt.in, strs(got), err, tt.want, tt.ok)
		}
	}
}

// FuzzParse feeds arbitrary bytes in arbitrary chunkings: the parser must never panic, never
// return more than it was given, and always agree with parsing the whole input at once.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.in), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		whole := parseAll(in, len(in)+1)
		step := int(chunk%16) + 1
		chunked := parseAll(in, step)
		if !reflect.DeepEqual(whole, chunked) {
			t.Fatalf("whole %q != chunked(%d) %q", whole, step, chunked)
		}
	})
}

func parseAll(in []byte, step int) []string {
	p := Parser{Limits: Limits{MaxMultibulk: 64, MaxBulk: 1024, MaxInline: 256}}
	var out []string
	var buf []byte
	for off := 0; off < len(in); off += step {
		buf = append(buf, in[off:min(off+step, len(in))]...)
		for len(buf) > 0 {
			args, n, err := p.Parse(buf)
			if n < 0 || n > len(buf) {
				panic("consumed more than given")
			}
			buf = buf[n:]
			if errors.Is(err, ErrIncomplete) {
				break
			}
			if err != nil {
				return append(out, "ERR:"+err.Error())
			}
			out = append(out, string(bytes.Join(args, []byte{0})))
		}
	}
	return out
}
