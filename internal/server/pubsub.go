package server

import (
	"sort"
	"strconv"
	"strings"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/config"
	"github.com/redoubt/redoubt/internal/glob"
)

func init() { config.MarkImplemented("notify-keyspace-events") }

// pubsub holds subscriptions, under s.mu. A name maps to its subscribers in the order they
// subscribed; clients keep their own names in subscription order so UNSUBSCRIBE with no
// arguments answers in a stable order.
type pubsub struct {
	subs [3]map[string][]*client // indexed by command.SubKind
}

func (p *pubsub) init() {
	for i := range p.subs {
		p.subs[i] = map[string][]*client{}
	}
}

// subscription is one client's membership in one namespace.
type subscription struct {
	names []string
	index map[string]bool
}

var subNames = [3][2]string{
	command.KindChannel: {"subscribe", "unsubscribe"},
	command.KindPattern: {"psubscribe", "punsubscribe"},
	command.KindShard:   {"ssubscribe", "sunsubscribe"},
}

// subCount is what subscribe replies report: shard subscriptions count separately.
func (c *client) subCount(kind command.SubKind) int {
	if kind == command.KindShard {
		return len(c.subs[command.KindShard].names)
	}
	return len(c.subs[command.KindChannel].names) + len(c.subs[command.KindPattern].names)
}

// Subscribed reports whether the client is in RESP2 subscriber mode.
func (c *client) Subscribed() bool {
	return len(c.subs[0].names)+len(c.subs[1].names)+len(c.subs[2].names) > 0
}

func (s *Server) Subscribe(ctx *command.Ctx, kind command.SubKind, names [][]byte) {
	c := ctx.Conn.(*client)
	c.makeAsync()
	sub := &c.subs[kind]
	if sub.index == nil {
		sub.index = map[string]bool{}
	}
	for _, n := range names {
		name := string(n)
		if !sub.index[name] {
			sub.index[name] = true
			sub.names = append(sub.names, name)
			s.pubsub.subs[kind][name] = append(s.pubsub.subs[kind][name], c)
		}
		ctx.W.Push(3)
		ctx.W.BulkString(subNames[kind][0])
		ctx.W.Bulk(n)
		ctx.W.Int(int64(c.subCount(kind)))
	}
}

func (s *Server) Unsubscribe(ctx *command.Ctx, kind command.SubKind, names [][]byte) {
	c := ctx.Conn.(*client)
	sub := &c.subs[kind]
	if len(names) == 0 {
		if len(sub.names) == 0 {
			ctx.W.Push(3)
			ctx.W.BulkString(subNames[kind][1])
			ctx.W.Null()
			ctx.W.Int(int64(c.subCount(kind)))
			return
		}
		for _, n := range append([]string(nil), sub.names...) {
			names = append(names, []byte(n))
		}
	}
	for _, n := range names {
		s.removeSub(c, kind, string(n))
		ctx.W.Push(3)
		ctx.W.BulkString(subNames[kind][1])
		ctx.W.Bulk(n)
		ctx.W.Int(int64(c.subCount(kind)))
	}
}

func (s *Server) removeSub(c *client, kind command.SubKind, name string) {
	sub := &c.subs[kind]
	if !sub.index[name] {
		return
	}
	delete(sub.index, name)
	for i, n := range sub.names {
		if n == name {
			sub.names = append(sub.names[:i], sub.names[i+1:]...)
			break
		}
	}
	list := s.pubsub.subs[kind][name]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.pubsub.subs[kind], name)
	} else {
		s.pubsub.subs[kind][name] = list
	}
}

// dropSubscriptions removes every subscription of a closing or RESET client. Under s.mu.
func (s *Server) dropSubscriptions(c *client) {
	for kind := range c.subs {
		for _, n := range append([]string(nil), c.subs[kind].names...) {
			s.removeSub(c, command.SubKind(kind), n)
		}
	}
}

// Publish delivers msg to the channel's subscribers and, for ordinary channels, to matching
// pattern subscribers, and returns how many received it. Under s.mu.
func (s *Server) Publish(kind command.SubKind, channel, msg []byte) int {
	n := 0
	kindName := "message"
	if kind == command.KindShard {
		kindName = "smessage"
	}
	for _, c := range s.pubsub.subs[kind][string(channel)] {
		c.out.Push(3)
		c.out.BulkString(kindName)
		c.out.Bulk(channel)
		c.out.Bulk(msg)
		c.pushed()
		n++
	}
	if kind != command.KindChannel {
		return n
	}
	for pattern, clients := range s.pubsub.subs[command.KindPattern] {
		if !glob.Match([]byte(pattern), channel, false) {
			continue
		}
		for _, c := range clients {
			c.out.Push(4)
			c.out.BulkString("pmessage")
			c.out.BulkString(pattern)
			c.out.Bulk(channel)
			c.out.Bulk(msg)
			c.pushed()
			n++
		}
	}
	return n
}

func (s *Server) Channels(kind command.SubKind, pattern []byte) []string {
	out := []string{}
	for name := range s.pubsub.subs[kind] {
		if pattern == nil || glob.Match(pattern, []byte(name), false) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Server) NumSub(kind command.SubKind, channel []byte) int {
	return len(s.pubsub.subs[kind][string(channel)])
}

func (s *Server) NumPat() int { return len(s.pubsub.subs[command.KindPattern]) }

// Notify publishes keyspace notifications as notify-keyspace-events asks: K for
// __keyspace@<db>__:<key> carrying the event, E for __keyevent@<db>__:<event> carrying the key.
func (s *Server) Notify(db int, class byte, event, key string) {
	flags := s.tun.get().notifyFlags
	if flags == "" || !strings.ContainsRune(flags, rune(class)) && !(strings.ContainsRune(flags, 'A') && strings.ContainsRune("g$lshzxetd", rune(class))) {
		return
	}
	dbs := strconv.Itoa(db)
	if strings.ContainsRune(flags, 'K') {
		s.Publish(command.KindChannel, []byte("__keyspace@"+dbs+"__:"+key), []byte(event))
	}
	if strings.ContainsRune(flags, 'E') {
		s.Publish(command.KindChannel, []byte("__keyevent@"+dbs+"__:"+event), []byte(key))
	}
}
