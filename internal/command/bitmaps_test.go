package command

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
)

const (
	bitErrOffset = "-ERR bit offset is not an integer or out of range\r\n"
	bitErrType   = "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"
)

func TestBitSetbitGetbit(t *testing.T) {
	s := newSession(t)
	runStrSteps(t, s, []strStep{
		{"GETBIT k 0", ":0\r\n"},
		{"SETBIT k 7 1", ":0\r\n"},
		{"GET k", strBulk("\x01")},
		{"SETBIT k 7 1", ":1\r\n"},
		{"SETBIT k 7 0", ":1\r\n"},
		{"SETBIT k 0 1", ":0\r\n"},
		{"GETBIT k 0", ":1\r\n"},
		{"GETBIT k 1", ":0\r\n"},
		{"GETBIT k 100", ":0\r\n"},
		{"SETBIT k 17 1", ":0\r\n"},
		{"GET k", strBulk("\x80\x00\x40")},
		{"SETBIT k 4294967296 1", bitErrOffset},
		{"SETBIT k -1 1", bitErrOffset},
		{"SETBIT k x 1", bitErrOffset},
		{"SETBIT k #1 1", bitErrOffset},
		{"SETBIT k 0 2", "-ERR bit is not an integer or out of range\r\n"},
		{"SETBIT k 0 -1", "-ERR bit is not an integer or out of range\r\n"},
		{"SETBIT k 0 x", "-ERR bit is not an integer or out of range\r\n"},
		{"GETBIT k 4294967296", bitErrOffset},
		{"GETBIT k 4294967295", ":0\r\n"},
		{"GETBIT k -1", bitErrOffset},
		{"SET n 1", strOK},
		{"GETBIT n 2", ":1\r\n"},
		{"GETBIT n 7", ":1\r\n"},
		{"!list l", ""},
		{"SETBIT l 0 1", strWT},
		{"SETBIT l x 1", bitErrOffset},
		{"GETBIT l 0", strWT},
	})
	db := s.host.dbs[0]
	s.do("SET", "r", "abc")
	s.do("SETBIT", "r", "0", "0")
	if !db.Lookup("r", s.now, false).Raw {
		t.Fatal("SETBIT must mark the value raw even when the bit is unchanged")
	}
	if d := strRun(s, "SETBIT", "r", "0", "0").Dirty; d != 0 {
		t.Fatalf("unchanged SETBIT dirty %d", d)
	}
	if d := strRun(s, "SETBIT", "r", "100", "0").Dirty; d != 1 {
		t.Fatalf("SETBIT growing the string dirty %d", d)
	}
	if d := strRun(s, "SETBIT", "r", "0", "1").Dirty; d != 1 {
		t.Fatalf("SETBIT changing a bit dirty %d", d)
	}
	s.do("SET", "t", "x", "EX", "100")
	s.do("SETBIT", "t", "0", "1")
	if db.TTL("t") != s.now+100000 {
		t.Fatal("SETBIT dropped the TTL")
	}
}

func TestBitBitcount(t *testing.T) {
	s := newSession(t)
	runStrSteps(t, s, []strStep{
		{"BITCOUNT nokey", ":0\r\n"},
		{"BITCOUNT nokey 0", ":0\r\n"},
		{"BITCOUNT nokey a b c", ":0\r\n"},
		{"SET k foobar", strOK},
		{"BITCOUNT k", ":26\r\n"},
		{"BITCOUNT k 0 0", ":4\r\n"},
		{"BITCOUNT k 1 1", ":6\r\n"},
		{"BITCOUNT k 1 1 BYTE", ":6\r\n"},
		{"BITCOUNT k 5 30 BIT", ":17\r\n"},
		{"BITCOUNT k 0 -1 bit", ":26\r\n"},
		{"BITCOUNT k -1 -2", ":0\r\n"},
		{"BITCOUNT k -1 -2 foo", ":0\r\n"},
		{"BITCOUNT k -100 100", ":26\r\n"},
		{"BITCOUNT k 3 1", ":0\r\n"},
		{"BITCOUNT k 0", strSyn},
		{"BITCOUNT k 0 1 foo", strSyn},
		{"BITCOUNT k 0 1 BIT x", strSyn},
		{"BITCOUNT k a 1", strNInt},
		{"BITCOUNT k 1 a", strNInt},
		{"BITCOUNT k -9223372036854775808 9223372036854775807 BIT", ":26\r\n"},
		{"SET e ''", strOK},
		{"BITCOUNT e", ":0\r\n"},
		{"BITCOUNT e 0 -1 BIT", ":0\r\n"},
		{"!list l", ""},
		{"BITCOUNT l", strWT},
		{"BITCOUNT l 0", strWT},
	})
}

func TestBitBitpos(t *testing.T) {
	s := newSession(t)
	runStrSteps(t, s, []strStep{
		{"BITPOS nokey 1", ":-1\r\n"},
		{"BITPOS nokey 0", ":0\r\n"},
		{"BITPOS nokey 1 a", ":-1\r\n"},
		{"BITPOS nokey 2", "-ERR The bit argument must be 1 or 0.\r\n"},
		{"BITPOS nokey x", strNInt},
		{"SET k \"\\xff\\xf0\\x00\"", strOK},
		{"BITPOS k 0", ":12\r\n"},
		{"BITPOS k 1 2", ":-1\r\n"},
		{"BITPOS k 0 0 0", ":-1\r\n"},
		{"BITPOS k 0 0", ":12\r\n"},
		{"BITPOS k 1 7 15 BIT", ":7\r\n"},
		{"BITPOS k 0 7 15 BIT", ":12\r\n"},
		{"BITPOS k 0 0 11 BIT", ":-1\r\n"},
		{"BITPOS k 1 12 -1 BIT", ":-1\r\n"},
		{"BITPOS k 0 -8 -1 BIT", ":16\r\n"},
		{"BITPOS k 1 5 3", ":-1\r\n"},
		{"SET f \"\\xff\\xff\"", strOK},
		{"BITPOS f 0", ":16\r\n"},
		{"BITPOS f 0 0", ":16\r\n"},
		{"BITPOS f 0 0 -1", ":-1\r\n"},
		{"BITPOS f 0 0 1 BIT", ":-1\r\n"},
		{"BITPOS k 1 a", strNInt},
		{"BITPOS k 1 0 a", strNInt},
		{"BITPOS k 1 0 a foo", strSyn},
		{"BITPOS k 1 a 0 foo", strNInt},
		{"BITPOS k 1 0 1 foo", strSyn},
		{"BITPOS k 1 0 1 BIT x", strSyn},
		{"SET e ''", strOK},
		{"BITPOS e 0", ":-1\r\n"},
		{"BITPOS e 1", ":-1\r\n"},
		{"!list l", ""},
		{"BITPOS l 1", strWT},
		{"BITPOS l 2", "-ERR The bit argument must be 1 or 0.\r\n"},
	})
}

func TestBitBitop(t *testing.T) {
	s := newSession(t)
	runStrSteps(t, s, []strStep{
		{"SET a \"\\xf0\\x0f\\xaa\"", strOK},
		{"SET b \"\\xff\\x00\"", strOK},
		{"BITOP AND d a b", ":3\r\n"},
		{"GET d", strBulk("\xf0\x00\x00")},
		{"BITOP or d a b", ":3\r\n"},
		{"GET d", strBulk("\xff\x0f\xaa")},
		{"BITOP XOR d a b", ":3\r\n"},
		{"GET d", strBulk("\x0f\x0f\xaa")},
		{"BITOP NOT d b", ":2\r\n"},
		{"GET d", strBulk("\x00\xff")},
		{"BITOP AND d a nokey", ":3\r\n"},
		{"GET d", strBulk("\x00\x00\x00")},
		{"BITOP AND d nokey nokey2", ":0\r\n"},
		{"GET d", strNil},
		{"BITOP NOT d a b", "-ERR BITOP NOT must be called with a single source key.\r\n"},
		{"BITOP NAND d a b", strSyn},
		{"BITOP XOR a a a", ":3\r\n"},
		{"GET a", strBulk("\x00\x00\x00")},
		{"!list l", ""},
		{"BITOP AND d a l", strWT},
		{"BITOP AND l a", ":3\r\n"},
		{"GET l", strBulk("\x00\x00\x00")},
	})
	if !s.host.dbs[0].Lookup("l", s.now, false).Raw {
		t.Fatal("BITOP result must be raw")
	}
	s.do("SET", "t", "x", "EX", "100")
	s.do("BITOP", "NOT", "t", "a")
	if got := s.host.dbs[0].TTL("t"); got != -1 {
		t.Fatalf("BITOP kept the destination's TTL: %d", got)
	}
}

func TestBitBitfield(t *testing.T) {
	s := newSession(t)
	runStrSteps(t, s, []strStep{
		{"BITFIELD k", "*0\r\n"},
		{"BITFIELD k GET u8 0", "*1\r\n:0\r\n"},
		{"GET k", strNil},
		{"BITFIELD k SET i8 0 -1 GET u8 0", "*2\r\n:0\r\n:255\r\n"},
		{"BITFIELD k INCRBY u2 100 1 OVERFLOW SAT incrby i4 104 -100", "*2\r\n:1\r\n:-8\r\n"},
		{"BITFIELD k overflow fail INCRBY u2 100 5", "*1\r\n$-1\r\n"},
		{"BITFIELD k OVERFLOW WRAP INCRBY u2 100 5", "*1\r\n:2\r\n"},
		{"BITFIELD k SET u8 #1 200 GET u8 8 GET u4 #2", "*3\r\n:0\r\n:200\r\n:12\r\n"},
		{"BITFIELD k GET i64 0", "*1\r\n:-15762598695796736\r\n"},
		{"BITFIELD k SET i64 0 9223372036854775807 INCRBY i64 0 1", "*2\r\n:-15762598695796736\r\n:-9223372036854775808\r\n"},
		{"BITFIELD k OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1 INCRBY i64 0 -9223372036854775808", "*3\r\n:-9223372036854775808\r\n:9223372036854775807\r\n:-1\r\n"},
		{"BITFIELD k OVERFLOW SAT SET u63 0 -1 GET u63 0", "*2\r\n:9223372036854775807\r\n:9223372036854775807\r\n"},
		{"BITFIELD k OVERFLOW FAIL SET u8 0 256 SET i8 0 -129 SET i8 0 127", "*3\r\n$-1\r\n$-1\r\n:-1\r\n"},
		{"BITFIELD k GET u64 0", bitErrType},
		{"BITFIELD k GET i65 0", bitErrType},
		{"BITFIELD k GET i0 0", bitErrType},
		{"BITFIELD k GET I8 0", bitErrType},
		{"BITFIELD k GET x8 0", bitErrType},
		{"BITFIELD k GET '' 0", bitErrType},
		{"BITFIELD k GET \"u8\\x00junk\" 0", "*1\r\n:127\r\n"},
		{"BITFIELD k GET u8 -1", bitErrOffset},
		{"BITFIELD k GET u8 #-1", bitErrOffset},
		{"BITFIELD k GET u8 # ", bitErrOffset},
		{"BITFIELD k GET u8 4294967296", bitErrOffset},
		{"BITFIELD k GET u8 #536870912", bitErrOffset},
		{"BITFIELD k GET u8 #9223372036854775807", bitErrOffset},
		{"BITFIELD k GET u1 #2305843009213693952", bitErrOffset},
		{"BITFIELD k GET u8 4294967295", "*1\r\n:0\r\n"},
		{"BITFIELD k SET u8 0", strSyn},
		{"BITFIELD k GET u8", strSyn},
		{"BITFIELD k FOO", strSyn},
		{"BITFIELD k OVERFLOW", strSyn},
		{"BITFIELD k OVERFLOW foo", "-ERR Invalid OVERFLOW type specified\r\n"},
		{"BITFIELD k SET u8 0 x", strNInt},
		{"BITFIELD k INCRBY u8 0 1.5", strNInt},
		{"BITFIELD_RO k GET u8 0 GET i8 0", "*2\r\n:127\r\n:127\r\n"},
		{"BITFIELD_RO k GET u8 0 OVERFLOW WRAP", "*1\r\n:127\r\n"},
		{"BITFIELD_RO k SET u8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n"},
		{"BITFIELD_RO k SET u8 0 x", strNInt},
		{"BITFIELD_RO nokey GET u8 0", "*1\r\n:0\r\n"},
		{"!list l", ""},
		{"BITFIELD l GET u8 0", strWT},
		{"BITFIELD l SET u8 0 1", strWT},
		{"BITFIELD l GET u8 x", bitErrOffset},
		{"BITFIELD_RO l GET u8 0", strWT},
	})
	s.conn.proto = 3
	if got := s.do("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"); got != "*1\r\n_\r\n" {
		t.Fatalf("RESP3 BITFIELD FAIL: %q", got)
	}
	s.conn.proto = 2
	db := s.host.dbs[0]
	s.do("SET", "r", "12")
	s.do("BITFIELD", "r", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9")
	if !db.Lookup("r", s.now, false).Raw {
		t.Fatal("a BITFIELD write must mark the value raw even when it fails")
	}
	if d := strRun(s, "BITFIELD", "r", "SET", "u8", "0", "49", "SET", "u8", "0", "50").Dirty; d != 1 {
		t.Fatalf("BITFIELD dirty %d, want 1 (only the changing write counts)", d)
	}
	if d := strRun(s, "BITFIELD", "new", "SET", "u8", "0", "0", "SET", "u8", "0", "0").Dirty; d != 2 {
		t.Fatalf("BITFIELD on a new key dirty %d, want 2", d)
	}
}

// TestBitmapsAgainstRedis compares our replies with a real Redis on transcripts and on
// random bit operations over random strings.
func TestBitmapsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	transcripts := [][]string{
		{"SETBIT k 7 1", "SETBIT k 7 1", "SETBIT k 7 0", "GET k", "GETBIT k 7", "GETBIT k 1000", "SETBIT k 4294967296 1",
			"SETBIT k 4294967295 2", "SETBIT k -1 0", "SETBIT k x 0", "SETBIT k #1 1", "SETBIT k 0 x", "GETBIT k #1",
			"GETBIT k 4294967296", "GETBIT nokey 3", "SET n 12", "GETBIT n 2", "SETBIT n 7 0", "GET n", "!list l", "SETBIT l 0 1",
			"GETBIT l 0", "SETBIT l 0 5", "GETBIT l x"},
		{"BITCOUNT nokey", "BITCOUNT nokey 0", "BITCOUNT nokey a b", "BITCOUNT nokey 0 1 foo", "SET k foobar", "BITCOUNT k",
			"BITCOUNT k 0", "BITCOUNT k a b", "BITCOUNT k 0 b", "BITCOUNT k 1 1", "BITCOUNT k 1 1 byte", "BITCOUNT k 5 30 bit",
			"BITCOUNT k -1 -2 foo", "BITCOUNT k 0 -1 foo", "BITCOUNT k a 0 foo", "BITCOUNT k 0 1 2 3", "BITCOUNT k -100 -50",
			"BITCOUNT k -9223372036854775808 9223372036854775807 BIT", `BITCOUNT k 0 -1 "bit\x00"`, "!list l",
			"BITCOUNT l", "BITCOUNT l 0", "SET e ''", "BITCOUNT e", "BITCOUNT e 0 0 BIT"},
		{"BITPOS nokey 1", "BITPOS nokey 0", "BITPOS nokey 1 a", "BITPOS nokey 2", "BITPOS nokey x", "SET k \"\\xff\\xf0\\x00\"",
			"BITPOS k 0", "BITPOS k 1 2", "BITPOS k 0 0 0", "BITPOS k 1 7 15 BIT", "BITPOS k 0 7 15 BIT", "BITPOS k 0 0 11 bit",
			"BITPOS k 1 12 -1 BIT", "BITPOS k 0 -8 -1 BIT", "BITPOS k 1 a 0 foo", "BITPOS k 1 0 a foo", "BITPOS k 1 0 1 foo",
			"BITPOS k 1 0 1 BIT x", "BITPOS k 1 a", "SET f \"\\xff\\xff\"", "BITPOS f 0", "BITPOS f 0 0", "BITPOS f 0 0 -1",
			"BITPOS f 0 0 1 BIT", "BITPOS f 0 3 BIT", "SET e ''", "BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0 -1 BIT",
			"!list l", "BITPOS l 1", "BITPOS l 3"},
		{"SET a \"\\xf0\\x0f\\xaa\"", "SET b \"\\xff\\x00\"", "BITOP AND d a b", "GET d", "BITOP OR d a b", "GET d",
			"BITOP XOR d a b nokey", "GET d", "BITOP NOT d b", "GET d", "BITOP not d a b", "BITOP nand d a", "BITOP and d nokey",
			"GET d", "BITOP XOR a a a", "GET a", "!list l", "BITOP AND d a l", "BITOP AND l a", "GET l", `BITOP "and\x00x" d b b`},
		{"BITFIELD k", "BITFIELD k GET u8 0", "BITFIELD k SET i8 0 -1 GET u8 0", "BITFIELD k INCRBY u2 100 1 OVERFLOW SAT incrby i4 104 -100",
			"BITFIELD k overflow fail INCRBY u2 100 5", "BITFIELD k OVERFLOW WRAP INCRBY u2 100 5",
			"BITFIELD k SET u8 #1 200 GET u8 8 GET u4 #2", "BITFIELD k GET i64 0",
			"BITFIELD k SET i64 0 9223372036854775807 INCRBY i64 0 1",
			"BITFIELD k OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1 INCRBY i64 0 -9223372036854775808",
			"BITFIELD k OVERFLOW SAT SET u63 0 -1 GET u63 0", "BITFIELD k OVERFLOW FAIL SET u8 0 256 SET i8 0 -129 SET i8 0 127",
			"BITFIELD k GET u64 0", "BITFIELD k GET i65 0", "BITFIELD k GET i0 0", "BITFIELD k GET I8 0", "BITFIELD k GET '' 0",
			"BITFIELD k GET \"u8\\x00junk\" 0", "BITFIELD k GET u8 -1", "BITFIELD k GET u8 #-1", "BITFIELD k GET u8 #",
			"BITFIELD k GET u8 4294967296", "BITFIELD k GET u8 #536870912", "BITFIELD k GET u8 #9223372036854775807",
			"BITFIELD k GET u1 #2305843009213693952", "BITFIELD k GET i64 #2305843009213693951", "BITFIELD k GET u8 4294967295",
			"BITFIELD k SET u8 0", "BITFIELD k GET u8", "BITFIELD k FOO", "BITFIELD k OVERFLOW", "BITFIELD k OVERFLOW foo",
			"BITFIELD k SET u8 0 x", "BITFIELD k get u8 0 set u8 0 x", "BITFIELD_RO k GET u8 0 GET i8 0",
			"BITFIELD_RO k GET u8 0 OVERFLOW WRAP", "BITFIELD_RO k SET u8 0 1", "BITFIELD_RO k SET u8 0 x",
			"BITFIELD_RO nokey GET u8 0", "BITFIELD new OVERFLOW FAIL INCRBY u8 0 256", "GET new", "!list l",
			"BITFIELD l GET u8 0", "BITFIELD l SET u8 0 1", "BITFIELD l GET u8 x", "BITFIELD_RO l GET u8 0"},
	}
	for i, tr := range transcripts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o.in(t).flushall()
			compareTranscript(t, o, newSession(t), tr)
		})
	}
	t.Run("random", func(t *testing.T) {
		o.in(t).flushall()
		s := newSession(t)
		r := rand.New(rand.NewPCG(3, 4))
		var lines []string
		for i := 0; i < 5000; i++ {
			lines = append(lines, randomBitCommand(r))
		}
		compareTranscript(t, o, s, lines)
	})
}

func randomBytesArg(r *rand.Rand) string {
	var b strings.Builder
	b.WriteByte('"')
	for n := r.IntN(20); n > 0; n-- {
		switch r.IntN(4) {
		case 0:
			b.WriteString(`\x00`)
		case 1:
			b.WriteString(`\xff`)
		default:
			fmt.Fprintf(&b, `\x%02x`, r.IntN(256))
		}
	}
	b.WriteByte('"')
	return b.String()
}

func randomBitCommand(r *rand.Rand) string {
	keys := []string{"a", "b", "c"}
	k := keys[r.IntN(len(keys))]
	idx := func() int64 {
		if r.IntN(8) == 0 {
			return int64(r.IntN(400)) - 200
		}
		return int64(r.IntN(50)) - 25
	}
	unit := func() string { return []string{"", " BIT", " BYTE", " bit"}[r.IntN(4)] }
	field := func() string {
		if r.IntN(2) == 0 {
			return fmt.Sprintf("i%d", 1+r.IntN(64))
		}
		return fmt.Sprintf("u%d", 1+r.IntN(63))
	}
	offset := func() string {
		if r.IntN(4) == 0 {
			return fmt.Sprintf("#%d", r.IntN(12))
		}
		return fmt.Sprint(r.IntN(200))
	}
	value := func() int64 {
		switch r.IntN(4) {
		case 0:
			return r.Int64()
		case 1:
			return -r.Int64()
		default:
			return int64(r.IntN(600)) - 300
		}
	}
	switch r.IntN(11) {
	case 0:
		return fmt.Sprintf("SET %s %s", k, randomBytesArg(r))
	case 1:
		return fmt.Sprintf("SETBIT %s %d %d", k, r.IntN(200), r.IntN(2))
	case 2:
		return fmt.Sprintf("GETBIT %s %d", k, r.IntN(200))
	case 3:
		switch r.IntN(3) {
		case 0:
			return "BITCOUNT " + k
		default:
			return fmt.Sprintf("BITCOUNT %s %d %d%s", k, idx(), idx(), unit())
		}
	case 4, 5:
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("BITPOS %s %d", k, r.IntN(2))
		case 1:
			return fmt.Sprintf("BITPOS %s %d %d", k, r.IntN(2), idx())
		default:
			return fmt.Sprintf("BITPOS %s %d %d %d%s", k, r.IntN(2), idx(), idx(), unit())
		}
	case 6:
		op := []string{"AND", "OR", "XOR", "NOT"}[r.IntN(4)]
		if op == "NOT" {
			return fmt.Sprintf("BITOP NOT %s %s", k, keys[r.IntN(3)])
		}
		return fmt.Sprintf("BITOP %s %s %s %s", op, k, keys[r.IntN(3)], keys[r.IntN(3)])
	case 7, 8, 9:
		var b strings.Builder
		b.WriteString("BITFIELD " + k)
		for n := 1 + r.IntN(4); n > 0; n-- {
			switch r.IntN(4) {
			case 0:
				fmt.Fprintf(&b, " GET %s %s", field(), offset())
			case 1:
				fmt.Fprintf(&b, " SET %s %s %d", field(), offset(), value())
			case 2:
				fmt.Fprintf(&b, " INCRBY %s %s %d", field(), offset(), value())
			default:
				fmt.Fprintf(&b, " OVERFLOW %s", []string{"WRAP", "SAT", "FAIL"}[r.IntN(3)])
			}
		}
		return b.String()
	default:
		return fmt.Sprintf("GET %s", k)
	}
}

func TestBitRandomNeverPanics(t *testing.T) {
	s := newSession(t)
	s.host.dbs[0].Set("l", keyspace.Object{Type: keyspace.TypeList}, false)
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"GET", "SET", "INCRBY", "OVERFLOW", "WRAP", "SAT", "FAIL", "BIT", "BYTE", "i64", "u63", "i1", "#0",
		"-1", "0", "1", "9223372036854775807", "-9223372036854775808", "#9223372036854775807", "65535", "x", "", "l", "k"}
	cmds := []string{"SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "BITFIELD_RO", "SETRANGE", "GETRANGE",
		"LCS", "SET", "GETEX", "INCRBYFLOAT", "APPEND", "MSETNX"}
	for i := 0; i < 20000; i++ {
		args := []string{cmds[r.IntN(len(cmds))], []string{"k", "l", "m"}[r.IntN(3)]}
		for n := r.IntN(7); n > 0; n-- {
			args = append(args, words[r.IntN(len(words))])
		}
		s.do(args...)
	}
}
