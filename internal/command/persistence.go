package command

import "strings"

var persistenceCommands = []*Spec{
	{Name: "bgsave", Arity: -1, Flags: Admin | NoScript | NoAsyncLoading, Handler: bgsave,
		Summary: "Asynchronously save the dataset to disk", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
	{Name: "bgrewriteaof", Arity: 1, Flags: Admin | NoScript | NoAsyncLoading, Handler: bgrewriteaof,
		Summary: "Asynchronously rewrite the append-only file", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
}

// Persistence is the part of the server that writes RDB snapshots and the AOF.
type Persistence interface {
	// BGSave starts a background save; schedule defers it while an AOF rewrite runs. It
	// returns the status reply, or an error text starting with "ERR".
	BGSave(schedule bool) (status string, errText string)
	// BGRewriteAOF starts (or schedules) an AOF rewrite, with the same convention.
	BGRewriteAOF() (status string, errText string)
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
