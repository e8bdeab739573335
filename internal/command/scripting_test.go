package command

import (
	"strconv"
	"strings"
	"testing"
)

// TestScriptingCommandInfoAgainstRedis compares COMMAND INFO of the scripting commands with
// Redis byte for byte, and the documentation fields of COMMAND DOCS. Redis lists a container's
// subcommands in the order of a hash table seeded per process, so containers are compared by
// their own fields and size, and each subcommand on its own.
func TestScriptingCommandInfoAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newSession(t)
	for _, spec := range scriptingCommands {
		names := []string{spec.Name}
		for _, sub := range spec.Subs {
			names = append(names, sub.Name) // "parent|sub" once the table is built
		}
		for _, name := range names {
			got, want := s.do("COMMAND", "INFO", name), o.do("COMMAND", "INFO", name)
			if len(spec.Subs) > 0 && name == spec.Name {
				// The container's own fields end where its subcommand list starts.
				head := strings.Index(want, "*"+strconv.Itoa(len(spec.Subs))+"\r\n*")
				if head < 0 || len(got) != len(want) || got[:head] != want[:head] {
					t.Errorf("COMMAND INFO %s:\n got  %q\n want %q", name, got, want)
				}
			} else if got != want {
				t.Errorf("COMMAND INFO %s:\n got  %q\n want %q", name, got, want)
			}
			sp := lookupFull(name)
			docs := o.do("COMMAND", "DOCS", name)
			for field, v := range map[string]string{"summary": sp.Summary, "since": sp.Since, "group": sp.Group, "complexity": sp.Complexity} {
				if !strings.Contains(docs, kBulk(field)+kBulk(v)) {
					t.Errorf("COMMAND DOCS %s: %s %q not in Redis's reply", name, field, v)
				}
			}
		}
	}
	// The help texts are fixed strings: compare them too.
	for _, cmd := range [][]string{{"FUNCTION", "HELP"}, {"SCRIPT", "HELP"}} {
		if got, want := s.do(cmd...), o.do(cmd...); got != want {
			t.Errorf("%v:\n got  %q\n want %q", cmd, got, want)
		}
	}
}
