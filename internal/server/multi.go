package server

import (
	"github.com/redoubt/redoubt/internal/acl"
	"time"

	"github.com/redoubt/redoubt/internal/command"
)

// queued is a command waiting in a MULTI block.
type queued struct {
	args [][]byte
	spec *command.Spec
}

// queueIfMulti queues the command when c is inside MULTI and reports whether it did. The
// commands that drive the transaction itself run at once.
func (c *client) queueIfMulti(spec *command.Spec, args [][]byte) bool {
	if !c.inMulti {
		return false
	}
	switch spec.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return false
	}
	c.multiQueue = append(c.multiQueue, queued{args: args, spec: spec})
	c.out.Simple("QUEUED")
	return true
}

func (c *client) InMulti() bool { return c.inMulti }

func (c *client) StartMulti() {
	c.inMulti, c.multiQueue, c.multiErr = true, nil, false
}

func (c *client) DiscardMulti() {
	c.inMulti, c.multiQueue, c.multiErr = false, nil, false
	c.Unwatch()
}

// ExecMulti runs the queue under the lock the batch already holds, so no other client's
// command interleaves. As in Redis there is no rollback: a command that fails at run time
// reports its error in its slot and the others still run.
func (c *client) ExecMulti(ctx *command.Ctx) {
	q, aborted, dirty := c.multiQueue, c.multiErr, c.watchDirty
	c.DiscardMulti()
	if aborted {
		ctx.Err("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	if dirty {
		c.out.NullArray()
		return
	}
	c.out.Array(len(q))
	now := time.Unix(0, ctx.Now*int64(time.Millisecond))
	c.s.beginTxn()
	for _, cmd := range q {
		// Permissions are checked again: they may have changed since the command was queued.
		if !c.checkACL(cmd.spec, cmd.args, acl.Multi) {
			continue
		}
		c.run(cmd.spec, cmd.args, now, true)
	}
	if seq := c.s.endTxn(); seq > 0 {
		c.aofSeq.Store(seq)
	}
}

// mayWrite reports whether spec, run now by c, may change the dataset: a write command, or an
// EXEC whose queue holds one. Redis refuses these (and PING, as a health check) while
// persistence is failing.
func (c *client) mayWrite(spec *command.Spec) bool {
	switch {
	case spec.Flags&command.Write != 0 || spec.Name == "ping":
		return true
	case spec.Name == "exec":
		for _, q := range c.multiQueue {
			if q.spec.Flags&command.Write != 0 {
				return true
			}
		}
	}
	return false
}
