package backup

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// pair returns the two files of the backup stamped s.
func pair(s string) []string {
	return []string{"redoubt-" + s + ".rdb", "redoubt-" + s + ".rdb.sha256"}
}

func names(groups ...[]string) []string { return slices.Concat(groups...) }

func TestPlanPrune(t *testing.T) {
	const (
		d1 = "20240101T000000Z"
		d2 = "20240102T000000Z"
		d3 = "20240103T000000Z"
		d4 = "20240104T000000Z"
		d5 = "20240105T000000Z"
	)
	lone := func(s string) []string { return pair(s)[:1] }
	loneSum := func(s string) []string { return pair(s)[1:] }
	cases := []struct {
		name    string
		files   []string
		keep    int
		current string
		want    []string
	}{
		{"nothing to do", names(pair(d1), pair(d2)), 2, d2, nil},
		{"keep newest two of four", names(pair(d3), pair(d1), pair(d4), pair(d2)), 2, d4, names(pair(d1), pair(d2))},
		{"keep one", names(pair(d1), pair(d2), pair(d3)), 1, d3, names(pair(d1), pair(d2))},
		{"fewer than keep", names(pair(d1)), 7, d1, nil},
		{"stale temporary files go", names(pair(d1), []string{".tmp-redoubt-" + d2 + ".rdb", ".tmp-redoubt-" + d2 + ".rdb.sha256"}), 3, d1,
			[]string{".tmp-redoubt-" + d2 + ".rdb", ".tmp-redoubt-" + d2 + ".rdb.sha256"}},
		// A lone half does not count as a backup: the two complete ones are kept.
		{"lone rdb newest is kept and not counted", names(pair(d1), pair(d2), lone(d3), pair(d4)), 2, d4, pair(d1)},
		{"lone sha256 older than retention goes", names(loneSum(d1), pair(d2), pair(d3)), 2, d3, loneSum(d1)},
		{"lone rdb older than retention goes", names(lone(d1), pair(d2), pair(d3)), 1, d3, names(lone(d1), pair(d2))},
		{"only lone halves", names(lone(d1), loneSum(d2)), 1, "", nil},
		// A clock set back names the new backup older than the others: it survives.
		{"current survives a clock set back", names(pair(d1), pair(d2), pair(d3), pair(d4), pair(d5)), 2, d1, names(pair(d2), pair(d3))},
		{"foreign files untouched", names(pair(d1), pair(d2), []string{"notes.txt", "dump.rdb", "redoubt-latest.rdb", "redoubt-2024.rdb", ".redoubt-backup.lock", ".tmp-other"}), 1, d2, pair(d1)},
		{"bad stamps untouched", names(pair(d1), pair(d2), []string{"redoubt-20241399T000000Z.rdb", "redoubt-20240101T000000Z.rdb.sha256.bak"}), 1, d2, pair(d1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			current := ""
			if c.current != "" {
				current = pair(c.current)[0]
			}
			got := planPrune(c.files, c.keep, current)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("planPrune(%q, %d) = %q, want %q", c.files, c.keep, got, want)
			}
		})
	}
}

func TestStampOf(t *testing.T) {
	cases := map[string]string{
		"redoubt-20240101T000000Z.rdb":        "20240101T000000Z",
		"redoubt-20240101T000000Z.rdb.sha256": "20240101T000000Z",
		"redoubt-20240101T000000Z.rdb.tmp":    "",
		"redoubt-20240101T000000.rdb":         "",
		"redoubt-.rdb":                        "",
		"xredoubt-20240101T000000Z.rdb":       "",
		"redoubt-20240230T000000Z.rdb":        "",
	}
	for name, want := range cases {
		if got := stampOf(name); got != want {
			t.Errorf("stampOf(%q) = %q, want %q", name, got, want)
		}
	}
	at := time.Date(2024, 3, 9, 17, 4, 5, 999, time.FixedZone("X", 3600))
	if got := backupName(at); got != "redoubt-20240309T160405Z.rdb" {
		t.Errorf("backupName = %q: the stamp must be UTC", got)
	}
}

// TestPruneDirectory applies a plan to a real directory: only the planned files go, and
// subdirectories are never touched even with a backup's name.
func TestPruneDirectory(t *testing.T) {
	dir := t.TempDir()
	files := names(pair("20240101T000000Z"), pair("20240102T000000Z"), pair("20240103T000000Z"), []string{"keep.me"})
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "redoubt-20230101T000000Z.rdb"), 0o700); err != nil {
		t.Fatal(err)
	}
	deleted, err := prune(dir, 1, pair("20240103T000000Z")[0])
	if err != nil {
		t.Fatal(err)
	}
	want := names(pair("20240101T000000Z"), pair("20240102T000000Z"))
	if !slices.Equal(deleted, want) {
		t.Errorf("deleted %q, want %q", deleted, want)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	wantLeft := []string{"keep.me", "redoubt-20230101T000000Z.rdb", "redoubt-20240103T000000Z.rdb", "redoubt-20240103T000000Z.rdb.sha256"}
	if !slices.Equal(left, wantLeft) {
		t.Errorf("left %q, want %q", left, wantLeft)
	}
}
