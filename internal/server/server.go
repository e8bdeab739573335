// Package server owns the network side: listeners, connections, the read/execute/write loop,
// client bookkeeping, and the server-wide state that commands reach through command.Host.
package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/redoubt/redoubt/internal/acl"
	"github.com/redoubt/redoubt/internal/aof"
	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/tlsconf"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/keyspace"
)

// Server is one running instance.
type Server struct {
	cfg     *config.Config
	log     *slog.Logger
	version string
	start   time.Time
	runID   string

	// mu is the keyspace lock. A connection takes it once per pipelined batch and runs the
	// whole batch under it, which keeps every command atomic (as Redis's single thread does)
	// while parsing and socket I/O run in parallel on other cores. See docs/ARCHITECTURE.md.
	mu  sync.Mutex
	dbs []*keyspace.DB

	clientsMu sync.Mutex
	clients   map[int64]*client
	nextID    atomic.Int64
	nclients  atomic.Int64

	lnMu         sync.Mutex
	tcpListeners []net.Listener
	tlsListeners []net.Listener
	unixListener net.Listener
	unixPath     string
	wg           sync.WaitGroup

	pause pauseState
	tun   tunablesPtr

	stats    stats
	slowlog  slowLog
	dirty    int64 // changes since last save (under mu)
	lastSave int64 // unix seconds

	activeExpireOff atomic.Bool

	users     *acl.Users
	acllog    *acl.Log
	authGuard authGuard
	mem       memory // used_memory estimate and eviction counters, under mu
	// saveFailedAt and lastSaveOK track the last periodic save, under mu.
	saveFailedAt time.Time
	lastSaveOK   bool
	// bg is the background save in progress, nil when none; under mu.
	bg *snapJob
	// walk is the snapshot being walked (background save, AOF rewrite or a client's SYNC):
	// one at a time; walkDone is signalled when it ends. Under mu.
	walk *snapJob
	// aof is the open append-only file (nil with appendonly no), under mu; aofLog is the same
	// for connections committing without the lock. txn collects an EXEC's effects, rewrite is
	// the AOF rewrite's walk.
	aof              *aof.Log
	aofLog           atomic.Pointer[aof.Log]
	txn              *txnLog
	rewrite          *snapJob
	rewriteScheduled bool
	aofWaiting       bool   // appendonly was turned on and its first base is not written yet
	aofFS            aof.FS // nil: the real filesystem; tests inject disk failures here
	walkDone         sync.Cond
	bgsaveScheduled  bool
	rdbSaves         int64
	lastCOWBytes     int64
	loading          atomic.Bool // the dataset is being loaded: clients get -LOADING
	load             loadProgress
	lastBGSaveSecs   int64
	tls              *tlsconf.Manager
	script           scriptState // the Lua engine and the running script (scripts.go)

	waiters      waiters // blocked and watching clients, under mu
	pubsub       pubsub  // subscriptions, under mu
	blockedCount int     // under mu

	stopOnce sync.Once
	stopped  chan struct{}
	// ShutdownHook runs before the process exits (removing the pid file, flushing the log).
	ShutdownHook func()
}

// New creates a server from a loaded configuration.
func New(cfg *config.Config, log *slog.Logger, version string) (*Server, error) {
	s := &Server{
		cfg:            cfg,
		log:            log,
		version:        version,
		start:          time.Now(),
		runID:          randomHex(40),
		clients:        map[int64]*client{},
		stopped:        make(chan struct{}),
		lastSave:       time.Now().Unix(),
		lastSaveOK:     true,
		lastBGSaveSecs: -1,
	}
	n := int(cfg.Int("databases"))
	s.dbs = make([]*keyspace.DB, n)
	for i := range s.dbs {
		s.dbs[i] = keyspace.NewDB(i)
		s.dbs[i].Expired = func(db int, key string) {
			s.stats.expiredKeys.Add(1)
			s.propagateDel(db, key)
			s.Notify(db, command.NotifyExpired, "expired", key)
		}
	}
	if err := s.setupUsers(); err != nil {
		return nil, err
	}
	if err := s.setupTLS(); err != nil {
		return nil, err
	}
	s.stats.init()
	s.initWaiters()
	s.walkDone.L = &s.mu
	s.pubsub.init()
	s.tun.set(loadTunables(cfg))
	cfg.OnSet(func(name string) error {
		s.tun.set(loadTunables(cfg))
		if strings.HasPrefix(name, "tls-") && name != "tls-port" && name != "tls-auto-reload-interval" {
			return s.reloadTLS(name)
		}
		switch name {
		case "port", "bind", "tls-port":
			return s.rebind(name)
		case "requirepass":
			s.users.SetDefaultPassword(cfg.String("requirepass"))
		case "acllog-max-len":
			s.acllog.SetMaxLen(int(cfg.Int("acllog-max-len")))
		case "appendonly":
			return s.setAppendOnly(cfg.Bool("appendonly"))
		case "appendfsync":
			if s.aof != nil {
				s.aof.SetFsync(cfg.String("appendfsync"))
			}
		case "script-max-memory":
			if s.script.engine != nil {
				s.script.engine.SetMemoryLimit(cfg.Int("script-max-memory"))
			}
		case "no-appendfsync-on-rewrite":
			if s.aof != nil {
				s.aof.SetNoFsyncOnRewrite(cfg.Bool("no-appendfsync-on-rewrite"))
			}
		case "acl-pubsub-default":
			s.users.SetPubsubDefault(cfg.String("acl-pubsub-default") == "allchannels")
		}
		return nil
	})
	return s, nil
}

// Listen opens every configured listener.
func (s *Server) Listen() error {
	tcp, err := s.listenTCPAll()
	if err != nil {
		return err
	}
	tlsLns, err := s.listenTLSAll()
	if err != nil {
		for _, l := range tcp {
			l.Close()
		}
		return err
	}
	s.lnMu.Lock()
	s.tcpListeners = tcp
	s.tlsListeners = tlsLns
	s.lnMu.Unlock()
	if path := s.cfg.String("unixsocket"); path != "" {
		perm, err := strconv.ParseUint(s.cfg.String("unixsocketperm"), 8, 32)
		if err != nil || perm == 0 {
			perm = 0o700 // Redis's default leaves it to the umask; we default to owner-only
		}
		ln, err := listenUnix(path, os.FileMode(perm))
		if err != nil {
			return fmt.Errorf("Failed opening Unix socket: %w", err)
		}
		s.unixPath = path
		s.unixListener = ln
	}
	if len(tcp) == 0 && len(tlsLns) == 0 && s.unixListener == nil {
		return errors.New("Configured to not listen anywhere, exiting.")
	}
	return nil
}

// listenTCPAll binds every address of bind on port. Addresses prefixed with "-" are
// optional: failing to bind them is logged, not fatal, as in Redis 7.
func (s *Server) listenTCPAll() ([]net.Listener, error) {
	port := s.cfg.Int("port")
	if port == 0 {
		return nil, nil
	}
	var out []net.Listener
	for _, b := range s.cfg.Strings("bind") {
		optional := strings.HasPrefix(b, "-")
		host := strings.TrimPrefix(b, "-")
		switch host {
		case "*":
			host = "0.0.0.0"
		case "::*":
			host = "::"
		}
		ln, err := listenTCP(host, int(port))
		if err != nil {
			if optional && isAddrUnavailable(err) {
				s.log.Warn(fmt.Sprintf("Warning: Could not create server TCP listening socket %s:%d: %v", host, port, err))
				continue
			}
			for _, l := range out {
				l.Close()
			}
			return nil, fmt.Errorf("Failed listening on port %d (tcp), aborting: %w", port, err)
		}
		out = append(out, ln)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("Failed listening on port %d (tcp), aborting", port)
	}
	return out, nil
}

// rebind applies CONFIG SET port/bind: the new sockets are opened first, so a failure leaves
// the old ones serving and the SET is undone.
func (s *Server) rebind(name string) error {
	if name == "tls-port" && s.tls == nil && s.cfg.Int("tls-port") != 0 {
		return errors.New("TLS was not configured at startup (no tls-port): restart with the tls-* directives")
	}
	// The config package adds "ERR CONFIG SET failed (possibly related to argument ...) - ".
	failed := func(err error) error {
		s.log.Warn(err.Error())
		if name == "bind" {
			return errors.New("Failed to bind to specified addresses.")
		}
		return errors.New("Unable to listen on this port. Check server logs.")
	}
	s.lnMu.Lock()
	oldTCP, oldTLS := s.tcpListeners, s.tlsListeners
	s.lnMu.Unlock()
	tcp, tlsLns := oldTCP, oldTLS
	var err error
	if name != "tls-port" {
		// The new sockets open before the old ones close, so a failure leaves the old
		// ones serving.
		if tcp, err = s.listenTCPAll(); err != nil {
			return failed(err)
		}
	}
	if name != "port" {
		if tlsLns, err = s.listenTLSAll(); err != nil {
			if name != "tls-port" {
				for _, l := range tcp {
					l.Close()
				}
			}
			return failed(err)
		}
	}
	s.lnMu.Lock()
	s.tcpListeners, s.tlsListeners = tcp, tlsLns
	s.lnMu.Unlock()
	var started []net.Listener
	if name != "tls-port" {
		for _, ln := range oldTCP {
			ln.Close()
		}
		started = append(started, tcp...)
	}
	if name != "port" {
		for _, ln := range oldTLS {
			ln.Close()
		}
		started = append(started, tlsLns...)
	}
	for _, ln := range started {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	return nil
}

func isAddrUnavailable(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT)
}

// listenTCP binds one address. Go sizes the accept backlog from net.core.somaxconn, so
// tcp-backlog is accepted but has no further effect (docs/COMPATIBILITY.md).
func listenTCP(host string, port int) (net.Listener, error) {
	network := "tcp4"
	if strings.Contains(host, ":") {
		network = "tcp6"
	}
	return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
}

// listenUnix creates the socket with its final permissions before anyone can connect: it binds
// inside a fresh owner-only directory, sets the mode there, and renames the socket into place.
// Redis chmod-ed after listen and left a window (CVE-2023-45145).
func listenUnix(path string, perm os.FileMode) (net.Listener, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".redoubt-sock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, perm); err != nil {
		ln.Close()
		return nil, err
	}
	os.Remove(path) // a stale socket from a previous run
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// listeners returns the open listeners.
func (s *Server) listeners() []net.Listener {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	out := append(append([]net.Listener(nil), s.tcpListeners...), s.tlsListeners...)
	if s.unixListener != nil {
		out = append(out, s.unixListener)
	}
	return out
}

// Addrs lists the listening addresses.
func (s *Server) Addrs() []net.Addr {
	var out []net.Addr
	for _, l := range s.listeners() {
		out = append(out, l.Addr())
	}
	return out
}

// Serve loads the dataset and accepts connections until Shutdown. Clients that connect while
// the dataset loads get -LOADING, as with Redis. It returns after the listeners close, or
// with the error that made loading fail.
func (s *Server) Serve() error {
	for _, ln := range s.listeners() {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.load.started = time.Now()
	if err := s.loadData(); err != nil {
		s.Close()
		return err
	}
	s.wg.Add(1)
	go s.cron()
	s.log.Info("Ready to accept connections")
	<-s.stopped
	return nil
}

// acceptLoop never gives up on a transient error (EMFILE, ECONNABORTED...): it backs off from
// 5 ms to 1 s and retries, so a burst of connections cannot stop the listener (CVE-2025-48367).
func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stopped:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			s.log.Warn("Accepting client connection: " + err.Error())
			time.Sleep(delay)
			continue
		}
		delay = 0
		go s.serveConn(nc)
	}
}

// cron runs the periodic work Redis's serverCron does: active expiry at hz, client timeouts.
func (s *Server) cron() {
	defer s.wg.Done()
	hz := int64(0)
	var lastSaveCheck time.Time
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		// hz can change at runtime (CONFIG SET hz); Redis clamps it to 1..500.
		if h := min(max(s.cfg.Int("hz"), 1), 500); h != hz {
			hz = h
			t.Reset(time.Second / time.Duration(hz))
		}
		select {
		case <-s.stopped:
			return
		case <-t.C:
			if !s.activeExpireOff.Load() {
				s.activeExpire()
			}
			s.maintainTables()
			// A script in busy mode must not see a save or a rewrite start half-way through.
			if now := time.Now(); now.Sub(lastSaveCheck) >= time.Second && !s.scriptBusy() {
				lastSaveCheck = now
				s.savePoints(now)
				s.mu.Lock()
				if !s.scriptBusy() {
					s.aofCron()
				}
				s.mu.Unlock()
			}
		}
	}
}

// activeExpire reclaims expired keys nobody reads, spending a bounded slice of time per tick
// so the lock is never held long (Redis's ACTIVE_EXPIRE_CYCLE_SLOW budget is 25% of a tick).
func (s *Server) activeExpire() {
	now := time.Now().UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scriptBusy() {
		return
	}
	deadline := time.Now().Add(time.Millisecond)
	for _, db := range s.dbs {
		for db.ExpiresLen() > 0 {
			n := db.ActiveExpire(now, 200)
			if n < 50 || time.Now().After(deadline) {
				break
			}
		}
	}
}

// maintainTables runs the dicts' background resizing under the lock, a bounded step per db.
func (s *Server) maintainTables() {
	if !s.cfg.Bool("activerehashing") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scriptBusy() {
		return
	}
	for _, db := range s.dbs {
		db.Maintain()
	}
}

// Shutdown closes listeners and clients and releases the server. Safe to call twice.
func (s *Server) Close() {
	s.stopOnce.Do(func() {
		for _, ln := range s.listeners() {
			ln.Close()
		}
		if s.unixPath != "" {
			os.Remove(s.unixPath)
		}
		s.clientsMu.Lock()
		for _, c := range s.clients {
			c.kill()
		}
		s.clientsMu.Unlock()
		s.closeAOF()
		// Last, so that Serve returns (and the process may exit) only after the cleanup.
		close(s.stopped)
	})
}

// Stopped is closed when the server shuts down.
func (s *Server) Stopped() <-chan struct{} { return s.stopped }

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
