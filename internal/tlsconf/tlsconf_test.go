package tlsconf

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHandshakes(t *testing.T) {
	p := newPKI(t, "alice")
	other := newPKI(t, "mallory") // a different CA
	pool := p.pool(t)
	alice := p.client(t, "alice")
	mallory := other.client(t, "mallory")
	expired := p.issuePair(t, Leaf{CommonName: "old", Client: true,
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	serverOnly := p.issuePair(t, Leaf{CommonName: "srv", Server: true}) // no clientAuth EKU
	uri, _ := url.Parse("spiffe://example.org/ns/app")
	withURI := p.issuePair(t, Leaf{CommonName: "bob", URIs: []*url.URL{uri}, Client: true})

	tests := []struct {
		name      string
		auth      string
		cfg       *tls.Config
		ok        bool
		wantHello string
	}{
		{"yes with client cert", "yes", clientConfig(pool, alice), true, `"alice" ""`},
		{"default (yes) without client cert", "", clientConfig(pool), false, ""},
		{"yes without client cert", "yes", clientConfig(pool), false, ""},
		{"optional without client cert", "optional", clientConfig(pool), true, `"" ""`},
		{"optional with client cert", "optional", clientConfig(pool, alice), true, `"alice" ""`},
		{"optional with cert from another CA", "optional", clientConfig(pool, mallory), false, ""},
		{"no ignores the client cert", "no", clientConfig(pool, alice), true, `"" ""`},
		{"yes with cert from another CA", "yes", clientConfig(pool, mallory), false, ""},
		{"yes with expired client cert", "yes", clientConfig(pool, expired), false, ""},
		{"yes with a cert lacking clientAuth", "yes", clientConfig(pool, serverOnly), false, ""},
		{"URI SAN", "yes", clientConfig(pool, withURI), true, `"bob" "spiffe://example.org/ns/app"`},
		{"client not trusting our CA", "no", clientConfig(other.pool(t)), false, ""},
		{"TLS 1.2 client", "yes", func() *tls.Config {
			c := clientConfig(pool, alice)
			c.MaxVersion = tls.VersionTLS12
			return c
		}(), true, `"alice" ""`},
		{"TLS 1.1 client", "yes", func() *tls.Config {
			c := clientConfig(pool, alice)
			c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
			return c
		}(), false, ""},
		{"TLS 1.2 client offering only CBC suites", "yes", func() *tls.Config {
			c := clientConfig(pool, alice)
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}
			return c
		}(), false, ""},
		{"server name 127.0.0.1 (IP SAN)", "yes", func() *tls.Config {
			c := clientConfig(pool, alice)
			c.ServerName = ""
			return c
		}(), true, `"alice" ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := p.settings()
			s.AuthClients = tc.auth
			srv := startServer(t, mustLoad(t, s).ServerConfig())
			c, err := dial(t, srv.addr, tc.cfg)
			if tc.ok != (err == nil) {
				t.Fatalf("ok=%v, err=%v", tc.ok, err)
			}
			if err == nil {
				if c.hello != tc.wantHello {
					t.Errorf("users = %s, want %s", c.hello, tc.wantHello)
				}
				c.echo(t, "ping")
			}
		})
	}
}

func TestServerCertificateNames(t *testing.T) {
	dir := t.TempDir()
	g, err := Generate(GenerateOptions{Dir: dir, Days: 1, Hosts: []string{"redis.example.com", "10.1.2.3", "Cache.Internal."}})
	if err != nil {
		t.Fatal(err)
	}
	p := &pki{dir: dir, gen: g}
	leaf := mustLoad(t, p.settings()).Certificate()
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "redis.example.com", "10.1.2.3", "cache.internal"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: p.pool(t)}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "evil.example.com", Roots: p.pool(t)}); err == nil {
		t.Error("certificate valid for a name it should not have")
	}
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		t.Errorf("server EKU = %v", leaf.ExtKeyUsage)
	}
}

func TestReloadSwapsCertificateForNewConnectionsOnly(t *testing.T) {
	p := newPKI(t, "alice")
	m := mustLoad(t, p.settings())
	srv := startServer(t, m.ServerConfig())
	cfg := clientConfig(p.pool(t), p.client(t, "alice"))
	old, err := dial(t, srv.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	oldSerial := old.serial()
	if oldSerial != m.Certificate().SerialNumber.Text(16) {
		t.Fatalf("served serial %s, manager says %s", oldSerial, m.Certificate().SerialNumber.Text(16))
	}
	oldNotAfter := m.NotAfter()

	notAfter := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	p.issue(t, p.dir, "server", Leaf{DNSNames: []string{"localhost"}, Server: true, NotAfter: notAfter})
	if err := m.Reload(m.Settings()); err != nil {
		t.Fatal(err)
	}
	fresh, err := dial(t, srv.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.serial() == oldSerial {
		t.Fatal("new connection still got the old certificate")
	}
	if fresh.serial() != m.Certificate().SerialNumber.Text(16) {
		t.Fatal("Certificate() does not match what is served")
	}
	if !m.NotAfter().Equal(notAfter) || m.NotAfter().Equal(oldNotAfter) {
		t.Errorf("NotAfter = %v, want %v", m.NotAfter(), notAfter)
	}
	old.echo(t, "still here") // the established connection is untouched
	if old.serial() != oldSerial {
		t.Fatal("old connection's certificate changed")
	}
}

func TestReloadFailureKeepsOldCertificate(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(t *testing.T, p *pki, s *Settings)
		wantErr string
	}{
		{"garbage certificate", func(t *testing.T, p *pki, s *Settings) {
			replaceFile(t, s.CertFile, []byte("not a certificate"))
		}, "tls-cert-file"},
		{"key of another certificate", func(t *testing.T, p *pki, s *Settings) {
			replaceFile(t, s.KeyFile, mustRead(t, p.gen.CAKey))
		}, "private key does not match"},
		{"expired certificate", func(t *testing.T, p *pki, s *Settings) {
			p.issue(t, p.dir, "server", Leaf{DNSNames: []string{"localhost"}, Server: true,
				NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Minute)})
		}, "expired"},
		{"missing key file", func(t *testing.T, p *pki, s *Settings) {
			s.KeyFile = filepath.Join(p.dir, "nope.key")
		}, "no such file"},
		{"CA file gone", func(t *testing.T, p *pki, s *Settings) {
			os.Remove(s.CACertFile)
		}, "tls-ca-cert-file"},
		{"invalid directive", func(t *testing.T, p *pki, s *Settings) {
			s.Protocols = "TLSv1.1 TLSv1.2"
		}, "TLSv1.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPKI(t, "alice")
			m := mustLoad(t, p.settings())
			srv := startServer(t, m.ServerConfig())
			cfg := clientConfig(p.pool(t), p.client(t, "alice"))
			before := m.Certificate().SerialNumber.Text(16)
			s := m.Settings()
			tc.break_(t, p, &s)
			err := m.Reload(s)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Reload error = %v, want one containing %q", err, tc.wantErr)
			}
			if m.Settings() != p.settings() {
				t.Error("settings changed after a failed reload")
			}
			c, err := dial(t, srv.addr, cfg)
			if err != nil {
				t.Fatalf("server stopped serving after a failed reload: %v", err)
			}
			if c.serial() != before {
				t.Fatal("serial changed after a failed reload")
			}
		})
	}
}

func TestWatch(t *testing.T) {
	p := newPKI(t, "alice")
	m := mustLoad(t, p.settings())
	srv := startServer(t, m.ServerConfig())
	cfg := clientConfig(p.pool(t), p.client(t, "alice"))

	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, strings.TrimSpace(strings.ReplaceAll(format, "%", "")))
	}
	waitLog := func(substr string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			for _, l := range logs {
				if strings.Contains(l, substr) {
					logs = nil
					mu.Unlock()
					return
				}
			}
			mu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("no log containing %q; have %q", substr, logs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Watch(ctx, 20*time.Millisecond, logf); close(done) }()
	defer func() { cancel(); <-done }()

	first := m.Certificate().SerialNumber.Text(16)
	p.issue(t, p.dir, "server", Leaf{DNSNames: []string{"localhost"}, Server: true})
	waitLog("reloaded")
	second := m.Certificate().SerialNumber.Text(16)
	if second == first {
		t.Fatal("Watch logged a reload but the certificate did not change")
	}
	if c, err := dial(t, srv.addr, cfg); err != nil || c.serial() != second {
		t.Fatalf("after watch reload: %v", err)
	}

	// A broken replacement is logged and the current certificate stays.
	replaceFile(t, p.gen.ServerCert, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	waitLog("could not be reloaded")
	if got := m.Certificate().SerialNumber.Text(16); got != second {
		t.Fatalf("serial %s after a failed reload, want %s", got, second)
	}
	if c, err := dial(t, srv.addr, cfg); err != nil || c.serial() != second {
		t.Fatalf("after failed watch reload: %v", err)
	}

	// Fixing the files is picked up again.
	p.issue(t, p.dir, "server", Leaf{DNSNames: []string{"localhost"}, Server: true})
	waitLog("reloaded")
	if m.Certificate().SerialNumber.Text(16) == second {
		t.Fatal("fixed certificate not picked up")
	}
}

func TestWatchExpiryWarning(t *testing.T) {
	p := newPKI(t)
	p.issue(t, p.dir, "server", Leaf{DNSNames: []string{"localhost"}, Server: true, NotAfter: time.Now().Add(5 * 24 * time.Hour)})
	m := mustLoad(t, p.settings())
	got := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.Watch(ctx, 10*time.Millisecond, func(f string, a ...any) { got <- f })
	select {
	case f := <-got:
		if !strings.Contains(f, "expires") {
			t.Fatalf("log %q", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no expiry warning")
	}
	select {
	case f := <-got:
		t.Fatalf("warning repeated within a day: %q", f)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestUserFromCert(t *testing.T) {
	uri1, _ := url.Parse("spiffe://example.org/a")
	uri2, _ := url.Parse("spiffe://example.org/b")
	leaf := &x509.Certificate{URIs: []*url.URL{uri1, uri2}}
	leaf.Subject.CommonName = "alice"
	verified := tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{leaf},
		VerifiedChains: [][]*x509.Certificate{{leaf}}}
	unverified := tls.ConnectionState{HandshakeComplete: true, PeerCertificates: []*x509.Certificate{leaf}}
	noURI := &x509.Certificate{}
	noURI.Subject.CommonName = "bob"
	tests := []struct {
		state tls.ConnectionState
		mode  string
		want  string
	}{
		{verified, "CN", "alice"},
		{verified, "cn", "alice"},
		{verified, "URI", "spiffe://example.org/a"},
		{verified, "off", ""},
		{verified, "", ""},
		{verified, "SAN", ""},
		{unverified, "CN", ""},
		{tls.ConnectionState{}, "CN", ""},
		{tls.ConnectionState{HandshakeComplete: true, VerifiedChains: [][]*x509.Certificate{{noURI}}}, "URI", ""},
		{tls.ConnectionState{HandshakeComplete: true, VerifiedChains: [][]*x509.Certificate{{noURI}}}, "CN", "bob"},
	}
	for i, tc := range tests {
		if got := UserFromCert(tc.state, tc.mode); got != tc.want {
			t.Errorf("%d: UserFromCert(%s) = %q, want %q", i, tc.mode, got, tc.want)
		}
	}
}

func TestHandshakeTimeout(t *testing.T) {
	p := newPKI(t)
	m := mustLoad(t, p.settings())
	for _, tc := range []struct {
		name string
		send []byte
	}{
		{"silent client", nil},
		{"partial ClientHello", []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			client.Write(tc.send)
			raw, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = Handshake(tls.Server(raw, m.ServerConfig()), 200*time.Millisecond)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("err = %v, want a timeout", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
			// The server closed its side: the client sees EOF, not a hang.
			client.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := client.Read(make([]byte, 1)); err == nil || errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("client read after server timeout: %v", err)
			}
		})
	}
}

func TestSessionResumption(t *testing.T) {
	p := newPKI(t, "alice")
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			s := p.settings()
			m := mustLoad(t, s)
			clock := time.Now()
			var clockMu sync.Mutex
			m.now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }
			if err := m.Reload(s); err != nil { // rebuild with the fake clock
				t.Fatal(err)
			}
			srv := startServer(t, m.ServerConfig())
			cfg := clientConfig(p.pool(t), p.client(t, "alice"))
			cfg.MaxVersion = version
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			resumed := func() bool {
				t.Helper()
				c, err := dial(t, srv.addr, cfg)
				if err != nil {
					t.Fatal(err)
				}
				c.echo(t, "x") // TLS 1.3 tickets arrive after the handshake
				c.Close()
				return c.ConnectionState().DidResume
			}
			if resumed() {
				t.Fatal("first connection resumed")
			}
			if !resumed() {
				t.Fatal("second connection did not resume")
			}
			clockMu.Lock()
			clock = clock.Add(301 * time.Second)
			clockMu.Unlock()
			if resumed() {
				t.Fatal("resumed a session older than tls-session-cache-timeout")
			}
			if !resumed() {
				t.Fatal("no resumption after a fresh ticket")
			}
			if err := m.Reload(s); err != nil {
				t.Fatal(err)
			}
			if resumed() {
				t.Fatal("resumed a session from before the reload")
			}
			s.SessionCaching = false
			if err := m.Reload(s); err != nil {
				t.Fatal(err)
			}
			resumed()
			if resumed() {
				t.Fatal("resumed with tls-session-caching no")
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	p := newPKI(t, "alice")
	badDH := filepath.Join(t.TempDir(), "dh.pem")
	os.WriteFile(badDH, []byte("nothing"), 0o600)
	dh := filepath.Join(t.TempDir(), "dh.pem")
	os.WriteFile(dh, pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: []byte{0x30, 0}}), 0o600)
	emptyDir := t.TempDir()
	tests := []struct {
		name    string
		mod     func(s *Settings)
		wantErr string // "" = loads
	}{
		{"ok", func(s *Settings) {}, ""},
		{"no cert", func(s *Settings) { s.CertFile = "" }, "No tls-cert-file configured!"},
		{"no key", func(s *Settings) { s.KeyFile = "" }, "No tls-key-file configured!"},
		{"no CA with auth yes", func(s *Settings) { s.CACertFile = "" }, "Either tls-ca-cert-file or tls-ca-cert-dir"},
		{"no CA with auth optional", func(s *Settings) { s.CACertFile, s.AuthClients = "", "optional" }, "Either tls-ca-cert-file"},
		{"no CA with auth no", func(s *Settings) { s.CACertFile, s.AuthClients = "", "no" }, ""},
		{"bad auth-clients", func(s *Settings) { s.AuthClients = "maybe" }, "tls-auth-clients"},
		{"auth-clients case", func(s *Settings) { s.AuthClients = "OPTIONAL" }, ""},
		{"user CN", func(s *Settings) { s.ClientCertUser = "cn" }, ""},
		{"user URI", func(s *Settings) { s.ClientCertUser = "URI" }, ""},
		{"user off", func(s *Settings) { s.ClientCertUser = "off" }, ""},
		{"user bad", func(s *Settings) { s.ClientCertUser = "email" }, "tls-auth-clients-user"},
		{"protocols 1.3", func(s *Settings) { s.Protocols = "TLSv1.3" }, ""},
		{"protocols both", func(s *Settings) { s.Protocols = "tlsv1.2  TLSv1.3" }, ""},
		{"protocols TLSv1", func(s *Settings) { s.Protocols = "TLSv1 TLSv1.2" }, "requires TLSv1.2"},
		{"protocols junk", func(s *Settings) { s.Protocols = "SSLv2" }, "invalid tls-protocols"},
		{"ciphers junk", func(s *Settings) { s.Ciphers = "FOO-BAR" }, "unknown cipher"},
		{"ciphers nothing usable", func(s *Settings) { s.Ciphers = "AES128-SHA:DES-CBC3-SHA" }, "selects no usable cipher"},
		{"ciphersuites ok", func(s *Settings) { s.Ciphersuites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256" }, ""},
		{"ciphersuites unknown", func(s *Settings) { s.Ciphersuites = "TLS_AES_512_GCM" }, "unknown TLS 1.3"},
		{"ciphersuites CCM only", func(s *Settings) { s.Ciphersuites = "TLS_AES_128_CCM_SHA256" }, "names no suite Go implements"},
		{"negative cache size", func(s *Settings) { s.SessionCacheSize = -1 }, "tls-session-cache-size"},
		{"negative cache timeout", func(s *Settings) { s.SessionCacheTimeout = -1 }, "tls-session-cache-timeout"},
		{"dh params", func(s *Settings) { s.DHParamsFile = dh }, ""},
		{"bad dh params", func(s *Settings) { s.DHParamsFile = badDH }, "no DH PARAMETERS"},
		{"missing dh params", func(s *Settings) { s.DHParamsFile = badDH + ".x" }, "tls-dh-params-file"},
		{"CA dir without certs", func(s *Settings) { s.CACertFile, s.CACertDir = "", emptyDir }, "no PEM certificate"},
		{"CA file is not a cert", func(s *Settings) { s.CACertFile = p.gen.ServerKey }, "no PEM certificate"},
		{"client cert without key", func(s *Settings) { s.ClientCertFile = p.gen.ServerCert }, "must be set together"},
		{"client pair mismatch", func(s *Settings) {
			s.ClientCertFile, s.ClientKeyFile = filepath.Join(p.dir, "alice.crt"), p.gen.ServerKey
		}, "tls-client-cert-file"},
		{"key is a cert", func(s *Settings) { s.KeyFile = s.CertFile }, "no PEM private key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := p.settings()
			tc.mod(&s)
			_, err := Load(s)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	p := newPKI(t)
	dh := filepath.Join(t.TempDir(), "dh.pem")
	os.WriteFile(dh, pem.EncodeToMemory(&pem.Block{Type: "DH PARAMETERS", Bytes: []byte{0x30, 0}}), 0o600)
	s := p.settings()
	if w := mustLoad(t, s).Warnings(); len(w) != 0 {
		t.Errorf("default settings warn: %q", w)
	}
	s.DHParamsFile = dh
	s.Ciphers = "ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256"
	s.Ciphersuites = "TLS_AES_128_GCM_SHA256"
	w := strings.Join(mustLoad(t, s).Warnings(), "\n")
	for _, want := range []string{"tls-dh-params-file", "DHE-RSA-AES128-GCM-SHA256", "tls-ciphersuites"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
}

func TestParseCiphers(t *testing.T) {
	const (
		e128 = tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		r128 = tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
		e256 = tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
		r256 = tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
		eCha = tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
		rCha = tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	)
	all := []uint16{e128, r128, e256, r256, eCha, rCha}
	tests := []struct {
		in      string
		want    []uint16
		wantErr bool
	}{
		{"", all, false},
		{"DEFAULT:!MEDIUM", all, false}, // redis.conf's example
		{"HIGH:!aNULL:!MD5:!RC4:@STRENGTH", all, false},
		{"ECDHE-RSA-AES256-GCM-SHA384", []uint16{r256}, false},
		{"ecdhe-rsa-aes256-gcm-sha384", []uint16{r256}, false},
		{"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384", all, false}, // Mozilla intermediate
		{"ECDHE+AESGCM", []uint16{e128, r128, e256, r256}, false},
		{"EECDH+CHACHA20", []uint16{eCha, rCha}, false},
		{"aECDSA+AES256", []uint16{e256}, false},
		{"HIGH:!CHACHA20", []uint16{e128, r128, e256, r256}, false},
		{"!CHACHA20:HIGH", []uint16{e128, r128, e256, r256}, false},
		{"HIGH:-CHACHA20:CHACHA20", all, false}, // '-' allows re-adding, '!' does not
		{"ALL,-aRSA", []uint16{e128, e256, eCha}, false},
		{"HIGH +AES256 @SECLEVEL=2", all, false},
		{"ECDHE-RSA-AES128-SHA", nil, true},        // known but CBC: nothing usable
		{"ECDHE-RSA-AES128-GCM-SHA999", nil, true}, // unknown
		{"HIGH:!BOGUS", nil, true},
		{"HIGH:@FOO", nil, true},
		{"!ALL:HIGH", nil, true},
		{"MEDIUM:LOW", nil, true},
	}
	for _, tc := range tests {
		got, _, err := parseCiphers(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%q: no error, got %v", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		slices.Sort(got)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", tc.in, names(got), names(want))
		}
	}
}

func names(ids []uint16) []string {
	var out []string
	for _, id := range ids {
		out = append(out, tls.CipherSuiteName(id))
	}
	return out
}

func TestProtocolsAndCiphersApply(t *testing.T) {
	p := newPKI(t, "alice")
	tests := []struct {
		name        string
		protocols   string
		ciphers     string
		clientMax   uint16
		clientSuite uint16
		ok          bool
	}{
		{"1.3 only refuses a 1.2 client", "TLSv1.3", "", tls.VersionTLS12, 0, false},
		{"1.3 only accepts 1.3", "TLSv1.3", "", tls.VersionTLS13, 0, true},
		{"1.2 only with 1.3 client negotiates 1.2", "TLSv1.2", "", tls.VersionTLS13, 0, true},
		{"cipher restriction refuses other suite", "TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false},
		{"cipher restriction accepts its suite", "TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := p.settings()
			s.Protocols, s.Ciphers = tc.protocols, tc.ciphers
			srv := startServer(t, mustLoad(t, s).ServerConfig())
			cfg := clientConfig(p.pool(t), p.client(t, "alice"))
			cfg.MaxVersion = tc.clientMax
			if tc.clientSuite != 0 {
				cfg.CipherSuites = []uint16{tc.clientSuite}
			}
			c, err := dial(t, srv.addr, cfg)
			if tc.ok != (err == nil) {
				t.Fatalf("ok=%v err=%v", tc.ok, err)
			}
			if err == nil && tc.protocols == "TLSv1.2" && c.ConnectionState().Version != tls.VersionTLS12 {
				t.Fatalf("negotiated %s", tls.VersionName(c.ConnectionState().Version))
			}
		})
	}
}

func TestCACertDir(t *testing.T) {
	p := newPKI(t, "alice")
	dir := t.TempDir()
	// c_rehash style: a hash-named symlink to the PEM file, plus noise.
	if err := os.Symlink(p.gen.CACert, filepath.Join(dir, "abcdef01.0")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a cert"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	s := p.settings()
	s.CACertFile, s.CACertDir = "", dir
	m := mustLoad(t, s)
	srv := startServer(t, m.ServerConfig())
	if _, err := dial(t, srv.addr, clientConfig(p.pool(t), p.client(t, "alice"))); err != nil {
		t.Fatal(err)
	}
	other := newPKI(t, "eve")
	if _, err := dial(t, srv.addr, clientConfig(p.pool(t), other.client(t, "eve"))); err == nil {
		t.Fatal("client from an untrusted CA accepted")
	}
}

func TestClientConfig(t *testing.T) {
	p := newPKI(t, "alice")
	s := p.settings()
	m := mustLoad(t, s)
	// Without tls-client-cert-file, the server certificate is the client certificate.
	cc := m.ClientConfig()
	if got := cc.Certificates[0].Leaf.SerialNumber; got.Cmp(m.Certificate().SerialNumber) != 0 {
		t.Fatal("client config does not default to the server certificate")
	}
	cc.ServerName = "localhost"
	srv := startServer(t, m.ServerConfig())
	if _, err := dial(t, srv.addr, cc); err != nil {
		t.Fatalf("replication-style self connection: %v", err)
	}
	s.ClientCertFile, s.ClientKeyFile = filepath.Join(p.dir, "alice.crt"), filepath.Join(p.dir, "alice.key")
	if err := m.Reload(s); err != nil {
		t.Fatal(err)
	}
	cc = m.ClientConfig()
	cc.ServerName = "localhost"
	c, err := dial(t, srv.addr, cc)
	if err != nil {
		t.Fatal(err)
	}
	if c.hello != `"alice" ""` {
		t.Fatalf("server saw %s", c.hello)
	}
	if cc.MinVersion != tls.VersionTLS12 || len(cc.CipherSuites) != 6 {
		t.Errorf("client config limits: min %x, %d suites", cc.MinVersion, len(cc.CipherSuites))
	}
}

func TestEncryptedKeys(t *testing.T) {
	p := newPKI(t, "alice")
	dir := t.TempDir()
	const pass = "s3cret pass"
	// A server certificate for a key whose encrypted forms the cases below write.
	cert, keyPEM, err := p.ca.Issue(Leaf{DNSNames: []string{"localhost"}, Server: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "server.crt")
	plainKey := filepath.Join(dir, "plain.key")
	os.WriteFile(certFile, cert, 0o644)
	os.WriteFile(plainKey, keyPEM, 0o600)
	block, _ := pem.Decode(keyPEM)
	ecBlock := block

	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "PRIVATE KEY", ecBlock.Bytes, []byte(pass), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	legacyFile := write("legacy.key", pem.EncodeToMemory(legacy))

	type keyCase struct {
		name    string
		file    func(t *testing.T) string
		pass    string
		wantErr string
	}
	openssl := func(args ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			if _, err := exec.LookPath("openssl"); err != nil {
				t.Skip("openssl not installed")
			}
			out := filepath.Join(dir, strings.Join(args[:2], "_")+".key")
			cmd := exec.Command("openssl", append([]string{"pkcs8", "-topk8", "-in", plainKey, "-out", out, "-passout", "pass:" + pass}, args...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("openssl: %v\n%s", err, b)
			}
			if !strings.Contains(string(mustRead(t, out)), "ENCRYPTED PRIVATE KEY") {
				t.Fatal("openssl did not encrypt")
			}
			return out
		}
	}
	fixed := func(path string) func(*testing.T) string { return func(*testing.T) string { return path } }
	cases := []keyCase{
		{"plain", fixed(plainKey), "", ""},
		{"plain with a passphrase set", fixed(plainKey), pass, ""},
		{"legacy PEM AES-256", fixed(legacyFile), pass, ""},
		{"legacy PEM wrong pass", fixed(legacyFile), "nope", "wrong passphrase"},
		{"legacy PEM no pass", fixed(legacyFile), "", "no passphrase"},
		{"PKCS#8 AES-256-CBC HMAC-SHA256", openssl("-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"), pass, ""},
		{"PKCS#8 AES-128-CBC HMAC-SHA1", openssl("-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"), pass, ""},
		{"PKCS#8 AES-192-CBC HMAC-SHA512", openssl("-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"), pass, ""},
		{"PKCS#8 DES-EDE3-CBC", openssl("-v2", "des3", "-v2prf", "hmacWithSHA384"), pass, ""},
		{"PKCS#8 wrong pass", openssl("-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"), "nope", "wrong passphrase"},
		{"PKCS#8 no pass", openssl("-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"), "", "no passphrase"},
		{"PKCS#8 scrypt", openssl("-scrypt", "-v2", "aes-256-cbc"), pass, "scrypt are not supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := p.settings()
			s.CertFile, s.KeyFile, s.KeyFilePass = certFile, tc.file(t), tc.pass
			m, err := Load(s)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			srv := startServer(t, m.ServerConfig())
			if _, err := dial(t, srv.addr, clientConfig(p.pool(t), p.client(t, "alice"))); err != nil {
				t.Fatal(err)
			}
		})
	}
}
