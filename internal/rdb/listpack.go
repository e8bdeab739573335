package rdb

import (
	"errors"
	"math"
	"strconv"
)

// canonicalInt parses s as Redis's string2ll does for encodings: a decimal integer in
// int64 range written exactly as strconv.FormatInt would write it. It is asked of every
// string a snapshot writes, most of which are not numbers, so it never allocates (a failed
// strconv.ParseInt allocates its error).
func canonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	digits := s
	if s[0] == '-' {
		digits = s[1:]
	}
	if len(digits) == 0 || digits[0] == '0' && len(s) > 1 {
		return 0, false // "-", "-0" and leading zeros are not canonical
	}
	var u uint64
	for _, c := range digits {
		d := uint64(c - '0')
		if d > 9 || u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if len(digits) < len(s) {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true // wraps to MinInt64 for 1<<63, as intended
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// lpBuilder builds one listpack.
type lpBuilder struct {
	buf []byte
	n   int
}

func newListpack() *lpBuilder { return &lpBuilder{buf: make([]byte, 6, 64)} }

// reset empties lp for reuse, keeping its buffer.
func (lp *lpBuilder) reset() *lpBuilder {
	lp.buf, lp.n = append(lp.buf[:0], 0, 0, 0, 0, 0, 0), 0
	return lp
}

// lpBacklen appends the backward length of an entry whose encoding+data is l bytes long.
func lpBacklen(b []byte, l int) []byte {
	switch {
	case l <= 127:
		return append(b, byte(l))
	case l < 16383:
		return append(b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		return append(b, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435455:
		return append(b, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	default:
		return append(b, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
}

func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// appendInt appends an integer entry in its smallest encoding.
func (lp *lpBuilder) appendInt(v int64) {
	start := len(lp.buf)
	b := lp.buf
	switch {
	case v >= 0 && v <= 127:
		b = append(b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & 0x1fff
		b = append(b, byte(u>>8)|0xc0, byte(u))
	case v >= -32768 && v <= 32767:
		b = append(b, 0xf1, byte(v), byte(v>>8))
	case v >= -8388608 && v <= 8388607:
		b = append(b, 0xf2, byte(v), byte(v>>8), byte(v>>16))
	case v >= -2147483648 && v <= 2147483647:
		b = append(b, 0xf3)
		b = le.AppendUint32(b, uint32(v))
	default:
		b = append(b, 0xf4)
		b = le.AppendUint64(b, uint64(v))
	}
	lp.buf = lpBacklen(b, len(b)-start)
	lp.n++
}

// append appends s, as an integer when it is one (as Redis's lpAppend does).
func (lp *lpBuilder) append(s []byte) {
	if v, ok := canonicalInt(s); ok {
		lp.appendInt(v)
		return
	}
	start := len(lp.buf)
	b := lp.buf
	switch l := len(s); {
	case l < 64:
		b = append(b, 0x80|byte(l))
	case l < 4096:
		b = append(b, 0xe0|byte(l>>8), byte(l))
	default:
		b = append(b, 0xf0)
		b = le.AppendUint32(b, uint32(l))
	}
	b = append(b, s...)
	lp.buf = lpBacklen(b, len(b)-start)
	lp.n++
}

func (lp *lpBuilder) size() int { return len(lp.buf) + 1 }

// finish terminates the listpack and returns it.
func (lp *lpBuilder) finish() []byte {
	b := append(lp.buf, 0xff)
	le.PutUint32(b, uint32(len(b)))
	n := lp.n
	if n > 65535 {
		n = 65535
	}
	le.PutUint16(b[4:], uint16(n))
	return b
}

var (
	errListpack = errors.New("invalid listpack")
	errZiplist  = errors.New("invalid ziplist")
	errIntset   = errors.New("invalid intset")
)

// lpEach validates listpack b entry by entry and calls fn with each element (strings alias
// b; integers are formatted). It returns the number of elements.
func lpEach(b []byte, fn func(v []byte) error) (int, error) {
	if len(b) < 7 || int(le.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return 0, errListpack
	}
	declared := int(le.Uint16(b[4:]))
	p, end := 6, len(b)-1
	count := 0
	var num [24]byte
	for p < end {
		c := b[p]
		var hdr, dl int // encoding header bytes and data length
		var ival int64
		isInt := true
		switch {
		case c&0x80 == 0:
			hdr, ival = 1, int64(c)
		case c&0xc0 == 0x80:
			hdr, dl, isInt = 1, int(c&0x3f), false
		case c&0xe0 == 0xc0:
			if p+2 > end {
				return 0, errListpack
			}
			u := uint64(c&0x1f)<<8 | uint64(b[p+1])
			hdr, ival = 2, int64(u<<51)>>51
		case c&0xf0 == 0xe0:
			if p+2 > end {
				return 0, errListpack
			}
			hdr, dl, isInt = 2, int(c&0x0f)<<8|int(b[p+1]), false
		case c == 0xf0:
			if p+5 > end {
				return 0, errListpack
			}
			hdr, isInt = 5, false
			u := le.Uint32(b[p+1:])
			if uint64(u) > uint64(end-p) {
				return 0, errListpack
			}
			dl = int(u)
		case c == 0xf1:
			if p+3 > end {
				return 0, errListpack
			}
			hdr, ival = 3, int64(int16(le.Uint16(b[p+1:])))
		case c == 0xf2:
			if p+4 > end {
				return 0, errListpack
			}
			u := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16
			hdr, ival = 4, int64(int32(u<<8)>>8)
		case c == 0xf3:
			if p+5 > end {
				return 0, errListpack
			}
			hdr, ival = 5, int64(int32(le.Uint32(b[p+1:])))
		case c == 0xf4:
			if p+9 > end {
				return 0, errListpack
			}
			hdr, ival = 9, int64(le.Uint64(b[p+1:]))
		default:
			return 0, errListpack
		}
		l := hdr + dl
		if l > end-p {
			return 0, errListpack
		}
		bl := lpBacklenSize(l)
		if bl > end-p-l {
			return 0, errListpack
		}
		// The backlen must decode (right to left) to l.
		var got, shift int
		for i := p + l + bl - 1; i >= p+l; i-- {
			got |= int(b[i]&127) << shift
			shift += 7
		}
		if got != l {
			return 0, errListpack
		}
		var v []byte
		if isInt {
			v = strconv.AppendInt(num[:0], ival, 10)
		} else {
			v = b[p+hdr : p+l]
		}
		if err := fn(v); err != nil {
			return 0, err
		}
		count++
		p += l + bl
	}
	if p != end || (declared != 65535 && declared != count) {
		return 0, errListpack
	}
	return count, nil
}

// zlEach validates ziplist b and calls fn with each element.
func zlEach(b []byte, fn func(v []byte) error) (int, error) {
	if len(b) < 11 || int(le.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		return 0, errZiplist
	}
	declared := int(le.Uint16(b[8:]))
	tail := int(le.Uint32(b[4:]))
	p, end := 10, len(b)-1
	count, prevLen, last := 0, 0, 10
	var num [24]byte
	for p < end {
		entryStart := p
		pl := 0
		if b[p] < 254 {
			pl = int(b[p])
			p++
		} else if b[p] == 254 {
			if p+5 > end {
				return 0, errZiplist
			}
			pl = int(le.Uint32(b[p+1:]))
			p += 5
		} else {
			return 0, errZiplist
		}
		if pl != prevLen {
			return 0, errZiplist
		}
		if p >= end {
			return 0, errZiplist
		}
		c := b[p]
		var v []byte
		var hdr, dl int
		isInt := true
		var ival int64
		switch c >> 6 {
		case 0:
			hdr, dl, isInt = 1, int(c&0x3f), false
		case 1:
			if p+2 > end {
				return 0, errZiplist
			}
			hdr, dl, isInt = 2, int(c&0x3f)<<8|int(b[p+1]), false
		case 2:
			if c != 0x80 || p+5 > end {
				return 0, errZiplist
			}
			u := be.Uint32(b[p+1:])
			if uint64(u) > uint64(end-p) {
				return 0, errZiplist
			}
			hdr, dl, isInt = 5, int(u), false
		default:
			switch {
			case c == 0xc0:
				hdr, dl = 1, 2
			case c == 0xd0:
				hdr, dl = 1, 4
			case c == 0xe0:
				hdr, dl = 1, 8
			case c == 0xf0:
				hdr, dl = 1, 3
			case c == 0xfe:
				hdr, dl = 1, 1
			case c >= 0xf1 && c <= 0xfd:
				hdr, ival = 1, int64(c&0x0f)-1
			default:
				return 0, errZiplist
			}
		}
		if hdr+dl > end-p {
			return 0, errZiplist
		}
		d := b[p+hdr : p+hdr+dl]
		if isInt {
			switch dl {
			case 1:
				ival = int64(int8(d[0]))
			case 2:
				ival = int64(int16(le.Uint16(d)))
			case 3:
				ival = int64(int32((uint32(d[0])|uint32(d[1])<<8|uint32(d[2])<<16)<<8) >> 8)
			case 4:
				ival = int64(int32(le.Uint32(d)))
			case 8:
				ival = int64(le.Uint64(d))
			}
			v = strconv.AppendInt(num[:0], ival, 10)
		} else {
			v = d
		}
		if err := fn(v); err != nil {
			return 0, err
		}
		count++
		last = entryStart
		prevLen = p + hdr + dl - entryStart
		p += hdr + dl
	}
	if p != end || (declared != 65535 && declared != count) || (count > 0 && tail != last) || (count == 0 && tail != 10) {
		return 0, errZiplist
	}
	return count, nil
}

// intsetEach validates intset b (sorted, distinct) and calls fn with each member.
func intsetEach(b []byte, fn func(v int64) error) (int, error) {
	if len(b) < 8 {
		return 0, errIntset
	}
	enc := int(le.Uint32(b))
	if enc != 2 && enc != 4 && enc != 8 {
		return 0, errIntset
	}
	n := le.Uint32(b[4:])
	if uint64(n)*uint64(enc)+8 != uint64(len(b)) || n == 0 {
		return 0, errIntset
	}
	var prev int64
	for i := 0; i < int(n); i++ {
		p := 8 + i*enc
		var v int64
		switch enc {
		case 2:
			v = int64(int16(le.Uint16(b[p:])))
		case 4:
			v = int64(int32(le.Uint32(b[p:])))
		default:
			v = int64(le.Uint64(b[p:]))
		}
		if i > 0 && v <= prev {
			return 0, errIntset
		}
		prev = v
		if err := fn(v); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}
