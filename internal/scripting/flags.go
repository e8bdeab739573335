package scripting

import (
	"strings"

	"github.com/redoubt/redoubt/internal/sdsargs"
)

// Flags are what a script declares about itself: EVAL scripts in their "#!lua flags=..."
// line, functions in redis.register_function's flags. The server acts on them before and
// during the run (see the server's scripts.go).
type Flags uint8

const (
	// NoWrites refuses write commands (and implies AllowOOM).
	NoWrites Flags = 1 << iota
	// AllowOOM lets the script start and write while used memory is over maxmemory.
	AllowOOM
	// AllowStale, NoCluster and AllowCrossSlotKeys are accepted and listed; Redoubt has no
	// replica-stale or cluster state for them to act on.
	AllowStale
	NoCluster
	AllowCrossSlotKeys
)

// flagNames are Redis 7.0's names, in its order (FUNCTION LIST lists flags in this order).
var flagNames = []struct {
	f    Flags
	name string
}{
	{NoWrites, "no-writes"}, {AllowOOM, "allow-oom"}, {AllowStale, "allow-stale"},
	{NoCluster, "no-cluster"}, {AllowCrossSlotKeys, "allow-cross-slot-keys"},
}

// Names lists the flags set in f, in Redis's order.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// lookupFlag finds a flag by name; functions match names case-insensitively, shebangs exactly.
func lookupFlag(name string, foldCase bool) (Flags, bool) {
	for _, n := range flagNames {
		if n.name == name || foldCase && strings.EqualFold(n.name, name) {
			return n.f, true
		}
	}
	return 0, false
}

// shebangLine returns the first line of body when it starts with "#!", without its line feed,
// and ok=false when no line feed ends it. A NUL before the line feed counts as a missing line
// feed: Redis looks for it with strchr, which stops at the NUL.
func shebangLine(body string) (line string, ok bool) {
	end := strings.IndexByte(body, '\n')
	if end < 0 || strings.IndexByte(body[:end], 0) >= 0 {
		return "", false
	}
	return body[:end], true
}

// parseShebang reads an EVAL script's "#!lua flags=a,b" line. A body without "#!" is a
// legacy script (hasShebang false). It returns the length of the line, which the compiler
// skips while keeping the line feed so that line numbers stay the user's. errText is Redis's
// error reply.
func parseShebang(body string) (flags Flags, hasShebang bool, lineLen int, errText string) {
	if !strings.HasPrefix(body, "#!") {
		return 0, false, 0, ""
	}
	line, ok := shebangLine(body)
	if !ok {
		return 0, false, 0, "ERR Invalid script shebang"
	}
	parts, err := sdsargs.Split(line)
	if err != nil || len(parts) == 0 {
		return 0, false, 0, "ERR Invalid engine in script shebang"
	}
	if parts[0] != "#!lua" {
		return 0, false, 0, "ERR Unexpected engine in script shebang: " + parts[0]
	}
	for _, p := range parts[1:] {
		list, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, false, 0, "ERR Unknown lua shebang option: " + p
		}
		if list == "" {
			continue
		}
		for _, name := range strings.Split(list, ",") {
			f, ok := lookupFlag(name, false)
			if !ok {
				return 0, false, 0, "ERR Unexpected flag in script shebang: " + name
			}
			flags |= f
		}
	}
	return flags, true, len(line), ""
}

// ShebangFlags returns the flags an EVAL script body declares, and whether it has a valid
// shebang at all (false for legacy scripts and bad shebangs, which Compile reports).
func ShebangFlags(body string) (Flags, bool) {
	flags, shebang, _, errText := parseShebang(body)
	return flags, shebang && errText == ""
}

// libraryMeta is what a library's "#!<engine> name=<name>" line declares.
type libraryMeta struct {
	engine string
	name   string
	// body is the code after the metadata line, starting with its line feed.
	body string
}

// parseLibraryMeta reads the metadata line of FUNCTION LOAD's code. errText is Redis's reply.
func parseLibraryMeta(code string) (libraryMeta, string) {
	if !strings.HasPrefix(code, "#!") {
		return libraryMeta{}, "ERR Missing library metadata"
	}
	line, ok := shebangLine(code)
	if !ok {
		return libraryMeta{}, "ERR Invalid library metadata"
	}
	parts, err := sdsargs.Split(line)
	if err != nil || len(parts) == 0 {
		return libraryMeta{}, "ERR Invalid library metadata"
	}
	m := libraryMeta{engine: parts[0][2:], body: code[len(line):]}
	named := false
	for _, p := range parts[1:] {
		if len(p) < 5 || !strings.EqualFold(p[:5], "name=") {
			return libraryMeta{}, "ERR Invalid metadata value given: " + p
		}
		if named {
			return libraryMeta{}, "ERR Invalid metadata value, name argument was given multiple times"
		}
		m.name, named = p[5:], true
	}
	if !named {
		return libraryMeta{}, "ERR Library name was not given"
	}
	return m, ""
}

// validName applies Redis's rule for library and function names: [a-zA-Z0-9_]+.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// errInvalidName is Redis 7.0.15's error for a bad library or function name (it uses the
// library wording for both).
const errInvalidName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
