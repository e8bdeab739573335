// Package geo owns Redis's geospatial index: 52-bit geohash scores of a sorted set, their decoding, distances and area searches, bit for bit as Redis's geohash.c, geohash_helper.c and geo.c compute them.
package geo

import (
	"math"

	"github.com/redoubt/redoubt/internal/types/zset"
)

// Coordinate limits (EPSG:900913): Redis cannot index the poles.
const (
	LongMin = -180.0
	LongMax = 180.0
	LatMin  = -85.05112878
	LatMax  = 85.05112878
	StepMax = 26
)

const (
	earthRadius = 6372797.560856 // meters, the quadratic mean radius of WGS-84
	mercatorMax = 20037726.37
	dr          = math.Pi / 180.0
)

// Valid reports whether a longitude/latitude pair can be indexed.
func Valid(lon, lat float64) bool {
	return !(lon < LongMin || lon > LongMax || lat < LatMin || lat > LatMax)
}

type hashRange struct{ min, max float64 }

// Bits is a geohash of step*2 bits.
type Bits struct {
	Bits uint64
	Step uint8
}

func (b Bits) zero() bool { return b.Bits == 0 && b.Step == 0 }

type area struct {
	hash     Bits
	lon, lat hashRange
}

var (
	lonRange = hashRange{LongMin, LongMax}
	latRange = hashRange{LatMin, LatMax}
)

func interleave64(xlo, ylo uint32) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF}
	s := [...]uint{1, 2, 4, 8, 16}
	x, y := uint64(xlo), uint64(ylo)
	for i := 4; i >= 0; i-- {
		x = (x | x<<s[i]) & b[i]
		y = (y | y<<s[i]) & b[i]
	}
	return x | y<<1
}

func deinterleave64(v uint64) uint64 {
	b := [...]uint64{0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF, 0x00000000FFFFFFFF}
	s := [...]uint{0, 1, 2, 4, 8, 16}
	x, y := v, v>>1
	for i := 0; i < 6; i++ {
		x = (x | x>>s[i]) & b[i]
		y = (y | y>>s[i]) & b[i]
	}
	return x | y<<32
}

// cUint32 converts a non-negative double to uint32 as C's conversion truncates it.
func cUint32(d float64) uint32 { return uint32(uint64(d)) }

// encode is geohashEncode: ok is false outside the indexable area or the given ranges.
func encode(lonR, latR hashRange, lon, lat float64, step uint8) (Bits, bool) {
	if step > 32 || step == 0 || !Valid(lon, lat) {
		return Bits{}, false
	}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return Bits{}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	latOff *= float64(uint64(1) << step)
	lonOff *= float64(uint64(1) << step)
	return Bits{interleave64(cUint32(latOff), cUint32(lonOff)), step}, true
}

func decode(lonR, latR hashRange, h Bits) (area, bool) {
	if h.zero() {
		return area{}, false
	}
	sep := deinterleave64(h.Bits)
	latScale := latR.max - latR.min
	lonScale := lonR.max - lonR.min
	ilato := uint32(sep)
	ilono := uint32(sep >> 32)
	div := float64(uint64(1) << h.Step)
	return area{
		hash: h,
		lat:  hashRange{latR.min + (float64(ilato)*1.0/div)*latScale, latR.min + (float64(uint64(ilato)+1)*1.0/div)*latScale},
		lon:  hashRange{lonR.min + (float64(ilono)*1.0/div)*lonScale, lonR.min + (float64(uint64(ilono)+1)*1.0/div)*lonScale},
	}, true
}

// align52 left-aligns a hash to 52 bits, the score a GEOADD stores.
func align52(h Bits) uint64 { return h.Bits << (52 - uint(h.Step)*2) }

// Score is the sorted set score Redis stores for a position (which must be Valid).
func Score(lon, lat float64) float64 {
	h, _ := encode(lonRange, latRange, lon, lat, StepMax)
	return float64(align52(h))
}

// cUint64 converts a double to uint64 as x86-64 code compiled from C does (values out of range
// included), so that decoding a score a client set by hand gives Redis's answer.
func cUint64(d float64) uint64 {
	const two63 = 9223372036854775808.0
	trunc := func(v float64) uint64 {
		if math.IsNaN(v) || v >= two63 || v < -two63 {
			return 1 << 63
		}
		return uint64(int64(v))
	}
	if d >= two63 {
		return trunc(d-two63) ^ 1<<63
	}
	return trunc(d)
}

// Decode returns the position a score stands for: the center of its cell, clamped to the
// indexable area.
func Decode(score float64) (lon, lat float64) {
	a, _ := decode(lonRange, latRange, Bits{cUint64(score), StepMax})
	lon = (a.lon.min + a.lon.max) / 2
	lon = math.Max(LongMin, math.Min(LongMax, lon))
	lat = (a.lat.min + a.lat.max) / 2
	lat = math.Max(LatMin, math.Min(LatMax, lat))
	return lon, lat
}

// Hash returns the standard 11-character geohash of a score: its position re-encoded on the
// standard latitude range -90..90 (Redis's index uses -85..85), the last character 0.
func Hash(score float64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := Decode(score)
	h, _ := encode(hashRange{-180, 180}, hashRange{-90, 90}, lon, lat, 26)
	var buf [11]byte
	for i := 0; i < 11; i++ {
		idx := uint64(0)
		if i < 10 {
			idx = (h.Bits >> (52 - uint(i+1)*5)) & 0x1f
		}
		buf[i] = alphabet[idx]
	}
	return string(buf[:])
}

func degRad(a float64) float64 { return a * dr }
func radDeg(a float64) float64 { return a / dr }

// Distance is the haversine great-circle distance in meters.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lon1r := degRad(lat1), degRad(lon1)
	lat2r, lon2r := degRad(lat2), degRad(lon2)
	u := sin((lat2r - lat1r) / 2)
	v := sin((lon2r - lon1r) / 2)
	return 2.0 * earthRadius * asin(math.Sqrt(u*u+cos(lat1r)*cos(lat2r)*v*v))
}

func estimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(max(1, min(26, step)))
}

// Shape is a search area: a circle (Radius) or a box (Width by Height) around Lon, Lat, its
// sizes in a unit of Conversion meters.
type Shape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conversion    float64
}

func (s *Shape) boundingBox() (minLon, minLat, maxLon, maxLat float64) {
	height, width := s.Radius, s.Radius
	if s.Box {
		height, width = s.Height/2, s.Width/2
	}
	height *= s.Conversion
	width *= s.Conversion
	latDelta := radDeg(height / earthRadius)
	lonDeltaTop := radDeg(width / earthRadius / math.Cos(degRad(s.Lat+latDelta)))
	lonDeltaBottom := radDeg(width / earthRadius / math.Cos(degRad(s.Lat-latDelta)))
	if s.Lat < 0 {
		return s.Lon - lonDeltaBottom, s.Lat - latDelta, s.Lon + lonDeltaBottom, s.Lat + latDelta
	}
	return s.Lon - lonDeltaTop, s.Lat - latDelta, s.Lon + lonDeltaTop, s.Lat + latDelta
}

func moveX(h *Bits, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.Step)*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

func moveY(h *Bits, d int) {
	if d == 0 {
		return
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.Step)*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= uint64(0x5555555555555555) >> (64 - uint(h.Step)*2)
	h.Bits = x | y
}

// Neighbor order of Redis's search: the center box, then N, S, E, W, NE, NW, SE, SW.
var neighborMoves = [8][2]int{{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}}

func neighbors(h Bits) [9]Bits {
	var n [9]Bits
	n[0] = h
	for i, m := range neighborMoves {
		b := h
		moveX(&b, m[0])
		moveY(&b, m[1])
		n[i+1] = b
	}
	return n
}

// areas is geohashCalculateAreasByShapeWGS84: the boxes (center and neighbors, zero when
// excluded) that cover the shape.
func (s *Shape) areas() [9]Bits {
	minLon, minLat, maxLon, maxLat := s.boundingBox()
	radius := s.Radius
	if s.Box {
		radius = math.Sqrt((s.Width/2)*(s.Width/2) + (s.Height/2)*(s.Height/2))
	}
	radius *= s.Conversion
	steps := estimateSteps(radius, s.Lat)
	hash, _ := encode(lonRange, latRange, s.Lon, s.Lat, steps)
	nb := neighbors(hash)
	center, _ := decode(lonRange, latRange, hash)
	north, _ := decode(lonRange, latRange, nb[1])
	south, _ := decode(lonRange, latRange, nb[2])
	east, _ := decode(lonRange, latRange, nb[3])
	west, _ := decode(lonRange, latRange, nb[4])
	if steps > 1 && (north.lat.max < maxLat || south.lat.min > minLat || east.lon.max < maxLon || west.lon.min > minLon) {
		steps--
		hash, _ = encode(lonRange, latRange, s.Lon, s.Lat, steps)
		nb = neighbors(hash)
		center, _ = decode(lonRange, latRange, hash)
	}
	if steps >= 2 {
		const n, so, e, w, ne, nw, se, sw = 1, 2, 3, 4, 5, 6, 7, 8
		if center.lat.min < minLat {
			nb[so], nb[sw], nb[se] = Bits{}, Bits{}, Bits{}
		}
		if center.lat.max > maxLat {
			nb[n], nb[ne], nb[nw] = Bits{}, Bits{}, Bits{}
		}
		if center.lon.min < minLon {
			nb[w], nb[sw], nb[nw] = Bits{}, Bits{}, Bits{}
		}
		if center.lon.max > maxLon {
			nb[e], nb[se], nb[ne] = Bits{}, Bits{}, Bits{}
		}
	}
	return nb
}

// Point is a search result.
type Point struct {
	Member   string
	Score    float64
	Lon, Lat float64
	Dist     float64 // meters
}

// within decodes a score and reports whether it lies in the shape, with its distance.
func (s *Shape) within(score float64) (lon, lat, dist float64, ok bool) {
	lon, lat = Decode(score)
	if !s.Box {
		dist = Distance(s.Lon, s.Lat, lon, lat)
		return lon, lat, dist, dist <= s.Radius*s.Conversion
	}
	lonDist := Distance(lon, lat, s.Lon, lat)
	latDist := Distance(lon, lat, lon, s.Lat)
	if lonDist > s.Width*s.Conversion/2 || latDist > s.Height*s.Conversion/2 {
		return lon, lat, 0, false
	}
	return lon, lat, Distance(s.Lon, s.Lat, lon, lat), true
}

// Search returns the members of z inside the shape, in the order Redis finds them: box by
// box, each in score order. A limit > 0 stops the search once that many are found (ANY).
func Search(z *zset.ZSet, s *Shape, limit int) []Point {
	var out []Point
	boxes := s.areas()
	last := 0
	for i, b := range boxes {
		if b.zero() {
			continue
		}
		if last != 0 && b == boxes[last] {
			continue
		}
		if len(out) > 0 && limit > 0 && len(out) >= limit {
			break
		}
		min := align52(b)
		b.Bits++
		max := align52(b)
		r := zset.ScoreRange{Min: float64(min), Max: float64(max), MaxEx: true}
		for c := z.FromScore(r, false); c.Valid(); c.Next() {
			e := c.Entry()
			if !r.LteMax(e.Score) {
				break
			}
			if lon, lat, dist, ok := s.within(e.Score); ok {
				out = append(out, Point{Member: e.Member, Score: e.Score, Lon: lon, Lat: lat, Dist: dist})
			}
			if len(out) > 0 && limit > 0 && len(out) >= limit {
				break
			}
		}
		last = i
	}
	return out
}
