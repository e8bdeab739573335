package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redoubt/redoubt/internal/acl"
	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/resp"
)

const (
	initialReadBuf = 16 * 1024
	// A batch stops executing once this much reply is pending, so the lock is released and
	// the bytes written before more are produced: one slow reader cannot make the server
	// buffer without bound, and cannot hold the lock while it blocks on write.
	batchReplyLimit = 64 * 1024
	// maxBatch bounds the commands parsed ahead of execution.
	maxBatch = 1024
)

// client is one connection. Only its own goroutine touches the fields without the lock;
// fields read by CLIENT LIST from other goroutines are atomics or guarded by s.mu.
type client struct {
	s     *Server
	nc    net.Conn
	id    int64
	addr  string
	laddr string
	unix  bool
	isTLS bool
	born  time.Time
	fd    int

	parser   resp.Parser
	rbuf     []byte
	r, w     int
	out      resp.Writer
	queue    [][][]byte // parsed commands waiting to execute
	queueBuf [][][]byte

	// Guarded by s.mu: other connections read them for CLIENT LIST and KILL.
	name       string
	db         int
	authed     bool
	user       *acl.User
	executing  bool // its own command is running (under s.mu)
	noTouch    bool
	noEvict    bool
	replyMode  string // "on", "off", "skip"
	skipNext   bool
	closeAfter bool
	lastCmd    string
	curCmd     string // the running command's name as the client spelled it (ACL LOG)
	killed     atomic.Bool
	lastActive atomic.Int64 // unix ms
	softSince  time.Time    // when pending replies first exceeded the soft output limit

	// MULTI/EXEC and WATCH state, guarded by s.mu.
	inMulti    bool
	multiErr   bool
	multiQueue []queued
	watched    []dbKey
	watchDirty bool

	sync syncState // REPLCONF options and a pending SYNC
	// bufStats are the buffer sizes CLIENT LIST shows, copied under s.mu at each batch: the
	// buffers themselves belong to the connection's goroutine.
	bufStats bufStats
	// aofSeq is the AOF offset this client's last write reached; its replies wait until the
	// log has it (commitAOF). Set under s.mu by whoever ran the command for it.
	aofSeq atomic.Uint64
	obey   bool // the AOF loader: replays server-written forms (command.Obeyed)

	pendingBlock *blocked // set by run when the command blocked
	blockedOn    *blocked // the parked command, under s.mu (CLIENT UNBLOCK)

	// Pub/sub: once a client subscribes, other clients append pushes to its out buffer
	// under s.mu, and a writer goroutine flushes them (see flushAsync).
	subs     [3]subscription
	async    bool
	wake     chan struct{}
	writeMu  sync.Mutex
	spare    []byte
	killCh   chan struct{} // closed by CLIENT KILL, wakes a blocked client
	killOnce sync.Once
}

func (s *Server) serveConn(nc net.Conn) {
	if s.nclients.Add(1) > s.tun.get().maxClients {
		s.nclients.Add(-1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(nc, "-ERR max number of clients reached\r\n")
		nc.Close()
		s.stats.rejectedConns.Add(1)
		return
	}
	defer s.nclients.Add(-1)
	c := &client{s: s, nc: nc, id: s.nextID.Add(1), born: time.Now(), replyMode: "on", user: s.users.Default(), killCh: make(chan struct{})}
	c.addr, c.laddr, c.fd = nc.RemoteAddr().String(), nc.LocalAddr().String(), connFD(nc)
	if _, ok := nc.(*net.UnixConn); ok {
		c.unix = true
		c.addr, c.laddr = "/unixsocket:0", s.unixPath+":0"
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		if ka := s.cfg.Int("tcp-keepalive"); ka > 0 {
			tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: time.Duration(ka) * time.Second, Interval: time.Duration(ka) * time.Second / 3, Count: 3})
		}
	}
	c.out.Proto = 2
	c.authed = !s.authRequired()
	c.setLimits()
	// The handshake comes first so that even the DENIED reply travels encrypted.
	if !c.tlsHandshake() {
		nc.Close()
		return
	}
	if s.protectedRefuses(c) {
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(nc, protectedModeDenied)
		s.stats.rejectedConns.Add(1)
		s.log.Debug(fmt.Sprintf("Protected mode refused a connection from %s", c.addr))
		nc.Close()
		return
	}
	c.lastActive.Store(time.Now().UnixMilli())
	s.clientsMu.Lock()
	s.clients[c.id] = c
	s.clientsMu.Unlock()
	s.stats.connections.Add(1)
	defer func() {
		s.clientsMu.Lock()
		delete(s.clients, c.id)
		s.clientsMu.Unlock()
		nc.Close()
		s.mu.Lock()
		c.Unwatch()
		s.dropSubscriptions(c)
		s.mu.Unlock()
	}()
	// A bug hit by one client's input must not take the server down: log the stack and
	// drop only this connection.
	defer func() {
		if p := recover(); p != nil {
			s.log.Warn(fmt.Sprintf("Panic serving client id=%d addr=%s: %v\n%s", c.id, c.addr, p, debug.Stack()))
		}
	}()
	c.loop()
}

// protectedModeDenied is Redis 7.0's reply to a remote client under protected mode.
const protectedModeDenied = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// timeNow exists so describe's callers read one clock.
func timeNow() time.Time { return time.Now() }

// protectedRefuses applies protected mode: with it on and no password on the default user,
// only loopback and unix-socket clients may connect, whatever bind says.
func (s *Server) protectedRefuses(c *client) bool {
	t := s.tun.get()
	return t.protectedMode && s.users.Default().NoPass() && !c.IsLocal()
}

// setLimits applies Redis's request limits, much smaller before authentication
// (CVE-2021-32675) so an anonymous peer cannot make the server allocate.
func (c *client) setLimits() {
	maxBulk := c.s.tun.get().maxBulk
	if c.authed {
		c.parser.Limits = resp.Limits{MaxMultibulk: resp.DefaultMaxMultibulk, MaxBulk: maxBulk, HardMaxBulk: maxBulk, MaxInline: resp.DefaultMaxInline}
	} else {
		c.parser.Limits = resp.Limits{MaxMultibulk: resp.UnauthMaxMultibulk, MaxBulk: resp.UnauthMaxBulk, HardMaxBulk: maxBulk, MaxInline: resp.DefaultMaxInline}
	}
}

func (c *client) loop() {
	c.rbuf = make([]byte, initialReadBuf)
	c.queueBuf = make([][][]byte, 0, 64)
	for {
		if err := c.fill(); err != nil {
			return
		}
		for {
			more, err := c.runBatch()
			if len(c.out.Buf) > 0 {
				if werr := c.flush(); werr != nil {
					return
				}
			}
			if err != nil || c.closeAfter || c.killed.Load() {
				return
			}
			if !more {
				break
			}
		}
		c.shrink()
	}
}

// fill reads more bytes, growing the buffer only as bytes actually arrive and refusing to
// hold more than client-query-buffer-limit.
func (c *client) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.w == len(c.rbuf) {
		if c.r > 0 {
			c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
			c.r = 0
		} else {
			limit := c.s.tun.get().queryBufLimit
			if int64(len(c.rbuf)) >= limit {
				c.s.log.Warn(fmt.Sprintf("Closing client that reached max query buffer length: id=%d addr=%s qbuf=%d", c.id, c.addr, len(c.rbuf)))
				return errors.New("query buffer limit")
			}
			n := min(int64(len(c.rbuf))*2, limit)
			nb := make([]byte, n)
			copy(nb, c.rbuf[:c.w])
			c.rbuf = nb
		}
	}
	if t := c.s.tun.get().timeoutSec; t > 0 {
		c.nc.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
	}
	n, err := c.nc.Read(c.rbuf[c.w:])
	c.w += n
	if n > 0 {
		c.lastActive.Store(time.Now().UnixMilli())
		c.s.stats.netInput.Add(int64(n))
	}
	if err != nil && n == 0 {
		return err
	}
	return nil
}

// makeAsync switches the client to the locked flush protocol before anyone else may append
// to its out buffer. Called under s.mu by the client's own SUBSCRIBE.
func (c *client) makeAsync() {
	if c.async {
		return
	}
	c.async = true
	c.wake = make(chan struct{}, 1)
	go c.asyncWriter()
}

// pushed is called under s.mu after another client appended a push to c.out: it enforces
// the pubsub output limit (a subscriber that does not read is disconnected, not buffered for
// without bound) and wakes the writer.
func (c *client) pushed() {
	lim := c.s.tun.get().pubsubLimit
	n := int64(len(c.out.Buf))
	now := time.Now()
	over := lim.hard > 0 && n >= lim.hard
	if !over && lim.soft > 0 && n >= lim.soft {
		if c.softSince.IsZero() {
			c.softSince = now
		}
		over = now.Sub(c.softSince) >= time.Duration(lim.softSeconds)*time.Second
	} else if !over {
		c.softSince = time.Time{}
	}
	if over {
		c.s.log.Warn(fmt.Sprintf("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", c.id, c.addr))
		c.out.Buf = c.out.Buf[:0]
		c.kill()
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *client) asyncWriter() {
	for {
		select {
		case <-c.wake:
			if c.flushAsync() != nil {
				c.kill()
				return
			}
		case <-c.killCh:
			return
		case <-c.s.stopped:
			return
		}
	}
}

// flushAsync takes the pending bytes under s.mu and writes them outside it; writeMu keeps
// the writes in the order the bytes were appended.
func (c *client) flushAsync() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.s.mu.Lock()
	buf := c.out.Buf
	c.out.Buf = c.spare[:0]
	c.s.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	n, err := c.nc.Write(buf)
	c.s.stats.netOutput.Add(int64(n))
	c.spare = buf[:0]
	return err
}

// shrink returns a large idle buffer to the initial size so idle clients stay cheap.
func (c *client) shrink() {
	if c.r == c.w && len(c.rbuf) > 4*initialReadBuf {
		c.rbuf = make([]byte, initialReadBuf)
		c.r, c.w = 0, 0
	}
	if cap(c.out.Buf) > 4*batchReplyLimit {
		c.out.Buf = nil
	}
}

func (c *client) flush() error {
	if err := c.commitAOF(); err != nil {
		c.out.Buf = c.out.Buf[:0]
		return err
	}
	if c.async {
		return c.flushAsync()
	}
	n, err := c.nc.Write(c.out.Buf)
	c.s.stats.netOutput.Add(int64(n))
	c.out.Buf = c.out.Buf[:0]
	return err
}

// flushBytes writes replies taken out of c.out under the lock (or, for an async client,
// flushes as usual), after the AOF has what they acknowledge.
func (c *client) flushBytes(b []byte) error {
	if c.async {
		return c.flush()
	}
	if err := c.commitAOF(); err != nil {
		return err
	}
	n, err := c.nc.Write(b)
	c.s.stats.netOutput.Add(int64(n))
	return err
}

// runBatch parses the complete commands in the buffer (outside the lock) and executes them
// under one acquisition of the keyspace lock. It reports whether parsed or buffered commands
// remain because the reply limit or a pause stopped it.
func (c *client) runBatch() (more bool, err error) {
	parsedAll := true
	if len(c.queue) == 0 {
		parsedAll, err = c.parseQueue()
		if len(c.queue) == 0 && err == nil {
			return !parsedAll, nil
		}
	}
	c.s.pause.wait(c)
	s := c.s
	s.mu.Lock()
	c.bufStats = bufStats{qbuf: c.w - c.r, w: c.w, rbuf: len(c.rbuf), outCap: cap(c.out.Buf)}
	now := time.Now()
	for len(c.queue) > 0 {
		args := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		wasAuthed := c.authed
		c.exec(args, now)
		if c.authed != wasAuthed {
			c.setLimits()
		}
		if b := c.pendingBlock; b != nil {
			// Park outside the lock; the replies so far go out first.
			c.pendingBlock = nil
			c.blockedOn = b
			// Once the lock is released another client may serve b and append its reply
			// to c.out: the replies so far leave the buffer while the lock is still held.
			var before []byte
			if !c.async && len(c.out.Buf) > 0 {
				before = append(before, c.out.Buf...)
				c.out.Buf = c.out.Buf[:0]
			}
			s.mu.Unlock()
			if len(before) > 0 || c.async {
				if err := c.flushBytes(before); err != nil {
					s.mu.Lock()
					s.unblock(b)
					s.mu.Unlock()
					return false, err
				}
			}
			c.waitBlocked(b)
			s.mu.Lock()
			c.blockedOn = nil
			now = time.Now()
		}
		if c.closeAfter || c.killed.Load() {
			s.mu.Unlock()
			return false, nil
		}
		if c.sync.requested {
			s.mu.Unlock()
			if err := c.flush(); err != nil {
				return false, err
			}
			if err := c.serveSync(); err != nil {
				s.log.Warn(fmt.Sprintf("Snapshot for %s failed: %v", c.addr, err))
			}
			return false, nil
		}
		if c.overOutputLimit(now) {
			s.mu.Unlock()
			s.log.Warn(fmt.Sprintf("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", c.id, c.addr))
			c.out.Buf = c.out.Buf[:0]
			return false, errors.New("output buffer limit")
		}
		if len(c.out.Buf) >= batchReplyLimit || s.pause.active() {
			break
		}
	}
	s.mu.Unlock()
	if err != nil {
		c.out.Error("ERR " + err.Error())
		s.log.Debug(fmt.Sprintf("Protocol error (%s) from client: id=%d addr=%s", err.Error(), c.id, c.addr))
		return false, err
	}
	return len(c.queue) > 0 || !parsedAll, nil
}

// overOutputLimit applies client-output-buffer-limit's normal class to the replies pending
// for this client: over the hard limit at once, over the soft limit for softSeconds.
func (c *client) overOutputLimit(now time.Time) bool {
	lim := c.s.tun.get().outputLimit
	n := int64(len(c.out.Buf))
	if lim.hard > 0 && n >= lim.hard {
		return true
	}
	if lim.soft > 0 && n >= lim.soft {
		if c.softSince.IsZero() {
			c.softSince = now
			return false
		}
		return now.Sub(c.softSince) >= time.Duration(lim.softSeconds)*time.Second
	}
	c.softSince = time.Time{}
	return false
}

// parseQueue moves the complete commands from the read buffer to the queue and reports
// whether it consumed every complete command. Before authentication it stops after one
// command: the limits for the next one depend on whether that command authenticated.
func (c *client) parseQueue() (all bool, err error) {
	c.queue = c.queueBuf[:0]
	for c.r < c.w {
		if len(c.queue) == maxBatch {
			return false, nil
		}
		args, n, err := c.parser.Parse(c.rbuf[c.r:c.w])
		c.r += n
		if err == resp.ErrIncomplete {
			return true, nil
		}
		if err != nil {
			return true, err
		}
		if len(args) == 0 {
			continue
		}
		c.queue = append(c.queue, args)
		if !c.authed {
			return c.r == c.w, nil
		}
	}
	return true, nil
}

// exec runs one command: resolve, check, queue under MULTI or execute. The caller holds s.mu.
func (c *client) exec(args [][]byte, now time.Time) {
	s := c.s
	mark := len(c.out.Buf)
	errsBefore := c.out.Errors
	spec, rejection := command.Resolve(args)
	switch {
	case spec == nil && strings.EqualFold(string(args[0]), "exec"):
		// Redis answers any rejected EXEC with EXECABORT and ends the transaction.
		c.out.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(rejection, "ERR "))
		c.DiscardMulti()
	case spec == nil:
		c.out.Error(rejection)
	case !c.authed && spec.Flags&command.NoAuth == 0:
		c.out.Error("NOAUTH Authentication required.")
	case c.authed:
		c.lastCmd = spec.Name // the ACL LOG entry's client info names the refused command
		where := acl.Toplevel
		if c.inMulti {
			where = acl.Multi
		}
		c.checkACL(spec, args, where)
	}
	if spec == nil || c.out.Errors != errsBefore {
		if c.inMulti {
			c.multiErr = true // EXEC will answer EXECABORT, as Redis does
		}
		s.stats.rejected(spec, c.out.LastErr)
		c.applyReplyMode(mark, spec)
		return
	}
	if s.loading.Load() && spec.Flags&command.Loading == 0 {
		c.out.Error("LOADING Redis is loading the dataset in memory")
		if c.inMulti {
			c.multiErr = true
		}
		s.stats.rejected(spec, c.out.LastErr)
		return
	}
	if c.out.Proto == 2 && c.Subscribed() && !allowedWhileSubscribed(spec.Name) {
		c.out.Error("ERR Can't execute '" + spec.Name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
		s.stats.rejected(spec, c.out.LastErr)
		return
	}
	if c.rejectIfBusy(spec, args) {
		return
	}
	if spec.Flags&command.DenyOOM != 0 && !s.makeRoom(now) {
		c.out.Error(ErrOOM)
		if c.inMulti {
			c.multiErr = true
		}
		s.stats.rejected(spec, c.out.LastErr)
		return
	}
	if c.mayWrite(spec) {
		if msg := s.misconf(); msg != "" {
			c.out.Error(msg)
			if c.inMulti {
				c.multiErr = true
			}
			s.stats.rejected(spec, c.out.LastErr)
			return
		}
	}
	if c.queueIfMulti(spec, args) {
		return
	}
	c.run(spec, args, now, false)
	c.applyReplyMode(mark, spec)
	if len(s.waiters.ready) > 0 {
		s.serveReady(now)
	}
}

func allowedWhileSubscribed(name string) bool {
	switch name {
	case "subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe", "punsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

// run executes a resolved, permitted command and accounts for it. inExec marks commands run
// by EXEC, which must not block.
func (c *client) run(spec *command.Spec, args [][]byte, now time.Time, inExec bool) {
	s := c.s
	errsBefore := c.out.Errors
	c.lastCmd = spec.Name
	c.curCmd = string(args[0])
	c.executing = true
	defer func() { c.executing = false }()
	ctx := command.Ctx{Args: args, W: &c.out, DB: s.dbs[c.db], Now: now.UnixMilli(), Conn: c, Host: s, Spec: spec, NoBlock: inExec}
	start := time.Now()
	spec.Handler(&ctx)
	if ctx.Blocked != nil {
		if inExec {
			ctx.Blocked.OnTimeout(&c.out)
		} else {
			c.pendingBlock = s.block(c, args, spec, ctx.Blocked)
			return // accounted for when served
		}
	}
	dur := time.Since(start)
	if s.aof != nil { // Propagation allocates: not on the hot path without an AOF
		if seq := s.propagate(ctx.DB.ID, ctx.Propagation()); seq > 0 {
			c.aofSeq.Store(seq)
		}
	}
	s.dirty += int64(ctx.Dirty)
	s.stats.hits += int64(ctx.Hits)
	s.stats.misses += int64(ctx.Misses)
	s.stats.called(spec, dur, c.out.Errors != errsBefore, c.out.LastErr)
	s.slowlog.record(c, args, start, dur)
}

// applyReplyMode drops the reply written since mark under CLIENT REPLY OFF/SKIP.
func (c *client) applyReplyMode(mark int, spec *command.Spec) {
	if spec != nil && spec.Name == "client|reply" {
		return
	}
	if c.replyMode == "off" || c.skipNext {
		c.out.Buf = c.out.Buf[:mark]
		c.skipNext = false
	}
}

// command.Conn implementation. Called with s.mu held.

func (c *client) ID() int64         { return c.id }
func (c *client) Proto() int        { return c.out.Proto }
func (c *client) SetProto(p int)    { c.out.Proto = p }
func (c *client) Name() string      { return c.name }
func (c *client) SetName(n string)  { c.name = n }
func (c *client) DBIndex() int      { return c.db }
func (c *client) Select(i int)      { c.db = i }
func (c *client) User() string      { return c.user.Name() }
func (c *client) SetNoTouch(b bool) { c.noTouch = b }
func (c *client) NoTouch() bool     { return c.noTouch }
func (c *client) SetNoEvict(b bool) { c.noEvict = b }
func (c *client) CloseAfterReply()  { c.closeAfter = true }
func (c *client) Describe() string  { return c.describe(time.Now()) }
func (c *client) SetReplyMode(m string) {
	switch m {
	case "skip":
		c.skipNext = true
		c.replyMode = "on"
	default:
		c.replyMode = m
	}
}

func (c *client) Authenticated() bool { return c.authed }

// IsLocal applies Redis's notion of a local client: a unix socket, or exactly 127.0.0.1 or
// ::1. Other loopback addresses (127.0.0.2) count as remote, as in Redis 7.0.
func (c *client) IsLocal() bool {
	if c.unix {
		return true
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// kill closes the connection from another goroutine and wakes it if it is blocked.
func (c *client) kill() {
	c.killed.Store(true)
	c.killOnce.Do(func() { close(c.killCh) })
	c.nc.Close()
}

func (c *client) Reset() {
	c.DiscardMulti()
	c.s.dropSubscriptions(c)
	c.name, c.db, c.out.Proto = "", 0, 2
	c.noTouch, c.noEvict, c.replyMode, c.skipNext = false, false, "on", false
	c.authed = !c.s.authRequired()
	c.user = c.s.users.Default()
}

// Authenticate checks credentials against the ACL users (SHA-256 hashes compared in
// constant time) and records failures in ACL LOG.
func (c *client) Authenticate(user, pass string) string {
	now := time.Now()
	host := hostOf(c.addr)
	where := acl.Toplevel
	if c.inMulti {
		where = acl.Multi
	}
	if c.s.authGuard.locked(host, now) {
		c.s.acllog.AddAuthFailure(c.curCmd, where, user, c.describe(now))
		return ErrAuthLocked
	}
	u, ok := c.s.users.Authenticate(user, pass)
	if !ok {
		c.s.acllog.AddAuthFailure(c.curCmd, where, user, c.describe(now))
		t := c.s.tun.get()
		if c.s.authGuard.failed(host, now, t.authMaxFailures, time.Duration(t.authLockoutSec)*time.Second) {
			c.s.log.Warn(fmt.Sprintf("Too many failed authentication attempts from %s: locked out", host))
		}
		return acl.ErrWrongPass
	}
	c.s.authGuard.succeeded(host)
	c.authed, c.user = true, u
	return ""
}

// describe formats the CLIENT LIST line with Redis 7.0's fields.
func (c *client) describe(now time.Time) string {
	flags := ""
	if c.Subscribed() {
		flags += "P"
	}
	if c.inMulti {
		flags += "x"
	}
	if c.unix {
		flags += "U"
	}
	if c.noTouch || c.noEvict {
		if c.noEvict {
			flags += "e"
		}
		if c.noTouch {
			flags += "T"
		}
	}
	if c.closeAfter {
		flags += "c"
	}
	if flags == "" {
		flags = "N"
	}
	m := c.bufStats
	multi := -1
	if c.inMulti {
		multi = len(c.multiQueue)
	}
	cmd := c.lastCmd
	if cmd == "" {
		cmd = "NULL"
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=0 multi-mem=0 rbs=%d rbp=%d obl=0 oll=0 omem=0 tot-mem=%d events=r cmd=%s user=%s redir=-1 resp=%d",
		c.id, c.addr, c.laddr, c.fd, c.name, int(now.Sub(c.born).Seconds()),
		(now.UnixMilli()-c.lastActive.Load())/1000, flags, c.db,
		len(c.subs[0].names), len(c.subs[1].names), len(c.subs[2].names), multi, m.qbuf, m.rbuf-m.w,
		m.rbuf, m.rbuf, m.rbuf+m.outCap, cmd, c.user.Name(), c.out.Proto)
}

// connFD returns the socket's file descriptor for CLIENT LIST, or -1.
func connFD(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

// pauseState implements CLIENT PAUSE: commands wait (outside the lock) until the deadline.
type pauseState struct {
	untilAtomic atomic.Int64 // mirrors until for the lock-free check
	mu          sync.Mutex
	until       int64 // unix ms; 0 = not paused
	writesOnly  bool
	wake        chan struct{}
}

// active is called between every two commands of a batch, so it reads an atomic and
// consults the clock only while a pause is set.
func (p *pauseState) active() bool {
	until := p.untilAtomic.Load()
	return until != 0 && until > time.Now().UnixMilli()
}

// wait blocks the calling connection while a pause is in effect. In WRITE mode a client is
// held only if one of its parsed commands may write.
func (p *pauseState) wait(c *client) {
	for {
		p.mu.Lock()
		until, wake := p.until, p.wake
		p.mu.Unlock()
		d := time.Until(time.UnixMilli(until))
		if until == 0 || d <= 0 {
			return
		}
		if p.writesOnly && !c.queueMayWrite() {
			return
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-wake:
		case <-c.s.stopped:
			t.Stop()
			return
		}
		t.Stop()
	}
}

func (p *pauseState) set(until int64, writesOnly bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.until < time.Now().UnixMilli() || until > p.until {
		p.until = until
	}
	p.untilAtomic.Store(p.until)
	p.writesOnly = writesOnly
	if p.wake == nil {
		p.wake = make(chan struct{})
	}
}

func (p *pauseState) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.until = 0
	p.untilAtomic.Store(0)
	if p.wake != nil {
		close(p.wake)
		p.wake = nil
	}
}

// queueMayWrite reports whether a parsed command waiting to run may write, which a
// CLIENT PAUSE WRITE holds back; reads go on.
func (c *client) queueMayWrite() bool {
	for _, args := range c.queue {
		spec, _ := command.Resolve(args)
		// Scripts that are not read-only may write, whatever their own flags say (as in Redis).
		script := spec != nil && spec.Categories&command.CatScripting != 0 && spec.Flags&command.Readonly == 0
		if spec == nil || script || spec.Flags&(command.Write|command.MayReplicate) != 0 {
			return true
		}
	}
	return false
}

type bufStats struct{ qbuf, w, rbuf, outCap int }
