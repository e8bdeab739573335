package resp

import (
	"math"
	"strconv"
	"strings"
)

// Writer appends encoded replies to an in-memory buffer; the connection flushes it once per
// pipelined batch. Proto selects RESP2 or RESP3 shapes for the types that differ.
type Writer struct {
	Buf   []byte
	Proto int
	// Errors counts error replies and LastErr holds the last one's code (ERR, WRONGTYPE, ...),
	// for INFO errorstats and the per-command failed_calls counter.
	Errors  int
	LastErr string
}

func (w *Writer) Len() int { return len(w.Buf) }

func (w *Writer) Reset() { w.Buf = w.Buf[:0] }

func (w *Writer) prefixLen(c byte, n int64) {
	w.Buf = append(w.Buf, c)
	w.Buf = strconv.AppendInt(w.Buf, n, 10)
	w.Buf = append(w.Buf, '\r', '\n')
}

// Simple writes a status reply such as +OK.
func (w *Writer) Simple(s string) {
	w.Buf = append(w.Buf, '+')
	w.Buf = append(w.Buf, s...)
	w.Buf = append(w.Buf, '\r', '\n')
}

func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Error writes an error reply. msg must start with an error code (ERR, WRONGTYPE, ...);
// CR and LF are replaced so client text echoed in an error cannot inject protocol.
func (w *Writer) Error(msg string) {
	w.Errors++
	w.LastErr = msg
	if i := strings.IndexByte(msg, ' '); i > 0 {
		w.LastErr = msg[:i]
	}
	w.Buf = append(w.Buf, '-')
	w.Buf = append(w.Buf, SanitizeErr(msg)...)
	w.Buf = append(w.Buf, '\r', '\n')
}

// SanitizeErr replaces CR/LF with spaces, as Redis does for error strings.
func SanitizeErr(msg string) string {
	if strings.ContainsAny(msg, "\r\n") {
		return strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, msg)
	}
	return msg
}

func (w *Writer) Int(n int64) { w.prefixLen(':', n) }

func (w *Writer) Bulk(b []byte) {
	w.prefixLen('$', int64(len(b)))
	w.Buf = append(w.Buf, b...)
	w.Buf = append(w.Buf, '\r', '\n')
}

func (w *Writer) BulkString(s string) {
	w.prefixLen('$', int64(len(s)))
	w.Buf = append(w.Buf, s...)
	w.Buf = append(w.Buf, '\r', '\n')
}

// BulkInt writes an integer as a bulk string (INCRBYFLOAT-style replies).
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null is the null bulk string ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, "_\r\n"...)
	} else {
		w.Buf = append(w.Buf, "$-1\r\n"...)
	}
}

// NullArray is the null multi-bulk (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, "_\r\n"...)
	} else {
		w.Buf = append(w.Buf, "*-1\r\n"...)
	}
}

func (w *Writer) Array(n int) { w.prefixLen('*', int64(n)) }

// Map opens a map of n pairs; RESP2 clients get a flat array of 2n elements.
func (w *Writer) Map(n int) {
	if w.Proto >= 3 {
		w.prefixLen('%', int64(n))
	} else {
		w.prefixLen('*', int64(2*n))
	}
}

// Set opens a set reply; RESP2 clients get an array.
func (w *Writer) Set(n int) {
	if w.Proto >= 3 {
		w.prefixLen('~', int64(n))
	} else {
		w.prefixLen('*', int64(n))
	}
}

// Push opens an out-of-band push; RESP2 clients (pub/sub) get an array.
func (w *Writer) Push(n int) {
	if w.Proto >= 3 {
		w.prefixLen('>', int64(n))
	} else {
		w.prefixLen('*', int64(n))
	}
}

// Bool writes a RESP3 boolean, or 1/0 to RESP2 clients.
func (w *Writer) Bool(b bool) {
	if w.Proto >= 3 {
		if b {
			w.Buf = append(w.Buf, "#t\r\n"...)
		} else {
			w.Buf = append(w.Buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.Int(1)
	} else {
		w.Int(0)
	}
}

// Double writes a RESP3 double, or a bulk string to RESP2 clients, formatted as Redis does
// (%.17g, inf/-inf/nan spelled as Redis spells them).
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	b := FormatDouble(tmp[:0], f)
	if w.Proto >= 3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = append(w.Buf, b...)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.Bulk(b)
}

// FormatDouble formats a reply double the way Redis's addReplyDouble does.
func FormatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// Verbatim writes a RESP3 verbatim string of the given 3-letter format, or a bulk string to RESP2.
func (w *Writer) Verbatim(format, s string) {
	if w.Proto >= 3 {
		w.prefixLen('=', int64(len(s)+4))
		w.Buf = append(w.Buf, format...)
		w.Buf = append(w.Buf, ':')
		w.Buf = append(w.Buf, s...)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

// Raw appends pre-encoded protocol.
func (w *Writer) Raw(b []byte) { w.Buf = append(w.Buf, b...) }

// StringArray writes an array of bulk strings.
func (w *Writer) StringArray(items []string) {
	w.Array(len(items))
	for _, s := range items {
		w.BulkString(s)
	}
}
