package command

import (
	"strings"
	"time"
)

const adminFlags = Admin | NoScript | Loading | Stale

var serverCommands = []*Spec{
	{Name: "command", Arity: -1, Flags: Loading | Stale, Categories: CatConnection, Handler: commandAll, Tips: []string{"nondeterministic_output_order"},
		Summary: "Get array of Redis command details", Since: "2.8.13", Group: "server", Complexity: "O(N) where N is the total number of Redis commands",
		Subs: []*Spec{
			serverSub("count", 2, commandCount, "Get total number of Redis commands", "2.8.13", "O(1)"),
			serverSub("info", -2, commandInfo, "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", "O(N) where N is the number of commands to look up", "nondeterministic_output_order"),
			serverSub("docs", -2, commandDocs, "Get array of specific Redis command documentation", "7.0.0", "O(N) where N is the number of commands to look up", "nondeterministic_output_order"),
			serverSub("list", -2, commandList, "Get an array of Redis command names", "7.0.0", "O(N) where N is the total number of Redis commands", "nondeterministic_output_order"),
			serverSub("getkeys", -4, commandGetKeys, "Extract keys given a full Redis command", "2.8.13", "O(N) where N is the number of arguments to the command"),
			serverSub("getkeysandflags", -4, commandGetKeysAndFlags, "Extract keys and access flags given a full Redis command", "7.0.0", "O(N) where N is the number of arguments to the command"),
			serverSub("help", 2, commandHelp, "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
		}},
	{Name: "info", Arity: -1, Flags: Loading | Stale, Categories: CatDangerous, Handler: info,
		Tips:    []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
		Summary: "Get information and statistics about the server", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
	{Name: "config", Arity: -2, Categories: CatSlow, Summary: "A container for server configuration commands", Since: "2.0.0", Group: "server", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "get", Arity: -3, Flags: adminFlags, Handler: configGet, Summary: "Get the values of configuration parameters", Since: "2.0.0", Group: "server", Complexity: "O(N) when N is the number of configuration parameters provided"},
			{Name: "set", Arity: -4, Flags: adminFlags, Handler: configSet, Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}, Summary: "Set configuration parameters to the given values", Since: "2.0.0", Group: "server", Complexity: "O(N) when N is the number of configuration parameters provided"},
			{Name: "rewrite", Arity: 2, Flags: adminFlags, Handler: configRewrite, Summary: "Rewrite the configuration file with the in memory configuration", Since: "2.8.0", Group: "server", Complexity: "O(1)"},
			{Name: "resetstat", Arity: 2, Flags: adminFlags, Handler: configResetStat, Summary: "Reset the stats returned by INFO", Since: "2.0.0", Group: "server", Complexity: "O(1)"},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Handler: configHelp, Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Group: "server", Complexity: "O(1)"},
		}},
	{Name: "time", Arity: 1, Flags: Loading | Stale | Fast, Handler: timeCmd, Tips: []string{"nondeterministic_output"},
		Summary: "Return the current server time", Since: "2.6.0", Group: "server", Complexity: "O(1)"},
	{Name: "lastsave", Arity: 1, Flags: Loading | Stale | Fast, Categories: CatAdmin | CatDangerous, Handler: lastSave, Tips: []string{"nondeterministic_output"},
		Summary: "Get the UNIX time stamp of the last successful save to disk", Since: "1.0.0", Group: "server", Complexity: "O(1)"},
	{Name: "shutdown", Arity: -1, Flags: adminFlags | NoMulti | AllowBusy, Handler: shutdown,
		Summary: "Synchronously save the dataset to disk and then shut down the server", Since: "1.0.0", Group: "server", Complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"},
	{Name: "slowlog", Arity: -2, Categories: CatSlow, Summary: "A container for slow log commands", Since: "2.2.12", Group: "server", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "get", Arity: -2, Flags: Admin | Loading | Stale, Handler: slowlogGet, Tips: []string{"request_policy:all_nodes", "nondeterministic_output"}, Summary: "Get the slow log's entries", Since: "2.2.12", Group: "server", Complexity: "O(N) where N is the number of entries returned"},
			{Name: "len", Arity: 2, Flags: Admin | Loading | Stale, Handler: slowlogLen, Tips: []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}, Summary: "Get the slow log's length", Since: "2.2.12", Group: "server", Complexity: "O(1)"},
			{Name: "reset", Arity: 2, Flags: Admin | Loading | Stale, Handler: slowlogReset, Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}, Summary: "Clear all entries from the slow log", Since: "2.2.12", Group: "server", Complexity: "O(N) where N is the number of entries in the slowlog"},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Handler: slowlogHelp, Summary: "Show helpful text about the different subcommands", Since: "6.2.0", Group: "server", Complexity: "O(1)"},
		}},
	{Name: "save", Arity: 1, Flags: Admin | NoScript | NoAsyncLoading | NoMulti, Handler: saveCmd,
		Summary: "Synchronously save the dataset to disk", Since: "1.0.0", Group: "server", Complexity: "O(N) where N is the total number of keys in all databases"},
	{Name: "debug", Arity: -2, Flags: adminFlags, Handler: debugCmd, Summary: "A container for debugging commands", Since: "1.0.0", Group: "server", Complexity: "Depends on subcommand."},
	{Name: "memory", Arity: -2, Categories: CatSlow, Summary: "A container for memory diagnostics commands", Since: "4.0.0", Group: "server", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "usage", Arity: -3, Flags: Readonly, Handler: memoryUsage, Keys: []KeySpec{{Flags: RO, BeginIndex: 2, KeyStep: 1}},
				Summary: "Estimate the memory usage of a key", Since: "4.0.0", Group: "server", Complexity: "O(N) where N is the number of samples."},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Handler: memoryHelp, Summary: "Show helpful text about the different subcommands", Since: "4.0.0", Group: "server", Complexity: "O(1)"},
		}},
}

func serverSub(name string, arity int, h func(*Ctx), summary, since, complexity string, tips ...string) *Spec {
	return &Spec{Name: name, Arity: arity, Flags: Loading | Stale, Categories: CatConnection, Handler: h, Tips: tips,
		Summary: summary, Since: since, Group: "server", Complexity: complexity}
}

func info(c *Ctx) {
	var sections []string
	for _, a := range c.Args[1:] {
		sections = append(sections, string(a))
	}
	c.W.Verbatim("txt", c.Host.Info(sections))
}

func configGet(c *Ctx) {
	patterns := make([]string, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		patterns = append(patterns, string(a))
	}
	kv := c.Host.Config().Get(patterns...)
	c.W.Map(len(kv) / 2)
	for _, s := range kv {
		c.W.BulkString(s)
	}
}

func configSet(c *Ctx) {
	if len(c.Args)%2 != 0 {
		c.Err("ERR wrong number of arguments for 'config|set' command")
		return
	}
	pairs := make([]string, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		pairs = append(pairs, string(a))
	}
	set := c.Host.Config().Set
	if c.Conn.IsLocal() {
		set = c.Host.Config().SetLocal
	}
	if err := set(pairs...); err != nil {
		c.Err(err.Error())
		return
	}
	c.W.OK()
}

func configRewrite(c *Ctx) {
	if err := c.Host.Config().Rewrite(); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "ERR ") {
			msg = "ERR Rewriting config file: " + msg
		}
		c.Err(msg)
		return
	}
	c.W.OK()
}

func configResetStat(c *Ctx) {
	c.Host.ResetStats()
	c.W.OK()
}

func configHelp(c *Ctx) {
	WriteHelp(c, "CONFIG", []string{
		"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
		"RESETSTAT", "    Reset statistics reported by the INFO command.",
		"REWRITE", "    Rewrite the configuration file.",
	})
}

func timeCmd(c *Ctx) {
	now := time.Now()
	c.W.Array(2)
	c.W.BulkInt(now.Unix())
	c.W.BulkInt(int64(now.Nanosecond() / 1000))
}

func lastSave(c *Ctx) { c.W.Int(c.Host.LastSave()) }

func saveCmd(c *Ctx) {
	if msg := c.Host.Save(); msg != "" {
		c.Err(msg)
		return
	}
	c.W.OK()
}

func shutdown(c *Ctx) {
	mode := ""
	for _, a := range c.Args[1:] {
		switch opt := strings.ToLower(string(a)); opt {
		case "save", "nosave":
			if mode != "" {
				c.Err(ErrSyntax)
				return
			}
			mode = opt
		case "now", "force", "abort":
			// NOW/FORCE only relax waiting for replicas and save errors; there are neither yet.
			if opt == "abort" {
				c.Err("ERR No shutdown in progress.")
				return
			}
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if msg := c.Host.Shutdown(mode); msg != "" {
		c.Err(msg)
	}
}

func slowlogGet(c *Ctx) {
	n := int64(10)
	if len(c.Args) == 3 {
		v, ok := ParseInt(c.Args[2])
		if !ok || v < -1 {
			c.Err("ERR count should be greater than or equal to -1")
			return
		}
		n = v
	} else if len(c.Args) > 3 {
		c.Err("ERR wrong number of arguments for 'slowlog|get' command")
		return
	}
	c.Host.SlowLog().Get(int(n), c.W)
}

func slowlogLen(c *Ctx) { c.W.Int(int64(c.Host.SlowLog().Len())) }

func slowlogReset(c *Ctx) {
	c.Host.SlowLog().Reset()
	c.W.OK()
}

func slowlogHelp(c *Ctx) {
	WriteHelp(c, "SLOWLOG", []string{
		"GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:", "    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name", "LEN", "    Return the length of the slowlog.", "RESET", "    Reset the slowlog.",
	})
}

// debugCmd offers a small, safe subset of DEBUG, and only with enable-debug-command set
// (default no, as in Redis 7): DEBUG can stall or crash a server by design.
func debugCmd(c *Ctx) {
	if !c.Host.DebugAllowed(c.Conn) {
		c.Err("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
		return
	}
	switch strings.ToLower(string(c.Args[1])) {
	case "sleep":
		if len(c.Args) != 3 {
			c.Err(ErrSyntax)
			return
		}
		secs, err := parseFloat(c.Args[2])
		if err != nil || secs < 0 || secs > 3600 {
			c.Err(ErrNotFloat)
			return
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		c.W.OK()
	case "set-active-expire":
		if len(c.Args) != 3 {
			c.Err(ErrSyntax)
			return
		}
		c.Host.SetActiveExpire(string(c.Args[2]) == "1")
		c.W.OK()
	case "help":
		WriteHelp(c, "DEBUG", []string{
			"SET-ACTIVE-EXPIRE <0|1>", "    Setting it to 0 disables expiring keys in background when they are not accessed.",
			"SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
		})
	default:
		c.Err("ERR unknown subcommand '" + string(c.Args[1]) + "'. Try DEBUG HELP.")
	}
}

func memoryUsage(c *Ctx) {
	if len(c.Args) != 3 && !(len(c.Args) == 5 && strings.EqualFold(string(c.Args[3]), "samples")) {
		c.Err(ErrSyntax)
		return
	}
	o := c.Lookup(string(c.Args[2]))
	if o == nil {
		c.W.Null()
		return
	}
	c.W.Int(MemoryUsage(string(c.Args[2]), o))
}

func memoryHelp(c *Ctx) {
	WriteHelp(c, "MEMORY", []string{
		"USAGE <key> [SAMPLES <count>]", "    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}
