package rdb

import "errors"

// LZF as liblzf (and so Redis) encodes it. A control byte c below 32 starts a literal run of
// c+1 bytes; otherwise its top 3 bits are the match length minus 2 (7 means a length byte
// follows) and its low 5 bits with the next byte are the back offset minus 1.

const (
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = (1 << 8) + (1 << 3) // 264: 7 + 255 + 2
	lzfHBits  = 14
)

// lzfCompress compresses in and returns the output, or nil when it would not fit in max
// bytes (Redis only keeps a compressed string that saves space).
func lzfCompress(in []byte, max int) []byte {
	n := len(in)
	if n < 4 || max <= 0 {
		return nil
	}
	var htab [1 << lzfHBits]int32 // position+1 of the last occurrence of a 3-byte hash
	out := make([]byte, 0, max+lzfMaxLit+2)
	litStart := 0 // index in out of the current literal run's control byte, -1 when none
	out = append(out, 0)
	lit := 0
	flushLit := func() {
		if lit == 0 {
			out = out[:len(out)-1] // drop the unused control byte
		} else {
			out[litStart] = byte(lit - 1)
		}
	}
	startLit := func() {
		litStart = len(out)
		out = append(out, 0)
		lit = 0
	}
	ip := 0
	for ip < n-2 {
		h := (uint32(in[ip])<<16 | uint32(in[ip+1])<<8 | uint32(in[ip+2])) * 2654435761 >> (32 - lzfHBits)
		ref := int(htab[h]) - 1
		htab[h] = int32(ip + 1)
		if ref >= 0 && ip-ref-1 < lzfMaxOff && ip > ref &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			l := 3
			maxl := min(n-ip, lzfMaxRef)
			for l < maxl && in[ref+l] == in[ip+l] {
				l++
			}
			flushLit()
			off := ip - ref - 1
			ml := l - 2
			if ml < 7 {
				out = append(out, byte(ml<<5|off>>8))
			} else {
				out = append(out, byte(7<<5|off>>8), byte(ml-7))
			}
			out = append(out, byte(off))
			ip += l
			startLit()
			if len(out) > max {
				return nil
			}
			continue
		}
		out = append(out, in[ip])
		ip++
		lit++
		if lit == lzfMaxLit {
			out[litStart] = byte(lit - 1)
			startLit()
		}
		if len(out) > max {
			return nil
		}
	}
	for ip < n {
		out = append(out, in[ip])
		ip++
		lit++
		if lit == lzfMaxLit {
			out[litStart] = byte(lit - 1)
			startLit()
		}
	}
	flushLit()
	if len(out) > max {
		return nil
	}
	return out
}

var errLZF = errors.New("invalid LZF data")

// lzfDecompress expands in into exactly outLen bytes.
func lzfDecompress(in []byte, outLen int) ([]byte, error) {
	out := make([]byte, 0, outLen)
	ip := 0
	for ip < len(in) {
		c := int(in[ip])
		ip++
		if c < 32 {
			l := c + 1
			if ip+l > len(in) || len(out)+l > outLen {
				return nil, errLZF
			}
			out = append(out, in[ip:ip+l]...)
			ip += l
			continue
		}
		l := c >> 5
		if l == 7 {
			if ip >= len(in) {
				return nil, errLZF
			}
			l += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, errLZF
		}
		ref := len(out) - (c&0x1f)<<8 - int(in[ip]) - 1
		ip++
		l += 2
		if ref < 0 || len(out)+l > outLen {
			return nil, errLZF
		}
		for i := 0; i < l; i++ { // may overlap: byte by byte
			out = append(out, out[ref+i])
		}
	}
	if len(out) != outLen {
		return nil, errLZF
	}
	return out, nil
}
