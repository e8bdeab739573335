package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The differential corpus lives in testdata/*.txt. Each file is a transcript, one command per
// line, split like redis-cli does (double quotes with \n \r \t \b \a \\ \" \xHH escapes, single
// quotes with \'). Blank lines and lines starting with # are skipped. A line may start with
// one or more mode characters:
//
//	!  send only: the reply may differ (nondeterministic commands such as TIME)
//	~  compare after sorting the elements of every array, set and map (SCAN, KEYS)
//	@  compare after masking the value that follows an "id" field (HELLO, whose
//	   connection id depends on the server's history)
//
// Each file runs on its own fresh Redoubt and Redis servers, one connection each, after
// FLUSHALL on both; every reply is compared byte for byte.

// step is one command of a transcript.
type step struct {
	line     int
	text     string
	args     []string
	sendOnly bool
	sorted   bool
	maskID   bool
}

func loadTranscript(path string) ([]step, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var steps []step
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		s := step{line: n, text: text}
	modes:
		for len(text) > 0 {
			switch text[0] {
			case '!':
				s.sendOnly = true
			case '~':
				s.sorted = true
			case '@':
				s.maskID = true
			default:
				break modes
			}
			text = text[1:]
		}
		args, err := splitArgs(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s:%d: no command", path, n)
		}
		s.args = args
		steps = append(steps, s)
	}
	return steps, sc.Err()
}

// splitArgs splits a line as redis-cli (sdssplitargs) does.
func splitArgs(line string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, nil
		}
		var cur []byte
		inDouble, inSingle := false, false
		for done := false; !done; {
			if inDouble {
				switch {
				case i >= len(line):
					return nil, fmt.Errorf("unbalanced double quote")
				case line[i] == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 3
				case line[i] == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				case line[i] == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					done = true
				default:
					cur = append(cur, line[i])
				}
			} else if inSingle {
				switch {
				case i >= len(line):
					return nil, fmt.Errorf("unbalanced single quote")
				case line[i] == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur = append(cur, '\'')
				case line[i] == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					done = true
				default:
					cur = append(cur, line[i])
				}
			} else {
				switch {
				case i >= len(line) || isSpace(line[i]):
					done = true
				case line[i] == '"':
					inDouble = true
				case line[i] == '\'':
					inSingle = true
				default:
					cur = append(cur, line[i])
				}
			}
			if i < len(line) {
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`set a b`, []string{"set", "a", "b"}},
		{`  set   "a b"  'c d'  `, []string{"set", "a b", "c d"}},
		{`set "\x00\r\n\t\"\\" ''`, []string{"set", "\x00\r\n\t\"\\", ""}},
		{`set 'it\'s' "\xZZ"`, []string{"set", "it's", "xZZ"}},
		{`a"b c"d`, nil}, // closing quote followed by a non-space
		{`"unterminated`, nil},
	}
	for _, c := range cases {
		got, err := splitArgs(c.in)
		if c.want == nil {
			if err == nil {
				t.Errorf("splitArgs(%q) = %q, want an error", c.in, got)
			}
			continue
		}
		if err != nil || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// normalize applies a step's comparison modes to a raw reply.
func normalize(raw string, s step) string {
	if !s.sorted && !s.maskID {
		return raw
	}
	n, err := parseReply(raw)
	if err != nil {
		return raw
	}
	if s.maskID {
		n = maskID(n)
	}
	if s.sorted {
		n = sortNode(n)
	}
	return n.encode()
}

func maskID(n node) node {
	if !n.isAggregate() {
		return n
	}
	out := n
	out.children = append([]node(nil), n.children...)
	for i := 0; i+1 < len(out.children); i += 2 {
		if out.children[i].str() == "id" {
			out.children[i+1] = node{head: ":<id>\r\n"}
		}
	}
	return out
}

func sortNode(n node) node {
	if !n.isAggregate() {
		return n
	}
	out := n
	out.children = make([]node, len(n.children))
	for i, c := range n.children {
		out.children[i] = sortNode(c)
	}
	if n.head[0] == '%' {
		type pair struct{ k, v node }
		pairs := make([]pair, 0, len(out.children)/2)
		for i := 0; i+1 < len(out.children); i += 2 {
			pairs = append(pairs, pair{out.children[i], out.children[i+1]})
		}
		sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k.encode() < pairs[j].k.encode() })
		for i, p := range pairs {
			out.children[2*i], out.children[2*i+1] = p.k, p.v
		}
		return out
	}
	sort.SliceStable(out.children, func(i, j int) bool { return out.children[i].encode() < out.children[j].encode() })
	return out
}

func TestDiff(t *testing.T) {
	requireOracle(t, redisServerPath)
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in testdata: %v", err)
	}
	total := 0
	for _, path := range files {
		steps, err := loadTranscript(path)
		if err != nil {
			t.Fatal(err)
		}
		total += len(steps)
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			t.Parallel()
			runTranscript(t, path, steps)
		})
	}
	t.Logf("%d commands in %d transcripts", total, len(files))
}

// selfTest runs the corpus with Redis on both sides (REDOUBT_E2E_SELFTEST=1), to check that
// every compared reply is deterministic before blaming Redoubt for a difference.
func selfTest() bool { return os.Getenv("REDOUBT_E2E_SELFTEST") == "1" }

// The same persistence settings on both sides, so CONFIG GET answers alike.
var diffServerArgs = []string{"--save", "", "--appendonly", "no"}

func runTranscript(t *testing.T, path string, steps []step) {
	var ours *conn
	if selfTest() {
		ours = dial(t, startRedis(t).addr) // checks that the corpus itself is deterministic
	} else {
		ours = dial(t, startRedoubt(t, diffServerArgs...).addr)
	}
	oracle := dial(t, startRedis(t).addr)
	for _, c := range []*conn{ours, oracle} {
		if r := c.do("FLUSHALL"); r != "+OK\r\n" {
			t.Fatalf("FLUSHALL: %q", r)
		}
	}
	mismatches := 0
	for _, s := range steps {
		req := encodeCommand(s.args...)
		ours.send(req)
		oracle.send(req)
		want, werr := oracle.tryReadReply(ioTimeout)
		got, gerr := ours.tryReadReply(ioTimeout)
		if werr != nil {
			t.Fatalf("%s:%d: %s\n  redis: read error %v after %q", path, s.line, s.text, werr, want)
		}
		if gerr != nil {
			t.Fatalf("%s:%d: %s\n  redis:   %q\n  redoubt: read error %v after %q", path, s.line, s.text, want, gerr, got)
		}
		if s.sendOnly {
			continue
		}
		if nw, ng := normalize(want, s), normalize(got, s); nw != ng {
			mismatches++
			t.Errorf("%s:%d: %s\n  redis:   %q\n  redoubt: %q%s", path, s.line, s.text, want, got, firstDiff(nw, ng))
		}
	}
	if mismatches > 0 {
		t.Logf("%s: %d of %d replies differ", path, mismatches, len(steps))
	}
}

// firstDiff describes where two long replies first differ, with some context.
func firstDiff(a, b string) string {
	if len(a) < 200 && len(b) < 200 {
		return ""
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("\n  first difference at byte %d:\n    redis:   ...%q\n    redoubt: ...%q",
		i, a[from:min(len(a), i+120)], b[from:min(len(b), i+120)])
}
