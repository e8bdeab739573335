package server

import (
	"strings"
	"time"

	"github.com/redoubt/redoubt/internal/acl"
	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/scripting"
)

func init() { config.MarkImplemented("busy-reply-threshold") }

// lua returns the server's script engine, created on first use. Scripts run under s.mu like
// any command, which is what makes them atomic.
func (s *Server) lua() *scripting.Engine {
	if s.scripts == nil {
		s.scripts = scripting.New()
		s.scripts.Log = func(level int, msg string) { s.log.Info("script: " + msg) }
	}
	// Other clients wait on the lock while a script runs, so a script past
	// busy-reply-threshold is aborted rather than answered BUSY (docs/COMPATIBILITY.md).
	s.scripts.HardLimit = time.Duration(s.cfg.Int("busy-reply-threshold")) * time.Millisecond
	return s.scripts
}

// Eval implements EVAL, EVALSHA and their _RO variants.
func (s *Server) Eval(c *command.Ctx, bySHA, readonly bool) {
	n, ok := command.ParseInt(c.Args[2])
	if !ok {
		c.Err(command.ErrNotInt)
		return
	}
	if n < 0 {
		c.Err("ERR Number of keys can't be negative")
		return
	}
	if n > int64(len(c.Args)-3) {
		c.Err("ERR Number of keys can't be greater than number of args")
		return
	}
	keys, argv := c.Args[3:3+n], c.Args[3+n:]
	cl := c.Conn.(*client)
	call := s.scriptCaller(cl, c, readonly)
	if !bySHA {
		s.lua().Run(string(c.Args[1]), keys, argv, call, c.W)
		return
	}
	if !s.lua().RunSHA(strings.ToLower(string(c.Args[1])), keys, argv, call, c.W) {
		c.Err("NOSCRIPT No matching script. Please use EVAL.")
	}
}

// scriptCaller is redis.call: it dispatches through the same table, ACL check and handlers
// as a client command, with the lock the script already holds, and returns the raw reply.
func (s *Server) scriptCaller(cl *client, outer *command.Ctx, readonly bool) scripting.Caller {
	return func(args [][]byte, proto int, pcall bool) []byte {
		w := resp.Writer{Proto: proto}
		spec, rejection := command.Resolve(args)
		switch {
		case spec == nil && strings.HasPrefix(rejection, "ERR wrong number"):
			w.Error("ERR Wrong number of args calling Redis command from script")
		case spec == nil:
			w.Error("ERR Unknown Redis command called from script")
		case spec.Flags&command.NoScript != 0:
			w.Error("ERR This Redis command is not allowed from script")
		case readonly && spec.Flags&command.Write != 0:
			w.Error("ERR Write commands are not allowed from read-only scripts.")
		}
		if len(w.Buf) > 0 {
			return w.Buf
		}
		if ok, reason, pos := cl.user.Check(spec, args); !ok {
			s.acllog.AddDenial(spec, args, reason, pos, acl.Lua, cl.user.Name(), cl.describe(time.Now()))
			w.Error(acl.NoPermError(spec, reason))
			return w.Buf
		}
		if spec.Flags&command.DenyOOM != 0 && !s.makeRoom(time.Now()) {
			w.Error(ErrOOM)
			return w.Buf
		}
		ctx := command.Ctx{Args: args, W: &w, DB: s.dbs[cl.db], Now: outer.Now, Conn: cl, Host: s, Spec: spec, NoBlock: true}
		start := time.Now()
		spec.Handler(&ctx)
		if ctx.Blocked != nil {
			ctx.Blocked.OnTimeout(&w)
		}
		s.dirty += int64(ctx.Dirty)
		s.stats.called(spec, time.Since(start), w.Errors > 0, w.LastErr)
		return w.Buf
	}
}

func (s *Server) ScriptLoad(c *command.Ctx) {
	sha, errText := s.lua().Load(string(c.Args[2]))
	if errText != "" {
		c.Err(errText)
		return
	}
	c.W.BulkString(sha)
}

func (s *Server) ScriptExists(c *command.Ctx) {
	c.W.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		if s.lua().Exists(strings.ToLower(string(a))) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func (s *Server) ScriptFlush(c *command.Ctx) {
	if len(c.Args) == 3 {
		if m := strings.ToLower(string(c.Args[2])); m != "async" && m != "sync" {
			c.Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
			return
		}
	} else if len(c.Args) > 3 {
		c.Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	s.lua().Flush()
	c.W.OK()
}

// ScriptKill can only find a script running when called from within one; a client's SCRIPT
// KILL waits on the lock the script holds, and busy-reply-threshold aborts long scripts.
func (s *Server) ScriptKill(c *command.Ctx) {
	if !s.lua().Running() {
		c.Err("NOTBUSY No scripts in execution right now.")
		return
	}
	s.lua().Kill()
	c.W.OK()
}
