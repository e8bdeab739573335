package acl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/command"
	"github.com/redoubt/redoubt/internal/resp"
)

// Differential tests against redis-server 7.0: the same rules on both sides must give the
// same ACL LIST line (up to the order of single-command rules, which is random in Redis),
// the same errors, the same DRYRUN verdicts, the same ACL GETUSER bytes and ACL LOAD reports.

var diffRuleSets = [][]string{
	{},
	{"on"},
	{"off"},
	{"on", ">pass"},
	{">a", ">b", "<a"},
	{">a", ">a"},
	{">a", "nopass"},
	{"nopass", ">a"},
	{">a", "resetpass"},
	{"#0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ">x", "!0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	{"on", "nopass", "~*", "&*", "+@all"},
	{"reset"},
	{"on", ">p", "~a", "+get", "(+set)", "reset"},
	{"ON", "NOPASS", "ALLKEYS", "ALLCHANNELS", "ALLCOMMANDS"},
	{"~app:*", "+get", "+set"},
	{"%R~r:*"},
	{"%W~w:*"},
	{"%RW~rw:*"},
	{"%wr~x"},
	{"%R~a", "%W~a"},
	{"~a", "%R~b", "%W~c"},
	{"%R~a", "~a", "%W~b"},
	{"%R"},
	{"%RW"},
	{"~"},
	{"%RW~*"},
	{"allkeys"},
	{"~a", "allkeys"},
	{"~a", "resetkeys"},
	{"~a", "resetkeys", "~b"},
	{"&chan"},
	{"&a", "&b", "&a"},
	{"&"},
	{"allchannels"},
	{"&a", "allchannels"},
	{"allchannels", "resetchannels", "&x"},
	{"+@all"},
	{"-@all"},
	{"nocommands"},
	{"+@all", "-@slow"},
	{"+@all", "-get"},
	{"+@all", "-get", "+get"},
	{"+@all", "-@dangerous"},
	{"+@all", "-@admin", "+config|get"},
	{"+@read"},
	{"+@READ"},
	{"+@fast"},
	{"+@fast", "+config|get"},
	{"+@connection"},
	{"+@transaction"},
	{"+@pubsub"},
	{"+@bitmap"},
	{"+@all", "-config|set"},
	{"+config", "-config|set"},
	{"+config|get", "+config|set"},
	{"+client", "-client|kill"},
	{"+client|id", "+client|kill"},
	{"+select|0"},
	{"+select|0", "+select|1", "+SELECT|0"},
	{"+@all", "-select", "+select|0"},
	{"+select", "+select|0"},
	{"+select|0", "-select"},
	{"+select|0", "+@all"},
	{"+get|foo"},
	{"-@all", "+get", "+GET", "+set", "+del", "+incr", "+mget"},
	{"+get", "-@read"},
	// Category fits that depend on the size of categories: equal on our table only.
	{"+@read", "-@dangerous"},
	{"+@read", "+@write"},
	{"+@string", "-@write"},
	{"+@keyspace"},
	{"+@string"},
	{"+@write"},
	{"+@all", "-@read"},
	{"+@hash"},
	{"+@all", "-@hash", "-@list"},
	{"(+get ~x)"},
	{"(+get ~x)", "(+set %W~y)"},
	{"(+get", "~x)"},
	{"(", "+get", "~x", ")"},
	{"()"},
	{"( )"},
	{"on", "(+get ~x)", "clearselectors"},
	{"(+get ~x &c)"},
	{"(+@all ~*)"},
	{"(allchannels +@read)"},
	{"(\"+get\" '~x')"},
	{"(\"+get)"},
	{"(+get ~\\x41)"},
	{"(~\"a\\x41\")"},
	{"(+select|0 %R~k)"},
	{"skip-sanitize-payload"},
	{"sanitize-payload"},
	{"skip-sanitize-payload", "sanitize-payload"},
	{""},
	{"on", "", "~k"},
	// Errors.
	{"foo"},
	{"+nosuch"},
	{"-nosuch"},
	{"+@nosuch"},
	{"-@nosuch"},
	{"+"},
	{"-"},
	{"+@"},
	{"+get|"},
	{"+config|"},
	{"+config|get|x"},
	{"+config|nosuch"},
	{"-get|foo"},
	{"-select|0"},
	{"%~foo"},
	{"%X~foo"},
	{"%RR~foo"},
	{"%"},
	{"#abc"},
	{"#ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"},
	{"!abc"},
	{"<nopass"},
	{"!0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	{"~a b"},
	{"&a\tb"},
	{"("},
	{"+get", "(", "+set"},
	{"(+get"},
	{"(on)"},
	{"(>pass)"},
	{"(nopass)"},
	{"(reset)"},
	{"(foo)"},
	{"(+nosuch)"},
	{"((+get))"},
	{"(~\"a b\")"},
	{"(\"\")"},
	{"+|"},
	{"-|"},
	{"+get|a|b"},
	{"-config|"},
	{"-config|get|x"},
	{" "},
	{"+@all "},
	{"~*", "~a"},
	{"&*", "&a"},
	{"(~* ~a)"},
	{"on", "~a", "+nosuch", "off"},
}

// splitACLLine splits an ACL LIST line into its root tokens and selector bodies.
func splitACLLine(line string) (root []string, sels []string) {
	for {
		i := strings.Index(line, " (")
		if i < 0 {
			break
		}
		j := strings.Index(line[i:], ")")
		if j < 0 {
			break
		}
		sels = append(sels, line[i+2:i+j])
		line = line[:i] + line[i+j+1:]
	}
	return strings.Split(line, " "), sels
}

// normalizeRules sorts the single-command rules, which Redis emits in random order; flags,
// passwords, keys, channels, +@all/-@all and category rules keep their order.
func normalizeRules(tokens []string) string {
	var fixed, single []string
	for _, tok := range tokens {
		if (strings.HasPrefix(tok, "+") || strings.HasPrefix(tok, "-")) && !strings.HasPrefix(tok[1:], "@") {
			single = append(single, tok)
		} else {
			fixed = append(fixed, tok)
		}
	}
	sort.Strings(single)
	return strings.Join(append(fixed, single...), " ")
}

func normalizeLine(line string) string {
	root, sels := splitACLLine(line)
	out := normalizeRules(root)
	for _, s := range sels {
		out += " (" + normalizeRules(strings.Split(s, " ")) + ")"
	}
	return out
}

// commandsOnlyIn returns the command names of single-command rules in a Redis line that our
// table lacks.
func commandsOnlyIn(line string) []string {
	var out []string
	for _, tok := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
		if (strings.HasPrefix(tok, "+") || strings.HasPrefix(tok, "-")) && !strings.HasPrefix(tok[1:], "@") {
			name := tok[1:]
			if lookupRuleCommand(name) == nil {
				if i := strings.LastIndexByte(name, '|'); i < 0 || lookupRuleCommand(name[:i]) == nil {
					out = append(out, name)
				}
			}
		}
	}
	return out
}

// sameOverOurTable replays a Redis description (without unknown commands) on our side and
// compares the resulting permissions with ours: the rules mean the same on our table.
func sameOverOurTable(t *testing.T, redisLine, ourLine string) bool {
	t.Helper()
	var keep []string
	for _, tok := range strings.Split(redisLine, " ") {
		body := strings.Trim(tok, "()")
		if (strings.HasPrefix(body, "+") || strings.HasPrefix(body, "-")) && !strings.HasPrefix(body[1:], "@") {
			if len(commandsOnlyIn(body)) > 0 {
				// keep the parentheses of a dropped token
				keep = append(keep, strings.Repeat("(", strings.Count(tok, "("))+strings.Repeat(")", strings.Count(tok, ")")))
				continue
			}
		}
		keep = append(keep, tok)
	}
	var rules []string
	for _, k := range keep {
		if k != "" {
			rules = append(rules, k)
		}
	}
	us := NewUsers()
	if err := us.SetUser("r", rules[2:]); err != nil { // skip "user name"
		t.Logf("replaying %q: %v", redisLine, err)
		return false
	}
	if err := us.SetUser("o", strings.Split(ourLine, " ")[2:]); err != nil {
		t.Logf("replaying %q: %v", ourLine, err)
		return false
	}
	return us.Get("r").Describe() == us.Get("o").Describe()
}

func TestOracleSetUserList(t *testing.T) {
	o := startOracle(t)
	exact, semantic := 0, 0
	for i, rules := range diffRuleSets {
		name := fmt.Sprintf("u%d", i)
		args := append([]string{"ACL", "SETUSER", name}, rules...)
		rv := o.do(t, args...)
		us := NewUsers()
		err := us.SetUser(name, rules)
		if re, isErr := rv.(respErr); isErr {
			if err == nil {
				t.Errorf("%q: redis says %q, we accept: %s", rules, re, us.Get(name).Describe())
			} else if got := "ERR " + err.Error(); got != string(re) {
				t.Errorf("%q: error\n got %q\nwant %q", rules, got, re)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: redis accepts, we say %v", rules, err)
			continue
		}
		var redisLine string
		for _, l := range o.do(t, "ACL", "LIST").([]any) {
			if strings.HasPrefix(l.(string), "user "+name+" ") {
				redisLine = l.(string)
			}
		}
		ourLine := us.List()[0]
		if strings.HasPrefix(ourLine, "user default ") {
			ourLine = us.List()[1]
		}
		if normalizeLine(redisLine) == normalizeLine(ourLine) {
			exact++
			continue
		}
		if sameOverOurTable(t, redisLine, ourLine) {
			semantic++
			t.Logf("%q: same permissions over our table, different text (category sizes differ):\n ours  %s\n redis %s", rules, ourLine, redisLine)
			continue
		}
		t.Errorf("%q:\n ours  %s\n redis %s", rules, ourLine, redisLine)
	}
	t.Logf("%d rule sets: %d identical lines, %d equivalent on our table", len(diffRuleSets), exact, semantic)
}

// The username check.
func TestOracleBadUsername(t *testing.T) {
	o := startOracle(t)
	for _, name := range []string{"a b", "a\tb", "a\x00b", "", "ü"} {
		rv := o.do(t, "ACL", "SETUSER", name, "on")
		err := NewUsers().SetUser(name, []string{"on"})
		re, isErr := rv.(respErr)
		if isErr != (err != nil) || (isErr && "ERR "+err.Error() != string(re)) {
			t.Errorf("%q: redis %v, ours %v", name, rv, err)
		}
	}
}

type dryrunUser struct {
	rules []string
}

var dryrunUsers = []dryrunUser{
	{rules: []string{"on", "nopass", "~app:*", "+get", "+set"}},
	{rules: []string{"%R~r:*", "+@all"}},
	{rules: []string{"%W~*", "+@all"}},
	{rules: []string{"~*", "+@read", "-@dangerous"}},
	{rules: []string{"+@all", "-config|set", "~*"}},
	{rules: []string{"(+get ~x*)", "(+set %W~y*)", "+del", "~z*"}},
	{rules: []string{"&chan*", "+publish", "+subscribe", "+psubscribe"}},
	{rules: []string{"+@all", "~*", "resetchannels", "&ch"}},
	{rules: []string{"-@all", "+select|0", "~*"}},
	{rules: []string{"+@all", "~app*", "-@keyspace"}},
	{rules: []string{"+@string", "~k*", "+@connection"}},
	{rules: []string{"+config|get", "+client|kill", "+ping", "+echo"}},
	{rules: []string{"%R~app:*", "%W~other:*", "+@all"}},
	{rules: []string{"+@all", "-@all", "allkeys"}},
	{rules: []string{"+@all", "(~x -get)", "%R~app:*"}},
	{rules: []string{"+get", "~a*", "(+set ~b*)", "(+get %R~c*)"}},
	{rules: []string{"+mget", "~a*", "(+mget ~b*)"}},
	{rules: []string{"+@all", "~*", "resetchannels", "&news.*", "(+publish &alerts)"}},
	{rules: []string{"~a", "+@all", "(~b -@all)"}},
}

var dryrunCommands = []string{
	"get app:1", "get other:1", "get r:1", "get x1", "get k", "set app:1 v", "set r:1 v", "set k v",
	"set y1 v", "set app:1 v get", "del app:1", "del z1", "del app:1 other:1", "mget app:1 other:1",
	"mget app:1 app:2", "mset app:1 v app:2 w", "mset app:1 v other:1 w", "incr app:1", "incr other:1",
	"expire app:1 10", "keys *", "scan 0", "config get maxmemory", "config set maxmemory 0",
	"client kill 1.2.3.4:5", "client id", "ping", "echo x", "strlen app:1", "exists other:1",
	"publish chan1 m", "publish other m", "subscribe chan1 chan2", "subscribe chan1 x",
	"psubscribe chan*", "psubscribe chan1*", "select 0", "select 1", "SELECT 0", "auth a b",
	"copy app:1 other:1", "rename app:1 app:2", "getdel app:1", "append app:1 x", "type other:1",
	"get a1", "get c1", "set b1 v", "set a1 v", "get b1", "mget a1 c1", "mget a1 b1", "mget b1 a1",
	"publish news.x m", "publish alerts m", "subscribe news.a alerts", "psubscribe news.*",
	"psubscribe news.a*", "spublish news.x m", "ssubscribe x", "unsubscribe x", "get z",
}

func TestOracleDryRun(t *testing.T) {
	o := startOracle(t)
	us := NewUsers()
	for i, du := range dryrunUsers {
		name := fmt.Sprintf("d%d", i)
		if rv := o.do(t, append([]string{"ACL", "SETUSER", name}, du.rules...)...); rv != "OK" {
			t.Fatalf("redis SETUSER %q: %v", du.rules, rv)
		}
		if err := us.SetUser(name, du.rules); err != nil {
			t.Fatalf("SETUSER %q: %v", du.rules, err)
		}
		for _, line := range dryrunCommands {
			cargs := strings.Fields(line)
			if lookupRuleCommand(strings.ToLower(cargs[0])) == nil {
				t.Fatalf("%s is not in our command table", cargs[0])
			}
			want := o.raw(t, append([]string{"ACL", "DRYRUN", name}, cargs...)...)
			w := &resp.Writer{Proto: 2}
			bargs := [][]byte{[]byte(name)}
			for _, a := range cargs {
				bargs = append(bargs, []byte(a))
			}
			us.WriteDryRun(w, bargs)
			if got := string(w.Buf); got != want {
				t.Errorf("%q / %q:\n got %q\nwant %q", du.rules, line, got, want)
			}
		}
	}
	for _, bad := range [][]string{{"nouser", "get", "x"}, {"d0", "nosuch", "x"}, {"d0", "get"}, {"d0", "get", "a", "b"},
		{"d0", "config", "nosuch"}, {"d0", "config"}, {"d0", "client"}} {
		want := o.raw(t, append([]string{"ACL", "DRYRUN"}, bad...)...)
		w := &resp.Writer{Proto: 2}
		var bargs [][]byte
		for _, a := range bad {
			bargs = append(bargs, []byte(a))
		}
		us.WriteDryRun(w, bargs)
		if got := string(w.Buf); got != want {
			t.Errorf("DRYRUN %q:\n got %q\nwant %q", bad, got, want)
		}
	}
}

// GETUSER must be byte-identical in RESP2 and RESP3 for users whose command rules read the
// same on both tables.
func TestOracleGetUser(t *testing.T) {
	o := startOracle(t)
	users := [][]string{
		{"on", ">p1", ">p2", "~a", "%R~b", "&c", "+@all", "-get", "(+set ~x &y)", "(%W~z)"},
		{"off", "nopass", "skip-sanitize-payload", "allkeys", "-@all", "+select|0"},
		{"on", "-@all", "+config|get", "(+@read ~r* &r*)"},
		{"reset"},
		{},
		{"~*", "&*", "+@all"},
	}
	us := NewUsers()
	for i, rules := range users {
		name := fmt.Sprintf("g%d", i)
		o.do(t, append([]string{"ACL", "SETUSER", name}, rules...)...)
		if err := us.SetUser(name, rules); err != nil {
			t.Fatal(err)
		}
	}
	for _, proto := range []int{2, 3} {
		o.do(t, "HELLO", fmt.Sprint(proto))
		for _, name := range append(us.Usernames(), "nosuch") {
			want := o.raw(t, "ACL", "GETUSER", name)
			w := &resp.Writer{Proto: proto}
			us.WriteGetUser(w, []byte(name))
			if got := string(w.Buf); got != want {
				t.Errorf("RESP%d GETUSER %s:\n got %q\nwant %q", proto, name, got, want)
			}
		}
	}
}

// ACL CAT: for every category, Redis's commands that our table has must be exactly ours.
func TestOracleCat(t *testing.T) {
	o := startOracle(t)
	want := o.raw(t, "ACL", "CAT")
	w := &resp.Writer{Proto: 2}
	WriteCat(w, nil)
	if string(w.Buf) != want {
		t.Errorf("ACL CAT:\n got %q\nwant %q", w.Buf, want)
	}
	redisCmds := map[string]bool{}
	for _, cat := range []string{"fast", "slow"} {
		for _, n := range o.do(t, "ACL", "CAT", cat).([]any) {
			redisCmds[n.(string)] = true
		}
	}
	index().walk(func(s *command.Spec) {
		if !redisCmds[s.Name] {
			t.Logf("our table has %s, which Redis 7.0 does not", s.Name)
		}
	})
	for _, cat := range command.CategoryNames {
		var theirs, ours []string
		for _, n := range o.do(t, "ACL", "CAT", cat).([]any) {
			if lookupRuleCommand(n.(string)) != nil {
				theirs = append(theirs, n.(string))
			}
		}
		all, _ := CategoryCommands(cat)
		for _, n := range all {
			if redisCmds[n] {
				ours = append(ours, n)
			}
		}
		sort.Strings(theirs)
		sort.Strings(ours)
		if strings.Join(theirs, " ") != strings.Join(ours, " ") {
			t.Errorf("ACL CAT %s differs (command table categories):\n ours  %v\n redis %v", cat, ours, theirs)
		}
	}
	for _, bad := range []string{"nosuch", strings.Repeat("x", 200)} {
		want := o.raw(t, "ACL", "CAT", bad)
		w := &resp.Writer{Proto: 2}
		WriteCat(w, []byte(bad))
		if string(w.Buf) != want {
			t.Errorf("ACL CAT %s:\n got %q\nwant %q", bad, w.Buf, want)
		}
	}
}

func TestOracleGenPassAndLogErrors(t *testing.T) {
	o := startOracle(t)
	for _, bits := range []string{"0", "-1", "4097", "abc", "1.5", " 10", "99999999999999999999"} {
		want := o.raw(t, "ACL", "GENPASS", bits)
		w := &resp.Writer{Proto: 2}
		WriteGenPass(w, []byte(bits))
		if string(w.Buf) != want {
			t.Errorf("GENPASS %q:\n got %q\nwant %q", bits, w.Buf, want)
		}
	}
	for _, bits := range []string{"1", "5", "8", "255", "4096"} {
		rv := o.do(t, "ACL", "GENPASS", bits).(string)
		w := &resp.Writer{Proto: 2}
		WriteGenPass(w, []byte(bits))
		got, _ := readReply(bufioFrom(w.Buf))
		if len(got.(string)) != len(rv) {
			t.Errorf("GENPASS %s: length %d, redis %d", bits, len(got.(string)), len(rv))
		}
	}
	for _, arg := range []string{"x", "-3", "0", "RESET"} {
		want := o.raw(t, "ACL", "LOG", arg)
		w := &resp.Writer{Proto: 2}
		NewLog(128).WriteLog(w, []byte(arg))
		if string(w.Buf) != want {
			t.Errorf("LOG %q:\n got %q\nwant %q", arg, w.Buf, want)
		}
	}
	for _, args := range [][]string{{"default"}, {"a", "default"}, {"nouser1", "nouser2"}} {
		want := o.raw(t, append([]string{"ACL", "DELUSER"}, args...)...)
		w := &resp.Writer{Proto: 2}
		var b [][]byte
		for _, a := range args {
			b = append(b, []byte(a))
		}
		NewUsers().WriteDelUser(w, b)
		if string(w.Buf) != want {
			t.Errorf("DELUSER %q:\n got %q\nwant %q", args, w.Buf, want)
		}
	}
}

// ACL LOG entries have Redis's fields, types and grouping.
func TestOracleLogShape(t *testing.T) {
	o := startOracle(t)
	o.do(t, "ACL", "SETUSER", "lg", "on", ">pw", "~app:*", "+get")
	o.do(t, "ACL", "LOG", "RESET")
	o.do(t, "AUTH", "lg", "pw")
	o.do(t, "GET", "other")
	o.do(t, "GET", "other")
	o.do(t, "DEL", "x")
	o.do(t, "AUTH", "lg", "bad")
	o.do(t, "AUTH", "default", "any") // nopass
	entries := o.do(t, "ACL", "LOG").([]any)

	l := NewLog(128)
	l.AddDenial(command.Lookup([]byte("get")), [][]byte{[]byte("GET"), []byte("other")}, DeniedKey, 1, Toplevel, "lg", "ci")
	l.AddDenial(command.Lookup([]byte("get")), [][]byte{[]byte("GET"), []byte("other")}, DeniedKey, 1, Toplevel, "lg", "ci")
	l.AddDenial(command.Lookup([]byte("del")), [][]byte{[]byte("DEL"), []byte("x")}, DeniedCommand, 0, Toplevel, "lg", "ci")
	l.AddAuthFailure("AUTH", Toplevel, "lg", "ci")
	w := &resp.Writer{Proto: 2}
	l.WriteLog(w, nil)
	ours, _ := readReply(bufioFrom(w.Buf))
	oe := ours.([]any)
	if len(oe) != len(entries) {
		t.Fatalf("entries: ours %d, redis %d", len(oe), len(entries))
	}
	for i := range entries {
		re, me := entries[i].([]any), oe[i].([]any)
		if len(re) != len(me) {
			t.Fatalf("entry %d: %d fields, redis %d", i, len(me), len(re))
		}
		for j := 0; j < len(re); j += 2 {
			if re[j] != me[j] {
				t.Errorf("entry %d field %d: %v, redis %v", i, j/2, me[j], re[j])
			}
			switch re[j] {
			case "count", "reason", "context", "object", "username":
				if re[j+1] != me[j+1] {
					t.Errorf("entry %d %v: %v, redis %v", i, re[j], me[j+1], re[j+1])
				}
			}
		}
	}
}

// ACL LOAD reports and results, against Redis's ACL LOAD of the same files.
func TestOracleLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.acl")
	base := "user default on nopass ~* &* +@all\n"
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	o := startOracle(t, "--aclfile", path)
	files := []string{
		"user a on >p ~* +@all\nuser b off\n",
		"user a on\n\n   \nuser b foo\nuser c +nosuch\n#comment\nfoo bar\nuser\nuser a\n",
		"user a on\nuser a off\n",
		"USER a on\n",
		"user a (+get\n",
		"user a (+get ~x) ( +set ) on\n",
		"user a \"on\" '~x'\n",
		"  user   a   on  \t \r\n",
		"user a ~* ~x\n",
		"user a #abc\n",
		"user a <x\n",
		"user a\tb on\n",
		"user a foo bar +nosuch +nosuch2 ~* ~x\n",
		"user a +nosuch foo\nuser b (+nosuch) (foo)\n",
		"user a\t on\n",
		"user a >p\t\n",
		"user a\r\nuser b\r\n",
		"user a +get|\n",
		"user a +@nosuch\n",
		"user a >pass >pass2 <pass\n",
		"user a  on   ~x  \n",
		"user zz on >secret ~k* resetchannels +get (+set ~w*)\nuser yy on #0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
		"user default on >x ~* &* +@all\nuser q on nopass\n",
	}
	for _, f := range files {
		content := base + f
		if strings.HasPrefix(f, "user default") {
			content = f
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		rv := o.do(t, "ACL", "LOAD")
		us := NewUsers()
		_, err := us.Load(path)
		if re, isErr := rv.(respErr); isErr {
			if err == nil || "ERR "+err.Error() != string(re) {
				t.Errorf("%q:\n got %v\nwant %q", f, err, re)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: redis loads it, we say %v", f, err)
			continue
		}
		var theirs []string
		for _, l := range o.do(t, "ACL", "LIST").([]any) {
			theirs = append(theirs, normalizeLine(l.(string)))
		}
		var ours []string
		for _, l := range us.List() {
			ours = append(ours, normalizeLine(l))
		}
		if strings.Join(ours, "\n") != strings.Join(theirs, "\n") {
			t.Errorf("%q:\n ours  %q\n redis %q", f, ours, theirs)
		}
		if strings.HasPrefix(f, "user default on >x") {
			o.do(t, "AUTH", "default", "x")
		}
	}
	os.Remove(path)
	rv := o.do(t, "ACL", "LOAD")
	_, err := NewUsers().Load(path)
	if err == nil || "ERR "+err.Error() != fmt.Sprint(rv) {
		t.Errorf("missing file:\n got %v\nwant %v", err, rv)
	}
}

// Random rule sets from a vocabulary, compared on both sides (a fixed seed, so failures
// reproduce): errors, descriptions and DRYRUN verdicts.
func TestOracleRandomRules(t *testing.T) {
	o := startOracle(t)
	vocab := []string{
		"on", "off", "nopass", "resetpass", ">p", "<p", ">q", "reset", "allkeys", "resetkeys", "allchannels",
		"resetchannels", "allcommands", "nocommands", "clearselectors", "sanitize-payload", "skip-sanitize-payload",
		"~a*", "~b*", "%R~a*", "%W~b*", "%RW~c*", "~*", "&x*", "&y", "&*", "+@all", "-@all", "+@read", "-@read",
		"+@write", "-@write", "+@string", "-@string", "+@keyspace", "-@keyspace", "+@dangerous", "-@dangerous",
		"+@fast", "-@slow", "+@connection", "-@admin", "+@pubsub", "+get", "-get", "+set", "-set", "+del", "+mget",
		"-mset", "+config", "-config", "+config|get", "-config|set", "+client|kill", "-client", "+select|0",
		"+select|1", "-select", "+ping", "+publish", "+subscribe", "+psubscribe", "+keys", "-scan", "+nosuch",
		"foo", "(+get ~a*)", "(+set %W~b*)", "(+@read ~*)", "(-@all +publish &x*)", "(+select|0)", "(~* ~a)",
	}
	cmds := []string{"get a1", "get b1", "get c1", "set a1 v", "set b1 v", "set c1 v get", "del a1", "mget a1 b1",
		"mset a1 v b1 w", "config get x", "config set x y", "client kill 1.2.3.4:5", "select 0", "select 1",
		"ping", "publish x1 m", "publish y m", "subscribe x1 y", "psubscribe x*", "keys *", "scan 0", "incr c1"}
	rng := newRand(20240614)
	accepted, refused, semantic := 0, 0, 0
	defer func() {
		t.Logf("%d accepted (%d equivalent only on our table), %d refused", accepted, semantic, refused)
	}()
	for i := 0; i < 250; i++ {
		n := 1 + rng.intn(7)
		rules := make([]string, n)
		for j := range rules {
			rules[j] = vocab[rng.intn(len(vocab))]
		}
		name := fmt.Sprintf("r%d", i)
		rv := o.do(t, append([]string{"ACL", "SETUSER", name}, rules...)...)
		us := NewUsers()
		err := us.SetUser(name, rules)
		if re, isErr := rv.(respErr); isErr {
			if err == nil || "ERR "+err.Error() != string(re) {
				t.Errorf("%q: ours %v, redis %q", rules, err, re)
			}
			refused++
			continue
		}
		if err != nil {
			t.Errorf("%q: redis accepts, we say %v", rules, err)
			continue
		}
		var redisLine string
		for _, l := range o.do(t, "ACL", "LIST").([]any) {
			if strings.HasPrefix(l.(string), "user "+name+" ") {
				redisLine = l.(string)
			}
		}
		ourLine := "user " + name + " " + us.Get(name).Describe()
		accepted++
		if normalizeLine(redisLine) != normalizeLine(ourLine) {
			semantic++
			if !sameOverOurTable(t, redisLine, ourLine) {
				t.Errorf("%q:\n ours  %s\n redis %s", rules, ourLine, redisLine)
			}
		}
		for _, line := range cmds {
			cargs := strings.Fields(line)
			want := o.raw(t, append([]string{"ACL", "DRYRUN", name}, cargs...)...)
			w := &resp.Writer{Proto: 2}
			us.WriteDryRun(w, bargs(append([]string{name}, cargs...)...))
			if string(w.Buf) != want {
				t.Errorf("%q / %s: ours %q, redis %q", rules, line, w.Buf, want)
			}
		}
		o.do(t, "ACL", "DELUSER", name)
	}
}

// newRand is a small deterministic generator (splitmix64), independent of math/rand's
// algorithm changes.
type splitmix struct{ s uint64 }

func newRand(seed uint64) *splitmix { return &splitmix{seed} }

func (r *splitmix) intn(n int) int {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return int(z % uint64(n))
}
