package config

import (
	"github.com/redoubt/redoubt/internal/ascii"
	"math"
	"strconv"
	"strings"
)

// memToBytes parses a memory value the way Redis's memtoull does: decimal digits followed by
// an optional unit (b, k=1000, kb=1024, m, mb, g, gb; any case). Redis's quirks are kept
// because they decide what a config file means: "" and a bare unit are 0, a digit run too
// long for 64 bits saturates, and the unit multiplication wraps.
func memToBytes(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	u := 0
	for u < len(s) && s[u] >= '0' && s[u] <= '9' {
		u++
	}
	var mul uint64
	switch ascii.Lower(s[u:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if u >= 128 { // Redis copies the digits into a 128-byte buffer
		return 0, false
	}
	var v uint64
	if u > 0 {
		var err error
		v, err = strconv.ParseUint(s[:u], 10, 64)
		if err != nil {
			v = math.MaxUint64 // strtoull saturates with ERANGE, which memtoull accepts
		}
	}
	return v * mul, true
}

// formatMemory renders bytes for CONFIG REWRITE with the largest exact binary unit.
func formatMemory(v uint64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case v != 0 && v%gb == 0:
		return strconv.FormatUint(v/gb, 10) + "gb"
	case v != 0 && v%mb == 0:
		return strconv.FormatUint(v/mb, 10) + "mb"
	case v != 0 && v%kb == 0:
		return strconv.FormatUint(v/kb, 10) + "kb"
	}
	return strconv.FormatUint(v, 10)
}

// string2ll is Redis's strict integer parser: optional '-', no '+', no leading zeros, no
// blanks, at most 20 characters, no overflow.
func string2ll(s string) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := false
	p := s
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if len(p) == 0 {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// strtoll mirrors C's strtoll for bases 8 and 10: leading blanks, an optional sign, the
// longest run of digits, saturation on overflow (reported by ok=false, like errno=ERANGE),
// and rest is whatever follows the digits. With no digits at all it returns 0 and the whole
// input as rest, as C does.
func strtoll(s string, base int) (v int64, rest string, ok bool) {
	p := 0
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	start := p
	var u uint64
	overflow := false
	for p < len(s) && s[p] >= '0' && int(s[p]-'0') < base {
		d := uint64(s[p] - '0')
		if u > (math.MaxUint64-d)/uint64(base) {
			overflow = true
		} else {
			u = u*uint64(base) + d
		}
		p++
	}
	if p == start {
		return 0, s, true
	}
	switch {
	case neg && (overflow || u > 1<<63):
		return math.MinInt64, s[p:], false
	case !neg && (overflow || u > math.MaxInt64):
		return math.MaxInt64, s[p:], false
	case neg:
		return int64(-u), s[p:], true
	}
	return int64(u), s[p:], true
}

// formatFloat prints a percentile as Redis does: "%f", then trailing zeros and a trailing
// dot removed.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// string2d is Redis's strict float parser (strtod over the whole string, no leading blank,
// no NaN, no overflow).
func string2d(s string) (float64, bool) {
	if s == "" || isSpace(s[0]) || strings.ContainsRune(s, '_') {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
