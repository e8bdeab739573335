package geo

import "math"

// Redis computes distances with glibc's sin, cos and asin. Go's agree with them to within an
// ulp, not always to the bit: a distance can differ in its last bit, which shows only in a
// STOREDIST score printed with 17 digits (or, in theory, at the very edge of a radius).
func sin(x float64) float64  { return math.Sin(x) }
func cos(x float64) float64  { return math.Cos(x) }
func asin(x float64) float64 { return math.Asin(x) }
