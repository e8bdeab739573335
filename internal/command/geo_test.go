package command

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// Distances stored by STOREDIST are compared by member only: Go's sin, cos and asin may be
// an ulp away from glibc's, which shows in a %.17g score (see internal/types/geo/trig.go).
var geoTranscripts = []hsTranscript{
	{"geoadd", []string{
		"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "ZRANGE g 0 -1 WITHSCORES",
		"GEOADD g NX 13.361389 38.115556 Palermo", "GEOADD g XX CH 13.361390 38.115556 Palermo 1 1 new",
		"GEOADD g CH 13.361389 38.115556 Palermo", "ZRANGE g 0 -1 WITHSCORES", "GEOADD g NX XX 1 1 a",
		"GEOADD g 1 1", "GEOADD g 1 1 a 2", "GEOADD g NX 1 1", "GEOADD g 200 1 a", "GEOADD g 1 86 a",
		"GEOADD g x 1 a", "GEOADD g 1 nan a", "GEOADD g inf 1 a", "GEOADD g 1 -inf a", "GEOADD g 180 85.05112878 max",
		"GEOADD g -180 -85.05112878 min", "GEOADD g 0 0 zero", "GEOADD g -0.0000001 -0.0000001 negz",
		"ZRANGE g 0 -1 WITHSCORES", "GEOADD g CH CH 1 1 a", "GEOADD g GT 1 1 a", "GEOADD g 1 1 a 300 1 b",
		"EXISTS b", "SET s x", "GEOADD s 1 1 a", "GEOADD g 1e400 1 a", "GEOADD g 1 1 a 1 1 a",
	}},
	{"geopos-geohash-geodist", []string{
		"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 180 85.05112878 max -180 -85.05112878 min 0 0 zero",
		"GEOPOS g Palermo Catania nosuch max min zero", "GEOPOS nokey a", "GEOPOS g", "GEOHASH g Palermo Catania nosuch max min zero",
		"GEOHASH nokey a", "GEOHASH g", "GEODIST g Palermo Catania", "GEODIST g Palermo Catania km", "GEODIST g Palermo Catania MI",
		"GEODIST g Palermo Catania ft", "GEODIST g Palermo Catania M", "GEODIST g Palermo nosuch", "GEODIST nokey a b",
		"GEODIST g Palermo Catania parsec", "GEODIST g Palermo Catania km x", "GEODIST g max min", "GEODIST g zero zero",
		"ZADD g -1 neg 1e300 huge 4503599627370496 big 0.5 half", "GEOPOS g neg huge big half", "GEOHASH g neg huge big half",
		"GEODIST g neg huge", "SET s x", "GEOPOS s a", "GEOHASH s a", "GEODIST s a b", "GEODIST s a b parsec",
		"# HELLO 3", "GEOPOS g Palermo nosuch", "GEOHASH g nosuch", "GEODIST g Palermo Catania", "GEODIST g Palermo nosuch",
	}},
	{"georadius", []string{
		"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
		"GEORADIUS g 15 37 200 km", "GEORADIUS g 15 37 200 km ASC", "GEORADIUS g 15 37 200 km DESC",
		"GEORADIUS g 15 37 200 km WITHDIST WITHCOORD WITHHASH", "GEORADIUS g 15 37 200 km WITHDIST COUNT 1",
		"GEORADIUS g 15 37 200 km COUNT 2 DESC", "GEORADIUS g 15 37 200 km COUNT 1 ANY", "GEORADIUS g 15 37 200 km ANY",
		"GEORADIUS g 15 37 200 km COUNT 0", "GEORADIUS g 15 37 200 km COUNT -1", "GEORADIUS g 15 37 200 km COUNT x",
		"GEORADIUS g 15 37 200 km COUNT", "GEORADIUS g 15 37 -1 km", "GEORADIUS g 15 37 x km", "GEORADIUS g 15 37 1 parsec",
		"GEORADIUS g 200 37 1 km", "GEORADIUS g 15 37 200 km FOO", "GEORADIUS g 15 37 500 mi WITHDIST", "GEORADIUS g 15 37 0 m",
		"GEORADIUS g 15 37 200 km STORE d", "ZRANGE d 0 -1 WITHSCORES", "GEORADIUS g 15 37 200 km STOREDIST d",
		"ZRANGE d 0 -1", "GEORADIUS g 15 37 200 km STORE d WITHDIST", "GEORADIUS g 15 37 1 m STORE d", "EXISTS d",
		"GEORADIUS nokey 15 37 200 km", "GEORADIUS nokey 15 37 200 km STORE d", "GEORADIUS_RO g 15 37 200 km WITHDIST",
		"GEORADIUS_RO g 15 37 200 km STORE d", "GEORADIUSBYMEMBER g Palermo 200 km WITHDIST", "GEORADIUSBYMEMBER g nosuch 200 km",
		"GEORADIUSBYMEMBER nokey nosuch x km", "GEORADIUSBYMEMBER nokey a 1 km STORE d", "GEORADIUSBYMEMBER_RO g Catania 100 km WITHCOORD",
		"GEORADIUSBYMEMBER g Palermo 200 km STOREDIST d COUNT 2", "ZRANGE d 0 -1", "GEORADIUS g 15 37 20000 km",
		"GEORADIUS g 15 37 1e10 km WITHDIST", "GEORADIUS g 0 85 5000 km", "GEORADIUS g 15 37 200 km COUNT 2 STORE d", "ZRANGE d 0 -1",
		"SET s x", "GEORADIUS s 15 37 1 km", "# HELLO 3", "GEORADIUS g 15 37 200 km WITHDIST WITHCOORD WITHHASH",
	}},
	{"geosearch", []string{
		"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
		"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC", "GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST",
		"GEOSEARCH g FROMMEMBER Palermo BYBOX 300 300 km DESC WITHHASH", "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 100 mi",
		"GEOSEARCH g FROMMEMBER nosuch BYRADIUS 100 mi", "GEOSEARCH g BYRADIUS 100 mi", "GEOSEARCH g FROMLONLAT 15 37 WITHDIST",
		"GEOSEARCH g FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km", "GEOSEARCH g FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km",
		"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km", "GEOSEARCH g FROMLONLAT 15 37 BYBOX -1 1 km",
		"GEOSEARCH g FROMLONLAT 15 37 BYBOX x 1 km", "GEOSEARCH g FROMLONLAT 15 37 BYBOX 1 x km", "GEOSEARCH g FROMLONLAT 15 37 BYBOX 1 1 parsec",
		"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km STORE d", "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST",
		"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km COUNT 2 ANY", "GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ANY",
		"geosearch g BYRADIUS 1 km", "GeoSearch g FROMLONLAT 1 1 ASC", "GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km",
		"GEOSEARCH nokey FROMMEMBER x BYBOX 1 1 km WITHDIST", "GEOSEARCH nokey FROMLONLAT 1 1", "GEOSEARCH g FROMLONLAT 500 1 BYRADIUS 1 km",
		"GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km", "ZRANGE d 0 -1 WITHSCORES", "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST COUNT 2",
		"ZRANGE d 0 -1", "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST", "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km STORE x",
		"GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 200 km", "EXISTS d", "GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 1 m", "EXISTS d",
		"GEOSEARCH g FROMLONLAT 15 37 BYBOX 1000 10 km ASC WITHDIST", "GEOSEARCH g FROMLONLAT 15 37 BYBOX 10 1000 km ASC WITHDIST",
		"# HELLO 3", "GEOSEARCH g FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH",
	}},
}

func TestGeoAgainstRedis(t *testing.T) { zCompare(t, geoTranscripts) }

// TestGeoRandomAgainstRedis compares searches over random points, on small and large sets.
func TestGeoRandomAgainstRedis(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	coord := func(lo, hi float64) string { return strconv.FormatFloat(lo+r.Float64()*(hi-lo), 'f', 6, 64) }
	var trs []hsTranscript
	for i := 0; i < 6; i++ {
		lines := []string{}
		if i%2 == 1 {
			lines = append(lines, "CONFIG SET zset-max-listpack-entries 16")
		}
		cLon, cLat := r.Float64()*300-150, r.Float64()*140-70
		for j := 0; j < 60; j++ {
			lines = append(lines, "GEOADD g "+coord(cLon-5, cLon+5)+" "+coord(cLat-5, cLat+5)+" m"+strconv.Itoa(j))
		}
		lines = append(lines, "GEOPOS g m1 m2 m3", "GEOHASH g m4 m5", "GEODIST g m1 m2 km")
		for j := 0; j < 40; j++ {
			radius := strconv.Itoa(r.IntN(800)+1) + " km"
			from := "FROMLONLAT " + coord(cLon-3, cLon+3) + " " + coord(cLat-3, cLat+3)
			if j%3 == 0 {
				from = "FROMMEMBER m" + strconv.Itoa(r.IntN(60))
			}
			by := "BYRADIUS " + radius
			if j%2 == 0 {
				by = "BYBOX " + strconv.Itoa(r.IntN(900)+1) + " " + radius
			}
			lines = append(lines, "GEOSEARCH g "+from+" "+by+" ASC WITHDIST WITHCOORD WITHHASH",
				"GEOSEARCH g "+from+" "+by, "GEOSEARCH g "+from+" "+by+" COUNT 5 ANY")
		}
		trs = append(trs, hsTranscript{name: "random" + strconv.Itoa(i), lines: lines})
	}
	zCompare(t, trs)
}

// TestGeoSpecsAgainstRedis compares COMMAND INFO and the documentation fields with Redis's.
func TestGeoSpecsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newHSSession(t)
	for _, sp := range geoCommands {
		want, got := o.do("COMMAND", "INFO", sp.Name), s.do("COMMAND", "INFO", sp.Name)
		if want != got {
			t.Errorf("COMMAND INFO %s\n redis: %q\n   ours: %q", sp.Name, want, got)
		}
		wantDocs, _ := parseResp(t, o.do("COMMAND", "DOCS", sp.Name))
		gotDocs, _ := parseResp(t, s.do("COMMAND", "DOCS", sp.Name))
		w, g := wantDocs.kids[1].kids[:8], gotDocs.kids[1].kids[:8]
		for i := range w {
			if w[i].raw != g[i].raw {
				t.Errorf("COMMAND DOCS %s: %q, want %q", sp.Name, g[i].raw, w[i].raw)
			}
		}
	}
}
