package acl

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"strings"

	"github.com/redoubt/redoubt/internal/command"
)

// Key pattern permissions (ACL_READ_PERMISSION, ACL_WRITE_PERMISSION).
const (
	permRead  uint8 = 1 << 0
	permWrite uint8 = 1 << 1
	permAll         = permRead | permWrite
)

type keyPattern struct {
	pattern string
	raw     []byte // pattern as bytes, so matching does not allocate; never modified
	perm    uint8
}

// selector is one set of command, key and channel permissions. Every user has a root
// selector and any number of extra ones, "(...)" in the rule language. A selector is never
// changed once it is published in a userState: SetUser works on a clone.
type selector struct {
	allKeys     bool
	allChannels bool
	allCommands bool // SELECTOR_FLAG_ALLCOMMANDS: +@all and no command removed since
	future      bool // Redis's reserved bitmap bit: set by +@all, cleared only by -@all
	allowed     []uint64
	firstArgs   map[int][]string // command id -> allowed first arguments, in insertion order
	keys        []keyPattern
	channels    []string
	chanRaw     [][]byte // channels as bytes, for allocation-free matching
}

func newSelector(allChannels bool) *selector {
	return &selector{
		allChannels: allChannels,
		allowed:     make([]uint64, (index().n+63)/64),
	}
}

func (s *selector) clone() *selector {
	c := *s
	c.allowed = append([]uint64(nil), s.allowed...)
	c.keys = append([]keyPattern(nil), s.keys...)
	c.channels = append([]string(nil), s.channels...)
	c.chanRaw = append([][]byte(nil), s.chanRaw...)
	if s.firstArgs != nil {
		c.firstArgs = make(map[int][]string, len(s.firstArgs))
		for id, a := range s.firstArgs {
			c.firstArgs[id] = append([]string(nil), a...)
		}
	}
	return &c
}

func (s *selector) bit(id int) bool {
	if id < 0 || id/64 >= len(s.allowed) {
		return false
	}
	return s.allowed[id/64]&(1<<(uint(id)%64)) != 0
}

func (s *selector) setBit(id int, v bool) {
	if id < 0 || id/64 >= len(s.allowed) {
		return
	}
	if v {
		s.allowed[id/64] |= 1 << (uint(id) % 64)
	} else {
		s.allowed[id/64] &^= 1 << (uint(id) % 64)
		s.allCommands = false
	}
}

// changePerm allows or blocks a command; a container's subcommands follow it
// (ACLChangeSelectorPerm).
func (s *selector) changePerm(cmd *command.Spec, allow bool) {
	s.setBit(cmd.Id, allow)
	delete(s.firstArgs, cmd.Id)
	for _, sub := range cmd.Subs {
		s.setBit(sub.Id, allow)
	}
}

// setCategory applies +@cat / -@cat (ACLSetSelectorCommandBitsForCategory).
func (s *selector) setCategory(flag command.Category, allow bool) {
	ix := index()
	for _, top := range ix.tops {
		if top.Categories&flag != 0 {
			s.changePerm(top, allow)
		}
		for _, sub := range ix.subs[top.Id] {
			if sub.Categories&flag != 0 {
				s.changePerm(sub, allow)
			}
		}
	}
}

// countCategory counts the commands of a category the selector allows and denies.
func (s *selector) countCategory(flag command.Category) (on, off int) {
	index().walk(func(c *command.Spec) {
		if c.Categories&flag != 0 {
			if s.bit(c.Id) {
				on++
			} else {
				off++
			}
		}
	})
	return on, off
}

func (s *selector) setAllCommands(allow bool) {
	var w uint64
	if allow {
		w = ^uint64(0)
	}
	for i := range s.allowed {
		s.allowed[i] = w
	}
	s.allCommands = allow
	s.future = allow
	s.firstArgs = nil
}

func (s *selector) addFirstArg(id int, arg string) {
	if s.firstArgs == nil {
		s.firstArgs = map[int][]string{}
	}
	for _, a := range s.firstArgs[id] {
		if ascii.EqualFold(a, arg) {
			return
		}
	}
	s.firstArgs[id] = append(s.firstArgs[id], arg)
}

// errKind mirrors the errno values ACLSetUser reports, and so the error texts.
type errKind int

const (
	errSyntax       errKind = iota + 1 // EINVAL
	errUnknown                         // ENOENT
	errKeyAfterAll                     // EEXIST
	errChanAfterAll                    // EISDIR
	errNoPassword                      // ENODEV
	errBadHash                         // EBADMSG
	errFirstArgSub                     // ECHILD
)

func (k errKind) String() string {
	switch k {
	case errUnknown:
		return "Unknown command or category name in ACL"
	case errSyntax:
		return "Syntax error"
	case errKeyAfterAll:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	case errChanAfterAll:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	case errNoPassword:
		return "The password you are trying to remove from the user does not exist"
	case errBadHash:
		return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	case errFirstArgSub:
		return "Allowing first-arg of a subcommand is not supported"
	}
	return "Wrong format"
}

// hasSpaces is ACLStringHasSpaces: C isspace or NUL.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}

// apply is ACLSetSelector: one rule that concerns commands, keys or channels.
func (s *selector) apply(op string) errKind {
	switch {
	case ascii.EqualFold(op, "allkeys") || op == "~*":
		s.allKeys = true
		s.keys = nil
	case ascii.EqualFold(op, "resetkeys"):
		s.allKeys = false
		s.keys = nil
	case ascii.EqualFold(op, "allchannels") || op == "&*":
		s.allChannels = true
		s.channels, s.chanRaw = nil, nil
	case ascii.EqualFold(op, "resetchannels"):
		s.allChannels = false
		s.channels, s.chanRaw = nil, nil
	case ascii.EqualFold(op, "allcommands") || ascii.EqualFold(op, "+@all"):
		s.setAllCommands(true)
	case ascii.EqualFold(op, "nocommands") || ascii.EqualFold(op, "-@all"):
		s.setAllCommands(false)
	case op != "" && (op[0] == '~' || op[0] == '%'):
		if s.allKeys {
			return errKeyAfterAll
		}
		var perm uint8
		off := 1
		if op[0] == '%' {
			for ; off < len(op); off++ {
				c := op[off]
				if (c == 'R' || c == 'r') && perm&permRead == 0 {
					perm |= permRead
				} else if (c == 'W' || c == 'w') && perm&permWrite == 0 {
					perm |= permWrite
				} else if c == '~' {
					off++
					break
				} else {
					return errSyntax
				}
			}
			// Redis 7.0.15 refuses "%~x" (no permission) but takes "%R" as "%R~" (the
			// empty pattern).
			if perm == 0 {
				return errSyntax
			}
		} else {
			perm = permAll
		}
		pat := op[off:]
		if hasSpaces(pat) {
			return errSyntax
		}
		found := false
		for i := range s.keys {
			if s.keys[i].pattern == pat {
				s.keys[i].perm |= perm
				found = true
				break
			}
		}
		if !found {
			s.keys = append(s.keys, keyPattern{pattern: pat, raw: []byte(pat), perm: perm})
		}
		s.allKeys = false
	case op != "" && op[0] == '&':
		if s.allChannels {
			return errChanAfterAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return errSyntax
		}
		found := false
		for _, c := range s.channels {
			if c == pat {
				found = true
				break
			}
		}
		if !found {
			s.channels = append(s.channels, pat)
			s.chanRaw = append(s.chanRaw, []byte(pat))
		}
		s.allChannels = false
	case op != "" && op[0] == '+' && !strings.HasPrefix(op, "+@"):
		name := op[1:]
		i := strings.LastIndexByte(name, '|')
		if i < 0 {
			cmd := lookupRuleCommand(name)
			if cmd == nil {
				return errUnknown
			}
			s.changePerm(cmd, true)
			break
		}
		cmd := lookupRuleCommand(name[:i])
		if cmd == nil {
			return errUnknown
		}
		if cmd.Parent() != nil {
			return errFirstArgSub
		}
		sub := name[i+1:]
		if sub == "" {
			return errSyntax
		}
		if len(cmd.Subs) > 0 {
			cmd = lookupRuleCommand(name)
			if cmd == nil {
				return errUnknown
			}
			s.changePerm(cmd, true)
			break
		}
		// "+select|0": a first argument of an otherwise blocked command (deprecated in
		// Redis, kept for compatibility).
		s.addFirstArg(cmd.Id, sub)
	case op != "" && op[0] == '-' && !strings.HasPrefix(op, "-@"):
		cmd := lookupRuleCommand(op[1:])
		if cmd == nil {
			return errUnknown
		}
		s.changePerm(cmd, false)
	case strings.HasPrefix(op, "+@") || strings.HasPrefix(op, "-@"):
		flag := categoryFlag(op[2:])
		if flag == 0 {
			return errUnknown
		}
		s.setCategory(flag, op[0] == '+')
	default:
		return errSyntax
	}
	return 0
}
