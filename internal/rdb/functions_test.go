package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
)

var functionCodes = []string{
	"#!lua name=lib1\nredis.register_function('f1', function(keys, args) return redis.call('get', keys[1]) end)",
	"#!lua name=lib2\nredis.register_function{function_name='f2', callback=function() return 2 end, flags={'no-writes'}, description='" + strings.Repeat("long description ", 20) + "'}",
}

// redisLibraryCodes returns the code of every library a live Redis has loaded, sorted.
func redisLibraryCodes(t *testing.T, c *respConn) []string {
	t.Helper()
	var codes []string
	for _, lib := range c.do(t, "FUNCTION", "LIST", "WITHCODE").([]any) {
		fields := lib.([]any)
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "library_code" {
				codes = append(codes, fields[i+1].(string))
			}
		}
	}
	slices.Sort(codes)
	return codes
}

// TestFunctionPayloadInterop moves libraries both ways between Redis and the codec: Redis's
// FUNCTION DUMP decodes to the code Redis lists, and Redis's FUNCTION RESTORE accepts what
// EncodeFunctions writes.
func TestFunctionPayloadInterop(t *testing.T) {
	needRedis(t)
	p := startRedis(t, t.TempDir(), "dump.rdb")
	for _, code := range functionCodes {
		p.conn.do(t, "FUNCTION", "LOAD", code)
	}
	got, err := DecodeFunctions([]byte(p.conn.do(t, "FUNCTION", "DUMP").(string)))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := redisLibraryCodes(t, p.conn); !slices.Equal(got, want) {
		t.Fatalf("decoded %q, Redis lists %q", got, want)
	}

	ours := append(slices.Clone(functionCodes), "#!lua name=lib3\nredis.register_function('f3', function() return 3 end)")
	p.conn.do(t, "FUNCTION", "RESTORE", string(EncodeFunctions(ours)), "FLUSH")
	slices.Sort(ours)
	if listed := redisLibraryCodes(t, p.conn); !slices.Equal(listed, ours) {
		t.Fatalf("Redis restored %q from our payload, want %q", listed, ours)
	}
	if v := p.conn.do(t, "FCALL", "f3", "0"); v != int64(3) {
		t.Fatalf("FCALL f3 after restore: %v", v)
	}
}

// TestFunctionRecordsInRDB checks WriteFunction against redis-check-rdb and redis-server, and
// that the reader reports the libraries of a file Redis saved.
func TestFunctionRecordsInRDB(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range functionCodes {
		if err := w.WriteFunction(code); err != nil {
			t.Fatal(err)
		}
	}
	w.SelectDB(0, 1, 0)
	w.WriteKey("k", &keyspace.Object{Type: keyspace.TypeString, Str: []byte("v")}, -1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ours.rdb")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("redis-check-rdb", path).CombinedOutput(); err != nil {
		t.Fatalf("redis-check-rdb: %v\n%s", err, out)
	}
	p := startRedis(t, dir, "ours.rdb")
	want := slices.Sorted(slices.Values(functionCodes))
	if listed := redisLibraryCodes(t, p.conn); !slices.Equal(listed, want) {
		t.Fatalf("Redis loaded %q, want %q", listed, want)
	}

	p.conn.do(t, "FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function('f3', function() return 3 end)")
	p.conn.do(t, "SAVE")
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	err = LoadOptions(bufio.NewReader(bytes.NewReader(saved)), Options{Function: func(code string) error {
		read = append(read, code)
		return nil
	}}, func(int, string, keyspace.Object, int64) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(read)
	if listed := redisLibraryCodes(t, p.conn); !slices.Equal(read, listed) {
		t.Fatalf("read %q from Redis's file, Redis lists %q", read, listed)
	}
}

// withFooter appends the RDB version and checksum to body, making it a payload.
func withFooter(body []byte, version int) []byte {
	out := append(slices.Clone(body), byte(version), byte(version>>8))
	return le.AppendUint64(out, crc64Update(0, out))
}

func TestDecodeFunctions(t *testing.T) {
	good := EncodeFunctions(functionCodes)
	badCRC := slices.Clone(good)
	badCRC[len(badCRC)-1] ^= 1
	tests := []struct {
		name    string
		payload []byte
		want    []string
		err     error
	}{
		{"round trip", good, functionCodes, nil},
		{"no libraries", withFooter(nil, Version), nil, nil},
		{"short", []byte("abc"), nil, ErrDumpPayload},
		{"newer version", withFooter([]byte{opFunction2, 1, 'x'}, Version+1), nil, ErrDumpPayload},
		{"checksum", badCRC, nil, ErrDumpPayload},
		{"not a function", withFooter([]byte{typeString, 1, 'k', 1, 'v'}, Version), nil, ErrNotFunction},
		{"truncated code", withFooter([]byte{opFunction2, 10, 'x'}, Version), nil, ErrLibraryPayload},
		{"code length past the footer", withFooter([]byte{opFunction2, 0x40, 0xff}, Version), nil, ErrLibraryPayload},
		{"bad LZF", withFooter([]byte{opFunction2, 0xc3, 2, 30, 0xff, 0xff}, Version), nil, ErrLibraryPayload},
		{"pre-release record", withFooter([]byte{opFunction, 1, 'n', 3, 'L', 'U', 'A', 1, 1, 'd', 4, 'c', 'o', 'd', 'e'}, Version), []string{"#!LUA name=n\ncode"}, nil},
		{"pre-release without description", withFooter([]byte{opFunction, 1, 'n', 3, 'l', 'u', 'a', 0, 1, 'c'}, Version), []string{"#!lua name=n\nc"}, nil},
		{"pre-release truncated", withFooter([]byte{opFunction, 1, 'n', 3, 'l', 'u'}, Version), nil, ErrLibraryPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeFunctions(tt.payload)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func FuzzDecodeFunctions(f *testing.F) {
	f.Add(EncodeFunctions(functionCodes))
	f.Add(EncodeFunctions(nil))
	f.Add(withFooter([]byte{opFunction, 1, 'n', 3, 'l', 'u', 'a', 0, 1, 'c'}, Version))
	f.Add(withFooter([]byte{opFunction2, 0xc3, 2, 30, 0xff, 0xff}, Version))
	f.Fuzz(func(t *testing.T, payload []byte) {
		codes, err := DecodeFunctions(payload)
		if err != nil {
			return
		}
		// What decodes must encode to a payload that decodes to the same libraries.
		again, err := DecodeFunctions(EncodeFunctions(codes))
		if err != nil || !slices.Equal(again, codes) {
			t.Fatalf("re-decode of %q: %q, %v", codes, again, err)
		}
	})
}
