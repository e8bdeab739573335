package acl

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redoubt/redoubt/internal/command"
)

const (
	hashP  = "148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940" // sha256("p")
	hash01 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestDefaultUser(t *testing.T) {
	us := NewUsers()
	if got := us.List(); len(got) != 1 || got[0] != "user default on nopass ~* &* +@all" {
		t.Fatalf("List() = %q", got)
	}
	if u, ok := us.Authenticate("default", "anything"); !ok || u != us.Default() {
		t.Fatal("default user must accept any password")
	}
	if us.Default().SkipSanitizePayload() || us.Default().Removed() || !us.Default().Enabled() || !us.Default().NoPass() {
		t.Fatal("default flags")
	}
}

// Each rule set, applied to a new user, must describe as Redis 7.0.15's ACL LIST does
// (single-command rules in our table order; Redis's order is random).
func TestDescribe(t *testing.T) {
	cases := []struct {
		rules []string
		want  string
	}{
		{nil, "off resetchannels -@all"},
		{[]string{"on"}, "on resetchannels -@all"},
		{[]string{"on", "off"}, "off resetchannels -@all"},
		{[]string{">p"}, "off #" + hashP + " resetchannels -@all"},
		{[]string{">p", ">p"}, "off #" + hashP + " resetchannels -@all"},
		{[]string{">p", ">q", "<q"}, "off #" + hashP + " resetchannels -@all"},
		{[]string{"#" + hash01, ">p"}, "off #" + hash01 + " #" + hashP + " resetchannels -@all"},
		{[]string{"#" + hash01, "!" + hash01}, "off resetchannels -@all"},
		{[]string{">p", "nopass"}, "off nopass resetchannels -@all"},
		{[]string{"nopass", ">p"}, "off #" + hashP + " resetchannels -@all"},
		{[]string{">p", "resetpass"}, "off resetchannels -@all"},
		{[]string{"nopass", "resetpass"}, "off resetchannels -@all"},
		{[]string{"skip-sanitize-payload"}, "off skip-sanitize-payload resetchannels -@all"},
		{[]string{"skip-sanitize-payload", "sanitize-payload"}, "off sanitize-payload resetchannels -@all"},
		{[]string{"reset"}, "off sanitize-payload resetchannels -@all"},
		{[]string{"on", ">p", "~a", "&b", "+@all", "(+get)", "reset"}, "off sanitize-payload resetchannels -@all"},
		{[]string{"ON", "NOPASS", "ALLKEYS", "ALLCHANNELS", "ALLCOMMANDS"}, "on nopass ~* &* +@all"},
		{[]string{"~app:*", "+get", "+set"}, "off ~app:* resetchannels -@all +get +set"},
		{[]string{"%R~r:*"}, "off %R~r:* resetchannels -@all"},
		{[]string{"%W~w:*"}, "off %W~w:* resetchannels -@all"},
		{[]string{"%RW~rw:*"}, "off ~rw:* resetchannels -@all"},
		{[]string{"%wr~x"}, "off ~x resetchannels -@all"},
		{[]string{"%R~a", "%W~a"}, "off ~a resetchannels -@all"},
		{[]string{"~a", "%R~a"}, "off ~a resetchannels -@all"},
		{[]string{"%W~b", "%R~a", "~c"}, "off %W~b %R~a ~c resetchannels -@all"},
		{[]string{"%R"}, "off %R~ resetchannels -@all"},
		{[]string{"%RW"}, "off ~ resetchannels -@all"},
		{[]string{"~"}, "off ~ resetchannels -@all"},
		{[]string{"%RW~*"}, "off ~* resetchannels -@all"},
		{[]string{"allkeys"}, "off ~* resetchannels -@all"},
		{[]string{"~a", "allkeys"}, "off ~* resetchannels -@all"},
		{[]string{"~a", "resetkeys", "~b"}, "off ~b resetchannels -@all"},
		{[]string{"&chan"}, "off resetchannels &chan -@all"},
		{[]string{"&a", "&b", "&a"}, "off resetchannels &a &b -@all"},
		{[]string{"&"}, "off resetchannels & -@all"},
		{[]string{"allchannels"}, "off &* -@all"},
		{[]string{"&a", "allchannels"}, "off &* -@all"},
		{[]string{"allchannels", "resetchannels", "&x"}, "off resetchannels &x -@all"},
		{[]string{"+@all"}, "off resetchannels +@all"},
		{[]string{"allcommands", "nocommands"}, "off resetchannels -@all"},
		{[]string{"+@all", "-@slow"}, "off resetchannels +@all -@slow"},
		{[]string{"+@all", "-get"}, "off resetchannels +@all -get"},
		{[]string{"+@all", "-get", "+get"}, "off resetchannels +@all"},
		{[]string{"+@read"}, "off resetchannels -@all +@read"},
		{[]string{"+@READ"}, "off resetchannels -@all +@read"},
		{[]string{"+@fast", "+config|get"}, "off resetchannels -@all +@fast +config|get"},
		{[]string{"+@all", "-config|set"}, "off resetchannels +@all -config|set"},
		{[]string{"+config", "-config|set"}, "off resetchannels -@all +config -config|set"},
		{[]string{"+config|set", "+config|get"}, "off resetchannels -@all +config|get +config|set"},
		{[]string{"+select|0"}, "off resetchannels -@all +select|0"},
		{[]string{"+select|0", "+select|1", "+SELECT|0"}, "off resetchannels -@all +select|0 +select|1"},
		{[]string{"+select|X", "+select|x"}, "off resetchannels -@all +select|X"},
		{[]string{"+@all", "-select", "+select|0"}, "off resetchannels +@all -select +select|0"},
		{[]string{"+select", "+select|0"}, "off resetchannels -@all +select"},
		{[]string{"+select|0", "-select"}, "off resetchannels -@all"},
		{[]string{"+select|0", "+@all"}, "off resetchannels +@all"},
		{[]string{"+get", "+GET", "+set", "+del"}, "off resetchannels -@all +del +get +set"},
		{[]string{"+get", "-@read"}, "off resetchannels -@all"},
		{[]string{"(+get ~x)"}, "off resetchannels -@all (~x resetchannels -@all +get)"},
		{[]string{"(+get", "~x)", "(+set %W~y &c)"}, "off resetchannels -@all (~x resetchannels -@all +get) (%W~y resetchannels &c -@all +set)"},
		{[]string{"(", "+get", "", ")"}, "off resetchannels -@all (resetchannels -@all +get)"},
		{[]string{"()"}, "off resetchannels -@all (resetchannels -@all)"},
		{[]string{"(+get)", "clearselectors"}, "off resetchannels -@all"},
		{[]string{"(allchannels +@all ~*)"}, "off resetchannels -@all (~* &* +@all)"},
		{[]string{"(\"+get\" '~x')"}, "off resetchannels -@all (~x resetchannels -@all +get)"},
		{[]string{"(~\"a\\x41\")"}, "off resetchannels -@all (~aA resetchannels -@all)"},
		{[]string{"(+get ~\\x41)"}, "off resetchannels -@all (~\\x41 resetchannels -@all +get)"},
		{[]string{"(\"+get)"}, "off resetchannels -@all (resetchannels -@all)"}, // unbalanced quotes: empty selector
		{[]string{""}, "off resetchannels -@all"},
	}
	for _, c := range cases {
		us := NewUsers()
		if err := us.SetUser("u", c.rules); err != nil {
			t.Errorf("%q: %v", c.rules, err)
			continue
		}
		if got := us.Get("u").Describe(); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.rules, got, c.want)
		}
		if got := us.List()[1]; got != "user u "+c.want {
			t.Errorf("%q: List %q", c.rules, got)
		}
	}
}

func TestPubsubDefault(t *testing.T) {
	us := NewUsers()
	us.SetPubsubDefault(true)
	for _, c := range []struct {
		rules []string
		want  string
	}{
		{nil, "off &* -@all"},
		{[]string{"resetchannels", "reset"}, "off sanitize-payload &* -@all"},
		{[]string{"(+get)"}, "off &* -@all (&* -@all +get)"},
	} {
		us.DelUser("u")
		if err := us.SetUser("u", c.rules); err != nil {
			t.Fatal(err)
		}
		if got := us.Get("u").Describe(); got != c.want {
			t.Errorf("%q: got %s want %s", c.rules, got, c.want)
		}
	}
}

func TestSetUserErrors(t *testing.T) {
	const (
		syn     = "Syntax error"
		unknown = "Unknown command or category name in ACL"
		badHash = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
		noPass  = "The password you are trying to remove from the user does not exist"
		keyAll  = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
		chanAll = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
		subArg  = "Allowing first-arg of a subcommand is not supported"
	)
	mod := func(op, msg string) string { return "ERR Error in ACL SETUSER modifier '" + op + "': " + msg }
	cases := []struct {
		rules []string
		want  string
	}{
		{[]string{"foo"}, mod("foo", syn)},
		{[]string{" "}, mod(" ", syn)},
		{[]string{"+nosuch"}, mod("+nosuch", unknown)},
		{[]string{"-nosuch"}, mod("-nosuch", unknown)},
		{[]string{"+@nosuch"}, mod("+@nosuch", unknown)},
		{[]string{"-@nosuch"}, mod("-@nosuch", unknown)},
		{[]string{"+@all "}, mod("+@all ", unknown)},
		{[]string{"+"}, mod("+", unknown)},
		{[]string{"-"}, mod("-", unknown)},
		{[]string{"+@"}, mod("+@", unknown)},
		{[]string{"+|"}, mod("+|", unknown)},
		{[]string{"-|"}, mod("-|", unknown)},
		{[]string{"+get|"}, mod("+get|", syn)},
		{[]string{"+config|"}, mod("+config|", syn)},
		{[]string{"+config|get|x"}, mod("+config|get|x", subArg)},
		{[]string{"+config|nosuch"}, mod("+config|nosuch", unknown)},
		{[]string{"+get|a|b"}, mod("+get|a|b", unknown)},
		{[]string{"-get|foo"}, mod("-get|foo", unknown)},
		{[]string{"-select|0"}, mod("-select|0", unknown)},
		{[]string{"-config|"}, mod("-config|", unknown)},
		{[]string{"-config|get|x"}, mod("-config|get|x", unknown)},
		{[]string{"+\u212aeys"}, mod("+\u212aeys", unknown)}, // KELVIN SIGN is not 'k'
		{[]string{"%~foo"}, mod("%~foo", syn)},
		{[]string{"%X~foo"}, mod("%X~foo", syn)},
		{[]string{"%RR~foo"}, mod("%RR~foo", syn)},
		{[]string{"%"}, mod("%", syn)},
		{[]string{"~a b"}, mod("~a b", syn)},
		{[]string{"~a\x00b"}, mod("~a", syn)},
		{[]string{"&a\tb"}, mod("&a\tb", syn)},
		{[]string{"#abc"}, mod("#abc", badHash)},
		{[]string{"#" + strings.ToUpper(hash01)}, mod("#"+strings.ToUpper(hash01), badHash)},
		{[]string{"!abc"}, mod("!abc", badHash)},
		{[]string{"<nopass"}, mod("<nopass", noPass)},
		{[]string{"!" + hash01}, mod("!"+hash01, noPass)},
		{[]string{"~*", "~a"}, mod("~a", keyAll)},
		{[]string{"allkeys", "%R~a"}, mod("%R~a", keyAll)},
		{[]string{"&*", "&a"}, mod("&a", chanAll)},
		{[]string{"(~* ~a)"}, mod("(~* ~a)", keyAll)},
		{[]string{"(on)"}, mod("(on)", syn)},
		{[]string{"(>pass)"}, mod("(>pass)", syn)},
		{[]string{"(reset)"}, mod("(reset)", syn)},
		{[]string{"(+nosuch)"}, mod("(+nosuch)", unknown)},
		{[]string{"((+get))"}, mod("((+get))", syn)},
		{[]string{"(~\"a b\")"}, mod("(~\"a b\")", syn)},
		{[]string{"(\"\")"}, mod("(\"\")", syn)},
		{[]string{"(+get", "~x", "+nosuch)"}, mod("(+get ~x +nosuch)", unknown)},
		{[]string{"on\x00"}, mod("on", syn)},
		{[]string{"("}, "ERR Unmatched parenthesis in acl selector starting at '('."},
		{[]string{"+get", "(+set", "~x"}, "ERR Unmatched parenthesis in acl selector starting at '(+set'."},
	}
	for _, c := range cases {
		us := NewUsers()
		us.SetUser("u", []string{"on", "~k"})
		before := us.Get("u").Describe()
		err := us.SetUser("u", c.rules)
		if err == nil {
			t.Errorf("%q: accepted", c.rules)
			continue
		}
		if got := "ERR " + err.Error(); got != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.rules, got, c.want)
		}
		if after := us.Get("u").Describe(); after != before {
			t.Errorf("%q: failed SETUSER changed the user: %s", c.rules, after)
		}
	}
	for _, name := range []string{"a b", "a\tb", "a\x00", "\n"} {
		err := NewUsers().SetUser(name, nil)
		if err == nil || err.Error() != "Usernames can't contain spaces or null characters" {
			t.Errorf("%q: %v", name, err)
		}
	}
	if err := NewUsers().SetUser("", []string{"on"}); err != nil {
		t.Errorf("empty user name: %v", err)
	}
}

func TestDelUser(t *testing.T) {
	us := NewUsers()
	us.SetUser("a", nil)
	us.SetUser("b", nil)
	a := us.Get("a")
	if n, err := us.DelUser("a", "default"); err == nil || err.Error() != "The 'default' user cannot be removed" || n != 0 {
		t.Fatalf("%d %v", n, err)
	}
	if us.Get("a") == nil || a.Removed() {
		t.Fatal("a failed DELUSER must delete nothing")
	}
	if n, err := us.DelUser("a", "nosuch", "a"); err != nil || n != 1 {
		t.Fatalf("%d %v", n, err)
	}
	if us.Get("a") != nil || !a.Removed() {
		t.Fatal("a not removed")
	}
	if got := strings.Join(us.Usernames(), " "); got != "b default" {
		t.Fatalf("Usernames %q", got)
	}
}

func TestAuthenticate(t *testing.T) {
	us := NewUsers()
	us.SetUser("alice", []string{"on", ">s3cret", ">other"})
	us.SetUser("bob", []string{"off", ">pw"})
	us.SetUser("carol", []string{"on", "nopass"})
	us.SetUser("dave", []string{"on"})
	for _, c := range []struct {
		user, pass string
		ok         bool
	}{
		{"alice", "s3cret", true}, {"alice", "other", true}, {"alice", "S3cret", false}, {"alice", "", false},
		{"bob", "pw", false}, {"carol", "x", true}, {"dave", "", false}, {"nosuch", "x", false},
	} {
		u, ok := us.Authenticate(c.user, c.pass)
		if ok != c.ok || (ok && u.Name() != c.user) {
			t.Errorf("%s/%s: %v", c.user, c.pass, ok)
		}
	}
	// No plaintext is kept anywhere in the state.
	st := us.Get("alice").state.Load()
	for _, p := range st.passwords {
		if p == "s3cret" || len(p) != 64 {
			t.Fatalf("stored %q", p)
		}
	}
	if strings.Contains(fmt.Sprintf("%+v", *st), "s3cret") {
		t.Fatal("plaintext kept")
	}
	us.SetDefaultPassword("imadolphin")
	if _, ok := us.Authenticate("default", "x"); ok {
		t.Fatal("requirepass ignored")
	}
	if _, ok := us.Authenticate("default", "imadolphin"); !ok {
		t.Fatal("requirepass password refused")
	}
	us.SetDefaultPassword("")
	if _, ok := us.Authenticate("default", "x"); !ok {
		t.Fatal("requirepass \"\" must make default nopass")
	}
}

func spec(t testing.TB, args ...string) (*command.Spec, [][]byte) {
	t.Helper()
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	s, errText := command.Resolve(b)
	if s == nil {
		t.Fatalf("%q: %s", args, errText)
	}
	return s, b
}

func TestCheck(t *testing.T) {
	type probe struct {
		cmd    string
		ok     bool
		reason Reason
		pos    int
	}
	cases := []struct {
		rules  []string
		probes []probe
	}{
		{[]string{"~app:*", "+get", "+set"}, []probe{
			{"get app:1", true, Allowed, 0},
			{"GET app:1", true, Allowed, 0},
			{"get other:1", false, DeniedKey, 1},
			{"set app:1 v", true, Allowed, 0},
			{"set other:1 v", false, DeniedKey, 1},
			{"del app:1", false, DeniedCommand, 0},
			{"mget app:1", false, DeniedCommand, 0},
			{"ping", false, DeniedCommand, 0},
			{"auth a b", true, Allowed, 0}, // no_auth commands are always allowed
			{"hello", true, Allowed, 0},
		}},
		{[]string{"%R~r:*", "+@all"}, []probe{
			{"get r:1", true, Allowed, 0},
			{"set r:1 v", false, DeniedKey, 1},
			{"strlen r:1", true, Allowed, 0},
			{"incr r:1", false, DeniedKey, 1},
			{"mget r:1 r:2 x", false, DeniedKey, 3},
			{"get w:1", false, DeniedKey, 1},
		}},
		{[]string{"%W~w:*", "+@all"}, []probe{
			{"set w:1 v", true, Allowed, 0},
			{"set w:1 v get", false, DeniedKey, 1},
			{"get w:1", false, DeniedKey, 1},
			{"del w:1", true, Allowed, 0},
			{"exists w:1", true, Allowed, 0}, // a key with no access/update/insert/delete flag needs neither
			{"incr w:1", false, DeniedKey, 1},
		}},
		{[]string{"%R~k*", "%W~k*", "+@all"}, []probe{
			{"incr k1", true, Allowed, 0},
		}},
		{[]string{"%R~k*", "%W~j*", "+@all"}, []probe{
			{"incr k1", false, DeniedKey, 1},
			{"copy k1 j1", true, Allowed, 0},
			{"copy j1 k1", false, DeniedKey, 1},
		}},
		{[]string{"~*", "+@read", "-@dangerous"}, []probe{
			{"get x", true, Allowed, 0},
			{"keys *", false, DeniedCommand, 0},
			{"set x v", false, DeniedCommand, 0},
			{"scan 0", true, Allowed, 0},
		}},
		{[]string{"~*", "+config|get"}, []probe{
			{"config get maxmemory", true, Allowed, 0},
			{"config set maxmemory 0", false, DeniedCommand, 0},
			{"config resetstat", false, DeniedCommand, 0},
		}},
		{[]string{"~*", "+@all", "-config|set"}, []probe{
			{"config get x", true, Allowed, 0},
			{"config set x y", false, DeniedCommand, 0},
		}},
		{[]string{"~*", "+select|0"}, []probe{
			{"select 0", true, Allowed, 0},
			{"SELECT 0", true, Allowed, 0},
			{"select 1", false, DeniedCommand, 0},
			{"select 00", false, DeniedCommand, 0},
		}},
		{[]string{"~*", "+select|a"}, []probe{
			{"select A", true, Allowed, 0},
		}},
		// Selectors: one selector must allow the whole command.
		{[]string{"+get", "~a*", "(+set ~b*)", "(+get %R~c*)"}, []probe{
			{"get a1", true, Allowed, 0},
			{"get c1", true, Allowed, 0},
			{"set b1 v", true, Allowed, 0},
			{"set a1 v", false, DeniedKey, 1}, // root lacks +set, selector 1 lacks a*
			{"mget a1 c1", false, DeniedCommand, 0},
			{"get b1", false, DeniedKey, 1},
			{"del a1", false, DeniedCommand, 0},
		}},
		{[]string{"+mget", "~a*", "(+mget ~b*)"}, []probe{
			{"mget a1 a2", true, Allowed, 0},
			{"mget b1 b2", true, Allowed, 0},
			{"mget a1 b1", false, DeniedKey, 2}, // the later offending argument wins
			{"mget b1 a1", false, DeniedKey, 2},
		}},
		{[]string{"+@all", "~*", "resetchannels", "&news.*", "(+publish &alerts)"}, []probe{
			{"publish news.x m", true, Allowed, 0},
			{"publish alerts m", true, Allowed, 0},
			{"publish other m", false, DeniedChannel, 1},
			{"subscribe news.a alerts", false, DeniedChannel, 2},
			{"subscribe news.a news.b", true, Allowed, 0},
			{"psubscribe news.*", true, Allowed, 0},
			{"psubscribe news.a*", false, DeniedChannel, 1}, // patterns must match literally
			{"spublish news.x m", true, Allowed, 0},
			{"ssubscribe x", false, DeniedChannel, 1},
			{"unsubscribe x", true, Allowed, 0},
		}},
		// A key denial outranks a command denial from another selector.
		{[]string{"+get", "~a", "(+set ~b)"}, []probe{
			{"get z", false, DeniedKey, 1},
			{"set z v", false, DeniedKey, 1},
		}},
		{[]string{"~a", "+@all", "(~b -@all)"}, []probe{
			{"get z", false, DeniedKey, 1},
		}},
		// The empty key: "~*" (allkeys) covers it, "%RW~*" does not (Redis's matcher).
		{[]string{"+@all", "allkeys"}, []probe{{"get ''", true, Allowed, 0}}},
		{[]string{"+@all", "%RW~*"}, []probe{{"get ''", false, DeniedKey, 1}}},
		{[]string{"+@all", "~"}, []probe{{"get ''", true, Allowed, 0}, {"get a", false, DeniedKey, 1}}},
	}
	for _, c := range cases {
		us := NewUsers()
		if err := us.SetUser("u", c.rules); err != nil {
			t.Fatalf("%q: %v", c.rules, err)
		}
		u := us.Get("u")
		for _, p := range c.probes {
			fields := strings.Fields(p.cmd)
			for i, f := range fields {
				if f == "''" {
					fields[i] = ""
				}
			}
			s, args := spec(t, fields...)
			ok, r, pos := u.Check(s, args)
			if ok != p.ok || r != p.reason || pos != p.pos {
				t.Errorf("%q / %s: got %v %v %d, want %v %v %d", c.rules, p.cmd, ok, r, pos, p.ok, p.reason, p.pos)
			}
		}
	}
	var nilUser *User
	s, args := spec(t, "flushall")
	if ok, _, _ := nilUser.Check(s, args); !ok {
		t.Fatal("nil user is unrestricted")
	}
}

func TestCheckChannelAndKey(t *testing.T) {
	us := NewUsers()
	us.SetUser("u", []string{"&a*", "%R~r*", "(&b %W~w*)"})
	u := us.Get("u")
	for _, c := range []struct {
		ch      string
		pattern bool
		ok      bool
	}{
		{"a1", false, true}, {"b", false, true}, {"c", false, false}, {"a*", true, true}, {"a1*", true, false}, {"b", true, true},
	} {
		if got := u.CheckChannel([]byte(c.ch), c.pattern); got != c.ok {
			t.Errorf("CheckChannel(%q,%v) = %v", c.ch, c.pattern, got)
		}
	}
	if !us.Default().CheckChannel([]byte("x"), true) {
		t.Error("default has &*")
	}
	if !u.CheckKey([]byte("r1"), command.RO|command.Access) || u.CheckKey([]byte("r1"), command.RW|command.Update) ||
		!u.CheckKey([]byte("w1"), command.OW|command.Update) || u.CheckKey([]byte("x"), command.RO) {
		t.Error("CheckKey")
	}
}

func TestNoPermAndObject(t *testing.T) {
	s, args := spec(t, "config", "set", "a", "b")
	if got := NoPermError(s, DeniedCommand); got != "NOPERM this user has no permissions to run the 'config|set' command" {
		t.Error(got)
	}
	if got := NoPermError(s, DeniedKey); got != "NOPERM this user has no permissions to access one of the keys used as arguments" {
		t.Error(got)
	}
	if got := NoPermError(s, DeniedChannel); got != "NOPERM this user has no permissions to access one of the channels used as arguments" {
		t.Error(got)
	}
	if DenialObject(s, args, DeniedCommand, 0) != "config|set" || DenialObject(s, args, DeniedKey, 2) != "a" ||
		DenialObject(s, args, DeniedAuth, 0) != "config" {
		t.Error("DenialObject")
	}
}

// SetUser replaces the state atomically: concurrent checks see either the old or the new
// rules, never a mix.
func TestConcurrentSetUserAndCheck(t *testing.T) {
	us := NewUsers()
	us.SetUser("u", []string{"~a", "+get"})
	u := us.Get("u")
	s, args := spec(t, "get", "a")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				u.Check(s, args)
				u.Describe()
				us.List()
			}
		}()
	}
	for i := 0; i < 200; i++ {
		us.SetUser("u", []string{"reset", "~a", "+get", fmt.Sprintf(">p%d", i)})
		us.SetUser(fmt.Sprintf("x%d", i), []string{"on"})
		us.DelUser(fmt.Sprintf("x%d", i))
	}
	close(stop)
	wg.Wait()
}

func BenchmarkCheck(b *testing.B) {
	us := NewUsers()
	us.SetUser("u", []string{"on", "~app:*", "%R~ro:*", "+@all", "-@dangerous", "(+get ~x:*)"})
	u := us.Get("u")
	s, args := spec(b, "mget", "app:1", "ro:2", "app:3")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, _ := u.Check(s, args); !ok {
			b.Fatal("denied")
		}
	}
}
