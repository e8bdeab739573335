package config

import (
	"errors"
	"github.com/redoubt/redoubt/internal/ascii"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// working is the state a sequence of settings is applied to: a private copy of the values,
// so that a load or a CONFIG SET either completes or leaves the Config untouched.
type working struct {
	vals    []value
	loading bool
	// saveSeen records that the load already met a save line: the first one replaces the
	// default save points, the following ones add to it.
	saveSeen bool
}

// parse turns a directive's arguments into its new value, or returns Redis's error text.
// Arity was checked by the caller, as Redis does before calling a config's set function.
func (d *directive) parse(args []string, w *working) (value, string) {
	var v value
	var msg string
	switch d.kind {
	case kindBool:
		switch ascii.Lower(args[0]) {
		case "yes":
			v.n = 1
		case "no":
		default:
			return v, "argument must be 'yes' or 'no'"
		}
	case kindNum:
		v.n, msg = d.parseNumber(args[0])
	case kindEnum:
		v.n, msg = d.parseEnum(args)
	case kindString:
		v.s = args[0]
	case kindDir:
		v.s, msg = parseDir(args[0], w.vals[d.idx].s)
	case kindSave:
		v, msg = parseSave(args, w.vals[d.idx], w)
	case kindBind:
		if len(args) > 16 {
			return v, "Too many bind addresses specified."
		}
		v.words = append([]string{}, args...)
		if len(args) == 1 && args[0] == "" {
			v.words = []string{}
		}
	case kindOutputLimit:
		v, msg = parseOutputLimit(args, w.vals[d.idx])
	case kindOOMValues:
		v, msg = parseOOMValues(args)
	case kindNotify:
		v.n, msg = parseNotify(args[0])
	case kindReplicaOf:
		v, msg = parseReplicaOf(args)
	case kindPercentiles:
		v, msg = parsePercentiles(args)
	}
	if msg == "" && d.check != nil {
		msg = d.check(v, w)
	}
	return v, msg
}

func (d *directive) parseNumber(s string) (int64, string) {
	f := d.flags
	n, ok := int64(0), false
	if f&memory != 0 {
		var u uint64
		u, ok = memToBytes(s)
		n = int64(u)
	}
	if !ok && f&percent != 0 && len(s) > 1 && s[len(s)-1] == '%' {
		if p, pok := string2ll(s[:len(s)-1]); pok && p >= 0 {
			n, ok = -p, true // Redis stores a percentage as its negation
		}
	}
	if !ok && f&octal != 0 {
		var rest string
		var rangeOK bool
		n, rest, rangeOK = strtoll(s, 8)
		ok = rangeOK && rest == ""
	}
	if !ok && f&(memory|percent|octal) == 0 {
		n, ok = string2ll(s)
	}
	if !ok {
		switch {
		case f&memory != 0 && f&percent != 0:
			return 0, "argument must be a memory or percent value"
		case f&memory != 0:
			return 0, "argument must be a memory value"
		case f&octal != 0:
			return 0, "argument couldn't be parsed as an octal number"
		}
		return 0, "argument couldn't be parsed into an integer"
	}
	switch {
	case f&unsigned != 0:
		if uint64(n) > uint64(d.hi) || uint64(n) < uint64(d.lo) {
			base := 10
			if f&octal != 0 {
				base = 8
			}
			return 0, "argument must be between " + strconv.FormatUint(uint64(d.lo), base) +
				" and " + strconv.FormatUint(uint64(d.hi), base) + " inclusive"
		}
	case f&percent != 0 && n < 0:
		if n < d.lo {
			return 0, "percentage argument must be less or equal to " + strconv.FormatInt(-d.lo, 10)
		}
	case n > d.hi || n < d.lo:
		return 0, "argument must be between " + strconv.FormatInt(d.lo, 10) + " and " +
			strconv.FormatInt(d.hi, 10) + " inclusive"
	}
	if d.name == "hz" {
		// Redis takes hz as a hint and caps it to 1..500 (CONFIG_MIN_HZ, CONFIG_MAX_HZ)
		// rather than refusing it.
		n = min(max(n, 1), 500)
	}
	return n, ""
}

func (d *directive) parseEnum(args []string) (int64, string) {
	if len(args) == 0 || (d.flags&bitflags == 0 && len(args) != 1) {
		return 0, d.enumError()
	}
	var v int64
	for _, a := range args {
		matched := false
		for _, e := range d.enum {
			if ascii.Lower(a) == e.name {
				v |= e.val
				matched = true
			}
		}
		if !matched {
			return 0, d.enumError()
		}
	}
	return v, ""
}

func (d *directive) enumError() string {
	names := make([]string, len(d.enum))
	for i, e := range d.enum {
		names[i] = e.name
	}
	return "argument(s) must be one of the following: " + strings.Join(names, ", ")
}

func (d *directive) enumName(v int64) string {
	var names []string
	unmatched := v
	for _, e := range d.enum {
		if e.val == v {
			return e.name
		}
		if d.flags&bitflags != 0 && e.val != 0 && e.val == unmatched&e.val {
			names = append(names, e.name)
			unmatched &^= e.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// parseDir resolves dir as Redis's chdir would, relative to the current dir, and stores
// the physical path getcwd would report. Redoubt does not chdir: the server joins paths.
func parseDir(p, cur string) (string, string) {
	if p == "" {
		return "", strerror(syscall.ENOENT)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(cur, p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return "", strerror(err)
	}
	if !fi.IsDir() {
		return "", strerror(syscall.ENOTDIR)
	}
	if err := syscall.Access(p, 1); err != nil { // chdir needs search permission
		return "", strerror(err)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", strerror(err)
	}
	return real, ""
}

// strerror renders an OS error the way C's strerror does ("No such file or directory").
func strerror(err error) string {
	var errno syscall.Errno
	msg := err.Error()
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg != "" && msg[0] >= 'a' && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return msg
}

func parseSave(args []string, cur value, w *working) (value, string) {
	reset := !w.loading || !w.saveSeen
	if len(args) == 1 && args[0] == "" {
		args, reset = nil, true
	}
	if len(args)%2 != 0 {
		return value{}, "Invalid save parameters"
	}
	pairs := make([]string, 0, len(args))
	for j, a := range args {
		n, rest, _ := strtoll(a, 10)
		if rest != "" || (j%2 == 0 && n < 1) || (j%2 == 1 && n < 0) {
			return value{}, "Invalid save parameters"
		}
		if j%2 == 1 {
			n = int64(int32(n)) // Redis keeps the change count in an int
		}
		pairs = append(pairs, strconv.FormatInt(n, 10))
	}
	if w.loading {
		w.saveSeen = true
	}
	if reset {
		return value{words: pairs}, ""
	}
	return value{words: append(append([]string{}, cur.words...), pairs...)}, ""
}

// Output buffer limit classes, in the order CONFIG GET lists them.
var outputClasses = []string{"normal", "slave", "pubsub"}

func parseOutputLimit(args []string, cur value) (value, string) {
	if len(args)%4 != 0 {
		return value{}, "Wrong number of arguments in buffer limit configuration."
	}
	v := cur.clone()
	for j := 0; j < len(args); j += 4 {
		class := -1
		switch ascii.Lower(args[j]) {
		case "normal":
			class = 0
		case "slave", "replica":
			class = 1
		case "pubsub":
			class = 2
		}
		if class < 0 {
			return value{}, "Invalid client class specified in buffer limit configuration."
		}
		hard, okHard := memToBytes(args[j+1])
		soft, okSoft := memToBytes(args[j+2])
		secs, rest, _ := strtoll(args[j+3], 10)
		secs = int64(int32(secs)) // Redis keeps the seconds in an int
		if !okHard || !okSoft || secs < 0 || rest != "" {
			return value{}, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		copy(v.words[class*4:], []string{outputClasses[class],
			strconv.FormatUint(hard, 10), strconv.FormatUint(soft, 10), strconv.FormatInt(secs, 10)})
	}
	return v, ""
}

func parseOOMValues(args []string) (value, string) {
	if len(args) != 3 {
		return value{}, "wrong number of arguments"
	}
	v := value{words: make([]string, 3)}
	for i, a := range args {
		n, rest, _ := strtoll(a, 10)
		if rest != "" || n < -2000 || n > 2000 {
			return value{}, "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
		}
		v.words[i] = strconv.FormatInt(n, 10)
	}
	return v, ""
}

// Keyspace notification classes (server.h's NOTIFY_*).
const (
	notifyKeyspace = 1 << iota
	notifyKeyevent
	notifyGeneric
	notifyString
	notifyList
	notifySet
	notifyHash
	notifyZset
	notifyExpired
	notifyEvicted
	notifyStream
	notifyKeyMiss
	_ // NOTIFY_LOADED: module events only, no class character
	notifyModule
	notifyNew
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZset |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

var notifyChars = []struct {
	c    byte
	flag int64
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew},
}

func parseNotify(s string) (int64, string) {
	var f int64
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'A':
			f |= notifyAll
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		case 'm':
			f |= notifyKeyMiss
		default:
			found := false
			for _, nc := range notifyChars {
				if nc.c == c {
					f |= nc.flag
					found = true
				}
			}
			if !found {
				return 0, "Invalid event class character. Use '" + notifyOK + "'."
			}
		}
	}
	return f, ""
}

// notifyClasses is keyspaceEventsFlagsToString: "A" stands for the whole set and, as in
// Redis, then hides 'n'.
func notifyClasses(f int64) string {
	var b strings.Builder
	if f&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, nc := range notifyChars {
			if f&nc.flag != 0 {
				b.WriteByte(nc.c)
			}
		}
	}
	if f&notifyKeyspace != 0 {
		b.WriteByte('K')
	}
	if f&notifyKeyevent != 0 {
		b.WriteByte('E')
	}
	if f&notifyKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String()
}

func parseReplicaOf(args []string) (value, string) {
	if len(args) != 2 {
		return value{}, "wrong number of arguments"
	}
	if ascii.Lower(args[0]) == "no" && ascii.Lower(args[1]) == "one" {
		return value{words: []string{}}, ""
	}
	port, rest, _ := strtoll(args[1], 10)
	port = int64(int32(port)) // Redis keeps the port in an int
	if port < 0 || port > 65535 || rest != "" {
		return value{}, "Invalid master port"
	}
	return value{words: []string{args[0], strconv.FormatInt(port, 10)}}, ""
}

func parsePercentiles(args []string) (value, string) {
	v := value{words: []string{}}
	if len(args) == 1 && args[0] == "" {
		return v, ""
	}
	for _, a := range args {
		f, ok := string2d(a)
		if !ok {
			return value{}, "Invalid latency-tracking-info-percentiles parameters"
		}
		if f > 100 || f < 0 {
			return value{}, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		v.words = append(v.words, formatFloat(f))
	}
	return v, ""
}

func checkHostname(v value, _ *working) string {
	if len(v.s) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v.s); i++ {
		c := v.s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

func checkBaseName(name, what string, nonEmpty bool) func(value, *working) string {
	return func(v value, _ *working) string {
		if nonEmpty && v.s == "" {
			return name + " can't be empty"
		}
		if strings.ContainsAny(v.s, `/\`) {
			return name + " can't be a path, just a " + what
		}
		return ""
	}
}

func checkShutdownFlags(v value, _ *working) string {
	if v.n&1 != 0 && v.n&2 != 0 {
		return "shutdown options SAVE and NOSAVE can't be used simultaneously"
	}
	return ""
}

// checkProcTitle is validateProcTitleTemplate: the template must expand (known variables,
// no dangling brace) to something other than blanks, with an empty process title.
func checkProcTitle(v value, w *working) string {
	const bad = "template format is invalid or contains unknown variables"
	unixsocket := w.vals[byName["unixsocket"].d.idx].s
	var out strings.Builder
	t := v.s
	for len(t) > 0 {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			out.WriteString(t)
			break
		}
		out.WriteString(t[:i])
		t = t[i+1:]
		if t == "" {
			return bad
		}
		if t[0] == '{' {
			out.WriteByte('{')
			t = t[1:]
			continue
		}
		j := strings.IndexByte(t, '}')
		if j < 0 {
			return bad
		}
		switch t[:j] {
		case "title", "server-mode": // empty at validation time, as in Redis
		case "listen-addr", "config-file", "port", "tls-port":
			out.WriteByte('x') // never empty
		case "unixsocket":
			out.WriteString(unixsocket)
		default:
			return bad
		}
		t = t[j+1:]
	}
	if strings.Trim(out.String(), " ") == "" {
		return bad
	}
	return ""
}

// format renders a value as CONFIG GET prints it.
func (d *directive) format(v value) string {
	switch d.kind {
	case kindBool:
		if v.n != 0 {
			return "yes"
		}
		return "no"
	case kindNum:
		switch {
		case d.flags&percent != 0 && v.n < 0:
			return strconv.FormatInt(-v.n, 10) + "%"
		case d.flags&memory != 0:
			return strconv.FormatUint(uint64(v.n), 10)
		case d.flags&octal != 0:
			return strconv.FormatUint(uint64(v.n), 8)
		}
		return strconv.FormatInt(v.n, 10)
	case kindEnum:
		return d.enumName(v.n)
	case kindString, kindDir:
		return v.s
	case kindNotify:
		return notifyClasses(v.n)
	}
	return strings.Join(v.words, " ")
}
