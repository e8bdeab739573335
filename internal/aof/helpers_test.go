package aof

import (
	"bytes"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/rdb"
)

// resp encodes one command as the log writes it.
func resp(args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return string(appendCommand(nil, b))
}

func cmd(args ...string) [][]byte {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return b
}

// recorder is a Handler that records what it is given.
type recorder struct {
	files []string
	rdbs  [][]byte
	cmds  []string // each command's arguments joined by spaces
	fail  string   // Exec fails on a command starting with this
}

func (r *recorder) BeginFile(name string) { r.files = append(r.files, name) }

func (r *recorder) LoadRDB(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	r.rdbs = append(r.rdbs, b)
	return err
}

func (r *recorder) Exec(args [][]byte) error {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = string(a)
	}
	line := strings.Join(s, " ")
	if r.fail != "" && strings.HasPrefix(line, r.fail) {
		return io.ErrUnexpectedEOF
	}
	r.cmds = append(r.cmds, line)
	return nil
}

// logLines collects log output.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level+": "+msg)
}

func (l *logLines) has(sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// testConfig is a config on fsys in /data with a fixed clock.
func testConfig(fsys FS, logs *logLines) Config {
	c := Config{Dir: "/data", FS: fsys, Now: func() time.Time { return time.Unix(1700000000, 0) }}
	if logs != nil {
		c.Log = logs.log
	}
	return c
}

func loadAll(t *testing.T, cfg Config, truncatedOK bool) (*recorder, LoadInfo) {
	t.Helper()
	r := &recorder{}
	info, err := Load(cfg, truncatedOK, r)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r, info
}

// testRDB writes an RDB holding string keys in database 0.
func testRDB(t testing.TB, kv map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := rdb.NewWriter(&buf, rdb.WriterOptions{CTime: 1700000000})
	if err != nil {
		t.Fatal(err)
	}
	if len(kv) > 0 {
		if err := w.SelectDB(0, len(kv), 0); err != nil {
			t.Fatal(err)
		}
		for _, k := range slices.Sorted(maps.Keys(kv)) {
			if err := w.WriteKey(k, &keyspace.Object{Type: keyspace.TypeString, Str: []byte(kv[k])}, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rdbKeys decodes an RDB into key=value strings.
func rdbKeys(t testing.TB, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := rdb.LoadBytes(b, rdb.Options{}, func(db int, key string, o keyspace.Object, _ int64) error {
		out[key] = string(o.Str)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
