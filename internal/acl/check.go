package acl

import (
	"bytes"
	"github.com/redoubt/redoubt/internal/ascii"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/glob"
)

// Reason says why a command was refused. The order is Redis's (ACL_DENIED_*): when no
// selector grants a command, the highest reason found is reported.
type Reason int

const (
	Allowed       Reason = iota // ACL_OK
	DeniedCommand               // the command or subcommand is not allowed
	DeniedKey                   // a key is outside the allowed patterns
	DeniedAuth                  // a failed AUTH or HELLO (ACL LOG only)
	DeniedChannel               // a pub/sub channel is outside the allowed patterns
)

// String is the ACL LOG "reason" field.
func (r Reason) String() string {
	switch r {
	case DeniedCommand:
		return "command"
	case DeniedKey:
		return "key"
	case DeniedAuth:
		return "auth"
	case DeniedChannel:
		return "channel"
	}
	return "unknown"
}

// NoPermError is the error a refused command gets (Redis 7.0's texts), code included.
func NoPermError(spec *command.Spec, r Reason) string {
	switch r {
	case DeniedKey:
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	case DeniedChannel:
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	return "NOPERM this user has no permissions to run the '" + spec.Name + "' command"
}

// DenialObject is the ACL LOG "object" of a refusal: the command's full name, or the key or
// channel argument at pos, or for DeniedAuth the command name as the client sent it.
func DenialObject(spec *command.Spec, args [][]byte, r Reason, pos int) string {
	switch r {
	case DeniedCommand:
		return spec.Name
	case DeniedKey, DeniedChannel:
		if pos >= 0 && pos < len(args) {
			return string(args[pos])
		}
	case DeniedAuth:
		if len(args) > 0 {
			return string(args[0])
		}
	}
	return ""
}

// Check tells whether the user may run spec (the command or subcommand that will run, as
// command.Resolve returns it) with args (args[0] is the command name). The command is
// allowed when one selector allows the command itself, every key that spec.KeyPositions
// finds in args, and every channel it names. Otherwise reason is the most relevant denial
// over all selectors, Redis's way (channel over key over command; for equal reasons the
// later argument), and pos is the index of the offending key or channel argument (0 for a
// command denial). A nil user may run anything, as a Redis client without a user.
func (u *User) Check(spec *command.Spec, args [][]byte) (ok bool, reason Reason, pos int) {
	if u == nil {
		return true, Allowed, 0
	}
	st := u.state.Load()
	c := checkCtx{spec: spec, args: args}
	relevant, last := DeniedCommand, 0
	for _, s := range st.selectors {
		r, idx := s.check(&c)
		if r == Allowed {
			return true, Allowed, 0
		}
		if r > relevant || (r == relevant && idx > last) {
			relevant, last = r, idx
		}
	}
	return false, relevant, last
}

// checkCtx computes the key positions once for all the selectors of one check.
type checkCtx struct {
	spec     *command.Spec
	args     [][]byte
	keys     []command.KeyRef
	keysDone bool
}

func (c *checkCtx) keyRefs() []command.KeyRef {
	if !c.keysDone {
		c.keys = c.spec.KeyPositions(c.args)
		c.keysDone = true
	}
	return c.keys
}

// check is ACLSelectorCheckCmd.
func (s *selector) check(c *checkCtx) (Reason, int) {
	spec, args := c.spec, c.args
	if !s.allCommands && spec.Flags&command.NoAuth == 0 && !s.bit(spec.Id) {
		allowed := false
		if len(args) >= 2 {
			idx := 1
			if spec.Parent() != nil {
				idx = 2
			}
			if idx < len(args) {
				for _, a := range s.firstArgs[spec.Id] {
					if bytesEqualFold(args[idx], a) {
						allowed = true
						break
					}
				}
			}
		}
		if !allowed {
			return DeniedCommand, 0
		}
	}
	if !s.allKeys && len(spec.Keys) > 0 {
		for _, k := range c.keyRefs() {
			if !s.checkKey(args[k.Pos], k.Flags) {
				return DeniedKey, k.Pos
			}
		}
	}
	if !s.allChannels && spec.Parent() == nil {
		first, n, literal := 0, 0, false
		switch index().channels[spec.Id] {
		case chanFirst:
			first, n = 1, 1
		case chanAll:
			first, n = 1, len(args)-1
		case chanLiteral:
			first, n, literal = 1, len(args)-1, true
		}
		for j := first; j < first+n && j < len(args); j++ {
			if !matchChannel(s.chanRaw, args[j], literal) {
				return DeniedChannel, j
			}
		}
	}
	return Allowed, 0
}

// keyPerm is the permission a key needs, from the logical key-spec flags as Redis derives
// it: access needs read; insert, delete and update need write. A key with only RO/RW/OW/RM
// (STRLEN, EXISTS, TYPE) needs neither, so either kind of pattern covers it.
func keyPerm(f command.KeyFlags) uint8 {
	var p uint8
	if f&command.Access != 0 {
		p |= permRead
	}
	if f&(command.Insert|command.Delete|command.Update) != 0 {
		p |= permWrite
	}
	return p
}

// checkKey is ACLSelectorCheckKey.
func (s *selector) checkKey(key []byte, flags command.KeyFlags) bool {
	if s.allKeys {
		return true
	}
	need := keyPerm(flags)
	for _, k := range s.keys {
		if k.perm&need != need {
			continue
		}
		if glob.Match(k.raw, key, false) {
			return true
		}
	}
	return false
}

// matchChannel is ACLCheckChannelAgainstList: glob matching, or for literal (PSUBSCRIBE
// patterns) exact equality with an ACL pattern.
func matchChannel(patterns [][]byte, ch []byte, literal bool) bool {
	for _, p := range patterns {
		if literal {
			if bytes.Equal(p, ch) {
				return true
			}
		} else if glob.Match(p, ch, false) {
			return true
		}
	}
	return false
}

// CheckKey tells whether any selector of the user lets it touch key with the given key-spec
// flags (ACLUserCheckKeyPerm), for commands that find keys outside their key specs.
func (u *User) CheckKey(key []byte, flags command.KeyFlags) bool {
	if u == nil {
		return true
	}
	for _, s := range u.state.Load().selectors {
		if s.checkKey(key, flags) {
			return true
		}
	}
	return false
}

// CheckChannel tells whether any selector of the user allows a channel
// (ACLUserCheckChannelPerm). isPattern is for PSUBSCRIBE patterns, which must equal an ACL
// channel pattern literally rather than match it. After SETUSER, the server can use it to
// find subscribers whose subscriptions the new rules no longer allow.
func (u *User) CheckChannel(channel []byte, isPattern bool) bool {
	if u == nil {
		return true
	}
	for _, s := range u.state.Load().selectors {
		if s.allChannels || matchChannel(s.chanRaw, channel, isPattern) {
			return true
		}
	}
	return false
}

// bytesEqualFold compares ASCII case-insensitively, exactly (no C-string truncation).
func bytesEqualFold(a []byte, b string) bool {
	return ascii.EqualFold(string(a), b)
}
