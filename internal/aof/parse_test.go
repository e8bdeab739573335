package aof

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func scanAll(data string) ([]string, replayResult, error) {
	var got []string
	sc := newScanner(strings.NewReader(data), "f.aof", 0, int64(len(data)))
	res, err := sc.replay(func(args [][]byte) error {
		got = append(got, string(bytes.Join(args, []byte(" "))))
		return nil
	})
	return got, res, err
}

func TestScanValid(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
	}{
		{"empty", "", nil},
		{"commands", resp("SET", "k", "v") + resp("SELECT", "3") + resp("DEL", "k"), []string{"SET k v", "SELECT 3", "DEL k"}},
		{"binary and empty arguments", resp("SET", "a\r\nb\x00", ""), []string{"SET a\r\nb\x00 "}},
		{"timestamp annotations", "#TS:1700000000\r\n" + resp("INCR", "x") + "#TS:1700000001\r\n", []string{"INCR x"}},
		{"any annotation", "#anything at all\n" + resp("PING"), []string{"PING"}},
		{"transaction delivered without MULTI/EXEC", resp("MULTI") + resp("INCR", "a") + resp("INCR", "b") + resp("EXEC") + resp("GET", "a"),
			[]string{"INCR a", "INCR b", "GET a"}},
		{"lower-case multi", resp("multi") + resp("SET", "a", "1") + resp("exec"), []string{"SET a 1"}},
		{"empty transaction", resp("MULTI") + resp("EXEC"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res, err := scanAll(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("commands %q, want %q", got, tt.want)
			}
			if res.ValidUpTo != int64(len(tt.data)) {
				t.Fatalf("valid up to %d of %d", res.ValidUpTo, len(tt.data))
			}
		})
	}
}

func TestScanDamaged(t *testing.T) {
	set := resp("SET", "k", "v") // 27 bytes
	n := int64(len(set))
	tests := []struct {
		name      string
		data      string
		torn      bool
		offset    int64 // where the damage is reported
		validUpTo int64
		cmds      int // commands delivered before it
		msg       string
	}{
		{"ends inside a header", set + "*3\r", true, n, n, 1, "inside a '*' header"},
		{"ends after the count", set + "*3\r\n", true, n + 4, n, 1, "inside a '$' header"},
		{"ends inside a payload", set + "*1\r\n$10\r\nabc", true, n + 9, n, 1, "bulk of 10 bytes"},
		{"ends before the final CRLF", set + "*1\r\n$3\r\nabc\r", true, n + 8, n, 1, "bulk of 3 bytes"},
		{"ends inside an annotation", set + "#TS:17", true, n, n, 1, "inside an annotation"},
		{"MULTI without EXEC", set + resp("MULTI") + resp("INCR", "a"), true, n, n, 1, "MULTI without EXEC"},
		{"huge bulk length", set + "*1\r\n$999999999999999999\r\n", true, n + 25, n, 1, "bulk of 999999999999999999"},
		{"huge argument count", set + "*999999999999999999\r\n", true, n + 21, n, 1, "inside a '$' header"},
		{"garbage first", "hello" + set, false, 0, 0, 0, "found byte 0x68"},
		{"garbage between commands", set + "\x00\x00" + set, false, n, n, 1, "found byte 0x00"},
		{"blank line", set + "\r\n" + set, false, n, n, 1, "found byte 0x0d"},
		{"negative count", set + "*-1\r\n" + set, false, n, n, 1, "malformed '*' header"},
		{"zero count", set + "*0\r\n" + set, false, n, n, 1, "invalid argument count 0"},
		{"negative length", set + "*1\r\n$-1\r\n" + set, false, n + 4, n, 1, "malformed '$' header"},
		{"count without CR", set + "*1\n$1\r\na\r\n", false, n, n, 1, "malformed '*' header"},
		{"payload without CRLF", set + "*1\r\n$1\r\naXY" + set, false, n + 9, n, 1, "expected \\r\\n"},
		{"letters in a count", set + "*1x\r\n", false, n, n, 1, "malformed '*' header"},
		{"letters in a count at the end", set + "*1x", false, n, n, 1, "malformed '*' header"},
		{"overlong header", set + "*" + strings.Repeat("1", 40) + "\r\n", false, n, n, 1, "longer than"},
		{"overlong annotation", set + "#" + strings.Repeat("x", 2000) + "\r\n", false, n, n, 1, "longer than 1024"},
		{"missing $", set + "*1\r\n:1\r\n", false, n + 4, n, 1, "malformed '$' header"},
		{"EXEC without MULTI", set + resp("EXEC"), false, n, n, 1, "EXEC without MULTI"},
		{"nested MULTI", resp("MULTI") + resp("MULTI"), false, 15, 0, 0, "MULTI inside MULTI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res, err := scanAll(tt.data)
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a CorruptError", err)
			}
			if ce.Truncated != tt.torn || ce.Offset != tt.offset || ce.ValidUpTo != tt.validUpTo || !strings.Contains(ce.Msg, tt.msg) {
				t.Fatalf("got torn=%v offset=%d validUpTo=%d %q, want torn=%v offset=%d validUpTo=%d %q",
					ce.Truncated, ce.Offset, ce.ValidUpTo, ce.Msg, tt.torn, tt.offset, tt.validUpTo, tt.msg)
			}
			if res.ValidUpTo != tt.validUpTo || len(got) != tt.cmds {
				t.Fatalf("result %+v with %d commands, want valid up to %d with %d", res, len(got), tt.validUpTo, tt.cmds)
			}
			if !strings.Contains(err.Error(), "f.aof") || !strings.Contains(err.Error(), "check-aof --fix") {
				t.Fatalf("error %q lacks the file name or the hint", err)
			}
		})
	}
}

func TestRDBEnd(t *testing.T) {
	rdbFile := testRDB(t, map[string]string{"a": "1", "b": strings.Repeat("\xff", 40)})
	tail := resp("SET", "c", "3")
	tests := []struct {
		name string
		data []byte
		want int64
	}{
		{"alone", rdbFile, int64(len(rdbFile))},
		{"with a tail", append(slices.Clone(rdbFile), tail...), int64(len(rdbFile))},
		{"checksum disabled", zeroCRC(rdbFile), int64(len(rdbFile))},
		{"truncated", rdbFile[:len(rdbFile)-3], -1},
		{"bad checksum", flipLast(rdbFile), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verify := func(end int64) bool { return end == int64(len(rdbFile)) }
			end, err := rdbEnd(bytes.NewReader(tt.data), verify)
			if tt.want < 0 {
				if !errors.Is(err, errNoRDBEnd) {
					t.Fatalf("end %d, err %v; want errNoRDBEnd", end, err)
				}
				return
			}
			if err != nil || end != tt.want {
				t.Fatalf("end %d, err %v; want %d", end, err, tt.want)
			}
		})
	}
}

func zeroCRC(b []byte) []byte {
	c := slices.Clone(b)
	clear(c[len(c)-8:])
	return c
}

func flipLast(b []byte) []byte {
	c := slices.Clone(b)
	c[len(c)-1] ^= 1
	return c
}
