package command

import "strings"

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
	// FCall runs FCALL, or FCALL_RO when readonly.
	FCall(c *Ctx, readonly bool)
	FunctionLoad(c *Ctx)
	FunctionDelete(c *Ctx)
	FunctionFlush(c *Ctx)
	FunctionList(c *Ctx)
	FunctionStats(c *Ctx)
	FunctionKill(c *Ctx)
	FunctionDump(c *Ctx)
	FunctionRestore(c *Ctx)
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
	{Name: "fcall", Arity: -3, Flags: evalFlags, Categories: CatScripting,
		Keys:    evalKeys(RW|Access|Update, "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
		Handler: func(c *Ctx) { sh(c).FCall(c, false) },
		Summary: "Invoke a function", Since: "7.0.0", Group: "scripting", Complexity: "Depends on the function that is executed."},
	{Name: "fcall_ro", Arity: -3, Flags: Readonly | evalFlags, Categories: CatScripting,
		Keys:    evalKeys(RO|Access, "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),
		Handler: func(c *Ctx) { sh(c).FCall(c, true) },
		Summary: "Invoke a read-only function", Since: "7.0.0", Group: "scripting", Complexity: "Depends on the function that is executed."},
	{Name: "function", Arity: -2, Categories: CatSlow, Summary: "A container for function commands", Since: "7.0.0", Group: "scripting", Complexity: "Depends on subcommand.",
		Subs: functionSubcommands},
	{Name: "script", Arity: -2, Categories: CatSlow, Summary: "A container for Lua scripts management commands", Since: "2.6.0", Group: "scripting", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "load", Arity: 3, Flags: NoScript | Stale, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptLoad(c) },
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Summary: "Load the specified Lua script into the script cache.", Since: "2.6.0", Group: "scripting", Complexity: "O(N) with N being the length in bytes of the script body."},
			{Name: "exists", Arity: -3, Flags: NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptExists(c) },
				Tips:    []string{"request_policy:all_shards", "response_policy:agg_logical_and"},
				Summary: "Check existence of scripts in the script cache.", Since: "2.6.0", Group: "scripting", Complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation)."},
			{Name: "flush", Arity: -2, Flags: NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptFlush(c) },
				Tips:    []string{"request_policy:all_nodes", "response_policy:all_succeeded"},
				Summary: "Remove all the scripts from the script cache.", Since: "2.6.0", Group: "scripting", Complexity: "O(N) with N being the number of scripts in cache"},
			{Name: "kill", Arity: 2, Flags: NoScript | AllowBusy, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).ScriptKill(c) },
				Tips:    []string{"request_policy:all_shards", "response_policy:one_succeeded"},
				Summary: "Kill the script currently in execution.", Since: "2.6.0", Group: "scripting", Complexity: "O(1)"},
			{Name: "debug", Arity: 3, Flags: NoScript, Categories: CatScripting, Handler: scriptDebug,
				Summary: "Set the debug mode for executed scripts.", Since: "3.2.0", Group: "scripting", Complexity: "O(1)"},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatScripting, Handler: scriptHelp,
				Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Group: "scripting", Complexity: "O(1)"},
		}},
}

// The tips FUNCTION's data-changing subcommands carry.
var allShardsSucceeded = []string{"request_policy:all_shards", "response_policy:all_succeeded"}

var functionSubcommands = []*Spec{
	{Name: "delete", Arity: 3, Flags: Write | NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).FunctionDelete(c) },
		Tips:    allShardsSucceeded,
		Summary: "Delete a function by name", Since: "7.0.0", Group: "scripting", Complexity: "O(1)"},
	{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatScripting, Handler: functionHelp,
		Summary: "Show helpful text about the different subcommands", Since: "7.0.0", Group: "scripting", Complexity: "O(1)"},
	{Name: "kill", Arity: 2, Flags: NoScript | AllowBusy, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).FunctionKill(c) },
		Tips:    []string{"request_policy:all_shards", "response_policy:one_succeeded"},
		Summary: "Kill the function currently in execution.", Since: "7.0.0", Group: "scripting", Complexity: "O(1)"},
	{Name: "dump", Arity: 2, Flags: NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).FunctionDump(c) },
		Summary: "Dump all functions into a serialized binary payload", Since: "7.0.0", Group: "scripting", Complexity: "O(N) where N is the number of functions"},
	{Name: "load", Arity: -3, Flags: Write | DenyOOM | NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).FunctionLoad(c) },
		Tips:    allShardsSucceeded,
		Summary: "Create a function with the given arguments (name, code, description)", Since: "7.0.0", Group: "scripting", Complexity: "O(1) (considering compilation time is redundant)"},
	{Name: "restore", Arity: -3, Flags: Write | DenyOOM | NoScript, Categories: CatScripting, Handler: functionRestore,
		Tips:    allShardsSucceeded,
		Summary: "Restore all the functions on the given payload", Since: "7.0.0", Group: "scripting", Complexity: "O(N) where N is the number of functions on the payload"},
	{Name: "flush", Arity: -2, Flags: Write | NoScript, Categories: CatScripting, Handler: functionFlush,
		Tips:    allShardsSucceeded,
		Summary: "Deleting all functions", Since: "7.0.0", Group: "scripting", Complexity: "O(N) where N is the number of functions deleted"},
	{Name: "list", Arity: -2, Flags: NoScript, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).FunctionList(c) },
		Tips:    []string{"nondeterministic_output_order"},
		Summary: "List information about all the functions", Since: "7.0.0", Group: "scripting", Complexity: "O(N) where N is the number of functions"},
	{Name: "stats", Arity: 2, Flags: NoScript | AllowBusy, Categories: CatScripting, Handler: func(c *Ctx) { sh(c).FunctionStats(c) },
		Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
		Summary: "Return information about the function currently running (name, description, duration)", Since: "7.0.0", Group: "scripting", Complexity: "O(1)"},
}

// functionRestore and functionFlush answer Redis's syntax error for extra arguments before
// the host sees them.
func functionRestore(c *Ctx) {
	if len(c.Args) > 4 {
		xSubcommandSyntaxErr(c)
		return
	}
	sh(c).FunctionRestore(c)
}

func functionFlush(c *Ctx) {
	if len(c.Args) > 3 {
		xSubcommandSyntaxErr(c)
		return
	}
	sh(c).FunctionFlush(c)
}

func functionHelp(c *Ctx) {
	WriteHelp(c, "FUNCTION", []string{
		"LOAD [REPLACE] <FUNCTION CODE>", "    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>", "    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]", "    Return general information on all the libraries:",
		"    * Library name", "    * The engine used to run the Library", "    * Library description",
		"    * Functions list", "    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS", "    Return information about the current function running:", "    * Function name",
		"    * Command used to run the function", "    * Duration in MS that the function is running",
		"    If no function is running, return nil", "    In addition, returns a list of available engines.",
		"KILL", "    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.", "    * SYNC: Synchronously flush the libraries.",
		"DUMP", "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
	})
}

// scriptDebug answers SCRIPT DEBUG: NO is how scripts always run here; Redoubt has no Lua
// debugger for YES and SYNC.
func scriptDebug(c *Ctx) {
	switch strings.ToLower(string(c.Args[2])) {
	case "no":
		c.W.OK()
	case "yes", "sync":
		c.Err("ERR SCRIPT DEBUG YES/SYNC is not supported: Redoubt has no Lua debugger")
	default:
		c.Err("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}

func scriptHelp(c *Ctx) {
	WriteHelp(c, "SCRIPT", []string{
		"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
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
