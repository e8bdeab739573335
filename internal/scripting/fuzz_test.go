package scripting

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func FuzzCJSONDecode(f *testing.F) {
	for _, s := range []string{`[1,2,null,{"a":[true,false]}]`, `{"k":"\u00e9\ud83d\ude00"}`, `"abc`, `[01]`, `0x1p3`, `-inf`, `[[[[[]]]]]`, `{"a":1,}`, `"\\"`, "[1]\x00x", `nan(abc)`, `+1e5`, `1e400`} {
		f.Add(s)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	cj := cjsonLib(L)
	null := cj.RawGetString("null")
	f.Fuzz(func(t *testing.T, s string) {
		d := jsonDecoder{L: L, s: s, null: null}
		v, msg := d.decode()
		if msg != "" {
			if v != nil {
				t.Fatal("value with error")
			}
			return
		}
		var sb stringsBuilder
		if m := cjsonEncode(&sb.b, v, null, 0); m == "" {
			// what we encode must decode again
			d2 := jsonDecoder{L: L, s: sb.b.String(), null: null}
			if _, m2 := d2.decode(); m2 != "" {
				t.Fatalf("re-decode of %q (from %q): %s", sb.b.String(), s, m2)
			}
		}
	})
}

type stringsBuilder struct{ b strings.Builder }
