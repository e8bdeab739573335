//go:build unix

package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestGenerateFiles(t *testing.T) {
	old := syscall.Umask(0o077) // modes must not depend on the umask
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "tls")
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	g, err := Generate(GenerateOptions{Dir: dir, Days: 10, Clients: []string{"alice", "svc.worker@prod"}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, %v", fi.Mode(), err)
	}
	want := []string{"ca.crt", "ca.key", "server.crt", "server.key", "alice.crt", "alice.key", "svc.worker@prod.crt", "svc.worker@prod.key"}
	var got []string
	for _, f := range g.Files() {
		got = append(got, filepath.Base(f))
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		wantMode := CertFileMode
		if strings.HasSuffix(f, ".key") {
			wantMode = KeyFileMode
		}
		if fi.Mode().Perm() != wantMode {
			t.Errorf("%s: mode %v, want %v", f, fi.Mode().Perm(), wantMode)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}

	ca, err := LoadAuthority(g.CACert, g.CAKey)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := ca.Cert.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Error("CA key is not ECDSA P-256")
	}
	if !ca.Cert.IsCA || !ca.Cert.MaxPathLenZero || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Error("CA constraints")
	}
	if !ca.Cert.NotAfter.Equal(now.AddDate(0, 0, 10)) || !ca.Cert.NotBefore.Equal(now.Add(-time.Hour)) {
		t.Errorf("validity %v - %v", ca.Cert.NotBefore, ca.Cert.NotAfter)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, c := range g.Clients {
		pair, err := loadKeyPair(c.Cert, c.Key, "", "cert", "key")
		if err != nil {
			t.Fatal(err)
		}
		leaf := pair.Leaf
		if leaf.Subject.CommonName != c.Name {
			t.Errorf("CN %q, want %q", leaf.Subject.CommonName, c.Name)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
			t.Errorf("%s: a client certificate is valid for serverAuth", c.Name)
		}
	}
}

func TestGenerateRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(GenerateOptions{Dir: dir, Days: 1, Clients: []string{"alice"}}); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, filepath.Join(dir, "ca.crt"))
	// A new client name alone is not enough: ca.crt and server.crt exist.
	_, err := Generate(GenerateOptions{Dir: dir, Days: 1, Clients: []string{"bob"}})
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") || !strings.Contains(err.Error(), "ca.crt") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bob.crt")); !os.IsNotExist(err) {
		t.Error("a refused run wrote bob.crt")
	}
	if string(mustRead(t, filepath.Join(dir, "ca.crt"))) != string(before) {
		t.Fatal("ca.crt changed")
	}
	os.Chmod(filepath.Join(dir, "server.key"), 0o644) // widened by hand
	if _, err := Generate(GenerateOptions{Dir: dir, Days: 1, Clients: []string{"alice"}, Force: true}); err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, filepath.Join(dir, "ca.crt"))) == string(before) {
		t.Fatal("--force did not replace ca.crt")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "server.key")); fi.Mode().Perm() != KeyFileMode {
		t.Errorf("server.key mode after --force: %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestGenerateValidation(t *testing.T) {
	tests := []struct {
		name string
		o    GenerateOptions
		want string
	}{
		{"no dir", GenerateOptions{Days: 1}, "directory"},
		{"zero days", GenerateOptions{Days: 0}, "--days"},
		{"too many days", GenerateOptions{Days: 3651}, "--days"},
		{"client with slash", GenerateOptions{Days: 1, Clients: []string{"../evil"}}, "--client"},
		{"client dotfile", GenerateOptions{Days: 1, Clients: []string{".hidden"}}, "--client"},
		{"client empty", GenerateOptions{Days: 1, Clients: []string{""}}, "--client"},
		{"client ca", GenerateOptions{Days: 1, Clients: []string{"CA"}}, "overwrite"},
		{"client server", GenerateOptions{Days: 1, Clients: []string{"server"}}, "overwrite"},
		{"client twice", GenerateOptions{Days: 1, Clients: []string{"a", "A"}}, "twice"},
		{"client too long", GenerateOptions{Days: 1, Clients: []string{strings.Repeat("a", 65)}}, "--client"},
		{"bad host", GenerateOptions{Days: 1, Hosts: []string{"bad host"}}, "--host"},
		{"bad host label", GenerateOptions{Days: 1, Hosts: []string{"-a.example"}}, "--host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "no dir" {
				tc.o.Dir = t.TempDir()
			}
			_, err := Generate(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.o.Dir != "" {
				if entries, _ := os.ReadDir(tc.o.Dir); len(entries) != 0 {
					t.Errorf("a refused run wrote %d files", len(entries))
				}
			}
		})
	}
}
