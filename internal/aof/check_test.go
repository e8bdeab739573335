package aof

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	rdbA := string(testRDB(t, map[string]string{"a": "1"}))
	good := resp("SET", "x", "1")
	manifest := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	layout := func(base, incr1, incr2 string) map[string]string {
		return map[string]string{
			"appendonlydir/appendonly.aof.manifest":   manifest,
			"appendonlydir/appendonly.aof.1.base.rdb": base,
			"appendonlydir/appendonly.aof.1.incr.aof": incr1,
			"appendonlydir/appendonly.aof.2.incr.aof": incr2,
		}
	}
	const m = "appendonlydir/appendonly.aof.manifest"
	tests := []struct {
		name  string
		files map[string]string
		path  string
		fix   bool
		valid bool
		fixed string // file expected truncated, to fixedLen bytes
		size  int
		lines []string // expected among the output
	}{
		{name: "valid layout", files: layout(rdbA, good, good+"#TS:1\r\n"), path: m, valid: true,
			lines: []string{"Start checking Multi Part AOF", "RDB preamble is OK", "BASE AOF appendonly.aof.1.base.rdb is valid",
				"INCR AOF appendonly.aof.2.incr.aof is valid", "All AOF files and manifest are valid"}},
		{name: "torn tail reported", files: layout(rdbA, good, good+"*2\r\n$3\r\nGE"), path: m,
			lines: []string{"ok_up_to=27", "diff=10", "appendonly.aof.2.incr.aof is not valid. Use the --fix option"}},
		{name: "torn tail fixed", files: layout(rdbA, good, good+"*2\r\n$3\r\nGE"), path: m, fix: true, valid: true,
			fixed: "appendonlydir/appendonly.aof.2.incr.aof", size: len(good),
			lines: []string{"from 37 bytes, with 10 bytes, to 27 bytes", "Successfully truncated AOF appendonly.aof.2.incr.aof", "All AOF files and manifest are valid"}},
		{name: "MULTI without EXEC fixed", files: layout(rdbA, good, good+resp("MULTI")+good), path: m, fix: true, valid: true,
			fixed: "appendonlydir/appendonly.aof.2.incr.aof", size: len(good), lines: []string{"MULTI without EXEC"}},
		{name: "zeroed tail fixed", files: layout(rdbA, good, good+"\x00\x00\x00\x00"), path: m, fix: true, valid: true,
			fixed: "appendonlydir/appendonly.aof.2.incr.aof", size: len(good), lines: []string{"found byte 0x00"}},
		{name: "corruption in the middle refused", files: layout(rdbA, good, good+"garbage"+good), path: m, fix: true,
			lines: []string{"[offset 27] expected '*' or '#'", "followed by more commands (at offset 34)"}},
		{name: "damaged file that is not the last refused", files: layout(rdbA, good+"*1\r\n", good), path: m, fix: true,
			lines: []string{"appendonly.aof.1.incr.aof is not valid and will not be fixed: it is not the last file"}},
		{name: "damaged RDB base refused", files: layout(rdbA[:len(rdbA)-2], good, good), path: m, fix: true,
			lines: []string{"no end of the RDB preamble", "will not be fixed: it is not the last file"}},
		{name: "base that is the only file refused", files: map[string]string{
			m: "file b.aof seq 1 type b\n", "appendonlydir/b.aof": good + "*1\r\n"}, path: m, fix: true,
			lines: []string{"b.aof is not valid and will not be fixed: it is the base file"}},
		{name: "manifest starting with a comment", files: map[string]string{
			m: "# hand edited\nfile i.aof seq 1 type i\n", "appendonlydir/i.aof": good}, path: m, valid: true,
			lines: []string{"Start checking Multi Part AOF", "INCR AOF i.aof is valid"}},
		{name: "tiny torn file", files: map[string]string{"a.aof": "*1\r"}, path: "a.aof", fix: true, valid: true,
			fixed: "a.aof", size: 0, lines: []string{"Start checking Old-Style AOF", "file ends inside a '*' header"}},
		{name: "single file with an RDB preamble", files: map[string]string{"appendonly.aof": rdbA + good}, path: "appendonly.aof", valid: true,
			lines: []string{"Start checking Old-Style AOF", "[info] AUX FIELD redis-ver = '7.0.15'", "[info] 1 keys read", "RDB preamble is OK", "AOF appendonly.aof is valid"}},
		{name: "single file torn tail fixed", files: map[string]string{"appendonly.aof": rdbA + good + "*1"}, path: "appendonly.aof", fix: true, valid: true,
			fixed: "appendonly.aof", size: len(rdbA + good)},
		{name: "single file with a bad RDB refused", files: map[string]string{"appendonly.aof": rdbA[:20] + good}, path: "appendonly.aof", fix: true,
			lines: []string{"its RDB preamble is damaged"}},
		{name: "huge length", files: map[string]string{"a.aof": good + "*1\r\n$99999999999999\r\nx"}, path: "a.aof",
			lines: []string{"[offset 48] bulk of 99999999999999 bytes but the file has 1 left"}},
		{name: "negative count", files: map[string]string{"a.aof": good + "*-5\r\n" + good}, path: "a.aof",
			lines: []string{"[offset 27] malformed '*' header"}},
		{name: "missing CRLF", files: map[string]string{"a.aof": "*1\r\n$4\r\nPINGxx" + good}, path: "a.aof",
			lines: []string{"[offset 12] expected \\r\\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := layoutFS(tt.files)
			r, err := Check(fsys, "/data/"+tt.path, tt.fix)
			var out bytes.Buffer
			r.Print(&out)
			if err != nil {
				t.Fatalf("Check: %v\n%s", err, out.String())
			}
			if r.Valid != tt.valid {
				t.Fatalf("valid=%v, want %v\n%s", r.Valid, tt.valid, out.String())
			}
			for _, l := range tt.lines {
				if !strings.Contains(out.String(), l) {
					t.Fatalf("output lacks %q:\n%s", l, out.String())
				}
			}
			for name, content := range tt.files {
				got := string(fsys.content("/data/" + name))
				if name == tt.fixed {
					if got != content[:tt.size] {
						t.Fatalf("%s: %q, want it truncated to %d bytes", name, got, tt.size)
					}
				} else if got != content {
					t.Fatalf("%s was modified", name)
				}
			}
		})
	}
}

func TestCheckRejects(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		path  string
		want  string
	}{
		{"manifest escaping the directory", map[string]string{"d/m.manifest": "file ../../etc/passwd seq 1 type i\n"}, "d/m.manifest", "can't be a path"},
		{"duplicate bases", map[string]string{"d/m.manifest": "file a seq 1 type b\nfile b seq 2 type b\n"}, "d/m.manifest", "duplicate base"},
		{"absurd seq", map[string]string{"d/m.manifest": "file a seq 9000000000000000000 type i\n"}, "d/m.manifest", "seq out of range"},
		{"missing file", map[string]string{"d/m.manifest": "file a seq 1 type i\n"}, "d/m.manifest", "Cannot open file a"},
		{"empty file", map[string]string{"a.aof": ""}, "a.aof", "Empty file"},
		{"no such file", nil, "nope.aof", "Cannot open file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(layoutFS(tt.files), "/data/"+tt.path, true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
