package aof

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/stream"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// written parses what a KeyWriter wrote back into commands.
func written(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	sc := newScanner(bytes.NewReader(b), "base", 0, int64(len(b)))
	if _, err := sc.replay(func(args [][]byte) error {
		out = append(out, string(bytes.Join(args, []byte(" "))))
		return nil
	}); err != nil {
		t.Fatalf("KeyWriter output does not parse: %v", err)
	}
	return out
}

func numbered(prefix string, from, to int) string {
	var s []string
	for i := from; i < to; i++ {
		s = append(s, fmt.Sprint(prefix, i))
	}
	return strings.Join(s, " ")
}

func testStream() *stream.Stream {
	s := stream.New()
	for i := uint64(1); i <= 3; i++ {
		s.Add(stream.ID{Ms: 1000, Seq: i}, [][]byte{[]byte("f"), []byte(fmt.Sprint("v", i)), []byte("g"), []byte("x")}, 4096, 100)
	}
	s.Delete([]stream.ID{{Ms: 1000, Seq: 2}})
	g := s.CreateGroup("grp", stream.ID{Ms: 1000, Seq: 3}, 3)
	alice := g.CreateConsumer("alice", 5000)
	g.CreateConsumer("bob", 5000)
	g.Deliver(stream.ID{Ms: 1000, Seq: 1}, alice, 7000)
	g.Deliver(stream.ID{Ms: 1000, Seq: 3}, alice, 8000)
	g.PEL.Get(stream.ID{Ms: 1000, Seq: 3}).DeliveryCount = 4
	s.CreateGroup("empty", stream.ID{}, -1)
	return s
}

func TestKeyWriter(t *testing.T) {
	bigList := list.New()
	for i := range 150 {
		bigList.PushBack([]byte(fmt.Sprint("e", i)))
	}
	ints := set.New()
	for _, m := range []string{"3", "1", "2"} {
		ints.Add([]byte(m), 512)
	}
	z := zset.New()
	lim := zset.Limits{Entries: 128, Value: 64}
	z.Add("b", 2.5, 0, lim)
	z.Add("a", 1, 0, lim)
	z.Add("inf", math.Inf(1), 0, lim)
	z.Add("tiny", 1e-20, 0, lim)
	h := hash.New()
	h.Set([]byte("f1"), []byte("v1"), hash.Limits{Entries: 128, Value: 64})
	h.Set([]byte("f2"), []byte(""), hash.Limits{Entries: 128, Value: 64})
	bigHash := hash.New()
	for i := range 70 {
		bigHash.Set([]byte(fmt.Sprint("f", i)), []byte("v"), hash.Limits{Entries: 128, Value: 64})
	}
	tests := []struct {
		name   string
		obj    keyspace.Object
		expire int64
		want   []string
	}{
		{"string", keyspace.Object{Type: keyspace.TypeString, Str: []byte("a b\r\n")}, -1, []string{"SET k a b\r\n"}},
		{"string with TTL", keyspace.Object{Type: keyspace.TypeString, Str: []byte("1")}, 1700000000123,
			[]string{"SET k 1", "PEXPIREAT k 1700000000123"}},
		{"list in batches of 64", keyspace.Object{Type: keyspace.TypeList, Val: bigList}, -1, []string{
			"RPUSH k " + numbered("e", 0, 64), "RPUSH k " + numbered("e", 64, 128), "RPUSH k " + numbered("e", 128, 150)}},
		{"set", keyspace.Object{Type: keyspace.TypeSet, Val: ints}, -1, []string{"SADD k 1 2 3"}},
		{"zset", keyspace.Object{Type: keyspace.TypeZSet, Val: z}, -1, []string{"ZADD k 9.9999999999999995e-21 tiny 1 a 2.5 b inf inf"}},
		{"hash", keyspace.Object{Type: keyspace.TypeHash, Val: h}, 5, []string{"HMSET k f1 v1 f2 ", "PEXPIREAT k 5"}},
		{"hash in batches", keyspace.Object{Type: keyspace.TypeHash, Val: bigHash}, -1, nil},
		{"empty list", keyspace.Object{Type: keyspace.TypeList, Val: list.New()}, 99, nil},
		{"stream", keyspace.Object{Type: keyspace.TypeStream, Val: testStream()}, -1, []string{
			"XADD k 1000-1 f v1 g x",
			"XADD k 1000-3 f v3 g x",
			"XSETID k 1000-3 ENTRIESADDED 3 MAXDELETEDID 1000-2",
			"XGROUP CREATE k empty 0-0 ENTRIESREAD -1",
			"XGROUP CREATE k grp 1000-3 ENTRIESREAD 3",
			"XCLAIM k grp alice 0 1000-1 TIME 7000 RETRYCOUNT 1 JUSTID FORCE",
			"XCLAIM k grp alice 0 1000-3 TIME 8000 RETRYCOUNT 4 JUSTID FORCE",
			"XGROUP CREATECONSUMER k grp bob",
		}},
		{"empty stream", keyspace.Object{Type: keyspace.TypeStream, Val: stream.New()}, 42, []string{
			"XADD k MAXLEN 0 0-1 x y", "XSETID k 0-0 ENTRIESADDED 0 MAXDELETEDID 0-0", "PEXPIREAT k 42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := NewKeyWriter(&buf).Key("k", &tt.obj, tt.expire); err != nil {
				t.Fatal(err)
			}
			got := written(t, buf.Bytes())
			if tt.name == "hash in batches" {
				if len(got) != 2 || len(strings.Fields(got[0])) != 2+128 || len(strings.Fields(got[1])) != 2+12 {
					t.Fatalf("batches %q", got)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("wrote\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestKeyWriterDatabase(t *testing.T) {
	db := keyspace.NewDB(4)
	db.Set("live", keyspace.Object{Type: keyspace.TypeString, Str: []byte("1")}, false)
	db.Set("ttl", keyspace.Object{Type: keyspace.TypeString, Str: []byte("2")}, false)
	db.SetExpire("ttl", 2000)
	db.Set("gone", keyspace.Object{Type: keyspace.TypeString, Str: []byte("3")}, false)
	db.SetExpire("gone", 500)
	var buf bytes.Buffer
	k := NewKeyWriter(&buf)
	k.Timestamp(1700000000)
	if err := k.WriteDB(db, 1000); err != nil {
		t.Fatal(err)
	}
	if err := k.WriteDB(keyspace.NewDB(5), 1000); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "#TS:1700000000\r\n") {
		t.Fatalf("no annotation first: %q", buf.String())
	}
	got := written(t, buf.Bytes())
	slices.Sort(got[1:])
	want := []string{"SELECT 4", "PEXPIREAT ttl 2000", "SET live 1", "SET ttl 2"}
	if !slices.Equal(got, want) {
		t.Fatalf("wrote %q, want %q", got, want)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestKeyWriterErrors(t *testing.T) {
	k := NewKeyWriter(&failWriter{n: 1})
	if err := k.Select(0); err != nil {
		t.Fatal(err)
	}
	if err := k.Key("a", &keyspace.Object{Type: keyspace.TypeString, Str: []byte("x")}, 5); err == nil {
		t.Fatal("write error not reported")
	}
	if err := k.Command(cmd("PING")...); err == nil {
		t.Fatal("the error is not sticky")
	}
	k = NewKeyWriter(&bytes.Buffer{})
	if err := k.Key("bad", &keyspace.Object{Type: keyspace.TypeList, Val: "not a list"}, -1); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Fatalf("mismatched value: %v", err)
	}
}
