package command

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
)

// Time-dependent integers in stream replies: XINFO's idle, seen-time and delivery times,
// XPENDING's idle. Both sides run the same commands, but not at the same milliseconds.
var (
	maskIdle     = regexp.MustCompile(`(\$4\r\nidle\r\n):\d+\r\n`)
	maskSeen     = regexp.MustCompile(`(\$9\r\nseen-time\r\n):\d+\r\n`)
	maskPending4 = regexp.MustCompile(`(\*4\r\n\$\d+\r\n\d+-\d+\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n`)
	maskPending3 = regexp.MustCompile(`(\*3\r\n\$\d+\r\n\d+-\d+\r\n):\d+\r\n`)
)

func maskStreamTimes(r string) string {
	r = maskIdle.ReplaceAllString(r, "$1:#\r\n")
	r = maskSeen.ReplaceAllString(r, "$1:#\r\n")
	r = maskPending4.ReplaceAllString(r, "$1:#\r\n")
	return maskPending3.ReplaceAllString(r, "$1:#\r\n")
}

// streamTranscripts are command sequences run on a fresh database against both servers.
// Lines are split on spaces; a field written as {n} becomes n bytes of 'x', and "" is empty.
var streamTranscripts = [][]string{
	{ // XADD ids and errors
		"XADD s 1-1 f v", "XADD s 1-1 f v", "XADD s 1-0 f v", "XADD s 1 a b", "XADD s 1-* a b", "XADD s 2-* a b",
		"XADD s 0-0 f v", "XADD n 0-0 f v", "EXISTS n", "XADD n 0-* f v", "XADD s 3-1 f", "XADD s 3-1 f v g",
		"XADD s abc f v", "XADD s -1 f v", "XADD s 1--1 f v", "XADD s 5-01 f v", "XADD s 006-1 f v", "XADD s +7-1 f v",
		"XADD s 18446744073709551616-1 f v", "XADD s 18446744073709551615-18446744073709551614 f v",
		"XADD s 18446744073709551615-* f v", "XADD s 18446744073709551615-* f v", "XADD s 9-9 f v",
		"XLEN s", "XRANGE s - +", "XADD k NOMKSTREAM 1-1 f v", "EXISTS k", "XADD k nomkstream maxlen 1 1-1 f v",
		"SET str v", "XADD str 1-1 f v", "XLEN str", "XLEN nokey", "XADD s", "XADD s 1-1", "XADD s - f v", "XADD s + f v",
		"XADD s MAXLEN", "XADD s MAXLEN 5", "XADD s MAXLEN x 1-1 f v", "XADD s MAXLEN -1 1-1 f v",
		"XADD s MAXLEN 1 MINID 1 1-1 f v", "XADD s LIMIT 10 1-1 f v", "XADD s LIMIT 0 1-1 f v",
		"XADD s MAXLEN 1 LIMIT 10 1-1 f v", "XADD s MINID ~ + 1-1 f v", "XADD s LIMIT -1 1-1 f v",
	},
	{ // XRANGE / XREVRANGE
		"XADD s 1-1 a 1", "XADD s 1-2 b 2", "XADD s 2-0 a 3 b 4", "XADD s 3-5 c 5", "XADD s 5-0 a 6",
		"XRANGE s - +", "XREVRANGE s + -", "XRANGE s 1 2", "XRANGE s (1-1 (5-0", "XRANGE s (1 +", "XREVRANGE s (5 -",
		"XRANGE s - + COUNT 2", "XREVRANGE s + - COUNT 2", "XRANGE s - + COUNT 0", "XRANGE s - + COUNT -3",
		"XRANGE s - + count 1 COUNT 3", "XRANGE s - + COUNT", "XRANGE s - + COUNT x", "XRANGE s - + foo 1",
		"XRANGE s 5 1", "XRANGE s (- +", "XRANGE s - (+", "XRANGE s (18446744073709551615-18446744073709551615 +",
		"XRANGE s - (0-0", "XRANGE s ( +", "XRANGE s x +", "XRANGE nokey - +", "XRANGE nokey - + COUNT 0",
		"SET str v", "XRANGE str - +", "XREVRANGE s 3 2-0", "XRANGE s 3-5 3-5", "XRANGE s 2 2",
	},
	{ // XDEL, tombstones and the metadata XINFO reports
		"XADD s 1-1 a 1", "XADD s 2-1 a 2", "XADD s 3-1 a 3", "XADD s 4-1 a 4",
		"XDEL s 2-1 9-9 2-1", "XDEL s 1-1", "XINFO STREAM s", "XDEL s bad", "XDEL s 3-1 +", "XDEL nokey bad",
		"XDEL s 3-1 4-1", "XINFO STREAM s", "XLEN s", "XRANGE s - +", "XADD s 5-0 a 5", "XINFO STREAM s",
		"XADD s 4-9 a 5", "XINFO STREAM s FULL", "XINFO STREAM s FULL COUNT 0", "XINFO STREAM s full count 1",
		"XINFO STREAM s FULL COUNT", "XINFO STREAM s FULL COUNT x", "XINFO STREAM s FOO", "XINFO STREAM s FULL FOO 1",
		"XINFO STREAM nokey", "SET str v", "XINFO STREAM str", "XINFO GROUPS s", "XINFO HELP", "XINFO FOO",
	},
	{ // XTRIM exact and approximate, node boundaries at 100 entries
		"XTRIM s MAXLEN 1", "XTRIM s", "XTRIM s LIMIT 1", "XTRIM s MAXLEN ~", "XTRIM s FOO 1",
		"XTRIM s MAXLEN 1 LIMIT 1", "XTRIM s MINID -1", "XTRIM s MAXLEN 1 MAXLEN 2",
	},
	{ // XREAD without blocking
		"XADD a 1-1 f 1", "XADD a 2-1 f 2", "XADD b 5-5 g 1",
		"XREAD STREAMS a b 0 0", "XREAD COUNT 1 STREAMS a b 1-1 0", "XREAD STREAMS a b $ $", "XREAD STREAMS a 2-1",
		"XREAD STREAMS nokey 0", "XREAD STREAMS a", "XREAD STREAMS a b 0", "XREAD COUNT x STREAMS a 0",
		"XREAD COUNT -1 STREAMS a 0", "XREAD BLOCK x STREAMS a 0", "XREAD BLOCK -1 STREAMS a 0",
		"XREAD BLOCK 10 STREAMS a 0", "XREAD GROUP g c STREAMS a 0", "XREAD NOACK STREAMS a 0", "XREAD STREAMS a >",
		"XREAD FOO STREAMS a 0", "XREAD COUNT 1", "XREAD STREAMS a +", "XREAD STREAMS a -", "XREAD STREAMS a bad",
		"SET str v", "XREAD STREAMS a str 0 0", "XREAD BLOCK 9223372036854775807 STREAMS a 0",
	},
	{ // consumer groups: XGROUP, XREADGROUP, XACK, XPENDING
		"XGROUP CREATE s g $", "XGROUP CREATE s g $ MKSTREAM", "XGROUP CREATE s g $ MKSTREAM", "XINFO GROUPS s",
		"XADD s 1-1 f 1", "XADD s 2-1 f 2", "XADD s 3-1 f 3", "XINFO GROUPS s",
		"XGROUP CREATE s g0 0", "XGROUP CREATE s g2 2-1 ENTRIESREAD 2", "XGROUP CREATE s g3 - ", "XGROUP CREATE s g4 +",
		"XGROUP CREATE s g5 0 ENTRIESREAD -2", "XGROUP CREATE s g5 0 ENTRIESREAD x", "XGROUP CREATE s g5 0 FOO",
		"XGROUP CREATE s g5 0 ENTRIESREAD 1 MKSTREAM ENTRIESREAD 3 MKSTREAM",
		"XINFO GROUPS s",
		"XREADGROUP GROUP g0 alice COUNT 1 STREAMS s >", "XREADGROUP GROUP g0 bob STREAMS s >",
		"XREADGROUP GROUP g0 bob STREAMS s >", "XREADGROUP GROUP g0 alice STREAMS s 0", "XREADGROUP GROUP g0 bob STREAMS s 2-1",
		"XINFO GROUPS s", "XINFO CONSUMERS s g0", "XPENDING s g0", "XPENDING s g0 - + 10", "XPENDING s g0 - + 10 bob",
		"XPENDING s g0 - + 10 nobody", "XPENDING s g0 (1-1 + 1", "XPENDING s g0 IDLE 0 - + 10", "XPENDING s g0 IDLE 0 - + 10 alice",
		"XPENDING s g0 IDLE", "XPENDING s g0 - +", "XPENDING s g0 - + x", "XPENDING s g0 IDLE x - + 1", "XPENDING s g0 - + -5",
		"XPENDING s nog", "XPENDING nokey g0", "XPENDING s g0 x + 1",
		"XACK s g0 1-1 1-1 9-9", "XACK s g0 bad", "XACK s nog 1-1", "XACK nokey g 1-1", "XPENDING s g0",
		"XDEL s 2-1", "XREADGROUP GROUP g0 bob STREAMS s 0", "XREADGROUP GROUP g0 alice NOACK STREAMS s >",
		"XADD s 4-1 f 4", "XREADGROUP GROUP g0 alice NOACK STREAMS s >", "XPENDING s g0", "XINFO GROUPS s",
		"XREADGROUP GROUP nog c STREAMS s >", "XREADGROUP GROUP g0 c STREAMS nokey >", "XREADGROUP GROUP g0 c STREAMS s $",
		"XREADGROUP STREAMS s >", "XREADGROUP GROUP g0 c STREAMS s", "XREADGROUP GROUP g0 c STREAMS s bad",
		"XINFO STREAM s FULL", "XINFO CONSUMERS s nog", "XINFO CONSUMERS nokey g0",
		"XGROUP SETID s g0 1-1", "XINFO GROUPS s", "XGROUP SETID s g0 $ ENTRIESREAD 4", "XINFO GROUPS s",
		"XGROUP SETID s nog 0", "XGROUP SETID s g0 bad", "XGROUP SETID s g0 0 FOO", "XGROUP SETID s g0 0 ENTRIESREAD",
		"XGROUP CREATECONSUMER s g0 carol", "XGROUP CREATECONSUMER s g0 carol", "XGROUP CREATECONSUMER s nog x",
		"XGROUP DELCONSUMER s g0 bob", "XGROUP DELCONSUMER s g0 nobody", "XINFO CONSUMERS s g0",
		"XGROUP DESTROY s g0", "XGROUP DESTROY s g0", "XGROUP DESTROY nokey g0", "XGROUP CREATE nokey g 0",
		"XGROUP HELP", "XGROUP FOO", "XINFO GROUPS s",
	},
	{ // XCLAIM and XAUTOCLAIM
		"XADD s 1-1 f 1", "XADD s 2-1 f 2", "XADD s 3-1 f 3", "XADD s 4-1 f 4", "XGROUP CREATE s g 0",
		"XREADGROUP GROUP g alice STREAMS s >",
		"XCLAIM s g bob 0 1-1", "XCLAIM s g bob 0 2-1 JUSTID", "XCLAIM s g bob 3600000 3-1",
		"XCLAIM s g bob 0 3-1 RETRYCOUNT 7", "XCLAIM s g bob 0 9-9 FORCE", "XCLAIM s g bob 0 4-1 IDLE 5 TIME 0",
		"XPENDING s g - + 10", "XCLAIM s g bob x 1-1", "XCLAIM s g bob 0 1-1 IDLE x", "XCLAIM s g bob 0 1-1 TIME x",
		"XCLAIM s g bob 0 1-1 RETRYCOUNT x", "XCLAIM s g bob 0 1-1 LASTID bad", "XCLAIM s g bob 0 1-1 FOO",
		"XCLAIM s nog bob 0 1-1", "XCLAIM nokey g bob 0 1-1", "XCLAIM s g bob 0 1-1 LASTID 9-9", "XINFO GROUPS s",
		"XDEL s 2-1", "XCLAIM s g carol 0 2-1 1-1", "XPENDING s g", "XACK s g 1-1",
		"XCLAIM s g dave 0 1-1 FORCE JUSTID", "XPENDING s g - + 10",
		"XADD s 5-1 f 5", "XADD s 6-1 f 6", "XREADGROUP GROUP g erin STREAMS s >", "XDEL s 5-1",
		"XAUTOCLAIM s g frank 0 0", "XAUTOCLAIM s g frank 0 0 COUNT 1", "XAUTOCLAIM s g frank 0 0 COUNT 2 JUSTID",
		"XAUTOCLAIM s g frank 0 (3-1 COUNT 1", "XAUTOCLAIM s g frank 3600000 0", "XPENDING s g",
		"XAUTOCLAIM s g frank 0 0 COUNT 0", "XAUTOCLAIM s g frank 0 0 COUNT -1", "XAUTOCLAIM s g frank 0 0 COUNT x",
		"XAUTOCLAIM s g frank 0 0 COUNT 576460752303423487", "XAUTOCLAIM s g frank 0 0 COUNT 576460752303423488",
		"XAUTOCLAIM s g frank 0 0 COUNT 9223372036854775807", "XAUTOCLAIM s g frank 0 0 FOO",
		"XAUTOCLAIM s g frank x 0", "XAUTOCLAIM s g frank 0 bad", "XAUTOCLAIM s nog frank 0 0",
		"XAUTOCLAIM nokey g frank 0 0", "SET str v", "XAUTOCLAIM str g frank 0 0", "XAUTOCLAIM str g frank 0 0 FOO",
		"XCLAIM str g frank 0 0-1", "XINFO STREAM s FULL",
	},
	{ // XSETID
		"XSETID nokey 1-1", "XADD s 5-5 f v", "XSETID s 1-1", "XSETID s 5-5", "XSETID s 9-9 ENTRIESADDED 0",
		"XSETID s 9-9 ENTRIESADDED 7 MAXDELETEDID 3-3", "XINFO STREAM s", "XSETID s 9-9 MAXDELETEDID 10-0",
		"XSETID s 9-9 ENTRIESADDED -1", "XSETID s 9-9 FOO", "XSETID s bad", "XSETID s 2-2", "XDEL s 5-5",
		"XSETID s 4-4", "XSETID s 10-0 ENTRIESADDED 3", "XINFO STREAM s", "XADD s 10-0 f v", "XADD s 10-1 f v",
		"SET str v", "XSETID str 1-1",
	},
	{ // read counters and lag through tombstones, SETID and ENTRIESREAD
		"XADD s 1-0 f v", "XADD s 2-0 f v", "XADD s 3-0 f v", "XADD s 4-0 f v", "XADD s 5-0 f v",
		"XGROUP CREATE s a 0", "XGROUP CREATE s b $", "XGROUP CREATE s c 3-0", "XGROUP CREATE s d 0 ENTRIESREAD 0",
		"XGROUP CREATE s e 9-9", "XGROUP CREATE s f 2-0 ENTRIESREAD 7", "XINFO GROUPS s",
		"XREADGROUP GROUP a x COUNT 2 STREAMS s >", "XREADGROUP GROUP d x COUNT 2 STREAMS s >", "XINFO GROUPS s",
		"XDEL s 4-0", "XINFO GROUPS s", "XREADGROUP GROUP a x COUNT 1 STREAMS s >", "XREADGROUP GROUP d x STREAMS s >",
		"XINFO GROUPS s", "XDEL s 1-0", "XINFO GROUPS s", "XADD s 6-0 f v", "XINFO GROUPS s",
		"XGROUP SETID s a 1-0", "XGROUP SETID s b 0 ENTRIESREAD 3", "XGROUP SETID s c - ENTRIESREAD -1", "XINFO GROUPS s",
		"XREADGROUP GROUP c y NOACK STREAMS s >", "XINFO GROUPS s", "XTRIM s MAXLEN 2", "XINFO GROUPS s",
		"XTRIM s MAXLEN 0", "XINFO GROUPS s", "XINFO STREAM s", "XINFO STREAM s FULL",
		"XGROUP CREATE t g $ MKSTREAM", "XINFO GROUPS t", "XINFO STREAM t", "XINFO STREAM t FULL",
	},
	{ // XADD with trimming, multiple streams, COUNT and odd values
		"XADD s MAXLEN 2 1-0 a 1", "XADD s MAXLEN = 2 2-0 a 2", "XADD s maxlen 2 3-0 a 3", "XRANGE s - +",
		"XADD s MINID 3 4-0 a 4", "XADD s MINID = 5 5-0 a 5", "XRANGE s - +", "XADD s MINID ~ 9 6-0 a 6",
		"XADD s MAXLEN ~ 0 LIMIT 0 7-0 a 7", "XLEN s", "XADD n NOMKSTREAM MAXLEN 0 1-0 a 1", "EXISTS n",
		`XADD s 8-0 "" ""`, "XADD s 9-0 x -0 y 0 z 00 w -9223372036854775808 v 9223372036854775808", "XRANGE s 8 9",
		"XADD s 10-0 f1 v1 f2 v2 f3 v3", "XADD s 11-0 f1 v1 f2 v2", "XADD s 12-0 f1 v1 f3 v3 f2 v2", "XREVRANGE s + 10",
		"XADD u 1-0 a 1", "XADD u 2-0 b 2", "XREAD COUNT 1 STREAMS s u 10-0 0", "XREAD COUNT 0 STREAMS s u 11 1",
		"XREAD STREAMS u u 0 1", "XGROUP CREATE s g 0", "XGROUP CREATE u g 0",
		"XREADGROUP GROUP g c COUNT 2 STREAMS s u > >", "XREADGROUP GROUP g c COUNT 1 STREAMS s u 0 0",
		"XREADGROUP GROUP g c STREAMS s u 18446744073709551615-18446744073709551615 0", "XPENDING s g", "XPENDING u g",
		"XREADGROUP GROUP g c COUNT -1 STREAMS u >", "XREADGROUP GROUP g d NOACK NOACK STREAMS u >",
		"XREADGROUP GROUP g c BLOCK x STREAMS u >", "XREADGROUP GROUP g c BLOCK -5 STREAMS u >",
		"XREADGROUP GROUP g STREAMS u >", "XREADGROUP GROUP g c d STREAMS u >",
	},
	{ // XPENDING ranges, XAUTOCLAIM cursors and attempts, XINFO FULL counts
		"XADD s 1-0 f v", "XADD s 2-0 f v", "XADD s 3-0 f v", "XADD s 4-0 f v", "XADD s 5-0 f v", "XADD s 6-0 f v",
		"XADD s 7-0 f v", "XADD s 8-0 f v", "XADD s 9-0 f v", "XADD s 10-0 f v", "XADD s 11-0 f v", "XADD s 12-0 f v",
		"XGROUP CREATE s g 0", "XREADGROUP GROUP g a COUNT 5 STREAMS s >", "XREADGROUP GROUP g b STREAMS s >",
		"XPENDING s g (1 (5 10", "XPENDING s g 3 + 2 b", "XPENDING s g 3 + 2 a", "XPENDING s g - (0-0 5",
		"XPENDING s g (18446744073709551615-18446744073709551615 + 5", "XPENDING s g + - 5", "XPENDING s g - + 0",
		"XPENDING s g IDLE 0 - + 3 a b", "XPENDING s g IDLE 0 - + 3 a b c",
		"XAUTOCLAIM s g c 3600000 0 COUNT 1", "XAUTOCLAIM s g c 3600000 0", "XAUTOCLAIM s g c 3600000 5 COUNT 1",
		"XAUTOCLAIM s g c 0 5 COUNT 3", "XAUTOCLAIM s g c 0 (9 COUNT 3 JUSTID", "XAUTOCLAIM s g c 0 12 COUNT 3",
		"XAUTOCLAIM s g c 0 (18446744073709551615-18446744073709551615", "XAUTOCLAIM s g c 0 - COUNT 1 COUNT 2",
		"XDEL s 1-0 2-0 3-0", "XAUTOCLAIM s g c 0 0 COUNT 2", "XAUTOCLAIM s g c 3600000 0 COUNT 1",
		"XINFO STREAM s FULL COUNT 2", "XINFO STREAM s FULL COUNT 1", "XINFO CONSUMERS s g",
		"XCLAIM s g a 0 4-0 5-0 6-0 LASTID 1-0 JUSTID FORCE", "XCLAIM s g a 0 99-0 FORCE", "XPENDING s g - + 20",
		"XCLAIM s g a -5 7-0 JUSTID", "XCLAIM s g a 0 7-0 RETRYCOUNT -3 JUSTID", "XPENDING s g 7 7 1",
		"XGROUP DELCONSUMER s g a", "XPENDING s g", "XINFO CONSUMERS s g",
	},
	{ // generic commands on streams
		"XADD s 1-0 f v", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >", "OBJECT ENCODING s", "TYPE s",
		"COPY s s2", "XINFO STREAM s2 FULL", "XACK s2 g 1-0", "XPENDING s g", "XPENDING s2 g", "XGROUP CREATE e g $ MKSTREAM",
		"OBJECT ENCODING e", "XLEN e", "EXISTS e", "RENAME s r", "XINFO GROUPS r", "DEL r", "XINFO GROUPS r",
	},
}

func init() {
	// XTRIM on a stream spanning several nodes: 250 entries.
	var tr []string
	for i := 1; i <= 250; i++ {
		tr = append(tr, fmt.Sprintf("XADD s %d-1 f v", i))
	}
	tr = append(tr, "XINFO STREAM s", "XTRIM s MAXLEN ~ 120", "XLEN s", "XTRIM s MAXLEN ~ 120 LIMIT 50", "XTRIM s MAXLEN ~ 0 LIMIT 100",
		"XLEN s", "XTRIM s MAXLEN = 140", "XINFO STREAM s", "XTRIM s MINID ~ 180", "XTRIM s MINID 190-0", "XINFO STREAM s",
		"XDEL s 200-1 250-1", "XTRIM s MINID 251", "XINFO STREAM s", "XADD s MAXLEN 0 300-1 f v", "XINFO STREAM s")
	streamTranscripts = append(streamTranscripts, tr)
	// Node sizing by bytes: big values fill the 4096-byte nodes before 100 entries.
	var big []string
	for i := 1; i <= 40; i++ {
		big = append(big, fmt.Sprintf("XADD b %d-0 field {%d}", i, 50+i*7))
		big = append(big, fmt.Sprintf("XADD m %d-%d a %d b {%d}", i, i*3, i*1000, i%70))
	}
	big = append(big, "XINFO STREAM b", "XINFO STREAM m", "XTRIM b MAXLEN ~ 20", "XINFO STREAM b", "XADD c 1-0 f {5000}",
		"XADD c 2-0 f v", "XINFO STREAM c", "XADD d 1-0 {300} 1", "XADD d 2-0 {300} 1", "XADD d 3-0 x 1", "XINFO STREAM d FULL")
	streamTranscripts = append(streamTranscripts, big)
	// Radix tree shapes: ids spread over many bytes of the key.
	var rad []string
	for i := 0; i < 12; i++ {
		rad = append(rad, "CONFIG SET stream-node-max-entries 1")
		for j := 1; j <= 30; j++ {
			ms := uint64(j) << (uint(i) * 5)
			rad = append(rad, fmt.Sprintf("XADD r%d %d-%d f v", i, ms, j*j))
		}
		rad = append(rad, fmt.Sprintf("XINFO STREAM r%d", i), fmt.Sprintf("XDEL r%d %d-%d", i, uint64(7)<<(uint(i)*5), 49),
			fmt.Sprintf("XTRIM r%d MAXLEN 20", i), fmt.Sprintf("XINFO STREAM r%d", i))
	}
	rad = append(rad, "CONFIG SET stream-node-max-entries 100")
	streamTranscripts = append(streamTranscripts, rad)
}

// streamExpandArgs splits a transcript line; {n} stands for n bytes of 'x' and "" for nothing.
func streamExpandArgs(line string) []string {
	args := strings.Fields(line)
	for i, a := range args {
		if a == `""` {
			args[i] = ""
		}
		if len(a) > 2 && a[0] == '{' && a[len(a)-1] == '}' {
			if n, err := strconv.Atoi(a[1 : len(a)-1]); err == nil {
				args[i] = strings.Repeat("x", n)
			}
		}
	}
	return args
}

// streamHost is the fake host with node limits that CONFIG SET in a transcript changes (as on
// the real server) and a record of the keyspace events.
type streamHost struct {
	*fakeHost
	limits keyspace.Limits
	events []string
}

func (h *streamHost) Limits() *keyspace.Limits { return &h.limits }

func (h *streamHost) Notify(db int, class byte, event, key string) {
	h.events = append(h.events, event+" "+key)
}

type streamSession struct {
	host *streamHost
	conn *fakeConn
	now  int64
}

func newStreamSession() *streamSession {
	return &streamSession{host: &streamHost{fakeHost: newFakeHost(), limits: fakeLimits},
		conn: &fakeConn{id: 1, proto: 2}, now: time.Now().UnixMilli()}
}

// run executes one command and returns its context (nil when dispatch rejected it), to
// inspect blocking requests, and its reply.
func (s *streamSession) run(args ...[]byte) (*Ctx, string) {
	w := &resp.Writer{Proto: s.conn.proto}
	if len(args) == 4 && strings.EqualFold(string(args[0]), "config") && strings.EqualFold(string(args[1]), "set") {
		n, _ := strconv.ParseInt(string(args[3]), 10, 64)
		switch string(args[2]) {
		case "stream-node-max-entries":
			s.host.limits.StreamNodeMaxEntries = n
		case "stream-node-max-bytes":
			s.host.limits.StreamNodeMaxBytes = n
		}
		return nil, "+OK\r\n"
	}
	spec, rej := Resolve(args)
	if spec == nil {
		w.Error(rej)
		return nil, string(w.Buf)
	}
	ctx := &Ctx{Args: args, W: w, DB: s.host.dbs[s.conn.db], Now: s.now, Conn: s.conn, Host: s.host, Spec: spec}
	spec.Handler(ctx)
	return ctx, string(w.Buf)
}

// do runs a command the way a client inside MULTI sees it: a blocking command that would
// wait replies with its timeout reply at once.
func (s *streamSession) do(args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	ctx, out := s.run(b...)
	if ctx != nil && ctx.Blocked != nil {
		ctx.Blocked.OnTimeout(ctx.W)
		out = string(ctx.W.Buf)
	}
	return out
}

func TestStreamsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	for _, proto := range []string{"2", "3"} {
		for i, tr := range streamTranscripts {
			t.Run(fmt.Sprintf("resp%s/%d", proto, i), func(t *testing.T) {
				o := o.in(t)
				o.flushall()
				o.do("CONFIG", "SET", "stream-node-max-entries", "100")
				o.do("HELLO", proto)
				s := newStreamSession()
				s.conn.proto, _ = strconv.Atoi(proto)
				for _, line := range tr {
					args := streamExpandArgs(line)
					want := o.do(args...)
					got := s.do(args...)
					if maskStreamTimes(want) != maskStreamTimes(got) {
						t.Errorf("%s\n redis: %q\n   ours: %q", clip(line, 200), want, got)
					}
				}
				o.do("HELLO", "2")
			})
		}
	}
}

func streamArgs(line string) [][]byte {
	var out [][]byte
	for _, a := range strings.Fields(line) {
		out = append(out, []byte(a))
	}
	return out
}

func TestXreadBlocking(t *testing.T) {
	s := newStreamSession()
	s.do("XADD", "s", "5-0", "f", "v")
	args := streamArgs("XREAD BLOCK 1500 STREAMS s nokey $ $")
	ctx, out := s.run(args...)
	if out != "" || ctx.Blocked == nil {
		t.Fatalf("did not block: %q", out)
	}
	if b := ctx.Blocked; b.Deadline != s.now+1500 || strings.Join(b.Keys, ",") != "s,nokey" {
		t.Fatalf("block request %+v", b)
	}
	// "$" is pinned to the last id as of the first call, for the re-run.
	if string(args[6]) != "5-0" || string(args[7]) != "0-0" {
		t.Fatalf("args after block: %q", args)
	}
	var w resp.Writer
	ctx.Blocked.OnTimeout(&w)
	if string(w.Buf) != "*-1\r\n" {
		t.Fatalf("timeout reply %q", w.Buf)
	}
	// A write that adds nothing newer leaves it blocked; an XADD serves exactly the new entry.
	ctx, _ = s.run(args...)
	if ctx.Blocked == nil {
		t.Fatal("re-run without new data must block again")
	}
	s.do("XADD", "s", "6-0", "a", "b")
	s.do("XADD", "nokey", "1-0", "c", "d")
	_, out = s.run(args...)
	want := "*2\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n" +
		"*2\r\n$5\r\nnokey\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n"
	if out != want {
		t.Fatalf("served %q\nwant %q", out, want)
	}
	// BLOCK 0 waits forever.
	ctx, _ = s.run(streamArgs("XREAD BLOCK 0 STREAMS s $")...)
	if ctx.Blocked == nil || ctx.Blocked.Deadline != 0 {
		t.Fatalf("BLOCK 0: %+v", ctx.Blocked)
	}
}

func TestXreadgroupBlocking(t *testing.T) {
	s := newStreamSession()
	s.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	args := streamArgs("XREADGROUP GROUP g alice BLOCK 100 STREAMS s >")
	ctx, out := s.run(args...)
	if ctx.Blocked == nil || out != "" {
		t.Fatalf("did not block: %q", out)
	}
	if got := s.do("XINFO", "CONSUMERS", "s", "g"); got != "*0\r\n" {
		t.Fatalf("consumer created before being served: %q", got)
	}
	s.do("XADD", "s", "1-1", "f", "v")
	_, out = s.run(args...)
	if out != "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n" {
		t.Fatalf("served %q", out)
	}
	if got := s.do("XPENDING", "s", "g"); got != "*4\r\n:1\r\n$3\r\n1-1\r\n$3\r\n1-1\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n" {
		t.Fatalf("XPENDING %q", got)
	}
	// Served after being parked, a vanished group or key is an error, as Redis 7.0 reports it.
	args = streamArgs("XREADGROUP GROUP g alice BLOCK 100 STREAMS s >")
	if ctx, _ := s.run(args...); ctx.Blocked == nil {
		t.Fatal("did not block")
	}
	s.do("XGROUP", "DESTROY", "s", "g")
	if _, out := s.run(args...); out != "-NOGROUP the consumer group this client was blocked on no longer exists\r\n" {
		t.Fatalf("group destroyed: %q", out)
	}
	s.do("XGROUP", "CREATE", "s", "g", "$")
	args = streamArgs("XREADGROUP GROUP g alice BLOCK 100 STREAMS s >")
	s.run(args...)
	s.do("DEL", "s")
	if _, out := s.run(args...); out != "-UNBLOCKED the stream key no longer exists\r\n" {
		t.Fatalf("key deleted: %q", out)
	}
	// A parked XREAD ignores a key turned into another type, and waits on.
	s.do("XADD", "x", "1-0", "f", "v")
	args = streamArgs("XREAD BLOCK 100 STREAMS x $")
	s.run(args...)
	s.do("DEL", "x")
	s.do("SET", "x", "v")
	if ctx, out := s.run(args...); ctx.Blocked == nil || out != "" {
		t.Fatalf("wrong type while parked: %q", out)
	}
	s.do("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	s.do("XADD", "s", "1-1", "f", "v")
	// History reads never block.
	ctx, out = s.run(streamArgs("XREADGROUP GROUP g bob BLOCK 100 STREAMS s 0")...)
	if ctx.Blocked != nil || out != "*1\r\n*2\r\n$1\r\ns\r\n*0\r\n" {
		t.Fatalf("history read: %q", out)
	}
}

// TestStreamCommandsUnit covers replies that the differential test cannot pin: times from
// the session clock, automatic ids and the RESP3 shapes.
func TestStreamCommandsUnit(t *testing.T) {
	s := newStreamSession()
	s.now = 1000
	if got := s.do("XADD", "s", "*", "f", "v"); got != "$6\r\n1000-0\r\n" {
		t.Fatalf("XADD * = %q", got)
	}
	if got := s.do("XADD", "s", "*", "f", "v"); got != "$6\r\n1000-1\r\n" {
		t.Fatalf("XADD * same ms = %q", got)
	}
	s.now = 999 // a clock going backwards keeps ids growing
	if got := s.do("XADD", "s", "*", "f", "v"); got != "$6\r\n1000-2\r\n" {
		t.Fatalf("XADD * clock back = %q", got)
	}
	s.do("XADD", "s", "1000-18446744073709551615", "f", "v")
	if got := s.do("XADD", "s", "*", "f", "v"); got != "$6\r\n1001-0\r\n" {
		t.Fatalf("XADD * seq overflow = %q", got)
	}
	s.do("XGROUP", "CREATE", "s", "g", "0")
	s.now = 5000
	s.do("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">")
	s.now = 5250
	cases := []struct{ cmd, want string }{
		{"XPENDING s g - + 1", "*1\r\n*4\r\n$6\r\n1000-0\r\n$1\r\nc\r\n:250\r\n:1\r\n"},
		{"XPENDING s g IDLE 251 - + 10", "*0\r\n"},
		{"XINFO CONSUMERS s g", "*1\r\n*6\r\n$4\r\nname\r\n$1\r\nc\r\n$7\r\npending\r\n:2\r\n$4\r\nidle\r\n:250\r\n"},
		{"XCLAIM s g d 200 1000-0 JUSTID", "*1\r\n$6\r\n1000-0\r\n"},
		{"XCLAIM s g d 200 1000-1 TIME 5100 JUSTID", "*1\r\n$6\r\n1000-1\r\n"},
		{"XPENDING s g - + 10", "*2\r\n*4\r\n$6\r\n1000-0\r\n$1\r\nd\r\n:0\r\n:1\r\n*4\r\n$6\r\n1000-1\r\n$1\r\nd\r\n:150\r\n:1\r\n"},
		{"XCLAIM s g e 100 1000-1 IDLE 9999999999 RETRYCOUNT 5 JUSTID", "*1\r\n$6\r\n1000-1\r\n"},
		{"XPENDING s g - + 10 e", "*1\r\n*4\r\n$6\r\n1000-1\r\n$1\r\ne\r\n:0\r\n:5\r\n"},
	}
	for _, c := range cases {
		if got := s.do(strings.Fields(c.cmd)...); got != c.want {
			t.Errorf("%s = %q, want %q", c.cmd, got, c.want)
		}
	}
	if got := s.do("OBJECT", "ENCODING", "s"); got != "$6\r\nstream\r\n" {
		t.Errorf("OBJECT ENCODING = %q", got)
	}
	if got := s.do("TYPE", "s"); got != "+stream\r\n" {
		t.Errorf("TYPE = %q", got)
	}
	// COPY clones groups and pending entries independently.
	s.do("COPY", "s", "s2")
	s.do("XACK", "s2", "g", "1000-0", "1000-1")
	if got := s.do("XPENDING", "s", "g"); !strings.HasPrefix(got, "*4\r\n:2\r\n") {
		t.Errorf("XACK on the copy changed the original: %q", got)
	}
	if got := s.do("XPENDING", "s2", "g"); !strings.HasPrefix(got, "*4\r\n:0\r\n") {
		t.Errorf("copy PEL: %q", got)
	}
}

// FuzzStreamCommands runs arbitrary arguments through the stream commands: whatever the
// input, a handler must reply exactly once and never panic.
func FuzzStreamCommands(f *testing.F) {
	f.Add(uint8(0), "1-1", "f", "v", "COUNT")
	f.Add(uint8(3), "-", "+", "COUNT", "9223372036854775807")
	f.Add(uint8(9), "g", "c", "0", "18446744073709551615-18446744073709551615")
	cmds := []string{"XADD", "XRANGE", "XREVRANGE", "XDEL", "XTRIM", "XREAD", "XREADGROUP", "XACK", "XPENDING",
		"XCLAIM", "XAUTOCLAIM", "XSETID", "XLEN", "XGROUP", "XINFO"}
	f.Fuzz(func(t *testing.T, cmd uint8, a, b, c, d string) {
		s := newStreamSession()
		s.do("XADD", "k", "1-1", "f", "v")
		s.do("XADD", "k", "2-2", "f", "v", "g", "w")
		s.do("XGROUP", "CREATE", "k", "g", "0")
		s.do("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "k", ">")
		name := cmds[int(cmd)%len(cmds)]
		for _, args := range [][]string{{name, "k", a, b, c, d}, {name, "k", a, b}, {name, a, "k", b, c, d}, {name, "k", "g", a, b, c, d}} {
			out := s.do(args...)
			if out == "" && name != "XREAD" && name != "XREADGROUP" {
				t.Fatalf("%q: no reply", args)
			}
		}
	})
}

func TestStreamSpecsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newStreamSession()
	names := []string{}
	for _, sp := range streamCommands {
		names = append(names, sp.Name)
		for _, sub := range sp.Subs {
			names = append(names, sub.Name)
		}
	}
	for _, name := range names {
		want, got := o.do("COMMAND", "INFO", name), s.do("COMMAND", "INFO", name)
		// Redis lists a container's subcommands in hash order, which changes from run to
		// run: containers are compared through their subcommands.
		if want != got && !strings.HasPrefix(want, "*1\r\n*10\r\n$6\r\nxgroup\r\n") && !strings.HasPrefix(want, "*1\r\n*10\r\n$5\r\nxinfo\r\n") {
			t.Errorf("COMMAND INFO %s\n redis: %q\n   ours: %q", name, want, got)
		}
		wantDocs, _ := parseResp(t, o.do("COMMAND", "DOCS", name))
		gotDocs, _ := parseResp(t, s.do("COMMAND", "DOCS", name))
		w, g := wantDocs.kids[1].kids[:8], gotDocs.kids[1].kids[:8]
		for i := range w {
			if w[i].raw != g[i].raw {
				t.Errorf("COMMAND DOCS %s: %q, want %q", name, g[i].raw, w[i].raw)
			}
		}
	}
}

// TestStreamNotificationsAgainstRedis compares the keyspace events of each command.
func TestStreamNotificationsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	redisEvents := db0Events(o.keyEvents("Etgnm", "__keyevent@0__*"))
	o.flushall()
	redisEvents()
	s := newStreamSession()
	for _, line := range []string{
		"XADD s 1-1 f v", "XADD s 2-1 f v", "XADD s MAXLEN 1 3-1 f v", "XADD s MAXLEN ~ 1 4-1 f v", "XADD s 1-1 f v",
		"XADD n NOMKSTREAM 1-1 f v", "XDEL s 9-9", "XDEL s 3-1", "XTRIM s MAXLEN 5", "XTRIM s MAXLEN 0", "XTRIM nokey MAXLEN 0",
		"XADD s 5-1 f v", "XADD s 6-1 f v", "XGROUP CREATE s g 0", "XGROUP CREATE s g 0", "XGROUP CREATE m g $ MKSTREAM",
		"XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XREADGROUP GROUP g c STREAMS s >", "XREADGROUP GROUP g d STREAMS s >",
		"XGROUP CREATECONSUMER s g e", "XGROUP CREATECONSUMER s g e", "XCLAIM s g f 0 5-1", "XAUTOCLAIM s g h 0 0",
		"XACK s g 5-1", "XGROUP SETID s g 0", "XGROUP DELCONSUMER s g e", "XGROUP DELCONSUMER s g zz",
		"XGROUP DESTROY s g", "XGROUP DESTROY s g", "XSETID s 9-9", "XRANGE s - +", "XRANGE nokey - +", "XLEN nokey",
		"XINFO STREAM s", "XREAD STREAMS s nokey 0 0",
	} {
		args := strings.Fields(line)
		o.do(args...)
		want := redisEvents()
		s.host.events = nil
		s.do(args...)
		if !slices.Equal(s.host.events, want) {
			t.Errorf("%s: events %q, redis %q", line, s.host.events, want)
		}
	}
}

// TestStreamsRandomAgainstRedis runs random command sequences, with small nodes so that node
// splits, tombstones and whole-node trims happen often.
func TestStreamsRandomAgainstRedis(t *testing.T) {
	o := startRedis(t)
	defer o.do("CONFIG", "SET", "stream-node-max-entries", "100")
	defer o.do("CONFIG", "SET", "stream-node-max-bytes", "4096")
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		o.flushall()
		s := newStreamSession()
		run := func(args ...string) {
			want, got := o.do(args...), s.do(args...)
			if maskStreamTimes(want) != maskStreamTimes(got) {
				t.Fatalf("seed %d: %q\n redis: %q\n   ours: %q", seed, args, want, got)
			}
		}
		run("CONFIG", "SET", "stream-node-max-entries", strconv.Itoa(r.IntN(8)))
		run("CONFIG", "SET", "stream-node-max-bytes", strconv.Itoa(60+r.IntN(400)))
		ms := 1
		id := func() string {
			return strconv.Itoa(r.IntN(ms+2)) + "-" + strconv.Itoa(r.IntN(4))
		}
		bound := func() string {
			switch r.IntN(6) {
			case 0:
				return "-"
			case 1:
				return "+"
			case 2:
				return "(" + id()
			}
			return id()
		}
		for step := 0; step < 300; step++ {
			switch r.IntN(16) {
			case 0, 1, 2, 3:
				ms += r.IntN(3)
				args := []string{"XADD", "s"}
				switch r.IntN(8) {
				case 0:
					args = append(args, "MAXLEN", []string{"~", "=", "~"}[r.IntN(3)], strconv.Itoa(r.IntN(20)))
				case 1:
					args = append(args, "MINID", "~", id(), "LIMIT", strconv.Itoa(r.IntN(10)))
				}
				if r.IntN(3) == 0 {
					args = append(args, strconv.Itoa(ms)+"-*")
				} else {
					args = append(args, strconv.Itoa(ms)+"-"+strconv.Itoa(r.IntN(5)))
				}
				for n := 1 + r.IntN(3); n > 0; n-- {
					args = append(args, []string{"f", "g", "h"}[r.IntN(3)], strconv.Itoa(r.IntN(100000)))
				}
				run(args...)
			case 4:
				run("XDEL", "s", id(), id())
			case 5:
				if r.IntN(2) == 0 {
					run("XTRIM", "s", "MAXLEN", []string{"~", "="}[r.IntN(2)], strconv.Itoa(r.IntN(15)))
				} else {
					run("XTRIM", "s", "MINID", []string{"~", "="}[r.IntN(2)], id())
				}
			case 6:
				cmd := []string{"XRANGE", "XREVRANGE"}[r.IntN(2)]
				run(cmd, "s", bound(), bound(), "COUNT", strconv.Itoa(r.IntN(5)-1))
			case 7:
				run("XGROUP", "CREATE", "s", []string{"g1", "g2"}[r.IntN(2)], []string{"0", "$", id()}[r.IntN(3)], "MKSTREAM")
			case 8:
				start := ">"
				if r.IntN(3) == 0 {
					start = id()
				}
				args := []string{"XREADGROUP", "GROUP", []string{"g1", "g2"}[r.IntN(2)], []string{"a", "b", "c"}[r.IntN(3)], "COUNT", strconv.Itoa(r.IntN(4))}
				if r.IntN(4) == 0 {
					args = append(args, "NOACK")
				}
				run(append(args, "STREAMS", "s", start)...)
			case 9:
				run("XACK", "s", "g1", id(), id())
			case 10:
				args := []string{"XCLAIM", "s", []string{"g1", "g2"}[r.IntN(2)], []string{"a", "d"}[r.IntN(2)], "0", id(), id()}
				for _, opt := range []string{"FORCE", "JUSTID"} {
					if r.IntN(3) == 0 {
						args = append(args, opt)
					}
				}
				if r.IntN(3) == 0 {
					args = append(args, "RETRYCOUNT", strconv.Itoa(r.IntN(9)))
				}
				run(args...)
			case 11:
				run("XAUTOCLAIM", "s", "g1", "e", "0", bound(), "COUNT", strconv.Itoa(1+r.IntN(4)))
			case 12:
				run("XPENDING", "s", []string{"g1", "g2"}[r.IntN(2)], bound(), bound(), strconv.Itoa(r.IntN(6)))
				run("XPENDING", "s", "g1")
			case 13:
				run("XINFO", "STREAM", "s", "FULL", "COUNT", strconv.Itoa(r.IntN(4)))
				run("XINFO", "GROUPS", "s")
				run("XINFO", "STREAM", "s")
			case 14:
				run("XGROUP", "SETID", "s", "g1", []string{"0", "$", id()}[r.IntN(3)], "ENTRIESREAD", strconv.Itoa(r.IntN(10)-1))
			case 15:
				run("XREAD", "COUNT", strconv.Itoa(r.IntN(4)), "STREAMS", "s", id())
			}
		}
	}
}
