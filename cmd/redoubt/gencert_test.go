package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGencert(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my tls")
	var out, errb bytes.Buffer
	if code := gencert([]string{"--dir", dir, "--days", "7", "--client", "alice", "--client", "bob", "--host", "db.example"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"ca.crt", "ca.key", "server.crt", "server.key", "alice.crt", "alice.key", "bob.crt", "bob.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[1] != "Quick start:" {
		t.Fatalf("output:\n%s", out.String())
	}
	q := "'" + dir
	if !strings.HasPrefix(lines[2], "  redoubt --tls-port 6380 --port 0 --tls-cert-file "+q+"/server.crt' --tls-key-file "+q+"/server.key' --tls-ca-cert-file "+q+"/ca.crt'") {
		t.Errorf("server line: %s", lines[2])
	}
	if lines[3] != "  redis-cli --tls --cacert "+q+"/ca.crt' --cert "+q+"/alice.crt' --key "+q+"/alice.key' -p 6380 ping" {
		t.Errorf("client line: %s", lines[3])
	}

	// A second run refuses to overwrite; --force replaces.
	out.Reset()
	errb.Reset()
	if code := gencert([]string{"--dir", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "refusing to overwrite") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if code := gencert([]string{"--dir", dir, "--force"}, &out, &errb); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "default.crt") {
		t.Errorf("no --client should issue 'default': %s", out.String())
	}
}

func TestGencertUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := gencert([]string{"--help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "Usage: redoubt gencert") {
		t.Fatalf("--help: %d %s", code, errb.String())
	}
	if code := gencert([]string{"--bogus"}, &out, &errb); code != 2 {
		t.Fatalf("bad flag: %d", code)
	}
	if code := gencert([]string{"extra"}, &out, &errb); code != 2 {
		t.Fatalf("extra argument: %d", code)
	}
	if code := gencert([]string{"--dir", t.TempDir(), "--days", "0"}, &out, &errb); code != 1 {
		t.Fatalf("--days 0: %d", code)
	}
}
