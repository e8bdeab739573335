package backup

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// writeBackup stores data as a backup named name in a new directory, with its .sha256.
func writeBackup(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".sha256", []byte(checksumLine(sha256.Sum256(data), name)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRestoreIntoFreshDir(t *testing.T) {
	data := testRDB(t, 10)
	from := writeBackup(t, "redoubt-20240101T000000Z.rdb", data)
	dir := filepath.Join(t.TempDir(), "data")
	res, err := Restore(RestoreOptions{From: from, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "dump.rdb")
	got, err := os.ReadFile(target)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("restored file differs: %v", err)
	}
	if res.Path != target || res.Keys != 11 || res.Bytes != int64(len(data)) || res.Previous != "" || len(res.Warnings) != 0 {
		t.Errorf("result %+v", res)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("restored file mode %v, want 0600", st.Mode())
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("created data directory mode %v, want 0700", st.Mode())
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"dump.rdb"}) {
		t.Errorf("data directory holds %q", got)
	}
}

func TestRestoreForceKeepsThePreviousFile(t *testing.T) {
	data := testRDB(t, 3)
	from := writeBackup(t, "redoubt-20240101T000000Z.rdb", data)
	dir := t.TempDir()
	target := filepath.Join(dir, "custom.rdb")
	os.WriteFile(target, []byte("the old data"), 0o600)
	res, err := Restore(RestoreOptions{From: from, Dir: dir, DBFilename: "custom.rdb", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); !bytes.Equal(got, data) {
		t.Error("the data file was not replaced")
	}
	if !strings.HasPrefix(res.Previous, target+".before-restore-") {
		t.Fatalf("previous file kept as %q", res.Previous)
	}
	if old, err := os.ReadFile(res.Previous); err != nil || string(old) != "the old data" {
		t.Errorf("previous file: %q %v", old, err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	data := testRDB(t, 3)
	const name = "redoubt-20240101T000000Z.rdb"
	cases := []struct {
		name  string
		setup func(t *testing.T) RestoreOptions
		want  string
	}{
		{"existing data file without --force", func(t *testing.T) RestoreOptions {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("live"), 0o600)
			return RestoreOptions{From: writeBackup(t, name, data), Dir: dir}
		}, "exists: make sure the server is stopped, then use --force"},
		{"data file is a directory", func(t *testing.T) RestoreOptions {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "dump.rdb"), 0o700)
			return RestoreOptions{From: writeBackup(t, name, data), Dir: dir, Force: true}
		}, "not a regular file"},
		{"no checksum file", func(t *testing.T) RestoreOptions {
			from := writeBackup(t, name, data)
			os.Remove(from + ".sha256")
			return RestoreOptions{From: from, Dir: t.TempDir()}
		}, "must have its .sha256 beside it"},
		{"checksum mismatch", func(t *testing.T) RestoreOptions {
			from := writeBackup(t, name, data)
			os.WriteFile(from, append(bytes.Clone(data), 0), 0o600)
			return RestoreOptions{From: from, Dir: t.TempDir()}
		}, "damaged or was replaced"},
		{"checksum for another file", func(t *testing.T) RestoreOptions {
			from := writeBackup(t, name, data)
			renamed := filepath.Join(filepath.Dir(from), "other.rdb")
			os.Rename(from, renamed)
			os.Rename(from+".sha256", renamed+".sha256")
			return RestoreOptions{From: renamed, Dir: t.TempDir()}
		}, `not "other.rdb"`},
		{"checksum matches a corrupt RDB", func(t *testing.T) RestoreOptions {
			bad := bytes.Clone(data)
			bad[len(bad)-3] ^= 1 // the CRC
			return RestoreOptions{From: writeBackup(t, name, bad), Dir: t.TempDir()}
		}, "not a valid RDB file"},
		{"dbfilename is a path", func(t *testing.T) RestoreOptions {
			return RestoreOptions{From: writeBackup(t, name, data), Dir: t.TempDir(), DBFilename: "../etc/dump.rdb"}
		}, "must be a plain file name"},
		{"group-writable data directory", func(t *testing.T) RestoreOptions {
			dir := t.TempDir()
			os.Chmod(dir, 0o775)
			return RestoreOptions{From: writeBackup(t, name, data), Dir: dir}
		}, "writable by group or others"},
		{"missing backup", func(t *testing.T) RestoreOptions {
			return RestoreOptions{From: filepath.Join(t.TempDir(), name), Dir: t.TempDir()}
		}, "no such file"},
		{"oversize backup", func(t *testing.T) RestoreOptions {
			return RestoreOptions{From: writeBackup(t, name, data), Dir: t.TempDir(), MaxSize: 10}
		}, "larger than the limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.setup(t)
			before := listing(t, o.Dir)
			_, err := Restore(o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if after := listing(t, o.Dir); !slices.Equal(before, after) {
				t.Errorf("the data directory changed: %q -> %q", before, after)
			}
		})
	}
}

// listing returns dir's entries with their sizes, or nil when dir does not exist.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		info, _ := e.Info()
		out = append(out, fmt.Sprintf("%s:%d", e.Name(), info.Size()))
	}
	return out
}

func TestRestoreWarnsAboutAnAOF(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "appendonlydir"), 0o700)
	res, err := Restore(RestoreOptions{From: writeBackup(t, "b.rdb", testRDB(t, 1)), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "appendonly yes") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

// TestRestoreAsRootGivesTheFileToTheServerUser: root restoring into a directory owned by
// the server's user leaves a file that user can read.
func TestRestoreAsRootGivesTheFileToTheServerUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	const uid, gid = 4242, 4343
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(RestoreOptions{From: writeBackup(t, "b.rdb", testRDB(t, 1)), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(res.Path)
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != uid || sys.Gid != gid {
		t.Errorf("restored file owned by %d:%d, want %d:%d", sys.Uid, sys.Gid, uid, gid)
	}
}

func TestParseChecksumFile(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	good := checksumLine(sum, "a.rdb")
	cases := []struct{ in, want string }{
		{good, ""},
		{strings.TrimSuffix(good, "\n"), ""},
		{strings.Replace(good, "  ", " *", 1), ""}, // binary mode marker
		{strings.ToUpper(good[:64]) + good[64:], ""},
		{"", "exactly one line"},
		{good + good, "exactly one line"},
		{good[:63] + "  a.rdb\n", "not in sha256sum format"},
		{"zz" + good[2:], "bad digest"},
		{strings.Replace(good, "a.rdb", "b.rdb", 1), `for "b.rdb"`},
		{strings.Replace(good, "  ", "\t", 1), "not in sha256sum format"},
	}
	for _, c := range cases {
		got, err := parseChecksumFile([]byte(c.in), "a.rdb")
		if c.want == "" {
			if err != nil || got != sum {
				t.Errorf("%q: %v", c.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

// FuzzParseChecksumFile: arbitrary .sha256 contents never panic, and what is accepted
// names the file and re-encodes to the same digest.
func FuzzParseChecksumFile(f *testing.F) {
	f.Add([]byte(checksumLine(sha256.Sum256(nil), "a.rdb")))
	f.Add([]byte("0 *a.rdb\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sum, err := parseChecksumFile(b, "a.rdb")
		if err != nil {
			return
		}
		again, err := parseChecksumFile([]byte(checksumLine(sum, "a.rdb")), "a.rdb")
		if err != nil || again != sum {
			t.Fatalf("accepted %q but its digest does not round-trip: %v", b, err)
		}
	})
}
