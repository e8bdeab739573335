package logging

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var levelTests = []struct {
	in   string
	mark string // Redis's level mark in the line
	ok   bool
}{
	{"debug", ".", true}, {"verbose", "-", true}, {"notice", "*", true}, {"warning", "#", true},
	{"NOTICE", "*", true}, {"loud", "", false},
}

func TestParseLevel(t *testing.T) {
	for _, tt := range levelTests {
		if _, ok := ParseLevel(tt.in); ok != tt.ok {
			t.Errorf("ParseLevel(%q) ok = %v", tt.in, ok)
		}
	}
}

// TestLineFormatAndLevels checks Redis's line shape ("pid:M 27 Nov 2026 02:20:36.123 * msg"),
// which tools grep for, and that lines below loglevel are dropped.
func TestLineFormatAndLevels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.log")
	s, err := NewSink(path, LevelNotice)
	if err != nil {
		t.Fatal(err)
	}
	log := s.Logger()
	log.Debug("hidden debug")
	log.Info("Ready to accept connections")
	log.Warn("careful")
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines at notice, got %q", lines)
	}
	shape := regexp.MustCompile(`^\d+:M \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} ([.\-*#]) (.*)$`)
	for i, want := range []struct{ mark, msg string }{{"*", "Ready to accept connections"}, {"#", "careful"}} {
		m := shape.FindStringSubmatch(lines[i])
		if m == nil || m[1] != want.mark || m[2] != want.msg {
			t.Errorf("line %q, want mark %s msg %q", lines[i], want.mark, want.msg)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %04o, want 0600", st.Mode().Perm())
	}
}

// TestReopenAfterMove is logrotate's move-and-SIGHUP: after the file is moved away, Reopen
// starts a new file at the configured path and the old one receives nothing more.
func TestReopenAfterMove(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.log")
	s, err := NewSink(path, LevelNotice)
	if err != nil {
		t.Fatal(err)
	}
	log := s.Logger()
	log.Info("before")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reopen(s.Path()); err != nil {
		t.Fatal(err)
	}
	log.Info("after")
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if !strings.Contains(string(old), "before") || strings.Contains(string(old), "after") {
		t.Errorf("rotated file: %q", old)
	}
	if !strings.Contains(string(cur), "after") || strings.Contains(string(cur), "before") {
		t.Errorf("new file: %q", cur)
	}
}
