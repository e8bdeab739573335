package command

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
)

// hsHost is the fake host with encoding limits a test can change (as CONFIG SET does on a real
// server) and a record of the keyspace events, for the hash and set tests.
type hsHost struct {
	*fakeHost
	limits keyspace.Limits
	events []string
}

func (h *hsHost) Limits() *keyspace.Limits { return &h.limits }

func (h *hsHost) Notify(db int, class byte, event, key string) {
	h.events = append(h.events, fmt.Sprintf("%c %s %s", class, event, key))
}

// hsSession runs commands the way session does, on an hsHost, and totals what the commands
// report to the server: dirty changes and keyspace hits and misses.
type hsSession struct {
	t            testing.TB
	host         *hsHost
	conn         *fakeConn
	now          int64
	dirty        int
	hits, misses int
}

func newHSSession(t testing.TB) *hsSession {
	return &hsSession{t: t, host: &hsHost{fakeHost: newFakeHost(), limits: fakeLimits},
		conn: &fakeConn{id: 1, proto: 2}, now: time.Now().UnixMilli()}
}

func (s *hsSession) do(args ...string) string {
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	w := &resp.Writer{Proto: s.conn.proto}
	spec, rej := Resolve(bargs)
	if spec == nil {
		w.Error(rej)
		return string(w.Buf)
	}
	ctx := &Ctx{Args: bargs, W: w, DB: s.host.dbs[s.conn.db], Now: s.now, Conn: s.conn, Host: s.host, Spec: spec}
	spec.Handler(ctx)
	s.dirty += ctx.Dirty
	s.hits += ctx.Hits
	s.misses += ctx.Misses
	return string(w.Buf)
}

// line runs a command written as hsFields splits it.
func (s *hsSession) line(l string) string { return s.do(hsFields(s.t, l)...) }

// hsFields splits a transcript line on spaces; a field in double quotes is a Go string literal,
// for empty, binary or spaced arguments.
func hsFields(t testing.TB, line string) []string {
	t.Helper()
	var out []string
	for len(line) > 0 {
		line = strings.TrimLeft(line, " ")
		if line == "" {
			break
		}
		if line[0] == '"' {
			end := 1
			for end < len(line) && line[end] != '"' {
				if line[end] == '\\' {
					end++
				}
				end++
			}
			s, err := strconv.Unquote(line[:end+1])
			if err != nil {
				t.Fatalf("bad quoted field in %q: %v", line, err)
			}
			out = append(out, s)
			line = line[end+1:]
			continue
		}
		i := strings.IndexByte(line, ' ')
		if i < 0 {
			i = len(line)
		}
		out = append(out, line[:i])
		line = line[i:]
	}
	return out
}

// respNode is one parsed reply, kept with its exact encoding.
type respNode struct {
	raw  string
	kids []respNode
}

// parseResp parses one RESP2/RESP3 reply off the front of s.
func parseResp(t testing.TB, s string) (respNode, string) {
	t.Helper()
	i := strings.Index(s, "\r\n")
	if i < 1 {
		t.Fatalf("bad reply %q", s)
	}
	head, rest := s[:i+2], s[i+2:]
	n, _ := strconv.Atoi(s[1:i])
	switch s[0] {
	case '$', '=', '!':
		if n < 0 {
			return respNode{raw: head}, rest
		}
		return respNode{raw: s[:len(head)+n+2]}, rest[n+2:]
	case '*', '~', '>', '%':
		if s[0] == '%' {
			n *= 2
		}
		node := respNode{}
		for j := 0; j < n; j++ {
			var kid respNode
			kid, rest = parseResp(t, rest)
			node.kids = append(node.kids, kid)
		}
		node.raw = s[:len(s)-len(rest)]
		return node, rest
	}
	return respNode{raw: head}, rest
}

// unordered rewrites a reply whose order is not reproducible into a canonical form: the
// elements of its top-level aggregate (of the element list of a SCAN-shaped reply), taken
// group elements at a time, are sorted.
func unordered(t testing.TB, reply string, group int) string {
	t.Helper()
	node, _ := parseResp(t, reply)
	if len(node.kids) == 2 && node.kids[0].raw[0] == '$' && node.kids[1].raw[0] == '*' {
		head := reply[:strings.Index(reply, "\r\n")+2] + node.kids[0].raw
		return head + unordered(t, node.kids[1].raw, group)
	}
	if node.kids == nil {
		return reply
	}
	var items []string
	for i := 0; i+group <= len(node.kids); i += group {
		var b strings.Builder
		for _, k := range node.kids[i : i+group] {
			b.WriteString(k.raw)
		}
		items = append(items, b.String())
	}
	slices.Sort(items)
	return reply[:strings.Index(reply, "\r\n")+2] + strings.Join(items, "")
}

// hsCompare runs transcripts through a real Redis and through our handlers and compares the
// replies. A line's prefix says how: none compares bytes; "~ " compares the elements as a
// multiset (Redis's hashtable order is not reproducible) and "~2 " pairs of elements (flat
// field/value replies); "@1 " and "@2 " first compare OBJECT ENCODING of the line's key, then
// compare bytes if the value is compact (listpack or intset, whose order Redis reproduces),
// else as "~ " or "~2 " do; "? " compares only replyShape (of a random reply); "# " runs the command on both without comparing. CONFIG SET lines go to Redis
// and are mirrored on our limits.
type hsTranscript struct {
	name  string
	lines []string
}

func hsCompare(t *testing.T, transcripts []hsTranscript) {
	o := startRedis(t)
	for _, tr := range transcripts {
		t.Run(tr.name, func(t *testing.T) {
			o.flushall()
			o.do("HELLO", "2")
			s := newHSSession(t)
			for _, l := range tr.lines {
				mode, cmd := "", l
				for _, p := range []string{"~2 ", "~ ", "@1 ", "@2 ", "? ", "# "} {
					if strings.HasPrefix(l, p) {
						mode, cmd = p, l[len(p):]
					}
				}
				args := hsFields(t, cmd)
				if strings.EqualFold(args[0], "config") {
					if r := o.do(args...); r != "+OK\r\n" {
						t.Fatalf("%s: %q", cmd, r)
					}
					hsApplyConfig(t, s, args)
					continue
				}
				if mode == "@1 " || mode == "@2 " {
					enc := o.do("OBJECT", "ENCODING", args[1])
					if got := s.do("OBJECT", "ENCODING", args[1]); got != enc {
						t.Fatalf("OBJECT ENCODING %s before %s\n redis: %q\n   ours: %q", args[1], cmd, enc, got)
					}
					if strings.Contains(enc, "hashtable") {
						mode = "~" + mode[1:]
					} else {
						mode = ""
					}
				}
				want, got := o.do(args...), s.do(args...)
				switch mode {
				case "~ ", "~1 ":
					want, got = unordered(t, want, 1), unordered(t, got, 1)
				case "~2 ":
					want, got = unordered(t, want, 2), unordered(t, got, 2)
				case "? ":
					want, got = replyShape(want), replyShape(got)
				case "# ":
					continue
				}
				if want != got {
					t.Fatalf("%s\n redis: %q\n   ours: %q", cmd, clip(want, 300), clip(got, 300))
				}
			}
		})
	}
	for _, kv := range [][2]string{{"hash-max-listpack-entries", "128"}, {"hash-max-listpack-value", "64"}, {"set-max-intset-entries", "512"}} {
		o.do("CONFIG", "SET", kv[0], kv[1])
	}
}

// replyShape keeps what a random reply must share with Redis's: an error whole, the type of
// a scalar, the type and size of an aggregate.
func replyShape(reply string) string {
	switch reply[0] {
	case '-':
		return reply
	case '*', '~', '%':
		return reply[:strings.Index(reply, "\r\n")]
	}
	return reply[:1]
}

// hsApplyConfig mirrors a transcript's CONFIG SET of an encoding limit on our fake host.
func hsApplyConfig(t testing.TB, s *hsSession, args []string) {
	for i := 2; i+1 < len(args); i += 2 {
		n, err := strconv.ParseInt(args[i+1], 10, 64)
		if err != nil {
			t.Fatalf("config value %q", args[i+1])
		}
		switch strings.ToLower(args[i]) {
		case "hash-max-listpack-entries":
			s.host.limits.HashListpackEntries = n
		case "hash-max-listpack-value":
			s.host.limits.HashListpackValue = n
		case "set-max-intset-entries":
			s.host.limits.SetIntsetEntries = n
		default:
			t.Fatalf("unmirrored config %q", args[i])
		}
	}
}

var hashTranscripts = []hsTranscript{
	{"hset-hget", []string{
		"HSET h a 1 b 2 c 3", "HSET h a 10 d 4", "HGET h a", "HGET h zz", "HGET nokey a",
		"HMGET h a zz b", "HMGET nokey a b", "HLEN h", "HLEN nokey", "HEXISTS h a", "HEXISTS h zz",
		"HEXISTS nokey a", "HSTRLEN h a", "HSTRLEN h zz", "HSTRLEN nokey a",
		"HGETALL h", "HKEYS h", "HVALS h", "HGETALL nokey", "HKEYS nokey", "HVALS nokey",
		"OBJECT ENCODING h", "HSET h \"\" \"\"", "HGET h \"\"", "HSTRLEN h \"\"", "HGETALL h",
		"HSET h \"a\\x00b\" \"v\\r\\nw\"", "HGET h \"a\\x00b\"", "HKEYS h",
	}},
	{"hset-errors", []string{
		"HSET h", "HSET h a", "HSET h a 1 b", "HMSET h a", "HMSET h a 1 b", "HMSET h a 1 b 2", "HGETALL h",
		"SET s x", "HSET s a 1", "HSETNX s a 1", "HGET s a", "HMGET s a", "HDEL s a", "HLEN s", "HSTRLEN s a",
		"HEXISTS s a", "HKEYS s", "HVALS s", "HGETALL s", "HINCRBY s a 1", "HINCRBYFLOAT s a 1",
		"HRANDFIELD s", "HRANDFIELD s 2", "HSCAN s 0", "HGET h", "HSETNX h a", "HINCRBY h a",
	}},
	{"hsetnx-hdel", []string{
		"HSETNX h a 1", "HSETNX h a 2", "HGET h a", "HSETNX h b 3", "HGETALL h",
		"HDEL h zz", "HDEL nokey a", "HDEL h a zz a", "HGETALL h", "HDEL h b", "EXISTS h", "HDEL h b",
		"HSET h a 1 b 2 c 3 d 4", "HDEL h b", "HGETALL h", "HSET h b 5", "HGETALL h", "HDEL h a b c d e", "EXISTS h",
	}},
	{"hincrby", []string{
		"HINCRBY h a 5", "HINCRBY h a -7", "HGET h a", "HINCRBY h a x", "HINCRBY h a 1.5", "HINCRBY h a \"\"",
		"HINCRBY h a \" 1\"", "HINCRBY h a 01", "HINCRBY h a 9223372036854775808",
		"HSET h big 9223372036854775807 small -9223372036854775808 f 1.5 s abc z 0 e \"\"",
		"HINCRBY h big 1", "HINCRBY h big 0", "HINCRBY h big -1", "HINCRBY h small -1", "HINCRBY h small 1",
		"HINCRBY h f 1", "HINCRBY h s 1", "HINCRBY h e 1", "HINCRBY h z -9223372036854775808",
		"HINCRBY h z -1", "HINCRBY nokey a -9223372036854775808", "HGETALL nokey", "HGETALL h",
		"HSET h sp \" 5\" lz 05 neg0 -0 plus +5", "HINCRBY h sp 1", "HINCRBY h lz 1", "HINCRBY h neg0 1", "HINCRBY h plus 1",
	}},
	{"hincrbyfloat", []string{
		"HINCRBYFLOAT h a 1.5", "HINCRBYFLOAT h a 0.1", "HINCRBYFLOAT h a -1.6", "HGET h a",
		"HINCRBYFLOAT h b 10", "HINCRBYFLOAT h b 5.0e3", "HINCRBYFLOAT h c 1e-5", "HINCRBYFLOAT h c 3.0e-20",
		"HINCRBYFLOAT h a abc", "HINCRBYFLOAT h a \"\"", "HINCRBYFLOAT h a nan", "HINCRBYFLOAT h a inf",
		"HINCRBYFLOAT h a -inf", "HINCRBYFLOAT h a infinity", "HINCRBYFLOAT nokey a inf", "EXISTS nokey",
		"HINCRBYFLOAT h d 0x10", "HINCRBYFLOAT h d 1e4932", "HINCRBYFLOAT h d 1e4932", "HGET h d",
		"HINCRBYFLOAT h e 1.7976931348623157e308", "HINCRBYFLOAT h e 1.7976931348623157e308",
		"HSET h s abc i 12 sp \" 3\" inf inf", "HINCRBYFLOAT h s 1", "HINCRBYFLOAT h i 0.5", "HINCRBYFLOAT h sp 1",
		"HINCRBYFLOAT h inf 1", "HINCRBYFLOAT h i \" 1\"", "HINCRBYFLOAT h i 1e", "HINCRBYFLOAT h i 5",
		"HINCRBYFLOAT h n 9223372036854775807", "HINCRBYFLOAT h n 1", "HINCRBYFLOAT h m -0.0", "@2 HGETALL h",
	}},
	{"hrandfield-deterministic", []string{
		"HRANDFIELD nokey", "HRANDFIELD nokey 5", "HRANDFIELD nokey -5 WITHVALUES", "HRANDFIELD nokey 0",
		"HSET h a 1 b 2 c 3", "HRANDFIELD h 0", "HRANDFIELD h 0 withvalues", "HRANDFIELD h 3", "HRANDFIELD h 10 WITHVALUES",
		"HRANDFIELD h 9223372036854775807", "HRANDFIELD h x", "HRANDFIELD h 1 withvalue", "HRANDFIELD h 1 withvalues x",
		"HRANDFIELD h -9223372036854775808", "HRANDFIELD nokey -9223372036854775808",
		"HRANDFIELD h 4611686018427387904 withvalues", "HRANDFIELD h -4611686018427387904 withvalues",
		"HRANDFIELD h 4611686018427387903 withvalues", "HRANDFIELD nokey -4611686018427387903 withvalues",
		"? HRANDFIELD h 1 \"withvalues\\x00junk\"", "HRANDFIELD h 3 \"withvalues\\x00junk\"",
		"? HRANDFIELD h", "? HRANDFIELD h 1", "? HRANDFIELD h 2", "? HRANDFIELD h -5", "? HRANDFIELD h -5 WITHVALUES",
		"? HRANDFIELD h 2 WITHVALUES", "? HRANDFIELD h 1 WITHVALUES",
		"# HELLO 3", "HRANDFIELD nokey", "HRANDFIELD nokey 3", "HRANDFIELD h 3 withvalues", "HRANDFIELD h 10",
		"? HRANDFIELD h -3 withvalues", "? HRANDFIELD h 2 withvalues", "? HRANDFIELD h 1 withvalues", "HGETALL h", "HGETALL nokey",
	}},
	{"hscan", []string{
		"HSCAN nokey 0", "HSCAN nokey abc", "HSCAN nokey 0 badopt", "HSET h a 1 b 2 c 3 ab 4",
		"HSCAN h 0", "HSCAN h 7", "HSCAN h -1", "HSCAN h +1", "HSCAN h \"\"", "HSCAN h \" 1\"", "HSCAN h 1x",
		"HSCAN h 18446744073709551615", "HSCAN h 18446744073709551616", "HSCAN h -18446744073709551615",
		"HSCAN h 0 MATCH a*", "HSCAN h 0 match *", "HSCAN h 0 match ?", "HSCAN h 0 match a* count 1",
		"HSCAN h 0 count 1", "HSCAN h 0 count 0", "HSCAN h 0 count -1", "HSCAN h 0 count x", "HSCAN h 0 count",
		"HSCAN h 0 match", "HSCAN h 0 match a match b", "HSCAN h 0 type string", "HSCAN h 0 novalues",
		"HSET h \"\" e", "HSCAN h 0", "HSCAN h 0 match *", "HSCAN h 0 match \"\"", "HSCAN h 0 match [a-b]*",
		"# HELLO 3", "HSCAN h 0", "HSCAN nokey 0",
	}},
	{"hash-encoding", []string{
		"CONFIG SET hash-max-listpack-entries 4 hash-max-listpack-value 8",
		"HSET h a 1 b 2 c 3 d 4", "OBJECT ENCODING h", "HGETALL h", "HSET h e 5", "OBJECT ENCODING h", "~2 HGETALL h",
		"HDEL h a b c d", "OBJECT ENCODING h", "HGETALL h",
		"HSET v a 12345678", "OBJECT ENCODING v", "HSET v b 123456789", "OBJECT ENCODING v", "~2 HGETALL v",
		"HSET f 123456789 x", "OBJECT ENCODING f",
		"HSETNX g a 1", "HSETNX g b 123456789", "OBJECT ENCODING g",
		"HINCRBY i a 1", "HINCRBY i a 99999999", "OBJECT ENCODING i", "HINCRBY j abcdefghi 1", "OBJECT ENCODING j",
		"HINCRBYFLOAT k a 1.5", "HINCRBYFLOAT k a 0.0000001", "OBJECT ENCODING k", "HGET k a",
		"HSET l a 1 b 2 c 3 d 4 e 5", "OBJECT ENCODING l", "~ HKEYS l", "~ HVALS l",
		"HSET m a 1", "CONFIG SET hash-max-listpack-entries 0", "HSET m a 2", "OBJECT ENCODING m",
		"CONFIG SET hash-max-listpack-entries 128 hash-max-listpack-value 64",
		"HSET n a 1 b 2", "CONFIG SET hash-max-listpack-value 0", "HSET n b 3", "OBJECT ENCODING n",
		"CONFIG SET hash-max-listpack-value 64", "HSET o a 1", "CONFIG SET hash-max-listpack-value 0", "HSETNX o a 2",
		"OBJECT ENCODING o", "HSET o \"\" \"\"", "OBJECT ENCODING o", "CONFIG SET hash-max-listpack-value 64",
	}},
	{"hash-resp3", []string{
		"# HELLO 3", "HSET h a 1 b 2", "HGETALL h", "HGETALL nokey", "HKEYS h", "HVALS nokey", "HMGET h a x",
		"HGET h x", "HGET nokey a", "HEXISTS h a", "HINCRBYFLOAT h a 0.5", "HRANDFIELD nokey",
		"HRANDFIELD h 2 withvalues", "? HRANDFIELD h -1 withvalues",
	}},
}

func TestHashesAgainstRedis(t *testing.T) { hsCompare(t, hashTranscripts) }

// TestHashesRandomAgainstRedis runs random transcripts through both servers, with small limits
// so that both encodings and the conversion between them are exercised; OBJECT ENCODING is
// compared before each whole-hash read, whose order only a listpack reproduces.
func TestHashesRandomAgainstRedis(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var trs []hsTranscript
	for n := 0; n < 40; n++ {
		lines := []string{"CONFIG SET hash-max-listpack-entries 6 hash-max-listpack-value 6"}
		for i := 0; i < 60; i++ {
			lines = append(lines, randomHashCommand(r)...)
		}
		trs = append(trs, hsTranscript{fmt.Sprintf("seed%d", n), lines})
	}
	hsCompare(t, trs)
}

func randomHashCommand(r *rand.Rand) []string {
	key := []string{"h1", "h2", "s"}[r.IntN(3)]
	field := func() string {
		return []string{"a", "b", "c", "d", "e", "f", "g", "long-field", "1", "\"\""}[r.IntN(10)]
	}
	value := func() string {
		return []string{"1", "-2", "x", "1.5", "9223372036854775807", "longer-value", "\"\"", "007"}[r.IntN(8)]
	}
	switch r.IntN(15) {
	case 0, 1:
		args := []string{"HSET", key}
		for i := r.IntN(3); i >= 0; i-- {
			args = append(args, field(), value())
		}
		return []string{strings.Join(args, " ")}
	case 2:
		return []string{"HSETNX " + key + " " + field() + " " + value()}
	case 3:
		return []string{"HDEL " + key + " " + field() + " " + field()}
	case 4:
		return []string{"HINCRBY " + key + " " + field() + " " + []string{"1", "-5", "9223372036854775807", "x"}[r.IntN(4)]}
	case 5:
		return []string{"HINCRBYFLOAT " + key + " " + field() + " " + []string{"1.5", "-0.25", "1e3", "x"}[r.IntN(4)]}
	case 6:
		return []string{"HGET " + key + " " + field(), "HMGET " + key + " " + field() + " " + field()}
	case 7:
		return []string{"HLEN " + key, "HSTRLEN " + key + " " + field(), "HEXISTS " + key + " " + field()}
	case 8:
		return []string{"@2 HGETALL " + key, "@1 HKEYS " + key, "@1 HVALS " + key}
	case 9:
		return []string{"? HRANDFIELD " + key + " " + strconv.Itoa(r.IntN(9)-4), "? HRANDFIELD " + key + " 3 WITHVALUES"}
	case 10:
		return []string{"SET s str"}
	case 11:
		return []string{"DEL " + key}
	case 12:
		return []string{"@1 HRANDFIELD " + key + " 100", "@2 HRANDFIELD " + key + " 100 WITHVALUES"}
	default:
		return []string{"@2 HSCAN " + key + " 0 COUNT 100"}
	}
}

// Reply builders for the expected values of the unit tests.
func hsInt(n int64) string    { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func hsBulk(s string) string  { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func hsErr(msg string) string { return "-" + msg + "\r\n" }

func hsArr(items ...string) string {
	return "*" + strconv.Itoa(len(items)) + "\r\n" + strings.Join(items, "")
}

func hsBulks(items ...string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = hsBulk(s)
	}
	return hsArr(out...)
}

const (
	hsNull  = "$-1\r\n"
	hsOK    = "+OK\r\n"
	hsEmpty = "*0\r\n"
)

type hsStep struct{ cmd, want string }

func runHSSteps(t *testing.T, s *hsSession, steps []hsStep) {
	t.Helper()
	for _, st := range steps {
		if got := s.line(st.cmd); got != st.want {
			t.Fatalf("%s\n got: %q\nwant: %q", st.cmd, got, st.want)
		}
	}
}

func TestHashCommands(t *testing.T) {
	wrongArgs := func(cmd string) string { return hsErr("ERR wrong number of arguments for '" + cmd + "' command") }
	runHSSteps(t, newHSSession(t), []hsStep{
		{"HSET h a 1 b 2", hsInt(2)},
		{"HSET h a 3 c 4", hsInt(1)},
		{"HMSET h d 5", hsOK},
		{"HSET h a", wrongArgs("hset")},
		{"HSET h a 1 b", wrongArgs("hset")},
		{"HMSET h a 1 b", wrongArgs("hmset")},
		{"HGETALL h", hsBulks("a", "3", "b", "2", "c", "4", "d", "5")},
		{"HKEYS h", hsBulks("a", "b", "c", "d")},
		{"HVALS h", hsBulks("3", "2", "4", "5")},
		{"HGET h a", hsBulk("3")},
		{"HGET h zz", hsNull},
		{"HGET nokey a", hsNull},
		{"HMGET h a zz d", hsArr(hsBulk("3"), hsNull, hsBulk("5"))},
		{"HMGET nokey a", hsArr(hsNull)},
		{"HLEN h", hsInt(4)},
		{"HLEN nokey", hsInt(0)},
		{"HSTRLEN h a", hsInt(1)},
		{"HSTRLEN h zz", hsInt(0)},
		{"HEXISTS h a", hsInt(1)},
		{"HEXISTS h zz", hsInt(0)},
		{"HEXISTS nokey a", hsInt(0)},
		{"HSETNX h a 9", hsInt(0)},
		{"HSETNX h e 9", hsInt(1)},
		{"HDEL h a zz a", hsInt(1)},
		{"HDEL nokey a", hsInt(0)},
		{"HGETALL h", hsBulks("b", "2", "c", "4", "d", "5", "e", "9")},
		{"HDEL h b c d e", hsInt(4)},
		{"EXISTS h", hsInt(0)},
		{"HGETALL h", hsEmpty},
		{"HKEYS nokey", hsEmpty},
		{`HSET e "" ""`, hsInt(1)},
		{`HGET e ""`, hsBulk("")},
		{`HSTRLEN e ""`, hsInt(0)},
		{"SET str x", hsOK},
		{"HSET str a 1", hsErr(ErrWrongType)},
		{"HGET str a", hsErr(ErrWrongType)},
		{"HMGET str a", hsErr(ErrWrongType)},
		{"HGETALL str", hsErr(ErrWrongType)},
		{"HDEL str a", hsErr(ErrWrongType)},
		{"HSCAN str 0", hsErr(ErrWrongType)},
		{"HSCAN str x", hsErr(errBadCursor)},
	})
}

func TestHashIncr(t *testing.T) {
	runHSSteps(t, newHSSession(t), []hsStep{
		{"HINCRBY h a 5", hsInt(5)},
		{"HINCRBY h a -7", hsInt(-2)},
		{"HINCRBY h a x", hsErr(ErrNotInt)},
		{"HINCRBY h a 01", hsErr(ErrNotInt)},
		{"HSET h max 9223372036854775807 min -9223372036854775808 s abc f 1.5 sp \" 1\"", hsInt(5)},
		{"HINCRBY h max 1", hsErr(ErrOverflow)},
		{"HINCRBY h min -1", hsErr(ErrOverflow)},
		{"HINCRBY h max -1", hsInt(9223372036854775806)},
		{"HINCRBY h s 1", hsErr(errHashNotInt)},
		{"HINCRBY h f 1", hsErr(errHashNotInt)},
		{"HINCRBY h sp 1", hsErr(errHashNotInt)},
		{"HINCRBY n a -9223372036854775808", hsInt(-9223372036854775808)},
		{"HINCRBYFLOAT h x 1.5", hsBulk("1.5")},
		{"HINCRBYFLOAT h x 0.1", hsBulk("1.6")},
		{"HINCRBYFLOAT h x -1.6", hsBulk("0")},
		{"HINCRBYFLOAT h x 5.0e3", hsBulk("5000")},
		{"HINCRBYFLOAT h a 0.5", hsBulk("-1.5")},
		{"HINCRBYFLOAT h f 1", hsBulk("2.5")},
		{"HINCRBYFLOAT h s 1", hsErr(errHashNotFloat)},
		{"HINCRBYFLOAT h sp 1", hsErr(errHashNotFloat)},
		{"HINCRBYFLOAT h x abc", hsErr(ErrNotFloat)},
		{`HINCRBYFLOAT h x ""`, hsErr(ErrNotFloat)},
		{"HINCRBYFLOAT h x nan", hsErr(ErrNotFloat)},
		{"HINCRBYFLOAT h x inf", hsErr(errNaNIncr)},
		{"HINCRBYFLOAT h x -infinity", hsErr(errNaNIncr)},
		{"HINCRBYFLOAT nokey a inf", hsErr(errNaNIncr)},
		{"EXISTS nokey", hsInt(0)},
		{"HSET h i inf", hsInt(1)},
		{"HINCRBYFLOAT h i 1", hsErr("ERR increment would produce NaN or Infinity")},
	})
	s := newHSSession(t)
	if got := s.line("HINCRBYFLOAT h y 1e4932"); !strings.HasPrefix(got, "$4933\r\n10000000000000000000060189493879638913") {
		t.Fatalf("HINCRBYFLOAT 1e4932: %q", clip(got, 60))
	}
	if got := s.line("HINCRBYFLOAT h y 1e4932"); got != hsErr("ERR increment would produce NaN or Infinity") {
		t.Fatalf("overflowing HINCRBYFLOAT: %q", got)
	}
	if got := s.line("OBJECT ENCODING h"); got != hsBulk("hashtable") {
		t.Fatalf("a 4933-byte value must convert the hash: %q", got)
	}
}

func TestHashEncoding(t *testing.T) {
	s := newHSSession(t)
	s.host.limits.HashListpackEntries, s.host.limits.HashListpackValue = 3, 4
	runHSSteps(t, s, []hsStep{
		{"HSET h a 1 b 2 c 3", hsInt(3)},
		{"OBJECT ENCODING h", hsBulk("listpack")},
		{"HSET h a 4", hsInt(0)},
		{"OBJECT ENCODING h", hsBulk("listpack")},
		{"HSET h d 4", hsInt(1)},
		{"OBJECT ENCODING h", hsBulk("hashtable")},
		{"HDEL h a b c", hsInt(3)},
		{"OBJECT ENCODING h", hsBulk("hashtable")},
		{"HSET v a 1234", hsInt(1)},
		{"OBJECT ENCODING v", hsBulk("listpack")},
		{"HSET v a 12345", hsInt(0)},
		{"OBJECT ENCODING v", hsBulk("hashtable")},
		{"HSET f abcde 1", hsInt(1)},
		{"OBJECT ENCODING f", hsBulk("hashtable")},
		{"HINCRBY i abcde 1", hsInt(1)},
		{"OBJECT ENCODING i", hsBulk("hashtable")},
		{"HINCRBY j a 99999", hsInt(99999)},
		{"OBJECT ENCODING j", hsBulk("hashtable")},
		{"HSETNX k a 1", hsInt(1)},
		{"HSETNX k a 12345", hsInt(0)},
		{"OBJECT ENCODING k", hsBulk("listpack")},
	})
	// Lowered limits apply to the next write of an existing listpack, as in Redis.
	s.line("HSET m a 1 b 2")
	s.host.limits.HashListpackEntries = 1
	runHSSteps(t, s, []hsStep{
		{"HSET m a 3", hsInt(0)},
		{"OBJECT ENCODING m", hsBulk("hashtable")},
		{"HGET m a", hsBulk("3")},
		{"COPY m m2", hsInt(1)},
		{"OBJECT ENCODING m2", hsBulk("hashtable")},
		{"COPY f f2", hsInt(1)},
		{"HSET f2 abcde 2", hsInt(0)},
		{"HGET f abcde", hsBulk("1")},
	})
}

func TestHashEventsDirtyHits(t *testing.T) {
	steps := []struct {
		cmd          string
		events       []string
		dirty        int
		hits, misses int
	}{
		{"HSET h a 1 b 2", []string{"n new h", "h hset h"}, 2, 0, 0},
		{"HSET h a 1", []string{"h hset h"}, 1, 0, 0},
		{"HMSET h c 3", []string{"h hset h"}, 1, 0, 0},
		{"HSETNX h a 1", nil, 0, 0, 0},
		{"HSETNX h d 4", []string{"h hset h"}, 1, 0, 0},
		{"HSETNX n d 4", []string{"n new n", "h hset n"}, 1, 0, 0},
		{"HDEL h zz", nil, 0, 0, 0},
		{"HDEL h a b zz", []string{"h hdel h"}, 2, 0, 0},
		{"HDEL n d", []string{"h hdel n", "g del n"}, 1, 0, 0},
		{"HINCRBY h i 1", []string{"h hincrby h"}, 1, 0, 0},
		{"HINCRBY i i 1", []string{"n new i", "h hincrby i"}, 1, 0, 0},
		{"HINCRBY h c x", nil, 0, 0, 0},
		{"HINCRBYFLOAT h f 1.5", []string{"h hincrbyfloat h"}, 1, 0, 0},
		{"HINCRBYFLOAT j f 1.5", []string{"n new j", "h hincrbyfloat j"}, 1, 0, 0},
		{"HGET h c", nil, 0, 1, 0},
		{"HGET nokey c", []string{"m keymiss nokey"}, 0, 0, 1},
		{"HMGET h c d", nil, 0, 1, 0},
		{"HLEN h", nil, 0, 1, 0},
		{"HGETALL nokey", []string{"m keymiss nokey"}, 0, 0, 1},
		{"HRANDFIELD h 2", nil, 0, 1, 0},
		{"HSCAN h 0", nil, 0, 1, 0},
		{"HSCAN h x", nil, 0, 0, 0},
	}
	s := newHSSession(t)
	for _, st := range steps {
		s.host.events, s.dirty, s.hits, s.misses = nil, 0, 0, 0
		s.line(st.cmd)
		if !slices.Equal(s.host.events, st.events) || s.dirty != st.dirty || s.hits != st.hits || s.misses != st.misses {
			t.Fatalf("%s: events %q dirty %d hits %d misses %d; want %q %d %d %d",
				st.cmd, s.host.events, s.dirty, s.hits, s.misses, st.events, st.dirty, st.hits, st.misses)
		}
	}
}

// hsParse splits an array reply into its elements' payloads (bulk strings only, or nested
// pairs flattened), for the property tests of random replies.
func hsParse(t *testing.T, reply string) []string {
	t.Helper()
	node, rest := parseResp(t, reply)
	if rest != "" {
		t.Fatalf("trailing bytes after %q", reply)
	}
	var out []string
	var walk func(n respNode)
	walk = func(n respNode) {
		if !strings.ContainsRune("*~%", rune(n.raw[0])) {
			if n.raw[0] != '$' {
				t.Fatalf("unexpected element %q in %q", n.raw, reply)
			}
			body := n.raw[strings.Index(n.raw, "\r\n")+2:]
			out = append(out, body[:len(body)-2])
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(node)
	return out
}

func TestHrandfieldProperties(t *testing.T) {
	for _, big := range []bool{false, true} {
		s := newHSSession(t)
		want := map[string]string{}
		n := 5
		if big {
			n = 300
		}
		for i := 0; i < n; i++ {
			f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i)
			want[f] = v
			s.do("HSET", "h", f, v)
		}
		for _, count := range []int{1, 2, 3, n - 1, n, n + 3, -1, -7, -2 * n} {
			for _, withValues := range []bool{false, true} {
				for _, proto := range []int{2, 3} {
					s.conn.proto = proto
					args := []string{"HRANDFIELD", "h", strconv.Itoa(count)}
					if withValues {
						args = append(args, "WITHVALUES")
					}
					reply := s.do(args...)
					items := hsParse(t, reply)
					abs := max(count, -count)
					wantLen := abs
					if count > 0 {
						wantLen = min(count, n)
					}
					if withValues && proto == 3 && !strings.HasPrefix(reply, "*"+strconv.Itoa(wantLen)+"\r\n*2\r\n") {
						t.Fatalf("%v RESP3: not an array of pairs: %q", args, clip(reply, 40))
					}
					fields := items
					if withValues {
						wantLen *= 2
						fields = nil
						for i := 0; i+1 < len(items); i += 2 {
							if want[items[i]] != items[i+1] {
								t.Fatalf("%v: pair %q %q is not in the hash", args, items[i], items[i+1])
							}
							fields = append(fields, items[i])
						}
					}
					if len(items) != wantLen {
						t.Fatalf("%v: %d elements, want %d", args, len(items), wantLen)
					}
					seen := map[string]bool{}
					for _, f := range fields {
						if _, ok := want[f]; !ok {
							t.Fatalf("%v: %q is not a field", args, f)
						}
						if seen[f] && count > 0 {
							t.Fatalf("%v: %q repeated", args, f)
						}
						seen[f] = true
					}
				}
			}
		}
		s.conn.proto = 2
		if f := hsParse(t, "*1\r\n"+s.do("HRANDFIELD", "h")); len(f) != 1 || want[f[0]] == "" {
			t.Fatalf("HRANDFIELD h: %q", f)
		}
	}
}

func TestHrandfieldHugeCounts(t *testing.T) {
	s := newHSSession(t)
	s.line("HSET h a 1 b 2")
	runHSSteps(t, s, []hsStep{
		{"HRANDFIELD h -9223372036854775808", hsErr(errCountRange)},
		{"HRANDFIELD h -9223372036854775807", hsErr(errRange)},
		{"HRANDFIELD h -4611686018427387903 WITHVALUES", hsErr(errRange)},
		{"HRANDFIELD h -4611686018427387904 WITHVALUES", hsErr(errRange)},
		{"HRANDFIELD h 9223372036854775807", hsBulks("a", "b")},
		{"HRANDFIELD nokey -9223372036854775807", hsEmpty},
	})
	// A repeating pick just under the cap is served.
	if got := s.line("HRANDFIELD h -1000"); !strings.HasPrefix(got, "*1000\r\n") {
		t.Fatalf("HRANDFIELD h -1000: %q", clip(got, 20))
	}
}

func TestHashScanHashtable(t *testing.T) {
	s := newHSSession(t)
	const n = 1000
	for i := 0; i < n; i++ {
		s.do("HSET", "h", "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	if got := s.line("OBJECT ENCODING h"); got != hsBulk("hashtable") {
		t.Fatalf("encoding %q", got)
	}
	// Fields present for the whole walk are returned, whatever is deleted and added meanwhile
	// (fields added may be returned too).
	seen := map[string]bool{}
	cursor, steps := "0", 0
	for {
		items := hsParse(t, s.do("HSCAN", "h", cursor, "COUNT", "7"))
		cursor = items[0]
		for i := 1; i+1 < len(items); i += 2 {
			want := strings.TrimPrefix(items[i], "f")
			if strings.HasPrefix(items[i], "new") {
				want = "x"
			}
			if items[i+1] != want {
				t.Fatalf("pair %q %q", items[i], items[i+1])
			}
			seen[items[i]] = true
		}
		steps++
		s.do("HDEL", "h", "f"+strconv.Itoa(n-steps))
		s.do("HSET", "h", "new"+strconv.Itoa(steps), "x")
		if cursor == "0" {
			break
		}
	}
	for i := 0; i < n-steps; i++ {
		if !seen["f"+strconv.Itoa(i)] {
			t.Fatalf("f%d never returned", i)
		}
	}
	items := hsParse(t, s.do("HSCAN", "h", "0", "MATCH", "f1?", "COUNT", "100000"))
	if items[0] != "0" || len(items) != 1+2*10 {
		t.Fatalf("MATCH f1?: %q", items)
	}
}
