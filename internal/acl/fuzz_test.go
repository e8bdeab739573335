package acl

import (
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/command"
)

var fuzzRuleSeeds = []string{
	"on >p ~app:* +get +set",
	"%R~r:* %W~w:* &c* +@all -@dangerous",
	"(+get ~x) (+set %W~y) clearselectors",
	"+@all -select +select|0 -config|set",
	"reset\nallkeys\nallchannels\n+@read\n-keys",
	"(\"+get\" '~x') (~\"a\\x41\")",
	"+config|get|x",
	"#0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef !0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"+@fast +config|get -@write nopass skip-sanitize-payload",
	"%RW %R ~ & (%W~)",
}

// splitFuzzRules splits on newlines when there are any (so rules may hold spaces), else on
// spaces.
func splitFuzzRules(s string) []string {
	if strings.Contains(s, "\n") {
		return strings.Split(s, "\n")
	}
	return strings.Split(s, " ")
}

// roundTrips tells whether Redis's own description of st can be parsed back: it cannot
// when a selector's pattern or a first argument holds what the rule splitter reads
// specially (quotes, parentheses, blanks). Redis 7.0 has the same limits.
func roundTrips(st *userState) bool {
	special := func(s string, inSelector bool) bool {
		if strings.ContainsAny(s, " \t\r\n\v\f") {
			return true
		}
		return inSelector && strings.ContainsAny(s, "\"'()")
	}
	for i, s := range st.selectors {
		in := i > 0
		for _, k := range s.keys {
			if special(k.pattern, in) {
				return false
			}
		}
		for _, c := range s.channels {
			if special(c, in) {
				return false
			}
		}
		for _, args := range s.firstArgs {
			for _, a := range args {
				if special(a, in) {
					return false
				}
			}
		}
	}
	return true
}

func sameBits(a, b *selector) bool {
	for i := range a.allowed {
		if a.allowed[i] != b.allowed[i] {
			return false
		}
	}
	return true
}

func FuzzSetUser(f *testing.F) {
	for _, s := range fuzzRuleSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		us := NewUsers()
		rules := splitFuzzRules(input)
		if err := us.SetUser("u", rules); err != nil {
			if us.Get("u") != nil {
				t.Fatalf("failed SETUSER created the user")
			}
			return
		}
		u := us.Get("u")
		st := u.state.Load()
		line := u.Describe()
		// The command rules rebuild each selector's exact bitmap (Redis panics otherwise).
		for _, s := range st.selectors {
			r := newSelector(false)
			for _, op := range strings.Split(s.commandRules(), " ") {
				if k := r.apply(op); k != 0 {
					t.Fatalf("command rules %q do not parse: %v", s.commandRules(), k)
				}
			}
			if !sameBits(r, s) || r.future != s.future {
				t.Fatalf("command rules %q do not rebuild the bitmap", s.commandRules())
			}
		}
		if !roundTrips(st) {
			return
		}
		// describe -> parse -> describe is stable.
		if err := us.SetUser("v", strings.Split(line, " ")); err != nil {
			t.Fatalf("description %q does not parse: %v", line, err)
		}
		if again := us.Get("v").Describe(); again != line {
			t.Fatalf("unstable description:\n%s\n%s", line, again)
		}
		// And as an ACL file, as ACL SAVE writes it.
		loaded, err := parseFile(strings.Join(us.List(), "\n")+"\n", "f", false)
		if err != nil {
			t.Fatalf("ACL file does not load: %v", err)
		}
		if got, want := strings.Join(loaded.List(), "\n"), strings.Join(us.List(), "\n"); got != want {
			t.Fatalf("ACL file round trip:\n%s\n%s", got, want)
		}
	})
}

func FuzzCheck(f *testing.F) {
	for _, s := range fuzzRuleSeeds {
		for _, c := range []string{"get app:1", "set w:1 v get", "mget a b c", "publish c1 m", "psubscribe c*",
			"select 0", "config get x", "client kill 1.2.3.4:5", "mset a 1 b 2", "subscribe a b", "keys *"} {
			f.Add(s, c)
		}
	}
	f.Fuzz(func(t *testing.T, rules, cmdline string) {
		us := NewUsers()
		if us.SetUser("u", splitFuzzRules(rules)) != nil {
			return
		}
		args := bargs(strings.Split(cmdline, " ")...)
		if len(args) == 0 {
			return
		}
		spec, _ := command.Resolve(args)
		if spec == nil {
			return
		}
		u := us.Get("u")
		ok, reason, pos := u.Check(spec, args)
		switch {
		case ok && (reason != Allowed || pos != 0):
			t.Fatalf("allowed with %v %d", reason, pos)
		case !ok && reason == DeniedCommand && pos != 0:
			t.Fatalf("command denial at %d", pos)
		case !ok && reason == DeniedKey:
			found := false
			for _, k := range spec.KeyPositions(args) {
				found = found || k.Pos == pos
			}
			if !found {
				t.Fatalf("key denial at %d, not a key", pos)
			}
		case !ok && reason == DeniedChannel && (pos < 1 || pos >= len(args)):
			t.Fatalf("channel denial at %d", pos)
		case !ok && reason != DeniedCommand && reason != DeniedKey && reason != DeniedChannel:
			t.Fatalf("reason %v", reason)
		}
		// A selector can only add permissions; an all-powerful one allows everything.
		if us.SetUser("u", []string{"(+get ~k)"}) != nil {
			t.Fatal("adding a selector failed")
		}
		if ok2, _, _ := u.Check(spec, args); ok && !ok2 {
			t.Fatal("adding a selector removed a permission")
		}
		if us.SetUser("u", []string{"(+@all ~* &*)"}) != nil {
			t.Fatal("adding a selector failed")
		}
		if ok3, _, _ := u.Check(spec, args); !ok3 {
			t.Fatal("(+@all ~* &*) must allow everything")
		}
	})
}
