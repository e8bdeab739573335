package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/redoubt/redoubt/internal/tlsconf"
)

const gencertUsage = `Usage: redoubt gencert [--dir DIR] [--days N] [--client NAME ...] [--host NAME ...] [--force]

Creates a private CA (ECDSA P-256), a server certificate for localhost, 127.0.0.1, ::1
and every --host, and one client certificate per --client NAME (CN=NAME; "default" when
none is given), as DIR/ca.crt, ca.key, server.crt, server.key, NAME.crt and NAME.key.
Keys are written owner-only (0600), certificates 0644. Existing files are never
overwritten without --force. Keep ca.key away from the server: whoever holds it can
issue client certificates.

Options:
`

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runGencert implements "redoubt gencert"; args are the arguments after "gencert".
func runGencert(args []string) int {
	return gencert(args, os.Stdout, os.Stderr)
}

func gencert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gencert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "tls", "output `directory` (created 0700 if missing)")
	days := fs.Int("days", 365, "validity of the certificates, in `days` (1-3650)")
	force := fs.Bool("force", false, "overwrite existing files")
	var clients, hosts stringList
	fs.Var(&clients, "client", "issue a client certificate with CN=`NAME` (repeatable)")
	fs.Var(&hosts, "host", "add a DNS `name` or IP address to the server certificate (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, gencertUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gencert: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if len(clients) == 0 {
		clients = stringList{"default"}
	}
	out, err := tlsconf.Generate(tlsconf.GenerateOptions{
		Dir: *dir, Days: *days, Clients: clients, Hosts: hosts, Force: *force,
	})
	if err != nil {
		fmt.Fprintf(stderr, "gencert: %v\n", err)
		return 1
	}
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		return shellQuote(p)
	}
	fmt.Fprintf(stdout, "Wrote %s (keys 0600, certificates 0644; valid %d days).\n", strings.Join(out.Files(), ", "), *days)
	c := out.Clients[0]
	fmt.Fprintf(stdout, "Quick start:\n")
	fmt.Fprintf(stdout, "  redoubt --tls-port 6380 --port 0 --tls-cert-file %s --tls-key-file %s --tls-ca-cert-file %s\n",
		abs(out.ServerCert), abs(out.ServerKey), abs(out.CACert))
	fmt.Fprintf(stdout, "  redis-cli --tls --cacert %s --cert %s --key %s -p 6380 ping\n",
		abs(out.CACert), abs(c.Cert), abs(c.Key))
	return 0
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-@+=:,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
