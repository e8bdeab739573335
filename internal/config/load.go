package config

import (
	"errors"
	"fmt"
	"github.com/redoubt/redoubt/internal/ascii"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileError is a fatal configuration error, printed the way Redis prints one at startup.
type FileError struct {
	Version string // the server version shown in the banner
	Line    int    // 1-based line in the file being read; 0 when no line is at fault
	Text    string // the offending line, trimmed; sensitive values are redacted
	Msg     string
}

func (e *FileError) Error() string {
	s := "\n*** FATAL CONFIG FILE ERROR (Redoubt " + e.Version + ") ***\n"
	if e.Line > 0 {
		s += fmt.Sprintf("Reading the configuration file, at line %d\n>>> '%s'\n", e.Line, e.Text)
	}
	return s + e.Msg
}

// maxIncludeDepth stops include cycles, which make Redis recurse until it crashes.
const maxIncludeDepth = 32

// Load reads the config file at path (none when path is ""), then the command-line
// arguments that followed it, as redis-server does: "--name" starts a directive and the
// words up to the next "--name" are its arguments, appended after the file's content.
func Load(path string, args []string, version string) (*Config, error) {
	c := Default()
	content := ""
	if path != "" {
		if path == "-" {
			return nil, errStdin
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		c.file = abs
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, cannotOpen(abs, err)
		}
		content = string(data)
	}
	options, stdin := commandLine(args, path == "")
	if stdin {
		return nil, errStdin
	}
	l := &loader{c: c, version: version, w: &working{vals: c.vals, loading: true}}
	if err := l.load(content+"\n"+options, 0); err != nil {
		return nil, err
	}
	return c, nil
}

var errStdin = errors.New("reading the configuration from standard input ('-') is not supported by Redoubt")

func cannotOpen(path string, err error) error {
	return fmt.Errorf("Fatal error, can't open config file '%s': %s", path, strerror(err))
}

// commandLine builds the config text redis-server derives from its arguments (main() in
// server.c), including its special cases: an option name with no value yet takes the next
// word even if it starts with "--", a bare --save means save "", and "-" as the first or
// last argument means the config comes from standard input.
func commandLine(args []string, first bool) (options string, stdin bool) {
	var b strings.Builder
	handledLast := true
	for j, a := range args {
		last := j == len(args)-1
		switch {
		case a == "-" && ((j == 0 && first) || last):
			stdin = true
		case handledLast && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			words, _ := SplitArgs(a)
			if len(words) != 1 {
				// "--port 6380" as one word carries its own value.
				handledLast = true
				continue
			}
			handledLast = false
			nextIsOption := !last && strings.HasPrefix(args[j+1], "--")
			switch ascii.Lower(a) {
			case "--save":
				if nextIsOption || last {
					b.WriteString(`""`)
					handledLast = nextIsOption
				}
			case "--sentinel":
				if nextIsOption {
					handledLast = true
				}
			}
		default:
			b.WriteString(repr(a))
			b.WriteByte(' ')
			handledLast = true
		}
	}
	return b.String(), stdin
}

type loader struct {
	c       *Config
	version string
	w       *working
}

func (l *loader) fail(line int, text, msg string) error {
	return &FileError{Version: l.version, Line: line, Text: redact(text), Msg: msg}
}

// redact hides the value of a sensitive directive in an error message.
func redact(line string) string {
	name := line
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		name = line[:i]
	}
	if Sensitive(strings.Trim(name, `"'`)) {
		return name + " (redacted)"
	}
	return line
}

// Redis ignores these obsolete directives when they have exactly one argument.
var deprecated = map[string]bool{
	"list-max-ziplist-entries": true,
	"list-max-ziplist-value":   true,
	"lua-replicate-commands":   true,
}

func (l *loader) load(content string, depth int) error {
	for i, raw := range strings.Split(content, "\n") {
		num := i + 1
		if z := strings.IndexByte(raw, 0); z >= 0 {
			raw = raw[:z] // C string semantics
		}
		line := trim(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		argv, err := SplitArgs(line)
		if err != nil {
			return l.fail(num, line, err.Error())
		}
		if len(argv) == 0 {
			continue
		}
		name := ascii.Lower(argv[0])
		if e := byName[name]; e != nil {
			d := e.d
			if d.flags&multiArg == 0 && len(argv) != 2 {
				return l.fail(num, line, "wrong number of arguments")
			}
			args := argv[1:]
			if d.flags&multiArg != 0 && len(args) == 1 && strings.Contains(args[0], " ") {
				// One quoted word holding several values ("--bind '127.0.0.1 ::1'" on the
				// command line) is split on spaces, as Redis 7.0 splits it.
				args = strings.Split(args[0], " ")
			}
			v, msg := d.parse(args, l.w)
			if msg != "" {
				return l.fail(num, line, msg)
			}
			if !d.implemented.Load() && d.format(v) != d.format(d.def) {
				return l.fail(num, line, "Directive '"+name+"' is not supported by Redoubt yet")
			}
			l.w.vals[d.idx] = v
			continue
		}
		if deprecated[name] && len(argv) == 2 {
			continue
		}
		var msg string
		switch {
		case name == "include" && len(argv) == 2:
			if depth >= maxIncludeDepth {
				return l.fail(num, line, "include nesting is too deep")
			}
			if err := l.include(argv[1], depth+1); err != nil {
				return err
			}
		case name == "rename-command" && len(argv) == 3,
			name == "user" && len(argv) >= 2,
			name == "loadmodule" && len(argv) >= 2,
			name == "sentinel":
			msg = l.fileOnly(name, argv[1:])
		case strings.Contains(name, "."):
			msg = "Directive '" + name + "' is not supported by Redoubt yet"
			if len(argv) != 2 {
				msg = "Module config specified without value"
			}
		default:
			msg = "Bad directive or wrong number of arguments"
		}
		if msg != "" {
			return l.fail(num, line, msg)
		}
	}
	return nil
}

func (l *loader) fileOnly(name string, args []string) string {
	if !fileTag[name].implemented.Load() {
		return "Directive '" + name + "' is not supported by Redoubt yet"
	}
	l.c.lines[name] = append(l.c.lines[name], args)
	return ""
}

// include reads a file, or every file a glob pattern matches (none is fine, as in Redis 7,
// so an empty conf.d works). Matched files are concatenated and read as one text. A
// relative path is taken from dir, where Redis's chdir would have put it.
func (l *loader) include(pattern string, depth int) error {
	path := pattern
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.w.vals[byName["dir"].d.idx].s, path)
	}
	isGlob := strings.ContainsAny(pattern, "*?[")
	files := []string{path}
	if isGlob {
		files = globFiles(path)
	}
	var content strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			if !isGlob {
				f = pattern // Redis names the file as written
			}
			return cannotOpen(f, err)
		}
		content.Write(data)
	}
	if len(files) == 0 {
		return nil
	}
	return l.load(content.String(), depth)
}

// globFiles expands an absolute pattern like glob(3): path components are matched one at a
// time, names starting with a dot only match a pattern starting with a dot, "[!...]"
// negates, and the result is sorted.
func globFiles(pattern string) []string {
	cands := []string{string(filepath.Separator)}
	for _, part := range strings.Split(filepath.Clean(pattern), string(filepath.Separator))[1:] {
		var next []string
		if !strings.ContainsAny(part, "*?[") {
			for _, c := range cands {
				p := filepath.Join(c, part)
				if _, err := os.Lstat(p); err == nil {
					next = append(next, p)
				}
			}
			cands = next
			continue
		}
		pat := strings.ReplaceAll(part, "[!", "[^")
		for _, c := range cands {
			entries, err := os.ReadDir(c)
			if err != nil {
				continue
			}
			for _, e := range entries {
				n := e.Name()
				if strings.HasPrefix(n, ".") && !strings.HasPrefix(part, ".") {
					continue
				}
				if ok, _ := filepath.Match(pat, n); ok {
					next = append(next, filepath.Join(c, n))
				}
			}
		}
		cands = next
	}
	sort.Strings(cands)
	return cands
}
