package command

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/sdsargs"
)

// Reply builders for the expected values below.
const (
	kOK      = "+OK\r\n"
	kNull    = "$-1\r\n"
	kSyntax  = "-ERR syntax error\r\n"
	kNotInt  = "-ERR value is not an integer or out of range\r\n"
	kNoKey   = "-ERR no such key\r\n"
	kSame    = "-ERR source and destination objects are the same\r\n"
	kDBRange = "-ERR DB index is out of range\r\n"
	kIntRng  = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
	kCursor  = "-ERR invalid cursor\r\n"
	kEmpty   = "*0\r\n"
)

func kInt(n int64) string     { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func kBulk(s string) string   { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func kSimple(s string) string { return "+" + s + "\r\n" }
func kErr(s string) string    { return "-" + s + "\r\n" }

func kBulks(items ...string) string {
	out := "*" + strconv.Itoa(len(items)) + "\r\n"
	for _, it := range items {
		out += kBulk(it)
	}
	return out
}

// keysHost wraps the fake host with a configuration and a record of keyspace notifications.
type keysHost struct {
	*fakeHost
	cfg    mapConfig
	events []string
}

func (h *keysHost) Config() Config {
	if h.cfg == nil {
		return nil
	}
	return h.cfg
}

func (h *keysHost) Notify(db int, class byte, event, key string) {
	h.events = append(h.events, fmt.Sprintf("%d %c %s %s", db, class, event, key))
}

// mapConfig is a configuration held in a map: CONFIG GET of exact names, SET stores.
type mapConfig map[string]string

func (m mapConfig) Get(names ...string) []string {
	var out []string
	for _, n := range names {
		if v, ok := m[n]; ok {
			out = append(out, n, v)
		}
	}
	return out
}

func (m mapConfig) Set(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return nil
}

func (m mapConfig) SetLocal(pairs ...string) error { return m.Set(pairs...) }
func (m mapConfig) Rewrite() error                 { return nil }

// kRun runs one command against the session's databases with host as the server (the
// session's own when nil) and returns the context, to inspect Dirty, Hits and Misses.
func kRun(s *session, host Host, args ...string) *Ctx {
	if host == nil {
		host = s.host
	}
	bargs := make([][]byte, len(args))
	for i, a := range args {
		if a != "" { // the protocol parser delivers empty arguments as nil slices
			bargs[i] = []byte(a)
		}
	}
	w := &resp.Writer{Proto: s.conn.proto}
	spec, rej := Resolve(bargs)
	ctx := &Ctx{Args: bargs, W: w, DB: s.host.dbs[s.conn.db], Now: s.now, Conn: s.conn, Host: host, Spec: spec}
	if spec == nil {
		w.Error(rej)
		return ctx
	}
	spec.Handler(ctx)
	return ctx
}

// splitLine splits a transcript line with redis-cli's quoting.
func splitLine(t testing.TB, line string) []string {
	t.Helper()
	args, err := sdsargs.Split(line)
	if err != nil || len(args) == 0 {
		t.Fatalf("bad transcript line %q", line)
	}
	return args
}

// kStep is one line of a unit transcript: a command (redis-cli quoting) and its exact reply,
// or a fixture: "!advance ms" moves the clock, "!list k" stores a list, "!notouch" turns
// CLIENT NO-TOUCH on. A want starting with "sorted:" compares an array ignoring order.
type kStep struct{ line, want string }

func runKeySteps(t *testing.T, s *session, host Host, steps []kStep) {
	t.Helper()
	for _, st := range steps {
		args := splitLine(t, st.line)
		switch args[0] {
		case "!advance":
			ms, _ := strconv.ParseInt(args[1], 10, 64)
			s.now += ms
			continue
		case "!list":
			s.host.dbs[s.conn.db].Set(args[1], keyspace.Stamped(keyspace.Object{Type: keyspace.TypeList}, s.now), false)
			continue
		case "!notouch":
			s.conn.noTouch = true
			continue
		}
		got := string(kRun(s, host, args...).W.Buf)
		if want, ok := strings.CutPrefix(st.want, "sorted:"); ok {
			got = sortedArray(t, got)
			want = sortedArray(t, want)
			if got != want {
				t.Errorf("%s: got %q, want %q (any order)", st.line, got, want)
			}
			continue
		}
		if got != st.want {
			t.Errorf("%s: got %q, want %q", st.line, got, st.want)
		}
	}
}

// replyItems splits a flat RESP array of bulk strings into its items.
func replyItems(t testing.TB, reply string) []string {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(reply))
	var head []byte
	if err := readReply(r, &head); err != nil || !strings.HasPrefix(reply, "*") {
		t.Fatalf("not an array reply: %q", reply)
	}
	line, _ := bufio.NewReader(strings.NewReader(reply)).ReadString('\n')
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	rest := bufio.NewReader(strings.NewReader(reply[len(line):]))
	items := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, _ := rest.ReadString('\n')
		size, err := strconv.Atoi(l[1 : len(l)-2])
		if l[0] != '$' || err != nil {
			t.Fatalf("array item is not a bulk string in %q", reply)
		}
		b := make([]byte, size+2)
		if _, err := rest.Read(b); err != nil {
			t.Fatalf("short reply %q", reply)
		}
		items = append(items, string(b[:size]))
	}
	return items
}

func sortedArray(t testing.TB, reply string) string {
	items := replyItems(t, reply)
	slices.Sort(items)
	return kBulks(items...)
}

func TestKeysDelExistsType(t *testing.T) {
	runKeySteps(t, newSession(t), nil, []kStep{
		{"DEL", "-ERR wrong number of arguments for 'del' command\r\n"},
		{"EXISTS", "-ERR wrong number of arguments for 'exists' command\r\n"},
		{"TYPE", "-ERR wrong number of arguments for 'type' command\r\n"},
		{"TYPE a b", "-ERR wrong number of arguments for 'type' command\r\n"},
		{"SET a 1", kOK}, {"SET b 2", kOK}, {"SET '' e", kOK},
		{"DEL a a b c", kInt(2)},
		{"EXISTS a b", kInt(0)},
		{"EXISTS ''", kInt(1)},
		{"SET a 1", kOK},
		{"EXISTS a a a nokey", kInt(3)},
		{"TYPE a", kSimple("string")},
		{"TYPE nokey", kSimple("none")},
		{"!list l", ""},
		{"TYPE l", kSimple("list")},
		{"UNLINK a l nokey", kInt(2)},
		{"TYPE l", kSimple("none")},
		{"SET e v", kOK}, {"PEXPIRE e 10", kInt(1)},
		{"!advance 9", ""}, {"EXISTS e", kInt(1)},
		{"!advance 1", ""}, {"EXISTS e", kInt(0)}, {"TYPE e", kSimple("none")}, {"DEL e", kInt(0)},
		{"SET f v", kOK}, {"PEXPIRE f 10", kInt(1)}, {"!advance 10", ""}, {"DEL f", kInt(0)}, {"DBSIZE", kInt(1)},
	})
}

func TestKeysRename(t *testing.T) {
	runKeySteps(t, newSession(t), nil, []kStep{
		{"RENAME nokey x", kNoKey},
		{"RENAMENX nokey x", kNoKey},
		{"RENAME nokey nokey", kNoKey},
		{"RENAME a", "-ERR wrong number of arguments for 'rename' command\r\n"},
		{"SET a 1", kOK}, {"EXPIRE a 100", kInt(1)},
		{"RENAME a b", kOK},
		{"EXISTS a", kInt(0)}, {"GET b", kBulk("1")}, {"TTL b", kInt(100)},
		{"RENAME b b", kOK}, {"RENAMENX b b", kInt(0)}, {"TTL b", kInt(100)},
		{"SET c 3", kOK},
		{"RENAMENX b c", kInt(0)}, {"GET c", kBulk("3")},
		{"RENAMENX b d", kInt(1)}, {"TTL d", kInt(100)}, {"EXISTS b", kInt(0)},
		{"RENAME d c", kOK}, {"GET c", kBulk("1")}, {"TTL c", kInt(100)},
		// The destination's own TTL goes when a persistent key replaces it.
		{"SET e 5", kOK}, {"EXPIRE e 50", kInt(1)}, {"SET f 6", kOK},
		{"RENAME f e", kOK}, {"TTL e", kInt(-1)}, {"GET e", kBulk("6")},
		{"RENAME e ''", kOK}, {"GET ''", kBulk("6")},
		{"SET x v", kOK}, {"PEXPIRE x 5", kInt(1)}, {"!advance 5", ""},
		{"RENAME x y", kNoKey}, {"RENAME x x", kNoKey}, {"RENAMENX x y", kNoKey},
		// An expired destination counts as absent.
		{"SET p 1", kOK}, {"SET q 2", kOK}, {"PEXPIRE q 5", kInt(1)}, {"!advance 5", ""},
		{"RENAMENX p q", kInt(1)}, {"GET q", kBulk("1")}, {"TTL q", kInt(-1)},
	})
}

func TestKeysCopy(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"COPY a", "-ERR wrong number of arguments for 'copy' command\r\n"},
		{"COPY nokey x", kInt(0)},
		{"SET a hello", kOK}, {"EXPIRE a 100", kInt(1)},
		{"COPY a b", kInt(1)}, {"GET b", kBulk("hello")}, {"TTL b", kInt(100)},
		{"COPY a b", kInt(0)},
		{"SET b other", kOK},
		{"COPY a b REPLACE", kInt(1)}, {"GET b", kBulk("hello")}, {"TTL b", kInt(100)},
		{"COPY a b replace replace", kInt(1)},
		{"COPY a a", kSame}, {"COPY a a DB 0", kSame}, {"COPY a a REPLACE", kSame},
		{"COPY nokey nokey", kSame},
		{"COPY a b DB", kSyntax}, {"COPY a b foo", kSyntax}, {"COPY a b REPLACE foo", kSyntax},
		{"COPY a b DB x", kNotInt}, {"COPY a b DB 1.5", kNotInt}, {"COPY a b DB ''", kNotInt},
		{"COPY a b DB 16", kDBRange}, {"COPY a b DB -1", kDBRange},
		{"COPY a b DB 2147483648", kIntRng}, {"COPY a b DB -2147483649", kIntRng},
		{"COPY a b DB 99 DB x", kDBRange},
		{"COPY a b DB x foo", kNotInt},
		{`COPY a b "replace\x00junk"`, kInt(1)},
		{`COPY a b "db\x00" 0 REPLACE`, kInt(1)},
		{"COPY a a DB 1", kInt(1)},
		{"COPY a a DB 1", kInt(0)},
		{"COPY a z DB 2 DB 1", kInt(1)},
		// A copy shares no memory with its source.
		{"APPEND b !", kInt(6)}, {"GET a", kBulk("hello")}, {"GET b", kBulk("hello!")},
		{"OBJECT ENCODING b", kBulk("raw")}, {"COPY b r", kInt(1)}, {"OBJECT ENCODING r", kBulk("raw")},
		{"SET n 12", kOK}, {"COPY n n2", kInt(1)}, {"OBJECT ENCODING n2", kBulk("int")},
		{"SET p v", kOK}, {"PEXPIRE p 5", kInt(1)}, {"!advance 5", ""}, {"COPY p q", kInt(0)},
		{"SET live v", kOK}, {"SET dead w", kOK}, {"PEXPIRE dead 5", kInt(1)}, {"!advance 5", ""},
		{"COPY live dead", kInt(1)}, {"GET dead", kBulk("v")}, {"TTL dead", kInt(-1)},
	})
	s.conn.db = 1
	runKeySteps(t, s, nil, []kStep{
		{"GET a", kBulk("hello")}, {"TTL a", kInt(100)}, {"GET z", kBulk("hello")},
	})
	s.conn.db = 0
	db := s.host.dbs[0]
	db.Set("h", keyspace.Object{Type: keyspace.TypeHash, Val: &opaque{}}, false)
	db.Set("c", keyspace.Object{Type: keyspace.TypeSet, Val: &cloneable{items: []string{"x"}}}, false)
	runKeySteps(t, s, nil, []kStep{
		{"COPY h h2", kErr("ERR unknown type object")}, {"EXISTS h2", kInt(0)},
		{"COPY c c2", kInt(1)}, {"TYPE c2", kSimple("set")},
	})
	db.Lookup("c2", s.now, false).Val.(*cloneable).items[0] = "changed"
	if got := db.Lookup("c", s.now, false).Val.(*cloneable).items[0]; got != "x" {
		t.Fatalf("COPY shared the value: source now %q", got)
	}
}

type opaque struct{}

type cloneable struct{ items []string }

func (c *cloneable) Clone() any       { return &cloneable{items: slices.Clone(c.items)} }
func (c *cloneable) Encoding() string { return "listpack" }

func TestKeysMove(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"MOVE nokey 0", kSame},
		{"MOVE nokey 1", kInt(0)},
		{"SET a 1", kOK}, {"EXPIRE a 100", kInt(1)},
		{"MOVE a 0", kSame}, {"MOVE a 16", kDBRange}, {"MOVE a -1", kDBRange},
		{"MOVE a x", kNotInt}, {"MOVE a 4294967296", kIntRng}, {"MOVE a ''", kNotInt},
		{"MOVE a 1", kInt(1)}, {"EXISTS a", kInt(0)},
		{"SET a 2", kOK}, {"MOVE a 1", kInt(0)}, {"GET a", kBulk("2")},
		{"SET e v", kOK}, {"PEXPIRE e 5", kInt(1)}, {"!advance 5", ""}, {"MOVE e 1", kInt(0)},
	})
	s.conn.db = 1
	runKeySteps(t, s, nil, []kStep{
		{"GET a", kBulk("1")}, {"TTL a", kInt(100)},
		{"SET gone v", kOK}, {"PEXPIRE gone 5", kInt(1)}, {"!advance 5", ""},
	})
	s.conn.db = 0
	runKeySteps(t, s, nil, []kStep{
		{"SET gone mine", kOK}, {"MOVE gone 1", kInt(1)},
	})
}

func TestKeysSwapdb(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"SET a 1", kOK}, {"EXPIRE a 100", kInt(1)},
		{"SWAPDB 0 1", kOK}, {"EXISTS a", kInt(0)},
		{"SWAPDB 1 1", kOK},
		{"SWAPDB x 1", kErr("ERR invalid first DB index")},
		{"SWAPDB x y", kErr("ERR invalid first DB index")},
		{"SWAPDB 0 x", kErr("ERR invalid second DB index")},
		{"SWAPDB 2147483648 0", kErr("ERR invalid first DB index")},
		{"SWAPDB 0 -2147483649", kErr("ERR invalid second DB index")},
		{"SWAPDB 0 16", kDBRange}, {"SWAPDB -1 0", kDBRange}, {"SWAPDB 16 x", kErr("ERR invalid second DB index")},
		{"SWAPDB 0", "-ERR wrong number of arguments for 'swapdb' command\r\n"},
	})
	s.conn.db = 1
	runKeySteps(t, s, nil, []kStep{{"GET a", kBulk("1")}, {"TTL a", kInt(100)}})
}

func TestKeysFlushDbsize(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"DBSIZE", kInt(0)},
		{"DBSIZE x", "-ERR wrong number of arguments for 'dbsize' command\r\n"},
		{"SET a 1", kOK}, {"SET b 1", kOK}, {"DBSIZE", kInt(2)},
		{"MOVE b 1", kInt(1)}, {"DBSIZE", kInt(1)},
		{"FLUSHDB", kOK}, {"DBSIZE", kInt(0)},
		{"FLUSHDB foo", kSyntax}, {"FLUSHDB sync async", kSyntax}, {"FLUSHALL foo", kSyntax},
		{"FLUSHDB SYNC", kOK}, {"FLUSHDB async", kOK}, {`FLUSHDB "sync\x00x"`, kOK},
		// Like Redis, DBSIZE counts keys that expired but were not yet reclaimed.
		{"SET e v", kOK}, {"PEXPIRE e 1", kInt(1)}, {"!advance 5", ""}, {"DBSIZE", kInt(1)},
	})
	s.conn.db = 1
	runKeySteps(t, s, nil, []kStep{
		{"DBSIZE", kInt(1)}, {"FLUSHALL ASYNC", kOK}, {"DBSIZE", kInt(0)},
	})
	if n := s.host.dbs[0].Len(); n != 0 {
		t.Fatalf("FLUSHALL left %d keys in db 0", n)
	}
	runKeySteps(t, s, nil, []kStep{{"FLUSHALL", kOK}, {"FLUSHALL sync", kOK}})
}

func TestKeysKeys(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"KEYS *", kEmpty},
		{"MSET a 1 ab 2 abc 3 b 4 '' 5 \"h\\x00llo\" 6 A 7", kOK},
		{"KEYS *", "sorted:" + kBulks("", "A", "a", "ab", "abc", "b", "h\x00llo")},
		{"KEYS a*", "sorted:" + kBulks("a", "ab", "abc")},
		{"KEYS a?", kBulks("ab")},
		{"KEYS [ab]", "sorted:" + kBulks("a", "b")},
		{"KEYS ''", kBulks("")},
		{"KEYS **", "sorted:" + kBulks("A", "a", "ab", "abc", "b", "h\x00llo")},
		{`KEYS "h\x00*"`, kBulks("h\x00llo")},
		{"KEYS nomatch", kEmpty},
		{"KEYS", "-ERR wrong number of arguments for 'keys' command\r\n"},
		{"PEXPIRE ab 1", kInt(1)}, {"!advance 1", ""},
		{"KEYS a*", "sorted:" + kBulks("a", "abc")},
		{"DBSIZE", kInt(7)}, // KEYS skips expired keys but leaves them for lazy expiry
		{"KEYS " + strings.Repeat("*a", 2000) + "b", kEmpty},
	})
}

// scanAllKeys iterates SCAN to completion with extra options and returns the sorted keys.
func scanAllKeys(t *testing.T, do func(args ...string) string, opts ...string) []string {
	t.Helper()
	var all []string
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 100000 {
			t.Fatal("SCAN did not terminate")
		}
		reply := do(append([]string{"SCAN", cursor}, opts...)...)
		r := bufio.NewReader(strings.NewReader(reply))
		head, _ := r.ReadString('\n')
		if head != "*2\r\n" {
			t.Fatalf("SCAN reply %q", reply)
		}
		var cur []byte
		if err := readReply(r, &cur); err != nil {
			t.Fatalf("SCAN reply %q", reply)
		}
		cursor = strings.Split(string(cur), "\r\n")[1]
		rest, _ := strings.CutPrefix(reply, head+string(cur))
		all = append(all, replyItems(t, rest)...)
		if cursor == "0" {
			break
		}
	}
	slices.Sort(all)
	return slices.Compact(all)
}

func TestKeysScan(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"SCAN", "-ERR wrong number of arguments for 'scan' command\r\n"},
		{"SCAN x", kCursor}, {"SCAN ' 1'", kCursor}, {"SCAN '\t1'", kCursor}, {"SCAN '1 '", kCursor},
		{"SCAN 18446744073709551616", kCursor}, {"SCAN -", kCursor}, {"SCAN +", kCursor}, {"SCAN 0x1", kCursor},
		{"SCAN -18446744073709551616", kCursor}, {"SCAN 1.0", kCursor},
		{"SCAN ''", "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"SCAN 0", "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"SCAN -1", "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"SCAN +007", "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"SCAN 18446744073709551615", "*2\r\n$1\r\n0\r\n*0\r\n"},
		{`SCAN "0\x00junk"`, "*2\r\n$1\r\n0\r\n*0\r\n"},
		{"SCAN 0 COUNT 0", kSyntax}, {"SCAN 0 COUNT -1", kSyntax}, {"SCAN 0 COUNT x", kNotInt},
		{"SCAN 0 COUNT 9223372036854775808", kNotInt},
		{"SCAN 0 COUNT", kSyntax}, {"SCAN 0 MATCH", kSyntax}, {"SCAN 0 TYPE", kSyntax},
		{"SCAN 0 foo bar", kSyntax}, {"SCAN 0 MATCH * foo", kSyntax},
		{"SCAN x COUNT 0", kCursor},
		{"SCAN 0 COUNT 0 MATCH", kSyntax},
		{"SCAN 0 COUNT x COUNT 0", kNotInt},
	})

	db := s.host.dbs[0]
	var want, wantA []string
	for i := 0; i < 300; i++ {
		k := fmt.Sprint("k", i)
		if i%3 == 0 {
			k = fmt.Sprint("a", i)
			wantA = append(wantA, k)
		}
		db.Set(k, keyspace.Object{Str: []byte("v")}, false)
		want = append(want, k)
	}
	db.Set("", keyspace.Object{Str: []byte("v")}, false)
	want = append(want, "")
	db.Set("l", keyspace.Object{Type: keyspace.TypeList}, false)
	slices.Sort(want)
	slices.Sort(wantA)
	do := func(args ...string) string { return s.do(args...) }
	for _, opts := range [][]string{nil, {"COUNT", "1"}, {"COUNT", "7"}, {"count", "9223372036854775807"}, {"MATCH", "*"}} {
		got := scanAllKeys(t, do, opts...)
		if !slices.Equal(got, append(slices.Clone(want), "l")) && !slices.Equal(got, sortedWith(want, "l")) {
			t.Fatalf("SCAN %v: got %d keys, want %d", opts, len(got), len(want)+1)
		}
	}
	if got := scanAllKeys(t, do, "MATCH", "a*", "COUNT", "5"); !slices.Equal(got, wantA) {
		t.Fatalf("SCAN MATCH a*: got %v", got)
	}
	if got := scanAllKeys(t, do, "TYPE", "LIST"); !slices.Equal(got, []string{"l"}) {
		t.Fatalf("SCAN TYPE LIST: got %v", got)
	}
	if got := scanAllKeys(t, do, "TYPE", "string", "MATCH", "a*"); !slices.Equal(got, wantA) {
		t.Fatalf("SCAN TYPE string MATCH a*: got %v", got)
	}
	if got := scanAllKeys(t, do, "TYPE", "string\x00junk", "MATCH", "a*"); !slices.Equal(got, wantA) {
		t.Fatalf("SCAN TYPE string\\0junk: got %v", got)
	}
	for _, typ := range []string{"foo", "none", ""} {
		if got := scanAllKeys(t, do, "TYPE", typ); len(got) != 0 {
			t.Fatalf("SCAN TYPE %q: got %v", typ, got)
		}
	}
	ctx := kRun(s, nil, "SCAN", "0", "COUNT", "1000", "TYPE", "list")
	if ctx.Hits != len(want)+1 || ctx.Misses != 0 {
		t.Fatalf("SCAN TYPE counted %d hits %d misses, want %d, 0", ctx.Hits, ctx.Misses, len(want)+1)
	}

	// Expired keys are skipped and reclaimed, except that TYPE none lists them, as in Redis:
	// its type lookup deletes them first and then sees "none".
	db.SetExpire("a0", s.now+1)
	db.SetExpire("a3", s.now+1)
	db.SetExpire("k1", s.now+1)
	s.now += 1
	if got := scanAllKeys(t, do, "TYPE", "none", "MATCH", "a*"); !slices.Equal(got, []string{"a0", "a3"}) {
		t.Fatalf("SCAN TYPE none: got %v", got)
	}
	got := scanAllKeys(t, do)
	if slices.Contains(got, "k1") || len(got) != len(want)+1-3 {
		t.Fatalf("SCAN after expiry: %d keys, k1 present=%v", len(got), slices.Contains(got, "k1"))
	}
	if db.Len() != len(want)+1-3 {
		t.Fatalf("SCAN did not reclaim expired keys: %d left", db.Len())
	}
}

func sortedWith(keys []string, extra string) []string {
	out := append(slices.Clone(keys), extra)
	slices.Sort(out)
	return out
}

func TestKeysRandomkey(t *testing.T) {
	s := newSession(t)
	runKeySteps(t, s, nil, []kStep{
		{"RANDOMKEY", kNull},
		{"RANDOMKEY x", "-ERR wrong number of arguments for 'randomkey' command\r\n"},
		{"SET only v", kOK}, {"RANDOMKEY", kBulk("only")},
	})
	s.conn.proto = 3
	runKeySteps(t, s, nil, []kStep{{"DEL only", kInt(1)}, {"RANDOMKEY", "_\r\n"}})
	s.conn.proto = 2

	// Far more expired keys than DB.RandomKey samples per call: RANDOMKEY must still find the
	// live one, as Redis does, and reclaim expired keys on the way.
	db := s.host.dbs[0]
	for i := 0; i < 2000; i++ {
		k := fmt.Sprint("dead", i)
		db.Set(k, keyspace.Object{Str: []byte("v")}, false)
		db.SetExpire(k, s.now+1)
	}
	db.Set("live", keyspace.Object{Str: []byte("v")}, false)
	s.now += 1
	if got := s.do("RANDOMKEY"); got != kBulk("live") {
		t.Fatalf("RANDOMKEY = %q, want live", got)
	}
	db.Delete("live", s.now)
	if got := s.do("RANDOMKEY"); got != kNull || db.Len() != 0 {
		t.Fatalf("RANDOMKEY over expired keys = %q, %d keys left", got, db.Len())
	}
	for i := 0; i < 20; i++ {
		db.Set(fmt.Sprint(i), keyspace.Object{}, false)
	}
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		seen[s.do("RANDOMKEY")] = true
	}
	if len(seen) != 20 {
		t.Fatalf("RANDOMKEY returned %d distinct keys of 20", len(seen))
	}
}

func TestKeysTouchAndIdle(t *testing.T) {
	s := newSession(t)
	s.now -= s.now % 1000 // idle time counts whole-second clock ticks
	runKeySteps(t, s, nil, []kStep{
		{"TOUCH", "-ERR wrong number of arguments for 'touch' command\r\n"},
		{"SET a 1", kOK}, {"SET b 2", kOK},
		{"TOUCH a b nokey a", kInt(3)},
		{"!advance 5500", ""},
		{"OBJECT IDLETIME a", kInt(5)},
		// Reads that Redis does with LOOKUP_NOTOUCH leave the access time alone.
		{"TYPE a", kSimple("string")}, {"EXISTS a", kInt(1)}, {"TTL a", kInt(-1)}, {"OBJECT ENCODING a", kBulk("int")},
		{"OBJECT IDLETIME a", kInt(5)},
		{"GET a", kBulk("1")}, {"OBJECT IDLETIME a", kInt(0)},
		{"!advance 2000", ""},
		{"TOUCH a", kInt(1)}, {"OBJECT IDLETIME a", kInt(0)}, {"OBJECT IDLETIME b", kInt(7)},
		{"!notouch", ""},
		{"!advance 3000", ""},
		{"GET a", kBulk("1")}, {"OBJECT IDLETIME a", kInt(3)},
		// TOUCH still touches under CLIENT NO-TOUCH: that is its purpose.
		{"TOUCH a", kInt(1)}, {"OBJECT IDLETIME a", kInt(0)},
		{"OBJECT IDLETIME nokey", kNull},
	})
}

func TestKeysObject(t *testing.T) {
	s := newSession(t)
	long44, long45 := strings.Repeat("x", 44), strings.Repeat("x", 45)
	runKeySteps(t, s, nil, []kStep{
		{"OBJECT", "-ERR wrong number of arguments for 'object' command\r\n"},
		{"OBJECT ENCODING", "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{"OBJECT ENCODING a b", "-ERR wrong number of arguments for 'object|encoding' command\r\n"},
		{"OBJECT HELP x", "-ERR wrong number of arguments for 'object|help' command\r\n"},
		{"OBJECT foo k", kErr("ERR unknown subcommand 'foo'. Try OBJECT HELP.")},
		{"OBJECT ENCODING nokey", kNull},
		{"OBJECT REFCOUNT nokey", kNull},
		{"OBJECT FREQ nokey", kNull},
		{"SET k 123", kOK}, {"OBJECT ENCODING k", kBulk("int")}, {"OBJECT REFCOUNT k", kInt(2147483647)},
		{"SET k 0", kOK}, {"OBJECT REFCOUNT k", kInt(2147483647)},
		{"SET k 9999", kOK}, {"OBJECT REFCOUNT k", kInt(2147483647)},
		{"SET k 10000", kOK}, {"OBJECT REFCOUNT k", kInt(1)}, {"OBJECT ENCODING k", kBulk("int")},
		{"SET k -1", kOK}, {"OBJECT REFCOUNT k", kInt(1)}, {"OBJECT ENCODING k", kBulk("int")},
		{"SET k -9223372036854775808", kOK}, {"OBJECT ENCODING k", kBulk("int")},
		{"SET k 9223372036854775808", kOK}, {"OBJECT ENCODING k", kBulk("embstr")},
		{"SET k 12345678901234567890", kOK}, {"OBJECT ENCODING k", kBulk("embstr")},
		{"SET k -0", kOK}, {"OBJECT ENCODING k", kBulk("embstr")},
		{"SET k 007", kOK}, {"OBJECT ENCODING k", kBulk("embstr")},
		{"SET k ' 1'", kOK}, {"OBJECT ENCODING k", kBulk("embstr")},
		{"SET k ''", kOK}, {"OBJECT ENCODING k", kBulk("embstr")}, {"OBJECT REFCOUNT k", kInt(1)},
		{"SET k " + long44, kOK}, {"OBJECT ENCODING k", kBulk("embstr")},
		{"SET k " + long45, kOK}, {"OBJECT ENCODING k", kBulk("raw")},
		{"SET k 5", kOK}, {"APPEND k 1", kInt(2)}, {"OBJECT ENCODING k", kBulk("raw")}, {"OBJECT REFCOUNT k", kInt(1)},
		{"INCRBYFLOAT f 1", kBulk("1")}, {"OBJECT ENCODING f", kBulk("embstr")}, {"OBJECT REFCOUNT f", kInt(1)},
		{"!list l", ""}, {"OBJECT ENCODING l", kBulk("quicklist")}, {"OBJECT REFCOUNT l", kInt(1)},
		{"OBJECT FREQ k", kErr(errNoLFU)},
		{"OBJECT HELP", "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n" +
			"+ENCODING <key>\r\n+    Return the kind of internal representation used in order to store the value\r\n" +
			"+    associated with a <key>.\r\n+FREQ <key>\r\n" +
			"+    Return the access frequency index of the <key>. The returned integer is\r\n" +
			"+    proportional to the logarithm of the recent access frequency of the key.\r\n" +
			"+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n" +
			"+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n" +
			"+    Return the number of references of the value associated with the specified\r\n" +
			"+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n"},
	})
	s.host.dbs[0].Set("c", keyspace.Object{Type: keyspace.TypeZSet, Val: &cloneable{}}, false)
	runKeySteps(t, s, nil, []kStep{{"OBJECT ENCODING c", kBulk("listpack")}})
}

func TestKeysObjectPolicies(t *testing.T) {
	s := newSession(t)
	h := &keysHost{fakeHost: s.host, cfg: mapConfig{"maxmemory-policy": "allkeys-lfu", "lfu-decay-time": "1", "maxmemory": "0"}}
	runKeySteps(t, s, h, []kStep{
		{"SET k 5", kOK},
		{"OBJECT FREQ k", kInt(5)},
		{"OBJECT IDLETIME k", kErr(errLFU)},
		{"OBJECT IDLETIME nokey", kNull},
		{"OBJECT REFCOUNT k", kInt(2147483647)},
		{"!advance 180000", ""},
		{"OBJECT FREQ k", kInt(2)},
		{"!advance 600000", ""},
		{"OBJECT FREQ k", kInt(0)},
	})
	h.cfg["lfu-decay-time"] = "0"
	runKeySteps(t, s, h, []kStep{{"OBJECT FREQ k", kInt(5)}})
	h.cfg["maxmemory-policy"] = "volatile-lfu"
	runKeySteps(t, s, h, []kStep{{"OBJECT FREQ k", kInt(5)}})
	h.cfg["maxmemory"] = "1000000"
	runKeySteps(t, s, h, []kStep{{"OBJECT REFCOUNT k", kInt(1)}})
	h.cfg["maxmemory-policy"] = "allkeys-lru"
	runKeySteps(t, s, h, []kStep{
		{"OBJECT REFCOUNT k", kInt(1)}, {"OBJECT FREQ k", kErr(errNoLFU)}, {"OBJECT IDLETIME k", kInt(780)},
	})
	h.cfg["maxmemory-policy"] = "noeviction"
	runKeySteps(t, s, h, []kStep{{"OBJECT REFCOUNT k", kInt(2147483647)}})
}

func TestKeysExpire(t *testing.T) {
	s := newSession(t)
	now := s.now
	at := func(ms int64) string { return strconv.FormatInt(ms, 10) }
	runKeySteps(t, s, nil, []kStep{
		{"EXPIRE k", "-ERR wrong number of arguments for 'expire' command\r\n"},
		{"EXPIRE nokey 10", kInt(0)},
		{"TTL nokey", kInt(-2)}, {"PTTL nokey", kInt(-2)}, {"EXPIRETIME nokey", kInt(-2)}, {"PEXPIRETIME nokey", kInt(-2)},
		{"SET k v", kOK},
		{"TTL k", kInt(-1)}, {"PTTL k", kInt(-1)}, {"EXPIRETIME k", kInt(-1)}, {"PEXPIRETIME k", kInt(-1)},
		{"EXPIRE k 100", kInt(1)},
		{"TTL k", kInt(100)}, {"PTTL k", kInt(100000)},
		{"PEXPIRETIME k", kInt(now + 100000)}, {"EXPIRETIME k", kInt((now + 100000 + 500) / 1000)},
		{"PEXPIRE k 1500", kInt(1)}, {"TTL k", kInt(2)},
		{"PEXPIRE k 1499", kInt(1)}, {"TTL k", kInt(1)},
		{"PEXPIRE k 1", kInt(1)}, {"TTL k", kInt(0)}, {"PTTL k", kInt(1)},
		{"PEXPIREAT k " + at(now+5000), kInt(1)}, {"PTTL k", kInt(5000)},
		{"EXPIREAT k " + at(now/1000+10), kInt(1)}, {"PEXPIRETIME k", kInt((now/1000 + 10) * 1000)},
		{"PERSIST k", kInt(1)}, {"PERSIST k", kInt(0)}, {"PERSIST nokey", kInt(0)}, {"TTL k", kInt(-1)},

		// NX, XX, GT, LT.
		{"EXPIRE k 100 XX", kInt(0)}, {"EXPIRE k 100 GT", kInt(0)}, {"TTL k", kInt(-1)},
		{"EXPIRE k 100 NX", kInt(1)}, {"EXPIRE k 200 NX", kInt(0)}, {"TTL k", kInt(100)},
		{"EXPIRE k 50 GT", kInt(0)}, {"EXPIRE k 100 GT", kInt(0)}, {"EXPIRE k 150 gt", kInt(1)}, {"TTL k", kInt(150)},
		{"EXPIRE k 200 LT", kInt(0)}, {"EXPIRE k 150 LT", kInt(0)}, {"EXPIRE k 120 lT", kInt(1)}, {"TTL k", kInt(120)},
		{"EXPIRE k 130 XX GT", kInt(1)}, {"EXPIRE k 110 xx lt", kInt(1)}, {"TTL k", kInt(110)},
		{"EXPIRE k 300 XX XX", kInt(1)},
		{"PERSIST k", kInt(1)},
		{"EXPIRE k 100 LT", kInt(1)}, {"PERSIST k", kInt(1)},
		{"EXPIRE k 100 NX XX", kErr(errExpireFlags)}, {"EXPIRE k 100 NX GT", kErr(errExpireFlags)},
		{"EXPIRE k 100 LT NX", kErr(errExpireFlags)}, {"EXPIRE k 100 GT LT", kErr(errGtLt)},
		{"EXPIRE k 100 NX GT LT", kErr(errExpireFlags)},
		{"EXPIRE k 100 foo", kErr("ERR Unsupported option foo")},
		{"EXPIRE k 100 NX foo", kErr("ERR Unsupported option foo")},
		{`EXPIRE k 100 "foo\x00bar"`, kErr("ERR Unsupported option foo")},
		{`EXPIRE k 100 "a\r\nb"`, kErr("ERR Unsupported option a  b")},
		{`EXPIRE k 100 "nx\x00"`, kInt(1)}, {"PERSIST k", kInt(1)},
		{"EXPIRE k x foo", kErr("ERR Unsupported option foo")},
		{"EXPIRE k x", kNotInt}, {"EXPIRE k 1.5", kNotInt}, {"EXPIRE k ''", kNotInt}, {"EXPIRE k +1", kNotInt},
		{"EXPIRE nokey x", kNotInt},
		{"EXPIRE nokey 10 NX XX", kErr(errExpireFlags)},

		// Overflow and deadlines in the past.
		{"EXPIRE k 9223372036854775807", kErr("ERR invalid expire time in 'expire' command")},
		{"EXPIRE k 9223372036854775", kErr("ERR invalid expire time in 'expire' command")},
		{"EXPIRE k -9223372036854775808", kErr("ERR invalid expire time in 'expire' command")},
		{"EXPIREAT k -9223372036854776", kErr("ERR invalid expire time in 'expireat' command")},
		{"PEXPIRE k 9223372036854775807", kErr("ERR invalid expire time in 'pexpire' command")},
		{"EXPIRE nokey 9223372036854775807", kErr("ERR invalid expire time in 'expire' command")},
		{"EXPIREAT k 9223372036854775", kInt(1)}, {"EXPIRETIME k", kInt(9223372036854775)},
		{"PEXPIREAT k 9223372036854775807", kInt(1)},
		{"EXPIRETIME k", kInt(9223372036854776)}, {"PEXPIRETIME k", kInt(9223372036854775807)},
		{"TTL k", kInt((9223372036854775807-now)/1000 + ((9223372036854775807-now)%1000+500)/1000)},
		{"PEXPIREAT k 9223372036854775308", kInt(1)}, {"EXPIRETIME k", kInt(9223372036854775)},
		{"PEXPIREAT k 9223372036854775500", kInt(1)}, {"EXPIRETIME k", kInt(9223372036854776)},
		{"EXPIRE k 10 GT", kInt(0)},
		{"EXPIRE k -1 GT", kInt(0)}, {"EXISTS k", kInt(1)},
		{"EXPIRE k -1 LT", kInt(1)}, {"EXISTS k", kInt(0)},
		{"SET k v", kOK}, {"EXPIRE k 0", kInt(1)}, {"EXISTS k", kInt(0)},
		{"SET k v", kOK}, {"EXPIRE k -9223372036854775", kInt(1)}, {"EXISTS k", kInt(0)},
		{"SET k v", kOK}, {"PEXPIRE k -9223372036854775808", kInt(1)}, {"EXISTS k", kInt(0)},
		{"SET k v", kOK}, {"PEXPIREAT k " + at(now), kInt(1)}, {"EXISTS k", kInt(0)},
		{"SET k v", kOK}, {"PEXPIREAT k " + at(now+1), kInt(1)}, {"EXISTS k", kInt(1)},
		{"!advance 1", ""}, {"EXISTS k", kInt(0)}, {"EXPIRE k 100", kInt(0)}, {"TTL k", kInt(-2)},
		{"SET k v", kOK}, {"EXPIREAT k 1", kInt(1)}, {"EXISTS k", kInt(0)},
		{"SET k v", kOK}, {"PEXPIRE k 100", kInt(1)}, {"!advance 99", ""}, {"PTTL k", kInt(1)}, {"TTL k", kInt(0)},
		{"PERSIST k", kInt(1)}, {"!advance 10", ""}, {"EXISTS k", kInt(1)},
		{"PEXPIRE k 10", kInt(1)}, {"!advance 10", ""}, {"PERSIST k", kInt(0)}, {"TTL k", kInt(-2)},
	})
}

// TestKeysDirtyAndStats checks the change counts (for persistence) and keyspace hit/miss
// counts each command reports, which follow Redis's server.dirty and stat_keyspace_*.
func TestKeysDirtyAndStats(t *testing.T) {
	s := newSession(t)
	tests := []struct {
		line                string
		dirty, hits, misses int
	}{
		{"SET a 1", 1, 0, 0},
		{"SET b 2", 1, 0, 0},
		{"EXISTS a b nokey", 0, 2, 1},
		{"TYPE a", 0, 1, 0},
		{"TYPE nokey", 0, 0, 1},
		{"TTL a", 0, 1, 0},
		{"PEXPIRETIME nokey", 0, 0, 1},
		{"TOUCH a nokey", 0, 1, 1},
		{"OBJECT ENCODING a", 0, 1, 0},
		{"OBJECT REFCOUNT nokey", 0, 0, 1},
		{"KEYS *", 0, 0, 0},
		{"DBSIZE", 0, 0, 0},
		{"RANDOMKEY", 0, 0, 0},
		{"COPY a c", 1, 1, 0},
		{"COPY nokey c", 0, 0, 1},
		{"COPY a c", 0, 1, 0},
		{"COPY a a", 0, 0, 0},
		{"RENAME c d", 1, 0, 0},
		{"RENAME d d", 0, 0, 0},
		{"RENAMENX d a", 0, 0, 0},
		{"MOVE d 1", 1, 0, 0},
		{"MOVE d 1", 0, 0, 0},
		{"EXPIRE a 100", 1, 0, 0},
		{"EXPIRE a 100 NX", 0, 0, 0},
		{"EXPIRE nokey 100", 0, 0, 0},
		{"PERSIST a", 1, 0, 0},
		{"PERSIST a", 0, 0, 0},
		{"EXPIRE a -1", 1, 0, 0},
		{"DEL a b nokey", 1, 0, 0},
		{"SWAPDB 0 1", 1, 0, 0},
		{"SWAPDB 0 0", 1, 0, 0},
		{"SWAPDB 0 99", 0, 0, 0},
		{"MSET x 1 y 2 z 3", 3, 0, 0},
		{"FLUSHDB", 4, 0, 0},
		{"FLUSHDB", 0, 0, 0},
		{"FLUSHALL", 1, 0, 0},
		{"SET x 1", 1, 0, 0},
		{"FLUSHALL", 2, 0, 0},
		{"FLUSHALL bad", 0, 0, 0},
	}
	for _, tt := range tests {
		c := kRun(s, nil, splitLine(t, tt.line)...)
		if c.Dirty != tt.dirty || c.Hits != tt.hits || c.Misses != tt.misses {
			t.Errorf("%s: dirty %d hits %d misses %d, want %d %d %d (reply %q)",
				tt.line, c.Dirty, c.Hits, c.Misses, tt.dirty, tt.hits, tt.misses, c.W.Buf)
		}
	}
}

func TestKeysNotifications(t *testing.T) {
	s := newSession(t)
	h := &keysHost{fakeHost: s.host}
	tests := []struct {
		line   string
		events []string
	}{
		{"SET a 1", nil}, // string commands' events are theirs to test
		{"SET b 2", nil},
		{"EXPIRE a 100", []string{"0 g expire a"}},
		{"RENAME a b", []string{"0 n new b", "0 g rename_from a", "0 g rename_to b"}},
		{"RENAME b b", nil},
		{"RENAMENX b b", nil},
		{"MOVE b 3", []string{"3 n new b", "0 g move_from b", "3 g move_to b"}},
		{"SET c 1", nil},
		{"COPY c d", []string{"0 n new d", "0 g copy_to d"}},
		{"COPY c d DB 2 REPLACE", []string{"2 n new d", "2 g copy_to d"}},
		{"COPY c d", nil},
		{"EXPIRE c 100", []string{"0 g expire c"}},
		{"PERSIST c", []string{"0 g persist c"}},
		{"PERSIST c", nil},
		{"EXPIRE c 0", []string{"0 g del c"}},
		{"DEL d nokey d", []string{"0 g del d"}},
		{"SET e 1", nil},
		{"UNLINK e", []string{"0 g del e"}},
		{"EXISTS nokey a", []string{"0 m keymiss nokey", "0 m keymiss a"}},
		{"TYPE nokey", []string{"0 m keymiss nokey"}},
		{"TTL nokey", []string{"0 m keymiss nokey"}},
		{"TOUCH nokey", []string{"0 m keymiss nokey"}},
		{"COPY nokey x", []string{"0 m keymiss nokey"}},
		{"OBJECT ENCODING nokey", nil},
		{"RENAME nokey x", nil},
		{"MOVE nokey 1", nil},
		{"EXPIRE nokey 1", nil},
		{"FLUSHALL", nil},
		{"SWAPDB 0 1", nil},
	}
	for _, tt := range tests {
		h.events = nil
		kRun(s, h, splitLine(t, tt.line)...)
		if tt.line[:3] == "SET" {
			continue
		}
		if !slices.Equal(h.events, tt.events) {
			t.Errorf("%s: events %q, want %q", tt.line, h.events, tt.events)
		}
	}
}

// TestKeysSpecMetadata pins what ACL key extraction relies on, independently of the oracle.
func TestKeysSpecMetadata(t *testing.T) {
	tests := []struct {
		name  string
		flags [][]string
	}{
		{"del", [][]string{{"RM", "delete"}}},
		{"unlink", [][]string{{"RM", "delete"}}},
		{"rename", [][]string{{"RW", "access", "delete"}, {"OW", "update"}}},
		{"renamenx", [][]string{{"RW", "access", "delete"}, {"OW", "insert"}}},
		{"copy", [][]string{{"RO", "access"}, {"OW", "update"}}},
		{"move", [][]string{{"RW", "access", "update"}}},
		{"expire", [][]string{{"RW", "update"}}},
		{"persist", [][]string{{"RW", "update"}}},
		{"ttl", [][]string{{"RO", "access"}}},
		{"exists", [][]string{{"RO"}}},
		{"object|encoding", [][]string{{"RO"}}},
		{"scan", nil},
		{"swapdb", nil},
	}
	for _, tt := range tests {
		s := lookupFull(tt.name)
		if s == nil {
			t.Fatalf("%s not registered", tt.name)
		}
		var got [][]string
		for _, k := range s.Keys {
			got = append(got, k.Flags.Names())
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.flags) {
			t.Errorf("%s key flags %v, want %v", tt.name, got, tt.flags)
		}
	}
}

// keyCommandNames lists every command this file declares, subcommands included.
func keyCommandNames() []string {
	var names []string
	for _, s := range keyCommands {
		names = append(names, s.Name)
		for _, sub := range s.Subs {
			names = append(names, sub.Name)
		}
	}
	return names
}

// TestKeysCommandInfoAgainstRedis compares COMMAND INFO byte for byte, and the COMMAND DOCS
// texts we carry, with a real Redis.
func TestKeysCommandInfoAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newSession(t)
	for _, name := range keyCommandNames() {
		got, want := s.do("COMMAND", "INFO", name), o.do("COMMAND", "INFO", name)
		if name == "object" {
			// Redis lists subcommands in the order of a dict with a per-process random seed;
			// they are compared one by one, so here compare the container's own fields and size.
			head := strings.Index(want, "*5\r\n*10\r\n")
			if head < 0 || len(got) != len(want) || got[:head] != want[:head] {
				t.Errorf("COMMAND INFO object:\n got  %q\n want %q", got, want)
			}
		} else if got != want {
			t.Errorf("COMMAND INFO %s:\n got  %q\n want %q", name, got, want)
		}
		spec := lookupFull(name)
		docs := o.do("COMMAND", "DOCS", name)
		for field, v := range map[string]string{"summary": spec.Summary, "since": spec.Since, "group": spec.Group, "complexity": spec.Complexity} {
			if !strings.Contains(docs, "$"+strconv.Itoa(len(field))+"\r\n"+field+"\r\n"+kBulk(v)) {
				t.Errorf("COMMAND DOCS %s: %s %q not in Redis's reply", name, field, v)
			}
		}
	}
}

// keysCompare replays a transcript through our session and Redis. Our clock follows the
// wall clock so expiry agrees. Fixtures: "!sleep ms"; "!list key" creates a list in both;
// "!sorted CMD..." compares an array reply ignoring order; "!scan opts..." compares the key
// sets of complete SCAN iterations; "!near CMD..." accepts integers at most 1 apart (idle
// times straddling a second).
func keysCompare(t *testing.T, o *oracle, s *session, lines []string) {
	t.Helper()
	o = o.in(t)
	for _, line := range lines {
		args := splitLine(t, line)
		s.now = time.Now().UnixMilli()
		switch args[0] {
		case "!sleep":
			ms, _ := strconv.Atoi(args[1])
			time.Sleep(time.Duration(ms) * time.Millisecond)
			continue
		case "!list":
			o.do("RPUSH", args[1], "x")
			s.host.dbs[s.conn.db].Set(args[1], keyspace.Stamped(keyspace.Object{Type: keyspace.TypeList}, s.now), false)
			continue
		case "!sorted":
			if got, want := sortedArray(t, s.do(args[1:]...)), sortedArray(t, o.do(args[1:]...)); got != want {
				t.Errorf("%s:\n got  %q\n want %q", line, got, want)
			}
			continue
		case "!scan":
			got := scanAllKeys(t, s.do, args[1:]...)
			want := scanAllKeys(t, o.do, args[1:]...)
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %q, want %q", line, got, want)
			}
			continue
		case "!near":
			got, want := s.do(args[1:]...), o.do(args[1:]...)
			g, err1 := strconv.Atoi(strings.Trim(got, ":\r\n"))
			w, err2 := strconv.Atoi(strings.Trim(want, ":\r\n"))
			if err1 != nil || err2 != nil || g-w > 1 || w-g > 1 {
				t.Errorf("%s: got %q, want %q", line, got, want)
			}
			continue
		}
		if got, want := s.do(args...), o.do(args...); got != want {
			t.Errorf("%s:\n got  %q\n want %q", line, got, want)
		}
	}
}

func TestKeysAgainstRedis(t *testing.T) {
	o := startRedis(t)
	transcripts := [][]string{
		{"DEL", "DEL nokey", "SET a 1", "SET b 2", "SET '' e", "DEL a a b c", "EXISTS a b ''", "SET a 1",
			"EXISTS a a a nokey", "TYPE a", "TYPE nokey", "!list l", "TYPE l", "UNLINK l a nokey", "TYPE l",
			"SET e v", "PEXPIRE e 1", "!sleep 5", "EXISTS e", "TYPE e", "DEL e", "TYPE a b"},
		{"RENAME nokey x", "RENAMENX nokey x", "RENAME nokey nokey", "SET a 1", "EXPIRE a 100", "RENAME a b",
			"EXISTS a", "GET b", "TTL b", "RENAME b b", "RENAMENX b b", "SET c 3", "RENAMENX b c", "GET c",
			"RENAMENX b d", "TTL d", "RENAME d c", "GET c", "TTL c", "SET e 5", "EXPIRE e 50", "SET f 6", "RENAME f e",
			"TTL e", "RENAME e ''", "GET ''", "!list l", "RENAME l m", "TYPE m", "RENAMENX m ''", "RENAME m ''", "TYPE ''",
			"SET x v", "PEXPIRE x 1", "!sleep 5", "RENAME x y", "RENAME x x", "RENAME a"},
		{"COPY nokey x", "SET a hello", "EXPIRE a 100", "COPY a b", "GET b", "TTL b", "COPY a b", "SET b other",
			"COPY a b REPLACE", "GET b", "COPY a b replace replace", "COPY a a", "COPY a a DB 0", "COPY a a REPLACE",
			"COPY nokey nokey", "COPY a b DB", "COPY a b foo", "COPY a b REPLACE foo", "COPY a b DB x",
			"COPY a b DB 1.5", "COPY a b DB ''", "COPY a b DB 16", "COPY a b DB -1", "COPY a b DB 2147483648",
			"COPY a b DB -2147483649", "COPY a b DB 99 DB x", "COPY a b DB x foo", `COPY a b "replace\x00junk"`,
			`COPY a b "db\x00" 0 REPLACE`, "COPY a a DB 1", "COPY a a DB 1", "COPY a z DB 2 DB 1", "SELECT 1", "GET a",
			"TTL a", "GET z", "SELECT 0", "APPEND b !", "GET a", "OBJECT ENCODING b", "COPY b r", "OBJECT ENCODING r",
			"SET n 12", "COPY n n2", "OBJECT ENCODING n2", "SET e " + strings.Repeat("e", 44),
			"COPY e e2", "OBJECT ENCODING e2", "!list l", "COPY l l2", "TYPE l2", "OBJECT ENCODING l2",
			"SET p v", "PEXPIRE p 1", "!sleep 5", "COPY p q", "COPY a"},
		{"MOVE nokey 0", "MOVE nokey 1", "SET a 1", "EXPIRE a 100", "MOVE a 0", "MOVE a 16", "MOVE a -1", "MOVE a x",
			"MOVE a 4294967296", "MOVE a ''", "MOVE a 1", "EXISTS a", "SET a 2", "MOVE a 1", "GET a", "SELECT 1", "GET a",
			"TTL a", "SELECT 0", "SWAPDB 0 1", "GET a", "TTL a", "SWAPDB 1 1", "SWAPDB x 1", "SWAPDB x y", "SWAPDB 0 x",
			"SWAPDB 2147483648 0", "SWAPDB 0 -2147483649", "SWAPDB 0 16", "SWAPDB -1 0", "SWAPDB 16 x", "SWAPDB 0",
			"DBSIZE", "SELECT 1", "DBSIZE", "FLUSHDB", "DBSIZE", "SELECT 0", "DBSIZE", "FLUSHDB foo",
			"FLUSHDB sync async", "FLUSHALL foo", "FLUSHDB SYNC", "FLUSHDB async", `FLUSHDB "sync\x00x"`, "FLUSHALL ASYNC",
			"FLUSHALL sync", "DBSIZE x", "MOVE a"},
		{"KEYS *", "MSET a 1 ab 2 abc 3 b 4 '' 5 \"h\\x00llo\" 6 A 7", "!sorted KEYS *", "!sorted KEYS a*", "KEYS a?",
			"!sorted KEYS [ab]", "KEYS ''", "!sorted KEYS **", `KEYS "h\x00*"`, "KEYS nomatch", "!sorted KEYS [A-a]",
			"!sorted KEYS [^a]*", "KEYS " + strings.Repeat("*a", 1100) + "b", "PEXPIRE ab 1", "!sleep 5",
			"!sorted KEYS a*", "KEYS"},
		{"SCAN x", "SCAN ' 1'", "SCAN '\t1'", "SCAN '1 '", "SCAN 18446744073709551616", "SCAN -", "SCAN +", "SCAN 0x1",
			"SCAN -18446744073709551616", "SCAN 1.0", "SCAN ''", "SCAN 0", "SCAN -1", "SCAN +007",
			"SCAN 18446744073709551615", `SCAN "0\x00junk"`, "SCAN 0 COUNT 0", "SCAN 0 COUNT -1", "SCAN 0 COUNT x",
			"SCAN 0 COUNT 9223372036854775808", "SCAN 0 COUNT", "SCAN 0 MATCH", "SCAN 0 TYPE", "SCAN 0 foo bar",
			"SCAN 0 MATCH * foo", "SCAN x COUNT 0", "SCAN 0 COUNT 0 MATCH", "SCAN 0 COUNT x COUNT 0",
			`SCAN 0 "count\x00" 5`, `SCAN 0 COUNT "5\x00"`, "SCAN"},
		{"MSET a 1 ab 2 abc 3 b 4 '' 5 A 7 k1 1 k2 2 k3 3 k4 4 k5 5 k6 6 k7 7 k8 8 k9 9", "!list l", "!list al",
			"!scan", "!scan COUNT 1", "!scan COUNT 3", "!scan COUNT 9223372036854775807", "!scan MATCH *",
			"!scan MATCH a*", "!scan MATCH a* COUNT 2", "!scan TYPE list", "!scan TYPE LIST MATCH a*", "!scan TYPE string",
			"!scan type STRING", "!scan TYPE none", "!scan TYPE foo", "!scan TYPE ''", `!scan TYPE "list\x00x"`,
			"!scan MATCH k[1-3]", "PEXPIRE k1 1", "!sleep 5", "!scan", "!scan TYPE string"},
		{"RANDOMKEY", "SET only v", "RANDOMKEY", "DEL only", "SET e v", "PEXPIRE e 1", "!sleep 5", "RANDOMKEY", "RANDOMKEY x"},
		{"TOUCH", "TOUCH nokey", "SET a 1", "SET b 2", "TOUCH a b nokey a", "!near OBJECT IDLETIME a"},
		{"OBJECT", "OBJECT ENCODING", "OBJECT ENCODING a b", "OBJECT HELP x", "OBJECT foo k", "OBJECT ENCODING nokey",
			"OBJECT REFCOUNT nokey", "OBJECT FREQ nokey", "OBJECT IDLETIME nokey", "SET k 123", "OBJECT ENCODING k",
			"OBJECT REFCOUNT k", "SET k 0", "OBJECT REFCOUNT k", "SET k 9999", "OBJECT REFCOUNT k", "SET k 10000",
			"OBJECT REFCOUNT k", "SET k -1", "OBJECT REFCOUNT k", "SET k -9223372036854775808", "OBJECT ENCODING k",
			"SET k 9223372036854775808", "OBJECT ENCODING k", "SET k 12345678901234567890", "OBJECT ENCODING k",
			"SET k -0", "OBJECT ENCODING k", "SET k 007", "OBJECT ENCODING k", "SET k ' 1'", "OBJECT ENCODING k",
			"SET k ''", "OBJECT ENCODING k", "OBJECT REFCOUNT k", "SET k " + strings.Repeat("x", 44), "OBJECT ENCODING k",
			"SET k " + strings.Repeat("x", 45), "OBJECT ENCODING k", "SET k 5", "APPEND k 1", "OBJECT ENCODING k",
			"OBJECT REFCOUNT k", "INCRBYFLOAT f 1", "OBJECT ENCODING f", "OBJECT REFCOUNT f", "INCR i",
			"OBJECT ENCODING i", "OBJECT REFCOUNT i", "!list l", "OBJECT ENCODING l", "OBJECT REFCOUNT l",
			"OBJECT FREQ k", "!near OBJECT IDLETIME k", "OBJECT HELP", "object encoding k", "OBJECT help"},
		{"EXPIRE k", "EXPIRE nokey 10", "TTL nokey", "PTTL nokey", "EXPIRETIME nokey", "PEXPIRETIME nokey", "SET k v",
			"TTL k", "PTTL k", "EXPIRETIME k", "PEXPIRETIME k", "EXPIRE k 100", "TTL k", "PEXPIRE k 100000", "TTL k",
			"EXPIREAT k 4000000000", "TTL k", "EXPIRETIME k", "PEXPIRETIME k", "PEXPIREAT k 4000000000499",
			"EXPIRETIME k", "PEXPIREAT k 4000000000500", "EXPIRETIME k", "PERSIST k", "PERSIST k", "PERSIST nokey",
			"TTL k", "EXPIRE k 100 XX", "EXPIRE k 100 GT", "TTL k", "EXPIRE k 100 NX", "EXPIRE k 200 NX", "TTL k",
			"EXPIRE k 50 GT", "EXPIRE k 150 gt", "TTL k", "EXPIRE k 200 LT", "EXPIRE k 150 LT",
			"EXPIRE k 120 lT", "TTL k", "EXPIRE k 130 XX GT", "EXPIRE k 110 xx lt", "TTL k", "EXPIRE k 300 XX XX",
			"PERSIST k", "EXPIRE k 100 LT", "PERSIST k", "EXPIRE k 100 NX XX", "EXPIRE k 100 NX GT", "EXPIRE k 100 LT NX",
			"EXPIRE k 100 GT LT", "EXPIRE k 100 NX GT LT", "EXPIRE k 100 foo", "EXPIRE k 100 NX foo",
			`EXPIRE k 100 "foo\x00bar"`, `EXPIRE k 100 "a\r\nb"`, `EXPIRE k 100 "nx\x00"`, "PERSIST k", "EXPIRE k x foo",
			"EXPIRE k x", "EXPIRE k 1.5", "EXPIRE k ''", "EXPIRE k +1", "EXPIRE nokey x", "EXPIRE nokey 10 NX XX",
			"EXPIRE k 9223372036854775807", "EXPIRE k 9223372036854775", "EXPIRE k -9223372036854775808",
			"EXPIREAT k -9223372036854776", "PEXPIRE k 9223372036854775807", "PEXPIREAT k 9223372036854775807",
			"EXPIRE nokey 9223372036854775807", "EXPIREAT k 9223372036854775", "EXPIRETIME k",
			"PEXPIREAT k 9223372036854775807", "EXPIRETIME k", "PEXPIRETIME k", "TTL k",
			"PEXPIREAT k 9223372036854775308", "EXPIRETIME k", "PEXPIREAT k 9223372036854775500", "EXPIRETIME k",
			"EXPIRE k 10 GT", "EXPIRE k -1 GT", "EXISTS k", "EXPIRE k -1 LT", "EXISTS k", "SET k v", "EXPIRE k 0",
			"EXISTS k", "SET k v", "EXPIRE k -9223372036854775", "EXISTS k", "SET k v", "PEXPIRE k -9223372036854775808",
			"EXISTS k", "SET k v", "EXPIREAT k 1", "EXISTS k", "SET k v", "PEXPIRE k 1", "!sleep 5", "EXPIRE k 100",
			"TTL k", "PERSIST k", "PEXPIREAT k 1 GT", "PEXPIREAT k 1 LT", "PEXPIRETIME k 1", "PERSIST"},
	}
	for i, tr := range transcripts {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o.in(t).flushall()
			keysCompare(t, o, newSession(t), tr)
		})
	}
	t.Run("resp3", func(t *testing.T) {
		o.in(t).flushall()
		o.in(t).do("HELLO", "3")
		defer o.in(t).do("HELLO", "2")
		s := newSession(t)
		s.conn.proto = 3
		keysCompare(t, o, s, []string{"RANDOMKEY", "OBJECT ENCODING nokey", "SET k 1", "OBJECT ENCODING k",
			"SCAN 0", "KEYS *", "TYPE k", "TTL k", "OBJECT FREQ k"})
	})
}

// TestKeysNeverPanic feeds the key commands random arguments, including huge numbers,
// empty strings and NUL bytes, against a keyspace with keys of several shapes.
func TestKeysNeverPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pool := []string{"", "0", "1", "-1", "15", "16", "a", "b", "nokey", "*", "?", "[", "\\", "\x00", "l",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
		"2147483648", "NX", "XX", "GT", "LT", "REPLACE", "DB", "COUNT", "MATCH", "TYPE", "SYNC", "ASYNC",
		"ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP", "string", "none", "1e3", " 1", "nx\x00"}
	names := keyCommandNames()
	s := newSession(t)
	h := &keysHost{fakeHost: s.host, cfg: mapConfig{"maxmemory-policy": "allkeys-lfu", "lfu-decay-time": "1"}}
	for i := 0; i < 20000; i++ {
		if i%500 == 0 {
			s.host.dbs[0].Set("a", keyspace.Object{Str: []byte("12")}, false)
			s.host.dbs[0].Set("l", keyspace.Object{Type: keyspace.TypeList}, false)
			s.host.dbs[0].Set("b", keyspace.Object{Str: []byte("x"), Raw: true}, false)
			s.host.dbs[0].SetExpire("b", s.now+int64(r.IntN(50)))
		}
		s.now += int64(r.IntN(3))
		name := names[r.IntN(len(names))]
		args := strings.Split(name, "|")
		for n := r.IntN(5); n > 0; n-- {
			args = append(args, pool[r.IntN(len(pool))])
		}
		var host Host
		if r.IntN(2) == 0 {
			host = h
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("%q panicked: %v", args, p)
				}
			}()
			c := kRun(s, host, args...)
			if len(c.W.Buf) == 0 {
				t.Fatalf("%q wrote no reply", args)
			}
		}()
		s.conn.db = 0
	}
}

// TestKeysNotificationsAgainstRedis compares the keyspace events (generic, new and keymiss
// classes, all databases) each command emits with a real Redis's.
func TestKeysNotificationsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	redisEvents := o.keyEvents("Egnm", "__keyevent@*")
	s := newSession(t)
	h := &keysHost{fakeHost: s.host}
	for _, line := range []string{"SET a 1", "SET b 2", "EXPIRE a 100", "EXPIRE a 100 NX", "RENAME a b", "RENAME b b",
		"RENAMENX b b", "RENAMENX b c", "SET d 1", "RENAMENX c d", "MOVE c 3", "MOVE c 3", "COPY d e", "COPY d e",
		"COPY d e REPLACE", "COPY d e DB 2", "COPY d d DB 2 REPLACE", "EXPIRE d 100", "PERSIST d", "PERSIST d",
		"EXPIRE d 0", "DEL e nokey e", "SET f 1", "UNLINK f", "EXISTS nokey b", "TYPE nokey", "TTL nokey",
		"PTTL nokey", "EXPIRETIME nokey", "PEXPIRETIME nokey", "TOUCH nokey b", "COPY nokey x", "OBJECT ENCODING nokey",
		"OBJECT FREQ nokey", "RENAME nokey x", "MOVE nokey 1", "EXPIRE nokey 1", "PERSIST nokey", "KEYS *", "SCAN 0",
		"SCAN 0 TYPE string", "RANDOMKEY", "DBSIZE", "SWAPDB 0 1", "FLUSHDB", "FLUSHALL"} {
		args := splitLine(t, line)
		o.do(args...)
		want := redisEvents()
		h.events = nil
		kRun(s, h, args...)
		var got []string
		for _, e := range h.events {
			f := strings.Fields(e)             // "db class event key"
			if strings.Contains("gnm", f[1]) { // the classes Redis was told to publish
				got = append(got, f[0]+" "+f[2]+" "+f[3])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: events %q, redis %q", line, got, want)
		}
	}
}
