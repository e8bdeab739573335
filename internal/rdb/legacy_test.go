package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
)

// zlEncode builds a ziplist (as Redis < 7 wrote), using every integer encoding.
func zlEncode(vals ...string) []byte {
	b := make([]byte, 10)
	prev, tail := 0, 10
	for _, v := range vals {
		start := len(b)
		tail = start
		if prev < 254 {
			b = append(b, byte(prev))
		} else {
			b = append(b, 254)
			b = binary.LittleEndian.AppendUint32(b, uint32(prev))
		}
		if n, ok := canonicalInt([]byte(v)); ok {
			switch {
			case n >= 0 && n <= 12:
				b = append(b, 0xf1+byte(n))
			case n >= math.MinInt8 && n <= math.MaxInt8:
				b = append(b, 0xfe, byte(n))
			case n >= math.MinInt16 && n <= math.MaxInt16:
				b = append(b, 0xc0)
				b = binary.LittleEndian.AppendUint16(b, uint16(n))
			case n >= -1<<23 && n < 1<<23:
				b = append(b, 0xf0, byte(n), byte(n>>8), byte(n>>16))
			case n >= math.MinInt32 && n <= math.MaxInt32:
				b = append(b, 0xd0)
				b = binary.LittleEndian.AppendUint32(b, uint32(n))
			default:
				b = append(b, 0xe0)
				b = binary.LittleEndian.AppendUint64(b, uint64(n))
			}
		} else {
			switch l := len(v); {
			case l < 64:
				b = append(b, byte(l))
			case l < 16384:
				b = append(b, 0x40|byte(l>>8), byte(l))
			default:
				b = append(b, 0x80)
				b = binary.BigEndian.AppendUint32(b, uint32(l))
			}
			b = append(b, v...)
		}
		prev = len(b) - start
	}
	b = append(b, 0xff)
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(tail))
	binary.LittleEndian.PutUint16(b[8:], uint16(len(vals)))
	return b
}

func intsetEncode(enc int, vals ...int64) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(enc))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		switch enc {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// TestLegacyEncodings loads hand-built values in the encodings Redis 7.0 reads but no
// longer writes (ziplists, the first quicklist, the string-double zset, the linked list),
// plus Redis 7.2's set listpack under a version 11 header, and the IDLE, FREQ,
// EXPIRETIME and MODULE_AUX opcodes.
func TestLegacyEncodings(t *testing.T) {
	long := strings.Repeat("p", 300)
	huge := strings.Repeat("H", 20000)
	zlVals := []string{"a", "0", "12", "13", "-1", "127", "-128", "300", "-70000", "8388607", "2147483647",
		"-2147483648", "9223372036854775807", "", long, huge, "007"}
	var buf bytes.Buffer
	w := &Writer{w: bufioWriter(&buf), compress: true}
	w.raw([]byte("REDIS0011"))
	w.aux("redis-ver", "7.2.0")
	// A module aux field with every module opcode.
	w.byte1(opModuleAux)
	w.length(12345)
	w.length(2) // when_opcode
	w.length(1) // when
	w.length(1)
	w.length(7)
	w.length(2)
	w.length(8)
	w.length(3)
	w.raw(make([]byte, 4))
	w.length(4)
	w.raw(make([]byte, 8))
	w.length(5)
	w.str([]byte("module data"))
	w.length(0)
	w.SelectDB(0, 10, 1)

	w.byte1(opExpireTime)
	w.raw(binary.LittleEndian.AppendUint32(nil, 2000000000))
	w.byte1(opIdle)
	w.length(100)
	w.byte1(opFreq)
	w.byte1(5)
	w.byte1(typeListZiplist)
	w.str([]byte("zl"))
	w.str(zlEncode(zlVals...))

	w.byte1(typeListQuicklist)
	w.str([]byte("ql"))
	w.length(2)
	w.str(zlEncode("x", "1"))
	w.str(zlEncode(long, "-5"))

	w.byte1(typeListQuicklist2)
	w.str([]byte("ql2"))
	w.length(2)
	w.length(containerPlain)
	w.str([]byte(huge))
	w.length(containerPacked)
	lp := newListpack()
	lp.append([]byte("y"))
	w.str(lp.finish())

	w.byte1(typeList)
	w.str([]byte("linked"))
	w.length(2)
	w.str([]byte("a"))
	w.str([]byte("b"))

	w.byte1(typeHashZiplist)
	w.str([]byte("hz"))
	w.str(zlEncode("f1", "v1", "f2", "2", "f3", long))

	w.byte1(typeZSetZiplist)
	w.str([]byte("zz"))
	w.str(zlEncode("a", "1", "b", "2.5", "c", "inf", "d", "-inf"))

	w.byte1(typeZSet)
	w.str([]byte("zold"))
	w.length(3)
	w.str([]byte("a"))
	w.byte1(3)
	w.raw([]byte("1.5"))
	w.str([]byte("b"))
	w.byte1(254)
	w.str([]byte("c"))
	w.byte1(255)

	w.byte1(typeSetIntset)
	w.str([]byte("i16"))
	w.str(intsetEncode(2, -5, 1, 300))
	w.byte1(typeSetIntset)
	w.str([]byte("i64"))
	w.str(intsetEncode(8, math.MinInt64, 0, math.MaxInt64))

	w.byte1(typeSetListpack)
	w.str([]byte("slp"))
	lp = newListpack()
	lp.append([]byte("m"))
	lp.append([]byte("42"))
	w.str(lp.finish())

	// An empty collection, which Redis skips.
	w.byte1(typeSet)
	w.str([]byte("emptyset"))
	w.length(0)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"zl":     "list:" + quoteAll(zlVals...),
		"ql":     "list:" + quoteAll("x", "1", long, "-5"),
		"ql2":    "list:" + quoteAll(huge, "y"),
		"linked": "list:" + quoteAll("a", "b"),
		"hz":     render(mkHash(hashLim, "f1", "v1", "f2", "2", "f3", long)),
		"zz":     render(mkZSet("a", 1.0, "b", 2.5, "c", math.Inf(1), "d", math.Inf(-1))),
		"zold":   render(mkZSet("a", 1.5, "b", math.Inf(1), "c", math.Inf(-1))),
		"i16":    render(mkSet("-5", "1", "300")),
		"i64":    render(mkSet("-9223372036854775808", "0", "9223372036854775807")),
		"slp":    render(mkSet("m", "42")),
	}
	got := map[string]string{}
	var zlExp int64
	if err := LoadBytes(buf.Bytes(), Options{}, func(db int, key string, o keyspace.Object, exp int64) error {
		got[key] = render(o)
		if key == "zl" {
			zlExp = exp
		} else if exp != -1 {
			t.Errorf("%s: expire %d", key, exp)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if zlExp != 2000000000000 {
		t.Errorf("EXPIRETIME gave %d", zlExp)
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %.200s\nwant %.200s", k, got[k], v)
		}
	}
}

func quoteAll(vs ...string) string {
	var sb strings.Builder
	for _, v := range vs {
		sb.WriteString(strconvQuote(v) + ",")
	}
	return sb.String()
}

// TestHostile checks that lying lengths fail with an error and without a large allocation.
func TestHostile(t *testing.T) {
	hdr := func() (*Writer, *bytes.Buffer) {
		var buf bytes.Buffer
		w := &Writer{w: bufioWriter(&buf)}
		w.raw([]byte("REDIS0010"))
		return w, &buf
	}
	cases := map[string]func(w *Writer){
		"set count 2^63": func(w *Writer) {
			w.byte1(typeSet)
			w.str([]byte("k"))
			w.raw([]byte{len64bit, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		},
		"string length 4G": func(w *Writer) {
			w.byte1(typeString)
			w.str([]byte("k"))
			w.raw([]byte{len32bit, 0xff, 0xff, 0xff, 0xff})
		},
		"lzf 4G output": func(w *Writer) {
			w.byte1(typeString)
			w.str([]byte("k"))
			w.byte1(encVal<<6 | encLZF)
			w.length(2)
			w.raw([]byte{len32bit, 0xff, 0xff, 0xff, 0xff})
			w.raw([]byte{0, 'a'})
		},
		"intset bad encoding": func(w *Writer) {
			w.byte1(typeSetIntset)
			w.str([]byte("k"))
			b := intsetEncode(4, 1, 2)
			b[0] = 3
			w.str(b)
		},
		"intset unsorted": func(w *Writer) {
			w.byte1(typeSetIntset)
			w.str([]byte("k"))
			w.str(intsetEncode(4, 2, 1))
		},
		"intset count lies": func(w *Writer) {
			w.byte1(typeSetIntset)
			w.str([]byte("k"))
			b := intsetEncode(4, 1, 2)
			b[4] = 200
			w.str(b)
		},
		"listpack total lies": func(w *Writer) {
			w.byte1(typeHashListpack)
			w.str([]byte("k"))
			lp := newListpack()
			lp.append([]byte("f"))
			lp.append([]byte("v"))
			b := lp.finish()
			b[0]++
			w.str(b)
		},
		"listpack string past end": func(w *Writer) {
			w.byte1(typeHashListpack)
			w.str([]byte("k"))
			b := []byte{0, 0, 0, 0, 1, 0, 0xf0, 0xff, 0xff, 0xff, 0x7f, 0xff}
			binary.LittleEndian.PutUint32(b, uint32(len(b)))
			w.str(b)
		},
		"listpack odd hash": func(w *Writer) {
			w.byte1(typeHashListpack)
			w.str([]byte("k"))
			lp := newListpack()
			lp.append([]byte("f"))
			w.str(lp.finish())
		},
		"duplicate hash field": func(w *Writer) {
			w.byte1(typeHash)
			w.str([]byte("k"))
			w.length(2)
			w.str([]byte("f"))
			w.str([]byte("1"))
			w.str([]byte("f"))
			w.str([]byte("2"))
		},
		"NaN score": func(w *Writer) {
			w.byte1(typeZSet2)
			w.str([]byte("k"))
			w.length(1)
			w.str([]byte("m"))
			w.raw(binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN())))
		},
		"unknown type": func(w *Writer) {
			w.byte1(99)
			w.str([]byte("k"))
		},
		"ziplist prevlen lies": func(w *Writer) {
			w.byte1(typeListZiplist)
			w.str([]byte("k"))
			b := zlEncode("a", "b")
			b[10+3] = 9 // second entry's prevlen
			w.str(b)
		},
	}
	for name, build := range cases {
		w, buf := hdr()
		build(w)
		w.Close()
		err := LoadBytes(buf.Bytes(), Options{}, func(int, string, keyspace.Object, int64) error { return nil })
		var e *Error
		if err == nil || !errors.As(err, &e) {
			t.Errorf("%s: err = %v", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
