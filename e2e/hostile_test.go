package e2e

import (
	"bufio"
	"bytes"
	"math/rand"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rawResult is what a server did with a raw request: the bytes it sent and whether it
// closed the connection afterwards.
type rawResult struct {
	reply  string
	closed bool
}

// sendRaw sends raw bytes on a fresh connection and collects the reply until the server
// closes the connection or stays silent for quiet.
func sendRaw(t *testing.T, addr string, raw []byte, quiet time.Duration) rawResult {
	t.Helper()
	c := dial(t, addr)
	c.send(raw)
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		c.nc.SetReadDeadline(time.Now().Add(quiet))
		n, err := c.br.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				return rawResult{reply: out.String()}
			}
			return rawResult{reply: out.String(), closed: true}
		}
	}
}

// protocolCases are malformed requests and Redis's answer to each: an error, then close.
var protocolCases = []struct {
	name, raw, want string
}{
	{"multibulk 2^31", "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	{"multibulk not a number", "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	{"negative bulk", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"huge bulk", "*1\r\n$9999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"bulk above proto-max-bulk-len", "*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"bulk not a number", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"missing $", "*1\r\nPING\r\n", "-ERR Protocol error: expected '$', got 'P'\r\n"},
	{"unbalanced quotes", "SET a \"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
}

func TestProtocolErrors(t *testing.T) {
	srv := startRedoubt(t)
	var oracle *proc
	if haveOracle() {
		oracle = startRedis(t)
	}
	for _, tc := range protocolCases {
		got := sendRaw(t, srv.addr, []byte(tc.raw), 2*time.Second)
		if got.reply != tc.want || !got.closed {
			t.Errorf("%s: %q -> %q closed=%v; want %q and close", tc.name, tc.raw, got.reply, got.closed, tc.want)
		}
		if oracle != nil {
			want := sendRaw(t, oracle.addr, []byte(tc.raw), 2*time.Second)
			if want != got {
				t.Errorf("%s: %q differs from Redis\n  redis:   %q closed=%v\n  redoubt: %q closed=%v", tc.name, tc.raw, want.reply, want.closed, got.reply, got.closed)
			}
		}
	}
	if r := dial(t, srv.addr).do("PING"); r != "+PONG\r\n" {
		t.Fatalf("server not serving after protocol errors: %q", r)
	}
}

// haveOracle reports whether to compare with Redis too. With REDOUBT_REQUIRE_ORACLE=1 it is
// always true, so that a missing redis-server fails the test in startRedis.
func haveOracle() bool {
	if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
		return true
	}
	_, err := os.Stat(redisServerPath)
	return err == nil
}

func TestUnauthenticatedLimits(t *testing.T) {
	srv := startRedoubt(t, "--requirepass", "secret")
	var oracle *proc
	if haveOracle() {
		oracle = startRedis(t, "--requirepass", "secret")
	}
	cases := []struct{ name, raw, want string }{
		// Redis checks proto-max-bulk-len (512 MB) before the unauthenticated limit, so a
		// 1 GiB declaration is "invalid", anything from 16 KiB+1 to 512 MB "unauthenticated".
		{"1 GiB bulk", "*1\r\n$1073741824\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"512 MB bulk", "*1\r\n$536870912\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
		{"bulk over 16 KiB", "*2\r\n$4\r\nAUTH\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
		{"100 arguments", "*100\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
		{"11 arguments", "*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
	}
	before := srv.rssBytes(t)
	for _, tc := range cases {
		got := sendRaw(t, srv.addr, []byte(tc.raw), 2*time.Second)
		if got.reply != tc.want || !got.closed {
			t.Errorf("%s: %q -> %q closed=%v; want %q and close", tc.name, tc.raw, got.reply, got.closed, tc.want)
		}
		if oracle != nil {
			want := sendRaw(t, oracle.addr, []byte(tc.raw), 2*time.Second)
			if want != got {
				t.Errorf("%s differs from Redis\n  redis:   %q closed=%v\n  redoubt: %q closed=%v", tc.name, want.reply, want.closed, got.reply, got.closed)
			}
		}
	}
	// A large declaration followed by real bytes: none of it may be buffered.
	c := dial(t, srv.addr)
	c.send([]byte("*1\r\n$536870912\r\n"))
	c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	c.nc.Write(bytes.Repeat([]byte("x"), 4<<20)) // the server may close midway: ignore errors
	c.expectClosed(2 * time.Second)
	after := srv.rssBytes(t)
	if grew := after - before; grew > 8<<20 {
		t.Errorf("RSS grew by %d MiB after unauthenticated large bulk declarations (%d -> %d)", grew>>20, before>>20, after>>20)
	}
	// Within the limits an unauthenticated client still gets NOAUTH, not a protocol error.
	ok := dial(t, srv.addr)
	if r := ok.do("GET", strings.Repeat("k", 16384)); r != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("16 KiB argument unauthenticated = %q", r)
	}
	if r := ok.do("AUTH", "secret"); r != "+OK\r\n" {
		t.Fatalf("AUTH = %q", r)
	}
	// Authenticated, arguments above 16 KiB are accepted.
	if r := ok.do("ECHO", strings.Repeat("e", 100000)); len(r) != 100000+len("$100000\r\n\r\n") {
		t.Errorf("100 KB ECHO after AUTH: %d bytes", len(r))
	}
}

// TestDeclaredBulkNotPreallocated: an authenticated client declaring a 512 MB argument and
// sending a trickle must not make the server allocate the declared size up front.
func TestDeclaredBulkNotPreallocated(t *testing.T) {
	srv := startRedoubt(t)
	before := srv.rssBytes(t)
	var conns []*conn
	for i := 0; i < 4; i++ {
		c := dial(t, srv.addr)
		c.send([]byte("*2\r\n$4\r\nECHO\r\n$536870912\r\n"))
		c.send(bytes.Repeat([]byte("y"), 1<<20))
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond)
	after := srv.rssBytes(t)
	if grew := after - before; grew > 64<<20 {
		t.Errorf("RSS grew by %d MiB for 4 clients that declared 512 MB and sent 1 MiB each", grew>>20)
	}
	if r := dial(t, srv.addr).do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING while others stall in a large bulk = %q", r)
	}
	for _, c := range conns {
		c.nc.Close()
	}
}

func TestGarbage(t *testing.T) {
	srv := startRedoubt(t)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		buf := make([]byte, 1+rng.Intn(64*1024))
		rng.Read(buf)
		if i%2 == 0 {
			buf[0] = "*$+-:\x00\r\n"[rng.Intn(8)] // start like a protocol line sometimes
		}
		c := dial(t, srv.addr)
		c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		c.nc.Write(buf) // the server may close midway
		c.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		for {
			if _, err := c.br.ReadByte(); err != nil {
				break
			}
		}
		c.nc.Close()
		if srv.exited() {
			t.Fatalf("server died on garbage input %d (%d bytes)", i, len(buf))
		}
	}
	if r := dial(t, srv.addr).do("PING"); r != "+PONG\r\n" {
		t.Fatalf("server not serving after garbage: %q", r)
	}
	if strings.Contains(srv.log.String(), "Panic") {
		t.Errorf("a panic was logged while reading garbage:\n%s", srv.log.String())
	}
}

func TestStalledClient(t *testing.T) {
	srv := startRedoubt(t)
	stalls := [][]byte{
		[]byte("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$10\r\nhel"), // inside a bulk
		[]byte("*3\r\n$3\r\nSET\r\n"),                      // between arguments
		[]byte("*3"),                                       // inside the header
		[]byte("PIN"),                                      // inline, no newline
	}
	for _, s := range stalls {
		dial(t, srv.addr).send(s)
	}
	c := dial(t, srv.addr)
	start := time.Now()
	for i := 0; i < 200; i++ {
		c.nc.SetReadDeadline(time.Now().Add(time.Second))
		if r := c.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("PING %d = %q", i, r)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("200 PINGs took %v while other clients stall", d)
	}
}

func TestTooBigInline(t *testing.T) {
	srv := startRedoubt(t)
	raw := bytes.Repeat([]byte("a"), 100*1024)
	got := sendRaw(t, srv.addr, raw, 2*time.Second)
	want := "-ERR Protocol error: too big inline request\r\n"
	if got.reply != want || !got.closed {
		t.Errorf("100 KB inline line without newline -> %q closed=%v; want %q and close", got.reply, got.closed, want)
	}
	if haveOracle() {
		oracle := startRedis(t)
		if w := sendRaw(t, oracle.addr, raw, 2*time.Second); w != got {
			t.Errorf("differs from Redis\n  redis:   %q closed=%v\n  redoubt: %q closed=%v", w.reply, w.closed, got.reply, got.closed)
		}
	}
	// A 100 KB multibulk count line without newline.
	got = sendRaw(t, srv.addr, append([]byte("*"), bytes.Repeat([]byte("1"), 100*1024)...), 2*time.Second)
	if want := "-ERR Protocol error: too big mbulk count string\r\n"; got.reply != want || !got.closed {
		t.Errorf("100 KB multibulk count line -> %q closed=%v; want %q and close", got.reply, got.closed, want)
	}
}

// raiseNoFile lifts the soft open-file limit so that the test and the servers it starts
// (which inherit it) can hold n descriptors.
func raiseNoFile(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("RLIMIT_NOFILE hard limit %d < %d", lim.Max, n)
	}
	old := lim
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("raising RLIMIT_NOFILE: %v", err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

func TestManyConnections(t *testing.T) {
	const n = 10000
	// Each process (this test and the server, which inherits the limit) holds n sockets.
	raiseNoFile(t, n+512)
	srv := startRedoubt(t, "--maxclients", strconv.Itoa(n+100))
	conns := make([]net.Conn, n)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	fail := func(i int, what string, err error) {
		mu.Lock()
		failures = append(failures, strconv.Itoa(i)+": "+what+" "+errString(err))
		mu.Unlock()
	}
	sem := make(chan struct{}, 64)
	ping := encodeCommand("PING")
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			nc, err := net.DialTimeout("tcp", srv.addr, 10*time.Second)
			if err != nil {
				fail(i, "dial", err)
				return
			}
			conns[i] = nc
			if r, err := roundTrip(nc, ping); err != nil || r != "+PONG\r\n" {
				fail(i, r, err)
			}
		}(i)
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d connections got no PONG, e.g. %q", len(failures), n, failures[:min(5, len(failures))])
	}
	// All open at once: each answers again.
	for i, nc := range conns {
		if r, err := roundTrip(nc, ping); err != nil || r != "+PONG\r\n" {
			t.Fatalf("second PING on connection %d: %q %v", i, r, err)
		}
	}
	info, err := roundTrip(conns[0], encodeCommand("INFO", "clients"))
	if err != nil || !strings.Contains(info, "connected_clients:"+strconv.Itoa(n)+"\r\n") {
		t.Errorf("INFO clients with %d connections: %v\n%s", n, err, info)
	}
	for _, nc := range conns {
		nc.Close()
	}
	probe := dial(t, srv.addr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		info := bulkText(t, probe.do("INFO", "clients"))
		if strings.Contains(info, "connected_clients:1\r\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections not released after close:\n%s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// roundTrip writes a request and reads one reply, safe to call from any goroutine.
func roundTrip(nc net.Conn, req []byte) (string, error) {
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(req); err != nil {
		return "", err
	}
	var out bytes.Buffer
	err := readRaw(bufio.NewReader(nc), &out)
	return out.String(), err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestMaxClients(t *testing.T) {
	srv := startRedoubt(t, "--maxclients", "10")
	var conns []*conn
	for i := 0; i < 10; i++ {
		c := dial(t, srv.addr)
		if r := c.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("client %d: PING = %q", i+1, r)
		}
		conns = append(conns, c)
	}
	eleventh := dial(t, srv.addr)
	if r := eleventh.readReply(); r != "-ERR max number of clients reached\r\n" {
		t.Fatalf("11th client got %q", r)
	}
	if !eleventh.expectClosed(ioTimeout) {
		t.Errorf("11th client's connection left open")
	}
	if r := conns[0].do("PING"); r != "+PONG\r\n" {
		t.Errorf("existing client after the rejection: %q", r)
	}
	// A freed slot is usable again.
	conns[9].nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial(t, srv.addr)
		c.send(encodeCommand("PING"))
		r, err := c.tryReadReply(ioTimeout)
		if r == "+PONG\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed after a client closed: %q %v", r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := conns[0].do("CONFIG", "GET", "maxclients"); r != "*2\r\n$10\r\nmaxclients\r\n$2\r\n10\r\n" {
		t.Errorf("CONFIG GET maxclients = %q", r)
	}
}

// TestProtectedConfig: CONFIG SET dir/dbfilename is how Redis servers were turned into
// file-write primitives (cron jobs, SSH keys, the Wannamine campaigns). Redis 7 refuses it
// unless enable-protected-configs is set; Redoubt must as well.
func TestProtectedConfig(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	dir := c.do("CONFIG", "GET", "dir")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "SET", "dir", "/tmp"}, "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"},
		{[]string{"CONFIG", "SET", "dbfilename", "authorized_keys"}, "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n"},
		{[]string{"CONFIG", "SET", "hz", "11", "dir", "/tmp"}, "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"},
		{[]string{"CONFIG", "SET", "enable-protected-configs", "yes"}, "-ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - can't set immutable config\r\n"},
	}
	var oracle *conn
	if haveOracle() {
		oracle = dial(t, startRedis(t).addr)
	}
	for _, tc := range cases {
		if r := c.do(tc.args...); r != tc.want {
			t.Errorf("%q = %q, want %q", tc.args, r, tc.want)
		}
		if oracle != nil {
			if w := oracle.do(tc.args...); w != tc.want {
				t.Errorf("oracle disagrees with the expected reply for %q: %q", tc.args, w)
			}
		}
	}
	if r := c.do("CONFIG", "GET", "dir"); r != dir {
		t.Errorf("dir changed: %q -> %q", dir, r)
	}
	if r := c.do("CONFIG", "GET", "hz"); r != "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n" {
		t.Errorf("a CONFIG SET that failed on a protected directive still applied hz: %q", r)
	}
}

// TestErrorRepliesHaveNoCRLF: client text echoed in an error must not be able to inject
// protocol (a second reply line) into the stream.
func TestErrorRepliesHaveNoCRLF(t *testing.T) {
	srv := startRedoubt(t)
	var oracle *conn
	if haveOracle() {
		oracle = dial(t, startRedis(t).addr)
	}
	c := dial(t, srv.addr)
	inject := "a\r\n+OK\r\nb"
	cases := [][]string{
		{inject},
		{"nosuch", inject},
		{inject, inject, inject},
		{"CONFIG", inject},
		{"CONFIG", "SET", inject, "1"},
		{"CLIENT", inject},
		{"OBJECT", inject, "k"},
		{"COMMAND", inject},
		{"SET", "k", "v", inject},
		{"SET", "k", "v", "EX", inject},
		{"INCRBY", "k", inject},
		{"HELLO", inject},
		{"SELECT", inject},
		{"BITFIELD", "k", "GET", inject, "0"},
		{"BITOP", inject, "d", "k"},
		{"LCS", "k", "k", inject},
		{"a\nb"},
		{"a\rb"},
	}
	for _, args := range cases {
		r := c.do(args...)
		if !strings.HasPrefix(r, "-") {
			t.Errorf("%q: not an error reply: %q", args, r)
			continue
		}
		if body := strings.TrimSuffix(r, "\r\n"); strings.ContainsAny(body, "\r\n") {
			t.Errorf("%q: error reply contains a raw CR or LF: %q", args, r)
		}
		if oracle != nil {
			if w := oracle.do(args...); w != r {
				t.Errorf("%q differs from Redis\n  redis:   %q\n  redoubt: %q", args, w, r)
			}
		}
		if p := c.do("PING"); p != "+PONG\r\n" {
			t.Fatalf("after %q the stream is out of sync: PING = %q", args, p)
		}
	}
}

// TestSlowReader: a client that pipelines requests for large replies and never reads them
// must not make the server buffer the replies without bound, nor stall other clients.
func TestSlowReader(t *testing.T) {
	srv := startRedoubt(t)
	c := dial(t, srv.addr)
	big := strings.Repeat("v", 1<<20)
	if r := c.do("SET", "big", big); r != "+OK\r\n" {
		t.Fatalf("SET big = %q", r)
	}
	before := srv.rssBytes(t)
	slow := dial(t, srv.addr)
	// 2,000 GETs of 1 MiB: 2 GiB of replies, none of them read.
	req := bytes.Repeat(encodeCommand("GET", "big"), 2000)
	slow.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	slow.nc.Write(req) // blocks once the server stops reading; the deadline ends it
	start := time.Now()
	for i := 0; i < 50; i++ {
		if r := c.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("PING %d while another client does not read = %q", i, r)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("50 PINGs took %v while another client does not read", d)
	}
	if r := c.do("STRLEN", "big"); r != ":1048576\r\n" {
		t.Errorf("STRLEN big = %q", r)
	}
	after := srv.rssBytes(t)
	if grew := after - before; grew > 128<<20 {
		t.Errorf("RSS grew by %d MiB for a client that does not read its replies", grew>>20)
	}
	slow.nc.Close()
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING after the slow reader left = %q", r)
	}
}
