package tlsconf

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestRedisServerAcceptsGeneratedCerts runs Debian's redis-server (OpenSSL) with the
// certificates gencert writes, and connects with redis-cli and with a Go client built
// from Manager.ClientConfig: the files are standard, not just Go-compatible.
func TestRedisServerAcceptsGeneratedCerts(t *testing.T) {
	redisServer, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	redisCli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	p := newPKI(t, "alice")
	port := freePort(t)
	srv := exec.Command(redisServer,
		"--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--tls-cert-file", p.gen.ServerCert, "--tls-key-file", p.gen.ServerKey,
		"--tls-ca-cert-file", p.gen.CACert,
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	var log strings.Builder
	srv.Stdout, srv.Stderr = &log, &log
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v\n%s", err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	cli := func(args ...string) (string, error) {
		base := []string{"--tls", "--cacert", p.gen.CACert, "-h", "127.0.0.1", "-p", strconv.Itoa(port)}
		out, err := exec.Command(redisCli, append(base, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	out, err := cli("--cert", filepath.Join(p.dir, "alice.crt"), "--key", filepath.Join(p.dir, "alice.key"), "ping")
	if err != nil || out != "PONG" {
		t.Fatalf("redis-cli with client cert: %q, %v\n%s", out, err, log.String())
	}
	// redis-server's default tls-auth-clients is yes: no certificate, no service.
	if out, _ := cli("ping"); out == "PONG" {
		t.Fatal("redis-server accepted a client without certificate")
	}

	s := p.settings()
	s.ClientCertFile, s.ClientKeyFile = filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key")
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cfg := mustLoad(t, s).ClientConfig()
		cfg.MaxVersion = version
		// ServerName left empty: tls.Dial verifies the 127.0.0.1 IP SAN.
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
		if err != nil {
			t.Fatalf("%s: Go client: %v", tls.VersionName(version), err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(c, "*1\r\n$4\r\nPING\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || line != "+PONG\r\n" {
			t.Fatalf("%s: Go client got %q, %v", tls.VersionName(version), line, err)
		}
	}
}

// TestRedisCliAgainstServerConfig connects OpenSSL's side (redis-cli) to a listener built
// from ServerConfig, with tls-auth-clients yes and CN mapping.
func TestRedisCliAgainstServerConfig(t *testing.T) {
	redisCli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	p := newPKI(t, "alice")
	m := mustLoad(t, p.settings())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	users := make(chan string, 4)
	go func() {
		for {
			raw, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				conn := tls.Server(raw, m.ServerConfig())
				if err := Handshake(conn, 5*time.Second); err != nil {
					users <- "error: " + err.Error()
					return
				}
				defer conn.Close()
				users <- UserFromCert(conn.ConnectionState(), "CN")
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.EqualFold(strings.TrimSpace(line), "ping") {
						conn.Write([]byte("+PONG\r\n"))
					}
				}
			}()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	out, err := exec.Command(redisCli, "--tls", "--cacert", p.gen.CACert,
		"--cert", filepath.Join(p.dir, "alice.crt"), "--key", filepath.Join(p.dir, "alice.key"),
		"-h", "127.0.0.1", "-p", port, "ping").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "PONG" {
		t.Fatalf("redis-cli: %q, %v", out, err)
	}
	if u := <-users; u != "alice" {
		t.Fatalf("user %q", u)
	}
	out, _ = exec.Command(redisCli, "--tls", "--cacert", p.gen.CACert,
		"-h", "127.0.0.1", "-p", port, "ping").CombinedOutput()
	if strings.TrimSpace(string(out)) == "PONG" {
		t.Fatal("a redis-cli without certificate was served")
	}
	if u := <-users; !strings.HasPrefix(u, "error:") {
		t.Fatalf("handshake without certificate: %q", u)
	}
}
