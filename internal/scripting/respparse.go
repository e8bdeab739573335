package scripting

import (
	"errors"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

var errBadReply = errors.New("scripting: malformed reply")

// replyParser converts the raw RESP2/RESP3 reply bytes written by a command handler into Lua
// values, following Redis 7.0's redisProtocolToLuaType rules.
type replyParser struct {
	L   *lua.LState
	b   []byte
	pos int
}

func (p *replyParser) line() ([]byte, error) {
	for i := p.pos; i+1 < len(p.b); i++ {
		if p.b[i] == '\r' && p.b[i+1] == '\n' {
			l := p.b[p.pos:i]
			p.pos = i + 2
			return l, nil
		}
	}
	return nil, errBadReply
}

func (p *replyParser) count(l []byte) (int, error) {
	n, err := strconv.Atoi(string(l))
	if err != nil {
		return 0, errBadReply
	}
	return n, nil
}

func (p *replyParser) bulk(n int) ([]byte, error) {
	if n < 0 || p.pos+n+2 > len(p.b) {
		return nil, errBadReply
	}
	s := p.b[p.pos : p.pos+n]
	p.pos += n + 2
	return s, nil
}

func single(L *lua.LState, field string, v lua.LValue) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString(field, v)
	return t
}

// parse reads one reply. ok=false with nil error means "skip" (attributes).
func (p *replyParser) parse() (lua.LValue, error) {
	if p.pos >= len(p.b) {
		return nil, errBadReply
	}
	typ := p.b[p.pos]
	p.pos++
	l, err := p.line()
	if err != nil {
		return nil, err
	}
	L := p.L
	switch typ {
	case ':':
		n, err := strconv.ParseInt(string(l), 10, 64)
		if err != nil {
			return nil, errBadReply
		}
		return lua.LNumber(n), nil
	case '+':
		return single(L, "ok", lua.LString(l)), nil
	case '-':
		return errorTable(L, "-"+string(l)), nil
	case '$', '=':
		n, err := p.count(l)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return lua.LFalse, nil
		}
		s, err := p.bulk(n)
		if err != nil {
			return nil, err
		}
		if typ == '=' {
			if len(s) < 4 {
				return nil, errBadReply
			}
			t := L.CreateTable(0, 2)
			t.RawSetString("format", lua.LString(s[:3]))
			t.RawSetString("string", lua.LString(s[4:]))
			return single(L, "verbatim_string", t), nil
		}
		return lua.LString(s), nil
	case '*', '~', '%', '>', '|':
		n, err := p.count(l)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return lua.LFalse, nil
		}
		switch typ {
		case '*', '>':
			t := L.CreateTable(n, 0)
			for i := 1; i <= n; i++ {
				v, err := p.parse()
				if err != nil {
					return nil, err
				}
				t.RawSetInt(i, v)
			}
			return t, nil
		case '~':
			t := L.CreateTable(0, n)
			for i := 0; i < n; i++ {
				v, err := p.parse()
				if err != nil {
					return nil, err
				}
				if v != lua.LNil {
					t.RawSet(v, lua.LTrue)
				}
			}
			return single(L, "set", t), nil
		default: // map or attribute
			t := L.CreateTable(0, n)
			for i := 0; i < n; i++ {
				k, err := p.parse()
				if err != nil {
					return nil, err
				}
				v, err := p.parse()
				if err != nil {
					return nil, err
				}
				if k != lua.LNil {
					t.RawSet(k, v)
				}
			}
			if typ == '|' { // attributes are dropped; the real reply follows
				return p.parse()
			}
			return single(L, "map", t), nil
		}
	case '_':
		return lua.LNil, nil
	case '#':
		if len(l) == 1 && l[0] == 't' {
			return lua.LTrue, nil
		}
		return lua.LFalse, nil
	case ',':
		var f float64
		switch string(l) {
		case "inf":
			f = posInf
		case "-inf":
			f = negInf
		case "nan", "-nan":
			f = nan
		default:
			f, err = strconv.ParseFloat(string(l), 64)
			if err != nil {
				return nil, errBadReply
			}
		}
		return single(L, "double", lua.LNumber(f)), nil
	case '(':
		return single(L, "big_number", lua.LString(l)), nil
	}
	return nil, errBadReply
}

// errorTable builds a Redis error table {err="CODE msg"} from a raw error string, following
// luaPushErrorBuff: "-CODE msg" keeps CODE, "-msg" (no space) and "msg" get the ERR code;
// trailing CR/LF is trimmed.
func errorTable(L *lua.LState, s string) *lua.LTable {
	return single(L, "err", lua.LString(normalizeErr(s)))
}

func normalizeErr(s string) string {
	code, msg := "ERR", s
	if len(s) > 0 && s[0] == '-' {
		sp := -1
		for i := 1; i < len(s); i++ {
			if s[i] == ' ' {
				sp = i
				break
			}
		}
		if sp < 0 {
			msg = s[1:]
		} else {
			code, msg = s[1:sp], s[sp+1:]
		}
	}
	for len(msg) > 0 && (msg[len(msg)-1] == '\r' || msg[len(msg)-1] == '\n') {
		msg = msg[:len(msg)-1]
	}
	for len(msg) > 0 && (msg[0] == '\r' || msg[0] == '\n') {
		msg = msg[1:]
	}
	return code + " " + msg
}
