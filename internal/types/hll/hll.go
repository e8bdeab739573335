// Package hll owns the HyperLogLog value: Redis's byte format (header, sparse and dense register encodings) and its cardinality estimate, byte-compatible with Redis 7.0.
package hll

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// Layout of the value, as Redis stores it in a string:
//
//	"HYLL" | encoding (1) | unused (3) | cached cardinality (8, little endian, MSB = stale) | registers
//
// Dense registers are 16384 6-bit counters packed LSB first. Sparse registers are run-length
// opcodes: ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx yyyyyyyy (1-16384 zero
// registers), VAL 1vvvvvxx (1-4 registers of value 1-32).
const (
	HeaderSize = 16
	P          = 14
	Q          = 64 - P
	Registers  = 1 << P
	bits       = 6
	regMax     = 1<<bits - 1
	DenseSize  = HeaderSize + (Registers*bits+7)/8

	Dense  = 0
	Sparse = 1

	// DefaultSparseMaxBytes is hll-sparse-max-bytes' default.
	DefaultSparseMaxBytes = 3000

	xzeroBit       = 0x40
	valBit         = 0x80
	valMaxValue    = 32
	valMaxLen      = 4
	zeroMaxLen     = 64
	xzeroMaxLen    = 16384
	alphaInf       = 0.721347520444481703680
	seed           = 0xadc83b19
	cacheStaleBit  = 1 << 7
	cacheStaleByte = HeaderSize - 1
)

// Valid reports whether s is a HyperLogLog as Redis accepts one: long enough for the header,
// the "HYLL" magic, a known encoding, and the exact size when dense.
func Valid(s []byte) bool {
	if len(s) < HeaderSize || string(s[:4]) != "HYLL" || s[4] > Sparse {
		return false
	}
	return s[4] != Dense || len(s) == DenseSize
}

// IsSparse reports the sparse encoding of a valid value.
func IsSparse(s []byte) bool { return s[4] == Sparse }

// New returns an empty HyperLogLog: sparse, all registers in XZERO runs, cached cardinality 0.
func New() []byte {
	n := (Registers + xzeroMaxLen - 1) / xzeroMaxLen
	s := make([]byte, HeaderSize, HeaderSize+2*n)
	copy(s, "HYLL")
	s[4] = Sparse
	for left := Registers; left > 0; {
		run := min(left, xzeroMaxLen)
		s = appendXZero(s, run)
		left -= run
	}
	return s
}

func appendXZero(s []byte, n int) []byte {
	n--
	return append(s, byte(n>>8)|xzeroBit, byte(n))
}

// MurmurHash64A is Redis's endian-neutral 64-bit MurmurHash2.
func MurmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// PatLen hashes ele and returns its register and the length of the "000..1" run that
// follows the index bits (1 to Q+1).
func PatLen(ele []byte) (index int, count uint8) {
	h := MurmurHash64A(ele, seed)
	index = int(h & (Registers - 1))
	h >>= P
	h |= 1 << Q
	count = 1
	for bit := uint64(1); h&bit == 0; bit <<= 1 {
		count++
	}
	return index, count
}

// denseGet reads register i of dense registers r; the byte past the end reads as the
// terminating zero Redis's strings carry.
func denseGet(r []byte, i int) uint8 {
	byt, fb := i*bits/8, uint(i*bits&7)
	b0 := uint(r[byt])
	var b1 uint
	if byt+1 < len(r) {
		b1 = uint(r[byt+1])
	}
	return uint8(((b0 >> fb) | (b1 << (8 - fb))) & regMax)
}

func denseSet(r []byte, i int, v uint8) {
	byt, fb := i*bits/8, uint(i*bits&7)
	val := uint(v)
	r[byt] &^= byte(regMax << fb)
	r[byt] |= byte(val << fb)
	if byt+1 < len(r) {
		r[byt+1] &^= byte(regMax >> (8 - fb))
		r[byt+1] |= byte(val >> (8 - fb))
	}
}

// denseUpdate raises register i to count and reports whether it changed.
func denseUpdate(r []byte, i int, count uint8) bool {
	if count > denseGet(r, i) {
		denseSet(r, i, count)
		return true
	}
	return false
}

// Register returns register i of a dense value.
func Register(s []byte, i int) uint8 { return denseGet(s[HeaderSize:], i) }

// at reads s[i], or the zero terminator Redis's strings keep past their end: a truncated
// XZERO opcode reads its second byte from there.
func at(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isZero(op byte) bool  { return op&0xc0 == 0 }
func isXZero(op byte) bool { return op&0xc0 == xzeroBit }
func isVal(op byte) bool   { return op&valBit != 0 }
func zeroLen(op byte) int  { return int(op&0x3f) + 1 }
func valValue(op byte) int { return int(op>>2&0x1f) + 1 }
func valLen(op byte) int   { return int(op&3) + 1 }
func xzeroLen(s []byte, p int) int {
	return (int(s[p]&0x3f)<<8 | int(at(s, p+1))) + 1
}
func valOp(v, n int) byte { return byte((v-1)<<2|(n-1)) | valBit }

// ToDense converts a sparse value to dense, keeping the header (and so the cached
// cardinality). ok is false when the sparse runs do not cover exactly 16384 registers.
func ToDense(s []byte) (out []byte, ok bool) {
	if s[4] == Dense {
		return s, true
	}
	d := make([]byte, DenseSize)
	copy(d, s[:HeaderSize])
	d[4] = Dense
	r := d[HeaderSize:]
	idx := 0
	for p := HeaderSize; p < len(s); {
		op := s[p]
		switch {
		case isZero(op):
			idx += zeroLen(op)
			p++
		case isXZero(op):
			idx += xzeroLen(s, p)
			p += 2
		default:
			n, v := valLen(op), valValue(op)
			if idx+n > Registers {
				return s, false
			}
			for ; n > 0; n-- {
				denseSet(r, idx, uint8(v))
				idx++
			}
			p++
		}
		if idx > Registers {
			return s, false
		}
	}
	if idx != Registers {
		return s, false
	}
	return d, true
}

// Set raises register index to count, as Redis's hllDenseSet/hllSparseSet: 1 if it changed,
// 0 if not, -1 if the sparse value is corrupt. A sparse value is promoted to dense when count
// does not fit a VAL opcode or the value would outgrow sparseMax bytes. The returned slice
// replaces s (it may have moved or changed length).
func Set(s []byte, index int, count uint8, sparseMax int64) ([]byte, int) {
	if s[4] == Dense {
		if denseUpdate(s[HeaderSize:], index, count) {
			return s, 1
		}
		return s, 0
	}
	return sparseSet(s, index, count, sparseMax)
}

// Add adds ele (see Set for the results).
func Add(s []byte, ele []byte, sparseMax int64) ([]byte, int) {
	i, c := PatLen(ele)
	return Set(s, i, c, sparseMax)
}

func sparseSet(s []byte, index int, count uint8, sparseMax int64) ([]byte, int) {
	if count > valMaxValue {
		return promote(s, index, count)
	}
	// Find the opcode covering index.
	p, end := HeaderSize, len(s)
	first, span, prev := 0, 0, -1
	for p < end {
		oplen := 1
		switch op := s[p]; {
		case isZero(op):
			span = zeroLen(op)
		case isVal(op):
			span = valLen(op)
		default:
			span = xzeroLen(s, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return s, -1
	}
	op := s[p]
	runlen := 0
	switch {
	case isZero(op):
		runlen = zeroLen(op)
	case isXZero(op):
		runlen = xzeroLen(s, p)
	default:
		runlen = valLen(op)
	}

	if isVal(op) {
		if valValue(op) >= int(count) {
			return s, 0
		}
		if runlen == 1 {
			s[p] = valOp(int(count), 1)
			return sparseMerge(s, prev), 1
		}
	}
	if isZero(op) && runlen == 1 {
		s[p] = valOp(int(count), 1)
		return sparseMerge(s, prev), 1
	}

	// Split the opcode: at worst XZERO becomes XZERO-VAL-XZERO, five bytes.
	var buf [5]byte
	seq := buf[:0]
	last := first + span - 1
	zeros := func(n int) {
		if n > zeroMaxLen {
			seq = appendXZero(seq, n)
		} else {
			seq = append(seq, byte(n-1))
		}
	}
	if isVal(op) {
		cur := valValue(op)
		if index != first {
			seq = append(seq, valOp(cur, index-first))
		}
		seq = append(seq, valOp(int(count), 1))
		if index != last {
			seq = append(seq, valOp(cur, last-index))
		}
	} else {
		if index != first {
			zeros(index - first)
		}
		seq = append(seq, valOp(int(count), 1))
		if index != last {
			zeros(last - index)
		}
	}
	oldlen := 1
	if isXZero(op) {
		oldlen = 2
	}
	delta := len(seq) - oldlen
	if delta > 0 && int64(len(s)+delta) > sparseMax {
		return promote(s, index, count)
	}
	s = splice(s, p, oldlen, seq)
	return sparseMerge(s, prev), 1
}

// splice replaces the oldlen bytes at p with seq. An opcode truncated by the end of s (a
// corrupt value) is replaced as Redis does, keeping len(s)+len(seq)-oldlen bytes.
func splice(s []byte, p, oldlen int, seq []byte) []byte {
	n := len(s)
	tailStart := min(p+oldlen, n)
	newLen := n + len(seq) - oldlen
	need := p + len(seq) + (n - tailStart)
	if need > n {
		if need > cap(s) {
			grown := make([]byte, n, need+need/4)
			copy(grown, s)
			s = grown
		}
		s = s[:need]
	}
	copy(s[p+len(seq):], s[tailStart:n])
	copy(s[p:], seq)
	return s[:newLen]
}

// sparseMerge joins adjacent VAL opcodes of equal value, scanning up to five opcodes from
// prev (the opcode before the one just changed, or the first), then marks the cache stale.
func sparseMerge(s []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = HeaderSize
	}
	end := len(s)
	for scan := 5; p < end && scan > 0; {
		scan--
		op := s[p]
		if isXZero(op) {
			p += 2
			continue
		}
		if isZero(op) {
			p++
			continue
		}
		if p+1 < end && isVal(s[p+1]) {
			v1, v2 := valValue(op), valValue(s[p+1])
			if n := valLen(op) + valLen(s[p+1]); v1 == v2 && n <= valMaxLen {
				s[p+1] = valOp(v1, n)
				copy(s[p:], s[p+1:end])
				end--
				s = s[:end]
				continue
			}
		}
		p++
	}
	Invalidate(s)
	return s
}

func promote(s []byte, index int, count uint8) ([]byte, int) {
	d, ok := ToDense(s)
	if !ok {
		return s, -1
	}
	if denseUpdate(d[HeaderSize:], index, count) {
		return d, 1
	}
	return d, 0
}

// Invalidate marks the cached cardinality stale.
func Invalidate(s []byte) { s[cacheStaleByte] |= cacheStaleBit }

// Cached returns the cached cardinality if it is current.
func Cached(s []byte) (uint64, bool) {
	if s[cacheStaleByte]&cacheStaleBit != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(s[8:16]), true
}

// SetCached stores card as the current cached cardinality.
func SetCached(s []byte, card uint64) { binary.LittleEndian.PutUint64(s[8:16], card) }

// Count estimates the cardinality from the registers; ok is false for a corrupt sparse value.
func Count(s []byte) (card uint64, ok bool) {
	var histo [64]int
	if s[4] == Dense {
		r := s[HeaderSize:]
		for i := 0; i < Registers; i++ {
			histo[denseGet(r, i)]++
		}
	} else {
		idx := 0
		for p := HeaderSize; p < len(s); {
			op := s[p]
			switch {
			case isZero(op):
				n := zeroLen(op)
				idx += n
				histo[0] += n
				p++
			case isXZero(op):
				n := xzeroLen(s, p)
				idx += n
				histo[0] += n
				p += 2
			default:
				n := valLen(op)
				idx += n
				histo[valValue(op)] += n
				p++
			}
		}
		if idx != Registers {
			return 0, false
		}
	}
	return estimate(&histo), true
}

// Merge raises each max[i] to register i of s (a valid value); false if s is corrupt.
func Merge(max *[Registers]uint8, s []byte) bool {
	if s[4] == Dense {
		r := s[HeaderSize:]
		for i := range max {
			if v := denseGet(r, i); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	i := 0
	for p := HeaderSize; p < len(s); {
		op := s[p]
		switch {
		case isZero(op):
			i += zeroLen(op)
			p++
		case isXZero(op):
			i += xzeroLen(s, p)
			p += 2
		default:
			n, v := valLen(op), uint8(valValue(op))
			if i+n > Registers {
				return false
			}
			for ; n > 0; n-- {
				if v > max[i] {
					max[i] = v
				}
				i++
			}
			p++
		}
		if i > Registers {
			return false
		}
	}
	return i == Registers
}

// CountRegisters estimates the cardinality of one byte per register (PFCOUNT of many keys).
func CountRegisters(max *[Registers]uint8) uint64 {
	var histo [64]int
	for _, v := range max {
		histo[v&63]++
	}
	return estimate(&histo)
}

// estimate is Ertl's improved estimator over the register histogram, computed in the same
// order of floating-point operations as Redis so the result is identical; the explicit
// conversions forbid fused multiply-adds, which would round differently.
func estimate(histo *[64]int) uint64 {
	const m = float64(Registers)
	z := m * tau((m-float64(histo[Q+1]))/m)
	for j := Q; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(histo[0])/m))
	return uint64(math.Round(alphaInf * m * m / z))
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if prev == z {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if prev == z {
			return z / 3
		}
	}
}

// Decode renders sparse opcodes as PFDEBUG DECODE does: "Z:n" XZERO, "z:n" ZERO, "v:val,n" VAL.
func Decode(s []byte) string {
	var b strings.Builder
	for p := HeaderSize; p < len(s); {
		op := s[p]
		switch {
		case isZero(op):
			b.WriteString("z:" + strconv.Itoa(zeroLen(op)) + " ")
			p++
		case isXZero(op):
			b.WriteString("Z:" + strconv.Itoa(xzeroLen(s, p)) + " ")
			p += 2
		default:
			b.WriteString("v:" + strconv.Itoa(valValue(op)) + "," + strconv.Itoa(valLen(op)) + " ")
			p++
		}
	}
	return strings.TrimRight(b.String(), " ")
}
