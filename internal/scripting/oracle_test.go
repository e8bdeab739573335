package scripting

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// oracleConn is a minimal RESP client used to forward commands to a real Redis.
type oracleConn struct {
	c     net.Conn
	r     *bufio.Reader
	proto int
}

// dialOracle connects to REDIS_ORACLE when set, and otherwise starts Debian's redis-server
// on a free loopback port for this test. Without redis-server the test is skipped, unless
// REDOUBT_REQUIRE_ORACLE=1 (CI), where it fails.
func dialOracle(t *testing.T) *oracleConn {
	addr := os.Getenv("REDIS_ORACLE")
	if addr == "" {
		addr = startOracle(t)
	}
	var c net.Conn
	var err error
	for i := 0; i < 100; i++ {
		if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("oracle redis at %s: %v", addr, err)
	}
	return &oracleConn{c: c, r: bufio.NewReader(c), proto: 2}
}

// The oracle server is shared by every test of the package (the differential tests open
// several connections that must see the same data) and stopped by TestMain.
var (
	oracleOnce sync.Once
	oracleAddr string
	oracleErr  string
	oracleSkip bool
	oracleCmd  *exec.Cmd
	oracleDir  string
)

func startOracle(t *testing.T) string {
	oracleOnce.Do(func() {
		path, err := exec.LookPath("redis-server")
		if err != nil {
			oracleErr, oracleSkip = "redis-server not installed", os.Getenv("REDOUBT_REQUIRE_ORACLE") != "1"
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			oracleErr = err.Error()
			return
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		dir, err := os.MkdirTemp("", "redoubt-oracle-")
		if err != nil {
			oracleErr = err.Error()
			return
		}
		oracleDir = dir
		cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir)
		if err := cmd.Start(); err != nil {
			oracleErr = err.Error()
			return
		}
		oracleCmd = cmd
		oracleAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	})
	if oracleAddr == "" {
		if oracleSkip {
			t.Skip(oracleErr)
		}
		t.Fatal("oracle redis: " + oracleErr)
	}
	return oracleAddr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if oracleCmd != nil {
		oracleCmd.Process.Kill()
		oracleCmd.Wait()
	}
	if oracleDir != "" {
		os.RemoveAll(oracleDir)
	}
	os.Exit(code)
}

func (o *oracleConn) do(args ...string) []byte {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return o.doB(b)
}

func (o *oracleConn) doB(args [][]byte) []byte {
	buf := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		buf = append(buf, "$"+strconv.Itoa(len(a))+"\r\n"...)
		buf = append(buf, a...)
		buf = append(buf, "\r\n"...)
	}
	o.c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := o.c.Write(buf); err != nil {
		panic(err)
	}
	out, err := readRaw(o.r, nil)
	if err != nil {
		panic(err)
	}
	return out
}

func (o *oracleConn) setProto(p int) {
	if o.proto != p {
		o.do("HELLO", strconv.Itoa(p))
		o.proto = p
	}
}

func readRaw(r *bufio.Reader, out []byte) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	out = append(out, line...)
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return out, nil
		}
		b := make([]byte, n+2)
		if _, err := ioReadFull(r, b); err != nil {
			return nil, err
		}
		return append(out, b...), nil
	case '*', '~', '>', '%', '|':
		n, _ := strconv.Atoi(body)
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if out, err = readRaw(r, out); err != nil {
				return nil, err
			}
		}
		if line[0] == '|' {
			return readRaw(r, out)
		}
	}
	return out, nil
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// forwardCaller runs redis.call commands on the oracle over conn.
func forwardCaller(o *oracleConn) Caller {
	return func(args [][]byte, proto int, pcall bool) []byte {
		o.setProto(proto)
		return o.doB(args)
	}
}

func fmtReply(b []byte) string { return fmt.Sprintf("%q", b) }
