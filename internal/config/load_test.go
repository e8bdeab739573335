package config

import (
	"errors"
	"github.com/redoubt/redoubt/internal/ascii"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const testVersion = "0.0.0-test"

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadText loads content as a config file followed by the command-line args.
func loadText(t testing.TB, content string, args ...string) (*Config, error) {
	t.Helper()
	return Load(writeFile(t, t.TempDir(), "redis.conf", content), args, testVersion)
}

func fileError(t *testing.T, err error) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FileError", err, err)
	}
	return fe
}

func TestFileErrorText(t *testing.T) {
	_, err := loadText(t, "port 1\nfoo bar\n")
	want := "\n*** FATAL CONFIG FILE ERROR (Redoubt " + testVersion + ") ***\n" +
		"Reading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments"
	if err == nil || err.Error() != want {
		t.Fatalf("got %q\nwant %q", err, want)
	}
	noLine := &FileError{Version: "1", Msg: "Can't open the log file: Permission denied"}
	if got := noLine.Error(); got != "\n*** FATAL CONFIG FILE ERROR (Redoubt 1) ***\nCan't open the log file: Permission denied" {
		t.Errorf("no-line error: %q", got)
	}
}

// TestLoadValues checks how each kind of directive reads from a file: the resulting
// CONFIG GET value, or the exact Redis error for the line.
func TestLoadValues(t *testing.T) {
	tests := []struct {
		line, name, want, err string
	}{
		// comments, blank lines, case and surrounding blanks
		{line: "# port 1\n\n   \n  PORT 7000  \r", name: "port", want: "7000"},
		{line: "Port 7000 # not a comment", err: "wrong number of arguments"},
		{line: "port", err: "wrong number of arguments"},
		{line: `port "7000`, err: "Unbalanced quotes in configuration line"},
		{line: "foo bar", err: "Bad directive or wrong number of arguments"},
		{line: `""`, err: "Bad directive or wrong number of arguments"},
		// yes/no
		{line: "protected-mode NO", name: "protected-mode", want: "no"},
		{line: "daemonize maybe", err: "argument must be 'yes' or 'no'"},
		// integers
		{line: "timeout 300", name: "timeout", want: "300"},
		{line: "timeout 007", err: "argument couldn't be parsed into an integer"},
		{line: "timeout +5", err: "argument couldn't be parsed into an integer"},
		{line: "timeout -1", err: "argument must be between 0 and 2147483647 inclusive"},
		{line: "port 65536", err: "argument must be between 0 and 65535 inclusive"},
		{line: "slowlog-log-slower-than -1", name: "slowlog-log-slower-than", want: "-1"},
		{line: "list-max-listpack-size -2147483649", err: "argument must be between -2147483648 and 2147483647 inclusive"},
		{line: "maxclients -1", err: "argument must be between 1 and 4294967295 inclusive"},
		{line: "slowlog-max-len -1", err: "argument must be between 0 and 9223372036854775807 inclusive"},
		{line: "hz 1000", name: "hz", want: "500"},
		{line: "hz 0", name: "hz", want: "1"},
		// memory
		{line: "proto-max-bulk-len 1gb", name: "proto-max-bulk-len", want: "1073741824"},
		{line: "client-query-buffer-limit 2G", name: "client-query-buffer-limit", want: "2000000000"},
		{line: "hash-max-listpack-value 1k", name: "hash-max-listpack-value", want: "1000"},
		{line: "proto-max-bulk-len 1x", err: "argument must be a memory value"},
		{line: "proto-max-bulk-len 1000", err: "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{line: "client-query-buffer-limit 18446744073709551615", err: "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{line: "maxmemory-clients 101%", err: "percentage argument must be less or equal to 100"},
		{line: "maxmemory-clients -1", err: "argument must be a memory or percent value"},
		// octal
		{line: "unixsocketperm 700", name: "unixsocketperm", want: "700"},
		{line: "unixsocketperm 0755", name: "unixsocketperm", want: "755"},
		{line: "unixsocketperm 999", err: "argument couldn't be parsed as an octal number"},
		{line: "unixsocketperm 1000", err: "argument must be between 0 and 777 inclusive"},
		// enums
		{line: "loglevel WARNING", name: "loglevel", want: "warning"},
		{line: "loglevel loud", err: "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{line: "oom-score-adj relative", name: "oom-score-adj", want: "yes"},
		{line: "supervised auto", name: "supervised", want: "auto"},
		{line: "enable-debug-command local", name: "enable-debug-command", want: "local"},
		{line: "shutdown-on-sigint save nosave", err: "shutdown options SAVE and NOSAVE can't be used simultaneously"},
		{line: "shutdown-on-sigint", err: "argument(s) must be one of the following: default, save, nosave, now, force"},
		// strings
		{line: `logfile "/tmp/a b.log"`, name: "logfile", want: "/tmp/a b.log"},
		// CONFIG GET never echoes a secret: it shows its SHA-256 (sha256("s3cret")).
		{line: "requirepass s3cret", name: "requirepass", want: "#1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"},
		{line: "requirepass a b", err: "wrong number of arguments"},
		{line: "dbfilename a/b.rdb", err: "dbfilename can't be a path, just a filename"},
		{line: `dbfilename a\b.rdb`, err: "dbfilename can't be a path, just a filename"},
		{line: `proc-title-template "{title} {port}"`, name: "proc-title-template", want: "{title} {port}"},
		{line: `proc-title-template "{title}"`, err: "template format is invalid or contains unknown variables"},
		{line: `proc-title-template "{nope}"`, err: "template format is invalid or contains unknown variables"},
		{line: `proc-title-template "{port"`, err: "template format is invalid or contains unknown variables"},
		{line: `proc-title-template "x{{y}"`, name: "proc-title-template", want: "x{{y}"},
		{line: "unixsocket /tmp/r.sock\nproc-title-template {unixsocket}", name: "proc-title-template", want: "{unixsocket}"},
		{line: "proc-title-template {unixsocket}", err: "template format is invalid or contains unknown variables"},
		// special
		{line: "bind 10.0.0.1 ::1", name: "bind", want: "10.0.0.1 ::1"},
		{line: "bind", name: "bind", want: ""},
		{line: `bind ""`, name: "bind", want: ""},
		{line: "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", err: "Too many bind addresses specified."},
		{line: "save 900 1\nsave 300 10", name: "save", want: "900 1 300 10"},
		{line: "save 900 1\nsave \"\"\nsave 60 5", name: "save", want: "60 5"},
		{line: "save 900 1\nsave", name: "save", want: "900 1"},
		{line: "save 100", err: "Invalid save parameters"},
		{line: "save 0 1", err: "Invalid save parameters"},
		{line: "save 10 -1", err: "Invalid save parameters"},
		{line: "save 10 x", err: "Invalid save parameters"},
		{line: "client-output-buffer-limit replica 1mb 2k 3", name: "client-output-buffer-limit",
			want: "normal 0 0 0 slave 1048576 2000 3 pubsub 33554432 8388608 60"},
		{line: "client-output-buffer-limit NORMAL 1 2 3 pubsub 4 5 6", name: "client-output-buffer-limit",
			want: "normal 1 2 3 slave 268435456 67108864 60 pubsub 4 5 6"},
		{line: "client-output-buffer-limit normal 1 2", err: "Wrong number of arguments in buffer limit configuration."},
		{line: "client-output-buffer-limit master 1 2 3", err: "Invalid client class specified in buffer limit configuration."},
		{line: "client-output-buffer-limit normal 1 2 -3", err: "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{line: "oom-score-adj-values -1 0 2000", name: "oom-score-adj-values", want: "-1 0 2000"},
		{line: "oom-score-adj-values 1 2", err: "wrong number of arguments"},
		{line: "oom-score-adj-values 1 2 3000", err: "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
		{line: `notify-keyspace-events ""`, name: "notify-keyspace-events", want: ""},
		{line: "replicaof no one", name: "replicaof", want: ""},
		{line: "slaveof x", err: "wrong number of arguments"},
		{line: "replicaof x 70000", err: "Invalid master port"},
		{line: `latency-tracking-info-percentiles 50 99 99.9`, name: "latency-tracking-info-percentiles", want: "50 99 99.9"},
		{line: `latency-tracking-info-percentiles 101`, err: "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{line: `latency-tracking-info-percentiles x`, err: "Invalid latency-tracking-info-percentiles parameters"},
		{line: "dir /nonexistent-redoubt", err: "No such file or directory"},
		{line: "dir /etc/passwd", err: "Not a directory"},
		// aliases and deprecated directives
		{line: "hash-max-ziplist-entries 100", name: "hash-max-listpack-entries", want: "100"},
		{line: "slave-read-only yes", name: "replica-read-only", want: "yes"},
		{line: "list-max-ziplist-entries 5", name: "port", want: "6379"},
		{line: "list-max-ziplist-entries 5 6", err: "Bad directive or wrong number of arguments"},
		// file-only directives and module configs
		{line: "include", err: "Bad directive or wrong number of arguments"},
		{line: "rename-command FLUSHALL", err: "Bad directive or wrong number of arguments"},
		{line: "rename-command FLUSHALL \"\"", err: "Directive 'rename-command' is not supported by Redoubt yet"},
		{line: "loadmodule /x.so", err: "Directive 'loadmodule' is not supported by Redoubt yet"},
		{line: "sentinel monitor m 127.0.0.1 6379 2", err: "Directive 'sentinel' is not supported by Redoubt yet"},
		{line: "mymod.opt 1", err: "Directive 'mymod.opt' is not supported by Redoubt yet"},
		{line: "mymod.opt", err: "Module config specified without value"},
	}
	for _, tt := range tests {
		c, err := loadText(t, tt.line+"\n")
		if tt.err != "" {
			if err == nil {
				t.Errorf("%q: loaded, want error %q", tt.line, tt.err)
				continue
			}
			if fe := fileError(t, err); fe.Msg != tt.err {
				t.Errorf("%q: error %q, want %q", tt.line, fe.Msg, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if got := c.Get(tt.name); len(got) != 2 || got[1] != tt.want {
			t.Errorf("%q: %s = %q, want %q", tt.line, tt.name, got, tt.want)
		}
	}
}

func TestBitflagsEnum(t *testing.T) {
	d := directiveNamed("shutdown-on-sigterm")
	for in, want := range map[string]string{"force now": "now force", "default now": "now", "NOSAVE": "nosave", "force now save": "save now force"} {
		n, msg := d.parseEnum(strings.Fields(in))
		if got := d.enumName(n); msg != "" || got != want {
			t.Errorf("%q: %q (%s), want %q", in, got, msg, want)
		}
	}
}

func TestNotYetImplemented(t *testing.T) {
	// At their defaults, directives Redoubt does not implement load.
	for _, line := range []string{"appendonly no", "maxmemory 0", "maxmemory 0kb", "tls-port 0", `notify-keyspace-events ""`,
		"replicaof no one", "maxmemory-policy noeviction", "activedefrag no", "lua-time-limit 5000", "enable-module-command no"} {
		if _, err := loadText(t, line+"\n"); err != nil {
			t.Errorf("%q: %v", line, err)
		}
	}
	_, err := loadText(t, "# header\nmaxmemory 100mb\n")
	fe := fileError(t, err)
	if fe.Line != 2 || fe.Text != "maxmemory 100mb" || fe.Msg != "Directive 'maxmemory' is not supported by Redoubt yet" {
		t.Errorf("got %+v", fe)
	}
	_, err = loadText(t, "SLAVEOF 10.0.0.1 6379\n")
	if fe := fileError(t, err); fe.Msg != "Directive 'slaveof' is not supported by Redoubt yet" {
		t.Errorf("got %+v", fe)
	}
	c := Default()
	if err := c.Set("maxmemory", "0"); err != nil {
		t.Errorf("setting a default: %v", err)
	}
	want := "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - not supported by Redoubt yet"
	if err := c.Set("maxmemory", "1mb"); err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestMarkImplemented(t *testing.T) {
	d := directiveNamed("maxmemory-samples")
	u := directiveNamed("rename-command")
	defer d.implemented.Store(false)
	defer u.implemented.Store(false)
	MarkImplemented("MAXMEMORY-SAMPLES", "rename-command")
	c, err := loadText(t, "maxmemory-samples 7\nrename-command FLUSHALL \"\"\nrename-command DEBUG xyz\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Int("maxmemory-samples") != 7 {
		t.Errorf("maxmemory-samples = %d", c.Int("maxmemory-samples"))
	}
	if got, want := c.Lines("rename-command"), [][]string{{"FLUSHALL", ""}, {"DEBUG", "xyz"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("MarkImplemented of an unknown name did not panic")
		}
	}()
	MarkImplemented("no-such-directive")
}

func TestRedactedFileError(t *testing.T) {
	for _, line := range []string{"requirepass a b", `masterauth "unbalanced`, "user alice on >secret", "tls-key-file-pass x y"} {
		_, err := loadText(t, line+"\n")
		fe := fileError(t, err)
		if strings.Contains(fe.Error(), "secret") || strings.Contains(fe.Text, " a b") || strings.Contains(fe.Text, "unbalanced") || strings.Contains(fe.Text, "x y") {
			t.Errorf("%q: sensitive value echoed: %q", line, fe.Error())
		}
		if !strings.HasSuffix(fe.Text, " (redacted)") {
			t.Errorf("%q: text %q", line, fe.Text)
		}
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args  []string
		first bool
		want  string
		stdin bool
	}{
		{args: []string{"--port", "7000", "--bind", "127.0.0.1", "::1"}, want: "port \"7000\" \nbind \"127.0.0.1\" \"::1\" "},
		{args: []string{"--save", ""}, want: `save "" `},
		{args: []string{"--save"}, want: `save ""`},
		{args: []string{"--save", "--port", "1"}, want: "save \"\"\nport \"1\" "},
		{args: []string{"--maxmemory", "--5"}, want: `maxmemory "--5" `},
		{args: []string{"--port 6380", "--loglevel", "a\"b"}, want: "port 6380 \nloglevel \"a\\\"b\" "},
		{args: []string{"--sentinel", "--port", "1"}, want: "sentinel \nport \"1\" "},
		{args: []string{"x", "y"}, want: `"x" "y" `},
		{args: []string{"-"}, first: true, stdin: true},
		{args: []string{"--port", "1", "-"}, want: `port "1" `, stdin: true},
		{args: []string{"-", "--port", "1"}, want: "\"-\" \nport \"1\" "}, // not first: a plain word
	}
	for _, tt := range tests {
		got, stdin := commandLine(tt.args, tt.first)
		if got != tt.want || stdin != tt.stdin {
			t.Errorf("commandLine(%q) = %q, %v; want %q, %v", tt.args, got, stdin, tt.want, tt.stdin)
		}
	}
}

func TestLoadArgs(t *testing.T) {
	c, err := loadText(t, "port 7000\nsave 900 1\n", "--port", "7001", "--save", "60", "5", "--save", "10", "1", "--bind", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Get("port", "save", "bind"); !reflect.DeepEqual(got, []string{"port", "7001", "save", "900 1 60 5 10 1", "bind", "127.0.0.1 ::1"}) {
		t.Errorf("got %q", got)
	}
	c, err = Load("", []string{"--save", "--timeout", "5"}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if c.String("save") != "" || c.Int("timeout") != 5 || c.File() != "" {
		t.Errorf("save %q timeout %d file %q", c.String("save"), c.Int("timeout"), c.File())
	}
	// Argument lines are numbered after the file's, as in Redis (its trailing newline
	// plus the one Redis inserts).
	_, err = loadText(t, "save 900 1\n", "--port", "7000", "--timeout", "1", "2")
	fe := fileError(t, err)
	if fe.Line != 4 || fe.Text != `timeout "1" "2"` || fe.Msg != "wrong number of arguments" {
		t.Errorf("got %+v", fe)
	}
	if _, err := Load("", []string{"-"}, testVersion); err == nil {
		t.Error("config from stdin was accepted")
	}
}

func TestLoadMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.conf")
	_, err := Load(p, nil, testVersion)
	want := "Fatal error, can't open config file '" + p + "': No such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	confd := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confd, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, confd, "10-a.conf", "timeout 10\nport 1\n")
	writeFile(t, confd, "20-b.conf", "timeout 20\n")
	writeFile(t, confd, ".hidden.conf", "timeout 99\n")
	writeFile(t, confd, "skip.txt", "timeout 98\n")
	writeFile(t, dir, "nested.conf", "include "+filepath.Join(confd, "*.conf")+"\ntcp-keepalive 5\n")
	main := writeFile(t, dir, "main.conf", "port 2\ninclude "+filepath.Join(dir, "nested.conf")+"\ninclude "+filepath.Join(dir, "empty.d", "*.conf")+"\n")
	c, err := Load(main, nil, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if c.Int("timeout") != 20 || c.Int("port") != 1 || c.Int("tcp-keepalive") != 5 {
		t.Errorf("timeout %d port %d tcp-keepalive %d", c.Int("timeout"), c.Int("port"), c.Int("tcp-keepalive"))
	}

	// A relative include is found from dir, where Redis's chdir would be.
	writeFile(t, dir, "rel.conf", "timeout 42\n")
	c, err = loadText(t, "dir "+dir+"\ninclude rel.conf\n")
	if err != nil || c.Int("timeout") != 42 {
		t.Fatalf("relative include: %v", err)
	}

	// Errors in an included file are numbered within that file.
	writeFile(t, dir, "bad.conf", "# one\ntimeout x\n")
	_, err = loadText(t, "port 1\ninclude "+filepath.Join(dir, "bad.conf")+"\n")
	if fe := fileError(t, err); fe.Line != 2 || fe.Text != "timeout x" {
		t.Errorf("got %+v", fe)
	}

	_, err = loadText(t, "include /nonexistent-redoubt.conf\n")
	if err == nil || err.Error() != "Fatal error, can't open config file '/nonexistent-redoubt.conf': No such file or directory" {
		t.Errorf("missing include: %v", err)
	}

	loop := filepath.Join(dir, "loop.conf")
	writeFile(t, dir, "loop.conf", "include "+loop+"\n")
	_, err = Load(loop, nil, testVersion)
	if fe := fileError(t, err); fe.Msg != "include nesting is too deep" {
		t.Errorf("include loop: %+v", fe)
	}
}

func TestLoadDebianConf(t *testing.T) {
	const path = "/etc/redis/redis.conf"
	if _, err := os.Stat(path); err != nil {
		t.Skip("Debian's redis.conf is not installed")
	}
	c, err := Load(path, nil, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	if c.String("bind") != "127.0.0.1 -::1" || !c.Bool("protected-mode") || c.Int("auto-aof-rewrite-min-size") != 64<<20 {
		t.Errorf("bind %q protected-mode %v", c.String("bind"), c.Bool("protected-mode"))
	}
}

// FuzzLoad feeds arbitrary config text to the loader: it must not panic, and a config that
// loads must survive CONFIG REWRITE and a reload unchanged.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"port 7000\nbind 127.0.0.1 ::1\nsave 900 1\nsave 300 10\n",
		"client-output-buffer-limit replica 1mb 2k 3\noom-score-adj-values 1 2 3\n",
		`requirepass "p\x00w\"d"` + "\nlogfile ''\nproc-title-template \"{title} {port}\"\n",
		"hz 1000\nunixsocketperm 755\nlatency-tracking-info-percentiles 1.5 99.99\nnotify-keyspace-events \"\"\n",
		"shutdown-on-sigint now force\nmaxmemory-clients 0%\nhash-max-ziplist-value 1kb\n",
		"bind\nsave\nreplicaof no one\n# comment\n\"unbalanced\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		if strings.Contains(ascii.Lower(content), "include") {
			return // may read any file, /dev/zero included
		}
		c := Default()
		l := &loader{c: c, version: testVersion, w: &working{vals: c.vals, loading: true}}
		if l.load(content, 0) != nil {
			return
		}
		c.file = filepath.Join(dir, "fuzz.conf")
		os.Remove(c.file)
		if err := c.Rewrite(); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, err := Load(c.file, nil, testVersion)
		if err != nil {
			data, _ := os.ReadFile(c.file)
			t.Fatalf("reload of %q: %v\n%s", content, err, data)
		}
		if a, b := c.Get("*"), again.Get("*"); !reflect.DeepEqual(a, b) {
			t.Fatalf("reload of %q changed the config:\n%q\n%q", content, a, b)
		}
	})
}
