package e2e

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dialFrom connects to port on 127.0.0.2 from source address 127.0.0.2. Redis 7.0 counts
// only 127.0.0.1 and ::1 as local (it compares the peer address as a string), so a client on
// a second loopback address is a real remote client for protected mode, and proves the same
// code path a client from another host would take — without leaving this machine.
func dialFrom(t *testing.T, port int) *conn {
	t.Helper()
	d := net.Dialer{Timeout: ioTimeout, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	nc, err := d.Dial("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("dial from 127.0.0.2: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &conn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 64*1024)}
}

// bindBoth listens on the two loopback addresses the protected-mode tests use.
var bindBoth = []string{"--bind", "127.0.0.1 127.0.0.2"}

func TestProtectedModeRefusesRemoteClient(t *testing.T) {
	ours := startRedoubt(t, bindBoth...)
	theirs := startRedis(t, bindBoth...)
	want := dialFrom(t, theirs.port).do("PING")
	if !strings.HasPrefix(want, "-DENIED ") {
		t.Fatalf("the oracle did not refuse: %q", want)
	}
	c := dialFrom(t, ours.port)
	if got := c.do("PING"); got != want {
		t.Fatalf("remote client under protected mode:\n got  %q\n want %q", got, want)
	}
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	// EOF or a reset both mean closed; a timeout means the server kept the connection.
	if _, err := c.br.ReadByte(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection left open after DENIED (err=%v)", err)
	}
	if got := dial(t, ours.addr).do("PING"); got != "+PONG\r\n" {
		t.Fatalf("local client refused: %q", got)
	}
}

func TestProtectedModeAllowsWithPasswordOrOff(t *testing.T) {
	withPass := startRedoubt(t, append(bindBoth, "--requirepass", "s3cret")...)
	c := dialFrom(t, withPass.port)
	if got := c.do("PING"); got != "-NOAUTH Authentication required.\r\n" {
		t.Fatalf("remote client with a password set: %q", got)
	}
	if got := c.do("AUTH", "s3cret"); got != "+OK\r\n" {
		t.Fatalf("AUTH: %q", got)
	}
	off := startRedoubt(t, append(bindBoth, "--protected-mode", "no")...)
	if got := dialFrom(t, off.port).do("PING"); got != "+PONG\r\n" {
		t.Fatalf("protected-mode no: %q", got)
	}
}

func TestACLKeyPatternAndLog(t *testing.T) {
	p := startRedoubt(t)
	admin := dial(t, p.addr)
	if got := admin.do("ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+get", "+set"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c := dial(t, p.addr)
	if got := c.do("AUTH", "app", "pw"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	for _, tt := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"SET", "app:1", "x"}, "+OK\r\n"},
		{[]string{"GET", "app:1"}, "$1\r\nx\r\n"},
		{[]string{"GET", "other:1"}, "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
		{[]string{"DEL", "app:1"}, "-NOPERM this user has no permissions to run the 'del' command\r\n"},
		{[]string{"CONFIG", "SET", "dir", "/tmp"}, "-NOPERM this user has no permissions to run the 'config|set' command\r\n"},
	} {
		if got := c.do(tt.cmd...); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.cmd, got, tt.want)
		}
	}
	log := admin.do("ACL", "LOG")
	for _, want := range []string{"other:1", "del", "config|set", "app"} {
		if !strings.Contains(log, want) {
			t.Errorf("ACL LOG lacks %q:\n%s", want, log)
		}
	}
}

// TestRevokeBetweenQueueAndExec checks that a command queued in MULTI is checked again at
// EXEC: revoking the permission in between must stop it.
func TestRevokeBetweenQueueAndExec(t *testing.T) {
	p := startRedoubt(t)
	admin := dial(t, p.addr)
	admin.do("ACL", "SETUSER", "u", "on", ">pw", "~*", "+@all")
	c := dial(t, p.addr)
	c.do("AUTH", "u", "pw")
	c.do("MULTI")
	if got := c.do("SET", "k", "v"); got != "+QUEUED\r\n" {
		t.Fatal(got)
	}
	admin.do("ACL", "SETUSER", "u", "-set")
	got := c.do("EXEC")
	if !strings.Contains(got, "NOPERM") {
		t.Fatalf("EXEC ran a revoked command: %q", got)
	}
	if v := admin.do("EXISTS", "k"); v != ":0\r\n" {
		t.Fatalf("the revoked SET ran: EXISTS = %q", v)
	}
}

func TestDeletedUserIsDisconnected(t *testing.T) {
	p := startRedoubt(t)
	admin := dial(t, p.addr)
	admin.do("ACL", "SETUSER", "gone", "on", ">pw", "~*", "+@all")
	c := dial(t, p.addr)
	c.do("AUTH", "gone", "pw")
	if got := admin.do("ACL", "DELUSER", "gone"); got != ":1\r\n" {
		t.Fatal(got)
	}
	c.send(encodeCommand("PING"))
	c.nc.SetReadDeadline(time.Now().Add(ioTimeout))
	if line, err := c.br.ReadString('\n'); err == nil {
		t.Fatalf("deleted user's connection still served: %q", line)
	}
}

// TestAuthBruteForceLockout: after auth-max-failures wrong passwords an address is locked
// out — even the right password is refused — while other addresses still authenticate.
func TestAuthBruteForceLockout(t *testing.T) {
	p := startRedoubt(t, append(bindBoth, "--requirepass", "right", "--auth-max-failures", "5")...)
	c := dialFrom(t, p.port)
	for i := 0; i < 5; i++ {
		if got := c.do("AUTH", "wrong"); !strings.HasPrefix(got, "-WRONGPASS invalid") {
			t.Fatalf("attempt %d: %q", i, got)
		}
	}
	if got := c.do("AUTH", "right"); !strings.Contains(got, "too many failed authentication attempts") {
		t.Fatalf("locked-out address authenticated: %q", got)
	}
	if got := dialFrom(t, p.port).do("AUTH", "right"); !strings.Contains(got, "too many failed") {
		t.Fatalf("a new connection from the same address escaped the lockout: %q", got)
	}
	if got := dial(t, p.addr).do("AUTH", "right"); got != "+OK\r\n" {
		t.Fatalf("another address was locked out too: %q", got)
	}
}
