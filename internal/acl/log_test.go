package acl

import (
	"fmt"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/resp"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestLog(max int) (*Log, *fakeClock) {
	clk := &fakeClock{t: time.UnixMilli(1_700_000_000_000)}
	l := NewLog(max)
	l.now = clk.now
	return l, clk
}

func entry(reason Reason, obj, user string) LogEntry {
	return LogEntry{Reason: reason, Context: Toplevel, Object: obj, Username: user, ClientInfo: "id=1 cmd=get"}
}

func TestLogReplyShape(t *testing.T) {
	l, clk := newTestLog(128)
	l.Add(LogEntry{Reason: DeniedKey, Context: Multi, Object: "k", Username: "u", ClientInfo: "id=7"})
	clk.t = clk.t.Add(1500 * time.Millisecond)
	w := &resp.Writer{Proto: 2}
	l.WriteLog(w, nil)
	want := "*1\r\n*14\r\n$5\r\ncount\r\n:1\r\n$6\r\nreason\r\n$3\r\nkey\r\n$7\r\ncontext\r\n$5\r\nmulti\r\n" +
		"$6\r\nobject\r\n$1\r\nk\r\n$8\r\nusername\r\n$1\r\nu\r\n$11\r\nage-seconds\r\n$3\r\n1.5\r\n$11\r\nclient-info\r\n$4\r\nid=7\r\n"
	if string(w.Buf) != want {
		t.Errorf("RESP2:\n got %q\nwant %q", w.Buf, want)
	}
	w = &resp.Writer{Proto: 3}
	l.WriteLog(w, nil)
	want3 := "*1\r\n%7\r\n$5\r\ncount\r\n:1\r\n$6\r\nreason\r\n$3\r\nkey\r\n$7\r\ncontext\r\n$5\r\nmulti\r\n" +
		"$6\r\nobject\r\n$1\r\nk\r\n$8\r\nusername\r\n$1\r\nu\r\n$11\r\nage-seconds\r\n,1.5\r\n$11\r\nclient-info\r\n$4\r\nid=7\r\n"
	if string(w.Buf) != want3 {
		t.Errorf("RESP3:\n got %q\nwant %q", w.Buf, want3)
	}
	for _, c := range []struct {
		ctx  Context
		name string
	}{{Toplevel, "toplevel"}, {Multi, "multi"}, {Lua, "lua"}, {Module, "module"}} {
		if c.ctx.String() != c.name {
			t.Errorf("%d: %s", c.ctx, c.ctx)
		}
	}
	for _, c := range []struct {
		r    Reason
		name string
	}{{DeniedCommand, "command"}, {DeniedKey, "key"}, {DeniedAuth, "auth"}, {DeniedChannel, "channel"}} {
		if c.r.String() != c.name {
			t.Errorf("%d: %s", c.r, c.r)
		}
	}
}

func TestLogGrouping(t *testing.T) {
	l, clk := newTestLog(128)
	l.Add(entry(DeniedCommand, "del", "u"))
	l.Add(entry(DeniedKey, "k", "u"))
	clk.t = clk.t.Add(60 * time.Second) // exactly 60 s after the first: still grouped
	e := entry(DeniedCommand, "del", "u")
	e.ClientInfo = "id=2"
	l.Add(e)
	got := l.Entries(10)
	if len(got) != 2 || got[0].Object != "del" || got[0].Count != 2 || got[0].ClientInfo != "id=2" || got[0].AgeSeconds != 0 {
		t.Fatalf("grouping: %+v", got)
	}
	// Different user, context or reason: new entries.
	l.Add(entry(DeniedCommand, "del", "v"))
	e = entry(DeniedCommand, "del", "u")
	e.Context = Lua
	l.Add(e)
	l.Add(entry(DeniedKey, "del", "u"))
	if l.Len() != 5 {
		t.Fatalf("len %d", l.Len())
	}
	// More than 60 s since the last update: a new entry.
	clk.t = clk.t.Add(60*time.Second + time.Millisecond)
	l.Add(entry(DeniedCommand, "del", "u"))
	if l.Len() != 6 || l.Entries(1)[0].Count != 1 {
		t.Fatalf("stale entry grouped: %+v", l.Entries(2))
	}
	// Only the 10 newest entries are candidates.
	l2, _ := newTestLog(128)
	l2.Add(entry(DeniedKey, "k0", "u"))
	for i := 1; i <= 10; i++ {
		l2.Add(entry(DeniedKey, fmt.Sprint("k", i), "u"))
	}
	l2.Add(entry(DeniedKey, "k0", "u"))
	if l2.Len() != 12 {
		t.Fatalf("scan limit: %d", l2.Len())
	}
	l2.Add(entry(DeniedKey, "k5", "u"))
	if l2.Len() != 12 || l2.Entries(1)[0].Object != "k5" || l2.Entries(1)[0].Count != 2 {
		t.Fatalf("move to front: %+v", l2.Entries(3))
	}
}

func TestLogMaxLenAndCommands(t *testing.T) {
	l, _ := newTestLog(3)
	for i := 0; i < 5; i++ {
		l.Add(entry(DeniedKey, fmt.Sprint("k", i), "u"))
	}
	if got := l.Entries(10); len(got) != 3 || got[0].Object != "k4" || got[2].Object != "k2" {
		t.Fatalf("%+v", got)
	}
	l.SetMaxLen(1)
	if l.Len() != 3 {
		t.Fatal("SetMaxLen trims only on the next Add")
	}
	l.AddAuthFailure("AUTH", Toplevel, "nouser", "ci")
	if got := l.Entries(10); len(got) != 1 || got[0].Reason != DeniedAuth || got[0].Object != "AUTH" || got[0].Username != "nouser" {
		t.Fatalf("%+v", got)
	}
	l.SetMaxLen(0)
	l.Add(entry(DeniedKey, "x", "u"))
	if l.Len() != 0 {
		t.Fatal("acllog-max-len 0 keeps nothing")
	}
	l.SetMaxLen(128)
	l.Add(entry(DeniedKey, "a", "u"))
	l.Add(entry(DeniedKey, "b", "u"))
	for _, c := range []struct{ arg, want string }{
		{"1", "*1\r\n"}, {"0", "*0\r\n"}, {"-5", "*0\r\n"}, {"x", "-ERR value is not an integer or out of range\r\n"},
		{"99", "*2\r\n"}, {"reset", "+OK\r\n"}, {"5", "*0\r\n"},
	} {
		w := &resp.Writer{Proto: 2}
		l.WriteLog(w, []byte(c.arg))
		if got := string(w.Buf); len(got) < len(c.want) || got[:len(c.want)] != c.want {
			t.Errorf("LOG %s: %q", c.arg, got)
		}
	}
}
