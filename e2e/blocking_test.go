package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitBlocked polls INFO clients until n clients are blocked.
func waitBlocked(t *testing.T, c *conn, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	for i := 0; i < 200; i++ {
		if strings.Contains(c.do("INFO", "clients"), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("never saw %q", strings.TrimSpace(want))
}

// TestBlockingFairnessAndTimeouts runs the same scenario against Redoubt and Redis: clients
// blocked on one list are served first-blocked first-served, a timeout answers a null
// array, and a blocking command inside MULTI answers at once.
func TestBlockingFairnessAndTimeouts(t *testing.T) {
	for _, server := range []struct {
		name  string
		start func(testing.TB, ...string) *proc
	}{{"redoubt", startRedoubt}, {"redis", startRedis}} {
		t.Run(server.name, func(t *testing.T) {
			p := server.start(t)
			admin := dial(t, p.addr)
			waiters := make([]*conn, 3)
			for i := range waiters {
				waiters[i] = dial(t, p.addr)
				waiters[i].send(encodeCommand("BLPOP", "q", "0"))
				waitBlocked(t, admin, i+1) // fixes the order they blocked in
			}
			if got := admin.do("RPUSH", "q", "a", "b", "c"); got != ":3\r\n" {
				t.Fatal(got)
			}
			for i, w := range waiters {
				want := "*2\r\n$1\r\nq\r\n$1\r\n" + string(rune('a'+i)) + "\r\n"
				if got := w.readReply(); got != want {
					t.Errorf("waiter %d got %q, want %q (first blocked, first served)", i, got, want)
				}
			}
			start := time.Now()
			if got := admin.do("BLPOP", "empty", "0.1"); got != "*-1\r\n" {
				t.Errorf("timeout reply %q", got)
			}
			if d := time.Since(start); d < 90*time.Millisecond || d > 2*time.Second {
				t.Errorf("BLPOP 0.1 returned after %v", d)
			}
			admin.do("MULTI")
			admin.do("BLPOP", "empty", "0")
			if got := admin.do("EXEC"); got != "*1\r\n*-1\r\n" {
				t.Errorf("BLPOP inside MULTI: %q", got)
			}
			// CLIENT UNBLOCK ends a wait as a timeout, or with an UNBLOCKED error.
			u := dial(t, p.addr)
			uid := strings.Trim(u.do("CLIENT", "ID"), ":\r\n")
			u.send(encodeCommand("BLPOP", "never", "0"))
			waitBlocked(t, admin, 1)
			if got := admin.do("CLIENT", "UNBLOCK", uid); got != ":1\r\n" {
				t.Errorf("CLIENT UNBLOCK: %q", got)
			}
			if got := u.readReply(); got != "*-1\r\n" {
				t.Errorf("unblocked as timeout: %q", got)
			}
			u.send(encodeCommand("BLPOP", "never", "0"))
			waitBlocked(t, admin, 1)
			admin.do("CLIENT", "UNBLOCK", uid, "ERROR")
			if got := u.readReply(); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
				t.Errorf("unblocked with error: %q", got)
			}
			if got := admin.do("CLIENT", "UNBLOCK", uid); got != ":0\r\n" {
				t.Errorf("CLIENT UNBLOCK of a client not blocked: %q", got)
			}
			// A blocked client that is killed stops being blocked.
			w := dial(t, p.addr)
			w.send(encodeCommand("BZPOPMIN", "z", "0"))
			waitBlocked(t, admin, 1)
			admin.do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
			waitBlocked(t, admin, 0)
		})
	}
}

// TestBlockingStreamsAndSortedSets wakes XREAD BLOCK and BZPOPMIN clients with writes.
func TestBlockingStreamsAndSortedSets(t *testing.T) {
	p := startRedoubt(t)
	admin := dial(t, p.addr)
	x := dial(t, p.addr)
	x.send(encodeCommand("XREAD", "BLOCK", "0", "STREAMS", "s", "$"))
	z := dial(t, p.addr)
	z.send(encodeCommand("BZPOPMIN", "z", "0"))
	waitBlocked(t, admin, 2)
	admin.do("XADD", "s", "1-1", "f", "v")
	admin.do("ZADD", "z", "1", "m")
	if got := x.readReply(); !strings.Contains(got, "1-1") {
		t.Errorf("XREAD BLOCK: %q", got)
	}
	if got := z.readReply(); got != "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n" {
		t.Errorf("BZPOPMIN: %q", got)
	}
}

// TestClientPauseWrite: CLIENT PAUSE WRITE holds writes and scripts that may write, while
// reads go on being served.
func TestClientPauseWrite(t *testing.T) {
	p := startRedoubt(t)
	admin := dial(t, p.addr)
	if got := admin.do("CLIENT", "PAUSE", "400", "WRITE"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c := dial(t, p.addr)
	for _, tt := range []struct {
		cmd  []string
		held bool
	}{
		{[]string{"GET", "k"}, false},
		{[]string{"SET", "k", "v"}, true},
		{[]string{"EVAL", "return 1", "0"}, true},
		{[]string{"EVAL_RO", "return 1", "0"}, false},
	} {
		admin.do("CLIENT", "PAUSE", "400", "WRITE")
		start := time.Now()
		c.do(tt.cmd...)
		if held := time.Since(start) > 200*time.Millisecond; held != tt.held {
			t.Errorf("%v: held %v, want %v", tt.cmd, held, tt.held)
		}
	}
}
