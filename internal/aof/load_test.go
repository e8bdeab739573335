package aof

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const dir = "/data/appendonlydir"

// layoutFS builds a filesystem holding files (paths relative to /data).
func layoutFS(files map[string]string) *memFS {
	m := newMemFS()
	m.dirs["/data"] = true
	for name, content := range files {
		m.put("/data/"+name, []byte(content))
	}
	return m
}

func TestLoadLayouts(t *testing.T) {
	rdbA := string(testRDB(t, map[string]string{"a": "1"}))
	manifest := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	tests := []struct {
		name    string
		files   map[string]string
		legacy  bool
		existed bool
		loaded  []string // files replayed
		rdbs    []string
		cmds    []string
	}{
		{name: "nothing", files: nil},
		{name: "manifest listing only history", existed: false, files: map[string]string{
			"appendonlydir/appendonly.aof.manifest": "file appendonly.aof.1.base.rdb seq 1 type h\n",
		}},
		{name: "rdb base and two incr files", existed: true, files: map[string]string{
			"appendonlydir/appendonly.aof.manifest":   manifest,
			"appendonlydir/appendonly.aof.1.base.rdb": rdbA,
			"appendonlydir/appendonly.aof.1.incr.aof": resp("SELECT", "0") + resp("SET", "b", "2"),
			"appendonlydir/appendonly.aof.2.incr.aof": "#TS:1700000000\r\n" + resp("SELECT", "1") + resp("SET", "c", "3"),
		},
			loaded: []string{"appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof"},
			rdbs:   []string{rdbA}, cmds: []string{"SELECT 0", "SET b 2", "SELECT 1", "SET c 3"}},
		{name: "aof base and an empty incr", existed: true, files: map[string]string{
			"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
			"appendonlydir/appendonly.aof.1.base.aof": resp("SELECT", "0") + resp("RPUSH", "l", "x", "y"),
			"appendonlydir/appendonly.aof.1.incr.aof": "",
		},
			loaded: []string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof"},
			cmds:   []string{"SELECT 0", "RPUSH l x y"}},
		{name: "incr files only", existed: true, files: map[string]string{
			"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.3.incr.aof seq 3 type i\n",
			"appendonlydir/appendonly.aof.3.incr.aof": resp("SET", "x", "1"),
		},
			loaded: []string{"appendonly.aof.3.incr.aof"}, cmds: []string{"SET x 1"}},
		{name: "rdb base with checksum disabled and commands after it", existed: true, files: map[string]string{
			"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.1.base.rdb seq 1 type b\n",
			"appendonlydir/appendonly.aof.1.base.rdb": string(zeroCRC([]byte(rdbA))) + resp("SET", "t", "1"),
		},
			loaded: []string{"appendonly.aof.1.base.rdb"}, rdbs: []string{string(zeroCRC([]byte(rdbA)))}, cmds: []string{"SET t 1"}},
		{name: "legacy file", legacy: true, existed: true, files: map[string]string{
			"appendonly.aof": resp("SET", "old", "1") + resp("MULTI") + resp("INCR", "n") + resp("EXEC"),
		},
			loaded: []string{"appendonly.aof"}, cmds: []string{"SET old 1", "INCR n"}},
		{name: "legacy file with an RDB preamble", legacy: true, existed: true, files: map[string]string{
			"appendonly.aof": rdbA + resp("SET", "tail", "1"),
		},
			loaded: []string{"appendonly.aof"}, rdbs: []string{rdbA}, cmds: []string{"SET tail 1"}},
		{name: "legacy upgrade interrupted after the manifest", legacy: true, existed: true, files: map[string]string{
			"appendonly.aof":                        resp("SET", "old", "1"),
			"appendonlydir/appendonly.aof.manifest": "file appendonly.aof seq 1 type b\n",
		},
			loaded: []string{"appendonly.aof"}, cmds: []string{"SET old 1"}},
		{name: "legacy file ignored beside a manifest", existed: true, files: map[string]string{
			"appendonly.aof":                          resp("SET", "old", "1"),
			"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.1.incr.aof seq 1 type i\n",
			"appendonlydir/appendonly.aof.1.incr.aof": resp("SET", "new", "1"),
		},
			loaded: []string{"appendonly.aof.1.incr.aof"}, cmds: []string{"SET new 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := layoutFS(tt.files)
			r, info := loadAll(t, testConfig(fsys, nil), false)
			if info.Existed != tt.existed || info.Legacy != tt.legacy {
				t.Fatalf("info %+v, want existed=%v legacy=%v", info, tt.existed, tt.legacy)
			}
			if !slices.Equal(info.Files, tt.loaded) || !slices.Equal(r.files, tt.loaded) {
				t.Fatalf("files %q (handler saw %q), want %q", info.Files, r.files, tt.loaded)
			}
			var rdbs []string
			for _, b := range r.rdbs {
				rdbs = append(rdbs, string(b))
			}
			if !slices.Equal(rdbs, tt.rdbs) {
				t.Fatalf("RDBs %q, want %q", rdbs, tt.rdbs)
			}
			if !slices.Equal(r.cmds, tt.cmds) || info.Commands != int64(len(tt.cmds)) {
				t.Fatalf("commands %q (%d counted), want %q", r.cmds, info.Commands, tt.cmds)
			}
			// Loading changes nothing on disk.
			for name, content := range tt.files {
				if got := string(fsys.content("/data/" + name)); got != content {
					t.Fatalf("%s changed by Load", name)
				}
			}
		})
	}
}

func TestLoadTruncatedTail(t *testing.T) {
	good := resp("SET", "a", "1")
	tests := []struct {
		name, tail string
		damaged    string // the file with the torn tail
		cmds       []string
	}{
		{"torn command", "*3\r\n$3\r\nSET\r\n$1\r\nb", "appendonly.aof.2.incr.aof", []string{"SET base 1", "SET x 1", "SET a 1"}},
		{"MULTI without EXEC", resp("MULTI") + resp("SET", "b", "2"), "appendonly.aof.2.incr.aof", []string{"SET base 1", "SET x 1", "SET a 1"}},
		{"torn annotation", "#TS:17000", "appendonly.aof.2.incr.aof", []string{"SET base 1", "SET x 1", "SET a 1"}},
	}
	for _, tt := range tests {
		for _, ok := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s truncatedOK=%v", tt.name, ok), func(t *testing.T) {
				files := map[string]string{
					"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
					"appendonlydir/appendonly.aof.1.base.aof": resp("SET", "base", "1"),
					"appendonlydir/appendonly.aof.1.incr.aof": resp("SET", "x", "1"),
					"appendonlydir/appendonly.aof.2.incr.aof": good + tt.tail,
				}
				fsys := layoutFS(files)
				logs := &logLines{}
				r := &recorder{}
				info, err := Load(testConfig(fsys, logs), ok, r)
				path := dir + "/" + tt.damaged
				if !ok {
					var ce *CorruptError
					if !errors.As(err, &ce) || !ce.Truncated || ce.File != tt.damaged || ce.ValidUpTo != int64(len(good)) ||
						!strings.Contains(err.Error(), "aof-load-truncated") || !strings.Contains(err.Error(), "check-aof --fix") {
						t.Fatalf("error %v, want a truncation of %s at %d with both hints", err, tt.damaged, len(good))
					}
					if string(fsys.content(path)) != good+tt.tail {
						t.Fatal("the file was modified although truncation is not allowed")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(r.cmds, tt.cmds) {
					t.Fatalf("commands %q, want %q", r.cmds, tt.cmds)
				}
				if got := string(fsys.content(path)); got != good {
					t.Fatalf("file on disk is %q, want it truncated to %q", got, good)
				}
				if info.Truncated == nil || info.Truncated.ValidUpTo != int64(len(good)) {
					t.Fatalf("info.Truncated = %+v", info.Truncated)
				}
				if !logs.has("Truncating the AOF appendonly.aof.2.incr.aof at offset 27") || !logs.has("loaded anyway") {
					t.Fatalf("warnings missing: %q", logs.lines)
				}
				// The next load is clean.
				r2, info2 := loadAll(t, testConfig(fsys, nil), false)
				if info2.Truncated != nil || !slices.Equal(r2.cmds, tt.cmds) {
					t.Fatalf("reload: %+v %q", info2, r2.cmds)
				}
			})
		}
	}
}

func TestLoadTruncatedOnlyFile(t *testing.T) {
	fsys := layoutFS(map[string]string{"appendonly.aof": resp("SET", "a", "1") + "*2\r\n$3\r\nGET"})
	r, info := loadAll(t, testConfig(fsys, nil), true)
	if !info.Legacy || !slices.Equal(r.cmds, []string{"SET a 1"}) || string(fsys.content("/data/appendonly.aof")) != resp("SET", "a", "1") {
		t.Fatalf("info %+v, commands %q, file %q", info, r.cmds, fsys.content("/data/appendonly.aof"))
	}
}

func TestLoadFails(t *testing.T) {
	rdbA := string(testRDB(t, map[string]string{"a": "1"}))
	base := map[string]string{
		"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		"appendonlydir/appendonly.aof.1.base.rdb": rdbA,
		"appendonlydir/appendonly.aof.1.incr.aof": resp("SET", "x", "1"),
		"appendonlydir/appendonly.aof.2.incr.aof": resp("SET", "y", "1"),
	}
	with := func(name, content string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		if content == "\x00delete" {
			delete(m, name)
		} else {
			m[name] = content
		}
		return m
	}
	tests := []struct {
		name  string
		files map[string]string
		fail  string // handler's Exec fails on this command
		want  []string
	}{
		{"corruption in the middle of the last file", with("appendonlydir/appendonly.aof.2.incr.aof", resp("SET", "y", "1")+"garbage"+resp("SET", "z", "1")),
			"", []string{"appendonly.aof.2.incr.aof", "offset 27", "found byte 0x67", "check-aof --fix"}},
		{"torn file that is not the last", with("appendonlydir/appendonly.aof.1.incr.aof", resp("SET", "x", "1")+"*1\r\n"),
			"", []string{"appendonly.aof.1.incr.aof", "offset 31", "not the last file", "check-aof --fix"}},
		{"corrupt RDB base", with("appendonlydir/appendonly.aof.1.base.rdb", rdbA[:len(rdbA)-4]),
			"", []string{"appendonly.aof.1.base.rdb", "no end of the RDB preamble"}},
		{"incr file with an RDB", with("appendonlydir/appendonly.aof.1.incr.aof", rdbA),
			"", []string{"appendonly.aof.1.incr.aof", "offset 0", "found byte 0x52"}},
		{"listed file missing", with("appendonlydir/appendonly.aof.2.incr.aof", "\x00delete"),
			"", []string{"appendonly.aof.2.incr.aof", "does not exist"}},
		{"bad manifest", with("appendonlydir/appendonly.aof.manifest", "file ../../etc/passwd seq 1 type b\n"),
			"", []string{"appendonly.aof.manifest", "line 1", "can't be a path"}},
		{"handler refuses a command", base, "SET y", []string{"appendonly.aof.2.incr.aof", "offset 0", `command "SET"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := layoutFS(tt.files)
			_, err := Load(testConfig(fsys, nil), true, &recorder{fail: tt.fail})
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
			for name, content := range tt.files {
				if string(fsys.content("/data/"+name)) != content {
					t.Fatalf("%s changed by a failed Load", name)
				}
			}
		})
	}
}
