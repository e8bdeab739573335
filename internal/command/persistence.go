package command

import "strings"

var persistenceCommands = []*Spec{
	{Name: "bgsave", Arity: -1, Flags: Admin | NoScript | NoAsyncLoading, Handler: bgsave,
		Summary: "Asynchronously save the dataset to disk", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
	{Name: "bgrewriteaof", Arity: 1, Flags: Admin | NoScript | NoAsyncLoading, Handler: bgrewriteaof,
		Summary: "Asynchronously rewrite the append-only file", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
	{Name: "sync", Arity: 1, Flags: Admin | NoScript | NoAsyncLoading | NoMulti, Handler: syncCmd,
		Summary: "Internal command used for replication", Since: "1.0.0", Group: "server", Complexity: ""},
	{Name: "psync", Arity: -3, Flags: Admin | NoScript | NoAsyncLoading | NoMulti, Handler: syncCmd,
		Summary: "Internal command used for replication", Since: "2.8.0", Group: "server", Complexity: ""},
	{Name: "replconf", Arity: -1, Flags: Admin | NoScript | Loading | Stale | AllowBusy, Handler: replconf,
		Summary: "An internal command for configuring the replication stream", Since: "3.0.0", Group: "server", Complexity: "O(1)", SysCmd: true},
}

// Persistence is the part of the server that writes RDB snapshots and the AOF.
type Persistence interface {
	// BGSave starts a background save; schedule defers it while an AOF rewrite runs. It
	// returns the status reply, or an error text starting with "ERR".
	BGSave(schedule bool) (status string, errText string)
	// BGRewriteAOF starts (or schedules) an AOF rewrite, with the same convention.
	BGRewriteAOF() (status string, errText string)
	// Replconf applies one REPLCONF option for conn; it returns an error text or "".
	Replconf(conn Conn, option, value string) string
	// Sync sends conn a snapshot (SYNC, or PSYNC when psync) after the command's batch.
	Sync(conn Conn, psync bool) string
}

func replconf(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.Err(ErrSyntax)
		return
	}
	p, ok := c.Host.(Persistence)
	if !ok {
		c.Err("ERR persistence is not available")
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		if msg := p.Replconf(c.Conn, strings.ToLower(string(c.Args[i])), string(c.Args[i+1])); msg != "" {
			c.Err(msg)
			return
		}
	}
	c.W.OK()
}

// syncCmd answers SYNC and PSYNC: the server streams an RDB snapshot once the batch ends;
// nothing is written here unless the request is refused.
func syncCmd(c *Ctx) {
	p, ok := c.Host.(Persistence)
	if !ok {
		c.Err("ERR persistence is not available")
		return
	}
	if msg := p.Sync(c.Conn, len(c.Args) > 1); msg != "" {
		c.Err(msg)
	}
}

func bgsave(c *Ctx) {
	schedule := false
	if len(c.Args) > 1 {
		if len(c.Args) > 2 || !strings.EqualFold(string(c.Args[1]), "schedule") {
			c.Err(ErrSyntax)
			return
		}
		schedule = true
	}
	persistenceReply(c, func(p Persistence) (string, string) { return p.BGSave(schedule) })
}

func bgrewriteaof(c *Ctx) {
	persistenceReply(c, Persistence.BGRewriteAOF)
}

func persistenceReply(c *Ctx, op func(Persistence) (string, string)) {
	p, ok := c.Host.(Persistence)
	if !ok {
		c.Err("ERR persistence is not available")
		return
	}
	status, errText := op(p)
	if errText != "" {
		c.Err(errText)
		return
	}
	c.W.Simple(status)
}
