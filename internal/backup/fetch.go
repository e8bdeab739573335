package backup

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Default timeouts of a Source.
const (
	DefaultDialTimeout = 10 * time.Second
	// DefaultIdleTimeout matches Redis's repl-timeout: a server that sends nothing at all
	// for this long (not even a keepalive newline) is considered gone.
	DefaultIdleTimeout = 60 * time.Second
)

// Source is the server a snapshot is taken from and how to log in to it.
type Source struct {
	Network  string      // "tcp" (the default) or "unix"
	Address  string      // host:port, or the socket path
	User     string      // the ACL user; empty authenticates the default user
	Password string      // empty sends no AUTH (e.g. a TLS certificate maps to the user)
	TLS      *tls.Config // nil for a plain connection
	// DialTimeout bounds the connection and the TLS handshake.
	DialTimeout time.Duration
	// IdleTimeout is the read deadline, renewed whenever bytes arrive: a long transfer is
	// fine, a silent server is not.
	IdleTimeout time.Duration
}

func (s Source) network() string {
	if s.Network == "" {
		return "tcp"
	}
	return s.Network
}

func (s Source) dialTimeout() time.Duration {
	if s.DialTimeout <= 0 {
		return DefaultDialTimeout
	}
	return s.DialTimeout
}

func (s Source) idleTimeout() time.Duration {
	if s.IdleTimeout <= 0 {
		return DefaultIdleTimeout
	}
	return s.IdleTimeout
}

// ClientTLS builds the TLS settings of a backup client: the server must present a
// certificate signed by the CA in caFile for serverName; certFile and keyFile (both or
// neither) are the client certificate for servers with tls-auth-clients.
func ClientTLS(caFile, certFile, keyFile, serverName string) (*tls.Config, error) {
	if caFile == "" {
		return nil, errors.New("TLS needs the CA certificate that signed the server's certificate (--cacert)")
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("a client certificate needs both --cert and --key")
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading the CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", caFile)
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// Fetch connects to the server, logs in, asks for a point-in-time snapshot the way
// redis-cli --rdb does (REPLCONF capa eof, REPLCONF rdb-only 1, SYNC) and copies the RDB
// bytes to dst, at most limit of them. It returns how many bytes it wrote. Cancelling ctx
// closes the connection.
func Fetch(ctx context.Context, src Source, dst io.Writer, limit int64) (int64, error) {
	nc, err := dial(ctx, src)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	n, err := session(&idleConn{Conn: nc, idle: src.idleTimeout()}, src, dst, limit)
	if ctx.Err() != nil {
		return n, fmt.Errorf("interrupted after %d bytes: %w", n, ctx.Err())
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, fmt.Errorf("no data from the server for %v: %w", src.idleTimeout(), err)
	}
	return n, err
}

func dial(ctx context.Context, src Source) (net.Conn, error) {
	d := net.Dialer{Timeout: src.dialTimeout()}
	nc, err := d.DialContext(ctx, src.network(), src.Address)
	if err != nil {
		return nil, err
	}
	if src.TLS == nil {
		return nc, nil
	}
	tc := tls.Client(nc, src.TLS)
	hctx, cancel := context.WithTimeout(ctx, src.dialTimeout())
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// step is one command of the handshake; name is what error messages show (never a password).
type step struct {
	name string
	args []string
}

func handshake(src Source) []step {
	var steps []step
	switch {
	case src.Password != "" && src.User != "":
		steps = append(steps, step{"AUTH", []string{"AUTH", src.User, src.Password}})
	case src.Password != "":
		steps = append(steps, step{"AUTH", []string{"AUTH", src.Password}})
	}
	return append(steps,
		step{"REPLCONF capa eof", []string{"REPLCONF", "capa", "eof"}},
		step{"REPLCONF rdb-only 1", []string{"REPLCONF", "rdb-only", "1"}})
}

// session runs the handshake one command at a time (nothing is sent after a refusal), then
// SYNC, and copies the payload.
func session(c io.ReadWriter, src Source, dst io.Writer, limit int64) (int64, error) {
	r := bufio.NewReaderSize(c, copyChunk)
	for _, s := range handshake(src) {
		if _, err := c.Write(encodeCommand(s.args)); err != nil {
			return 0, fmt.Errorf("sending %s: %w", s.name, err)
		}
		if err := readStatus(r, s.name); err != nil {
			return 0, err
		}
	}
	if _, err := c.Write(encodeCommand([]string{"SYNC"})); err != nil {
		return 0, fmt.Errorf("sending SYNC: %w", err)
	}
	return readPayload(r, dst, limit)
}

// encodeCommand encodes args as a RESP multibulk request.
func encodeCommand(args []string) []byte {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return []byte(b.String())
}

// idleConn renews the read (write) deadline before every read (write), so the deadline
// measures silence rather than the length of the whole transfer.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}
