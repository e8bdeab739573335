package zset

import (
	"bytes"
	"math"
	"strconv"
)

// ScoreRange is a score interval; MinEx and MaxEx make a bound exclusive.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r ScoreRange) GteMin(v float64) bool {
	if r.MinEx {
		return v > r.Min
	}
	return v >= r.Min
}

func (r ScoreRange) LteMax(v float64) bool {
	if r.MaxEx {
		return v < r.Max
	}
	return v <= r.Max
}

// Empty reports a range no score can be in.
func (r ScoreRange) Empty() bool {
	return r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx))
}

// ParseScoreRange parses ZRANGEBYSCORE's min and max as Redis's zslParseRange: an optional
// '(' for an exclusive bound, then whatever strtod accepts up to the end of the C string
// (so leading spaces, an empty string and out-of-range values pass), but never NaN.
func ParseScoreRange(min, max []byte) (ScoreRange, bool) {
	var r ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = parseBound(min); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = parseBound(max); !ok {
		return r, false
	}
	return r, true
}

func parseBound(b []byte) (float64, bool, bool) {
	b = cstr(b)
	ex := len(b) > 0 && b[0] == '('
	if ex {
		b = b[1:]
	}
	v, n, _ := strtod(b)
	if n != len(b) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// ParseFloat parses a float argument as Redis's getDoubleFromObject: the whole string must be
// a number strtod accepts, with no leading space; NaN and values out of double range
// (overflow, or underflow to zero) are refused; "inf" is fine.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	v, n, erange := strtod(b)
	if n != len(b) || math.IsNaN(v) || (erange && (math.IsInf(v, 0) || v == 0)) {
		return 0, false
	}
	return v, true
}

func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f') }

func hasPrefixFold(b []byte, word string) bool {
	if len(b) < len(word) {
		return false
	}
	for i := 0; i < len(word); i++ {
		if b[i]|0x20 != word[i] {
			return false
		}
	}
	return true
}

// strtod is glibc's strtod on b (read as a C string): it returns the value, how many bytes
// form the number (0 when none do) and whether the result was out of range (overflowing to
// infinity or underflowing to zero).
func strtod(b []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := b[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return sign(math.Inf(1)), i + 8, false
	case hasPrefixFold(rest, "inf"):
		return sign(math.Inf(1)), i + 3, false
	case hasPrefixFold(rest, "nan"):
		j := i + 3
		if j < len(b) && b[j] == '(' {
			k := j + 1
			for k < len(b) && (isDigit(b[k]) || ('a' <= b[k]|0x20 && b[k]|0x20 <= 'z') || b[k] == '_') {
				k++
			}
			if k < len(b) && b[k] == ')' {
				j = k + 1
			}
		}
		return math.NaN(), j, false
	}
	if len(rest) >= 2 && rest[0] == '0' && rest[1]|0x20 == 'x' &&
		(len(rest) > 2 && isHex(rest[2]) || len(rest) > 3 && rest[2] == '.' && isHex(rest[3])) {
		return strtodHex(b, start, i+2, neg)
	}
	// Decimal: digits, an optional fraction, then an exponent only if it has digits.
	j := i
	digits, nonzero := 0, false
	for j < len(b) && isDigit(b[j]) {
		nonzero = nonzero || b[j] != '0'
		j++
		digits++
	}
	if j < len(b) && b[j] == '.' {
		j++
		for j < len(b) && isDigit(b[j]) {
			nonzero = nonzero || b[j] != '0'
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	if j < len(b) && b[j]|0x20 == 'e' {
		k := j + 1
		if k < len(b) && (b[k] == '+' || b[k] == '-') {
			k++
		}
		if k < len(b) && isDigit(b[k]) {
			for k < len(b) && isDigit(b[k]) {
				k++
			}
			j = k
		}
	}
	f, ok := parseGo(string(b[start:j]))
	if !ok {
		return 0, 0, false
	}
	return f, j, math.IsInf(f, 0) || (f == 0 && nonzero)
}

// strtodHex parses a hexadecimal float whose digits start at i (after "0x"), the sign
// already read.
func strtodHex(b []byte, start, i int, neg bool) (float64, int, bool) {
	j := i
	nonzero := false
	for j < len(b) && isHex(b[j]) {
		nonzero = nonzero || b[j] != '0'
		j++
	}
	if j < len(b) && b[j] == '.' {
		j++
		for j < len(b) && isHex(b[j]) {
			nonzero = nonzero || b[j] != '0'
			j++
		}
	}
	mant := string(b[start:j])
	exp := "p0"
	if j < len(b) && b[j]|0x20 == 'p' {
		k := j + 1
		if k < len(b) && (b[k] == '+' || b[k] == '-') {
			k++
		}
		if k < len(b) && isDigit(b[k]) {
			for k < len(b) && isDigit(b[k]) {
				k++
			}
			exp = string(b[j:k])
			j = k
		}
	}
	f, ok := parseGo(mant + exp)
	if !ok {
		return 0, 0, false
	}
	return f, j, math.IsInf(f, 0) || (f == 0 && nonzero)
}

// parseGo converts a number strtod's grammar accepted; out-of-range results saturate as in C.
func parseGo(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// LexRange is a lexicographic interval of ZRANGEBYLEX: each bound is a string, or "-"/"+"
// for the smallest/largest string possible (always exclusive).
type LexRange struct {
	Min, Max       string
	MinInf, MaxInf int8 // -1: the "-" bound, +1: the "+" bound, 0: a string
	MinEx, MaxEx   bool
}

// cmp compares a member with a bound.
func cmpBound(v string, inf int8, s string) int {
	switch inf {
	case -1:
		return 1
	case 1:
		return -1
	}
	switch {
	case v < s:
		return -1
	case v > s:
		return 1
	}
	return 0
}

func (r LexRange) GteMin(v string) bool {
	c := cmpBound(v, r.MinInf, r.Min)
	if r.MinEx {
		return c > 0
	}
	return c >= 0
}

func (r LexRange) LteMax(v string) bool {
	c := cmpBound(v, r.MaxInf, r.Max)
	if r.MaxEx {
		return c < 0
	}
	return c <= 0
}

// Empty reports a range no member can be in, as Redis's sdscmplex of the two bounds.
func (r LexRange) Empty() bool {
	var c int
	switch {
	case r.MinInf != 0 && r.MinInf == r.MaxInf:
		c = 0
	case r.MinInf == -1 || r.MaxInf == 1:
		c = -1
	case r.MinInf == 1 || r.MaxInf == -1:
		c = 1
	default:
		c = cmpBound(r.Min, 0, r.Max)
	}
	return c > 0 || (c == 0 && (r.MinEx || r.MaxEx))
}

// ParseLexRange parses ZRANGEBYLEX's min and max as Redis's zslParseLexRange.
func ParseLexRange(min, max []byte) (LexRange, bool) {
	var r LexRange
	var ok bool
	if r.Min, r.MinInf, r.MinEx, ok = parseLexItem(min); !ok {
		return r, false
	}
	if r.Max, r.MaxInf, r.MaxEx, ok = parseLexItem(max); !ok {
		return r, false
	}
	return r, true
}

func parseLexItem(b []byte) (string, int8, bool, bool) {
	if len(b) == 0 {
		return "", 0, false, false
	}
	switch b[0] {
	case '+', '-':
		// Redis tests the next byte of the C string: "+" followed by a NUL still counts.
		if len(b) > 1 && b[1] != 0 {
			return "", 0, false, false
		}
		if b[0] == '+' {
			return "", 1, true, true
		}
		return "", -1, true, true
	case '(':
		return string(b[1:]), 0, true, true
	case '[':
		return string(b[1:]), 0, false, true
	}
	return "", 0, false, false
}
