package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommandLine covers what is decided before any connection: bad combinations of
// flags end with exit code 1 and say why.
func TestBackupCommandLine(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		password string
		code     int
		stderr   string
	}{
		{"help", []string{"--help"}, "", 0, "REDOUBT_AUTH"},
		{"no dir", nil, "", 1, "--dir is required"},
		{"user without password", []string{"--dir", "d", "--user", "u"}, "", 1, "needs the password in the environment variable REDOUBT_AUTH"},
		{"tls over unix", []string{"--dir", "d", "--unix", "/s", "--tls"}, "", 1, "--tls cannot be used with --unix"},
		{"tls without CA", []string{"--dir", "d", "--tls"}, "", 1, "--cacert"},
		{"half a client certificate", []string{"--dir", "d", "--tls", "--cacert", "ca", "--cert", "c"}, "", 1, "both --cert and --key"},
		{"zero timeout", []string{"--dir", "d", "--timeout", "0s"}, "", 1, "--timeout must be positive"},
		{"stray argument", []string{"--dir", "d", "extra"}, "", 1, `unexpected argument "extra"`},
		{"password flag does not exist", []string{"--dir", "d", "--pass", "x"}, "", 1, "flag provided but not defined: -pass"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := backupCmd(context.Background(), c.args, c.password, &stdout, &stderr)
			if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), c.code, c.stderr)
			}
		})
	}
}

func TestRestoreCommandLine(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.rdb")
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"--help"}, 0, "STOPPED server"},
		{"no from", []string{"--dir", "d"}, 1, "--from and --dir are required"},
		{"no dir", []string{"--from", "f"}, 1, "--from and --dir are required"},
		{"missing backup", []string{"--from", missing, "--dir", t.TempDir()}, 1, "must have its .sha256 beside it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := restoreCmd(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), c.code, c.stderr)
			}
		})
	}
}
