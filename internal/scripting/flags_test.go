package scripting

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"slices"
	"strings"
	"testing"
)

func TestParseShebang(t *testing.T) {
	tests := []struct {
		body    string
		flags   Flags
		shebang bool
		lineLen int
		err     string
	}{
		{body: "return 1"},
		{body: "#!lua\nreturn 1", shebang: true, lineLen: 5},
		{body: "#!lua flags=no-writes,allow-oom\nx", flags: NoWrites | AllowOOM, shebang: true, lineLen: 31},
		{body: "#!lua flags=allow-stale flags=no-cluster,allow-cross-slot-keys\n", flags: AllowStale | NoCluster | AllowCrossSlotKeys, shebang: true, lineLen: 62},
		{body: "#!lua flags=\n", shebang: true, lineLen: 12},
		{body: "#!lua 'flags=no-writes'\n", flags: NoWrites, shebang: true, lineLen: 23},
		{body: "#!lua", err: "ERR Invalid script shebang"},
		{body: "#!lua\x00\nreturn 1", err: "ERR Invalid script shebang"},
		{body: "#!lua \"x\n", err: "ERR Invalid engine in script shebang"},
		{body: "#!LUA\n", err: "ERR Unexpected engine in script shebang: #!LUA"},
		{body: "#! lua\n", err: "ERR Unexpected engine in script shebang: #!"},
		{body: "#!lua name=x\n", err: "ERR Unknown lua shebang option: name=x"},
		{body: "#!lua Flags=no-writes\n", err: "ERR Unknown lua shebang option: Flags=no-writes"},
		{body: "#!lua flags=No-writes\n", err: "ERR Unexpected flag in script shebang: No-writes"},
		{body: "#!lua flags=no-writes,\n", err: "ERR Unexpected flag in script shebang: "},
	}
	for _, tt := range tests {
		flags, shebang, lineLen, err := parseShebang(tt.body)
		if flags != tt.flags || shebang != tt.shebang || lineLen != tt.lineLen || err != tt.err {
			t.Errorf("%q: got %v %v %d %q, want %v %v %d %q", tt.body, flags, shebang, lineLen, err, tt.flags, tt.shebang, tt.lineLen, tt.err)
		}
	}
}

func TestParseLibraryMeta(t *testing.T) {
	tests := []struct {
		code         string
		engine, name string
		err          string
	}{
		{code: "#!lua name=lib\ncode", engine: "lua", name: "lib"},
		{code: "#!LUA NAME=lib\n", engine: "LUA", name: "lib"},
		{code: "#!js name=\"a b\"\n", engine: "js", name: "a b"},
		{code: "code", err: "ERR Missing library metadata"},
		{code: "#!lua name=lib", err: "ERR Invalid library metadata"},
		{code: "#!lua name=x foo=bar\n", err: "ERR Invalid metadata value given: foo=bar"},
		{code: "#!lua name=x name=y\n", err: "ERR Invalid metadata value, name argument was given multiple times"},
		{code: "#!lua\n", err: "ERR Library name was not given"},
		{code: "#!lua 'name=x\n", err: "ERR Invalid library metadata"},
	}
	for _, tt := range tests {
		m, err := parseLibraryMeta(tt.code)
		if err != tt.err || err == "" && (m.engine != tt.engine || m.name != tt.name || !strings.HasPrefix(m.body, "\n")) {
			t.Errorf("%q: got %+v %q, want %s/%s %q", tt.code, m, err, tt.engine, tt.name, tt.err)
		}
	}
}

func TestFlagNames(t *testing.T) {
	all := NoWrites | AllowOOM | AllowStale | NoCluster | AllowCrossSlotKeys
	want := []string{"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"}
	if got := all.Names(); !slices.Equal(got, want) {
		t.Fatalf("%v", got)
	}
	if got := Flags(0).Names(); got != nil {
		t.Fatalf("no flags: %v", got)
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{"AbC_9": "abc_9", "abc": "abc", "\u212a": "\u212a", "K\u212a": "k\u212a"} {
		if got := ascii.Lower(in); got != want {
			t.Errorf("ascii.Lower(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseShebang(f *testing.F) {
	for _, s := range []string{"#!lua flags=no-writes\nreturn 1", "#!lua \"flags=a\\x41\"\n", "#!lua", "#!\n", "return 1", "#!lua flags=,,\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		flags, shebang, lineLen, err := parseShebang(body)
		if err != "" {
			if !strings.HasPrefix(err, "ERR ") || shebang || flags != 0 {
				t.Fatalf("error %q with result %v %v", err, shebang, flags)
			}
			return
		}
		if !shebang && (lineLen != 0 || flags != 0 || strings.HasPrefix(body, "#!")) {
			t.Fatalf("legacy script %q: %v %d", body, flags, lineLen)
		}
		if shebang && (lineLen > len(body) || body[lineLen] != '\n') {
			t.Fatalf("%q: line length %d does not end at a line feed", body, lineLen)
		}
	})
}

func FuzzParseLibraryMeta(f *testing.F) {
	for _, s := range []string{"#!lua name=lib\ncode", "#!lua name=x name=y\n", "#!lua 'name=a b'\n", "#!", "code"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		m, err := parseLibraryMeta(code)
		if err != "" {
			return
		}
		if !strings.HasPrefix(code, "#!") || !strings.HasSuffix(code, m.body) || !strings.HasPrefix(m.body, "\n") {
			t.Fatalf("%q: accepted with body %q", code, m.body)
		}
	})
}
