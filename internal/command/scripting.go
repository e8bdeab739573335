package command

// ScriptHost runs scripts: the engine and the bridge from redis.call back to this table live
// with the server, which holds the lock a script runs under.
type ScriptHost interface {
	// Eval runs EVAL/EVALSHA(_RO): args are the command's arguments, bySHA selects EVALSHA,
	// readonly the _RO variants.
	Eval(c *Ctx, bySHA, readonly bool)
	ScriptLoad(c *Ctx)
	ScriptExists(c *Ctx)
	ScriptFlush(c *Ctx)
	ScriptKill(c *Ctx)
}

func sh(c *Ctx) ScriptHost { return c.Host.(ScriptHost) }

const evalFlags = NoScript | Stale | SkipMonitor | NoMandatoryKeys

func evalKeys(flags KeyFlags, notes string) []KeySpec {
	return []KeySpec{{Flags: flags, Notes: notes, BeginIndex: 2, Keynum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}}
}

var scriptingCommands = []*Spec{
	{Name: "eval", Arity: -3, Flags: evalFlags, Categories: CatScripting,
		Keys:    evalKeys(RW|Access|Update, "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
		Handler: func(c *Ctx) { sh(c).Eval(c, false, false) },
		Summary: "Execute a Lua script server side", Since: "2.6.0", Group: "scripting", Complexity: "Depends on the script that is executed."},
	{Name: "evalsha", Arity: -3, Flags: evalFlags, Categories: CatScripting,
		Keys:    evalKeys(RW|Access|Update, ""),
		Handler: func(c *Ctx) { sh(c).Eval(c, true, false) },
		Summary: "Execute a Lua script server side", Since: "2.6.0", Group: "scripting", Complexity: "Depends on the script that is executed."},
	{Name: "eval_ro", Arity: -3, Flags: Readonly | evalFlags, Categories: CatScripting,
		Keys:    evalKeys(RO|Access, "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),
		Handler: func(c *Ctx) { sh(c).Eval(c, false, true) },
		Summary: "Execute a read-only Lua script server side", Since: "7.0.0", Group: "scripting", Complexity: "Depends on the script that is executed."},
	{Name: "evalsha_ro", Arity: -3, Flags: Readonly | evalFlags, Categories: CatScripting,
		Keys:    evalKeys(RO|Access, ""),
		Handler: func(c *Ctx) { sh(c).Eval(c, true, true) },
		Summary: "Execute a read-only Lua script server side", Since: "7.0.0", Group: "scripting", Complexity: "Depends on the script that is executed."},
	{Name: "script", Arity: -2, Categories: CatSlow, Summary: "A container for Lua scripts management commands", Since: "2.6.0", Group: "scripting", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "load", Arity: 3, Flags: NoScript | Stale, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptLoad(c) },
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Summary: "Load a Lua script into the scripts cache, without executing it", Since: "2.6.0", Group: "scripting", Complexity: "O(N) with N being the length in bytes of the script body."},
			{Name: "exists", Arity: -3, Flags: NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptExists(c) },
				Tips:    []string{"request_policy:all_shards", "response_policy:agg_logical_and"},
				Summary: "Check existence of scripts in the script cache.", Since: "2.6.0", Group: "scripting", Complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation)."},
			{Name: "flush", Arity: -2, Flags: NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptFlush(c) },
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Summary: "Remove all the scripts from the script cache.", Since: "2.6.0", Group: "scripting", Complexity: "O(N) with N being the number of scripts in cache"},
			{Name: "kill", Arity: 2, Flags: NoScript | AllowBusy, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptKill(c) },
				Tips:    []string{"request_policy:all_shards", "response_policy:one_succeeded"},
				Summary: "Kill the script currently in execution.", Since: "2.6.0", Group: "scripting", Complexity: "O(1)"},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatScripting, Handler: scriptHelp,
				Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Group: "scripting", Complexity: "O(1)"},
		}},
}

func scriptHelp(c *Ctx) {
	WriteHelp(c, "SCRIPT", []string{
		"EXISTS <sha1> [<sha1> ...]", "    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL", "    Kill the currently executing Lua script.",
		"LOAD <script>", "    Load a script into the scripts cache without executing it.",
	})
}
