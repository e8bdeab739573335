package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/tlsconf"
)

// readCommand reads one RESP multibulk request.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(line, "*"))
	if err != nil || !strings.HasPrefix(line, "*") || n > 16 {
		return nil, fmt.Errorf("not a multibulk request: %q", line)
	}
	args := make([]string, n)
	for i := range args {
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		l, err := strconv.Atoi(strings.TrimPrefix(line, "$"))
		if err != nil || l > 1<<10 {
			return nil, fmt.Errorf("bad bulk header %q", line)
		}
		b := make([]byte, l+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		args[i] = string(b[:l])
	}
	return args, nil
}

// fakeServer plays a server: reply answers each command; its bytes are written, and the
// connection is closed when it returns hangup. Commands are recorded.
type fakeServer struct {
	addr string
	mu   sync.Mutex
	cmds [][]string
	conn int
}

func (s *fakeServer) commands() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.cmds...)
}

func (s *fakeServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

type replyFunc func(cmd []string, w io.Writer) (hangup bool)

func startFake(t *testing.T, ln net.Listener, reply replyFunc) *fakeServer {
	t.Helper()
	s := &fakeServer{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conn++
			s.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				r := bufio.NewReader(c)
				for {
					cmd, err := readCommand(r)
					if err != nil {
						return
					}
					s.mu.Lock()
					s.cmds = append(s.cmds, cmd)
					s.mu.Unlock()
					if reply(cmd, c) {
						return
					}
				}
			}()
		}
	}()
	return s
}

func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveSnapshot answers every command +OK, and SYNC with syncReply, then hangs up.
func serveSnapshot(syncReply string) replyFunc {
	return func(cmd []string, w io.Writer) bool {
		if strings.EqualFold(cmd[0], "SYNC") {
			io.WriteString(w, syncReply)
			return true
		}
		io.WriteString(w, "+OK\r\n")
		return false
	}
}

// refuse answers the command named refused with errReply and everything else like ok.
func refuse(refused, errReply string, ok replyFunc) replyFunc {
	return func(cmd []string, w io.Writer) bool {
		if strings.EqualFold(cmd[0], refused) {
			io.WriteString(w, errReply)
			return false
		}
		return ok(cmd, w)
	}
}

func TestFetchHandshake(t *testing.T) {
	payload := "REDIS0010-snapshot-bytes"
	cases := []struct {
		name       string
		user, pass string
		want       [][]string
	}{
		{"no password", "", "", [][]string{{"REPLCONF", "capa", "eof"}, {"REPLCONF", "rdb-only", "1"}, {"SYNC"}}},
		{"requirepass", "", "s3cret", [][]string{{"AUTH", "s3cret"}, {"REPLCONF", "capa", "eof"}, {"REPLCONF", "rdb-only", "1"}, {"SYNC"}}},
		{"ACL user", "backup", "s3cret", [][]string{{"AUTH", "backup", "s3cret"}, {"REPLCONF", "capa", "eof"}, {"REPLCONF", "rdb-only", "1"}, {"SYNC"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startFake(t, listenTCP(t), serveSnapshot(eofFramed(payload)))
			var out bytes.Buffer
			n, err := Fetch(context.Background(), Source{Address: srv.addr, User: c.user, Password: c.pass}, &out, 1<<20)
			if err != nil || out.String() != payload || n != int64(len(payload)) {
				t.Fatalf("Fetch: n=%d err=%v out=%q", n, err, out.String())
			}
			if got := srv.commands(); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("commands %q, want %q", got, c.want)
			}
		})
	}
}

// TestFetchStopsAtRefusal: an error reply ends the session with that reply, nothing more is
// sent, and the password never appears in the error.
func TestFetchStopsAtRefusal(t *testing.T) {
	ok := serveSnapshot(eofFramed("x"))
	cases := []struct {
		name     string
		reply    replyFunc
		wantCmd  string
		wantText string
		sent     int
	}{
		{"wrong password", refuse("AUTH", "-WRONGPASS invalid username-password pair or user is disabled.\r\n", ok),
			"AUTH", "WRONGPASS invalid username-password pair", 1},
		{"no @admin", refuse("REPLCONF", "-NOPERM this user has no permissions to run the 'replconf' command\r\n", ok),
			"REPLCONF capa eof", "NOPERM this user has no permissions to run the 'replconf' command", 2},
		{"sync refused", refuse("SYNC", "-ERR Replication is not supported yet\r\n", ok),
			"SYNC", "ERR Replication is not supported yet", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startFake(t, listenTCP(t), c.reply)
			_, err := Fetch(context.Background(), Source{Address: srv.addr, Password: "hunter2"}, io.Discard, 1<<20)
			var se *ServerError
			if !errors.As(err, &se) || se.Command != c.wantCmd || !strings.HasPrefix(se.Reply, c.wantText) {
				t.Fatalf("error %v, want %s refused with %q", err, c.wantCmd, c.wantText)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the password leaked into the error: %v", err)
			}
			if got := len(srv.commands()); got != c.sent {
				t.Errorf("%d commands sent, want %d (none after the refusal)", got, c.sent)
			}
		})
	}
}

// stallAfter answers like a server that sends head in reply to SYNC and then nothing, with
// the connection open until the test ends.
func stallAfter(head string, keepalives time.Duration, gap time.Duration) replyFunc {
	return func(cmd []string, w io.Writer) bool {
		if !strings.EqualFold(cmd[0], "SYNC") {
			io.WriteString(w, "+OK\r\n")
			return false
		}
		for end := time.Now().Add(keepalives); time.Now().Before(end); {
			if _, err := io.WriteString(w, "\n"); err != nil {
				return true
			}
			time.Sleep(gap)
		}
		io.WriteString(w, head)
		return false // the next read blocks until the client hangs up
	}
}

func TestFetchIdleTimeout(t *testing.T) {
	head := "$EOF:" + testMark + "\r\nREDIS0010partial"
	srv := startFake(t, listenTCP(t), stallAfter(head, 0, 0))
	start := time.Now()
	n, err := Fetch(context.Background(), Source{Address: srv.addr, IdleTimeout: 200 * time.Millisecond}, io.Discard, 1<<20)
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.Contains(err.Error(), "no data from the server for 200ms") {
		t.Fatalf("error %v, want the idle timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %v, want about 200ms", d)
	}
	if n > int64(len("REDIS0010partial")) {
		t.Errorf("wrote %d bytes", n)
	}
}

// TestFetchKeepalivesRenewTheDeadline: newlines every 40 ms for 600 ms keep a client with a
// 200 ms idle timeout waiting, as Redis's keepalives do during a long BGSAVE.
func TestFetchKeepalivesRenewTheDeadline(t *testing.T) {
	srv := startFake(t, listenTCP(t), func(cmd []string, w io.Writer) bool {
		if strings.EqualFold(cmd[0], "SYNC") {
			stallAfter(eofFramed("REDIS0010"), 600*time.Millisecond, 40*time.Millisecond)(cmd, w)
			return true
		}
		io.WriteString(w, "+OK\r\n")
		return false
	})
	var out bytes.Buffer
	if _, err := Fetch(context.Background(), Source{Address: srv.addr, IdleTimeout: 200 * time.Millisecond}, &out, 1<<20); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if out.String() != "REDIS0010" {
		t.Fatalf("got %q", out.String())
	}
}

func TestFetchCancel(t *testing.T) {
	srv := startFake(t, listenTCP(t), stallAfter("$EOF:"+testMark+"\r\nREDIS", 0, 0))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := Fetch(ctx, Source{Address: srv.addr}, io.Discard, 1<<20)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestFetchUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "bk") // short: sun_path holds 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	startFake(t, ln, serveSnapshot("$3\r\nabc"))
	var out bytes.Buffer
	if _, err := Fetch(context.Background(), Source{Network: "unix", Address: path}, &out, 1<<20); err != nil || out.String() != "abc" {
		t.Fatalf("Fetch over a unix socket: %v %q", err, out.String())
	}
}

// TestFetchTLS: the server's certificate must chain to the given CA; a client certificate
// is presented when configured.
func TestFetchTLS(t *testing.T) {
	dir := t.TempDir()
	if _, err := tlsconf.Generate(tlsconf.GenerateOptions{Dir: dir, Days: 1, Clients: []string{"backup"}}); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if _, err := tlsconf.Generate(tlsconf.GenerateOptions{Dir: other, Days: 1, Clients: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	ln := tlsListen(t, dir)
	srv := startFake(t, ln, serveSnapshot(eofFramed("REDIS-over-tls")))

	good, err := ClientTLS(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "backup.crt"), filepath.Join(dir, "backup.key"), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := Fetch(context.Background(), Source{Address: srv.addr, TLS: good}, &out, 1<<20); err != nil || out.String() != "REDIS-over-tls" {
		t.Fatalf("Fetch over TLS: %v %q", err, out.String())
	}

	wrongCA, err := ClientTLS(filepath.Join(other, "ca.crt"), filepath.Join(dir, "backup.crt"), filepath.Join(dir, "backup.key"), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(context.Background(), Source{Address: srv.addr, TLS: wrongCA, DialTimeout: 2 * time.Second}, io.Discard, 1<<20); err == nil || !strings.Contains(err.Error(), "TLS handshake") {
		t.Errorf("a server certificate from another CA was accepted: %v", err)
	}
	wrongName, _ := ClientTLS(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "backup.crt"), filepath.Join(dir, "backup.key"), "db.example.com")
	if _, err := Fetch(context.Background(), Source{Address: srv.addr, TLS: wrongName, DialTimeout: 2 * time.Second}, io.Discard, 1<<20); err == nil {
		t.Errorf("a certificate for another name was accepted")
	}
}

// tlsListen listens with the server certificate in dir and requires client certificates
// signed by its CA, as tls-auth-clients yes does.
func tlsListen(t *testing.T, dir string) net.Listener {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestClientTLSRefusals(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "x.crt")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	cases := []struct{ ca, cert, key, want string }{
		{"", "", "", "--cacert"},
		{notPEM, "a.crt", "", "both --cert and --key"},
		{filepath.Join(dir, "missing.crt"), "", "", "reading the CA certificate"},
		{notPEM, "", "", "no PEM certificate"},
	}
	for _, c := range cases {
		if _, err := ClientTLS(c.ca, c.cert, c.key, "localhost"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ClientTLS(%q, %q, %q): %v, want %q", c.ca, c.cert, c.key, err, c.want)
		}
	}
}
