package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/redoubt/redoubt/internal/backup"
)

// authEnv carries the backup password: argv is visible to every user through ps and
// /proc/<pid>/cmdline, the environment only to the same user.
const authEnv = "REDOUBT_AUTH"

const backupUsage = `Usage: redoubt backup --dir BACKUPDIR [--host H] [--port P] [--user U] [--unix PATH]
                      [--tls --cacert F [--cert F --key F] [--sni NAME]] [--keep N] [--timeout D]

Takes a point-in-time snapshot of a running Redoubt or Redis 7.0 server, the way
redis-cli --rdb does (REPLCONF and SYNC: the user needs the @admin category), verifies it
with the server's RDB loader and stores it as BACKUPDIR/redoubt-<UTC time>.rdb (0600) with
a sha256sum-format .sha256 file beside it ("sha256sum -c" checks it). BACKUPDIR is created
0700; one that group or others can write to is refused. A truncated or corrupt stream never
becomes a backup. Then only the newest --keep backups are kept.

The password is read from the environment variable REDOUBT_AUTH, never from the command
line, where ps would show it to every user:  REDOUBT_AUTH=... redoubt backup --dir DIR
Copy the backups off the machine: a backup on the server's own disk is not disaster recovery.

Options:
`

const restoreUsage = `Usage: redoubt restore --from BACKUP.rdb --dir DATADIR [--dbfilename dump.rdb] [--force]

Installs a backup as the data file of a STOPPED server. The backup is checked against the
.sha256 file beside it and with the RDB loader first. A running server would overwrite the
file on its next save or at shutdown: stop it, restore, then start it. An existing data file
is replaced only with --force, and kept as <dbfilename>.before-restore-<UTC time>. With
appendonly yes the server loads its AOF (appendonlydir) instead of the restored file.

Options:
`

// runBackup implements "redoubt backup"; args are the arguments after "backup".
func runBackup(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return backupCmd(ctx, args, os.Getenv(authEnv), os.Stdout, os.Stderr)
}

func backupCmd(ctx context.Context, args []string, password string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "127.0.0.1", "server `host` name or address")
	port := fs.Int("port", 6379, "server `port`")
	unix := fs.String("unix", "", "connect to the unix socket at `path` instead of host and port")
	user := fs.String("user", "", "ACL `user` to log in as (the password comes from REDOUBT_AUTH)")
	useTLS := fs.Bool("tls", false, "connect with TLS")
	cacert := fs.String("cacert", "", "CA certificate `file` that signed the server's certificate (with --tls)")
	cert := fs.String("cert", "", "client certificate `file` (with --tls)")
	key := fs.String("key", "", "client private key `file` (with --tls)")
	sni := fs.String("sni", "", "server `name` to verify in its certificate (default: --host)")
	dir := fs.String("dir", "", "backup `directory` (required)")
	keep := fs.Int("keep", backup.DefaultKeep, "number of backups to keep, newest first")
	idle := fs.Duration("timeout", backup.DefaultIdleTimeout, "give up when the server sends nothing for this `duration`")
	fs.Usage = func() {
		fmt.Fprint(stderr, backupUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *dir == "" {
		return usageError(fs, stderr, "backup: --dir is required")
	}
	if *idle <= 0 {
		return usageError(fs, stderr, "backup: --timeout must be positive")
	}
	if *user != "" && password == "" {
		return usageError(fs, stderr, "backup: --user needs the password in the environment variable "+authEnv)
	}
	src := backup.Source{Network: "tcp", Address: net.JoinHostPort(*host, strconv.Itoa(*port)),
		User: *user, Password: password, IdleTimeout: *idle}
	if *unix != "" {
		if *useTLS {
			return usageError(fs, stderr, "backup: --tls cannot be used with --unix")
		}
		src.Network, src.Address = "unix", *unix
	}
	if *useTLS {
		name := *sni
		if name == "" {
			name = *host
		}
		cfg, err := backup.ClientTLS(*cacert, *cert, *key, name)
		if err != nil {
			fmt.Fprintf(stderr, "backup: %v\n", err)
			return 1
		}
		src.TLS = cfg
	}
	res, err := backup.Backup(ctx, backup.Options{Source: src, Dir: *dir, Keep: *keep})
	if res.Path != "" {
		fmt.Fprintf(stdout, "backup %s: %d bytes, %d keys, sha256 %s%s\n", res.Path, res.Bytes, res.Keys, res.SHA256, prunedNote(res.Pruned))
	}
	if err != nil {
		fmt.Fprintf(stderr, "backup: %v\n", err)
		return 1
	}
	return 0
}

func prunedNote(pruned []string) string {
	if len(pruned) == 0 {
		return ""
	}
	return "; deleted " + strings.Join(pruned, ", ")
}

// runRestore implements "redoubt restore"; args are the arguments after "restore".
func runRestore(args []string) int {
	return restoreCmd(args, os.Stdout, os.Stderr)
}

func restoreCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the backup `file` (.rdb, with its .sha256 beside it; required)")
	dir := fs.String("dir", "", "the server's data `directory`, its dir directive (required)")
	dbfilename := fs.String("dbfilename", backup.DefaultDBFilename, "the server's dbfilename")
	force := fs.Bool("force", false, "replace an existing data file (it is kept as <dbfilename>.before-restore-<time>)")
	fs.Usage = func() {
		fmt.Fprint(stderr, restoreUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *from == "" || *dir == "" {
		return usageError(fs, stderr, "restore: --from and --dir are required")
	}
	res, err := backup.Restore(backup.RestoreOptions{From: *from, Dir: *dir, DBFilename: *dbfilename, Force: *force})
	if err != nil {
		fmt.Fprintf(stderr, "restore: %v\n", err)
		return 1
	}
	kept := ""
	if res.Previous != "" {
		kept = "; the previous file is kept as " + res.Previous
	}
	fmt.Fprintf(stdout, "restored %s: %d bytes, %d keys%s\n", res.Path, res.Bytes, res.Keys, kept)
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "restore: warning: %s\n", w)
	}
	return 0
}

// parseFlags parses args; when it returns ok false the command ends with code (0 after
// --help, 1 after a bad flag, already reported by the flag package).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 1, false
	}
	if fs.NArg() > 0 {
		return usageError(fs, fs.Output(), fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))), false
	}
	return 0, true
}

func usageError(fs *flag.FlagSet, stderr io.Writer, msg string) int {
	fmt.Fprintln(stderr, msg)
	fs.Usage()
	return 1
}
