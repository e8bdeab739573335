package aof

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    Manifest
	}{
		{"base and incr", Manifest{
			Base:  &FileInfo{"appendonly.aof.1.base.rdb", 1, TypeBase},
			Incrs: []FileInfo{{"appendonly.aof.1.incr.aof", 1, TypeIncr}},
		}},
		{"history and several incrs", Manifest{
			Base:    &FileInfo{"appendonly.aof.2.base.aof", 2, TypeBase},
			History: []FileInfo{{"appendonly.aof.1.base.rdb", 1, TypeHistory}, {"appendonly.aof.1.incr.aof", 1, TypeHistory}},
			Incrs:   []FileInfo{{"appendonly.aof.2.incr.aof", 2, TypeIncr}, {"appendonly.aof.3.incr.aof", 3, TypeIncr}},
		}},
		{"incr only", Manifest{Incrs: []FileInfo{{"x", 7, TypeIncr}}}},
		{"names needing quotes", Manifest{
			Base: &FileInfo{"my file \"1\".rdb", 1, TypeBase},
			Incrs: []FileInfo{
				{"tab\there", 1, TypeIncr},
				{"new\nline\r\a\b", 2, TypeIncr},
				{"caf\xc3\xa9 \x01\x7f", 3, TypeIncr},
				{"'single' and it's", 4, TypeIncr},
				{"#hash", 5, TypeIncr},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.m.Marshal()
			got, err := ParseManifest(text)
			if err != nil {
				t.Fatalf("ParseManifest(%q): %v", text, err)
			}
			if !reflect.DeepEqual(*got, tt.m) {
				t.Fatalf("round trip of %q:\n got %+v\nwant %+v", text, *got, tt.m)
			}
		})
	}
}

// Redis 7.0 wrote this manifest: base first, then incr, keys in its order.
func TestParseManifestAsRedisWritesIt(t *testing.T) {
	text := "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	m, err := ParseManifest([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if m.Base == nil || m.Base.Name != "appendonly.aof.2.base.rdb" || m.Base.Seq != 2 || len(m.Incrs) != 1 || m.Incrs[0].Name != "appendonly.aof.2.incr.aof" {
		t.Fatalf("parsed %+v", m)
	}
	if string(m.Marshal()) != text {
		t.Fatalf("Marshal = %q, want Redis's %q", m.Marshal(), text)
	}
}

func TestParseManifestAccepts(t *testing.T) {
	tests := []struct {
		name, text string
		want       Manifest
	}{
		{"keys in any order, any case", "TYPE b SEQ 3 FILE a.rdb\n",
			Manifest{Base: &FileInfo{"a.rdb", 3, TypeBase}}},
		{"unknown keys ignored", "file a seq 1 type i size 100 crc abc\n",
			Manifest{Incrs: []FileInfo{{"a", 1, TypeIncr}}}},
		{"comments and surrounding blanks", "# written by hand\n  file a seq 1 type i\t\r\n#x\n",
			Manifest{Incrs: []FileInfo{{"a", 1, TypeIncr}}}},
		{"single quotes", "file 'it\\'s here' seq 1 type i\n",
			Manifest{Incrs: []FileInfo{{"it's here", 1, TypeIncr}}}},
		{"hex escape", "file \"a\\x41b\" seq 1 type i\n",
			Manifest{Incrs: []FileInfo{{"aAb", 1, TypeIncr}}}},
		{"history in any order", "file h2 seq 9 type h\nfile h1 seq 1 type h\n",
			Manifest{History: []FileInfo{{"h2", 9, TypeHistory}, {"h1", 1, TypeHistory}}}},
		{"repeated key, last wins", "file a file b seq 1 type i\n",
			Manifest{Incrs: []FileInfo{{"b", 1, TypeIncr}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseManifest([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestParseManifestRejects(t *testing.T) {
	long := "file " + strings.Repeat("a", maxManifestLine) + " seq 1 type i\n"
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "empty AOF manifest"},
		{"blank line", "file a seq 1 type b\n\nfile b seq 1 type i\n", "Invalid AOF manifest file format"},
		{"no final newline", "file a seq 1 type b", "not newline-terminated"},
		{"line too long", long, "line too long"},
		{"too few fields", "file a seq 1\n", "Invalid AOF manifest file format"},
		{"odd fields", "file a seq 1 type b extra\n", "Invalid AOF manifest file format"},
		{"missing type", "file a seq 1 foo b\n", "Invalid AOF manifest file format"},
		{"seq zero", "file a seq 0 type b\n", "seq out of range"},
		{"seq negative", "file a seq -1 type b\n", "not a positive number"},
		{"seq not a number", "file a seq 12abc type b\n", "not a positive number"},
		{"seq absurd", "file a seq 9223372036854775807 type b\n", "seq out of range"},
		{"seq overflow", "file a seq 99999999999999999999 type b\n", "not a positive number"},
		{"unknown type", "file a seq 1 type x\n", "Unknown AOF file type"},
		{"long type", "file a seq 1 type base\n", "Unknown AOF file type"},
		{"duplicate base", "file a seq 1 type b\nfile b seq 2 type b\n", "duplicate base"},
		{"incr seq not increasing", "file a seq 2 type i\nfile b seq 1 type i\n", "non-monotonic"},
		{"incr seq repeated", "file a seq 2 type i\nfile b seq 2 type i\n", "non-monotonic"},
		{"name listed twice", "file a seq 1 type b\nfile a seq 1 type i\n", "listed twice"},
		{"parent path", "file ../../etc/passwd seq 1 type b\n", "can't be a path"},
		{"absolute path", "file /etc/passwd seq 1 type i\n", "can't be a path"},
		{"backslash path", "file a\\\\b seq 1 type i\n", "can't be a path"},
		{"quoted path", "file \"x/../../y\" seq 1 type i\n", "can't be a path"},
		{"dot dot", "file .. seq 1 type i\n", "not a file"},
		{"dot", "file . seq 1 type i\n", "not a file"},
		{"empty name", "file \"\" seq 1 type i\n", "empty file name"},
		{"NUL in name", "file \"a\\x00b\" seq 1 type i\n", "NUL byte"},
		{"raw NUL", "file a\x00b seq 1 type i\n", "NUL byte"},
		{"unterminated quote", "file \"abc seq 1 type i\n", "Invalid AOF manifest file format"},
		{"text after closing quote", "file \"abc\"x seq 1 type i\n", "Invalid AOF manifest file format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tt.text))
			if err == nil {
				t.Fatalf("accepted %q as %+v", tt.text, m)
			}
			var me *ManifestError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want a ManifestError containing %q", err, tt.want)
			}
		})
	}
}

func TestNewFileSkipsListedNames(t *testing.T) {
	m := &Manifest{
		Base:    &FileInfo{"appendonly.aof.1.base.rdb", 1, TypeBase},
		History: []FileInfo{{"appendonly.aof.2.incr.aof", 2, TypeHistory}, {"appendonly.aof.2.base.aof", 2, TypeHistory}},
		Incrs:   []FileInfo{{"appendonly.aof.1.incr.aof", 1, TypeIncr}},
	}
	if got := m.newFile("appendonly.aof", TypeIncr, false); got != (FileInfo{"appendonly.aof.3.incr.aof", 3, TypeIncr}) {
		t.Fatalf("next incr = %+v", got)
	}
	if got := m.newFile("appendonly.aof", TypeBase, false); got != (FileInfo{"appendonly.aof.3.base.aof", 3, TypeBase}) {
		t.Fatalf("next aof base = %+v", got)
	}
	if got := m.newFile("appendonly.aof", TypeBase, true); got != (FileInfo{"appendonly.aof.2.base.rdb", 2, TypeBase}) {
		t.Fatalf("next rdb base = %+v", got)
	}
}
