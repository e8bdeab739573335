package hardening

import (
	"os"
	"path/filepath"
	"testing"
)

var rootTests = []struct {
	euid   int
	refuse bool
	runAs  string
	err    error
}{
	{1000, true, "", nil},
	{0, false, "", nil},
	{0, true, "", ErrRoot},
	{0, true, "redis", nil}, // allowed: privileges are dropped after binding
}

func TestRootPolicy(t *testing.T) {
	for _, tt := range rootTests {
		if err := RootPolicy(tt.euid, tt.refuse, tt.runAs); err != tt.err {
			t.Errorf("RootPolicy(%d, %v, %q) = %v, want %v", tt.euid, tt.refuse, tt.runAs, err, tt.err)
		}
	}
}

func TestExposedCredentials(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		mode    os.FileMode
		exposed bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o644, true}, {0o606, true}} {
		p := filepath.Join(dir, "f")
		os.WriteFile(p, []byte("requirepass x\n"), 0o600)
		if err := os.Chmod(p, tt.mode); err != nil {
			t.Fatal(err)
		}
		if got := ExposedCredentials(p) != ""; got != tt.exposed {
			t.Errorf("mode %04o: exposed = %v, want %v", tt.mode, got, tt.exposed)
		}
	}
	if ExposedCredentials(filepath.Join(dir, "missing")) != "" {
		t.Error("a missing file is not exposed")
	}
}

func TestDropPrivilegesRefusesRoot(t *testing.T) {
	if err := DropPrivileges("root"); err == nil {
		t.Fatal("dropping to root must fail")
	}
	if err := DropPrivileges("no-such-user-redoubt"); err == nil {
		t.Fatal("an unknown user must fail")
	}
}
