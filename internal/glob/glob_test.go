package glob

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type matchCase struct {
	pattern, str string
	nocase       bool
	want         bool
}

var matchCases = []matchCase{
	// Empty inputs: Redis never matches an empty subject against a
	// non-empty pattern, not even "*".
	{"", "", false, true},
	{"", "a", false, false},
	{"a", "", false, false},
	{"*", "", false, false},
	{"**", "", false, false},
	{"?", "", false, false},
	{"[^]", "", false, false},

	// Literals.
	{"abc", "abc", false, true},
	{"abc", "abd", false, false},
	{"abc", "ab", false, false},
	{"ab", "abc", false, false},

	// Stars.
	{"*", "anything", false, true},
	{"**", "x", false, true},
	{"***a", "bba", false, true},
	{"a*", "a", false, true},
	{"a**", "a", false, true},
	{"a*?", "a", false, false},
	{"a*?", "ab", false, true},
	{"*b*", "abc", false, true},
	{"*b", "abc", false, false},
	{"h*llo", "hllo", false, true},
	{"h*llo", "heeeello", false, true},
	{"h*llo", "hellox", false, false},
	{"a*b*c", "abbbbc", false, true},
	{"*a*b*c", "acb", false, false},
	{"*.txt", "file.txt", false, true},
	{"*.txt", "file.txt.bak", false, false},
	{"*a*a*a*b", "aaaaaaaa", false, false},
	{"*a*a*a*b", "aaaab", false, true},
	{"*?*?", "ab", false, true},
	{"*?*?", "a", false, false},

	// Question marks.
	{"?", "x", false, true},
	{"??", "x", false, false},
	{"a?c", "abc", false, true},

	// Sets.
	{"h[ae]llo", "hello", false, true},
	{"h[ae]llo", "hallo", false, true},
	{"h[ae]llo", "hillo", false, false},
	{"h[^e]llo", "hallo", false, true},
	{"h[^e]llo", "hello", false, false},
	{"h[a-b]llo", "hbllo", false, true},
	{"h[a-b]llo", "hcllo", false, false},
	{"[^a-c]", "d", false, true},
	{"[^a-c]", "b", false, false},
	{"[a-c]*", "cat", false, true},
	{"[*]", "*", false, true},
	{"[*]", "a", false, false},
	{"[?]", "a", false, false},
	{"[[]", "[", false, true},
	{"[-a]", "-", false, true},
	{"[a-c-e]", "d", false, false},
	{"[a-c-e]", "-", false, true},
	{"[a-c-e]", "e", false, true},
	{"[--0]", "/", false, true},

	// Reversed ranges are swapped.
	{"[z-a]", "m", false, true},
	{"[z-a]", "A", false, false},

	// ']' straight after '[' or "[^" closes the set.
	{"[]", "]", false, false},
	{"[]]", "]", false, false},
	{"[^]", "x", false, true},
	{"[^]", "]", false, true},
	{"[^]", "xy", false, false},

	// Unclosed sets run to the end of the pattern.
	{"[", "[", false, false},
	{"x[", "x[", false, false},
	{"[^", "x", false, true},
	{"[^", "xy", false, false},
	{"[abc", "b", false, true},
	{"[abc", "d", false, false},
	{"[abc", "bc", false, false},
	{"[a-", "a", false, true},
	{"[a-", "-", false, true},
	{"[a-", "b", false, false},
	{"[a-]", "_", false, true},
	{"[a-]", "]", false, true},
	{"[a-]", "b", false, false},
	{"[a-]x", "x", false, true},
	{"[a-]x", "_x", false, false},

	// Escapes inside sets.
	{`[\]]`, "]", false, true},
	{`[\`, `\`, false, true},
	{`[\`, "a", false, false},
	{`[a\-z]`, "-", false, true},
	{`[a\-z]`, "m", false, false},
	{`[a\-z]`, "z", false, true},
	{`[\^a]`, "^", false, true},

	// Escapes outside sets.
	{`\*`, "*", false, true},
	{`\*`, "a", false, false},
	{`\?`, "?", false, true},
	{`\?`, "a", false, false},
	{`\[a]`, "[a]", false, true},
	{`\a`, "a", false, true},
	{`\\`, `\`, false, true},
	{`\`, `\`, false, true},
	{`a\`, `a\`, false, true},
	{`a\`, "a", false, false},
	{`*\*`, "abc*", false, true},
	{`*\*`, "abc", false, false},

	// nocase folds ASCII letters.
	{"HELLO", "hello", true, true},
	{"HELLO", "hello", false, false},
	{"h?LLo", "HeLlO", true, true},
	{"*WORLD", "hello world", true, true},
	{"[A-Z]", "q", true, true},
	{"[A-Z]", "q", false, false},
	{"[a-z]", "Q", true, true},
	{"[A]", "a", true, true},
	{"[^A]", "a", true, false},
	{`\A`, "a", true, true},
	// Reversed bounds are swapped before folding, so this set is empty.
	{"[Z-a]", "_", false, true},
	{"[Z-a]", "_", true, false},
	{"[Z-a]", "a", true, false},
	// Escaped set members ignore nocase.
	{`[\A]`, "a", true, false},
	{`[\A]`, "A", true, true},
	{"\xc9", "\xe9", true, false},

	// Range bounds compare as signed chars: 0xe9 sorts below 'a'.
	{"[a-\xe9]", "\xff", false, true},
	{"[a-\xe9]", "A", false, true},
	{"[a-\xe9]", "b", false, false},
	{"[\x80-\xff]", "\x90", false, true},
	{"[\x80-\xff]", "a", false, false},

	// NUL bytes are ordinary bytes.
	{"a\x00*", "a\x00b", false, true},
	{"[\x00]", "\x00", false, true},

	// Redis's recursion cap: more than 1000 runs of stars before the last
	// token never match.
	{strings.Repeat("*a", 1000), strings.Repeat("a", 1001), false, true},
	{strings.Repeat("*a", 1000) + "*", strings.Repeat("a", 1001), false, true},
	{strings.Repeat("*a", 1001), strings.Repeat("a", 1001), false, false},
	{strings.Repeat("*?", 1001) + "*", strings.Repeat("a", 2000), false, false},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		name := fmt.Sprintf("%q/%q/nocase=%v", trunc(tc.pattern), trunc(tc.str), tc.nocase)
		if got := MatchString(tc.pattern, tc.str, tc.nocase); got != tc.want {
			t.Errorf("MatchString %s = %v, want %v", name, got, tc.want)
		}
		if got := Match([]byte(tc.pattern), []byte(tc.str), tc.nocase); got != tc.want {
			t.Errorf("Match %s = %v, want %v", name, got, tc.want)
		}
		// The table itself must agree with Redis's algorithm.
		if got := refMatch([]byte(tc.pattern), []byte(tc.str), tc.nocase, true); got != tc.want {
			t.Errorf("reference %s = %v, want %v", name, got, tc.want)
		}
	}
}

func trunc(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

func TestPathologicalPatterns(t *testing.T) {
	as := strings.Repeat("a", 10000)
	patterns := []string{
		"*a*a*a*a*a*a*a*a*a*b",
		strings.Repeat("*a", 500) + "b",
		strings.Repeat("*?", 900) + "b",
		strings.Repeat("*[a-z]", 500) + "[^a]",
		strings.Repeat(`*\a`, 500) + `\b`,
	}
	for _, p := range patterns {
		start := time.Now()
		got := MatchString(p, as, false)
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("%q took %v", trunc(p), elapsed)
		}
		if got {
			t.Errorf("%q matched a string of a's", trunc(p))
		}
	}
}

// refMatch transcribes Redis's recursive stringmatchlen, reading a NUL byte
// wherever the C code reads the sds terminator past the end of the pattern.
// With skipping=false it omits the skipLongerMatches shortcut, so agreement
// in both modes also shows that the shortcut never changes an answer.
func refMatch(p, s []byte, nocase, skipping bool) bool {
	skip := false
	return refImpl(p, s, nocase, skipping, &skip, 0)
}

func refImpl(p, s []byte, nocase, skipping bool, skip *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	at := func(i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	pi, n := 0, len(p)
	si, sl := 0, len(s)
	for n > 0 && sl > 0 {
		switch p[pi] {
		case '*':
			for n > 0 && at(pi+1) == '*' {
				pi++
				n--
			}
			if n == 1 {
				return true
			}
			for sl > 0 {
				if refImpl(p[pi+1:], s[si:], nocase, skipping, skip, nesting+1) {
					return true
				}
				if skipping && *skip {
					return false
				}
				si++
				sl--
			}
			*skip = true
			return false
		case '?':
			si++
			sl--
		case '[':
			pi++
			n--
			not := at(pi) == '^'
			if not {
				pi++
				n--
			}
			match := false
			for {
				if at(pi) == '\\' && n >= 2 {
					pi++
					n--
					if p[pi] == s[si] {
						match = true
					}
				} else if at(pi) == ']' {
					break
				} else if n == 0 {
					pi--
					n++
					break
				} else if n >= 3 && p[pi+1] == '-' {
					start, end, c := int(int8(p[pi])), int(int8(p[pi+2])), int(int8(s[si]))
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = ctolower(start), ctolower(end), ctolower(c)
					}
					pi += 2
					n -= 2
					if c >= start && c <= end {
						match = true
					}
				} else if refEqual(p[pi], s[si], nocase) {
					match = true
				}
				pi++
				n--
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			si++
			sl--
		case '\\':
			if n >= 2 {
				pi++
				n--
			}
			fallthrough
		default:
			if !refEqual(p[pi], s[si], nocase) {
				return false
			}
			si++
			sl--
		}
		pi++
		n--
		if sl == 0 {
			for at(pi) == '*' {
				pi++
				n--
			}
			break
		}
	}
	return n == 0 && sl == 0
}

func refEqual(a, b byte, nocase bool) bool {
	if nocase {
		return ctolower(int(int8(a))) == ctolower(int(int8(b)))
	}
	return a == b
}

// ctolower is glibc's tolower in the C locale for the signed-char range.
func ctolower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func FuzzMatch(f *testing.F) {
	for _, tc := range matchCases {
		if len(tc.pattern) < 64 && len(tc.str) < 64 {
			f.Add([]byte(tc.pattern), []byte(tc.str), tc.nocase)
		}
	}
	f.Fuzz(func(t *testing.T, pattern, str []byte, nocase bool) {
		got := Match(pattern, str, nocase)
		if got != MatchString(string(pattern), string(str), nocase) {
			t.Fatalf("Match and MatchString disagree on %q %q", pattern, str)
		}
		// The plain recursion is exponential, so only short inputs.
		if len(pattern) >= 12 || len(str) >= 12 {
			return
		}
		if want := refMatch(pattern, str, nocase, false); got != want {
			t.Fatalf("Match(%q, %q, %v) = %v, reference says %v", pattern, str, nocase, got, want)
		}
		if want := refMatch(pattern, str, nocase, true); got != want {
			t.Fatalf("Match(%q, %q, %v) = %v, skipping reference says %v", pattern, str, nocase, got, want)
		}
	})
}

const redisServer = "/usr/bin/redis-server"

// TestAgainstRedis compares Match with a real server: KEYS for
// case-sensitive matching and CONFIG GET, which matches names with nocase,
// for folding.
func TestAgainstRedis(t *testing.T) {
	if _, err := os.Stat(redisServer); err != nil {
		t.Skipf("%s not available: %v", redisServer, err)
	}
	rc := startRedis(t)
	rng := rand.New(rand.NewPCG(2022, 36021))

	keySet := map[string]bool{
		"": true, "hello": true, "hallo": true, "Hello": true, "a": true,
		"ab": true, "abc": true, "\xff": true, "\xe9": true, "\x80": true,
		`\`: true, "]": true, "_": true, "-": true, "^": true, "[": true,
		strings.Repeat("a", 1001): true, strings.Repeat("a", 2000): true,
	}
	for _, tc := range matchCases {
		keySet[tc.str] = true
	}
	for range 40 {
		keySet[randString(rng, `ab*?[]^-\A`, 0, 6)] = true
	}
	keys := make([]string, 0, len(keySet))
	for k := range keySet {
		keys = append(keys, k)
		if _, err := rc.do("SET", k, "1"); err != nil {
			t.Fatalf("SET %q: %v", k, err)
		}
	}

	patterns := []string{"*", "**", "?", "[", "[^", "[]", "[^]", `\`, `[\`, "[a-", "[z-a]", "[a-\xe9]", "[\x80-\xff]"}
	for _, tc := range matchCases {
		patterns = append(patterns, tc.pattern)
	}
	for range 100 {
		patterns = append(patterns, randString(rng, `ab*?[]^-\`, 1, 8))
	}
	slices.Sort(patterns)
	for _, p := range slices.Compact(patterns) {
		reply, err := rc.do("KEYS", p)
		if err != nil {
			t.Fatalf("KEYS %q: %v", p, err)
		}
		got := sortedStrings(t, reply)
		var want []string
		for _, k := range keys {
			// KEYS lists everything for a lone "*" without calling the
			// matcher; that is the only way it ever returns the empty key.
			if p == "*" || Match([]byte(p), []byte(k), false) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("KEYS %q: only redis matched %q, only Match matched %q",
				trunc(p), missing(got, want), missing(want, got))
		}
	}

	reply, err := rc.do("CONFIG", "GET", "*")
	if err != nil {
		t.Fatalf("CONFIG GET *: %v", err)
	}
	names := configNames(t, reply)
	if len(names) < 50 {
		t.Fatalf("CONFIG GET * returned only %d names", len(names))
	}
	cfgPatterns := []string{
		"MAX*", "*MEMORY*", "?ORT", "p?rt", "[A-Z]ORT", "[^A-Z]*", "[Z-a]*",
		"[A-z]*", `[\P]ort`, `[\p]ort`, `\Port*`, "*-[A-C]*", "[M-M]AX*",
		"*[S-s]", "[P", "[^", "*LAZY*FREE*", "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?",
	}
	for len(cfgPatterns) < 60 {
		p := randString(rng, `aAeEmMpPrRsS*?[]^-\`, 1, 6)
		// Without a glob character CONFIG GET does an exact lookup instead.
		if strings.ContainsAny(p, "[*?") {
			cfgPatterns = append(cfgPatterns, p)
		}
	}
	for _, p := range cfgPatterns {
		reply, err := rc.do("CONFIG", "GET", p)
		if err != nil {
			t.Fatalf("CONFIG GET %q: %v", p, err)
		}
		got := configNames(t, reply)
		var want []string
		for _, name := range names {
			if MatchString(p, name, true) {
				want = append(want, name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("CONFIG GET %q: only redis matched %q, only Match matched %q",
				p, missing(got, want), missing(want, got))
		}
	}
}

func randString(rng *rand.Rand, alphabet string, minLen, maxLen int) string {
	b := make([]byte, minLen+rng.IntN(maxLen-minLen+1))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func sortedStrings(t *testing.T, reply any) []string {
	t.Helper()
	arr, ok := reply.([]any)
	if !ok {
		t.Fatalf("want array reply, got %#v", reply)
	}
	out := make([]string, 0, len(arr))
	for _, v := range arr {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("want bulk string, got %#v", v)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// configNames takes the names from a CONFIG GET name/value reply.
func configNames(t *testing.T, reply any) []string {
	t.Helper()
	arr, ok := reply.([]any)
	if !ok || len(arr)%2 != 0 {
		t.Fatalf("want name/value pairs, got %#v", reply)
	}
	var names []string
	for i := 0; i < len(arr); i += 2 {
		name, ok := arr[i].(string)
		if !ok {
			t.Fatalf("want bulk string name, got %#v", arr[i])
		}
		names = append(names, name)
	}
	slices.Sort(names)
	// Aliases can be reported alongside their config.
	return slices.Compact(names)
}

// missing lists, shortened, the members of a that b lacks.
func missing(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, trunc(s))
		}
	}
	return out
}

func startRedis(t *testing.T) *respConn {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cmd := exec.Command(redisServer,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start %s: %v", redisServer, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			rc := &respConn{conn: c, r: bufio.NewReader(c)}
			t.Cleanup(func() { c.Close() })
			if _, err := rc.do("PING"); err == nil {
				return rc
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not come up: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// respConn is just enough of a RESP2 client for these tests.
type respConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func (rc *respConn) do(args ...string) (any, error) {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	rc.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.conn.Write(b); err != nil {
		return nil, err
	}
	return rc.read()
}

func (rc *respConn) read() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty RESP line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = rc.read(); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected RESP line %q", line)
}
