package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// tlsFiles generates a CA, a server certificate and client certificates with the binary's
// own gencert subcommand, as the README's quick start does.
func tlsFiles(t *testing.T, clients ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tls")
	args := []string{"gencert", "--dir", dir}
	for _, c := range clients {
		args = append(args, "--client", c)
	}
	if out, err := exec.Command(redoubtBin, args...).CombinedOutput(); err != nil {
		t.Fatalf("gencert: %v\n%s", err, out)
	}
	for _, f := range []string{"ca.key", "server.key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s must be owner-only: %v %v", f, st.Mode(), err)
		}
	}
	return dir
}

func startTLS(t *testing.T, dir string, extra ...string) *proc {
	t.Helper()
	port := freePort(t)
	args := append([]string{"--tls-port", strconv.Itoa(port),
		"--tls-cert-file", filepath.Join(dir, "server.crt"), "--tls-key-file", filepath.Join(dir, "server.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.crt")}, extra...)
	p := startRedoubt(t, args...)
	p.tlsPort = port
	return p
}

func tlsClient(t *testing.T, dir, port, cert string) *redis.Client {
	t.Helper()
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	pool.AppendCertsFromPEM(ca)
	cfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}
	if cert != "" {
		kp, err := tls.LoadX509KeyPair(filepath.Join(dir, cert+".crt"), filepath.Join(dir, cert+".key"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port, TLSConfig: cfg, MaxRetries: -1, DialTimeout: 2 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTLSMutualAuth(t *testing.T) {
	dir := tlsFiles(t, "alice")
	p := startTLS(t, dir)
	port := strconv.Itoa(p.tlsPort)
	ctx := context.Background()
	if err := tlsClient(t, dir, port, "alice").Ping(ctx).Err(); err != nil {
		t.Fatalf("client with a certificate: %v", err)
	}
	if err := tlsClient(t, dir, port, "").Ping(ctx).Err(); err == nil {
		t.Fatal("tls-auth-clients yes accepted a client without a certificate")
	}
	other := tlsFiles(t, "mallory") // another CA
	if err := tlsClient(t, other, port, "mallory").Ping(ctx).Err(); err == nil {
		t.Fatal("a certificate from another CA was accepted")
	}
	out, err := exec.Command("redis-cli", "--tls", "--cacert", filepath.Join(dir, "ca.crt"),
		"--cert", filepath.Join(dir, "alice.crt"), "--key", filepath.Join(dir, "alice.key"), "-p", port, "PING").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "PONG" {
		t.Fatalf("redis-cli --tls: %v %q", err, out)
	}
	optional := startTLS(t, dir, "--tls-auth-clients", "optional")
	if err := tlsClient(t, dir, strconv.Itoa(optional.tlsPort), "").Ping(ctx).Err(); err != nil {
		t.Fatalf("tls-auth-clients optional refused a client without a certificate: %v", err)
	}
}

// TestTLSCertificateToUser: with tls-auth-clients-user CN a verified certificate logs in as
// the user its CN names, and that user's ACL applies; a disabled user's certificate does not.
func TestTLSCertificateToUser(t *testing.T) {
	dir := tlsFiles(t, "app", "off")
	p := startTLS(t, dir, "--tls-auth-clients-user", "CN", "--requirepass", "adminpw")
	admin := dial(t, p.addr)
	admin.do("AUTH", "adminpw")
	admin.do("ACL", "SETUSER", "app", "on", ">x", "~app:*", "+get", "+set")
	admin.do("ACL", "SETUSER", "off", "off", ">x", "~*", "+@all")
	ctx := context.Background()
	app := tlsClient(t, dir, strconv.Itoa(p.tlsPort), "app")
	if who, err := app.Do(ctx, "ACL", "WHOAMI").Text(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Logf("WHOAMI: %q %v", who, err) // app may not run ACL at all: the NOPERM proves who it is
	}
	if err := app.Set(ctx, "app:1", "v", 0).Err(); err != nil {
		t.Fatalf("mapped user could not write its own key: %v", err)
	}
	if err := app.Get(ctx, "other").Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("mapped user reached a key outside its pattern: %v", err)
	}
	off := tlsClient(t, dir, strconv.Itoa(p.tlsPort), "off")
	if err := off.Get(ctx, "app:1").Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("a disabled user's certificate logged in: %v", err)
	}
}
