package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckAOF(t *testing.T) {
	dir := t.TempDir()
	good := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.1.incr.aof"), []byte(good+"*1\r\n$4\r\nPI"), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "appendonly.aof.manifest")
	if err := os.WriteFile(manifest, []byte("file appendonly.aof.1.incr.aof seq 1 type i\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{nil, 2, "Usage: redoubt check-aof"},
		{[]string{"--fix"}, 2, "Usage"},
		{[]string{"--fax", manifest}, 2, "Usage"},
		{[]string{filepath.Join(dir, "missing")}, 1, "Cannot open file"},
		{[]string{manifest}, 1, "is not valid. Use the --fix option"},
		{[]string{"--fix", manifest}, 0, "Successfully truncated AOF appendonly.aof.1.incr.aof"},
		{[]string{manifest}, 0, "All AOF files and manifest are valid"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := checkAOF(tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.out) {
			t.Fatalf("check-aof %q: exit %d, output:\n%s%s\nwant exit %d and %q", tt.args, code, out.String(), errb.String(), tt.code, tt.out)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "appendonly.aof.1.incr.aof"))
	if string(b) != good {
		t.Fatalf("after --fix the file is %q", b)
	}
}
