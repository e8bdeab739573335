package config

import (
	"errors"
	"strings"

	"github.com/redoubt/redoubt/internal/sdsargs"
)

// ErrUnbalancedQuotes is returned by SplitArgs for an unterminated quote, or a closing
// quote that is followed by something other than a space.
var ErrUnbalancedQuotes = errors.New("Unbalanced quotes in configuration line")

// SplitArgs splits a redis.conf line as Redis's sdssplitargs does (see package sdsargs), with
// Redis's error for unbalanced quotes.
func SplitArgs(line string) ([]string, error) {
	args, err := sdsargs.Split(line)
	if err != nil {
		return nil, ErrUnbalancedQuotes
	}
	return args, nil
}

// repr quotes s as sdscatrepr does, so that SplitArgs reads it back as s.
func repr(s string) string { return sdsargs.Repr(s) }

// trim removes the characters sdstrim(" \t\r\n") removes.
func trim(s string) string {
	return strings.Trim(s, " \t\r\n")
}

// isSpace is C's isspace in the C locale (strtold and friends skip it).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
