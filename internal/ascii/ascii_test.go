package ascii

import "testing"

func TestFolding(t *testing.T) {
	for _, tc := range []struct{ in, lower string }{
		{"", ""}, {"set", "set"}, {"SET", "set"}, {"MiXeD-1_Z", "mixed-1_z"},
		{"\u212Aeys", "\u212Aeys"}, // the Kelvin sign is not a K
		{"ÉCOLE", "École"},         // only ASCII letters fold
	} {
		if got := Lower(tc.in); got != tc.lower {
			t.Errorf("Lower(%q) = %q, want %q", tc.in, got, tc.lower)
		}
		if got := LowerBytes([]byte(tc.in)); got != tc.lower {
			t.Errorf("LowerBytes(%q) = %q, want %q", tc.in, got, tc.lower)
		}
		if !EqualFold(tc.in, tc.lower) {
			t.Errorf("EqualFold(%q, %q) = false", tc.in, tc.lower)
		}
	}
	for _, pair := range [][2]string{{"keys", "\u212Aeys"}, {"a", "ab"}, {"a", "b"}} {
		if EqualFold(pair[0], pair[1]) {
			t.Errorf("EqualFold(%q, %q) = true", pair[0], pair[1])
		}
	}
}
