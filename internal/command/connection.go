package command

import (
	"strconv"
	"strings"
	"time"
)

// conn flags shared by the connection-management commands.
const connFlags = NoScript | Loading | Stale

var connectionCommands = []*Spec{
	{Name: "ping", Arity: -1, Flags: Fast, Categories: CatConnection, Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Handler: ping,
		Summary: "Ping the server", Since: "1.0.0", Group: "connection", Complexity: "O(1)"},
	{Name: "echo", Arity: 2, Flags: Loading | Stale | Fast, Categories: CatConnection, Handler: echo,
		Summary: "Echo the given string", Since: "1.0.0", Group: "connection", Complexity: "O(1)"},
	{Name: "quit", Arity: -1, Flags: connFlags | Fast | NoAuth | AllowBusy, Categories: CatConnection, Handler: quit,
		Summary: "Close the connection", Since: "1.0.0", Group: "connection", Complexity: "O(1)"},
	{Name: "reset", Arity: 1, Flags: connFlags | Fast | NoAuth | AllowBusy, Categories: CatConnection, Handler: reset,
		Summary: "Reset the connection", Since: "6.2.0", Group: "connection", Complexity: "O(1)"},
	{Name: "hello", Arity: -1, Flags: connFlags | Fast | NoAuth | AllowBusy, Categories: CatConnection, Handler: hello,
		Summary: "Handshake with Redis", Since: "6.0.0", Group: "connection", Complexity: "O(1)"},
	{Name: "auth", Arity: -2, Flags: connFlags | Fast | NoAuth | AllowBusy, Categories: CatConnection, Handler: auth,
		Summary: "Authenticate to the server", Since: "1.0.0", Group: "connection", Complexity: "O(N) where N is the number of passwords defined for the user"},
	{Name: "select", Arity: 2, Flags: Loading | Stale | Fast, Categories: CatConnection, Handler: selectDB,
		Summary: "Change the selected database for the current connection", Since: "1.0.0", Group: "connection", Complexity: "O(1)"},
	{Name: "client", Arity: -2, Categories: CatSlow, Summary: "A container for client connection commands", Since: "2.4.0", Group: "connection", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			clientSub("id", 2, 0, clientID, "Returns the client ID for the current connection", "5.0.0", "O(1)"),
			clientSub("setname", 3, 0, clientSetName, "Set the current connection name", "2.6.9", "O(1)"),
			clientSub("getname", 2, 0, clientGetName, "Get the current connection name", "2.6.9", "O(1)"),
			clientSub("list", -2, Admin, clientList, "Get the list of client connections", "2.4.0", "O(N) where N is the number of client connections", "nondeterministic_output"),
			clientSub("info", 2, 0, clientInfo, "Returns information about the current client connection.", "6.2.0", "O(1)", "nondeterministic_output"),
			clientSub("kill", -3, Admin, clientKill, "Kill the connection of a client", "2.4.0", "O(N) where N is the number of client connections"),
			clientSub("pause", -3, Admin, clientPause, "Stop processing commands from clients for some time", "2.9.50", "O(1)"),
			clientSub("unpause", 2, Admin, clientUnpause, "Resume processing of clients that were paused", "6.2.0", "O(N) Where N is the number of paused clients"),
			clientSub("reply", 3, 0, clientReply, "Instruct the server whether to reply to commands", "3.2.0", "O(1)"),
			clientSub("unblock", -3, Admin, clientUnblock, "Unblock a client blocked in a blocking command from a different connection", "5.0.0", "O(log N) where N is the number of client connections"),
			clientSub("no-evict", 3, Admin, clientNoEvict, "Set client eviction mode for the current connection", "7.0.0", "O(1)"),
			clientSub("no-touch", 3, 0, clientNoTouch, "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.", "7.2.0", "O(1)"),
			{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatConnection, Handler: clientHelp,
				Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Group: "connection", Complexity: "O(1)"},
		}},
}

func clientSub(name string, arity int, flags Flags, h func(*Ctx), summary, since, complexity string, tips ...string) *Spec {
	return &Spec{Name: name, Arity: arity, Flags: flags | connFlags, Categories: CatConnection, Handler: h, Tips: tips,
		Summary: summary, Since: since, Group: "connection", Complexity: complexity}
}

func ping(c *Ctx) {
	// A RESP2 subscriber gets PING's answer shaped like a message, as in Redis.
	if sub, ok := c.Conn.(interface{ Subscribed() bool }); ok && sub.Subscribed() && c.W.Proto == 2 && len(c.Args) <= 2 {
		c.W.Array(2)
		c.W.BulkString("pong")
		if len(c.Args) == 2 {
			c.W.Bulk(c.Args[1])
		} else {
			c.W.BulkString("")
		}
		return
	}
	switch len(c.Args) {
	case 1:
		c.W.Simple("PONG")
	case 2:
		c.W.Bulk(c.Args[1])
	default:
		c.Err("ERR wrong number of arguments for 'ping' command")
	}
}

func echo(c *Ctx) { c.W.Bulk(c.Args[1]) }

func quit(c *Ctx) {
	c.W.OK()
	c.Conn.CloseAfterReply()
}

func reset(c *Ctx) {
	c.Conn.Reset()
	c.W.Proto = 2
	c.W.Simple("RESET")
}

func auth(c *Ctx) {
	if len(c.Args) > 3 {
		c.Err(ErrSyntax)
		return
	}
	user, pass := "default", string(c.Args[1])
	if len(c.Args) == 3 {
		user, pass = string(c.Args[1]), string(c.Args[2])
	} else if !c.Host.PasswordSet() {
		c.Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if msg := c.Conn.Authenticate(user, pass); msg != "" {
		c.Err(msg)
		return
	}
	c.W.OK()
}

// hello negotiates the protocol and optionally authenticates and names the connection,
// all or nothing: a failed AUTH leaves the protocol unchanged.
func hello(c *Ctx) {
	proto := c.Conn.Proto()
	i := 1
	if len(c.Args) >= 2 {
		v, err := strconv.ParseInt(string(c.Args[1]), 10, 64)
		if err != nil {
			c.Err("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.Err("NOPROTO unsupported protocol version")
			return
		}
		proto, i = int(v), 2
	}
	var user, pass, name string
	var doAuth, doName bool
	for ; i < len(c.Args); i++ {
		opt := strings.ToLower(string(c.Args[i]))
		switch {
		case opt == "auth" && i+2 < len(c.Args):
			user, pass, doAuth = string(c.Args[i+1]), string(c.Args[i+2]), true
			i += 2
		case opt == "setname" && i+1 < len(c.Args):
			name, doName = string(c.Args[i+1]), true
			i++
		default:
			c.Err("ERR Syntax error in HELLO option '" + string(c.Args[i]) + "'")
			return
		}
	}
	if doName && !validClientName(name) {
		c.Err("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	if doAuth {
		if msg := c.Conn.Authenticate(user, pass); msg != "" {
			c.Err(msg)
			return
		}
	}
	if !doAuth && !c.Conn.Authenticated() {
		c.Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if doName {
		c.Conn.SetName(name)
	}
	c.Conn.SetProto(proto)
	c.W.Proto = proto
	c.W.Map(7)
	c.W.BulkString("server")
	c.W.BulkString("redis")
	c.W.BulkString("version")
	c.W.BulkString(RedisVersion)
	c.W.BulkString("proto")
	c.W.Int(int64(proto))
	c.W.BulkString("id")
	c.W.Int(c.Conn.ID())
	c.W.BulkString("mode")
	c.W.BulkString("standalone")
	c.W.BulkString("role")
	c.W.BulkString("master")
	c.W.BulkString("modules")
	c.W.Array(0)
}

// RedisVersion is the Redis version Redoubt is compatible with; clients gate features on it.
const RedisVersion = "7.0.15"

func selectDB(c *Ctx) {
	n, ok := c.ArgInt(1)
	if !ok {
		return
	}
	if n < 0 || n >= int64(c.Host.NumDBs()) {
		c.Err(ErrDBIndex)
		return
	}
	c.Conn.Select(int(n))
	c.DB = c.Host.DB(int(n))
	c.W.OK()
}

func clientID(c *Ctx) { c.W.Int(c.Conn.ID()) }

// validClientName allows what Redis allows: printable ASCII without spaces.
func validClientName(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] < '!' || name[i] > '~' {
			return false
		}
	}
	return true
}

func clientSetName(c *Ctx) {
	name := string(c.Args[2])
	if !validClientName(name) {
		c.Err("ERR Client names cannot contain spaces, newlines or special characters.")
		return
	}
	c.Conn.SetName(name)
	c.W.OK()
}

func clientGetName(c *Ctx) {
	if n := c.Conn.Name(); n != "" {
		c.W.BulkString(n)
	} else {
		c.W.Null()
	}
}

func clientInfo(c *Ctx) { c.W.Verbatim("txt", c.Conn.Describe()+"\n") }

func clientList(c *Ctx) {
	var typ string
	var ids []int64
	switch {
	case len(c.Args) == 4 && strings.EqualFold(string(c.Args[2]), "type"):
		typ = strings.ToLower(string(c.Args[3]))
		switch typ {
		case "normal", "master", "replica", "slave", "pubsub":
		default:
			c.Err("ERR Unknown client type '" + string(c.Args[3]) + "'")
			return
		}
	case len(c.Args) >= 4 && strings.EqualFold(string(c.Args[2]), "id"):
		for _, a := range c.Args[3:] {
			id, ok := ParseInt(a)
			if !ok || id <= 0 {
				c.Err("ERR Invalid client ID")
				return
			}
			ids = append(ids, id)
		}
	case len(c.Args) != 2:
		c.Err(ErrSyntax)
		return
	}
	c.W.Verbatim("txt", c.Host.ClientList(typ, ids))
}

func clientKill(c *Ctx) {
	f := KillFilter{CallerID: c.Conn.ID()}
	if len(c.Args) == 3 { // old form: CLIENT KILL addr:port
		f.Addr = string(c.Args[2])
		if c.Host.KillClients(f) == 0 {
			c.Err("ERR No such client")
			return
		}
		c.W.OK()
		return
	}
	f.SkipMe = true
	if len(c.Args)%2 != 0 {
		c.Err(ErrSyntax)
		return
	}
	for i := 2; i < len(c.Args); i += 2 {
		val := string(c.Args[i+1])
		switch strings.ToLower(string(c.Args[i])) {
		case "id":
			id, ok := ParseInt(c.Args[i+1])
			if !ok || id <= 0 {
				c.Err("ERR client-id should be greater than 0")
				return
			}
			f.ID = id
		case "type":
			switch t := strings.ToLower(val); t {
			case "normal", "master", "replica", "slave", "pubsub":
				f.Type = t
			default:
				c.Err("ERR Unknown client type '" + val + "'")
				return
			}
		case "addr":
			f.Addr = val
		case "laddr":
			f.LAddr = val
		case "user":
			f.User = val
		case "skipme":
			switch strings.ToLower(val) {
			case "yes":
				f.SkipMe = true
			case "no":
				f.SkipMe = false
			default:
				c.Err(ErrSyntax)
				return
			}
		case "maxage":
			n, ok := ParseInt(c.Args[i+1])
			if !ok {
				c.Err(ErrNotInt)
				return
			}
			f.MaxAge = n
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	c.W.Int(int64(c.Host.KillClients(f)))
}

func clientPause(c *Ctx) {
	ms, ok := ParseInt(c.Args[2])
	if !ok {
		c.Err("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		c.Err("ERR timeout is negative")
		return
	}
	writesOnly := false
	if len(c.Args) == 4 {
		switch strings.ToLower(string(c.Args[3])) {
		case "write":
			writesOnly = true
		case "all":
		default:
			c.Err("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	} else if len(c.Args) > 4 {
		c.Err(ErrSyntax)
		return
	}
	until := time.Now().UnixMilli() + min(ms, 1<<53)
	c.Host.Pause(until, writesOnly)
	c.W.OK()
}

func clientUnblock(c *Ctx) {
	id, ok := c.ArgInt(2)
	if !ok {
		return
	}
	withError := false
	if len(c.Args) == 4 {
		switch {
		case eqFold(c.Args[3], "timeout"):
		case eqFold(c.Args[3], "error"):
			withError = true
		default:
			c.Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	} else if len(c.Args) > 4 {
		c.Err(ErrSyntax)
		return
	}
	c.W.Int(int64(c.Host.UnblockClient(id, withError)))
}

func clientUnpause(c *Ctx) {
	c.Host.Unpause()
	c.W.OK()
}

func clientReply(c *Ctx) {
	switch m := strings.ToLower(string(c.Args[2])); m {
	case "on":
		c.Conn.SetReplyMode(m)
		c.W.OK()
	case "off", "skip":
		c.Conn.SetReplyMode(m)
	default:
		c.Err(ErrSyntax)
	}
}

func onOff(c *Ctx, set func(bool)) {
	switch strings.ToLower(string(c.Args[2])) {
	case "on":
		set(true)
	case "off":
		set(false)
	default:
		c.Err(ErrSyntax)
		return
	}
	c.W.OK()
}

func clientNoEvict(c *Ctx) { onOff(c, c.Conn.SetNoEvict) }
func clientNoTouch(c *Ctx) { onOff(c, c.Conn.SetNoTouch) }

func clientHelp(c *Ctx) {
	WriteHelp(c, "CLIENT", []string{
		"CACHING (YES|NO)", "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME", "    Return the name of the current connection.",
		"ID", "    Return the ID of the current connection.",
		"INFO", "    Return information about the current client connection.",
		"KILL <ip:port>", "    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
		"    * USER <username>", "      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
		"    * ID <client-id>", "      Kill connections by client id.",
		"    * MAXAGE <maxage>", "      Kill connections older than the specified age.",
		"LIST [options ...]", "    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
		"UNPAUSE", "    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
		"SETNAME <name>", "    Assign the name <name> to the current connection.",
		"NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
		"NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
	})
}

// WriteHelp writes a HELP reply in Redis's shape: a title line, the lines, and the HELP line.
func WriteHelp(c *Ctx, cmd string, lines []string) {
	c.W.Array(len(lines) + 3)
	c.W.Simple(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.W.Simple(l)
	}
	c.W.Simple("HELP")
	c.W.Simple("    Prints this help.")
}
