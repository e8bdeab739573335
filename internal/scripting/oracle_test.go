package scripting

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

// oracleConn is a minimal RESP client used to forward commands to a real Redis.
type oracleConn struct {
	c     net.Conn
	r     *bufio.Reader
	proto int
}

func dialOracle(t *testing.T) *oracleConn {
	addr := os.Getenv("REDIS_ORACLE")
	if addr == "" {
		addr = "127.0.0.1:16399"
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Skipf("no oracle redis at %s (set REDIS_ORACLE): %v", addr, err)
	}
	return &oracleConn{c: c, r: bufio.NewReader(c), proto: 2}
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
