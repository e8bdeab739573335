// Package ascii folds case as Redis's C-locale tolower and strcasecmp do: ASCII letters only,
// so a Unicode look-alike (the Kelvin sign in "\u212Aeys") never aliases a command, directive,
// ACL category or function name.
package ascii

// Lower returns s with ASCII letters lower-cased; s itself when there are none to change.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// LowerBytes is Lower for bytes, in a single allocation (command names on every request).
func LowerBytes(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

// EqualFold reports whether a and b are equal when ASCII letters are folded.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
