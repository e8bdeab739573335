package acl

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The oracle is a private redis-server 7.0 on a free loopback port, started by the test
// and killed at its end.

const oracleBinary = "/usr/bin/redis-server"

type oracle struct {
	conn net.Conn
	r    *bufio.Reader
	dir  string
}

// startOracle starts redis-server with extra arguments, or skips the test when the binary
// is missing (unless REDOUBT_REQUIRE_ORACLE=1).
func startOracle(t *testing.T, extra ...string) *oracle {
	t.Helper()
	if _, err := os.Stat(oracleBinary); err != nil {
		if os.Getenv("REDOUBT_REQUIRE_ORACLE") == "1" {
			t.Fatalf("oracle required but %s is missing", oracleBinary)
		}
		t.Skipf("%s not installed", oracleBinary)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}, extra...)
	cmd := exec.Command(oracleBinary, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var conn net.Conn
	for i := 0; i < 100; i++ {
		conn, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("oracle did not start: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	o := &oracle{conn: conn, r: bufio.NewReader(conn), dir: dir}
	if v := o.do(t, "INFO", "server"); !strings.Contains(fmt.Sprint(v), "redis_version:7.0.") {
		t.Skipf("oracle is not Redis 7.0")
	}
	return o
}

type respErr string

func (e respErr) Error() string { return string(e) }

// do sends a command and returns the reply: string (simple or bulk), int64, nil, []any, or
// respErr.
func (o *oracle) do(t *testing.T, args ...string) any {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	o.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := o.conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	v, err := readReply(o.r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// raw sends a command and returns the exact reply bytes (one reply).
func (o *oracle) raw(t *testing.T, args ...string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	o.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := o.conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := copyReply(o.r, &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if line == "" {
		return nil, errors.New("empty line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return respErr(line[1:]), nil
	case ':':
		return strconv.ParseInt(line[1:], 10, 64)
	case '_':
		return nil, nil
	case ',':
		return line[1:], nil
	case '#':
		return line[1:] == "t", nil
	case '$', '=':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*', '~', '>', '%':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		if line[0] == '%' {
			n *= 2
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// copyReply copies one reply's bytes.
func copyReply(r *bufio.Reader, out *strings.Builder) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	out.WriteString(line)
	body := strings.TrimSuffix(line, "\r\n")
	switch body[0] {
	case '$', '=':
		n, _ := strconv.Atoi(body[1:])
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(r, buf); err != nil {
			return err
		}
		out.Write(buf)
	case '*', '~', '>', '%':
		n, _ := strconv.Atoi(body[1:])
		if body[0] == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := copyReply(r, out); err != nil {
				return err
			}
		}
	}
	return nil
}

func bufioFrom(b []byte) *bufio.Reader { return bufio.NewReader(strings.NewReader(string(b))) }
