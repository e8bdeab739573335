package acl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "users.acl")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFileErrors(t *testing.T) {
	const tail = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	cases := []struct{ content, want string }{
		{"user a on\n\n   \nuser b foo\nuser c +nosuch\n#comment\nfoo bar\nuser\nuser a\n",
			"F:4: Syntax error. F:5: Error in applying operation '+nosuch': Unknown command or category name in ACL. " +
				"F:6 should start with user keyword followed by the username. F:7 should start with user keyword followed by the username. " +
				"F:8 should start with user keyword followed by the username. WARNING: Duplicate user 'a' found on line 9. " + tail},
		{"USER a on\n", "F:1 should start with user keyword followed by the username. " + tail},
		{"user a (+get\n", "F:1: Unmatched parenthesis in selector definition." + tail},
		{"user a on (+get\n", "F:1: Unmatched parenthesis in selector definition." + tail}, // crashes Redis 7.0.15
		{"user a \"on\"\n", "F:1: Syntax error. " + tail},
		{"  user   a   on  \t \r\n", "F:1: Syntax error. " + tail}, // single-space split: "a" becomes a rule
		{"user a foo bar +nosuch +nosuch2 ~* ~x\n",
			"F:1: Syntax error. F:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. " +
				"F:1: Error in applying operation '+nosuch2': Unknown command or category name in ACL. " + tail},
		{"user a +nosuch foo\nuser b (+nosuch) (foo)\n",
			"F:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. F:1: Syntax error. " +
				"F:2: Error in applying operation '(+nosuch)': Unknown command or category name in ACL. F:2: Syntax error. " + tail},
		{"user a\tb on\n", "'F:1: username 'a\tb' contains invalid characters. " + tail},
		{"user a #abc\n", "F:1: The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters. " + tail},
		{"user a <x\n", "F:1: The password you are trying to remove from the user does not exist. " + tail},
		{"user a ~* ~x\n", "F:1: Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns. " + tail},
		{"user default on\nuser default off\n", "WARNING: Duplicate user 'default' found on line 2. " + tail},
	}
	for _, c := range cases {
		p := writeFile(t, c.content)
		us := NewUsers()
		us.SetUser("keep", []string{"on"})
		removed, err := us.Load(p)
		want := strings.ReplaceAll(c.want, "F:", p+":")
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", c.content, err, want)
		}
		if removed != nil || us.Get("keep") == nil || us.Get("keep").Removed() {
			t.Errorf("%q: a refused file changed the users", c.content)
		}
	}
	_, err := LoadFile("/nonexistent/users.acl", false)
	if err == nil || err.Error() != "Error loading ACLs, opening file '/nonexistent/users.acl': No such file or directory" {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadFileAndReplace(t *testing.T) {
	p := writeFile(t, "user zz on >secret ~k* resetchannels +get (+set ~w*)\r\nuser a  on   ~x  \nuser b >p\t\n\n")
	us := NewUsers()
	us.SetUser("old", []string{"on", "nopass"})
	us.SetUser("a", []string{"on"})
	old, oldA, def := us.Get("old"), us.Get("a"), us.Default()
	removed, err := us.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || !old.Removed() || !oldA.Removed() || def.Removed() || us.Default() != def {
		t.Fatalf("removed %v", removed)
	}
	want := []string{
		"user a on ~x resetchannels -@all",
		"user b off #" + hashP + " resetchannels -@all",
		"user default on nopass ~* &* +@all",
		"user zz on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~k* resetchannels -@all +get (~w* resetchannels -@all +set)",
	}
	if got := us.List(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s", strings.Join(got, "\n"))
	}
	// A "default" line defines the default user from scratch; the *User stays the same.
	p2 := writeFile(t, "user default on >x ~*\n")
	if _, err := us.Load(p2); err != nil {
		t.Fatal(err)
	}
	if us.Default() != def || def.Describe() != "on #2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 ~* resetchannels -@all" {
		t.Fatalf("default: %s", def.Describe())
	}
	if _, ok := us.Authenticate("default", "x"); !ok {
		t.Fatal("new default password")
	}
}

func TestSaveFile(t *testing.T) {
	us := NewUsers()
	us.SetUser("yy", []string{"on", ">topsecret", "%R~r*", "&c", "+@all", "-config|set", "(+get ~x)"})
	us.SetUser("aa", []string{"off", "+select|0"})
	dir := t.TempDir()
	p := filepath.Join(dir, "users.acl")
	if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := us.SaveFile(p); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	want := strings.Join(us.List(), "\n") + "\n"
	if string(data) != want {
		t.Fatalf("saved\n%s\nwant\n%s", data, want)
	}
	if strings.Contains(string(data), "topsecret") {
		t.Fatal("plaintext password saved")
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp file left: %v", entries)
	}
	loaded, err := LoadFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(loaded.List(), "\n") != strings.Join(us.List(), "\n") {
		t.Fatalf("round trip:\n%s", strings.Join(loaded.List(), "\n"))
	}
	if err := us.SaveFile(filepath.Join(dir, "nodir", "x.acl")); err == nil {
		t.Fatal("save into a missing directory must fail")
	}
}

func TestLoadFileNUL(t *testing.T) {
	for _, c := range []struct{ content, want string }{
		{"user a on\x00x\n", "F:1: Syntax error. "},
		{"user a\x00 on\n", "'F:1: username 'a' contains invalid characters. "},
	} {
		_, err := parseFile(c.content, "F", false)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v", c.content, err)
		}
	}
}
