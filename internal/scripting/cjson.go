package scripting

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

const cjsonMaxDepth = 1000

func cjsonLib(L *lua.LState) *lua.LTable {
	null := L.NewUserData() // cjson.null: a unique userdata (lightuserdata NULL in Redis)
	t := L.NewTable()
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	t.RawSetString("encode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.ArgError(1, "expected 1 argument")
		}
		var sb strings.Builder
		if msg := cjsonEncode(&sb, L.Get(1), null, 0); msg != "" {
			L.RaiseError("%s", msg)
		}
		L.Push(lua.LString(sb.String()))
		return 1
	}))
	t.RawSetString("decode", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() != 1 {
			L.ArgError(1, "expected 1 argument")
		}
		s := L.CheckString(1)
		d := jsonDecoder{L: L, s: s, null: null}
		v, msg := d.decode()
		if msg != "" {
			L.RaiseError("%s", msg)
		}
		L.Push(v)
		return 1
	}))
	return t
}

var jsonEscapes = func() [256]string {
	var e [256]string
	for i := 0; i < 32; i++ {
		e[i] = `\u00` + string("0123456789abcdef"[i>>4]) + string("0123456789abcdef"[i&15])
	}
	e['\b'], e['\t'], e['\n'], e['\f'], e['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	e['"'], e['\\'], e['/'] = `\"`, `\\`, `\/`
	e[127] = `\u007f`
	return e
}()

func jsonString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if esc := jsonEscapes[s[i]]; esc != "" {
			sb.WriteString(esc)
		} else {
			sb.WriteByte(s[i])
		}
	}
	sb.WriteByte('"')
}

func cjsonNumber(f float64) (string, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return fmt14g(f), true
}

// cjsonEncode returns an error message ("" on success), worded as lua-cjson's.
func cjsonEncode(sb *strings.Builder, v lua.LValue, null lua.LValue, depth int) string {
	switch x := v.(type) {
	case lua.LString:
		// A table may hold the same long string many times; the output must not multiply it.
		if sb.Len()+len(x) > maxStringLen {
			return errTooLarge
		}
		jsonString(sb, string(x))
	case lua.LNumber:
		s, ok := cjsonNumber(float64(x))
		if !ok {
			return "Cannot serialise number: must not be NaN or Inf"
		}
		sb.WriteString(s)
	case lua.LBool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case *lua.LNilType:
		sb.WriteString("null")
	case *lua.LUserData:
		if v == null {
			sb.WriteString("null")
			return ""
		}
		return "Cannot serialise userdata: type not supported"
	case *lua.LTable:
		depth++
		if depth > cjsonMaxDepth {
			return "Cannot serialise, excessive nesting (" + strconv.Itoa(depth) + ")"
		}
		// lua_array_length
		max, items, isArray := 0, 0, true
		x.ForEach(func(k, _ lua.LValue) {
			if !isArray {
				return
			}
			if n, ok := k.(lua.LNumber); ok && float64(n) >= 1 && float64(n) == math.Floor(float64(n)) {
				if int(n) > max {
					max = int(n)
				}
				items++
				return
			}
			isArray = false
		})
		if isArray && max > items*2 && max > 10 {
			return "Cannot serialise table: excessively sparse array"
		}
		if isArray && max > 0 {
			sb.WriteByte('[')
			for i := 1; i <= max; i++ {
				if i > 1 {
					sb.WriteByte(',')
				}
				if msg := cjsonEncode(sb, x.RawGetInt(i), null, depth); msg != "" {
					return msg
				}
			}
			sb.WriteByte(']')
			return ""
		}
		sb.WriteByte('{')
		first := true
		var msg string
		x.ForEach(func(k, val lua.LValue) {
			if msg != "" {
				return
			}
			if !first {
				sb.WriteByte(',')
			}
			first = false
			switch kk := k.(type) {
			case lua.LString:
				jsonString(sb, string(kk))
			case lua.LNumber:
				s, ok := cjsonNumber(float64(kk))
				if !ok {
					msg = "Cannot serialise number: must not be NaN or Inf"
					return
				}
				sb.WriteByte('"')
				sb.WriteString(s)
				sb.WriteByte('"')
			default:
				msg = "Cannot serialise table: table key must be a number or string"
				return
			}
			sb.WriteByte(':')
			msg = cjsonEncode(sb, val, null, depth)
		})
		if msg != "" {
			return msg
		}
		sb.WriteByte('}')
	default:
		return "Cannot serialise " + v.Type().String() + ": type not supported"
	}
	return ""
}

type jsonDecoder struct {
	L     *lua.LState
	s     string
	pos   int
	null  lua.LValue
	depth int
}

const (
	tObjBegin = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
)

var tokenNames = []string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR"}

type jsonToken struct {
	typ   int
	index int
	val   lua.LValue
	err   string
}

func (d *jsonDecoder) next() jsonToken {
	for d.pos < len(d.s) {
		c := d.s[d.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			d.pos++
			continue
		}
		break
	}
	tok := jsonToken{index: d.pos}
	if d.pos >= len(d.s) || d.s[d.pos] == 0 {
		tok.typ = tEnd
		return tok
	}
	c := d.s[d.pos]
	switch {
	case c == '{':
		tok.typ = tObjBegin
	case c == '}':
		tok.typ = tObjEnd
	case c == '[':
		tok.typ = tArrBegin
	case c == ']':
		tok.typ = tArrEnd
	case c == ':':
		tok.typ = tColon
	case c == ',':
		tok.typ = tComma
	case c == '"':
		return d.str(tok)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.num(tok)
	case c == '+' || hasPrefixFold(d.s[d.pos:], "inf") || hasPrefixFold(d.s[d.pos:], "nan"):
		if !strings.HasPrefix(d.s[d.pos:], "null") {
			return d.num(tok)
		}
		fallthrough
	case strings.HasPrefix(d.s[d.pos:], "true"):
		tok.typ, tok.val = tBoolean, lua.LTrue
		d.pos += 4
		return tok
	case strings.HasPrefix(d.s[d.pos:], "false"):
		tok.typ, tok.val = tBoolean, lua.LFalse
		d.pos += 5
		return tok
	case strings.HasPrefix(d.s[d.pos:], "null"):
		tok.typ, tok.val = tNull, d.null
		d.pos += 4
		return tok
	default:
		tok.typ, tok.err = tError, "invalid token"
		return tok
	}
	d.pos++
	return tok
}

func hexVal(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:4], 16, 32)
	if err != nil || strings.ContainsAny(s[:4], "+-") {
		return 0, false
	}
	return rune(v), true
}

func (d *jsonDecoder) str(tok jsonToken) jsonToken {
	d.pos++ // opening quote
	var sb strings.Builder
	for {
		if d.pos >= len(d.s) || d.s[d.pos] == 0 {
			tok.typ, tok.err, tok.index = tError, "unexpected end of string", d.pos
			return tok
		}
		c := d.s[d.pos]
		if c == '"' {
			d.pos++
			break
		}
		if c != '\\' {
			sb.WriteByte(c)
			d.pos++
			continue
		}
		tok.index = d.pos
		var esc byte
		if d.pos+1 < len(d.s) {
			esc = d.s[d.pos+1]
		}
		switch esc {
		case '"', '\\', '/':
			sb.WriteByte(esc)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := hexVal(d.s[d.pos+2:])
			if !ok {
				tok.typ, tok.err = tError, "invalid unicode escape code"
				return tok
			}
			adv := 6
			if r >= 0xDC00 && r <= 0xDFFF {
				tok.typ, tok.err = tError, "invalid unicode escape code"
				return tok
			}
			if r >= 0xD800 && r <= 0xDBFF {
				rest := d.s[d.pos+6:]
				if len(rest) < 6 || rest[0] != '\\' || rest[1] != 'u' {
					tok.typ, tok.err = tError, "invalid unicode escape code"
					return tok
				}
				lo, ok := hexVal(rest[2:])
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					tok.typ, tok.err = tError, "invalid unicode escape code"
					return tok
				}
				r = (((r & 0x3FF) << 10) | (lo & 0x3FF)) + 0x10000
				adv = 12
			}
			var buf [4]byte
			n := utf8.EncodeRune(buf[:], r)
			sb.Write(buf[:n])
			d.pos += adv
			continue
		default:
			tok.typ, tok.err = tError, "invalid escape code"
			return tok
		}
		d.pos += 2
	}
	tok.typ, tok.val = tString, lua.LString(sb.String())
	return tok
}

// num scans a number with strtod semantics (Redis's lua-cjson has decode_invalid_numbers on:
// hex, leading zeros, inf, nan and a leading '+' are all accepted).
func (d *jsonDecoder) num(tok jsonToken) jsonToken {
	n, f := strtod(d.s[d.pos:])
	if n == 0 {
		tok.typ, tok.err = tError, "invalid number"
		return tok
	}
	d.pos += n
	tok.typ, tok.val = tNumber, lua.LNumber(f)
	return tok
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// strtod returns how many bytes of s C's strtod would consume and the value.
func strtod(s string) (int, float64) {
	p := 0
	neg := false
	if p < len(s) && (s[p] == '+' || s[p] == '-') {
		neg = s[p] == '-'
		p++
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	r := s[p:]
	switch {
	case hasPrefixFold(r, "infinity"):
		return p + 8, sign * math.Inf(1)
	case hasPrefixFold(r, "inf"):
		return p + 3, sign * math.Inf(1)
	case hasPrefixFold(r, "nan"):
		q := 3
		if q < len(r) && r[q] == '(' {
			k := q + 1
			for k < len(r) && (r[k] == '_' || (r[k] >= '0' && r[k] <= '9') || (r[k]|0x20 >= 'a' && r[k]|0x20 <= 'z')) {
				k++
			}
			if k < len(r) && r[k] == ')' {
				q = k + 1
			}
		}
		return p + q, math.NaN()
	}
	if len(r) > 2 && r[0] == '0' && r[1]|0x20 == 'x' {
		q, digits := 2, 0
		for q < len(r) && isHex(r[q]) {
			q++
			digits++
		}
		if q < len(r) && r[q] == '.' {
			q++
			for q < len(r) && isHex(r[q]) {
				q++
				digits++
			}
		}
		if digits > 0 {
			mant := r[:q]
			exp := "p0"
			if q < len(r) && r[q]|0x20 == 'p' {
				k := q + 1
				if k < len(r) && (r[k] == '+' || r[k] == '-') {
					k++
				}
				if k < len(r) && r[k] >= '0' && r[k] <= '9' {
					for k < len(r) && r[k] >= '0' && r[k] <= '9' {
						k++
					}
					exp = r[q:k]
					q = k
				}
			}
			f, _ := strconv.ParseFloat(mant+exp, 64)
			return p + q, sign * f
		}
		// "0x" without digits: strtod parses the "0"
		return p + 1, sign * 0
	}
	q, digits := 0, 0
	for q < len(r) && r[q] >= '0' && r[q] <= '9' {
		q++
		digits++
	}
	if q < len(r) && r[q] == '.' {
		q++
		for q < len(r) && r[q] >= '0' && r[q] <= '9' {
			q++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if q < len(r) && r[q]|0x20 == 'e' {
		k := q + 1
		if k < len(r) && (r[k] == '+' || r[k] == '-') {
			k++
		}
		if k < len(r) && r[k] >= '0' && r[k] <= '9' {
			for k < len(r) && r[k] >= '0' && r[k] <= '9' {
				k++
			}
			q = k
		}
	}
	f, _ := strconv.ParseFloat(r[:q], 64) // ERANGE gives ±Inf or 0, as strtod
	return p + q, sign * f
}

func (d *jsonDecoder) perr(expected string, tok jsonToken) string {
	found := tokenNames[tok.typ]
	if tok.typ == tError {
		found = tok.err
	}
	return "Expected " + expected + " but found " + found + " at character " + strconv.Itoa(tok.index+1)
}

func (d *jsonDecoder) decode() (lua.LValue, string) {
	tok := d.next()
	v, msg := d.value(tok)
	if msg != "" {
		return nil, msg
	}
	tok = d.next()
	if tok.typ != tEnd {
		return nil, d.perr("the end", tok)
	}
	return v, ""
}

func (d *jsonDecoder) value(tok jsonToken) (lua.LValue, string) {
	switch tok.typ {
	case tString, tNumber, tBoolean, tNull:
		return tok.val, ""
	case tObjBegin, tArrBegin:
		d.depth++
		if d.depth > cjsonMaxDepth {
			return nil, "Found too many nested data structures (" + strconv.Itoa(d.depth) + ") at character " + strconv.Itoa(tok.index+1)
		}
		defer func() { d.depth-- }()
		t := d.L.NewTable()
		if tok.typ == tObjBegin {
			tok = d.next()
			if tok.typ == tObjEnd {
				return t, ""
			}
			for {
				if tok.typ != tString {
					return nil, d.perr("object key string", tok)
				}
				key := tok.val
				tok = d.next()
				if tok.typ != tColon {
					return nil, d.perr("colon", tok)
				}
				v, msg := d.value(d.next())
				if msg != "" {
					return nil, msg
				}
				t.RawSetH(key, v)
				tok = d.next()
				if tok.typ == tObjEnd {
					return t, ""
				}
				if tok.typ != tComma {
					return nil, d.perr("comma or object end", tok)
				}
				tok = d.next()
			}
		}
		tok = d.next()
		if tok.typ == tArrEnd {
			return t, ""
		}
		for i := 1; ; i++ {
			v, msg := d.value(tok)
			if msg != "" {
				return nil, msg
			}
			t.RawSetInt(i, v)
			tok = d.next()
			if tok.typ == tArrEnd {
				return t, ""
			}
			if tok.typ != tComma {
				return nil, d.perr("comma or array end", tok)
			}
			tok = d.next()
		}
	}
	return nil, d.perr("value", tok)
}
