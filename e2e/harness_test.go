// Package e2e runs the real redoubt binary over TCP: differential tests against Debian's
// redis-server (the oracle), end-to-end client tests, and hostile-input tests.
package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// redisServerPath is the oracle. Tests that need it skip without it, unless
// REDOUBT_REQUIRE_ORACLE=1 (as CI sets), when they fail instead.
const redisServerPath = "/usr/bin/redis-server"

const (
	startTimeout = 10 * time.Second
	ioTimeout    = 5 * time.Second
)

// redoubtBin is the binary built once by TestMain.
var redoubtBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "redoubt-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	redoubtBin = filepath.Join(dir, "redoubt")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if os.Getenv("REDOUBT_E2E_SELFTEST") == "1" {
		return m.Run() // oracle against itself: the binary is not needed
	}
	// REDOUBT_E2E_BINARY runs the suite against a prebuilt binary instead (pointing it at
	// redis-server checks what the tests expect against real Redis).
	if bin := os.Getenv("REDOUBT_E2E_BINARY"); bin != "" {
		redoubtBin = bin
		return m.Run()
	}
	build := exec.Command(gobin, "build", "-o", redoubtBin, "./cmd/redoubt")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building ./cmd/redoubt failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// requireOracle skips (or, with REDOUBT_REQUIRE_ORACLE=1, fails) when a Redis tool is missing.
func requireOracle(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
		t.Fatalf("%s is required (REDOUBT_REQUIRE_ORACLE=1) but missing: apt-get install redis-server redis-tools", path)
	}
	t.Skipf("%s not installed; skipping (apt-get install redis-server redis-tools)", path)
}

// logBuffer collects a process's output and lets tests wait for a line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the log contains s, the deadline passes, or done closes.
func (l *logBuffer) waitFor(s string, timeout time.Duration, done <-chan struct{}) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		found := strings.Contains(l.buf.String(), s)
		ch := l.changed
		l.mu.Unlock()
		if found {
			return true
		}
		select {
		case <-ch:
		case <-done:
			// The process is gone: look one last time, its final output may have just landed.
			return strings.Contains(l.String(), s)
		case <-deadline.C:
			return false
		}
	}
}

// proc is a server process started by a test.
type proc struct {
	name    string
	cmd     *exec.Cmd
	port    int
	tlsPort int
	addr    string
	log     *logBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// startProc starts path with args followed by --port N --bind 127.0.0.1 and the extra args,
// waits for "Ready to accept connections", and arranges for it to be killed at cleanup.
func startProc(t testing.TB, name, path string, base, extra []string) *proc {
	t.Helper()
	var p *proc
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, base...)
		args = append(args, extra...)
		p = launch(t, name, path, args)
		p.port = port
		p.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if p.log.waitFor("Ready to accept connections", startTimeout, p.done) {
			return p
		}
		// Another process may have taken the port between the probe and the bind: retry.
		if strings.Contains(p.log.String(), "in use") && attempt < 2 {
			p.kill()
			continue
		}
		break
	}
	// A successful dial also counts as ready (a log line may be filtered by loglevel).
	if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		c.Close()
		return p
	}
	t.Fatalf("%s did not become ready within %v; log:\n%s", name, startTimeout, p.log.String())
	return nil
}

// launch starts a process without waiting for readiness; cleanup kills it and, if the test
// failed, prints its output.
func launch(t testing.TB, name, path string, args []string) *proc {
	t.Helper()
	p := &proc{name: name, log: newLogBuffer(), done: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	p.cmd.Dir = t.TempDir()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- %s (%s) output:\n%s", name, strings.Join(args, " "), p.log.String())
		}
	})
	return p
}

func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// wait waits for the process to exit and returns its exit code, or fails the test.
func (p *proc) wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v", p.name, timeout)
	}
	if p.waitErr == nil {
		return 0
	}
	if ee, ok := p.waitErr.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	t.Fatalf("%s: wait: %v", p.name, p.waitErr)
	return -1
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// rssBytes reads the resident set size from /proc/<pid>/statm.
func (p *proc) rssBytes(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p.pid()))
	if err != nil {
		t.Fatalf("statm: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		t.Fatalf("statm: %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatalf("statm: %q", b)
	}
	return pages * int64(os.Getpagesize())
}

// startRedoubt starts the binary under test on a free loopback port.
func startRedoubt(t testing.TB, args ...string) *proc {
	t.Helper()
	return startProc(t, "redoubt", redoubtBin, nil, args)
}

// startRedis starts Debian's redis-server (the oracle) on a free loopback port, with no
// persistence, in the foreground.
func startRedis(t testing.TB, args ...string) *proc {
	t.Helper()
	requireOracle(t, redisServerPath)
	base := []string{"--save", "", "--appendonly", "no", "--daemonize", "no"}
	return startProc(t, "redis-server", redisServerPath, base, args)
}

// conn is a raw RESP client: it sends bytes and returns replies exactly as received.
type conn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *conn {
	t.Helper()
	return dialNet(t, "tcp", addr)
}

func dialNet(t testing.TB, network, addr string) *conn {
	t.Helper()
	nc, err := net.DialTimeout(network, addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &conn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 64*1024)}
}

// encodeCommand encodes args as a RESP multibulk request.
func encodeCommand(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// do sends one command and returns the raw bytes of its reply.
func (c *conn) do(args ...string) string {
	c.t.Helper()
	c.send(encodeCommand(args...))
	return c.readReply()
}

func (c *conn) send(raw []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.nc.Write(raw); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// readReply reads exactly one complete reply and returns its raw bytes.
func (c *conn) readReply() string {
	c.t.Helper()
	r, err := c.tryReadReply(ioTimeout)
	if err != nil {
		c.t.Fatalf("read reply: %v (got so far %q)", err, r)
	}
	return r
}

// tryReadReply is readReply returning the error instead of failing.
func (c *conn) tryReadReply(timeout time.Duration) (string, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	var raw bytes.Buffer
	err := readRaw(c.br, &raw)
	return raw.String(), err
}

// expectClosed reports whether the server closes the connection (EOF or reset) within timeout,
// discarding anything it sends before that.
func (c *conn) expectClosed(timeout time.Duration) bool {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	_, err := io.Copy(io.Discard, c.br)
	if err == nil {
		return true // EOF
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true // reset and the like
}

// readRaw copies one complete RESP2/RESP3 reply from br to out.
func readRaw(br *bufio.Reader, out *bytes.Buffer) error {
	line, err := readLine(br, out)
	if err != nil {
		return err
	}
	if len(line) == 0 {
		return fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil {
			return fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			return nil
		}
		if n > 1<<30 {
			return fmt.Errorf("bulk too long: %d", n)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			out.Write(buf)
			return err
		}
		out.Write(buf)
		if !bytes.HasSuffix(buf, []byte("\r\n")) {
			return fmt.Errorf("bulk not terminated by CRLF")
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil {
			return fmt.Errorf("bad count in %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := int64(0); i < n; i++ {
			if err := readRaw(br, out); err != nil {
				return err
			}
		}
		if line[0] == '|' {
			// An attribute precedes the reply it describes.
			return readRaw(br, out)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q in %q", line[0], line)
}

// readLine reads one CRLF-terminated line, writes it (with CRLF) to out and returns it without.
func readLine(br *bufio.Reader, out *bytes.Buffer) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			if len(line) > 1<<20 {
				out.Write(line)
				return nil, fmt.Errorf("reply line longer than 1 MiB")
			}
			continue
		}
		if err != nil {
			out.Write(line)
			return nil, err
		}
		break
	}
	out.Write(line)
	if !bytes.HasSuffix(line, []byte("\r\n")) {
		return nil, fmt.Errorf("line not terminated by CRLF: %q", line)
	}
	return line[:len(line)-2], nil
}

// node is a parsed reply, kept with its exact framing so it can be re-encoded unchanged.
type node struct {
	head     string // the type byte and header line with CRLF, e.g. "*3\r\n" or "+OK\r\n"
	body     string // a bulk's payload with its CRLF
	children []node
	attr     *node // an attribute (|) that preceded this reply
}

func parseReply(raw string) (node, error) {
	br := bufio.NewReader(strings.NewReader(raw))
	n, err := parseNode(br)
	if err != nil {
		return n, err
	}
	if br.Buffered() > 0 {
		return n, fmt.Errorf("trailing bytes after reply")
	}
	return n, nil
}

func parseNode(br *bufio.Reader) (node, error) {
	var sink bytes.Buffer
	line, err := readLine(br, &sink)
	if err != nil {
		return node{}, err
	}
	n := node{head: sink.String()}
	if len(line) == 0 {
		return n, fmt.Errorf("empty line")
	}
	switch line[0] {
	case '$', '=', '!':
		l, _ := strconv.ParseInt(string(line[1:]), 10, 64)
		if l >= 0 {
			buf := make([]byte, l+2)
			if _, err := io.ReadFull(br, buf); err != nil {
				return n, err
			}
			n.body = string(buf)
		}
	case '*', '~', '>', '%', '|':
		cnt, _ := strconv.ParseInt(string(line[1:]), 10, 64)
		if line[0] == '%' || line[0] == '|' {
			cnt *= 2
		}
		for i := int64(0); i < cnt; i++ {
			c, err := parseNode(br)
			if err != nil {
				return n, err
			}
			n.children = append(n.children, c)
		}
		if line[0] == '|' {
			inner, err := parseNode(br)
			if err != nil {
				return n, err
			}
			attr := n
			inner.attr = &attr
			return inner, nil
		}
	}
	return n, nil
}

func (n node) encode() string {
	var b strings.Builder
	n.encodeTo(&b)
	return b.String()
}

func (n node) encodeTo(b *strings.Builder) {
	if n.attr != nil {
		n.attr.encodeTo(b)
	}
	b.WriteString(n.head)
	b.WriteString(n.body)
	for _, c := range n.children {
		c.encodeTo(b)
	}
}

// str returns a simple or bulk string's text.
func (n node) str() string {
	switch n.head[0] {
	case '$':
		return strings.TrimSuffix(n.body, "\r\n")
	case '+':
		return strings.TrimSuffix(n.head[1:], "\r\n")
	}
	return ""
}

func (n node) isAggregate() bool {
	switch n.head[0] {
	case '*', '~', '>', '%':
		return true
	}
	return false
}
