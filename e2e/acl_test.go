package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// aclCase is one command by a restricted user and the reply both Redoubt and Redis give.
type aclCase struct {
	cmd  []string
	want string // exact reply, or a prefix ending in "*"
}

func checkACLCases(t *testing.T, c *conn, cases []aclCase) {
	t.Helper()
	for _, tt := range cases {
		got := c.do(tt.cmd...)
		if p, ok := strings.CutSuffix(tt.want, "*"); ok {
			if !strings.HasPrefix(got, p) {
				t.Errorf("%q: got %q, want prefix %q", tt.cmd, got, p)
			}
		} else if got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

const nopermKey = "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"

// TestACLReadWritePatterns drives %R~ and %W~ through multi-key commands, where key extraction
// is easiest to get wrong (the root of Redis CVE-2023-41053): every key of MSET, both keys of
// RENAME and COPY, and SORT's STORE destination must be checked with the right access.
func TestACLReadWritePatterns(t *testing.T) {
	for _, server := range []struct {
		name  string
		start func(testing.TB, ...string) *proc
	}{{"redoubt", startRedoubt}, {"redis", startRedis}} {
		t.Run(server.name, func(t *testing.T) {
			p := server.start(t)
			admin := dial(t, p.addr)
			admin.do("MSET", "r:1", "5", "w:1", "x", "rw:1", "y")
			admin.do("RPUSH", "r:list", "3", "1", "2")
			if got := admin.do("ACL", "SETUSER", "u", "on", ">pw", "%R~r:*", "%W~w:*", "~rw:*", "+@all", "-config|set", "(+get ~sel:*)"); got != "+OK\r\n" {
				t.Fatal(got)
			}
			c := dial(t, p.addr)
			if got := c.do("HELLO", "3", "AUTH", "u", "wrong"); !strings.HasPrefix(got, "-WRONGPASS") {
				t.Fatalf("HELLO 3 with a wrong password: %q", got)
			}
			if got := c.do("HELLO", "3", "AUTH", "u", "pw"); !strings.HasPrefix(got, "%7\r\n") {
				t.Fatalf("HELLO 3 AUTH: %q", got)
			}
			checkACLCases(t, c, []aclCase{
				{[]string{"GET", "r:1"}, "$1\r\n5\r\n"},
				{[]string{"SET", "r:1", "v"}, nopermKey},                  // read-only pattern
				{[]string{"GET", "w:1"}, nopermKey},                       // write-only pattern
				{[]string{"SET", "w:2", "v"}, "+OK\r\n"},                  // write-only pattern
				{[]string{"MSET", "w:3", "a", "r:2", "b"}, nopermKey},     // second key read-only
				{[]string{"MSET", "w:3", "a", "rw:2", "b"}, "+OK\r\n"},    // both writable
				{[]string{"RENAME", "rw:1", "r:9"}, nopermKey},            // destination not writable
				{[]string{"RENAME", "w:1", "rw:9"}, nopermKey},            // source must be read too
				{[]string{"COPY", "r:1", "w:copy"}, "*"},                  // read source, write destination
				{[]string{"COPY", "w:1", "rw:copy"}, nopermKey},           // source not readable
				{[]string{"SORT", "r:list", "STORE", "r:out"}, nopermKey}, // STORE needs write
				{[]string{"SORT", "r:list", "STORE", "w:out"}, ":3\r\n"},
				{[]string{"SORT_RO", "r:list"}, "*3\r\n*"},
				{[]string{"CONFIG", "SET", "maxclients", "10"}, "-NOPERM this user has no permissions to run the 'config|set' command\r\n"},
				{[]string{"CONFIG", "GET", "maxclients"}, "%1\r\n*"}, // parent allowed, one subcommand denied
				{[]string{"GET", "sel:1"}, "_\r\n"},                  // granted by the selector
				{[]string{"SET", "sel:1", "v"}, nopermKey},           // the selector grants only GET
			})
		})
	}
}

// TestAuthPasswordsRESP2AndRESP3 checks AUTH and HELLO AUTH with wrong and right passwords in
// both protocols, and that a failed attempt leaves the connection unauthenticated.
func TestAuthPasswordsRESP2AndRESP3(t *testing.T) {
	p := startRedoubt(t, "--requirepass", "pw")
	c := dial(t, p.addr)
	checkACLCases(t, c, []aclCase{
		{[]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"AUTH", "nope"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"HELLO", "3", "AUTH", "default", "nope"}, "-WRONGPASS*"},
		{[]string{"HELLO", "3"}, "-NOAUTH*"},
		{[]string{"HELLO", "3", "AUTH", "default", "pw"}, "%7\r\n*"},
		{[]string{"GET", "k"}, "_\r\n"},
	})
	c2 := dial(t, p.addr)
	checkACLCases(t, c2, []aclCase{
		{[]string{"AUTH", "default", "pw"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"ACL", "LIST"}, "*1\r\n$*"},
	})
	if list := c2.do("ACL", "LIST"); strings.Contains(list, "pw") && !strings.Contains(list, "#") {
		t.Fatalf("ACL LIST shows a plaintext password: %q", list)
	}
	if got := c2.do("CONFIG", "GET", "requirepass"); strings.Contains(got, "$2\r\npw\r\n") {
		t.Fatalf("CONFIG GET requirepass shows the plaintext: %q", got)
	}
}

// TestConfigRewriteKeepsNoPlaintext: CONFIG REWRITE writes users as "user" lines with
// SHA-256 hashes and leaves requirepass out, and a restart from the file restores them.
func TestConfigRewriteKeepsNoPlaintext(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(conf, []byte("# my config\nrequirepass hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() *proc {
		port := freePort(t)
		p := launch(t, "redoubt", redoubtBin, []string{conf, "--port", strconv.Itoa(port), "--bind", "127.0.0.1"})
		p.port, p.addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if !p.log.waitFor("Ready to accept connections", startTimeout, p.done) {
			t.Fatalf("no start:\n%s", p.log.String())
		}
		return p
	}
	p := start()
	c := dial(t, p.addr)
	checkACLCases(t, c, []aclCase{
		{[]string{"AUTH", "hunter2"}, "+OK\r\n"},
		{[]string{"ACL", "SETUSER", "app", "on", ">apppw", "~app:*", "+get"}, "+OK\r\n"},
		{[]string{"CONFIG", "REWRITE"}, "+OK\r\n"},
	})
	data, _ := os.ReadFile(conf)
	text := string(data)
	if strings.Contains(text, "hunter2") || strings.Contains(text, "apppw") {
		t.Fatalf("CONFIG REWRITE wrote a plaintext password:\n%s", text)
	}
	if !strings.Contains(text, "# my config") || !strings.Contains(text, "user default on") || !strings.Contains(text, "user app on") {
		t.Fatalf("rewritten file lost comments or users:\n%s", text)
	}
	if st, _ := os.Stat(conf); st.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %04o", st.Mode().Perm())
	}
	p.kill()
	p2 := start()
	c2 := dial(t, p2.addr)
	checkACLCases(t, c2, []aclCase{
		{[]string{"AUTH", "hunter2"}, "+OK\r\n"},
		{[]string{"AUTH", "app", "apppw"}, "+OK\r\n"},
		{[]string{"GET", "other"}, nopermKey},
	})
}
