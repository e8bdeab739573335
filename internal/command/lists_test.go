package command

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/list"
)

// ltHost records keyspace events for the list tests.
type ltHost struct {
	*fakeHost
	events []string
}

func (h *ltHost) Notify(db int, class byte, event, key string) {
	h.events = append(h.events, fmt.Sprintf("%c %s %s", class, event, key))
}

// ltSession runs commands as the server does and keeps what they report: dirty changes,
// keyspace hits and misses, and the last blocking request. A command that blocks gets its
// timeout reply at once, as inside MULTI, so transcripts can compare it with Redis's reply
// to a short timeout.
type ltSession struct {
	t            testing.TB
	host         *ltHost
	conn         *fakeConn
	now          int64
	dirty        int
	hits, misses int
	blocked      *BlockRequest
}

func newLTSession(t testing.TB) *ltSession {
	return &ltSession{t: t, host: &ltHost{fakeHost: newFakeHost()}, conn: &fakeConn{id: 1, proto: 2},
		now: time.Now().UnixMilli()}
}

func (s *ltSession) do(args ...string) string {
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
	s.blocked = ctx.Blocked
	if ctx.Blocked != nil {
		if len(w.Buf) != 0 {
			s.t.Fatalf("%q wrote %q and blocked", args, w.Buf)
		}
		ctx.Blocked.OnTimeout(w)
	}
	return string(w.Buf)
}

func (s *ltSession) line(l string) string { return s.do(ltFields(s.t, l)...) }

// ltFields splits a transcript line on spaces; a field in double quotes is a Go string
// literal, for empty, spaced or binary arguments.
func ltFields(t testing.TB, line string) []string {
	t.Helper()
	var out []string
	for line = strings.TrimLeft(line, " "); line != ""; line = strings.TrimLeft(line, " ") {
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				t.Fatalf("bad quoted field in %q", line)
			}
			u, _ := strconv.Unquote(q)
			out = append(out, u)
			line = line[len(q):]
			continue
		}
		f, rest, _ := strings.Cut(line, " ")
		out = append(out, f)
		line = rest
	}
	return out
}

func ltInt(n int64) string   { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func ltBulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func ltErr(s string) string  { return "-" + s + "\r\n" }
func ltArr(items ...string) string {
	return "*" + strconv.Itoa(len(items)) + "\r\n" + strings.Join(items, "")
}
func ltBulks(items ...string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = ltBulk(s)
	}
	return ltArr(out...)
}

const (
	ltNull      = "$-1\r\n"
	ltNullArray = "*-1\r\n"
	ltOK        = "+OK\r\n"
)

type ltStep struct {
	cmd, want string
}

func runLTSteps(t *testing.T, s *ltSession, steps []ltStep) {
	t.Helper()
	for _, st := range steps {
		if got := s.line(st.cmd); got != st.want {
			t.Fatalf("%s\n got: %q\nwant: %q", st.cmd, got, st.want)
		}
	}
}

func TestListCommands(t *testing.T) {
	tests := []struct {
		name  string
		steps []ltStep
	}{
		{"push-pop", []ltStep{
			{"LPUSH l b a", ltInt(2)}, {"RPUSH l c d", ltInt(4)}, {"LRANGE l 0 -1", ltBulks("a", "b", "c", "d")},
			{"LPUSHX nokey a", ltInt(0)}, {"RPUSHX nokey a", ltInt(0)}, {"EXISTS nokey", ltInt(0)},
			{"LPUSHX l z", ltInt(5)}, {"RPUSHX l y x", ltInt(7)},
			{"LPOP l", ltBulk("z")}, {"RPOP l", ltBulk("x")}, {"LPOP l 2", ltBulks("a", "b")},
			{"RPOP l 2", ltBulks("y", "d")}, {"LPOP l 0", ltArr()}, {"RPOP l 100", ltBulks("c")},
			{"EXISTS l", ltInt(0)}, {"LPOP l", ltNull}, {"LPOP l 1", ltNullArray}, {"LPOP l 0", ltNullArray},
			{`RPUSH e ""`, ltInt(1)}, {"LPOP e", ltBulk("")},
			{"LPOP l x", ltErr(errListCountPositive)}, {"RPOP l -1", ltErr(errListCountPositive)},
			{"LPOP l 1 2", ltErr("ERR wrong number of arguments for 'lpop' command")},
			{"RPOP l 1 2", ltErr("ERR wrong number of arguments for 'rpop' command")},
			{"LPUSH l", ltErr("ERR wrong number of arguments for 'lpush' command")},
		}},
		{"wrongtype", []ltStep{
			{"SET s v", ltOK}, {"LPUSH s a", ltErr(ErrWrongType)}, {"RPUSHX s a", ltErr(ErrWrongType)},
			{"LPOP s", ltErr(ErrWrongType)}, {"RPOP s 0", ltErr(ErrWrongType)}, {"LLEN s", ltErr(ErrWrongType)},
			{"LRANGE s 0 1", ltErr(ErrWrongType)}, {"LINDEX s 0", ltErr(ErrWrongType)}, {"LSET s 0 a", ltErr(ErrWrongType)},
			{"LINSERT s BEFORE a b", ltErr(ErrWrongType)}, {"LREM s 0 a", ltErr(ErrWrongType)},
			{"LTRIM s 0 1", ltErr(ErrWrongType)}, {"LPOS s a", ltErr(ErrWrongType)}, {"LMOVE s d LEFT LEFT", ltErr(ErrWrongType)},
			{"LMPOP 1 s LEFT", ltErr(ErrWrongType)}, {"BLPOP s 0", ltErr(ErrWrongType)}, {"BLMOVE s d LEFT LEFT 0", ltErr(ErrWrongType)},
			{"RPUSH l a", ltInt(1)}, {"LMOVE l s LEFT LEFT", ltErr(ErrWrongType)}, {"LRANGE l 0 -1", ltBulks("a")},
			{"LMOVE nokey s LEFT LEFT", ltNull}, {"BLPOP l s 0", ltArr(ltBulk("l"), ltBulk("a"))},
		}},
		{"index-set", []ltStep{
			{"RPUSH l a b c", ltInt(3)}, {"LINDEX l 0", ltBulk("a")}, {"LINDEX l -1", ltBulk("c")},
			{"LINDEX l 3", ltNull}, {"LINDEX l -4", ltNull}, {"LINDEX l -9223372036854775808", ltNull},
			{"LINDEX l x", ltErr(ErrNotInt)}, {"LINDEX nokey x", ltNull},
			{"LSET l 1 B", ltOK}, {"LSET l -1 C", ltOK}, {"LRANGE l 0 -1", ltBulks("a", "B", "C")},
			{"LSET l 3 x", ltErr(errListIndexRange)}, {"LSET l -4 x", ltErr(errListIndexRange)},
			{"LSET l x x", ltErr(ErrNotInt)}, {"LSET nokey 0 x", ltErr(ErrNoSuchKey)}, {"LSET nokey x x", ltErr(ErrNoSuchKey)},
			{"LLEN l", ltInt(3)}, {"LLEN nokey", ltInt(0)},
		}},
		{"range-trim", []ltStep{
			{"RPUSH l 0 1 2 3 4 5", ltInt(6)}, {"LRANGE l 1 2", ltBulks("1", "2")}, {"LRANGE l -2 -1", ltBulks("4", "5")},
			{"LRANGE l -100 1", ltBulks("0", "1")}, {"LRANGE l 4 100", ltBulks("4", "5")}, {"LRANGE l 3 2", ltArr()},
			{"LRANGE l 6 7", ltArr()}, {"LRANGE l -9223372036854775808 9223372036854775807", ltBulks("0", "1", "2", "3", "4", "5")},
			{"LRANGE l x 1", ltErr(ErrNotInt)}, {"LRANGE l 1 x", ltErr(ErrNotInt)}, {"LRANGE nokey x 1", ltErr(ErrNotInt)},
			{"LRANGE nokey 0 -1", ltArr()},
			{"LTRIM l 1 -2", ltOK}, {"LRANGE l 0 -1", ltBulks("1", "2", "3", "4")}, {"LTRIM l -100 100", ltOK},
			{"LLEN l", ltInt(4)}, {"LTRIM l x 0", ltErr(ErrNotInt)}, {"LTRIM nokey 0 1", ltOK},
			{"LTRIM l 2 1", ltOK}, {"EXISTS l", ltInt(0)},
		}},
		{"insert-rem", []ltStep{
			{"RPUSH l a b a", ltInt(3)}, {"LINSERT l BEFORE a x", ltInt(4)}, {"LINSERT l after a y", ltInt(5)},
			{"LRANGE l 0 -1", ltBulks("x", "a", "y", "b", "a")}, {"LINSERT l BEFORE zz q", ltInt(-1)},
			{"LINSERT nokey BEFORE a b", ltInt(0)}, {"LINSERT l MIDDLE a b", ltErr(ErrSyntax)},
			{"LINSERT nokey MIDDLE a b", ltErr(ErrSyntax)},
			{"LREM l -1 a", ltInt(1)}, {"LRANGE l 0 -1", ltBulks("x", "a", "y", "b")}, {"LREM l 0 zz", ltInt(0)},
			{"LREM l x a", ltErr(ErrNotInt)}, {"LREM nokey 0 a", ltInt(0)},
			{"RPUSH m a a a", ltInt(3)}, {"LREM m -9223372036854775808 a", ltInt(3)}, {"EXISTS m", ltInt(0)},
			{"RPUSH m a b a b", ltInt(4)}, {"LREM m 1 b", ltInt(1)}, {"LRANGE m 0 -1", ltBulks("a", "a", "b")},
		}},
		{"lpos", []ltStep{
			{"RPUSH l a b c a b c a", ltInt(7)}, {"LPOS l a", ltInt(0)}, {"LPOS l c", ltInt(2)}, {"LPOS l a RANK 2", ltInt(3)},
			{"LPOS l a RANK -1", ltInt(6)}, {"LPOS l a RANK -3", ltInt(0)}, {"LPOS l a RANK 4", ltNull},
			{"LPOS l a COUNT 0", ltArr(ltInt(0), ltInt(3), ltInt(6))}, {"LPOS l a COUNT 2 RANK -1", ltArr(ltInt(6), ltInt(3))},
			{"LPOS l a COUNT 0 MAXLEN 4", ltArr(ltInt(0), ltInt(3))}, {"LPOS l a RANK -1 MAXLEN 1", ltInt(6)},
			{"LPOS l c MAXLEN 2", ltNull}, {"LPOS l z COUNT 1", ltArr()}, {"LPOS nokey a", ltNull}, {"LPOS nokey a COUNT 1", ltArr()},
			{"LPOS l a RANK -9223372036854775808", ltInt(6)}, {"LPOS l a RANK 9223372036854775807", ltNull},
			{"LPOS l a COUNT 9223372036854775807 MAXLEN 9223372036854775807", ltArr(ltInt(0), ltInt(3), ltInt(6))},
			{"LPOS l a RANK 0", ltErr(errListRankZero)}, {"LPOS nokey a RANK 0", ltErr(errListRankZero)},
			{"LPOS l a RANK x", ltErr(ErrNotInt)}, {"LPOS l a COUNT -1", ltErr("ERR COUNT can't be negative")},
			{"LPOS l a COUNT x", ltErr("ERR COUNT can't be negative")}, {"LPOS l a MAXLEN -1", ltErr("ERR MAXLEN can't be negative")},
			{"LPOS l a MAXLEN x", ltErr("ERR MAXLEN can't be negative")}, {"LPOS l a RANK", ltErr(ErrSyntax)},
			{"LPOS l a FOO 1", ltErr(ErrSyntax)},
		}},
		{"lmove", []ltStep{
			{"RPUSH s a b c", ltInt(3)}, {"LMOVE s d LEFT RIGHT", ltBulk("a")}, {"LMOVE s d right LEFT", ltBulk("c")},
			{"LRANGE d 0 -1", ltBulks("c", "a")}, {"RPOPLPUSH s d", ltBulk("b")}, {"EXISTS s", ltInt(0)},
			{"LRANGE d 0 -1", ltBulks("b", "c", "a")}, {"LMOVE d d LEFT RIGHT", ltBulk("b")}, {"LRANGE d 0 -1", ltBulks("c", "a", "b")},
			{"RPUSH one x", ltInt(1)}, {"LMOVE one one LEFT LEFT", ltBulk("x")}, {"LRANGE one 0 -1", ltBulks("x")},
			{"LMOVE nokey d LEFT LEFT", ltNull}, {"RPOPLPUSH nokey d", ltNull}, {"LMOVE d x UP LEFT", ltErr(ErrSyntax)},
			{"LMOVE nokey x LEFT DOWN", ltErr(ErrSyntax)},
		}},
		{"lmpop", []ltStep{
			{"RPUSH a 1 2 3", ltInt(3)}, {"RPUSH b x", ltInt(1)},
			{"LMPOP 2 nokey a LEFT", ltArr(ltBulk("a"), ltBulks("1"))},
			{"LMPOP 2 a b RIGHT COUNT 5", ltArr(ltBulk("a"), ltBulks("3", "2"))},
			{"LMPOP 2 a b left count 1", ltArr(ltBulk("b"), ltBulks("x"))}, {"LMPOP 2 a b LEFT", ltNullArray},
			{"LMPOP 0 a LEFT", ltErr("ERR numkeys should be greater than 0")},
			{"LMPOP x a LEFT", ltErr("ERR numkeys should be greater than 0")},
			{"LMPOP 2 a LEFT", ltErr(ErrSyntax)}, {"LMPOP 9223372036854775807 a LEFT", ltErr(ErrSyntax)},
			{"LMPOP 1 a UP", ltErr(ErrSyntax)}, {"LMPOP 1 a LEFT COUNT 0", ltErr("ERR count should be greater than 0")},
			{"LMPOP 1 a LEFT COUNT x", ltErr("ERR count should be greater than 0")},
			{"LMPOP 1 a LEFT COUNT 1 COUNT 1", ltErr(ErrSyntax)}, {"LMPOP 1 a LEFT COUNT", ltErr(ErrSyntax)},
			{"LMPOP 1 a LEFT FOO", ltErr(ErrSyntax)},
		}},
		{"blocking-served", []ltStep{
			{"RPUSH a 1 2", ltInt(2)}, {"BLPOP nokey a 0", ltArr(ltBulk("a"), ltBulk("1"))},
			{"BRPOP a 0.5", ltArr(ltBulk("a"), ltBulk("2"))}, {"BLPOP a 0.01", ltNullArray},
			{"RPUSH a x y", ltInt(2)}, {"BLMOVE a d RIGHT LEFT 0", ltBulk("y")}, {"BRPOPLPUSH a d 0", ltBulk("x")},
			{"BLMOVE a d RIGHT LEFT 0", ltNullArray}, {"BRPOPLPUSH a d 0", ltNullArray},
			{"BLMPOP 0 2 a d RIGHT COUNT 3", ltArr(ltBulk("d"), ltBulks("y", "x"))}, {"BLMPOP 0 1 d LEFT", ltNullArray},
		}},
		{"blocking-errors", []ltStep{
			{"BLPOP a x", ltErr(errListTimeout)}, {"BLPOP a -1", ltErr(errListTimeoutNeg)}, {"BRPOP a inf", ltErr(errListTimeoutNeg)},
			{"BLPOP a nan", ltErr(errListTimeout)}, {"BLMOVE a d UP LEFT x", ltErr(ErrSyntax)},
			{"BLMOVE a d LEFT LEFT x", ltErr(errListTimeout)}, {"BRPOPLPUSH a d -0.5", ltErr(errListTimeoutNeg)},
			{"BLMPOP x 1 a LEFT COUNT 0", ltErr("ERR count should be greater than 0")},
			{"BLMPOP x 1 a LEFT", ltErr(errListTimeout)}, {"BLMPOP 0 0 a LEFT", ltErr("ERR numkeys should be greater than 0")},
			{"BLMPOP 0 2 a LEFT", ltErr(ErrSyntax)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runLTSteps(t, newLTSession(t), tt.steps) })
	}
}

func TestListResp3(t *testing.T) {
	s := newLTSession(t)
	s.conn.proto = 3
	runLTSteps(t, s, []ltStep{
		{"LPOP nokey", "_\r\n"}, {"LPOP nokey 2", "_\r\n"}, {"RPOP nokey 0", "_\r\n"}, {"LINDEX nokey 0", "_\r\n"},
		{"LPOS nokey a", "_\r\n"}, {"LPOS nokey a COUNT 0", ltArr()}, {"LMOVE nokey d LEFT LEFT", "_\r\n"},
		{"LMPOP 1 nokey LEFT", "_\r\n"}, {"BLPOP nokey 1", "_\r\n"}, {"BLMOVE nokey d LEFT LEFT 1", "_\r\n"},
		{"BLMPOP 1 1 nokey LEFT", "_\r\n"}, {"RPUSH l a", ltInt(1)}, {"LPOS l b", "_\r\n"}, {"LINDEX l 5", "_\r\n"},
		{"LPOP l 0", ltArr()},
	})
}

func TestListEventsDirtyHits(t *testing.T) {
	tests := []struct {
		cmd    string
		events []string
		dirty  int
		hits   int
		misses int
	}{
		{"RPUSH l a b c d", []string{"l rpush l"}, 4, 0, 0},
		{"LPUSH l z", []string{"l lpush l"}, 1, 0, 0},
		{"LPUSHX nokey z", nil, 0, 0, 0},
		{"LLEN l", nil, 0, 1, 0},
		{"LLEN nokey", []string{"m keymiss nokey"}, 0, 0, 1},
		{"LRANGE l 0 1", nil, 0, 1, 0},
		{"LINDEX nokey 1", []string{"m keymiss nokey"}, 0, 0, 1},
		{"LPOS l a", nil, 0, 1, 0},
		{"LSET l 0 y", []string{"l lset l"}, 1, 0, 0},
		{"LINSERT l BEFORE a x", []string{"l linsert l"}, 1, 0, 0},
		{"LINSERT l BEFORE nomatch x", nil, 0, 0, 0},
		{"LREM l 0 x", []string{"l lrem l"}, 1, 0, 0},
		{"LREM l 0 nomatch", nil, 0, 0, 0},
		{"LPOP l 2", []string{"l lpop l"}, 2, 0, 0},
		{"LTRIM l 0 0", []string{"l ltrim l"}, 2, 0, 0},
		{"LTRIM l 0 -1", []string{"l ltrim l"}, 0, 0, 0},
		{"LMOVE l d LEFT RIGHT", []string{"l rpush d", "l lpop l", "g del l"}, 1, 0, 0},
		{"RPOPLPUSH d d", []string{"l lpush d", "l rpop d"}, 1, 0, 0},
		{"LMPOP 1 d RIGHT COUNT 9", []string{"l rpop d", "g del d"}, 1, 0, 0},
		{"RPUSH b 1 2", []string{"l rpush b"}, 2, 0, 0},
		{"BRPOP b 0", []string{"l rpop b"}, 1, 0, 0},
		{"LREM b 0 1", []string{"l lrem b", "g del b"}, 1, 0, 0},
		{"BLPOP b 0", nil, 0, 0, 0},
	}
	s := newLTSession(t)
	for _, tt := range tests {
		s.host.events, s.dirty, s.hits, s.misses = nil, 0, 0, 0
		s.line(tt.cmd)
		if strings.Join(s.host.events, ",") != strings.Join(tt.events, ",") || s.dirty != tt.dirty ||
			s.hits != tt.hits || s.misses != tt.misses {
			t.Errorf("%s: events %q dirty %d hits %d misses %d; want %q %d %d %d", tt.cmd,
				s.host.events, s.dirty, s.hits, s.misses, tt.events, tt.dirty, tt.hits, tt.misses)
		}
	}
}

// TestListWatchSignals checks which commands report a key as modified (WATCH, blocked
// clients), including LTRIM that removes nothing, as Redis's signalModifiedKey calls do.
func TestListWatchSignals(t *testing.T) {
	tests := []struct {
		cmd     string
		touched bool
	}{
		{"RPUSH l a b c", true}, {"RPUSHX nokey a", false}, {"LRANGE l 0 -1", false}, {"LTRIM l 0 -1", true},
		{"LREM l 0 zz", false}, {"LREM l 1 a", true}, {"LINSERT l AFTER zz x", false}, {"LSET l 0 q", true},
		{"LPOP l 0", false}, {"LPOS l b", false}, {"RPOP l", true},
	}
	s := newLTSession(t)
	var touched []string
	for _, db := range s.host.dbs {
		db.Touched = func(_ int, key string) { touched = append(touched, key) }
	}
	for _, tt := range tests {
		touched = nil
		s.line(tt.cmd)
		if (len(touched) > 0) != tt.touched {
			t.Errorf("%s touched %q, want %v", tt.cmd, touched, tt.touched)
		}
	}
}

func TestListBlockRequests(t *testing.T) {
	s := newLTSession(t)
	s.now = 1_000_000
	tests := []struct {
		cmd      string
		keys     []string
		deadline int64
	}{
		{"BLPOP a b a 0", []string{"a", "b"}, 0},
		{"BRPOP a 1.5", []string{"a"}, 1_001_500},
		{"BLPOP a 0.0001", []string{"a"}, 1_000_001}, // under a millisecond rounds up, as in Redis
		{"BLPOP a -0.0001", []string{"a"}, 0},        // rounds up to 0, which is "forever"
		{"BLMOVE a b LEFT RIGHT 2", []string{"a"}, 1_002_000},
		{"BRPOPLPUSH a b 0", []string{"a"}, 0},
		{"BLMPOP 0.25 3 x y x LEFT COUNT 2", []string{"x", "y"}, 1_000_250},
		{"BLPOP a 9223372036854775.807", []string{"a"}, math.MaxInt64},
	}
	for _, tt := range tests {
		s.blocked = nil
		s.line(tt.cmd)
		b := s.blocked
		if b == nil || strings.Join(b.Keys, ",") != strings.Join(tt.keys, ",") || b.Deadline != tt.deadline {
			t.Errorf("%s: blocked %+v, want keys %q deadline %d", tt.cmd, b, tt.keys, tt.deadline)
		}
	}
}

// TestListBlockedRerun plays the server's part: a blocked command is run again from the
// start when one of its keys is written, and is served or keeps waiting.
func TestListBlockedRerun(t *testing.T) {
	s := newLTSession(t)
	steps := []struct {
		cmd     string
		want    string
		blocked bool
	}{
		{"BLPOP q1 q2 0", ltNullArray, true},
		{"SET q1 x", ltOK, false},
		{"BLPOP q2 0", ltNullArray, true},
		{"RPUSH q2 a b", ltInt(2), false},
		{"BLPOP nokey q2 0", ltArr(ltBulk("q2"), ltBulk("a")), false},
		{"BLMOVE q2 dst RIGHT LEFT 0", ltBulk("b"), false},
		{"BLMOVE q2 dst RIGHT LEFT 0", ltNullArray, true},
		{"BLMPOP 0 2 q2 dst LEFT COUNT 2", ltArr(ltBulk("dst"), ltBulks("b")), false},
	}
	for _, st := range steps {
		got := s.line(st.cmd)
		if got != st.want || (s.blocked != nil) != st.blocked {
			t.Fatalf("%s: %q blocked=%v, want %q blocked=%v", st.cmd, got, s.blocked != nil, st.want, st.blocked)
		}
	}
}

func TestParseTimeoutMs(t *testing.T) {
	tests := []struct {
		in string
		ms int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1000, true}, {"1.5", 1500, true}, {".5", 500, true}, {"5.", 5000, true},
		{"+1", 1000, true}, {"-0", 0, true}, {"-0.0001", 0, true}, {"0.0001", 1, true}, {"-0.0009", 0, true}, {"-0.9999", -999, true}, {"0.0019", 2, true}, {"1e3", 1000000, true},
		{"1E-3", 1, true}, {"0x10", 16000, true}, {"0X1p3", 8000, true}, {"0x.8", 500, true}, {"-0x10", -16000, true},
		{"0.1", 100, true}, {"0.3", 300, true}, {"2.675", 2675, true},
		{"9223372036854775", 9223372036854775000, true}, {"9223372036854775.807", 9223372036854775807, true}, {"9223372036854775.8075", math.MinInt64, true},
		{"9223372036854776", math.MinInt64, true}, {"1e20", math.MinInt64, true}, {"-1e20", math.MinInt64, true},
		{"inf", math.MinInt64, true}, {"-Infinity", math.MinInt64, true}, {"1e4000", math.MinInt64, true},
		{"1e-400", 1, true}, {"1e-4950", 1, true}, {"-1e-400", 0, true}, {"0e999999999999", 0, true},
		{"1e5000", 0, false}, {"1e-5000", 0, false}, {"1e99999999999999999999", 0, false},
		{"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"\t1", 0, false}, {"nan", 0, false}, {"-nan", 0, false},
		{"1_0", 0, false}, {"1e", 0, false}, {"1e+", 0, false}, {"0x", 0, false}, {"0xg", 0, false}, {"0x1p", 0, false},
		{".", 0, false}, {"+", 0, false}, {"infin", 0, false}, {"abc", 0, false}, {"1.2.3", 0, false},
		{"1\x00zz", 1000, true}, {"\x00", 0, true}, {"x\x00", 0, false}, {"--1", 0, false},
		{strings.Repeat("1", 5120), 0, false}, {"0." + strings.Repeat("0", 5000) + "1", 0, false}, {"0." + strings.Repeat("0", 4000) + "1", 1, true},
	}
	for _, tt := range tests {
		ms, ok := strtoldTimeoutMs([]byte(tt.in))
		if ms != tt.ms || ok != tt.ok {
			t.Errorf("strtoldTimeoutMs(%q) = %d, %v; want %d, %v", clip(tt.in, 40), ms, ok, tt.ms, tt.ok)
		}
	}
}

func TestListEncodingAndMemory(t *testing.T) {
	s := newLTSession(t)
	s.line("RPUSH l a")
	o := s.host.dbs[0].Lookup("l", s.now, false)
	l := o.Val.(*list.List)
	if l.Encoding() != "quicklist" || MemoryUsage("l", o) <= 0 {
		t.Fatalf("encoding %q memory %d", l.Encoding(), MemoryUsage("l", o))
	}
	if got := s.line("OBJECT ENCODING l"); got != ltBulk("quicklist") {
		t.Fatalf("OBJECT ENCODING: %q", got)
	}
	big := []string{"RPUSH", "big"}
	for i := 0; i < 1000; i++ {
		big = append(big, strconv.Itoa(i))
	}
	s.do(big...)
	if got := s.line("OBJECT ENCODING big"); got != ltBulk("quicklist") {
		t.Fatalf("OBJECT ENCODING big: %q", got)
	}
	s.line("COPY big cp")
	s.line("LSET cp 0 changed")
	if got := s.line("LINDEX big 0"); got != ltBulk("0") {
		t.Fatalf("COPY shares state: %q", got)
	}
	if got := s.line("LINDEX cp 500"); got != ltBulk("500") {
		t.Fatalf("COPY content: %q", got)
	}
}

// ltTranscripts run on our session and a real Redis; every reply must match byte for byte.
// A line starting with "# " runs on both without comparing (HELLO, whose reply names the
// server). Blocking commands use short timeouts: our session answers them as timed out.
var ltTranscripts = []struct {
	name  string
	lines []string
}{
	{"push-pop", []string{
		"LPUSH l b a", "RPUSH l c d", "LRANGE l 0 -1", "LPUSHX nokey a", "RPUSHX nokey a b", "EXISTS nokey",
		"LPUSHX l z", "RPUSHX l y x", "LPOP l", "RPOP l", "LPOP l 2", "RPOP l 2", "LPOP l 0", "RPOP l 100",
		"EXISTS l", "LPOP l", "LPOP l 1", "LPOP l 0", "RPOP l 0", `RPUSH e "" "\x00\r\n"`, "LRANGE e 0 -1", "LPOP e",
		"LPOP l x", "RPOP l -1", "LPOP l 1 2", "RPOP l 1 2", "LPUSH l", "RPUSH l", "LPOP", "RPOP l 9223372036854775808",
		"RPUSH n 1 2 3", "RPOP n 9223372036854775807", "RPUSH n 12 -3 007 1.5", "LRANGE n 0 -1",
		"OBJECT ENCODING n", "TYPE n",
	}},
	{"wrongtype", []string{
		"SET s v", "LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LPOP s", "RPOP s 0", "LPOP s x", "LLEN s",
		"LRANGE s 0 1", "LRANGE s x 1", "LINDEX s 0", "LINDEX s x", "LSET s 0 a", "LSET s x a", "LINSERT s BEFORE a b",
		"LINSERT s UP a b", "LREM s 0 a", "LREM s x a", "LTRIM s 0 1", "LTRIM s x 1", "LPOS s a", "LPOS s a RANK 0",
		"LMOVE s d LEFT LEFT", "LMOVE s d UP LEFT", "RPOPLPUSH s d", "LMPOP 1 s LEFT", "LMPOP 2 nokey s LEFT",
		"BLPOP s 0", "BRPOP nokey s 0", "BLMOVE s d LEFT LEFT 0", "BRPOPLPUSH s d 0", "BLMPOP 0 1 s LEFT",
		"RPUSH l a", "LMOVE l s LEFT LEFT", "RPOPLPUSH l s", "LRANGE l 0 -1", "LMOVE nokey s LEFT LEFT",
		"BLPOP l s 0", "RPUSH l a", "BLMPOP 0 2 s l LEFT", "LMPOP 2 l s LEFT", "RPUSH l a", "BLMOVE l s LEFT LEFT 0",
	}},
	{"index-set-range", []string{
		"RPUSH l a b c", "LINDEX l 0", "LINDEX l -1", "LINDEX l 3", "LINDEX l -4", "LINDEX l -9223372036854775808",
		"LINDEX l 9223372036854775807", "LINDEX l x", "LINDEX nokey x", "LINDEX l 01", "LINDEX l +1", "LINDEX l \" 1\"",
		"LSET l 1 B", "LSET l -1 C", "LRANGE l 0 -1", "LSET l 3 x", "LSET l -4 x", "LSET l x x", "LSET nokey 0 x",
		"LSET nokey x x", "LSET l -9223372036854775808 x", "LLEN l", "LLEN nokey",
		"RPUSH r 0 1 2 3 4 5", "LRANGE r 1 2", "LRANGE r -2 -1", "LRANGE r -100 1", "LRANGE r 4 100", "LRANGE r 3 2",
		"LRANGE r 6 7", "LRANGE r -9223372036854775808 9223372036854775807", "LRANGE r 9223372036854775807 -9223372036854775808",
		"LRANGE r x 1", "LRANGE r 1 x", "LRANGE nokey x 1", "LRANGE nokey 0 -1", "LRANGE r -1 -2", "LRANGE r 0 0",
		"LTRIM r 1 -2", "LRANGE r 0 -1", "LTRIM r -100 100", "LLEN r", "LTRIM r x 0", "LTRIM r 0 x", "LTRIM nokey 0 1",
		"LTRIM r -1 -1", "LRANGE r 0 -1", "LTRIM r 2 1", "EXISTS r", "RPUSH r a b", "LTRIM r 5 10", "EXISTS r",
		"RPUSH r a b c", "LTRIM r -9223372036854775808 9223372036854775807", "LRANGE r 0 -1",
	}},
	{"insert-rem", []string{
		"RPUSH l a b a", "LINSERT l BEFORE a x", "LINSERT l after a y", "LRANGE l 0 -1", "LINSERT l BEFORE zz q",
		"LINSERT nokey BEFORE a b", "LINSERT l MIDDLE a b", "LINSERT nokey MIDDLE a b", "LINSERT l BeFoRe b \"\"",
		"LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1", "LREM l 0 zz", "LREM l x a", "LREM nokey 0 a",
		"RPUSH m a a a", "LREM m -9223372036854775808 a", "EXISTS m", "RPUSH m a b a b a", "LREM m 1 b",
		"LRANGE m 0 -1", "LREM m 2 a", "LRANGE m 0 -1", "LREM m -9223372036854775807 b", "LRANGE m 0 -1",
		"LREM m 9223372036854775807 a", "EXISTS m",
	}},
	{"lpos", []string{
		"RPUSH l a b c a b c a", "LPOS l a", "LPOS l c", "LPOS l a RANK 2", "LPOS l a RANK -1", "LPOS l a RANK -3",
		"LPOS l a RANK 4", "LPOS l a COUNT 0", "LPOS l a COUNT 2 RANK -1", "LPOS l a COUNT 0 MAXLEN 4",
		"LPOS l a RANK -1 MAXLEN 1", "LPOS l c MAXLEN 2", "LPOS l z COUNT 1", "LPOS nokey a", "LPOS nokey a COUNT 1",
		"LPOS l a RANK -9223372036854775808", "LPOS l a RANK 9223372036854775807", "LPOS l a RANK -9223372036854775807",
		"LPOS l a COUNT 9223372036854775807 MAXLEN 9223372036854775807", "LPOS l a RANK 0", "LPOS nokey a RANK 0",
		"LPOS l a RANK x", "LPOS l a COUNT -1", "LPOS l a COUNT x", "LPOS l a MAXLEN -1", "LPOS l a MAXLEN x",
		"LPOS l a RANK", "LPOS l a FOO 1", "LPOS l a RANK 0 COUNT -1", "LPOS l a COUNT -1 RANK 0",
		"LPOS l a rank 2 count 2 maxlen 0", "LPOS l a RANK 1 RANK 2", "LPOS l a COUNT 1 COUNT 0", "LPOS l b MAXLEN 1 COUNT 0",
		"LPOS l a COUNT 0 RANK 3", "LPOS l a COUNT 0 RANK -3", "LPOS l a COUNT 0 RANK 4",
	}},
	{"lmove", []string{
		"RPUSH s a b c", "LMOVE s d LEFT RIGHT", "LMOVE s d right LEFT", "LRANGE d 0 -1", "RPOPLPUSH s d",
		"EXISTS s", "LRANGE d 0 -1", "LMOVE d d LEFT RIGHT", "LRANGE d 0 -1", "LMOVE d d RIGHT LEFT", "LRANGE d 0 -1",
		"RPUSH one x", "LMOVE one one LEFT LEFT", "LRANGE one 0 -1", "RPOPLPUSH one one", "LRANGE one 0 -1",
		"LMOVE nokey d LEFT LEFT", "RPOPLPUSH nokey d", "LMOVE d x UP LEFT", "LMOVE nokey x LEFT DOWN",
		"LMOVE d x LEFT LEFT", "TYPE x", "EXPIRE d 100", "LMOVE d d LEFT LEFT", "TTL d", "LMOVE d fresh LEFT LEFT", "TTL fresh",
	}},
	{"lmpop", []string{
		"RPUSH a 1 2 3", "RPUSH b x", "LMPOP 2 nokey a LEFT", "LMPOP 2 a b RIGHT COUNT 5", "LMPOP 2 a b left count 1",
		"LMPOP 2 a b LEFT", "LMPOP 0 a LEFT", "LMPOP -1 a LEFT", "LMPOP x a LEFT", "LMPOP 2 a LEFT",
		"LMPOP 9223372036854775807 a LEFT", "LMPOP 9223372036854775806 a LEFT", "LMPOP 4611686018427387904 a LEFT",
		"LMPOP 1 a UP", "LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT -1", "LMPOP 1 a LEFT COUNT x",
		"LMPOP 1 a LEFT COUNT 1 COUNT 1", "LMPOP 1 a LEFT COUNT", "LMPOP 1 a LEFT FOO", "LMPOP 1 a",
		"RPUSH c 1 2 3 4", "LMPOP 1 c RIGHT COUNT 9223372036854775807", "EXISTS c", "LMPOP 2 c c LEFT",
		"RPUSH c 1", "LMPOP 3 x c c RIGHT", "LMPOP 1 c LEFT COUNT 2 FOO",
	}},
	{"blocking", []string{
		"RPUSH a 1 2", "BLPOP nokey a 0", "BRPOP a 0.5", "BLPOP a 0.01", "BRPOP a b 0.01", "BLPOP a a 0.01",
		"RPUSH a x y", "BLMOVE a d RIGHT LEFT 0", "BRPOPLPUSH a d 0", "BLMOVE a d RIGHT LEFT 0.01",
		"BRPOPLPUSH a d 0.01", "BLMPOP 0 2 a d RIGHT COUNT 3", "BLMPOP 0.01 1 d LEFT", "LRANGE d 0 -1",
		"BLPOP a x", "BLPOP a -1", "BRPOP a inf", "BRPOP a -inf", "BLPOP a nan", "BLPOP a 1e20", "BLPOP a \" 1\"",
		"BLPOP a \"1 \"", "BLPOP a \"\"", "BLPOP a 1e5000", "BLPOP a -0x10", "BLPOP a 1_0", "BLPOP a 1e", "BLPOP a infinity",
		"BLPOP a 9223372036854776", "BLPOP a 92233720368547758", "BLMOVE a d UP LEFT x", "BLMOVE a d LEFT LEFT x",
		"BRPOPLPUSH a d -0.5", "BLMPOP x 1 a LEFT COUNT 0", "BLMPOP x 1 a LEFT", "BLMPOP -1 1 a LEFT",
		"BLMPOP 0 0 a LEFT", "BLMPOP 0 x a LEFT", "BLMPOP 0 2 a LEFT", "BLMPOP 0 1 a MIDDLE", "BLMPOP 0 1 a LEFT COUNT 1 COUNT 1",
		"BLMPOP 0 1 a LEFT foo", "BLMPOP 0 9223372036854775807 a LEFT",
		"RPUSH t 1 2 3 4 5 6 7 8 9 10 11 12", "BLPOP t 0x10", "BLPOP t 0x1p3", "BLPOP t .5", "BLPOP t 5.", "BLPOP t +1",
		"BLPOP t 1e-400", "BLPOP t 9223372036854775", "BLPOP t 9223372036854775.807", "BLPOP t -0.0001",
		"BLMPOP 1e-400 1 t LEFT COUNT 2", "BLMOVE t t LEFT RIGHT 0x1", "LRANGE t 0 -1",
		"# HELLO 3", "BLPOP nokey 0.01", "BLMOVE nokey d LEFT LEFT 0.01", "BRPOPLPUSH nokey d 0.01",
		"BLMPOP 0.01 1 nokey LEFT", "RPUSH t a b c", "BLPOP t 0", "BLMPOP 0 1 t RIGHT COUNT 2",
	}},
	{"resp3", []string{
		"# HELLO 3", "LPOP nokey", "LPOP nokey 2", "RPOP nokey 0", "LINDEX nokey 0", "LPOS nokey a", "LPOS nokey a COUNT 0",
		"LMOVE nokey d LEFT LEFT", "LMPOP 1 nokey LEFT", "RPUSH l a b", "LPOS l z", "LPOS l z COUNT 0", "LINDEX l 5",
		"LPOP l 0", "LRANGE l 0 -1", "LRANGE nokey 0 -1", "LMPOP 1 l LEFT", "LPOP l 5", "LPOP l",
	}},
}

func TestListsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	for _, tr := range ltTranscripts {
		t.Run(tr.name, func(t *testing.T) {
			o := o.in(t)
			o.flushall()
			o.do("HELLO", "2")
			s := newLTSession(t)
			for _, l := range tr.lines {
				cmd, compare := strings.CutPrefix(l, "# ")
				compare = !compare
				args := ltFields(t, cmd)
				want, got := o.do(args...), s.do(args...)
				if compare && want != got {
					t.Fatalf("%s\n redis: %q\n   ours: %q", cmd, clip(want, 300), clip(got, 300))
				}
			}
		})
	}
}

// TestListsLargeAgainstRedis builds lists long enough to span many nodes and compares the
// index, range, insert and removal commands on them.
func TestListsLargeAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newLTSession(t)
	both := func(args ...string) {
		t.Helper()
		if want, got := o.do(args...), s.do(args...); want != got {
			t.Fatalf("%q\n redis: %q\n   ours: %q", args, clip(want, 300), clip(got, 300))
		}
	}
	push := []string{"RPUSH", "big"}
	for i := 0; i < 2000; i++ {
		push = append(push, strconv.Itoa(i%97))
	}
	both(push...)
	for i := 0; i < 300; i++ {
		both("LPUSH", "big", strconv.Itoa(i%13))
	}
	for _, c := range [][]string{
		{"LLEN", "big"}, {"LINDEX", "big", "1000"}, {"LINDEX", "big", "-1000"}, {"LRANGE", "big", "250", "420"},
		{"LRANGE", "big", "-500", "-300"}, {"LINSERT", "big", "AFTER", "50", "x"}, {"LINSERT", "big", "BEFORE", "96", "y"},
		{"LSET", "big", "1234", "z"}, {"LPOS", "big", "5", "COUNT", "0"}, {"LPOS", "big", "5", "RANK", "-7", "COUNT", "3"},
		{"LPOS", "big", "96", "MAXLEN", "500"}, {"LREM", "big", "5", "3"}, {"LREM", "big", "-4", "7"}, {"LREM", "big", "0", "11"},
		{"LRANGE", "big", "0", "-1"}, {"LTRIM", "big", "100", "-100"}, {"LRANGE", "big", "0", "-1"},
		{"LPOP", "big", "150"}, {"RPOP", "big", "150"}, {"LMPOP", "1", "big", "RIGHT", "COUNT", "77"}, {"LRANGE", "big", "0", "-1"},
	} {
		both(c...)
	}
}

// TestListsRandomAgainstRedis runs random list commands on a few small keys against Redis.
func TestListsRandomAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newLTSession(t)
	r := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < 4000; i++ {
		args := randomListCommand(r)
		if want, got := o.do(args...), s.do(args...); want != got {
			t.Fatalf("step %d %q\n redis: %q\n   ours: %q", i, args, clip(want, 300), clip(got, 300))
		}
	}
}

func randomListCommand(r *rand.Rand) []string {
	keys := []string{"a", "b", "c", "s"}
	key := func() string { return keys[r.IntN(len(keys))] }
	val := func() string { return []string{"x", "y", "z", "1", ""}[r.IntN(5)] }
	num := func() string { return strconv.Itoa(r.IntN(13) - 6) }
	side := func() string { return []string{"LEFT", "RIGHT"}[r.IntN(2)] }
	// Blocking commands are rare: when they time out, Redis takes up to 100ms to say so.
	if r.IntN(50) == 0 {
		if r.IntN(2) == 0 {
			return []string{[]string{"BLPOP", "BRPOP"}[r.IntN(2)], key(), key(), "0.01"}
		}
		return []string{"BLMOVE", key(), key(), side(), side(), "0.01"}
	}
	switch r.IntN(18) {
	case 0:
		return []string{"LPUSH", key(), val(), val()}
	case 1:
		return []string{"RPUSH", key(), val(), val(), val()}
	case 2:
		return []string{[]string{"LPUSHX", "RPUSHX"}[r.IntN(2)], key(), val()}
	case 3:
		return []string{"LPOP", key()}
	case 4:
		return []string{"RPOP", key(), num()}
	case 5:
		return []string{"LRANGE", key(), num(), num()}
	case 6:
		return []string{"LINDEX", key(), num()}
	case 7:
		return []string{"LSET", key(), num(), val()}
	case 8:
		return []string{"LINSERT", key(), []string{"BEFORE", "AFTER"}[r.IntN(2)], val(), val()}
	case 9:
		return []string{"LREM", key(), num(), val()}
	case 10:
		return []string{"LTRIM", key(), num(), num()}
	case 11:
		args := []string{"LPOS", key(), val()}
		for _, opt := range []string{"RANK", "COUNT", "MAXLEN"} {
			if r.IntN(2) == 0 {
				args = append(args, opt, num())
			}
		}
		return args
	case 12:
		return []string{"LMOVE", key(), key(), side(), side()}
	case 13:
		return []string{"RPOPLPUSH", key(), key()}
	case 14:
		return []string{"LMPOP", "2", key(), key(), side(), "COUNT", strconv.Itoa(r.IntN(4) + 1)}
	case 15:
		return []string{"LLEN", key()}
	case 16:
		return []string{"SET", "s", "str"}
	default:
		return []string{"DEL", key()}
	}
}

// TestListSpecsAgainstRedis compares COMMAND INFO, and the documentation fields COMMAND DOCS
// shares with our table, with Redis's for every list command.
func TestListSpecsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newLTSession(t)
	for _, sp := range listCommands {
		want, got := o.do("COMMAND", "INFO", sp.Name), s.do("COMMAND", "INFO", sp.Name)
		// movablekeys is derived by the introspection code from keynum key specs.
		if !strings.Contains(got, "movablekeys") {
			want = strings.Replace(want, "*2\r\n+write\r\n+movablekeys\r\n", "*1\r\n+write\r\n", 1)
			want = strings.Replace(want, "*3\r\n+write\r\n+blocking\r\n+movablekeys\r\n", "*2\r\n+write\r\n+blocking\r\n", 1)
		}
		if want != got {
			t.Errorf("COMMAND INFO %s\n redis: %q\n   ours: %q", sp.Name, want, got)
		}
		w := ltDocFields(t, o.do("COMMAND", "DOCS", sp.Name))
		g := ltDocFields(t, s.do("COMMAND", "DOCS", sp.Name))
		for _, f := range []string{"summary", "since", "group", "complexity"} {
			if w[f] != g[f] {
				t.Errorf("COMMAND DOCS %s %s: %q, want %q", sp.Name, f, g[f], w[f])
			}
		}
	}
}

// ltDocFields extracts the bulk-string fields of a RESP2 COMMAND DOCS reply for one command.
func ltDocFields(t *testing.T, reply string) map[string]string {
	lines := strings.Split(reply, "\r\n")
	out := map[string]string{}
	var prev string
	for i := 0; i+1 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "$") {
			v := lines[i+1]
			if prev != "" {
				if _, seen := out[prev]; !seen { // arguments repeat "since" and others
					out[prev] = v
				}
				prev = ""
			} else {
				prev = v
			}
			i++
		} else {
			prev = ""
		}
	}
	if out["group"] == "" {
		t.Fatalf("unexpected COMMAND DOCS reply %q", clip(reply, 200))
	}
	return out
}

// FuzzListCommands runs arbitrary arguments through every list command: whatever the input,
// a handler must never panic and must either reply exactly once or block without replying.
func FuzzListCommands(f *testing.F) {
	f.Add(uint8(0), "k", "1", "-9223372036854775807", "COUNT")
	f.Add(uint8(13), "k", "a", "RANK", "-9223372036854775808")
	f.Add(uint8(16), "2", "k", "k", "LEFT")
	f.Fuzz(func(t *testing.T, cmd uint8, a, b, c, d string) {
		s := newLTSession(t)
		s.line("RPUSH k a b c 1 2 3 a b c")
		s.line("RPUSH m x")
		s.line("SET s str")
		sp := listCommands[int(cmd)%len(listCommands)]
		for n := 1; n <= 5; n++ {
			args := append([]string{sp.Name}, []string{a, b, c, d}[:n-1]...)
			reply := s.do(args...)
			if reply == "" {
				t.Fatalf("%q: no reply", args)
			}
			if _, err := ltSkipReply(reply); err != nil {
				t.Fatalf("%q: malformed reply %q: %v", args, reply, err)
			}
		}
		for _, key := range []string{"k", "m", a, b, c, d} {
			o := s.host.dbs[0].Lookup(key, s.now, false)
			if o != nil && o.Type == keyspace.TypeList && o.Val.(*list.List).Len() == 0 {
				t.Fatalf("empty list kept at %q", key)
			}
		}
	})
}

// ltSkipReply checks that reply is exactly one well-formed RESP reply.
func ltSkipReply(reply string) (string, error) {
	rest, err := ltSkip(reply)
	if err == nil && rest != "" {
		err = fmt.Errorf("trailing %q", rest)
	}
	return rest, err
}

func ltSkip(s string) (string, error) {
	i := strings.Index(s, "\r\n")
	if i < 1 {
		return "", fmt.Errorf("no line")
	}
	head, rest := s[:i], s[i+2:]
	switch head[0] {
	case '+', '-', ':', '_', ',', '#':
		return rest, nil
	case '$':
		n, _ := strconv.Atoi(head[1:])
		if n < 0 {
			return rest, nil
		}
		if len(rest) < n+2 {
			return "", fmt.Errorf("short bulk")
		}
		return rest[n+2:], nil
	case '*', '~', '%':
		n, _ := strconv.Atoi(head[1:])
		if head[0] == '%' {
			n *= 2
		}
		var err error
		for j := 0; j < n && err == nil; j++ {
			rest, err = ltSkip(rest)
		}
		return rest, err
	}
	return "", fmt.Errorf("unknown type %q", head[0])
}
