package tlsconf

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// pki is a generated directory plus its CA, to issue more certificates in tests.
type pki struct {
	dir string
	gen *Generated
	ca  *Authority
}

func newPKI(t *testing.T, clients ...string) *pki {
	t.Helper()
	dir := t.TempDir()
	g, err := Generate(GenerateOptions{Dir: dir, Days: 30, Clients: clients})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := LoadAuthority(g.CACert, g.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	return &pki{dir: dir, gen: g, ca: ca}
}

func (p *pki) settings() Settings {
	s := Defaults()
	s.CertFile, s.KeyFile, s.CACertFile = p.gen.ServerCert, p.gen.ServerKey, p.gen.CACert
	return s
}

func (p *pki) pool(t *testing.T) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(mustRead(t, p.gen.CACert)) {
		t.Fatal("bad ca.crt")
	}
	return pool
}

// client returns the key pair of a generated client certificate.
func (p *pki) client(t *testing.T, name string) tls.Certificate {
	t.Helper()
	c, err := tls.LoadX509KeyPair(filepath.Join(p.dir, name+".crt"), filepath.Join(p.dir, name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// issue signs a new certificate with p's CA and writes it (and its key) to dir/name.crt/.key.
func (p *pki) issue(t *testing.T, dir, name string, l Leaf) (certFile, keyFile string) {
	t.Helper()
	if l.NotBefore.IsZero() {
		l.NotBefore = time.Now().Add(-time.Hour)
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = time.Now().Add(24 * time.Hour)
	}
	cert, key, err := p.ca.Issue(l)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	replaceFile(t, certFile, cert)
	replaceFile(t, keyFile, key)
	return certFile, keyFile
}

func (p *pki) issuePair(t *testing.T, l Leaf) tls.Certificate {
	t.Helper()
	cf, kf := p.issue(t, t.TempDir(), "x", l)
	c, err := tls.LoadX509KeyPair(cf, kf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// replaceFile writes data to path through a rename, as rotation tools do.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustLoad(t *testing.T, s Settings) *Manager {
	t.Helper()
	m, err := Load(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// server is a TLS listener using a Manager: after the handshake it writes
// "hello <CN user> <URI user>\n" and then echoes lines.
type server struct {
	addr string
	mu   sync.Mutex
	errs []error
}

func startServer(t *testing.T, cfg *tls.Config) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn := tls.Server(raw, cfg)
				if err := Handshake(conn, 5*time.Second); err != nil {
					s.mu.Lock()
					s.errs = append(s.errs, err)
					s.mu.Unlock()
					return
				}
				defer conn.Close()
				st := conn.ConnectionState()
				fmt.Fprintf(conn, "hello %q %q\n", UserFromCert(st, "CN"), UserFromCert(st, "URI"))
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					conn.Write([]byte(line))
				}
			}()
		}
	}()
	return s
}

// conn is a client connection that got past the greeting.
type conn struct {
	*tls.Conn
	r     *bufio.Reader
	hello string
}

// dial connects and reads the greeting, which is where a rejected client certificate
// shows up under TLS 1.3 (the client's handshake completes before the server verifies).
func dial(t *testing.T, addr string, cfg *tls.Config) (*conn, error) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	hello, err := r.ReadString('\n')
	if err != nil {
		c.Close()
		return nil, err
	}
	if !strings.HasPrefix(hello, "hello ") {
		c.Close()
		return nil, errors.New("bad greeting " + hello)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{c, r, strings.TrimSpace(strings.TrimPrefix(hello, "hello "))}, nil
}

func (c *conn) echo(t *testing.T, line string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		t.Fatalf("write on established connection: %v", err)
	}
	got, err := c.r.ReadString('\n')
	if err != nil || strings.TrimSpace(got) != line {
		t.Fatalf("echo %q: got %q, %v", line, got, err)
	}
}

func (c *conn) serial() string {
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Text(16)
}

// clientConfig presents certs[0], if given, whatever CAs the server asks for (a Go client
// given Certificates would silently send none to a server that names another CA).
func clientConfig(pool *x509.CertPool, certs ...tls.Certificate) *tls.Config {
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	if len(certs) > 0 {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
	}
	return cfg
}
