package e2e

import (
	"strings"
	"testing"
)

// TestScriptMemoryLimit: a script that grows memory without bound through what no per-call
// cap sees (string concatenation) is stopped by script-max-memory with a clear error, and the
// server keeps serving — Redis would grow until the kernel's OOM killer ends it.
func TestScriptMemoryLimit(t *testing.T) {
	p := startRedoubt(t, "--script-max-memory", "64mb")
	c := dial(t, p.addr)
	got := c.do("EVAL", "local s = 'xxxxxxxx' for i = 1, 40 do s = s .. s end return #s", "0")
	if !strings.HasPrefix(got, "-ERR Script stopped: it grew memory by more than script-max-memory") {
		t.Fatalf("EVAL: %q", got)
	}
	if got := c.do("CONFIG", "GET", "script-max-memory"); got != "*2\r\n$17\r\nscript-max-memory\r\n$8\r\n67108864\r\n" {
		t.Fatalf("CONFIG GET: %q", got)
	}
	if got := c.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("after the stopped script: %q", got)
	}
}
