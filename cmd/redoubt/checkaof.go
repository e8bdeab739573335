package main

import (
	"fmt"
	"io"
	"os"

	"github.com/redoubt/redoubt/internal/aof"
)

// runCheckAOF is `redoubt check-aof [--fix] FILE|MANIFEST`.
func runCheckAOF(args []string) int { return checkAOF(args, os.Stdout, os.Stderr) }

// checkAOF verifies an append-only file the way redis-check-aof does: a manifest and every
// file it lists, or a single (old-style) file, which may start with an RDB preamble.
// --fix truncates a torn tail of the last file; it never cuts a base, a file other than the
// last, or damage followed by more commands. Exit 0 when the AOF is (now) valid, 1 when it
// is not, 2 on a usage error.
func checkAOF(args []string, stdout, stderr io.Writer) int {
	fix := false
	if len(args) == 2 && args[0] == "--fix" {
		fix, args = true, args[1:]
	}
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "Usage: redoubt check-aof [--fix] <file.manifest|file.aof>")
		return 2
	}
	r, err := aof.Check(aof.OS, args[0], fix)
	r.Print(stdout)
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 1
	}
	if !r.Valid {
		return 1
	}
	return 0
}
