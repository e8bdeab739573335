package command

var transactionCommands = []*Spec{
	{Name: "multi", Arity: 1, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Categories: CatTransaction, Handler: multi,
		Summary: "Mark the start of a transaction block", Since: "1.2.0", Group: "transactions", Complexity: "O(1)"},
	{Name: "exec", Arity: 1, Flags: NoScript | Loading | Stale | SkipSlowlog, Categories: CatTransaction, Handler: execCmd,
		Summary: "Execute all commands issued after MULTI", Since: "1.2.0", Group: "transactions", Complexity: "Depends on commands in the transaction"},
	{Name: "discard", Arity: 1, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Categories: CatTransaction, Handler: discard,
		Summary: "Discard all commands issued after MULTI", Since: "2.0.0", Group: "transactions", Complexity: "O(N), when N is the number of queued commands"},
	{Name: "watch", Arity: -2, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Categories: CatTransaction, Handler: watch,
		Keys:    []KeySpec{{Flags: RO, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		Summary: "Monitor changes to keys to conditionally execute a transaction", Since: "2.2.0", Group: "transactions", Complexity: "O(1) for every key."},
	{Name: "unwatch", Arity: 1, Flags: NoScript | Loading | Stale | Fast | AllowBusy, Categories: CatTransaction, Handler: unwatch,
		Summary: "Forget about all watched keys", Since: "2.2.0", Group: "transactions", Complexity: "O(1)"},
}

// Transactions is the part of a connection that MULTI/EXEC/WATCH drive. The queueing itself
// happens in the server's dispatch, which sees every command before it runs.
type Transactions interface {
	InMulti() bool
	StartMulti()
	DiscardMulti()
	// ExecMulti runs the queued commands and writes EXEC's reply.
	ExecMulti(w *Ctx)
	Watch(db int, keys []string)
	Unwatch()
}

func txn(c *Ctx) Transactions { return c.Conn.(Transactions) }

func multi(c *Ctx) {
	if txn(c).InMulti() {
		c.Err("ERR MULTI calls can not be nested")
		return
	}
	txn(c).StartMulti()
	c.W.OK()
}

func execCmd(c *Ctx) {
	if !txn(c).InMulti() {
		c.Err("ERR EXEC without MULTI")
		return
	}
	txn(c).ExecMulti(c)
}

func discard(c *Ctx) {
	if !txn(c).InMulti() {
		c.Err("ERR DISCARD without MULTI")
		return
	}
	txn(c).DiscardMulti()
	c.W.OK()
}

func watch(c *Ctx) {
	if txn(c).InMulti() {
		c.Err("ERR WATCH inside MULTI is not allowed")
		return
	}
	keys := make([]string, 0, len(c.Args)-1)
	for _, a := range c.Args[1:] {
		keys = append(keys, string(a))
	}
	txn(c).Watch(c.DB.ID, keys)
	c.W.OK()
}

func unwatch(c *Ctx) {
	txn(c).Unwatch()
	c.W.OK()
}
