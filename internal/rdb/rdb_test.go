package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/stream"
	"github.com/redoubt/redoubt/internal/types/zset"
)

func TestCRC64Vector(t *testing.T) {
	if got := crc64Update(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %016x", got)
	}
	// Incremental equals one-shot.
	if a, b := crc64Update(crc64Update(0, []byte("1234")), []byte("56789")), crc64Update(0, []byte("123456789")); a != b {
		t.Fatalf("incremental %x != %x", a, b)
	}
}

func TestLZF(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{
		bytes.Repeat([]byte("a"), 1000),
		[]byte(strings.Repeat("hello world ", 200)),
		[]byte("abcabcabcabcabcabcabcabcabcabcabcabc"),
	}
	for i := 0; i < 300; i++ {
		n := rng.IntN(20000)
		b := make([]byte, n)
		alpha := 1 + rng.IntN(256)
		for j := range b {
			b[j] = byte(rng.IntN(alpha))
		}
		inputs = append(inputs, b)
	}
	compressed := 0
	for _, in := range inputs {
		c := lzfCompress(in, len(in)+len(in)/16+64)
		if c == nil {
			if len(in) >= 4 {
				t.Fatalf("no output for %d bytes", len(in))
			}
			continue
		}
		if len(c) < len(in) {
			compressed++
		}
		out, err := lzfDecompress(c, len(in))
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip of %d bytes failed: %v", len(in), err)
		}
	}
	if compressed < 30 {
		t.Fatalf("only %d inputs compressed", compressed)
	}
}

// render gives a canonical text form of a value, for comparisons.
func render(o keyspace.Object) string {
	var sb strings.Builder
	switch o.Type {
	case keyspace.TypeString:
		fmt.Fprintf(&sb, "string:%q", o.Str)
	case keyspace.TypeList:
		l := o.Val.(*list.List)
		sb.WriteString("list:")
		it := l.IterAt(0, false)
		for range l.Len() {
			v, _ := it.Next()
			fmt.Fprintf(&sb, "%q,", v)
		}
	case keyspace.TypeHash:
		h := o.Val.(*hash.Hash)
		var kv []string
		for f, v := range h.All() {
			kv = append(kv, fmt.Sprintf("%q=%q", f, v))
		}
		slices.Sort(kv)
		sb.WriteString("hash:" + strings.Join(kv, ","))
	case keyspace.TypeSet:
		s := o.Val.(*set.Set)
		var ms []string
		for m := range s.All() {
			ms = append(ms, strconv.Quote(m.String()))
		}
		slices.Sort(ms)
		sb.WriteString("set:" + strings.Join(ms, ","))
	case keyspace.TypeZSet:
		z := o.Val.(*zset.ZSet)
		sb.WriteString("zset:")
		for i := range z.Len() {
			e := z.At(i)
			fmt.Fprintf(&sb, "%q=%s,", e.Member, strconv.FormatFloat(e.Score, 'g', 17, 64))
		}
	case keyspace.TypeStream:
		sb.WriteString("stream:" + strings.Join(streamAnswers(o.Val.(*stream.Stream)), ","))
	}
	return sb.String()
}

type entry struct {
	db     int
	key    string
	obj    keyspace.Object
	expire int64
}

func mkList(items ...string) keyspace.Object {
	l := list.New()
	for _, s := range items {
		l.PushBack([]byte(s))
	}
	return keyspace.Object{Type: keyspace.TypeList, Val: l}
}

func mkHash(lim hash.Limits, kv ...string) keyspace.Object {
	h := hash.New()
	for i := 0; i < len(kv); i += 2 {
		h.Set([]byte(kv[i]), []byte(kv[i+1]), lim)
	}
	return keyspace.Object{Type: keyspace.TypeHash, Val: h}
}

func mkSet(members ...string) keyspace.Object {
	s := set.New()
	for _, m := range members {
		s.Add([]byte(m), 512)
	}
	return keyspace.Object{Type: keyspace.TypeSet, Val: s}
}

func mkZSet(pairs ...any) keyspace.Object {
	z := zset.New()
	for i := 0; i < len(pairs); i += 2 {
		z.Add(pairs[i].(string), pairs[i+1].(float64), 0, zset.Limits{Entries: 128, Value: 64})
	}
	return keyspace.Object{Type: keyspace.TypeZSet, Val: z}
}

func str(s string) keyspace.Object { return keyspace.Object{Type: keyspace.TypeString, Str: []byte(s)} }

// corpus is one value of every type with edge values, small and large encodings.
func corpus() []entry {
	var es []entry
	add := func(db int, key string, o keyspace.Object, exp int64) { es = append(es, entry{db, key, o, exp}) }
	strs := []string{"", "0", "-1", "1", "127", "128", "-128", "-129", "32767", "32768", "-32768", "-32769",
		"2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "007", "+1", "-0", " 1", "1.5", "abc", strings.Repeat("x", 21),
		strings.Repeat("abcdefgh", 1000), "\x00\xff binary \r\n", strings.Repeat("z", 70000)}
	for i, s := range strs {
		add(0, "s"+strconv.Itoa(i), str(s), -1)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rb := make([]byte, 5000)
	for i := range rb {
		rb[i] = byte(rng.Uint32())
	}
	add(0, "random", str(string(rb)), -1)
	add(0, "ttl", str("v"), 4102444800000)
	add(0, "ttl0", str("v"), 0)
	add(0, "", str("empty key name"), -1)

	add(0, "list-small", mkList(strs...), -1)
	big := make([]string, 5000)
	for i := range big {
		big[i] = strconv.Itoa(i*7919 - 20000000)
		if i%3 == 0 {
			big[i] = "e" + big[i]
		}
		if i%1000 == 0 {
			big[i] = strings.Repeat("L", 9000+i)
		}
	}
	add(0, "list-big", mkList(big...), 4102444800123)
	add(0, "list-ints", mkList("0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648", "9223372036854775807", "-9223372036854775808"), -1)

	lim := hash.Limits{Entries: 128, Value: 64}
	add(1, "hash-small", mkHash(lim, "a", "1", "b", "", "", "empty field", "n", "-123456789012"), -1)
	var hk []string
	for i := range 1000 {
		hk = append(hk, "field"+strconv.Itoa(i), strings.Repeat("v", i%100))
	}
	add(1, "hash-big", mkHash(lim, hk...), -1)

	add(2, "set-ints", mkSet("1", "-5", "100000", "9223372036854775807", "-9223372036854775808"), -1)
	add(2, "set-strs", mkSet("a", "b", "007", "", strings.Repeat("q", 100)), -1)
	var sm []string
	for i := range 2000 {
		sm = append(sm, strconv.Itoa(i*3))
	}
	add(2, "set-bigints", mkSet(sm...), 1)

	add(3, "zset-small", mkZSet("a", 1.0, "b", -2.5, "c", math.Inf(1), "d", math.Inf(-1), "e", 0.1, "f", 1e300, "g", -0.0, "h", 5e-324), -1)
	var zp []any
	for i := range 1000 {
		zp = append(zp, "m"+strconv.Itoa(i), float64(i%37)/3)
	}
	add(3, "zset-big", mkZSet(zp...), -1)
	add(15, "db15", str("x"), -1)
	return es
}

func writeCorpus(t testing.TB, es []entry) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{CTime: 1700000000, UsedMem: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	db := -1
	for i, e := range es {
		if e.db != db {
			db = e.db
			n, exp := 0, 0
			for _, f := range es[i:] {
				if f.db == db {
					n++
					if f.expire >= 0 {
						exp++
					}
				}
			}
			if err := w.SelectDB(db, n, exp); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WriteKey(e.key, &e.obj, e.expire); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	es := corpus()
	b := writeCorpus(t, es)
	if string(b[:9]) != "REDIS0010" {
		t.Fatalf("header %q", b[:9])
	}
	var got []entry
	aux := map[string]string{}
	err := LoadBytes(b, Options{Aux: func(k, v string) error { aux[k] = v; return nil }},
		func(db int, key string, o keyspace.Object, exp int64) error {
			got = append(got, entry{db, key, o, exp})
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if aux["redis-ver"] != "7.0.15" || aux["ctime"] != "1700000000" || aux["aof-base"] != "0" || aux["redis-bits"] != "64" {
		t.Errorf("aux = %v", aux)
	}
	if len(got) != len(es) {
		t.Fatalf("got %d keys, want %d", len(got), len(es))
	}
	for i := range es {
		w, g := es[i], got[i]
		if w.db != g.db || w.key != g.key || w.expire != g.expire {
			t.Errorf("key %d: got db %d %q exp %d, want db %d %q exp %d", i, g.db, g.key, g.expire, w.db, w.key, w.expire)
		}
		if rw, rg := render(w.obj), render(g.obj); rw != rg {
			t.Errorf("key %q: got %.200s, want %.200s", w.key, rg, rw)
		}
	}
	// Encodings follow the default limits.
	enc := map[string]string{}
	for _, g := range got {
		if e, ok := g.obj.Val.(interface{ Encoding() string }); ok {
			enc[g.key] = e.Encoding()
		}
	}
	want := map[string]string{"hash-small": "listpack", "hash-big": "hashtable", "set-ints": "intset",
		"set-strs": "hashtable", "set-bigints": "hashtable", "zset-small": "listpack", "zset-big": "skiplist"}
	for k, v := range want {
		if enc[k] != v {
			t.Errorf("%s encoding %s, want %s", k, enc[k], v)
		}
	}
	// Every strict prefix fails cleanly; every single-byte corruption fails or loads.
	for n := 0; n < len(b); n += 1 + n/50 {
		if err := LoadBytes(b[:n], Options{}, func(int, string, keyspace.Object, int64) error { return nil }); err == nil {
			t.Fatalf("prefix of %d bytes loaded", n)
		}
	}
	c := bytes.Clone(b)
	c[len(c)-20] ^= 1
	if err := LoadBytes(c, Options{}, func(int, string, keyspace.Object, int64) error { return nil }); err == nil {
		t.Fatal("corruption not detected")
	} else {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not *Error", err)
		}
	}
}

func TestListpackCodec(t *testing.T) {
	vals := []string{"0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648", "9223372036854775807",
		"-9223372036854775808", "", "x", strings.Repeat("a", 63), strings.Repeat("b", 64), strings.Repeat("c", 4095),
		strings.Repeat("d", 4096), strings.Repeat("e", 20000), "01", "-0"}
	lp := newListpack()
	for _, v := range vals {
		lp.append([]byte(v))
	}
	b := lp.finish()
	var got []string
	n, err := lpEach(b, func(v []byte) error { got = append(got, string(v)); return nil })
	if err != nil || n != len(vals) || !slices.Equal(got, vals) {
		t.Fatalf("n=%d err=%v", n, err)
	}
}

func TestLZFCompresses(t *testing.T) {
	in := []byte(strings.Repeat("hello world ", 200))
	c := lzfCompress(in, len(in)-5)
	if c == nil || len(c) > len(in)/10 {
		t.Fatalf("compressed %d bytes to %d", len(in), len(c))
	}
}

func FuzzLoad(f *testing.F) {
	// Seeds stay small: the fuzzer minimizes every new interesting input, which is slow on
	// large ones.
	var seeds []entry
	for _, e := range corpus() {
		if len(render(e.obj)) < 300 {
			seeds = append(seeds, e)
		}
	}
	f.Add(writeCorpus(f, seeds))
	small := []entry{
		{0, "s", str("12345"), -1},
		{0, "l", mkList("a", "1", "-70000"), 5},
		{1, "h", mkHash(hash.Limits{Entries: 128, Value: 64}, "f", "v"), -1},
		{1, "st", mkSet("1", "2"), -1},
		{1, "z", mkZSet("m", 1.5), -1},
		{2, "lz", str(strings.Repeat("abc", 30)), -1},
	}
	f.Add(writeCorpus(f, small))
	for _, sc := range streamCorpus() {
		if o := streamObj(sc.s); len(render(o)) < 3000 {
			f.Add(writeCorpus(f, []entry{{0, sc.key, o, -1}}))
		}
	}
	f.Add(rdbFile(func(w *Writer) {
		w.byte1(typeHashListpackEx)
		w.str([]byte("h"))
		w.millis(5)
		w.str(lpOf("a", "1", 0, "b", "2", 5))
		w.byte1(typeHashMetadata)
		w.str([]byte("m"))
		w.millis(5)
		w.length(1)
		w.length(2)
		w.str([]byte("f"))
		w.str([]byte("v"))
	}))
	f.Add([]byte("REDIS0010\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Skip checksum checks so the fuzzer reaches the decoders: zero the trailer.
		if len(b) >= 8 {
			b = bytes.Clone(b)
			clear(b[len(b)-8:])
		}
		LoadBytes(b, Options{}, func(db int, key string, o keyspace.Object, exp int64) error {
			render(o)
			return nil
		})
	})
}

func TestWriteDB(t *testing.T) {
	now := int64(1_700_000_000_000)
	dbs := []*keyspace.DB{keyspace.NewDB(0), keyspace.NewDB(1), keyspace.NewDB(2)}
	want := map[string]string{}
	for _, e := range corpus() {
		d := dbs[e.db%3]
		d.Set(e.key, e.obj, false)
		if e.expire >= 0 {
			d.SetExpire(e.key, e.expire)
		}
		if e.expire < 0 || e.expire > now {
			want[fmt.Sprintf("%d/%s/%d", e.db%3, e.key, e.expire)] = render(e.obj)
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dbs {
		if err := w.WriteDB(d, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	if err := Load(&buf, func(db int, key string, o keyspace.Object, exp int64) error {
		got[fmt.Sprintf("%d/%s/%d", db, key, exp)] = render(o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %.100s want %.100s", k, got[k], v)
		}
	}
}

var hashLim = hash.Limits{Entries: 128, Value: 64}

func bufioWriter(w io.Writer) *bufio.Writer { return bufio.NewWriter(w) }

func strconvQuote(s string) string { return strconv.Quote(s) }
