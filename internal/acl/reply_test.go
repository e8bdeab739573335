package acl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/resp"
)

func bargs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

func TestWriteGetUser(t *testing.T) {
	us := NewUsers()
	us.SetUser("tt", []string{"on", "nopass", "skip-sanitize-payload", "~*", "&", "+config", "-config|get", "(+get ~a)", "(+set ~b)"})
	// Bytes as redis-server 7.0.15 sends them (HELLO 3).
	want3 := "%6\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$6\r\nnopass\r\n$21\r\nskip-sanitize-payload\r\n" +
		"$9\r\npasswords\r\n*0\r\n$8\r\ncommands\r\n$25\r\n-@all +config -config|get\r\n$4\r\nkeys\r\n$2\r\n~*\r\n" +
		"$8\r\nchannels\r\n$1\r\n&\r\n$9\r\nselectors\r\n*2\r\n" +
		"%3\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$2\r\n~a\r\n$8\r\nchannels\r\n$0\r\n\r\n" +
		"%3\r\n$8\r\ncommands\r\n$10\r\n-@all +set\r\n$4\r\nkeys\r\n$2\r\n~b\r\n$8\r\nchannels\r\n$0\r\n\r\n"
	w := &resp.Writer{Proto: 3}
	us.WriteGetUser(w, []byte("tt"))
	if string(w.Buf) != want3 {
		t.Errorf("RESP3:\n got %q\nwant %q", w.Buf, want3)
	}
	want2 := strings.NewReplacer("%6\r\n", "*12\r\n", "~3\r\n", "*3\r\n", "%3\r\n", "*6\r\n").Replace(want3)
	w = &resp.Writer{Proto: 2}
	us.WriteGetUser(w, []byte("tt"))
	if string(w.Buf) != want2 {
		t.Errorf("RESP2:\n got %q\nwant %q", w.Buf, want2)
	}
	for proto, null := range map[int]string{2: "$-1\r\n", 3: "_\r\n"} {
		w = &resp.Writer{Proto: proto}
		us.WriteGetUser(w, []byte("nosuch"))
		if string(w.Buf) != null {
			t.Errorf("RESP%d unknown user: %q", proto, w.Buf)
		}
	}
}

func TestWriteSetDelListUsers(t *testing.T) {
	us := NewUsers()
	w := &resp.Writer{Proto: 2}
	us.WriteSetUser(w, bargs("bob", "on", ">pw", "~k"))
	us.WriteSetUser(w, bargs("bob", "+nosuch"))
	us.WriteList(w)
	us.WriteUsers(w)
	removed := us.WriteDelUser(w, bargs("bob", "nosuch"))
	us.WriteDelUser(w, bargs("default"))
	want := "+OK\r\n-ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL\r\n" +
		"*2\r\n" + bulk("user bob on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 ~k resetchannels -@all") +
		"$34\r\nuser default on nopass ~* &* +@all\r\n*2\r\n$3\r\nbob\r\n$7\r\ndefault\r\n:1\r\n" +
		"-ERR The 'default' user cannot be removed\r\n"
	if string(w.Buf) != want {
		t.Errorf("got  %q\nwant %q", w.Buf, want)
	}
	if len(removed) != 1 || removed[0].Name() != "bob" || !removed[0].Removed() {
		t.Errorf("removed %v", removed)
	}
}

func TestDryRun(t *testing.T) {
	us := NewUsers()
	us.SetUser("app", []string{"on", "~app:*", "&chan*", "+get", "+set", "+publish", "+config"})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"app", "get", "app:1"}, "+OK\r\n"},
		{[]string{"app", "GET", "other"}, bulk("This user has no permissions to access the 'other' key")},
		{[]string{"app", "del", "app:1"}, bulk("This user has no permissions to run the 'del' command")},
		{[]string{"app", "publish", "other", "m"}, bulk("This user has no permissions to access the 'other' channel")},
		{[]string{"app", "config", "get", "x"}, "+OK\r\n"},
		{[]string{"app", "auth", "x", "y"}, "+OK\r\n"},
		{[]string{"nouser", "get", "x"}, "-ERR User 'nouser' not found\r\n"},
		{[]string{"app", "nosuch", "x"}, "-ERR Command 'nosuch' not found\r\n"},
		{[]string{"app", "config", "nosuch"}, "-ERR Command 'config' not found\r\n"},
		{[]string{"app", "get"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"app", "config"}, "-ERR wrong number of arguments for 'config' command\r\n"},
		{[]string{"app", "config", "get"}, "-ERR wrong number of arguments for 'config|get' command\r\n"},
	} {
		w := &resp.Writer{Proto: 2}
		us.WriteDryRun(w, bargs(c.args...))
		if string(w.Buf) != c.want {
			t.Errorf("%q: %q, want %q", c.args, w.Buf, c.want)
		}
	}
}

func TestCatAndGenPass(t *testing.T) {
	w := &resp.Writer{Proto: 2}
	WriteCat(w, nil)
	if !strings.HasPrefix(string(w.Buf), "*21\r\n$8\r\nkeyspace\r\n$4\r\nread\r\n") {
		t.Errorf("%q", w.Buf)
	}
	names, ok := CategoryCommands("CONNECTION")
	if !ok || !strings.Contains(" "+strings.Join(names, " ")+" ", " ping ") || !strings.Contains(strings.Join(names, " "), "client|id") {
		t.Errorf("%v", names)
	}
	if _, ok := CategoryCommands("all"); ok {
		t.Error("@all is not an ACL CAT category")
	}
	w = &resp.Writer{Proto: 2}
	WriteCat(w, []byte(strings.Repeat("x", 130)))
	if string(w.Buf) != "-ERR Unknown category '"+strings.Repeat("x", 128)+"'\r\n" {
		t.Errorf("%q", w.Buf)
	}
	for bits, n := range map[int]int{1: 1, 4: 1, 5: 2, 256: 64, 4096: 1024} {
		p, err := GenPass(bits)
		if err != nil || len(p) != n || strings.Trim(p, "0123456789abcdef") != "" {
			t.Errorf("GenPass(%d) = %q %v", bits, p, err)
		}
	}
	a, _ := GenPass(256)
	b, _ := GenPass(256)
	if a == b {
		t.Error("GenPass repeats")
	}
	const bad = "-ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096\r\n"
	for arg, want := range map[string]string{"0": bad, "-1": bad, "4097": bad, "abc": "-ERR value is not an integer or out of range\r\n", " 1": "-ERR value is not an integer or out of range\r\n"} {
		w := &resp.Writer{Proto: 2}
		WriteGenPass(w, []byte(arg))
		if string(w.Buf) != want {
			t.Errorf("GENPASS %q: %q", arg, w.Buf)
		}
	}
	w = &resp.Writer{Proto: 2}
	WriteGenPass(w, nil)
	if !strings.HasPrefix(string(w.Buf), "$64\r\n") {
		t.Errorf("%q", w.Buf)
	}
}

func TestLoadSaveWithoutFile(t *testing.T) {
	us := NewUsers()
	w := &resp.Writer{Proto: 2}
	us.WriteLoad(w, "")
	us.WriteSave(w, "")
	if string(w.Buf) != "-"+ErrNoACLFile+"\r\n-"+ErrNoACLFile+"\r\n" {
		t.Errorf("%q", w.Buf)
	}
}
