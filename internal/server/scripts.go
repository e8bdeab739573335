package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redoubt/redoubt/internal/acl"
	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/glob"
	"github.com/redoubt/redoubt/internal/rdb"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/scripting"
)

func init() { config.MarkImplemented("busy-reply-threshold") }

// Redis's replies while a script runs past busy-reply-threshold, and to the wrong KILL.
const (
	errBusyEval     = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errUnkillable   = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
)

// scriptState is the Lua engine and the script in execution.
//
// A script runs under s.mu like any command, which makes it atomic. Once it has run for
// busy-reply-threshold, a timer puts the server in busy mode: it records the script in busy
// and lets go of s.mu on the script's behalf, between two redis.calls. From then on each
// redis.call takes s.mu for its own duration, and every other lock holder checks busy before
// touching the dataset: exec answers BUSY to all but allow-busy commands (SCRIPT KILL,
// FUNCTION KILL, SHUTDOWN NOSAVE...), the cron skips its work. When the script ends it takes
// s.mu back and leaves busy mode, and its caller continues its batch under the lock. Nobody
// else touches data in between, so the script stays atomic.
//
// callMu orders a redis.call, the handover to busy mode and the script's end, so the lock is
// never let go in the middle of a call. Only the script's goroutine and the timer take it.
// The timer never waits for s.mu, and other goroutines never take callMu, so the script's
// goroutine taking callMu under s.mu (before busy mode) and s.mu under callMu (in it) cannot
// deadlock.
type scriptState struct {
	engine  *scripting.Engine // created on first use, under s.mu
	running *scriptRun        // the script in execution, under s.mu
	busy    atomic.Pointer[scriptRun]

	callMu sync.Mutex
	armed  *scriptRun  // the run the timer watches, under callMu
	timer  *time.Timer // calls enterBusy, under callMu
}

// scriptRun is one EVAL or FCALL in execution.
type scriptRun struct {
	s       *Server
	outer   *command.Ctx // the EVAL/FCALL itself
	conn    scriptConn
	eval    bool   // EVAL family (FCALL otherwise): BUSY and KILL texts differ
	name    string // SHA or function name
	started time.Time

	readonly bool // write commands are refused (*_RO, no-writes)
	allowOOM bool // the allow-oom flag
	oom      bool // used memory was over maxmemory when the script started

	db        int  // the script's selected database (SELECT inside a script)
	effectsDB int  // the database the propagated effects are in
	wrote     bool // a write command was called: SCRIPT KILL answers UNKILLABLE. Under s.mu.

	busy  bool // s.mu was let go, under callMu
	ended bool // under callMu
	// ready holds, in busy mode, the keys blocked clients wait on that the script wrote.
	ready []dbKey
}

// scriptConn is the connection redis.call's commands see: the caller's, except that SELECT
// changes the script's database and not the caller's, as in Redis 7.
type scriptConn struct {
	*client
	run *scriptRun
}

func (c *scriptConn) DBIndex() int { return c.run.db }
func (c *scriptConn) Select(i int) { c.run.db = i }

// lua returns the script engine, created on first use.
func (s *Server) lua() *scripting.Engine {
	if s.script.engine == nil {
		s.script.engine = scripting.New()
		s.script.engine.SetMemoryLimit(s.cfg.Int("script-max-memory"))
		s.script.engine.Log = func(level int, msg string) { s.log.Info("script: " + msg) }
	}
	return s.script.engine
}

// scriptBusy reports busy mode: a script is past busy-reply-threshold and does not hold s.mu
// between its commands, so the holder of s.mu must not touch the dataset.
func (s *Server) scriptBusy() bool { return s.script.busy.Load() != nil }

// rejectIfBusy answers BUSY, as Redis does in busy mode, to a command not flagged allow-busy
// and to SHUTDOWN without NOSAVE (saving would write the script's partial effects). Called
// under s.mu by exec; it reports whether the command was rejected.
func (c *client) rejectIfBusy(spec *command.Spec, args [][]byte) bool {
	r := c.s.script.busy.Load()
	if r == nil || spec.Flags&command.AllowBusy != 0 && (spec.Name != "shutdown" || hasNoSave(args)) {
		return false
	}
	c.out.Error(r.busyError())
	if c.inMulti {
		c.multiErr = true
	}
	c.s.stats.rejected(spec, c.out.LastErr)
	return true
}

func hasNoSave(args [][]byte) bool {
	for _, a := range args[1:] {
		if strings.EqualFold(string(a), "nosave") {
			return true
		}
	}
	return false
}

func (r *scriptRun) busyError() string {
	if r.eval {
		return errBusyEval
	}
	return errBusyFunction
}

// Eval implements EVAL, EVALSHA and their _RO variants.
func (s *Server) Eval(c *command.Ctx, bySHA, readonly bool) {
	eng := s.lua()
	body := string(c.Args[1])
	if bySHA && len(body) != 40 {
		c.Err("NOSCRIPT No matching script. Please use EVAL.")
		return
	}
	oom := !s.makeRoom(time.Now())
	if oom && evalNeedsRoom(eng, body, bySHA) {
		c.Err(ErrOOM)
		return
	}
	keys, argv, ok := scriptKeys(c, command.ErrNotInt)
	if !ok {
		return
	}
	var sc *scripting.Script
	if bySHA {
		if sc = eng.Script(body); sc == nil {
			c.Err("NOSCRIPT No matching script. Please use EVAL.")
			return
		}
	} else {
		var errText string
		if sc, errText = eng.Compile(body); sc == nil {
			c.Err(errText)
			return
		}
	}
	r := &scriptRun{eval: true, name: sc.SHA, oom: oom}
	if !r.applyFlags(c, sc.Shebang, sc.Flags, readonly) {
		return
	}
	s.runScript(c, r, keys, argv, func(run scripting.Run) { eng.RunScript(sc, run, c.W) })
}

// evalNeedsRoom reports whether a script declared flags without allow-oom or no-writes: such
// a script is refused before it starts when used memory is over maxmemory, as Redis derives
// the denyoom command flag from the script's flags. Legacy scripts are checked command by
// command instead.
func evalNeedsRoom(eng *scripting.Engine, body string, bySHA bool) bool {
	var flags scripting.Flags
	var shebang bool
	if sc := eng.Script(body); bySHA && sc != nil {
		flags, shebang = sc.Flags, sc.Shebang
	} else if !bySHA {
		flags, shebang = scripting.ShebangFlags(body)
	}
	return shebang && flags&(scripting.NoWrites|scripting.AllowOOM) == 0
}

// FCall implements FCALL and FCALL_RO.
func (s *Server) FCall(c *command.Ctx, readonly bool) {
	eng := s.lua()
	f := eng.LookupFunction(string(c.Args[1]))
	oom := !s.makeRoom(time.Now())
	if f != nil && oom && f.Flags&(scripting.NoWrites|scripting.AllowOOM) == 0 {
		c.Err(ErrOOM)
		return
	}
	if f == nil {
		c.Err("ERR Function not found")
		return
	}
	keys, args, ok := scriptKeys(c, "ERR Bad number of keys provided")
	if !ok {
		return
	}
	r := &scriptRun{name: f.Name, oom: oom}
	if !r.applyFlags(c, true, f.Flags, readonly) {
		return
	}
	s.runScript(c, r, keys, args, func(run scripting.Run) { eng.CallFunction(f, run, c.W) })
}

// scriptKeys splits EVAL/FCALL's arguments after numkeys into keys and arguments.
func scriptKeys(c *command.Ctx, badNumKeys string) (keys, args [][]byte, ok bool) {
	n, ok := command.ParseInt(c.Args[2])
	switch {
	case !ok:
		c.Err(badNumKeys)
	case n > int64(len(c.Args)-3):
		c.Err("ERR Number of keys can't be greater than number of args")
	case n < 0:
		c.Err("ERR Number of keys can't be negative")
	default:
		return c.Args[3 : 3+n], c.Args[3+n:], true
	}
	return nil, nil, false
}

// applyFlags applies a script's declared flags before it runs (scriptPrepareForRun). A
// script without a shebang keeps Redis 7.0's legacy behaviour: only *_RO restricts it.
func (r *scriptRun) applyFlags(c *command.Ctx, declared bool, flags scripting.Flags, readonly bool) bool {
	if declared && flags&scripting.NoWrites == 0 && readonly {
		c.Err("ERR Can not execute a script with write flag using *_ro command.")
		return false
	}
	r.readonly = readonly || declared && flags&scripting.NoWrites != 0
	r.allowOOM = declared && flags&scripting.AllowOOM != 0
	return true
}

// runScript runs a script on behalf of c and replies. Its effects, the commands it ran that
// changed the dataset, are propagated instead of the script itself.
func (s *Server) runScript(c *command.Ctx, r *scriptRun, keys, args [][]byte, exec func(scripting.Run)) {
	c.Propagate()
	r.s, r.outer, r.started = s, c, time.Now()
	r.conn = scriptConn{client: c.Conn.(*client), run: r}
	r.db, r.effectsDB = c.DB.ID, c.DB.ID
	s.script.running = r
	s.armBusyTimer(r)
	// The engine calls stop before replying; the deferred call covers a panic before that,
	// which must not leave the server in busy mode without the lock.
	defer func() {
		r.stop()
		s.script.running = nil
	}()
	exec(scripting.Run{Keys: keys, Args: args, Call: r.call, Stopped: r.stop})
	if r.effectsDB != c.DB.ID {
		// Leave the stream in the caller's database, where the next command's effects go.
		c.Propagate([]byte("SELECT"), []byte(strconv.Itoa(c.DB.ID)))
	}
}

// armBusyTimer starts watching r for busy-reply-threshold. Called under s.mu.
func (s *Server) armBusyTimer(r *scriptRun) {
	threshold := time.Duration(s.cfg.Int("busy-reply-threshold")) * time.Millisecond
	st := &s.script
	st.callMu.Lock()
	defer st.callMu.Unlock()
	st.armed = r
	if st.timer == nil {
		st.timer = time.AfterFunc(threshold, s.enterBusy)
	} else {
		st.timer.Reset(threshold)
	}
}

// enterBusy runs on the timer's goroutine: past the threshold it puts the server in busy mode
// and lets go of s.mu, which the script's goroutine holds, between two of its calls.
func (s *Server) enterBusy() {
	st := &s.script
	st.callMu.Lock()
	defer st.callMu.Unlock()
	r := st.armed
	if r == nil || r.ended || r.busy {
		return
	}
	// The timer may fire late, for a previous script, while this one is young.
	elapsed := time.Since(r.started)
	if left := time.Duration(s.cfg.Int("busy-reply-threshold"))*time.Millisecond - elapsed; left > 0 {
		st.timer.Reset(left)
		return
	}
	kill := "FUNCTION KILL"
	if r.eval {
		kill = "SCRIPT KILL"
	}
	s.log.Warn(fmt.Sprintf("Slow script detected: still in execution after %d milliseconds. You can try killing the script using the %s command. Script name is: %s.", elapsed.Milliseconds(), kill, r.name))
	r.busy = true
	st.busy.Store(r)
	r.stashReady()
	s.mu.Unlock()
}

// stashReady moves the keys made ready by the script's writes aside until it ends: other
// clients' commands run in busy mode, and serving blocked clients after them would pop what
// the still-running script pushed. Called with s.mu held on the script's behalf.
func (r *scriptRun) stashReady() {
	s := r.s
	r.ready = append(r.ready, s.waiters.ready...)
	s.waiters.ready = s.waiters.ready[:0]
}

// stop runs when the script's Lua code has stopped, before its reply is written: the server
// leaves busy mode, taking s.mu back. Only the first call does anything.
func (r *scriptRun) stop() {
	s, st := r.s, &r.s.script
	st.callMu.Lock()
	defer st.callMu.Unlock()
	if r.ended {
		return
	}
	st.timer.Stop()
	st.armed = nil
	r.ended = true
	if !r.busy {
		return
	}
	s.mu.Lock()
	r.busy = false
	st.busy.Store(nil)
	s.waiters.ready = append(r.ready, s.waiters.ready...)
}

// call is redis.call and redis.pcall: the command runs like a client's, through the same
// table, ACL check and handlers, and its raw reply goes back to the script.
func (r *scriptRun) call(args [][]byte, proto int, pcall bool) []byte {
	s, st := r.s, &r.s.script
	st.callMu.Lock()
	defer st.callMu.Unlock()
	if r.busy {
		s.mu.Lock()
		defer func() {
			r.stashReady()
			s.mu.Unlock()
		}()
	}
	w := resp.Writer{Proto: proto}
	spec := r.check(args, &w)
	if spec == nil {
		return w.Buf
	}
	ctx := command.Ctx{Args: args, W: &w, DB: s.dbs[r.db], Now: r.outer.Now, Conn: &r.conn, Host: s, Spec: spec, NoBlock: true}
	start := time.Now()
	spec.Handler(&ctx)
	if ctx.Blocked != nil {
		ctx.Blocked.OnTimeout(&w)
	}
	s.dirty += int64(ctx.Dirty)
	s.stats.called(spec, time.Since(start), w.Errors > 0, w.LastErr)
	if s.lua().PropagateEffects() {
		for _, effect := range ctx.Propagation() {
			r.propagate(effect)
		}
	}
	return w.Buf
}

// check applies, in Redis's order, what may refuse a command called from a script (the
// existence and arity of the command, noscript, ACL, read-only scripts, OOM). It returns the
// command's spec, or nil after writing the error to w.
func (r *scriptRun) check(args [][]byte, w *resp.Writer) *command.Spec {
	s, cl := r.s, r.conn.client
	spec, rejection := command.Resolve(args)
	switch {
	case spec == nil && strings.HasPrefix(rejection, "ERR wrong number"):
		w.Error("ERR Wrong number of args calling Redis command from script")
	case spec == nil:
		w.Error("ERR Unknown Redis command called from script")
	case spec.Flags&command.NoScript != 0:
		w.Error("ERR This Redis command is not allowed from script")
	}
	if spec == nil || w.Errors > 0 {
		return nil
	}
	if ok, reason, pos := cl.user.Check(spec, args); !ok {
		s.acllog.AddDenial(spec, args, reason, pos, acl.Lua, cl.user.Name(), cl.describe(time.Now()))
		w.Error(scriptACLError(reason))
		return nil
	}
	write := spec.Flags&command.Write != 0
	switch {
	case r.readonly && spec.Flags&(command.Write|command.MayReplicate) != 0:
		w.Error("ERR Write commands are not allowed from read-only scripts.")
	case write && !r.allowOOM && r.oom && !r.wrote && spec.Flags&command.DenyOOM != 0:
		// Only before the first write: a script that already changed data cannot stop.
		w.Error(ErrOOM)
	}
	if w.Errors > 0 {
		return nil
	}
	if write {
		r.wrote = true
	}
	return spec
}

// scriptACLError is Redis's reply to a command a script's user may not run.
func scriptACLError(reason acl.Reason) string {
	switch reason {
	case acl.DeniedKey:
		return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
	case acl.DeniedChannel:
		return "ERR The user executing the script can't publish to the channel mentioned in the command"
	}
	return "ERR The user executing the script can't run this command or subcommand"
}

// propagate appends one effect of the script to the EVAL's propagation, preceded by a SELECT
// when the script changed database since the last one.
func (r *scriptRun) propagate(effect [][]byte) {
	if r.db != r.effectsDB {
		r.outer.Propagate([]byte("SELECT"), []byte(strconv.Itoa(r.db)))
		r.effectsDB = r.db
	}
	r.outer.Propagate(effect...)
}

func (s *Server) ScriptLoad(c *command.Ctx) {
	sc, errText := s.lua().Compile(string(c.Args[2]))
	if sc == nil {
		c.Err(errText)
		return
	}
	c.W.BulkString(sc.SHA)
}

func (s *Server) ScriptExists(c *command.Ctx) {
	c.W.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		if s.lua().Script(string(a)) != nil {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func (s *Server) ScriptFlush(c *command.Ctx) {
	if !flushModeOK(c.Args) {
		c.Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	s.lua().Flush()
	c.W.OK()
}

// flushModeOK accepts SCRIPT/FUNCTION FLUSH's optional ASYNC or SYNC (both flush at once).
func flushModeOK(args [][]byte) bool {
	switch len(args) {
	case 2:
		return true
	case 3:
		m := strings.ToLower(string(args[2]))
		return m == "async" || m == "sync"
	}
	return false
}

func (s *Server) ScriptKill(c *command.Ctx)   { s.killScript(c, true) }
func (s *Server) FunctionKill(c *command.Ctx) { s.killScript(c, false) }

// killScript implements SCRIPT KILL (eval) and FUNCTION KILL. Another client can only reach
// it while the script is in busy mode (otherwise the script holds s.mu); called under s.mu.
func (s *Server) killScript(c *command.Ctx, eval bool) {
	r := s.script.running
	switch {
	case r == nil:
		c.Err("NOTBUSY No scripts in execution right now.")
	case r.wrote:
		c.Err(errUnkillable)
	case eval != r.eval:
		c.Err(r.busyError())
	default:
		s.lua().Kill()
		c.W.OK()
	}
}

func (s *Server) FunctionLoad(c *command.Ctx) {
	replace := false
	for _, a := range c.Args[2 : len(c.Args)-1] {
		if !strings.EqualFold(string(a), "replace") {
			c.Err("ERR Unknown option given: " + string(a))
			return
		}
		replace = true
	}
	name, errText := s.lua().LoadLibrary(string(c.Args[len(c.Args)-1]), replace)
	if errText != "" {
		c.Err(errText)
		return
	}
	c.Changed(1)
	c.W.BulkString(name)
}

func (s *Server) FunctionDelete(c *command.Ctx) {
	if !s.lua().DeleteLibrary(string(c.Args[2])) {
		c.Err("ERR Library not found")
		return
	}
	c.Changed(1)
	c.W.OK()
}

func (s *Server) FunctionFlush(c *command.Ctx) {
	if !flushModeOK(c.Args) {
		c.Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	s.lua().FlushLibraries()
	c.Changed(1)
	c.W.OK()
}

// FunctionList implements FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE].
func (s *Server) FunctionList(c *command.Ctx) {
	withCode, pattern, filtered := false, "", false
	for i := 2; i < len(c.Args); i++ {
		a := string(c.Args[i])
		switch {
		case !withCode && strings.EqualFold(a, "withcode"):
			withCode = true
		case !filtered && strings.EqualFold(a, "libraryname"):
			if i == len(c.Args)-1 {
				c.Err("ERR library name argument was not given")
				return
			}
			i++
			pattern, filtered = string(c.Args[i]), true
		default:
			c.Err("ERR Unknown argument " + a)
			return
		}
	}
	var libs []*scripting.Library
	for _, lib := range s.lua().Libraries() {
		if !filtered || glob.MatchString(pattern, lib.Name, true) {
			libs = append(libs, lib)
		}
	}
	scripting.WriteLibraries(c.W, libs, withCode)
}

// FunctionStats implements FUNCTION STATS: the running function, and the libraries loaded.
func (s *Server) FunctionStats(c *command.Ctx) {
	r := s.script.running
	if r != nil && r.eval {
		c.Err(errBusyEval)
		return
	}
	eng := s.lua()
	c.W.Map(2)
	c.W.BulkString("running_script")
	if r == nil {
		c.W.Null()
	} else {
		c.W.Map(3)
		c.W.BulkString("name")
		c.W.BulkString(r.name)
		c.W.BulkString("command")
		c.W.Array(len(r.outer.Args))
		for _, a := range r.outer.Args {
			c.W.Bulk(a)
		}
		c.W.BulkString("duration_ms")
		c.W.Int(time.Since(r.started).Milliseconds())
	}
	c.W.BulkString("engines")
	c.W.Map(1)
	c.W.BulkString("LUA")
	c.W.Map(2)
	c.W.BulkString("libraries_count")
	c.W.Int(int64(len(eng.Libraries())))
	c.W.BulkString("functions_count")
	c.W.Int(int64(eng.FunctionCount()))
}

func (s *Server) FunctionDump(c *command.Ctx) {
	c.W.Bulk(rdb.EncodeFunctions(s.FunctionLibraries()))
}

// FunctionRestore implements FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE].
func (s *Server) FunctionRestore(c *command.Ctx) {
	policy := scripting.RestoreAppend
	if len(c.Args) == 4 {
		switch strings.ToLower(string(c.Args[3])) {
		case "append":
		case "replace":
			policy = scripting.RestoreReplace
		case "flush":
			policy = scripting.RestoreFlush
		default:
			c.Err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	codes, err := rdb.DecodeFunctions(c.Args[2])
	if err != nil {
		c.Err("ERR " + restoreErrorReply(err))
		return
	}
	if errText := s.lua().RestoreLibraries(codes, policy); errText != "" {
		c.Err(errText)
		return
	}
	c.Changed(1)
	c.W.OK()
}

// restoreErrorReply is Redis's text for a payload DecodeFunctions refused; the error itself
// also carries where the payload is wrong.
func restoreErrorReply(err error) string {
	for _, known := range []error{rdb.ErrDumpPayload, rdb.ErrNotFunction, rdb.ErrLibraryPayload} {
		if errors.Is(err, known) {
			return known.Error()
		}
	}
	return err.Error()
}

// FunctionLibraries returns the code of every loaded function library, ordered by name: what
// an RDB save or an AOF rewrite writes. Called under s.mu.
func (s *Server) FunctionLibraries() []string {
	libs := s.lua().Libraries()
	codes := make([]string, len(libs))
	for i, lib := range libs {
		codes[i] = lib.Code
	}
	return codes
}

// LoadFunctionLibrary creates a function library from its code, as loading an RDB file
// (FUNCTION2 records) does; replace lets it replace a library of the same name. Called under
// s.mu.
func (s *Server) LoadFunctionLibrary(code string, replace bool) error {
	if _, errText := s.lua().LoadLibrary(code, replace); errText != "" {
		return fmt.Errorf("loading a function library: %s", strings.TrimPrefix(errText, "ERR "))
	}
	return nil
}
