package command

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisServerPath is the real Redis the differential tests compare against.
const redisServerPath = "/usr/bin/redis-server"

// oracle is a real redis-server started for one test, spoken to in raw RESP so replies can be
// compared byte for byte with ours.
type oracle struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	dir  string // the server's working directory
}

// startRedis starts a private redis-server on a free loopback port (no persistence) and stops
// it when the test ends. The test is skipped when Redis is not installed, or fails when
// REDOUBT_REQUIRE_ORACLE=1.
func startRedis(t testing.TB) *oracle {
	t.Helper()
	return startRedisWith(t, "--appendonly", "no")
}

// startRedisWith is startRedis with extra configuration arguments.
func startRedisWith(t testing.TB, extra ...string) *oracle {
	t.Helper()
	if _, err := os.Stat(redisServerPath); err != nil {
		if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
			t.Fatalf("redis-server is required (REDOUBT_REQUIRE_ORACLE=1) but missing: %v", err)
		}
		t.Skip("redis-server not installed")
	}
	for attempt := 0; attempt < 5; attempt++ {
		port := freePort(t)
		dir := t.TempDir()
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--daemonize", "no", "--dir", dir}, extra...)
		cmd := exec.Command(redisServerPath, args...)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
		}
		conn := dialUntil(fmt.Sprintf("127.0.0.1:%d", port), exited)
		if conn == nil {
			stop()
			continue // most likely the port was taken between probing and binding
		}
		o := &oracle{t: t, conn: conn, r: bufio.NewReader(conn), dir: dir}
		t.Cleanup(func() {
			conn.Close()
			stop()
		})
		return o
	}
	t.Fatal("could not start redis-server")
	return nil
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("probe port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dialUntil retries connecting while the server starts; nil if it exited or never listened.
func dialUntil(addr string, exited <-chan struct{}) net.Conn {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			return c
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// do sends one command and returns its raw RESP reply.
func (o *oracle) do(args ...string) string {
	o.t.Helper()
	buf := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		buf = append(buf, "$"+strconv.Itoa(len(a))+"\r\n"...)
		buf = append(buf, a...)
		buf = append(buf, "\r\n"...)
	}
	o.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := o.conn.Write(buf); err != nil {
		o.t.Fatalf("write to redis: %v", err)
	}
	var out []byte
	if err := readReply(o.r, &out); err != nil {
		o.t.Fatalf("read from redis: %v", err)
	}
	return string(out)
}

// dial opens another connection to the same server, closed when the test ends.
func (o *oracle) dial() *oracle {
	o.t.Helper()
	conn, err := net.Dial("tcp", o.conn.RemoteAddr().String())
	if err != nil {
		o.t.Fatalf("second connection to redis: %v", err)
	}
	o.t.Cleanup(func() { conn.Close() })
	return &oracle{t: o.t, conn: conn, r: bufio.NewReader(conn), dir: o.dir}
}

// send writes one command without waiting for its reply (a command that blocks).
func (o *oracle) send(args ...string) {
	o.t.Helper()
	if _, err := o.conn.Write(encodeArgs(args...)); err != nil {
		o.t.Fatalf("write to redis: %v", err)
	}
}

// reply reads the reply to a command sent earlier, waiting at most timeout.
func (o *oracle) reply(timeout time.Duration) string {
	o.t.Helper()
	o.conn.SetDeadline(time.Now().Add(timeout))
	var out []byte
	if err := readReply(o.r, &out); err != nil {
		o.t.Fatalf("read from redis: %v", err)
	}
	return string(out)
}

// in returns the oracle reporting failures to t, for use inside subtests.
func (o *oracle) in(t testing.TB) *oracle {
	c := *o
	c.t = t
	return &c
}

// flushall empties every database of the oracle.
func (o *oracle) flushall() {
	o.t.Helper()
	if r := o.do("FLUSHALL"); r != "+OK\r\n" {
		o.t.Fatalf("FLUSHALL: %q", r)
	}
}

// readReply appends one complete RESP2/RESP3 reply, exactly as received, to out.
func readReply(r *bufio.Reader, out *[]byte) error {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return err
	}
	*out = append(*out, line...)
	if len(line) < 3 {
		return fmt.Errorf("short reply line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return err
		}
		*out = append(*out, data...)
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readReply(r, out); err != nil {
				return err
			}
		}
		if line[0] == '|' { // an attribute precedes the reply it describes
			return readReply(r, out)
		}
	}
	return nil
}

// keyEvents turns on notify-keyspace-events flags on the oracle and subscribes a second
// connection to the keyevent channels of pattern (e.g. "__keyevent@0__*"). The returned
// function collects the events published since its last call, as "<db> <event> <key>",
// using a PING on the subscriber to mark the end.
func (o *oracle) keyEvents(flags, pattern string) func() []string {
	t := o.t
	o.do("CONFIG", "SET", "notify-keyspace-events", flags)
	t.Cleanup(func() { o.do("CONFIG", "SET", "notify-keyspace-events", "") })
	conn, err := net.Dial("tcp", o.conn.RemoteAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sub := bufio.NewReader(conn)
	var discard []byte
	conn.Write(encodeArgs("PSUBSCRIBE", pattern))
	if err := readReply(sub, &discard); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		conn.Write(encodeArgs("PING"))
		var events []string
		for {
			var raw []byte
			if err := readReply(sub, &raw); err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(string(raw), "\r\n")
			if len(parts) > 2 && parts[2] == "pong" {
				return events
			}
			// *4 $8 pmessage $n pattern $n __keyevent@<db>__:<event> $n key
			db, event, _ := strings.Cut(strings.TrimPrefix(parts[6], "__keyevent@"), "__:")
			events = append(events, db+" "+event+" "+parts[8])
		}
	}
}

func encodeArgs(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
	}
	return b
}

// db0Events drops the "0 " database prefix from keyEvents' results, for tests that record
// only "<event> <key>".
func db0Events(collect func() []string) func() []string {
	return func() []string {
		evs := collect()
		for i, e := range evs {
			evs[i] = strings.TrimPrefix(e, "0 ")
		}
		return evs
	}
}
