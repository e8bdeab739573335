package acl

import (
	"math"
	"strings"

	"github.com/redoubt/redoubt/internal/command"
)

// describe is ACLDescribeUser: flags, password hashes, the root selector, then each other
// selector in parentheses.
func (st *userState) describe() string {
	var b strings.Builder
	if st.enabled {
		b.WriteString("on ")
	} else {
		b.WriteString("off ")
	}
	if st.nopass {
		b.WriteString("nopass ")
	}
	if st.skipSanitize {
		b.WriteString("skip-sanitize-payload ")
	}
	if st.sanitize {
		b.WriteString("sanitize-payload ")
	}
	for _, p := range st.passwords {
		b.WriteString("#")
		b.WriteString(p)
		b.WriteString(" ")
	}
	for i, s := range st.selectors {
		if i == 0 {
			s.describe(&b)
		} else {
			b.WriteString(" (")
			s.describe(&b)
			b.WriteString(")")
		}
	}
	return b.String()
}

// flagNames lists the user flags in ACL GETUSER order.
func (st *userState) flagNames() []string {
	var out []string
	if st.enabled {
		out = append(out, "on")
	} else {
		out = append(out, "off")
	}
	if st.nopass {
		out = append(out, "nopass")
	}
	if st.skipSanitize {
		out = append(out, "skip-sanitize-payload")
	}
	if st.sanitize {
		out = append(out, "sanitize-payload")
	}
	return out
}

func (k keyPattern) String() string {
	switch k.perm {
	case permRead:
		return "%R~" + k.pattern
	case permWrite:
		return "%W~" + k.pattern
	}
	return "~" + k.pattern
}

// describe is ACLDescribeSelector: keys, channels, then command rules.
func (s *selector) describe(b *strings.Builder) {
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String())
			b.WriteString(" ")
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&")
			b.WriteString(c)
			b.WriteString(" ")
		}
	}
	b.WriteString(s.commandRules())
}

// keysString is ACL GETUSER's "keys" field.
func (s *selector) keysString() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// channelsString is ACL GETUSER's "channels" field.
func (s *selector) channelsString() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// commandRules is ACLDescribeSelectorCommandRules, Redis 7.0's algorithm: start from +@all
// (if the selector has the "future commands" bit) or -@all, greedily add the categories
// that best fit what is left, then fix up single commands and first-arguments. Replaying
// the rules on a fresh selector gives back exactly this selector's command bitmap.
//
// The category choice depends on how many commands each category holds, so for a given
// rule set the output equals Redis's only where our command table has the same commands;
// the single-command rules come in our table order, where Redis's order is random.
func (s *selector) commandRules() string {
	ix := index()
	var b strings.Builder
	fake := newSelector(false)
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
		fake.setAllCommands(false)
	} else {
		b.WriteString("+@all ")
		fake.setAllCommands(true)
	}

	temp := newSelector(false)
	copy(temp.allowed, s.allowed)
	applied := make([]bool, len(command.CategoryNames))
	for {
		best := -1
		minDiff, maxSame := math.MaxInt, 0
		for j := range command.CategoryNames {
			if applied[j] {
				continue
			}
			on, off := temp.countCategory(1 << j)
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || (diff == minDiff && same > maxSame)) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		flag := command.Category(1) << best
		fake.setCategory(flag, additive)
		temp.setCategory(flag, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(command.CategoryNames[best])
		b.WriteString(" ")
		applied[best] = true
	}

	single := func(c *command.Spec) {
		user, have := s.bit(c.Id), fake.bit(c.Id)
		if user != have {
			if user {
				b.WriteString("+")
			} else {
				b.WriteString("-")
			}
			b.WriteString(c.Name)
			b.WriteString(" ")
			fake.changePerm(c, user)
		}
	}
	for _, top := range ix.tops {
		single(top)
		for _, sub := range ix.subs[top.Id] {
			single(sub)
		}
		if !s.bit(top.Id) {
			for _, a := range s.firstArgs[top.Id] {
				b.WriteString("+")
				b.WriteString(top.Name)
				b.WriteString("|")
				b.WriteString(a)
				b.WriteString(" ")
			}
		}
	}
	out := b.String()
	return out[:len(out)-1]
}
