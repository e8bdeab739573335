package scripting

import (
	"strings"
	"testing"
)

// TestMemoryLimitStopsScripts: what the per-call caps cannot see — `..` doubling a string,
// a table growing without end — is stopped by script-max-memory, and the engine keeps
// working; ordinary scripts are not affected.
func TestMemoryLimitStopsScripts(t *testing.T) {
	e := New()
	e.SetMemoryLimit(64 << 20)
	for _, script := range []string{
		"local s = 'xxxxxxxx' for i = 1, 40 do s = s .. s end return #s",
		"local t = {} for i = 1, 1e10 do t[i] = i end return #t",
		"local t = {} for i = 1, 1e10 do t[#t+1] = {i} end return 1",
	} {
		got := run(e, script)
		if !strings.HasPrefix(got, "-ERR Script stopped: it grew memory by more than script-max-memory (67108864 bytes)") {
			t.Errorf("%s: %q", script, got)
		}
		if got := run(e, "local t = {} for i = 1, 1000 do t[i] = i end return #t"); got != ":1000\r\n" {
			t.Fatalf("after a stopped script: %q", got)
		}
	}
	e.SetMemoryLimit(0)
	if got := run(e, "local s = 'x' for i = 1, 20 do s = s .. s end return #s"); got != ":1048576\r\n" {
		t.Fatalf("with the limit off: %q", got)
	}
}
