package config

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestDefaults(t *testing.T) {
	c := Default()
	for name, want := range map[string]string{
		"bind":                       "127.0.0.1 -::1",
		"protected-mode":             "yes",
		"enable-debug-command":       "no",
		"enable-protected-configs":   "no",
		"enable-module-command":      "no",
		"save":                       "3600 1 300 100 60 10000",
		"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"port":                       "6379",
		"maxclients":                 "10000",
		"unixsocketperm":             "0",
		"proc-title-template":        "{title} {listen-addr} {server-mode}",
	} {
		if got := c.String(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if c.String("dir") == "" || c.File() != "" {
		t.Errorf("dir %q file %q", c.String("dir"), c.File())
	}
}

func TestGet(t *testing.T) {
	c := Default()
	tests := []struct {
		patterns []string
		want     []string
	}{
		{[]string{"port", "bind"}, []string{"port", "6379", "bind", "127.0.0.1 -::1"}},
		{[]string{"PORT", "port"}, []string{"PORT", "6379"}}, // exact names come back as asked
		{[]string{"nosuch"}, nil},
		{[]string{"maxmemory*"}, []string{"maxmemory", "0", "maxmemory-clients", "0", "maxmemory-eviction-tenacity", "10",
			"maxmemory-policy", "noeviction", "maxmemory-samples", "5"}},
		{[]string{"slaveof", "*of"}, []string{"slaveof", "", "replicaof", ""}}, // aliases are names too
		{[]string{"HZ", "h?"}, []string{"HZ", "10"}},
		{[]string{"*-max-ziplist-e[n]tries"}, []string{"hash-max-ziplist-entries", "512", "zset-max-ziplist-entries", "128"}},
		{[]string{"key-load-delay"}, []string{"key-load-delay", "0"}}, // hidden: exact name only
		{[]string{"key-load-*"}, nil},
		{[]string{"include"}, nil}, // file-only directives are not configs
	}
	for _, tt := range tests {
		if got := c.Get(tt.patterns...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Get(%q) = %q, want %q", tt.patterns, got, tt.want)
		}
	}
	all := c.Get("*")
	if len(all) != 2*(192+len(redoubtOnly)) { // what Redis 7.0's CONFIG GET * returns, and ours
		t.Errorf("Get(*) returned %d names", len(all)/2)
	}
}

// TestSetErrors checks the reply texts of CONFIG SET (the differential test compares the
// same against a real Redis).
func TestSetErrors(t *testing.T) {
	prefix := "ERR CONFIG SET failed (possibly related to argument "
	tests := []struct {
		pairs []string
		want  string
	}{
		{[]string{"port"}, "ERR wrong number of arguments for 'config|set' command"},
		{[]string{"port", "1", "timeout"}, "ERR syntax error"},
		{[]string{"foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"port", "x", "foo", "1"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"port", "abc"}, prefix + "'port') - argument couldn't be parsed into an integer"},
		{[]string{"PORT", "99999"}, prefix + "'port') - argument must be between 0 and 65535 inclusive"},
		{[]string{"protected-mode", "maybe"}, prefix + "'protected-mode') - argument must be 'yes' or 'no'"},
		{[]string{"loglevel", "loud"}, prefix + "'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[]string{"Daemonize", "yes"}, prefix + "'Daemonize') - can't set immutable config"},
		{[]string{"port", "x", "daemonize", "yes"}, prefix + "'daemonize') - can't set immutable config"},
		{[]string{"daemonize", "yes", "foo", "1"}, prefix + "'daemonize') - can't set immutable config"},
		{[]string{"dir", "/tmp"}, prefix + "'dir') - can't set protected config"},
		{[]string{"dbfilename", "x.rdb"}, prefix + "'dbfilename') - can't set protected config"},
		{[]string{"port", "1", "PORT", "2"}, prefix + "'PORT') - duplicate parameter"},
		{[]string{"timeout", "1", "proto-max-bulk-len", "1x"}, prefix + "'proto-max-bulk-len') - argument must be a memory value"},
		{[]string{"slave-priority", "x"}, prefix + "'slave-priority') - argument couldn't be parsed into an integer"},
		{[]string{"save", "100 1  200 2"}, prefix + "'save') - Invalid save parameters"},
		{[]string{"oom-score-adj-values", "1  2 3"}, prefix + "'oom-score-adj-values') - wrong number of arguments"},
		{[]string{"client-output-buffer-limit", "normal 1 2"}, prefix + "'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration."},
		{[]string{"proc-title-template", "{foo}"}, prefix + "'proc-title-template') - template format is invalid or contains unknown variables"},
	}
	for _, tt := range tests {
		err := Default().Set(tt.pairs...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Set(%q) = %v\nwant %q", tt.pairs, err, tt.want)
		}
	}
}

func TestSetValues(t *testing.T) {
	c := Default()
	if err := c.Set("timeout", "30", "maxclients", "5", "save", "", "bind", "127.0.0.1 ::1",
		"client-output-buffer-limit", "pubsub 1mb 1kb 5", "hash-max-listpack-entries", "1", "hash-max-ziplist-entries", "2",
		"proto-max-bulk-len", "2mb", "requirepass", "pw", "hz", "9999"); err != nil {
		t.Fatal(err)
	}
	if c.Int("timeout") != 30 || c.Int("maxclients") != 5 || c.Int("proto-max-bulk-len") != 2<<20 || c.Int("hz") != 500 {
		t.Errorf("ints: %d %d %d %d", c.Int("timeout"), c.Int("maxclients"), c.Int("proto-max-bulk-len"), c.Int("hz"))
	}
	// An alias and its directive are separate names in one SET, as in Redis: the last wins.
	if c.Int("hash-max-listpack-entries") != 2 {
		t.Errorf("hash-max-listpack-entries = %d", c.Int("hash-max-listpack-entries"))
	}
	if got := c.Strings("bind"); !reflect.DeepEqual(got, []string{"127.0.0.1", "::1"}) {
		t.Errorf("bind = %q", got)
	}
	if got := c.Strings("save"); len(got) != 0 {
		t.Errorf("save = %q", got)
	}
	if got := c.String("client-output-buffer-limit"); got != "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1024 5" {
		t.Errorf("client-output-buffer-limit = %q", got)
	}
	if c.String("requirepass") != "pw" || !Sensitive("requirepass") || !Sensitive("TLS-KEY-FILE-PASS") || Sensitive("port") {
		t.Error("requirepass")
	}
	if err := c.Set("save", "60 5 30 10"); err != nil || c.String("save") != "60 5 30 10" {
		t.Errorf("save: %v %q", err, c.String("save"))
	}
}

func TestSetAtomic(t *testing.T) {
	c := Default()
	before := c.Get("*")
	err := c.Set("timeout", "5", "save", "60 1", "bind", "0.0.0.0", "port", "nope")
	if err == nil {
		t.Fatal("SET with a bad pair succeeded")
	}
	if after := c.Get("*"); !reflect.DeepEqual(before, after) {
		t.Error("a failed SET changed the config")
	}
}

func TestSetHooks(t *testing.T) {
	c := Default()
	var calls []string
	c.OnSet(func(name string) error {
		// Hooks see the new value through the ordinary getters.
		calls = append(calls, name+"="+c.String(name))
		if name == "port" && c.Int("port") == 1 {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		return nil
	})
	if err := c.Set("timeout", "5", "hash-max-ziplist-entries", "3", "timeout", "5"); err == nil {
		t.Error("duplicate accepted")
	}
	if err := c.Set("timeout", "5", "hash-max-ziplist-entries", "3", "loglevel", "notice"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"timeout=5", "hash-max-listpack-entries=3"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("hooks ran for %q, want %q (unchanged values have no hook)", calls, want)
	}
	calls = nil
	err := c.Set("timeout", "7", "port", "1")
	want := "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if c.Int("timeout") != 5 || c.Int("port") != 6379 {
		t.Errorf("not rolled back: timeout %d port %d", c.Int("timeout"), c.Int("port"))
	}
	if want := []string{"timeout=7", "port=1", "timeout=5", "port=6379"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("hooks ran for %q, want %q", calls, want)
	}
}

// TestProtectedConfigs is the Wannamine defence: with the default enable-protected-configs
// no, a client cannot point dir and dbfilename at a cron or ssh directory.
func TestProtectedConfigs(t *testing.T) {
	dir := t.TempDir()
	c := Default()
	for _, name := range []string{"dir", "dbfilename"} {
		want := "ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set protected config"
		for _, set := range []func(...string) error{c.Set, c.SetLocal} {
			if err := set(name, dir); err == nil || err.Error() != want {
				t.Errorf("%s: got %v", name, err)
			}
		}
	}
	local, err := Load("", []string{"--enable-protected-configs", "local"}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := local.Set("dir", dir); err == nil {
		t.Error("remote client changed dir under enable-protected-configs local")
	}
	if err := local.SetLocal("dir", dir); err != nil || local.String("dir") == "" {
		t.Errorf("local client: %v", err)
	}
	yes, err := Load("", []string{"--enable-protected-configs", "yes"}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := yes.Set("dbfilename", "../x.rdb"); err == nil || !strings.HasSuffix(err.Error(), "dbfilename can't be a path, just a filename") {
		t.Errorf("got %v", err)
	}
	if err := yes.Set("dir", "/nonexistent-redoubt"); err == nil || !strings.HasSuffix(err.Error(), "- No such file or directory") {
		t.Errorf("got %v", err)
	}
}

func TestGetterPanics(t *testing.T) {
	c := Default()
	for name, f := range map[string]func(){
		"unknown":       func() { c.Int("nope") },
		"int of bool":   func() { c.Int("daemonize") },
		"bool of int":   func() { c.Bool("port") },
		"strings":       func() { c.Strings("port") },
		"lines of port": func() { c.Lines("port") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestConcurrentAccess(t *testing.T) {
	c := Default()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_ = c.Set("timeout", "1", "maxclients", "100")
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				_ = c.Get("*")
				_ = c.Int("timeout")
			}
		}()
	}
	wg.Wait()
}
