package acl

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"sort"
	"strings"
	"sync"

	"github.com/redoubt/redoubt/internal/command"
)

// cmdIndex is the view of the command table that ACL works on: every spec by id, and a
// fixed walk order (top-level commands by name, each followed by its subcommands by name)
// that plays the part of Redis's command-dict iteration. Redis walks a hash table seeded
// at random on each start, so the order of single-command rules in its ACL LIST differs
// from run to run; ours is the same every time.
type cmdIndex struct {
	n        int // command.Count(): ids are 0..n-1
	byID     []*command.Spec
	tops     []*command.Spec
	subs     map[int][]*command.Spec // top-level id -> subcommands sorted by name
	channels map[int]chanKind        // commands whose arguments name pub/sub channels
}

// chanKind says where a pub/sub command's channels are and how they are matched.
type chanKind uint8

const (
	chanNone    chanKind = iota
	chanFirst            // PUBLISH, SPUBLISH: argument 1 only
	chanAll              // SUBSCRIBE, SSUBSCRIBE: arguments 1..n, glob-matched
	chanLiteral          // PSUBSCRIBE: arguments 1..n compared literally with the ACL patterns
)

var (
	indexOnce sync.Once
	theIndex  *cmdIndex
)

func index() *cmdIndex {
	indexOnce.Do(func() {
		ix := &cmdIndex{
			n:        command.Count(),
			subs:     map[int][]*command.Spec{},
			channels: map[int]chanKind{},
		}
		ix.byID = make([]*command.Spec, ix.n)
		tops := append([]*command.Spec(nil), command.All()...)
		sort.Slice(tops, func(i, j int) bool { return tops[i].Name < tops[j].Name })
		ix.tops = tops
		for _, s := range tops {
			ix.put(s)
			if len(s.Subs) > 0 {
				subs := append([]*command.Spec(nil), s.Subs...)
				sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
				ix.subs[s.Id] = subs
				for _, sub := range subs {
					ix.put(sub)
				}
			}
			switch s.Name {
			case "publish", "spublish":
				ix.channels[s.Id] = chanFirst
			case "subscribe", "ssubscribe":
				ix.channels[s.Id] = chanAll
			case "psubscribe":
				ix.channels[s.Id] = chanLiteral
			}
		}
		theIndex = ix
	})
	return theIndex
}

func (ix *cmdIndex) put(s *command.Spec) {
	if s.Id >= 0 && s.Id < ix.n {
		ix.byID[s.Id] = s
	}
}

// walk calls f for every command in the index order: each top-level command, then its
// subcommands.
func (ix *cmdIndex) walk(f func(s *command.Spec)) {
	for _, s := range ix.tops {
		f(s)
		for _, sub := range ix.subs[s.Id] {
			f(sub)
		}
	}
}

// lookup resolves a rule's command name the way Redis's ACLLookupCommand does: "get" or
// "config|get", case-insensitively; a bare container name is the container itself; more
// than one '|', or '|' after a command without subcommands, is not found.
func lookupRuleCommand(name string) *command.Spec {
	// Redis compares names with strcasecmp (ASCII only); command.Lookup folds Unicode, under
	// which "\u212a" (KELVIN SIGN) would name "k...". No command name is non-ASCII.
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 || name[i] == 0 {
			return nil
		}
	}
	name = ascii.Lower(name)
	parent, sub, hasSub := strings.Cut(name, "|")
	if hasSub && strings.Contains(sub, "|") {
		return nil
	}
	base := command.Lookup([]byte(parent))
	if base == nil || !hasSub {
		return base
	}
	if len(base.Subs) == 0 {
		return nil
	}
	return base.Sub([]byte(sub))
}

// categoryFlag returns the category bit for a (case-insensitive) name, or 0.
func categoryFlag(name string) command.Category {
	for i, n := range command.CategoryNames {
		if ascii.EqualFold(n, name) {
			return 1 << i
		}
	}
	return 0
}
