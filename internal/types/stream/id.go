// Package stream owns the stream value: entries in id order packed into nodes the way Redis
// packs listpacks, and the consumer groups with their pending entries lists.
package stream

import (
	"bytes"
	"math"
	"strconv"
)

// ID is a stream entry id, <ms>-<seq>.
type ID struct{ Ms, Seq uint64 }

// MaxID is the largest id ("+").
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// Cmp orders ids: -1, 0 or 1.
func (a ID) Cmp(b ID) int {
	switch {
	case a.Ms > b.Ms:
		return 1
	case a.Ms < b.Ms:
		return -1
	case a.Seq > b.Seq:
		return 1
	case a.Seq < b.Seq:
		return -1
	}
	return 0
}

func (a ID) Less(b ID) bool { return a.Cmp(b) < 0 }

func (a ID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Incr returns the next id; ok is false (and the id 0-0) past MaxID, as streamIncrID.
func (a ID) Incr() (ID, bool) {
	switch {
	case a.Seq != math.MaxUint64:
		return ID{a.Ms, a.Seq + 1}, true
	case a.Ms != math.MaxUint64:
		return ID{a.Ms + 1, 0}, true
	}
	return ID{}, false
}

// Decr returns the previous id; ok is false (and the id MaxID) before 0-0, as streamDecrID.
func (a ID) Decr() (ID, bool) {
	switch {
	case a.Seq != 0:
		return ID{a.Ms, a.Seq - 1}, true
	case a.Ms != 0:
		return ID{a.Ms - 1, math.MaxUint64}, true
	}
	return MaxID, false
}

// Append formats the id as Redis replies it.
func (a ID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

func (a ID) String() string { return string(a.Append(nil)) }

// ParseID parses an id argument exactly as Redis's streamGenericParseIDOrReply: "-" and "+"
// unless strict, "<ms>" (seq = missingSeq), "<ms>-<seq>", and "<ms>-*" when allowSeqStar
// (seqGiven then reports false). The numbers follow string2ull, which falls back to
// strtoull and so accepts leading blanks, a '+' sign or leading zeros, and wraps "-0..."
// forms; the argument is read as a C string, so a NUL ends it.
func ParseID(b []byte, strict bool, missingSeq uint64, allowSeqStar bool) (id ID, seqGiven, ok bool) {
	if len(b) > 127 {
		return ID{}, false, false
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if strict {
			return ID{}, false, false
		}
		if b[0] == '-' {
			return ID{}, true, true
		}
		return MaxID, true, true
	}
	msPart, seqPart, dash := bytes.Cut(b, []byte{'-'})
	ms, ok := string2ull(msPart)
	if !ok {
		return ID{}, false, false
	}
	seq := missingSeq
	seqGiven = true
	if dash {
		if allowSeqStar && len(seqPart) == 1 && seqPart[0] == '*' {
			seq, seqGiven = 0, false
		} else if seq, ok = string2ull(seqPart); !ok {
			return ID{}, false, false
		}
	}
	return ID{ms, seq}, seqGiven, true
}

// string2ull is Redis's: a canonical signed integer must not be negative; anything else
// goes through strtoull(s, 10) and must be consumed entirely.
func string2ull(b []byte) (uint64, bool) {
	if v, ok := string2ll(b); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if i == start || i != len(b) {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// string2ll is Redis's strict decimal parser (also listpack's lpStringToInt64): no blanks,
// no '+', no leading zeros, within int64.
func string2ll(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	d := b
	if neg {
		d = b[1:]
	}
	if len(d) == 0 || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		x := uint64(c - '0')
		if v > (math.MaxUint64-x)/10 {
			return 0, false
		}
		v = v*10 + x
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
