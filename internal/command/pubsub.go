package command

import "strings"

const subFlags = PubSub | NoScript | Loading | Stale

var pubsubCommands = []*Spec{
	{Name: "subscribe", Arity: -2, Flags: subFlags, Handler: func(c *Ctx) { subscribe(c, KindChannel) },
		Summary: "Listen for messages published to the given channels", Since: "2.0.0", Group: "pubsub", Complexity: "O(N) where N is the number of channels to subscribe to."},
	{Name: "unsubscribe", Arity: -1, Flags: subFlags, Handler: func(c *Ctx) { unsubscribe(c, KindChannel) },
		Summary: "Stop listening for messages posted to the given channels", Since: "2.0.0", Group: "pubsub", Complexity: "O(N) where N is the number of clients already subscribed to a channel."},
	{Name: "psubscribe", Arity: -2, Flags: subFlags, Handler: func(c *Ctx) { subscribe(c, KindPattern) },
		Summary: "Listen for messages published to channels matching the given patterns", Since: "2.0.0", Group: "pubsub", Complexity: "O(N) where N is the number of patterns the client is already subscribed to."},
	{Name: "punsubscribe", Arity: -1, Flags: subFlags, Handler: func(c *Ctx) { unsubscribe(c, KindPattern) },
		Summary: "Stop listening for messages posted to channels matching the given patterns", Since: "2.0.0", Group: "pubsub", Complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client)."},
	{Name: "ssubscribe", Arity: -2, Flags: subFlags, Handler: func(c *Ctx) { subscribe(c, KindShard) },
		Keys:    []KeySpec{{Flags: NotKey, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		Summary: "Listen for messages published to the given shard channels", Since: "7.0.0", Group: "pubsub", Complexity: "O(N) where N is the number of shard channels to subscribe to."},
	{Name: "sunsubscribe", Arity: -1, Flags: subFlags, Handler: func(c *Ctx) { unsubscribe(c, KindShard) },
		Keys:    []KeySpec{{Flags: NotKey, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
		Summary: "Stop listening for messages posted to the given shard channels", Since: "7.0.0", Group: "pubsub", Complexity: "O(N) where N is the number of clients already subscribed to a shard channel."},
	{Name: "publish", Arity: 3, Flags: PubSub | Loading | Stale | Fast | MayReplicate, Handler: func(c *Ctx) { publish(c, false) },
		Summary: "Post a message to a channel", Since: "2.0.0", Group: "pubsub", Complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client)."},
	{Name: "spublish", Arity: 3, Flags: PubSub | Loading | Stale | Fast | MayReplicate, Handler: func(c *Ctx) { publish(c, true) },
		Keys:    []KeySpec{{Flags: NotKey, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
		Summary: "Post a message to a shard channel", Since: "7.0.0", Group: "pubsub", Complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel."},
	{Name: "pubsub", Arity: -2, Categories: CatSlow, Summary: "A container for Pub/Sub commands", Since: "2.8.0", Group: "pubsub", Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			pubsubSub("channels", -2, pubsubChannels(KindChannel), "List active channels", "2.8.0", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)"),
			pubsubSub("numsub", -2, pubsubNumSub(KindChannel), "Get the count of subscribers for channels", "2.8.0", "O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
			pubsubSub("numpat", 2, pubsubNumPat, "Get the count of unique patterns pattern subscriptions", "2.8.0", "O(1)"),
			pubsubSub("shardchannels", -2, pubsubChannels(KindShard), "List active shard channels", "7.0.0", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels)."),
			pubsubSub("shardnumsub", -2, pubsubNumSub(KindShard), "Get the count of subscribers for shard channels", "7.0.0", "O(N) for the SHARDNUMSUB subcommand, where N is the requested shard channel count"),
			{Name: "help", Arity: 2, Flags: Loading | Stale, Handler: pubsubHelp, Summary: "Show helpful text about the different subcommands", Since: "6.2.0", Group: "pubsub", Complexity: "O(1)"},
		}},
}

func pubsubSub(name string, arity int, h func(*Ctx), summary, since, complexity string) *Spec {
	return &Spec{Name: name, Arity: arity, Flags: PubSub | Loading | Stale, Handler: h, Summary: summary, Since: since, Group: "pubsub", Complexity: complexity}
}

// SubKind separates the three subscription namespaces.
type SubKind int

const (
	KindChannel SubKind = iota
	KindPattern
	KindShard
)

// PubSubHost is the server's side of publish/subscribe, as handlers see it.
type PubSubHost interface {
	// Subscribe adds the calling connection to each name and writes the confirmations.
	Subscribe(c *Ctx, kind SubKind, names [][]byte)
	// Unsubscribe removes the names (all when empty) and writes the confirmations.
	Unsubscribe(c *Ctx, kind SubKind, names [][]byte)
	// Publish delivers msg and returns the number of receivers.
	Publish(kind SubKind, channel, msg []byte) int
	Channels(kind SubKind, pattern []byte) []string
	NumSub(kind SubKind, channel []byte) int
	NumPat() int
}

func ps(c *Ctx) PubSubHost { return c.Host.(PubSubHost) }

func subscribe(c *Ctx, kind SubKind) {
	if c.Conn.(Transactions).InMulti() {
		// Redis 7.0 refuses subscriptions inside MULTI only for RESP2 clients.
		if c.Conn.Proto() == 2 {
			c.Err("ERR Command not allowed inside a transaction")
			return
		}
	}
	ps(c).Subscribe(c, kind, c.Args[1:])
}

func unsubscribe(c *Ctx, kind SubKind) { ps(c).Unsubscribe(c, kind, c.Args[1:]) }

func publish(c *Ctx, shard bool) {
	kind := KindChannel
	if shard {
		kind = KindShard
	}
	c.W.Int(int64(ps(c).Publish(kind, c.Args[1], c.Args[2])))
}

func pubsubChannels(kind SubKind) func(*Ctx) {
	return func(c *Ctx) {
		if len(c.Args) > 3 {
			c.Err("ERR Unknown subcommand or wrong number of arguments for '" + strings.ToUpper(string(c.Args[1])) + "'. Try PUBSUB HELP.")
			return
		}
		var pattern []byte
		if len(c.Args) == 3 {
			pattern = c.Args[2]
		}
		c.W.StringArray(ps(c).Channels(kind, pattern))
	}
}

func pubsubNumSub(kind SubKind) func(*Ctx) {
	return func(c *Ctx) {
		c.W.Array(2 * (len(c.Args) - 2)) // a flat array even in RESP3, as Redis 7.0
		for _, ch := range c.Args[2:] {
			c.W.Bulk(ch)
			c.W.Int(int64(ps(c).NumSub(kind, ch)))
		}
	}
}

func pubsubNumPat(c *Ctx) { c.W.Int(int64(ps(c).NumPat())) }

func pubsubHelp(c *Ctx) {
	WriteHelp(c, "PUBSUB", []string{
		"CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT", "    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]", "    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]", "    Return the number of subscribers for the specified shard level channel(s)",
	})
}
