// Command redoubt is a Redis-compatible data server that is secure by default.
//
//	redoubt [/path/to/redis.conf] [--directive value ...]
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/hardening"
	"github.com/redoubt/redoubt/internal/logging"
	"github.com/redoubt/redoubt/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

const usage = `Usage: redoubt [/path/to/redis.conf] [options] [-]
       redoubt - (read config from stdin)
       redoubt check-security [/path/to/redis.conf] [options]
       redoubt check-rdb <dump.rdb>
       redoubt check-aof [--fix] <appendonly.aof.manifest|file.aof>
       redoubt backup --dir BACKUPDIR [--keep N] [--host H --port P | --unix PATH] [--user U] [--tls ...]
       redoubt restore --from BACKUP.rdb --dir DATADIR [--force]
       redoubt gencert [--dir DIR] [--client NAME ...] [--host NAME ...]
       redoubt -v or --version
       redoubt -h or --help

Examples:
       redoubt (run with secure defaults: bind 127.0.0.1 -::1, port 6379, protected mode)
       redoubt /etc/redis/6379.conf
       redoubt --port 7777
       redoubt /etc/myredis.conf --loglevel verbose
`

// daemonEnv marks the re-executed child of a daemonize=yes start: Go cannot fork, so the
// parent starts a detached copy of itself and exits.
const daemonEnv = "REDOUBT_DAEMONIZED"

// subcommands are the tools the binary carries beside the server.
var subcommands = map[string]func(args []string) int{
	"gencert":        runGencert,
	"check-security": runCheckSecurity,
	"check-rdb":      runCheckRDB,
	"check-aof":      runCheckAOF,
	"backup":         runBackup,
	"restore":        runRestore,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(argv []string) int {
	if len(argv) > 0 {
		if sub, ok := subcommands[argv[0]]; ok {
			return sub(argv[1:])
		}
	}
	if len(argv) == 1 {
		switch argv[0] {
		case "-v", "--version":
			fmt.Printf("Redoubt server v=%s (Redis 7.0 compatible) bits=64\n", version)
			return 0
		case "-h", "--help":
			fmt.Print(usage)
			return 0
		}
	}
	path, args := "", argv
	if len(argv) > 0 && len(argv[0]) > 0 && argv[0][0] != '-' {
		path, args = argv[0], argv[1:]
	}
	if path != "" {
		abs, err := filepath.Abs(path)
		if err == nil {
			path = abs
		}
	}
	cfg, err := config.Load(path, args, version)
	if err != nil {
		var fe *config.FileError
		if errors.As(err, &fe) {
			fmt.Fprintln(os.Stderr, fe.Error())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		return 1
	}
	if cfg.Bool("daemonize") && os.Getenv(daemonEnv) == "" {
		return daemonize()
	}
	level, _ := logging.ParseLevel(cfg.String("loglevel"))
	sink, err := logging.NewSink(cfg.String("logfile"), level)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := sink.Logger()
	slog.SetDefault(log)
	log.Info("oO0OoO0OoO0Oo Redoubt is starting oO0OoO0OoO0Oo")
	log.Info(fmt.Sprintf("Redoubt version=%s, bits=64, pid=%d, just started", version, os.Getpid()))
	if path == "" {
		log.Warn("Warning: no config file specified, using the default config. In order to specify a config file use redoubt /path/to/redis.conf")
	} else {
		log.Info("Configuration loaded")
	}
	if err := hardening.RootPolicy(os.Geteuid(), cfg.Bool("refuse-root"), cfg.String("run-as-user")); err != nil {
		log.Warn(err.Error())
		return 1
	}
	if path != "" {
		if why := hardening.ExposedCredentials(path); why != "" && cfg.String("requirepass") != "" || why != "" && len(cfg.Lines("user")) > 0 {
			log.Warn("WARNING: config file " + why)
		}
	}

	if p := os.Getenv("REDOUBT_CPUPROFILE"); p != "" {
		// Profiling hook for bench/: the profile covers the whole run, written at shutdown.
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	srv, err := server.New(cfg, log, version)
	if err != nil {
		log.Warn(err.Error())
		return 1
	}
	cfg.OnSet(func(name string) error {
		switch name {
		case "logfile":
			return sink.Reopen(cfg.String("logfile"))
		case "loglevel":
			l, _ := logging.ParseLevel(cfg.String("loglevel"))
			sink.SetLevel(l)
		}
		return nil
	})
	if err := srv.Listen(); err != nil {
		log.Warn(err.Error())
		return 1
	}
	if os.Geteuid() == 0 {
		if u := cfg.String("run-as-user"); u != "" {
			// Bind first (ports below 1024 need root), then give root up for good.
			if err := hardening.DropPrivileges(u); err != nil {
				log.Warn("Failed to drop privileges: " + err.Error())
				return 1
			}
			log.Info("Dropped privileges to user " + u)
		} else {
			log.Warn("WARNING: running as root. Run Redoubt as a dedicated unprivileged user, or set run-as-user (refuse-root yes forbids running as root).")
		}
	}
	pidfile := cfg.String("pidfile")
	if pidfile != "" {
		if err := writePidfile(pidfile); err != nil {
			log.Warn("Failed to write PID file: " + err.Error())
		}
	}
	log.Info(fmt.Sprintf("Server initialized, listening on %v", srv.Addrs()))

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		stopping := false
		for sig := range sigs {
			if sig == syscall.SIGHUP {
				// logrotate's move-and-signal: start a fresh file at the configured path.
				if err := sink.Reopen(sink.Path()); err != nil {
					log.Warn("Failed to reopen the log file: " + err.Error())
				}
				continue
			}
			if stopping {
				// One save is already running; a second one racing the exit could leave a
				// temporary file behind.
				log.Warn("Shutdown already in progress")
				continue
			}
			stopping = true
			name := "SIGTERM"
			if sig == syscall.SIGINT {
				name = "SIGINT"
			}
			log.Warn(fmt.Sprintf("Received %s scheduling shutdown...", name))
			if err := srv.SaveOnSignal(); err != nil {
				log.Warn("Error trying to save the DB: " + err.Error())
			} else if len(cfg.Strings("save")) > 0 {
				log.Info("DB saved on disk")
			}
			srv.Close()
		}
	}()
	serveErr := srv.Serve()
	if pidfile != "" {
		os.Remove(pidfile)
	}
	if serveErr != nil {
		log.Warn(serveErr.Error())
		return 1
	}
	log.Warn("Redoubt is now ready to exit, bye bye...")
	return 0
}

// runCheckSecurity reviews a configuration (the same arguments as the server) and prints
// one line per finding; it exits 1 when a finding is high severity, so scripts can gate on it.
func runCheckSecurity(argv []string) int {
	path, args := "", argv
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		path, args = argv[0], argv[1:]
	}
	cfg, err := config.Load(path, args, version)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	code := 0
	for _, f := range hardening.Audit(cfg, path, os.Geteuid()) {
		fmt.Printf("%-6s %-14s %s\n", strings.ToUpper(f.Severity), f.Check, f.Detail)
		if f.Severity == "high" {
			code = 1
		}
	}
	return code
}

// writePidfile writes the pid owner-only: other users have no business signalling us.
func writePidfile(path string) error {
	return os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
}

// daemonize starts a detached copy of this process in its own session with stdio on
// /dev/null and returns the parent's exit code.
func daemonize() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "daemonize:", err)
		return 1
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "daemonize:", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "daemonize:", err)
		return 1
	}
	return 0
}
