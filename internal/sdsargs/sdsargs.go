// Package sdsargs reads and writes words the way Redis's sdssplitargs and sdscatrepr do:
// redis.conf lines, ACL selectors and AOF manifests all share these quoting rules.
package sdsargs

import (
	"errors"
	"strings"
)

// ErrUnbalanced is returned by Split for an unterminated quote, or a closing
// quote that is followed by something other than a space.
var ErrUnbalanced = errors.New("unbalanced quotes")

// Split splits a line into arguments with the rules of Redis's sdssplitargs: words are
// separated by blanks; "double quotes" understand \n \r \t \b \a \xHH and \<any>;
// 'single quotes' understand only \'. A closing quote must be followed by a blank or the end
// of the line. A NUL byte ends the line, as it ends the C string Redis parses.
func Split(line string) ([]string, error) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	var args []string
	p := 0
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0
	}
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return args, nil
		}
		var cur strings.Builder
		inDouble, inSingle := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur.WriteByte(unhex(at(p+2))<<4 | unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					cur.WriteByte(unescape(line[p]))
				case c == '"':
					if next := at(p + 1); next != 0 && !isSpace(next) {
						return nil, ErrUnbalanced
					}
					done = true
				case c == 0:
					return nil, ErrUnbalanced
				default:
					cur.WriteByte(c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur.WriteByte('\'')
				case c == '\'':
					if next := at(p + 1); next != 0 && !isSpace(next) {
						return nil, ErrUnbalanced
					}
					done = true
				case c == 0:
					return nil, ErrUnbalanced
				default:
					cur.WriteByte(c)
				}
			default:
				switch c {
				// Only these end a bare word: \v and \f are skipped between words but kept
				// inside one, as in sdssplitargs.
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					cur.WriteByte(c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, cur.String())
	}
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Repr quotes s the way sdscatrepr does, so that Split reads it back as s.
func Repr(s string) string {
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				b.WriteString(`\x`)
				b.WriteByte(hexdigits[c>>4])
				b.WriteByte(hexdigits[c&15])
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// NeedsRepr reports whether s must be written with Repr to read back as one word: anything
// but printable ASCII without blanks, quotes or backslashes (Redis's sdsneedsrepr, plus the
// single quote, which Split would take for the start of a quoted word).
func NeedsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '"' || c == '\'' || c <= ' ' || c > '~' {
			return true
		}
	}
	return len(s) == 0
}
