package hardening

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/redoubt/redoubt/internal/config"
)

func severity(fs []Finding, check string) string {
	for _, f := range fs {
		if f.Check == check {
			return f.Severity
		}
	}
	return ""
}

var auditTests = []struct {
	name  string
	args  []string
	euid  int
	check string
	want  string
}{
	{"defaults are loopback only", nil, 1000, "exposure", "ok"},
	{"defaults lack a password", nil, 1000, "authentication", "medium"},
	{"open to the world", []string{"--bind", "0.0.0.0", "--protected-mode", "no"}, 1000, "exposure", "high"},
	{"public but protected", []string{"--bind", "0.0.0.0"}, 1000, "exposure", "medium"},
	{"public with a password", []string{"--bind", "0.0.0.0", "--requirepass", "0123456789abcdef0123456789abcdef"}, 1000, "exposure", "low"},
	{"short password", []string{"--requirepass", "imadolphin"}, 1000, "authentication", "medium"},
	{"public without TLS", []string{"--bind", "0.0.0.0"}, 1000, "transport", "medium"},
	{"protected configs opened", []string{"--enable-protected-configs", "yes"}, 1000, "wannamine", "high"},
	{"protected configs closed", nil, 1000, "wannamine", "ok"},
	{"root", nil, 0, "root", "high"},
	{"root dropping privileges", []string{"--run-as-user", "redis"}, 0, "root", "ok"},
	{"lockout disabled", []string{"--auth-max-failures", "0"}, 1000, "brute-force", "medium"},
}

func TestAudit(t *testing.T) {
	for _, tt := range auditTests {
		cfg, err := config.Load("", tt.args, "test")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := severity(Audit(cfg, "", tt.euid), tt.check); got != tt.want {
			t.Errorf("%s: %s = %q, want %q", tt.name, tt.check, got, tt.want)
		}
	}
}

func TestAuditReadableConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "redis.conf")
	os.WriteFile(p, []byte("requirepass 0123456789abcdef0123456789abcdef\n"), 0o600)
	os.Chmod(p, 0o644)
	cfg, err := config.Load(p, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := severity(Audit(cfg, p, 1000), "files"); got != "high" {
		t.Fatalf("a world-readable config with a password: files = %q, want high", got)
	}
}
