package hll

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
)

// SelfTest is PFSELFTEST: it checks that dense registers read back what was written without
// disturbing their neighbours, then adds ten million elements to a dense and a sparse value
// and checks that both agree and stay within Redis's error bounds. It returns "" on success,
// or Redis's TESTFAILED error text.
func SelfTest(sparseMax int64) string {
	dense := make([]byte, DenseSize)
	copy(dense, "HYLL")
	r := dense[HeaderSize:]
	var want [Registers]uint8
	for cycle := 0; cycle < 1000; cycle++ {
		for i := range want {
			want[i] = uint8(rand.IntN(regMax + 1))
			denseSet(r, i, want[i])
		}
		for i := range want {
			if got := denseGet(r, i); got != want[i] {
				return "TESTFAILED Register " + strconv.Itoa(i) + " should be " + strconv.Itoa(int(want[i])) +
					" but is " + strconv.Itoa(int(got))
			}
		}
	}
	clear(r)
	s := New()
	relerr := 1.04 / math.Sqrt(Registers)
	checkpoint := int64(1)
	seed := rand.Uint64()
	var ele [8]byte
	for j := int64(1); j <= 10000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		idx, count := PatLen(ele[:])
		denseUpdate(r, idx, count)
		s, _ = Set(s, idx, count, sparseMax)
		if j != checkpoint {
			continue
		}
		if j < sparseMax/2 && !IsSparse(s) {
			return "TESTFAILED sparse encoding not used"
		}
		cd, _ := Count(dense)
		if cs, _ := Count(s); cd != cs {
			return "TESTFAILED dense/sparse disagree"
		}
		abserr := checkpoint - int64(cd)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			return "TESTFAILED Too big error. card:" + strconv.FormatInt(checkpoint, 10) +
				" abserr:" + strconv.FormatInt(abserr, 10)
		}
		checkpoint *= 10
	}
	return ""
}
