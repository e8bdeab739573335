package command

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/geo"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// Geo commands, following Redis 7.0's geo.c: positions are stored as 52-bit geohash scores
// of a sorted set, and every argument check, error text, search order and number format is
// Redis's.

const (
	errGeoUnit      = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoMember    = "ERR could not decode requested zset member"
	errGeoCount     = "ERR COUNT must be > 0"
	errGeoAny       = "ERR the ANY argument requires COUNT argument"
	errGeoRadiusNeg = "ERR radius cannot be negative"
	errGeoBoxNeg    = "ERR height or width cannot be negative"
)

const geoRadiusComplexity = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."

const geoSearchComplexity = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"

// geoStoreKeys is the key spec of GEORADIUS and GEORADIUSBYMEMBER: the source, and the keys
// after STORE or STOREDIST, searched from argument from.
func geoStoreKeys(from int) []KeySpec {
	return []KeySpec{keyAt(1, RO|Access),
		{Flags: OW | Update, Keyword: "STORE", StartFrom: from, KeyStep: 1},
		{Flags: OW | Update, Keyword: "STOREDIST", StartFrom: from, KeyStep: 1}}
}

// Search variants of geoSearchGeneric, as Redis's georadiusGeneric flags.
const (
	geoRadiusCoords = 1 << iota
	geoRadiusMember
	geoNoStore
	geoSearch
	geoSearchStore
)

var geoCommands = []*Spec{
	{Name: "geoadd", Arity: -5, Flags: Write | DenyOOM, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: geoaddCmd,
		Summary: "Add one or more geospatial items in the geospatial index represented using a sorted set", Since: "3.2.0", Group: "geo",
		Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set."},
	{Name: "geodist", Arity: -4, Flags: Readonly, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: geodistCmd,
		Summary: "Returns the distance between two members of a geospatial index", Since: "3.2.0", Group: "geo", Complexity: "O(log(N))"},
	{Name: "geohash", Arity: -2, Flags: Readonly, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: geohashCmd,
		Summary: "Returns members of a geospatial index as standard geohash strings", Since: "3.2.0", Group: "geo",
		Complexity: "O(log(N)) for each member requested, where N is the number of elements in the sorted set."},
	{Name: "geopos", Arity: -2, Flags: Readonly, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: geoposCmd,
		Summary: "Returns longitude and latitude of members of a geospatial index", Since: "3.2.0", Group: "geo",
		Complexity: "O(N) where N is the number of members requested."},
	{Name: "georadius", Arity: -6, Flags: Write | DenyOOM, Categories: CatGeo, Keys: geoStoreKeys(6),
		Handler: func(c *Ctx) { geoSearchGeneric(c, 1, geoRadiusCoords) },
		Summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", Since: "3.2.0", Group: "geo",
		Complexity: geoRadiusComplexity},
	{Name: "georadius_ro", Arity: -6, Flags: Readonly, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { geoSearchGeneric(c, 1, geoRadiusCoords|geoNoStore) },
		Summary: "A read-only variant for GEORADIUS", Since: "3.2.10", Group: "geo", Complexity: geoRadiusComplexity},
	{Name: "georadiusbymember", Arity: -5, Flags: Write | DenyOOM, Categories: CatGeo, Keys: geoStoreKeys(5),
		Handler: func(c *Ctx) { geoSearchGeneric(c, 1, geoRadiusMember) },
		Summary: "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", Since: "3.2.0", Group: "geo",
		Complexity: geoRadiusComplexity},
	{Name: "georadiusbymember_ro", Arity: -5, Flags: Readonly, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { geoSearchGeneric(c, 1, geoRadiusMember|geoNoStore) },
		Summary: "A read-only variant for GEORADIUSBYMEMBER", Since: "3.2.10", Group: "geo", Complexity: geoRadiusComplexity},
	{Name: "geosearch", Arity: -7, Flags: Readonly, Categories: CatGeo, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { geoSearchGeneric(c, 1, geoSearch) },
		Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", Since: "6.2.0", Group: "geo",
		Complexity: geoSearchComplexity},
	{Name: "geosearchstore", Arity: -8, Flags: Write | DenyOOM, Categories: CatGeo, Keys: []KeySpec{keyAt(1, OW|Update), keyAt(2, RO|Access)},
		Handler: func(c *Ctx) { geoSearchGeneric(c, 2, geoSearch|geoSearchStore) },
		Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", Since: "6.2.0", Group: "geo",
		Complexity: geoSearchComplexity},
}

// cFloat formats a double as C's printf("%.*f"), whose infinities are "inf" and "-inf".
func cFloat(v float64, prec int) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// geoLonLat parses a longitude and a latitude as Redis's extractLongLatOrReply.
func geoLonLat(c *Ctx, lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = zset.ParseFloat(lonArg); !ok {
		c.Err(ErrNotFloat)
		return
	}
	if lat, ok = zset.ParseFloat(latArg); !ok {
		c.Err(ErrNotFloat)
		return
	}
	if !geo.Valid(lon, lat) {
		c.Err("ERR invalid longitude,latitude pair " + cFloat(lon, 6) + "," + cFloat(lat, 6))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoUnit returns the meters in the unit argument, replying with Redis's error if unknown.
func geoUnit(c *Ctx, arg []byte) (float64, bool) {
	switch {
	case isOpt(arg, "m"):
		return 1, true
	case isOpt(arg, "km"):
		return 1000, true
	case isOpt(arg, "ft"):
		return 0.3048, true
	case isOpt(arg, "mi"):
		return 1609.34, true
	}
	c.Err(errGeoUnit)
	return 0, false
}

// geoDistanceArg parses "<radius> <unit>" (extractDistanceOrReply).
func geoDistanceArg(c *Ctx, args [][]byte) (radius, conversion float64, ok bool) {
	if radius, ok = zset.ParseFloat(args[0]); !ok {
		c.Err("ERR need numeric radius")
		return
	}
	if radius < 0 {
		c.Err(errGeoRadiusNeg)
		return 0, 0, false
	}
	conversion, ok = geoUnit(c, args[1])
	return
}

// geoBoxArg parses "<width> <height> <unit>" (extractBoxOrReply).
func geoBoxArg(c *Ctx, args [][]byte) (width, height, conversion float64, ok bool) {
	if width, ok = zset.ParseFloat(args[0]); !ok {
		c.Err("ERR need numeric width")
		return
	}
	if height, ok = zset.ParseFloat(args[1]); !ok {
		c.Err("ERR need numeric height")
		return
	}
	if height < 0 || width < 0 {
		c.Err(errGeoBoxNeg)
		return 0, 0, 0, false
	}
	conversion, ok = geoUnit(c, args[2])
	return
}

func geoaddCmd(c *Ctx) {
	var flags zset.AddFlags
	ch := false
	i := 2
options:
	for ; i < len(c.Args); i++ {
		switch a := c.Args[i]; {
		case isOpt(a, "nx"):
			flags |= zset.NX
		case isOpt(a, "xx"):
			flags |= zset.XX
		case isOpt(a, "ch"):
			ch = true
		default:
			break options
		}
	}
	n := len(c.Args) - i
	// With no element left Redis's rewritten ZADD fails with the same syntax error.
	if n%3 != 0 || n == 0 || (flags&zset.NX != 0 && flags&zset.XX != 0) {
		c.Err(ErrSyntax)
		return
	}
	scores := make([]float64, n/3)
	members := make([][]byte, n/3)
	for j := range scores {
		a := c.Args[i+3*j:]
		lon, lat, ok := geoLonLat(c, a[0], a[1])
		if !ok {
			return
		}
		scores[j], members[j] = geo.Score(lon, lat), a[2]
	}
	zaddApply(c, c.Key(1), flags, ch, scores, members)
	if c.Dirty > 0 {
		propagateGeoadd(c, i, scores, members)
	}
}

// propagateGeoadd records GEOADD as the ZADD it amounts to, with the options as given (from
// argument 2 up to first) and the geohash scores, so a replay needs no coordinate math.
func propagateGeoadd(c *Ctx, first int, scores []float64, members [][]byte) {
	args := make([][]byte, 0, first+2*len(scores))
	args = append(args, []byte("zadd"))
	args = append(args, c.Args[1:first]...)
	for j, score := range scores {
		args = append(args, propInt(int64(score)), members[j])
	}
	c.Propagate(args...)
}

// writeDistance replies with a distance as Redis does, "%.4f" in a bulk string.
func writeDistance(w *resp.Writer, d float64) { w.BulkString(cFloat(d, 4)) }

// writeHumanDouble replies with a coordinate as Redis's addReplyHumanLongDouble: "%.17Lf"
// without trailing zeros (exact for a double), a bulk string in RESP2, a double in RESP3.
func writeHumanDouble(w *resp.Writer, d float64) {
	s := strconv.FormatFloat(d, 'f', 17, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	if w.Proto >= 3 {
		w.Raw([]byte("," + s + "\r\n"))
		return
	}
	w.BulkString(s)
}

func geodistCmd(c *Ctx) {
	toMeter := 1.0
	if len(c.Args) == 5 {
		var ok bool
		if toMeter, ok = geoUnit(c, c.Args[4]); !ok {
			return
		}
	} else if len(c.Args) > 5 {
		c.Err(ErrSyntax)
		return
	}
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	s1, ok1 := z.Score(string(c.Args[2]))
	s2, ok2 := z.Score(string(c.Args[3]))
	if !ok1 || !ok2 {
		c.W.Null()
		return
	}
	lon1, lat1 := geo.Decode(s1)
	lon2, lat2 := geo.Decode(s2)
	writeDistance(c.W, geo.Distance(lon1, lat1, lon2, lat2)/toMeter)
}

func geohashCmd(c *Ctx) {
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.Score(string(m))
		}
		if !found {
			c.W.Null()
			continue
		}
		c.W.BulkString(geo.Hash(s))
	}
}

func geoposCmd(c *Ctx) {
	z, ok := zsetForRead(c, c.Key(1))
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.Score(string(m))
		}
		if !found {
			c.W.NullArray()
			continue
		}
		lon, lat := geo.Decode(s)
		c.W.Array(2)
		writeHumanDouble(c.W, lon)
		writeHumanDouble(c.W, lat)
	}
}

// geoMemberPos returns the position of a member of z.
func geoMemberPos(c *Ctx, z *zset.ZSet, member []byte) (lon, lat float64, ok bool) {
	s, found := z.Score(string(member))
	if !found {
		c.Err(errGeoMember)
		return 0, 0, false
	}
	lon, lat = geo.Decode(s)
	return lon, lat, true
}

// cInt64 converts a double to long long as x86-64 does (out of range: the minimum).
func cInt64(d float64) int64 {
	if math.IsNaN(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(d)
}

// geoSearchGeneric serves GEORADIUS, GEORADIUSBYMEMBER, their _RO variants, GEOSEARCH and
// GEOSEARCHSTORE, as Redis's georadiusGeneric.
func geoSearchGeneric(c *Ctx, srcIdx int, flags int) {
	z, ok := zsetForRead(c, c.Key(srcIdx))
	if !ok {
		return
	}
	var (
		shape     geo.Shape
		baseArgs  int
		storeKey  string
		store     bool
		storeDist bool
	)
	switch {
	case flags&geoRadiusCoords != 0:
		baseArgs = 6
		if shape.Lon, shape.Lat, ok = geoLonLat(c, c.Args[2], c.Args[3]); !ok {
			return
		}
		if shape.Radius, shape.Conversion, ok = geoDistanceArg(c, c.Args[4:6]); !ok {
			return
		}
	case flags&geoRadiusMember != 0 && z == nil:
		// The reply depends on STORE, so the options are still parsed.
		baseArgs = 5
	case flags&geoRadiusMember != 0:
		baseArgs = 5
		if shape.Lon, shape.Lat, ok = geoMemberPos(c, z, c.Args[2]); !ok {
			return
		}
		if shape.Radius, shape.Conversion, ok = geoDistanceArg(c, c.Args[3:5]); !ok {
			return
		}
	default:
		baseArgs = 2
		if flags&geoSearchStore != 0 {
			baseArgs = 3
			storeKey, store = c.Key(1), true
		}
	}
	var (
		withDist, withHash, withCoord        bool
		fromMember, fromLoc, byRadius, byBox bool
		sortDir                              int // 0 none, 1 asc, 2 desc
		anyOpt                               bool
		count                                int64
	)
	for i := baseArgs; i < len(c.Args); i++ {
		left := len(c.Args) - i - 1
		switch a := c.Args[i]; {
		case isOpt(a, "withdist"):
			withDist = true
		case isOpt(a, "withhash"):
			withHash = true
		case isOpt(a, "withcoord"):
			withCoord = true
		case isOpt(a, "any"):
			anyOpt = true
		case isOpt(a, "asc"):
			sortDir = 1
		case isOpt(a, "desc"):
			sortDir = 2
		case isOpt(a, "count") && left >= 1:
			if count, ok = c.ArgInt(i + 1); !ok {
				return
			}
			if count <= 0 {
				c.Err(errGeoCount)
				return
			}
			i++
		case (isOpt(a, "store") || isOpt(a, "storedist")) && left >= 1 && flags&(geoNoStore|geoSearch) == 0:
			storeKey, store, storeDist = c.Key(i+1), true, isOpt(a, "storedist")
			i++
		case isOpt(a, "storedist") && flags&geoSearch != 0 && flags&geoSearchStore != 0:
			storeDist = true
		case isOpt(a, "frommember") && left >= 1 && flags&geoSearch != 0 && !fromLoc:
			if z != nil {
				if shape.Lon, shape.Lat, ok = geoMemberPos(c, z, c.Args[i+1]); !ok {
					return
				}
			}
			fromMember = true
			i++
		case isOpt(a, "fromlonlat") && left >= 2 && flags&geoSearch != 0 && !fromMember:
			if shape.Lon, shape.Lat, ok = geoLonLat(c, c.Args[i+1], c.Args[i+2]); !ok {
				return
			}
			fromLoc = true
			i += 2
		case isOpt(a, "byradius") && left >= 2 && flags&geoSearch != 0 && !byBox:
			if shape.Radius, shape.Conversion, ok = geoDistanceArg(c, c.Args[i+1:i+3]); !ok {
				return
			}
			shape.Box = false
			byRadius = true
			i += 2
		case isOpt(a, "bybox") && left >= 3 && flags&geoSearch != 0 && !byRadius:
			if shape.Width, shape.Height, shape.Conversion, ok = geoBoxArg(c, c.Args[i+1:i+4]); !ok {
				return
			}
			shape.Box = true
			byBox = true
			i += 3
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if store && (withDist || withHash || withCoord) {
		if flags&geoSearchStore != 0 {
			c.Err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		} else {
			c.Err("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		}
		return
	}
	if flags&geoSearch != 0 && !fromMember && !fromLoc {
		c.Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(cstr(c.Args[0])))
		return
	}
	if flags&geoSearch != 0 && !byRadius && !byBox {
		c.Err("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(cstr(c.Args[0])))
		return
	}
	if anyOpt && count == 0 {
		c.Err(errGeoAny)
		return
	}
	if z == nil {
		if store {
			if c.DB.Delete(storeKey, c.Now) {
				c.Notify(NotifyGeneric, "del", storeKey)
				c.Changed(1)
			}
			c.W.Int(0)
		} else {
			c.W.Array(0)
		}
		return
	}
	if count != 0 && sortDir == 0 && !anyOpt {
		sortDir = 1
	}
	limit := 0
	if anyOpt {
		limit = int(min(count, math.MaxInt32))
	}
	points := geo.Search(z, &shape, limit)
	if len(points) == 0 && !store {
		c.W.Array(0)
		return
	}
	n := len(points)
	if count != 0 && int64(n) > count {
		n = int(count)
	}
	switch sortDir {
	case 1:
		slices.SortStableFunc(points, func(a, b geo.Point) int { return cmpDist(a.Dist, b.Dist) })
	case 2:
		slices.SortStableFunc(points, func(a, b geo.Point) int { return cmpDist(b.Dist, a.Dist) })
	}
	points = points[:n]
	if !store {
		options := 0
		for _, on := range []bool{withDist, withCoord, withHash} {
			if on {
				options++
			}
		}
		w := c.W
		w.Array(n)
		for _, p := range points {
			if options > 0 {
				w.Array(options + 1)
			}
			w.BulkString(p.Member)
			if withDist {
				writeDistance(w, p.Dist/shape.Conversion)
			}
			if withHash {
				w.Int(cInt64(p.Score))
			}
			if withCoord {
				w.Array(2)
				writeHumanDouble(w, p.Lon)
				writeHumanDouble(w, p.Lat)
			}
		}
		return
	}
	if n == 0 {
		if c.DB.Delete(storeKey, c.Now) {
			c.Notify(NotifyGeneric, "del", storeKey)
			c.Changed(1)
		}
		c.W.Int(0)
		return
	}
	entries := make([]zset.Entry, n)
	for i, p := range points {
		s := p.Score
		if storeDist {
			s = p.Dist / shape.Conversion
		}
		entries[i] = zset.Entry{Member: p.Member, Score: s}
	}
	slices.SortFunc(entries, func(a, b zset.Entry) int {
		if d := cmpDist(a.Score, b.Score); d != 0 {
			return d
		}
		return strings.Compare(a.Member, b.Member)
	})
	created := c.Lookup(storeKey) == nil
	c.DB.Set(storeKey, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeZSet, Val: zset.FromSorted(entries, zsetLimits(c))}, c.Now), false)
	if created {
		c.Notify(NotifyNew, "new", storeKey)
	}
	event := "georadiusstore"
	if flags&geoSearch != 0 {
		event = "geosearchstore"
	}
	c.Notify(NotifyZSet, event, storeKey)
	c.Changed(n)
	c.W.Int(int64(n))
}

func cmpDist(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}
