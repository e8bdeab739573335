package aof

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// FuzzLoadAOF loads arbitrary bytes as the last incr file: Load must never panic, must
// leave the file either untouched or cut to a prefix ending at a command boundary, and a
// load after a truncation must be clean and replay the same commands.
func FuzzLoadAOF(f *testing.F) {
	f.Add([]byte(resp("SET", "k", "v")+resp("SELECT", "1")), true)
	f.Add([]byte("#TS:1700000000\r\n"+resp("MULTI")+resp("INCR", "a")+resp("EXEC")), false)
	f.Add([]byte(resp("MULTI")+resp("INCR", "a")), true)
	f.Add([]byte(resp("SET", "k", "v")+"*2\r\n$3\r\nGET\r\n$10\r\nab"), true)
	f.Add([]byte("*1\r\n$999999999999999999\r\n"), true)
	f.Add([]byte("*-1\r\n$3\r\nfoo\r\n"), false)
	f.Add([]byte("*1\r\n$3\r\nfooXX"), true)
	f.Add([]byte(resp("EXEC")), true)
	f.Fuzz(func(t *testing.T, data []byte, truncatedOK bool) {
		const path = dir + "/appendonly.aof.1.incr.aof"
		fsys := layoutFS(map[string]string{
			"appendonlydir/appendonly.aof.manifest":   "file appendonly.aof.1.incr.aof seq 1 type i\n",
			"appendonlydir/appendonly.aof.1.incr.aof": string(data),
		})
		cfg := testConfig(fsys, nil)
		r := &recorder{}
		info, err := Load(cfg, truncatedOK, r)
		after := fsys.content(path)
		if err != nil {
			if !bytes.Equal(after, data) {
				t.Fatalf("a failed load changed the file")
			}
			var ce *CorruptError
			if errors.As(err, &ce) && (ce.Offset < 0 || ce.Offset > int64(len(data)) || ce.ValidUpTo > ce.Offset) {
				t.Fatalf("offsets out of range: %+v for %d bytes", ce, len(data))
			}
			return
		}
		if info.Truncated == nil {
			if !bytes.Equal(after, data) {
				t.Fatal("the file changed without a truncation")
			}
		} else if !truncatedOK || !bytes.HasPrefix(data, after) || int64(len(after)) != info.Truncated.ValidUpTo {
			t.Fatalf("truncated to %d bytes (ValidUpTo %d, truncatedOK %v)", len(after), info.Truncated.ValidUpTo, truncatedOK)
		}
		r2 := &recorder{}
		info2, err := Load(cfg, false, r2)
		if err != nil || info2.Truncated != nil || !slices.Equal(r.cmds, r2.cmds) {
			t.Fatalf("reload: %v, %+v, %q vs %q", err, info2.Truncated, r2.cmds, r.cmds)
		}
	})
}

// FuzzManifest parses arbitrary manifests: no panic, only plain file names, and what
// parses marshals to a manifest that parses back the same.
func FuzzManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Add([]byte("# c\nfile \"a b\\x41\" seq 2 type h\nFILE 'x\\'y' SEQ 3 TYPE i extra 1\n"))
	f.Add([]byte("file ../../etc/passwd seq 1 type b\n"))
	f.Add([]byte("file a seq 1 type b\nfile b seq 1 type b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		var all []FileInfo
		if m.Base != nil {
			all = append(all, *m.Base)
		}
		all = append(append(all, m.History...), m.Incrs...)
		for _, fi := range all {
			if checkFileName(fi.Name) != nil || fi.Seq < 1 || fi.Seq > maxSeq {
				t.Fatalf("accepted %+v", fi)
			}
		}
		if len(all) == 0 {
			return
		}
		out := m.Marshal()
		m2, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("our own %q does not parse: %v", out, err)
		}
		if !reflect.DeepEqual(m, m2) || !bytes.Equal(m2.Marshal(), out) {
			t.Fatalf("round trip: %+v became %+v", m, m2)
		}
	})
}

// FuzzCheck checks arbitrary bytes as a single file (which may start with an RDB
// preamble) with --fix: no panic, and a fixed file checks valid.
func FuzzCheck(f *testing.F) {
	rdbFile := testRDB(f, map[string]string{"a": "1"})
	f.Add(append(slices.Clone(rdbFile), resp("SET", "b", "2")...))
	f.Add(zeroCRC(rdbFile))
	f.Add([]byte(resp("SET", "b", "2") + "\x00\x00"))
	f.Add([]byte(resp("SET", "b", "2") + "junk" + resp("SET", "c", "3")))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := layoutFS(map[string]string{"f.aof": string(data)})
		r, err := Check(fsys, "/data/f.aof", true)
		if err != nil {
			return
		}
		after := fsys.content("/data/f.aof")
		if !r.Fixed {
			if !bytes.Equal(after, data) {
				t.Fatal("the file changed without a fix")
			}
			return
		}
		if !bytes.HasPrefix(data, after) {
			t.Fatal("the fix is not a truncation")
		}
		if r2, err := Check(fsys, "/data/f.aof", false); err == nil && !r2.Valid {
			t.Fatalf("the fixed file is invalid: %q", r2.Lines)
		}
	})
}
