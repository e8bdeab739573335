// Package glob implements Redis's glob-style pattern matching with bounded work.
//
// The accepted language and every quirk follow Redis's stringmatchlen
// (util.c), but the matcher is the iterative "remember only the last star"
// algorithm, so crafted patterns such as "*a*a*a*a*a*a*b" cannot trigger the
// exponential backtracking behind CVE-2022-36021 and CVE-2024-31228. The
// worst case is O(len(pattern) * len(str)).
package glob

// maxNesting is the recursion cap Redis added for CVE-2024-31228: each star
// that is not the last token of the pattern costs Redis one level of
// recursion, and a pattern needing more than maxNesting levels never matches.
// We don't recurse, but we honour the cap so KEYS, SCAN and PSUBSCRIBE give
// the same answers as Redis for such patterns.
const maxNesting = 1000

// Match reports whether str matches pattern with Redis stringmatchlen semantics.
//
// Syntax: '*' matches any run of bytes, '?' any single byte, "[abc]", "[^abc]"
// and "[a-z]" a byte in (or not in) a set, and '\' makes the next byte
// literal, inside brackets too. nocase folds ASCII letters only.
//
// Redis quirks that are reproduced deliberately:
//   - an empty str matches only the empty pattern, so "*" does not match "".
//     Redis's KEYS and SCAN short-circuit the lone "*" pattern before calling
//     the matcher, which is how they list the empty key; callers emulating
//     those commands must do the same.
//   - "[]" never matches and "[^]" matches any byte: ']' right after '[' or
//     "[^" closes the set rather than being a member.
//   - an unclosed '[' extends to the end of the pattern, so "[abc" is a set
//     and "[a-]x" is one set holding ']'..'a' and 'x'.
//   - a range's ends are swapped when reversed, before nocase folding, so
//     "[Z-a]" with nocase matches nothing.
//   - ranges compare bytes as signed chars (as Redis does on x86-64), so
//     bytes >= 0x80 sort before ASCII.
//   - an escaped byte inside brackets is compared exactly, ignoring nocase.
//   - a trailing '\' is a literal backslash.
//   - a pattern never matches if more than 1000 runs of stars precede its
//     last token.
func Match(pattern, str []byte, nocase bool) bool {
	return match(pattern, str, nocase)
}

// MatchString is Match for strings, without conversion copies.
func MatchString(pattern, str string, nocase bool) bool {
	return match(pattern, str, nocase)
}

func match[T ~string | ~[]byte](p, s T, nocase bool) bool {
	if len(s) == 0 {
		// Redis runs its loop only while both sides have input left and strips
		// trailing stars only after consuming a byte.
		return len(p) == 0
	}
	var (
		pi, si int
		// Every non-star token consumes exactly one byte, so when a star is
		// reached at its earliest possible position, no earlier star's
		// alternatives can help any more: they would only place this star
		// later, and this star can already absorb those bytes itself. So
		// only the latest star is a backtracking point; that bound is what
		// keeps the work polynomial.
		resumeP = -1 // pattern index just past the latest star
		resumeS int  // where the suffix after that star is tried next
		stars   int
	)
	for si < len(s) {
		if pi < len(p) && p[pi] == '*' {
			for pi+1 < len(p) && p[pi+1] == '*' {
				pi++
			}
			if pi == len(p)-1 {
				return true
			}
			stars++
			if stars > maxNesting {
				// Any match must pass this star with input left, which is
				// where Redis runs out of nesting, so nothing can match.
				return false
			}
			pi++
			resumeP, resumeS = pi, si
			continue
		}
		if pi < len(p) {
			if next, ok := token(p, pi, s[si], nocase); ok {
				pi, si = next, si+1
				continue
			}
		}
		if resumeP < 0 {
			return false
		}
		resumeS++
		pi, si = resumeP, resumeS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// token matches c against the single non-star token starting at p[pi] and
// returns the index just past that token. A token's extent depends only on
// the pattern, never on c, which is what makes resuming after a star safe.
func token[T ~string | ~[]byte](p T, pi int, c byte, nocase bool) (next int, ok bool) {
	switch p[pi] {
	case '?':
		return pi + 1, true
	case '[':
		return class(p, pi+1, c, nocase)
	case '\\':
		if pi+1 < len(p) {
			return pi + 2, equal(p[pi+1], c, nocase)
		}
	}
	return pi + 1, equal(p[pi], c, nocase)
}

// class matches c against a bracket expression whose body starts at p[i],
// just past the '['.
func class[T ~string | ~[]byte](p T, i int, c byte, nocase bool) (next int, ok bool) {
	negate := i < len(p) && p[i] == '^'
	if negate {
		i++
	}
	hit := false
	for {
		switch {
		case i >= len(p):
			return len(p), hit != negate
		case p[i] == '\\' && i+1 < len(p):
			i++
			if p[i] == c {
				hit = true
			}
		case p[i] == ']':
			return i + 1, hit != negate
		case i+2 < len(p) && p[i+1] == '-':
			if inRange(p[i], p[i+2], c, nocase) {
				hit = true
			}
			i += 2
		default:
			if equal(p[i], c, nocase) {
				hit = true
			}
		}
		i++
	}
}

func inRange(lo, hi, c byte, nocase bool) bool {
	// Redis reads these through plain char, signed on the x86-64 builds
	// whose answers we reproduce.
	l, h, v := int8(lo), int8(hi), int8(c)
	if l > h {
		l, h = h, l
	}
	if nocase {
		l, h, v = lower8(l), lower8(h), lower8(v)
	}
	return l <= v && v <= h
}

func equal(a, b byte, nocase bool) bool {
	return a == b || nocase && lower(a) == lower(b)
}

// lower is tolower in the C locale, which Redis never changes for LC_CTYPE.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func lower8(b int8) int8 {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
