package command

import (
	"strings"

	"github.com/redoubt/redoubt/internal/glob"
)

// COMMAND and its subcommands answer from the table, shaped as Redis 7.0 answers.

func commandAll(c *Ctx) {
	c.W.Array(len(ordered))
	for _, s := range ordered {
		writeCommandInfo(c, s)
	}
}

func commandCount(c *Ctx) { c.W.Int(int64(len(ordered))) }

func commandInfo(c *Ctx) {
	if len(c.Args) == 2 {
		commandAll(c)
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		if s := lookupFull(string(a)); s != nil {
			writeCommandInfo(c, s)
		} else {
			c.W.Null()
		}
	}
}

// lookupFull finds "get" or "config|get".
func lookupFull(name string) *Spec {
	name = strings.ToLower(name)
	parent, sub, isSub := strings.Cut(name, "|")
	s := table[parent]
	if s == nil || !isSub {
		return s
	}
	return s.subs[sub]
}

func writeCommandInfo(c *Ctx, s *Spec) {
	w := c.W
	w.Array(10)
	w.BulkString(s.Name)
	w.Int(int64(s.Arity))
	flags := s.Flags.Names()
	w.Set(len(flags))
	for _, f := range flags {
		w.Simple(f)
	}
	first, last, step := s.LegacyRange()
	w.Int(int64(first))
	w.Int(int64(last))
	w.Int(int64(step))
	cats := s.Categories.Names()
	w.Set(len(cats))
	for _, cat := range cats {
		w.Simple("@" + cat)
	}
	w.Set(len(s.Tips))
	for _, t := range s.Tips {
		w.BulkString(t)
	}
	w.Set(len(s.Keys))
	for _, k := range s.Keys {
		writeKeySpec(c, k)
	}
	if len(s.Subs) == 0 {
		w.Set(0)
		return
	}
	w.Array(len(s.Subs))
	for _, sub := range s.Subs {
		writeCommandInfo(c, sub)
	}
}

func writeKeySpec(c *Ctx, k KeySpec) {
	w := c.W
	if k.Notes != "" {
		w.Map(4)
		w.BulkString("notes")
		w.BulkString(k.Notes)
	} else {
		w.Map(3)
	}
	w.BulkString("flags")
	names := k.Flags.Names()
	w.Set(len(names))
	for _, n := range names {
		w.Simple(n)
	}
	if k.Unknown() {
		for _, step := range []string{"begin_search", "find_keys"} {
			w.BulkString(step)
			w.Map(2)
			w.BulkString("type")
			w.BulkString("unknown")
			w.BulkString("spec")
			w.Map(0)
		}
		return
	}
	w.BulkString("begin_search")
	w.Map(2)
	w.BulkString("type")
	if k.Keyword != "" {
		w.BulkString("keyword")
		w.BulkString("spec")
		w.Map(2)
		w.BulkString("keyword")
		w.BulkString(k.Keyword)
		w.BulkString("startfrom")
		w.Int(int64(k.StartFrom))
	} else {
		w.BulkString("index")
		w.BulkString("spec")
		w.Map(1)
		w.BulkString("index")
		w.Int(int64(k.BeginIndex))
	}
	w.BulkString("find_keys")
	w.Map(2)
	w.BulkString("type")
	if k.Keynum {
		w.BulkString("keynum")
		w.BulkString("spec")
		w.Map(3)
		w.BulkString("keynumidx")
		w.Int(int64(k.KeyNumIdx))
		w.BulkString("firstkey")
		w.Int(int64(k.FirstKey))
		w.BulkString("keystep")
		w.Int(int64(k.KeyStep))
	} else {
		w.BulkString("range")
		w.BulkString("spec")
		w.Map(3)
		w.BulkString("lastkey")
		w.Int(int64(k.LastKey))
		w.BulkString("keystep")
		w.Int(int64(k.KeyStep))
		w.BulkString("limit")
		w.Int(int64(k.Limit))
	}
}

// commandDocs answers with summary, since, group and complexity. Argument descriptions are
// not carried in the table (docs/COMPATIBILITY.md): clients use them only for hints.
func commandDocs(c *Ctx) {
	var specs []*Spec
	if len(c.Args) == 2 {
		specs = ordered
	} else {
		for _, a := range c.Args[2:] {
			if s := lookupFull(string(a)); s != nil {
				specs = append(specs, s)
			}
		}
	}
	c.W.Map(len(specs))
	for _, s := range specs {
		c.W.BulkString(s.Name)
		writeDoc(c, s)
	}
}

func writeDoc(c *Ctx, s *Spec) {
	n := 3
	if s.Complexity != "" {
		n++
	}
	if s.SysCmd {
		n++
	}
	if len(s.Subs) > 0 {
		n++
	}
	c.W.Map(n)
	c.W.BulkString("summary")
	c.W.BulkString(s.Summary)
	c.W.BulkString("since")
	c.W.BulkString(s.Since)
	c.W.BulkString("group")
	c.W.BulkString(s.Group)
	if s.Complexity != "" {
		c.W.BulkString("complexity")
		c.W.BulkString(s.Complexity)
	}
	if s.SysCmd {
		c.W.BulkString("doc_flags")
		c.W.Set(1)
		c.W.Simple("syscmd")
	}
	if len(s.Subs) > 0 {
		c.W.BulkString("subcommands")
		c.W.Map(len(s.Subs))
		for _, sub := range s.Subs {
			c.W.BulkString(sub.Name)
			writeDoc(c, sub)
		}
	}
}

func commandList(c *Ctx) {
	match := func(*Spec) bool { return true }
	if len(c.Args) > 2 {
		if len(c.Args) != 5 || !strings.EqualFold(string(c.Args[2]), "filterby") {
			c.Err(ErrSyntax)
			return
		}
		arg := string(c.Args[4])
		switch strings.ToLower(string(c.Args[3])) {
		case "module":
			match = func(*Spec) bool { return false }
		case "aclcat":
			cat := -1
			for i, n := range CategoryNames {
				if strings.EqualFold(n, arg) {
					cat = i
				}
			}
			if cat < 0 {
				match = func(*Spec) bool { return false }
			} else {
				match = func(s *Spec) bool { return s.Categories&(1<<cat) != 0 }
			}
		case "pattern":
			match = func(s *Spec) bool { return glob.MatchString(arg, s.Name, true) }
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	var names []string
	for _, s := range ordered {
		if match(s) {
			names = append(names, s.Name)
		}
		for _, sub := range s.Subs {
			if match(sub) {
				names = append(names, sub.Name)
			}
		}
	}
	c.W.StringArray(names)
}

func commandGetKeys(c *Ctx)         { getKeys(c, false) }
func commandGetKeysAndFlags(c *Ctx) { getKeys(c, true) }

func getKeys(c *Ctx, withFlags bool) {
	args := c.Args[2:]
	s := Lookup(args[0])
	if s == nil {
		c.Err("ERR Invalid command specified")
		return
	}
	if len(s.Subs) > 0 && len(args) > 1 {
		if sub := s.Sub(args[1]); sub != nil {
			s = sub
		}
	}
	if !arityOK(s.Arity, len(args)) {
		c.Err("ERR Invalid number of arguments specified for command")
		return
	}
	keys := s.KeyPositions(args)
	if len(keys) == 0 {
		c.Err("ERR The command has no key arguments")
		return
	}
	c.W.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.W.Bulk(args[k.Pos])
			continue
		}
		c.W.Array(2)
		c.W.Bulk(args[k.Pos])
		names := k.Flags.Names()
		c.W.Set(len(names))
		for _, n := range names {
			c.W.Simple(n)
		}
	}
}

func commandHelp(c *Ctx) {
	WriteHelp(c, "COMMAND", []string{
		"(no subcommand)", "    Return details about all Redis commands.",
		"COUNT", "    Return the total number of commands in this Redis server.",
		"LIST", "    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all", "    commands are returned.",
		"DOCS [<command-name> ...]", "    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all", "    commands are returned.",
		"GETKEYS <full-command>", "    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>", "    Return the keys and the access flags from a full Redis command.",
	})
}

// KeyRef is one key found in a command's arguments, with the flags of the spec that found it.
type KeyRef struct {
	Pos   int
	Flags KeyFlags
}

// KeyPositions finds the keys in args using the key specs, the single source that COMMAND
// GETKEYS and ACL both read, so the two can never disagree (the root of CVE-2023-41053).
func (s *Spec) KeyPositions(args [][]byte) []KeyRef {
	if s.GetKeys != nil {
		return s.GetKeys(args)
	}
	var out []KeyRef
	for _, k := range s.Keys {
		if k.Flags&NotKey != 0 || k.Unknown() {
			continue
		}
		begin := 0
		if k.Keyword != "" {
			start, end, step := k.StartFrom, len(args), 1
			if start < 0 {
				start, end, step = len(args)+start, 0, -1
			}
			for i := start; i != end && i >= 0 && i < len(args); i += step {
				if strings.EqualFold(string(args[i]), k.Keyword) {
					begin = i + 1
					break
				}
			}
			if begin == 0 {
				continue
			}
		} else {
			begin = k.BeginIndex
		}
		if begin >= len(args) {
			continue
		}
		first, last, step := begin, 0, k.KeyStep
		if step <= 0 {
			step = 1
		}
		if k.Keynum {
			numIdx := begin + k.KeyNumIdx
			if numIdx >= len(args) {
				continue
			}
			n, ok := ParseInt(args[numIdx])
			if !ok || n <= 0 || n > int64(len(args)) {
				continue
			}
			first = begin + k.FirstKey
			last = first + int(n-1)*step
		} else if k.LastKey >= 0 {
			last = begin + k.LastKey
		} else {
			last = len(args) + k.LastKey
			if k.Limit > 1 {
				last = first + ((last-first)/step/k.Limit)*step
			}
		}
		flags := k.Flags
		if flags&VariableFlags != 0 && s.VarKeyFlags != nil {
			flags = s.VarKeyFlags(args)
		}
		for i := first; i <= last && i < len(args); i += step {
			out = append(out, KeyRef{Pos: i, Flags: flags})
		}
	}
	return out
}
