package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// A script that writes, then works for about a second on both servers: most of the time goes
// to LRANGE replies converted to Lua (comparable in both), and the inner loop gives Redis's
// instruction-count hook, which detects the busy state, a chance to run.
const writeThenWork = "redis.call('rpush', KEYS[1], 'v') for i = 1, 10000 do redis.call('lrange', KEYS[2], 0, -1) local x = 0 for j = 1, 300 do x = x + j end end return 'done'"

const spinLibrary = "#!lua name=busy\nredis.register_function('spin', function(keys, args) while true do end end)"

// durationMs hides FUNCTION STATS's running time, the one field that may differ.
var durationMs = regexp.MustCompile(`(duration_ms\r\n):\d+`)

// busyTranscript drives a server through a script running past busy-reply-threshold and
// returns every reply other clients and the script's caller got, in order, and whether a
// client blocked on a key the script wrote was served while the script still ran.
func busyTranscript(t *testing.T, p *proc) (out []string, servedEarly bool) {
	record := func(label, reply string) {
		out = append(out, label+" => "+durationMs.ReplaceAllString(reply, "${1}:N"))
	}
	a, b := dial(t, p.addr), dial(t, p.addr)
	record("CONFIG SET", b.do("CONFIG", "SET", "busy-reply-threshold", "100"))
	record("SCRIPT KILL (idle)", b.do("SCRIPT", "KILL"))
	record("FUNCTION KILL (idle)", b.do("FUNCTION", "KILL"))

	// An EVAL that never ends: other clients get BUSY until SCRIPT KILL.
	a.send(encodeCommand("EVAL", "while true do end", "0"))
	time.Sleep(50 * time.Millisecond)
	for _, cmd := range [][]string{{"GET", "x"}, {"PING"}, {"SET", "x", "1"}, {"MULTI"}, {"GET", "x"}, {"DISCARD"},
		{"FUNCTION", "STATS"}, {"FUNCTION", "KILL"}, {"SHUTDOWN"}, {"SHUTDOWN", "SAVE"}, {"CLIENT", "ID"},
		{"AUTH", "x"}, {"WATCH", "x"}, {"UNWATCH"}} {
		record(strings.Join(cmd, " "), b.do(cmd...))
	}
	record("SCRIPT KILL", b.do("SCRIPT", "KILL"))
	record("EVAL caller", a.readReply())
	record("PING after", b.do("PING"))

	// A function: the texts name FUNCTION KILL.
	record("FUNCTION LOAD", b.do("FUNCTION", "LOAD", spinLibrary))
	a.send(encodeCommand("FCALL", "spin", "0"))
	time.Sleep(50 * time.Millisecond)
	record("GET during FCALL", b.do("GET", "x"))
	record("FUNCTION STATS", b.do("FUNCTION", "STATS"))
	record("SCRIPT KILL of a function", b.do("SCRIPT", "KILL"))
	record("FUNCTION KILL", b.do("FUNCTION", "KILL"))
	record("FCALL caller", a.readReply())

	// A client blocked on a key the script writes is served after the script. Redis 7.0
	// serves it as soon as another client runs a command in busy mode, popping what the
	// still-running script pushed; Redoubt keeps the script atomic and serves it after.
	b.do("EVAL", "for i = 1, 1000 do redis.call('rpush', KEYS[1], i) end", "1", "big")
	c := dial(t, p.addr)
	c.send(encodeCommand("BLPOP", "q", "0"))
	waitBlocked(t, b, 1)
	a.send(encodeCommand("EVAL", writeThenWork, "2", "q", "big"))
	time.Sleep(20 * time.Millisecond)
	record("PING during a writing script", b.do("PING")) // returns once the script is busy
	record("WATCH during a writing script", b.do("WATCH", "q"))
	record("SCRIPT KILL of a writing script", b.do("SCRIPT", "KILL"))
	blpop, err := c.tryReadReply(50 * time.Millisecond)
	servedEarly = err == nil
	record("EVAL caller", slowReply(t, a))
	if !servedEarly {
		blpop = c.readReply()
	}
	record("BLPOP", blpop)
	record("UNWATCH", b.do("UNWATCH"))

	// A script that wrote cannot be killed; SHUTDOWN NOSAVE stops the server anyway.
	a.send(encodeCommand("EVAL", "redis.call('set','x','y') while true do end", "0"))
	time.Sleep(50 * time.Millisecond)
	record("GET during a writing script", b.do("GET", "x"))
	record("SCRIPT KILL", b.do("SCRIPT", "KILL"))
	b.send(encodeCommand("SHUTDOWN", "NOSAVE"))
	if !b.expectClosed(5 * time.Second) {
		t.Errorf("%s: SHUTDOWN NOSAVE did not close the connection", p.name)
	}
	record("exit code", string(rune('0'+p.wait(t, 10*time.Second))))
	return out, servedEarly
}

// slowReply reads the reply of a long script.
func slowReply(t *testing.T, c *conn) string {
	t.Helper()
	r, err := c.tryReadReply(60 * time.Second)
	if err != nil {
		t.Fatalf("script reply: %v (%q)", err, r)
	}
	return r
}

// TestBusyScriptAgainstRedis runs the same busy-script sequence on Redoubt and on Redis and
// compares every reply.
func TestBusyScriptAgainstRedis(t *testing.T) {
	requireOracle(t, redisServerPath)
	want, _ := busyTranscript(t, startRedis(t))
	got, servedEarly := busyTranscript(t, startRedoubt(t))
	if servedEarly {
		t.Error("a blocked client was served while the script that pushed to its key still ran")
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("step %d:\n redis: %q\n ours:  %q", i, w, g)
		}
	}
}
