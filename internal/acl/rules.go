package acl

import (
	"crypto/sha256"
	"encoding/hex"
	"github.com/redoubt/redoubt/internal/ascii"
	"github.com/redoubt/redoubt/internal/sdsargs"
	"strings"
)

// userState is everything a user is, apart from its name. It is immutable once published:
// SetUser builds a new one and swaps it in, so checks run without locks.
type userState struct {
	enabled      bool
	nopass       bool
	sanitize     bool // "sanitize-payload"
	skipSanitize bool // "skip-sanitize-payload"
	passwords    []string
	selectors    []*selector // [0] is the root selector
}

func newUserState(allChannels bool) *userState {
	return &userState{selectors: []*selector{newSelector(allChannels)}}
}

func (st *userState) clone() *userState {
	c := *st
	c.passwords = append([]string(nil), st.passwords...)
	c.selectors = make([]*selector, len(st.selectors))
	for i, s := range st.selectors {
		c.selectors[i] = s.clone()
	}
	return &c
}

func (st *userState) root() *selector { return st.selectors[0] }

// hashPassword returns the lower-case hex SHA-256 of a cleartext password, the only form
// in which passwords are kept.
func hashPassword(pass string) string {
	sum := sha256.Sum256([]byte(pass))
	return hex.EncodeToString(sum[:])
}

// validHash is ACLCheckPasswordHash: 64 lower-case hex characters.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// apply is ACLSetUser: one rule (after selector merging) applied to a state being built.
// allChannels is the acl-pubsub-default in force for new selectors and "reset".
func (st *userState) apply(op string, allChannels bool) errKind {
	if op == "" {
		return 0 // an empty rule is a no-op
	}
	switch op[0] {
	case '>', '#':
		var h string
		if op[0] == '>' {
			h = hashPassword(op[1:])
		} else {
			h = op[1:]
			if !validHash(h) {
				return errBadHash
			}
		}
		found := false
		for _, p := range st.passwords {
			if p == h {
				found = true
				break
			}
		}
		if !found {
			st.passwords = append(st.passwords, h)
		}
		st.nopass = false
		return 0
	case '<', '!':
		var h string
		if op[0] == '<' {
			h = hashPassword(op[1:])
		} else {
			h = op[1:]
			if !validHash(h) {
				return errBadHash
			}
		}
		for i, p := range st.passwords {
			if p == h {
				st.passwords = append(st.passwords[:i:i], st.passwords[i+1:]...)
				return 0
			}
		}
		return errNoPassword
	}
	// Redis reads every other rule as a C string, so a NUL byte would silently cut it
	// ("+get\x00anything" is "+get" there). We refuse such rules instead.
	if strings.IndexByte(op, 0) >= 0 {
		return errSyntax
	}
	switch {
	case ascii.EqualFold(op, "on"):
		st.enabled = true
	case ascii.EqualFold(op, "off"):
		st.enabled = false
	case ascii.EqualFold(op, "skip-sanitize-payload"):
		st.skipSanitize, st.sanitize = true, false
	case ascii.EqualFold(op, "sanitize-payload"):
		st.skipSanitize, st.sanitize = false, true
	case ascii.EqualFold(op, "nopass"):
		st.nopass = true
		st.passwords = nil
	case ascii.EqualFold(op, "resetpass"):
		st.nopass = false
		st.passwords = nil
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(allChannels)
		for _, a := range selectorArgs(op[1 : len(op)-1]) {
			if k := s.apply(a); k != 0 {
				return k
			}
		}
		st.selectors = append(st.selectors, s)
	case ascii.EqualFold(op, "clearselectors"):
		st.selectors = st.selectors[:1:1]
	case ascii.EqualFold(op, "reset"):
		st.nopass = false
		st.passwords = nil
		root := st.root()
		root.apply("resetkeys")
		root.apply("resetchannels")
		if allChannels {
			root.apply("allchannels")
		}
		st.enabled = false
		st.skipSanitize, st.sanitize = false, true
		st.selectors = st.selectors[:1:1]
		root.apply("-@all")
	default:
		return st.root().apply(op)
	}
	return 0
}

// mergeSelectors is ACLMergeSelectorArguments: a selector may be spread over several
// arguments, "(+get" "~key)", which are joined with single spaces. It returns the merged
// rules, or bad >= 0: the index of the argument that opens an unclosed selector.
func mergeSelectors(args []string) (merged []string, bad int) {
	open := -1
	var cur []byte
	for j, op := range args {
		if open < 0 && len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			cur = append(cur[:0:0], op...)
			open = j
			continue
		}
		if open >= 0 {
			cur = append(cur, ' ')
			cur = append(cur, op...)
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				merged = append(merged, string(cur))
			}
			continue
		}
		merged = append(merged, op)
	}
	if open >= 0 {
		return nil, open
	}
	return merged, -1
}

// selectorArgs splits the inside of a selector as Redis does, with sdssplitargs: on
// unbalanced quotes Redis gets no tokens at all, so the selector is empty.
func selectorArgs(inside string) []string {
	args, err := sdsargs.Split(inside)
	if err != nil {
		return nil
	}
	return args
}
