package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/tlsconf"
)

// tlsClientConfig trusts dir's CA and presents the client certificate NAME.crt/NAME.key
// (none when name is ""). Sessions are not cached, so every handshake is a full one and
// shows the server's current certificate.
func tlsClientConfig(t *testing.T, dir, name string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.crt holds no certificate")
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	if name != "" {
		kp, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	return cfg
}

// tryTLSDial connects to the TLS port and completes the handshake.
func tryTLSDial(port int, cfg *tls.Config) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: ioTimeout}
	tc, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cfg)
	if err != nil {
		return nil, err
	}
	return tc, nil
}

// tlsDial is tryTLSDial failing the test on error; it returns a raw RESP client over the
// TLS connection and the connection itself (for its ConnectionState).
func tlsDial(t *testing.T, port int, cfg *tls.Config) (*conn, *tls.Conn) {
	t.Helper()
	tc, err := tryTLSDial(port, cfg)
	if err != nil {
		t.Fatalf("TLS dial 127.0.0.1:%d: %v", port, err)
	}
	t.Cleanup(func() { tc.Close() })
	return &conn{t: t, nc: tc, br: bufio.NewReaderSize(tc, 64*1024)}, tc
}

// serverLeaf is the certificate the server presented on tc.
func serverLeaf(t *testing.T, tc *tls.Conn) *x509.Certificate {
	t.Helper()
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		t.Fatal("the server presented no certificate")
	}
	return st.PeerCertificates[0]
}

// currentServerSerial opens a fresh TLS connection and returns the serial of the server
// certificate it got.
func currentServerSerial(t *testing.T, port int, cfg *tls.Config) *big.Int {
	t.Helper()
	tc, err := tryTLSDial(port, cfg)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	defer tc.Close()
	return serverLeaf(t, tc).SerialNumber
}

// issueServerCert issues a new server certificate (new key, new serial) from dir's CA,
// valid for localhost from an hour ago until notAfter.
func issueServerCert(t *testing.T, dir string, notAfter time.Time) (certPEM, keyPEM []byte, leaf *x509.Certificate) {
	t.Helper()
	ca, err := tlsconf.LoadAuthority(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err = ca.Issue(tlsconf.Leaf{
		CommonName: "Redoubt server (rotated)", DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:   time.Now().Add(-time.Hour).Truncate(time.Second), NotAfter: notAfter,
		Server: true, Client: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM, kp.Leaf
}

// writeTemp writes data to a new temporary file next to path (same file system, so that
// a rename is atomic) and returns its name.
func writeTemp(t *testing.T, path string, data []byte, mode os.FileMode) string {
	t.Helper()
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Chmod(mode); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// replaceFiles atomically replaces each path with its new content. Every new file is
// written in full first, and only then renamed into place, back to back: the watcher never
// reads a half-written file, and the window in which the certificate and the key do not
// match is two renames long, far shorter than the watcher's settling interval (a pair it
// sees changing between two ticks is not loaded until it stays the same for a whole one).
func replaceFiles(t *testing.T, files map[string][]byte) {
	t.Helper()
	tmp := map[string]string{}
	for path, data := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(path, ".key") {
			mode = 0o600
		}
		tmp[path] = writeTemp(t, path, data, mode)
	}
	for path, name := range tmp {
		if err := os.Rename(name, path); err != nil {
			t.Fatal(err)
		}
	}
}

// tlsInfoField returns field's value in an INFO reply, or "" and false.
func tlsInfoField(info, field string) (string, bool) {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, true
		}
	}
	return "", false
}

// TestTLSReloadOnDisk: certificate files replaced on disk are picked up by the watcher for
// new connections, without disturbing the established ones; a broken replacement keeps
// the last good certificate serving and is logged.
func TestTLSReloadOnDisk(t *testing.T) {
	dir := tlsFiles(t, "c")
	p := startTLS(t, dir, "--tls-auto-reload-interval", "1")
	cfg := tlsClientConfig(t, dir, "c")

	a, atc := tlsDial(t, p.tlsPort, cfg)
	if r := a.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING on connection A: %q", r)
	}
	oldSerial := serverLeaf(t, atc).SerialNumber

	certPEM, keyPEM, newLeaf := issueServerCert(t, dir, time.Now().Add(72*time.Hour).Truncate(time.Second))
	if newLeaf.SerialNumber.Cmp(oldSerial) == 0 {
		t.Fatal("the new certificate has the old serial")
	}
	crt, key := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	replaceFiles(t, map[string][]byte{key: keyPEM, crt: certPEM})

	deadline := time.Now().Add(10 * time.Second)
	var got *big.Int
	for {
		got = currentServerSerial(t, p.tlsPort, cfg)
		if got.Cmp(newLeaf.SerialNumber) == 0 {
			break
		}
		if got.Cmp(oldSerial) != 0 {
			t.Fatalf("new connection got serial %x, neither the old %x nor the new %x", got, oldSerial, newLeaf.SerialNumber)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rotated certificate (serial %x) was not served within 10s; still %x", newLeaf.SerialNumber, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !p.log.waitFor("TLS files changed: reloaded", 2*time.Second, p.done) {
		t.Error("the reload was not logged")
	}
	if !strings.Contains(p.log.String(), newLeaf.SerialNumber.Text(16)) {
		t.Errorf("the reload log line does not name the new serial %x", newLeaf.SerialNumber)
	}
	if r := a.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("connection A after the reload: %q", r)
	}
	if s := serverLeaf(t, atc).SerialNumber; s.Cmp(oldSerial) != 0 {
		t.Fatalf("connection A's state changed: serial %x", s)
	}

	// A broken certificate file: the last good certificate keeps serving, and the log says so.
	replaceFiles(t, map[string][]byte{crt: []byte("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")})
	kept := "could not be reloaded; still serving the certificate with serial " + newLeaf.SerialNumber.Text(16)
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(p.log.String(), kept) {
		if s := currentServerSerial(t, p.tlsPort, cfg); s.Cmp(newLeaf.SerialNumber) != 0 {
			t.Fatalf("after a garbage server.crt a new connection got serial %x, want the last good %x", s, newLeaf.SerialNumber)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line within 10s saying the old certificate was kept (want %q)", kept)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := 0; i < 3; i++ { // also after the failed reload, and across further ticks
		if s := currentServerSerial(t, p.tlsPort, cfg); s.Cmp(newLeaf.SerialNumber) != 0 {
			t.Fatalf("after the failed reload a new connection got serial %x, want %x", s, newLeaf.SerialNumber)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := strings.Count(p.log.String(), kept); n != 1 {
		t.Errorf("the failed reload was logged %d times, want once (retried only when the files change again)", n)
	}
	if r := a.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("connection A after the failed reload: %q", r)
	}
}

// TestTLSConfigSetReload: CONFIG SET tls-cert-file/tls-key-file switches the certificate
// for new connections at once; a bad path fails the SET and changes nothing.
func TestTLSConfigSetReload(t *testing.T) {
	dir := tlsFiles(t, "c")
	p := startTLS(t, dir, "--tls-auto-reload-interval", "1", "--requirepass", "pw")
	cfg := tlsClientConfig(t, dir, "c")
	c, ctc := tlsDial(t, p.tlsPort, cfg)
	if r := c.do("AUTH", "pw"); r != "+OK\r\n" {
		t.Fatalf("AUTH: %q", r)
	}
	oldSerial := serverLeaf(t, ctc).SerialNumber

	notAfter := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	certPEM, keyPEM, newLeaf := issueServerCert(t, dir, notAfter)
	crt2, key2 := filepath.Join(dir, "server2.crt"), filepath.Join(dir, "server2.key")
	if err := os.WriteFile(crt2, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key2, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := c.do("CONFIG", "SET", "tls-cert-file", crt2, "tls-key-file", key2); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET tls-cert-file tls-key-file: %q", r)
	}
	if s := currentServerSerial(t, p.tlsPort, cfg); s.Cmp(newLeaf.SerialNumber) != 0 {
		t.Fatalf("right after CONFIG SET a new connection got serial %x (old %x), want %x", s, oldSerial, newLeaf.SerialNumber)
	}
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("the connection that ran CONFIG SET: %q", r)
	}
	if v, _ := tlsInfoField(c.do("INFO", "server"), "redoubt_tls_cert_not_after"); v != notAfter.UTC().Format(time.RFC3339) {
		t.Errorf("INFO redoubt_tls_cert_not_after after CONFIG SET = %q, want %q", v, notAfter.UTC().Format(time.RFC3339))
	}

	r := c.do("CONFIG", "SET", "tls-cert-file", "/nonexistent/redoubt-test.crt")
	if !strings.HasPrefix(r, "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - ") {
		t.Fatalf("CONFIG SET tls-cert-file /nonexistent: %q", r)
	}
	// Redis: "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable
	// to update TLS configuration. Check server logs."
	if n := strings.Count(r, "CONFIG SET failed"); n != 1 {
		t.Errorf("CONFIG SET error repeats its prefix %d times: %q", n, r)
	}
	if got := c.do("CONFIG", "GET", "tls-cert-file"); !strings.Contains(got, crt2) {
		t.Errorf("a failed CONFIG SET changed tls-cert-file: %q", got)
	}
	if s := currentServerSerial(t, p.tlsPort, cfg); s.Cmp(newLeaf.SerialNumber) != 0 {
		t.Fatalf("after the failed CONFIG SET a new connection got serial %x, want %x", s, newLeaf.SerialNumber)
	}
	// The watcher (interval 1s) must not undo or redo anything either.
	time.Sleep(2500 * time.Millisecond)
	if s := currentServerSerial(t, p.tlsPort, cfg); s.Cmp(newLeaf.SerialNumber) != 0 {
		t.Fatalf("a few watcher ticks later a new connection got serial %x, want %x", s, newLeaf.SerialNumber)
	}
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING after the failed CONFIG SET: %q", r)
	}
}

// TestTLSExpiredClientCert: a client certificate from the trusted CA that has expired is
// refused, with tls-auth-clients yes and optional alike.
func TestTLSExpiredClientCert(t *testing.T) {
	dir := tlsFiles(t, "c")
	ca, err := tlsconf.LoadAuthority(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	certPEM, keyPEM, err := ca.Issue(tlsconf.Leaf{CommonName: "expired",
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour), Client: true})
	if err != nil {
		t.Fatal(err)
	}
	expired, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}

	for _, mode := range []string{"yes", "optional"} {
		t.Run("auth-clients-"+mode, func(t *testing.T) {
			p := startTLS(t, dir, "--tls-auth-clients", mode)
			good, _ := tlsDial(t, p.tlsPort, tlsClientConfig(t, dir, "c"))
			if r := good.do("PING"); r != "+PONG\r\n" {
				t.Fatalf("a valid client certificate: %q", r)
			}
			cfg := tlsClientConfig(t, dir, "")
			cfg.Certificates = []tls.Certificate{expired}
			tc, err := tryTLSDial(p.tlsPort, cfg)
			if err != nil {
				t.Logf("handshake refused: %v", err)
				return
			}
			defer tc.Close()
			// TLS 1.3: the client finishes first; the server's verdict arrives as an alert.
			c := &conn{t: t, nc: tc, br: bufio.NewReader(tc)}
			tc.SetWriteDeadline(time.Now().Add(ioTimeout))
			if _, err := tc.Write(encodeCommand("PING")); err != nil {
				t.Logf("write refused: %v", err)
				return
			}
			r, err := c.tryReadReply(ioTimeout)
			if err == nil {
				t.Fatalf("an expired client certificate was accepted: PING -> %q", r)
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("no reply and no refusal within %v for an expired client certificate", ioTimeout)
			}
			t.Logf("first command refused: %v", err)
		})
	}
}

// TestTLSRedisBenchmark: redis-benchmark's TLS mode (hiredis + OpenSSL) works end to end.
func TestTLSRedisBenchmark(t *testing.T) {
	bench := "/usr/bin/redis-benchmark"
	if path, err := exec.LookPath("redis-benchmark"); err == nil {
		bench = path
	}
	requireOracle(t, bench)
	dir := tlsFiles(t, "c")
	p := startTLS(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bench, "--tls", "--cacert", filepath.Join(dir, "ca.crt"),
		"--cert", filepath.Join(dir, "c.crt"), "--key", filepath.Join(dir, "c.key"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(p.tlsPort), "-t", "set,get", "-n", "2000", "-q")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	// -q prints progress lines ending in \r, then one final line per test.
	found := map[string]bool{}
	for _, line := range strings.FieldsFunc(string(out), func(r rune) bool { return r == '\r' || r == '\n' }) {
		for _, test := range []string{"SET", "GET"} {
			if strings.HasPrefix(line, test+": ") && strings.Contains(line, "requests per second") {
				found[test] = true
			}
		}
	}
	if !found["SET"] || !found["GET"] {
		t.Fatalf("redis-benchmark output lacks a SET or GET result line:\n%s", out)
	}
	if strings.Contains(string(out), "Error") || strings.Contains(string(out), "error") {
		t.Fatalf("redis-benchmark reported an error:\n%s", out)
	}
}

// TestTLSOnlyServer: with port 0 the server listens on the TLS port only, and the TLS
// port does not speak plaintext RESP.
func TestTLSOnlyServer(t *testing.T) {
	dir := tlsFiles(t, "c")
	tlsPort := freePort(t)
	p := startRedoubt(t, "--port", "0", "--tls-port", strconv.Itoa(tlsPort),
		"--tls-cert-file", filepath.Join(dir, "server.crt"), "--tls-key-file", filepath.Join(dir, "server.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.crt"))
	p.tlsPort = tlsPort
	cfg := tlsClientConfig(t, dir, "c")

	c, _ := tlsDial(t, tlsPort, cfg)
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING over TLS: %q", r)
	}
	info := c.do("INFO", "server")
	if v, ok := tlsInfoField(info, "tcp_port"); !ok || v != "0" {
		t.Errorf("INFO server tcp_port = %q (present %v), want 0", v, ok)
	}
	if v, _ := tlsInfoField(info, "redoubt_tls_port"); v != strconv.Itoa(tlsPort) {
		t.Errorf("INFO server redoubt_tls_port = %q, want %d", v, tlsPort)
	}

	// Plaintext RESP on the TLS port: no PONG, whatever else happens.
	nc, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort)), ioTimeout)
	if err != nil {
		t.Fatalf("TCP dial of the TLS port: %v", err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(3 * time.Second))
	nc.Write(encodeCommand("PING"))
	buf := make([]byte, 512)
	var got []byte
	for {
		n, err := nc.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if strings.Contains(string(got), "PONG") {
		t.Fatalf("plaintext PING on the TLS port was answered: %q", got)
	}

	// The port the harness picked (and then overrode with --port 0) is not listened on.
	if pc, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
		pc.SetDeadline(time.Now().Add(2 * time.Second))
		pc.Write(encodeCommand("PING"))
		line, _ := bufio.NewReader(pc).ReadString('\n')
		pc.Close()
		if strings.Contains(line, "PONG") {
			t.Fatalf("a plaintext listener answered on %s despite --port 0", p.addr)
		}
	}
	if got := c.do("CONFIG", "GET", "port"); got != "*2\r\n$4\r\nport\r\n$1\r\n0\r\n" {
		t.Errorf("CONFIG GET port: %q", got)
	}
}

// TestTLSInfo: INFO server reports the served certificate's expiry and counts TLS
// connections.
func TestTLSInfo(t *testing.T) {
	dir := tlsFiles(t, "c")
	p := startTLS(t, dir)
	cfg := tlsClientConfig(t, dir, "c")
	c, tc := tlsDial(t, p.tlsPort, cfg)
	leaf := serverLeaf(t, tc)
	info := c.do("INFO", "server")
	want := leaf.NotAfter.UTC().Format(time.RFC3339)
	if v, ok := tlsInfoField(info, "redoubt_tls_cert_not_after"); v != want {
		t.Errorf("redoubt_tls_cert_not_after = %q (present %v), want %q", v, ok, want)
	}
	n1 := tlsConnsReceived(t, info)
	if n1 < 1 {
		t.Fatalf("redoubt_tls_connections_received = %d after a TLS connection", n1)
	}
	for i := 0; i < 2; i++ {
		extra, _ := tlsDial(t, p.tlsPort, cfg)
		if r := extra.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("PING: %q", r)
		}
	}
	// A plaintext connection is not a TLS one.
	if r := dial(t, p.addr).do("PING"); r != "+PONG\r\n" {
		t.Fatalf("plaintext PING: %q", r)
	}
	if n2 := tlsConnsReceived(t, c.do("INFO", "server")); n2 != n1+2 {
		t.Errorf("redoubt_tls_connections_received went from %d to %d after two TLS and one plaintext connection, want %d", n1, n2, n1+2)
	}
	if v, _ := tlsInfoField(dial(t, p.addr).do("INFO", "server"), "redoubt_tls_cert_not_after"); v != want {
		t.Errorf("INFO over plaintext: redoubt_tls_cert_not_after = %q, want %q", v, want)
	}
}

func tlsConnsReceived(t *testing.T, info string) int64 {
	t.Helper()
	v, ok := tlsInfoField(info, "redoubt_tls_connections_received")
	if !ok {
		t.Fatal("INFO server lacks redoubt_tls_connections_received")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("redoubt_tls_connections_received: %q", v)
	}
	return n
}
