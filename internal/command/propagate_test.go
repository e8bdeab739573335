package command

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/stream"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// What each write command leaves in the AOF and the replication stream (Ctx.Propagation),
// checked command by command against the table below, and the table against what Redis 7.0
// itself writes to its AOF.

// propStep is one command of a case and what Redis propagates for it.
type propStep struct {
	args []string
	// want lists the propagated commands, separated by "; " ("" for none), their arguments
	// by spaces. An empty or unprintable argument is Go-quoted. Times taken from the clock
	// are patterns: "<ms>" matches a unix-ms time within 10 s of now, "<ms+N>" one within
	// 10 s of now+N, and either may be a stream id's time ("<ms>-0"); "<m>" matches
	// anything (SPOP's random member). A step that serves a blocked client also lists what
	// the served command propagates.
	want string
	// block marks a command that blocks; a later step serves it.
	block bool
}

// propCase is a sequence of commands run on a fresh dataset.
type propCase struct {
	name   string
	config []string // directive/value pairs set for the case (lazy-free choices)
	setup  []string // commands run first, their propagation not checked
	steps  []propStep
}

// step builds a step from a space-separated command.
func step(cmd, want string) propStep { return propStep{args: strings.Fields(cmd), want: want} }

// blocked builds a step whose command blocks until a later step serves it.
func blocked(cmd string) propStep { return propStep{args: strings.Fields(cmd), block: true} }

// dumpedList is Redis 7.0's DUMP of the list [1 2], for RESTORE.
const dumpedList = "\x12\x01\x02\x0b\x0b\x00\x00\x00\x02\x00\x01\x01\x02\x01\xff\x0a\x00\xdd\xe7\x1a\x28\xae\x39\x1b\x98"

var quotedDump = strconv.Quote(dumpedList)

var propCases = []propCase{
	// Generic keyspace commands.
	{name: "del unlink", setup: []string{"SET a 1", "SET b 1"}, steps: []propStep{
		step("DEL a nokey", "DEL a nokey"),
		step("DEL a", ""),
		step("UNLINK b", "UNLINK b"),
		step("UNLINK b", ""),
	}},
	{name: "rename", setup: []string{"SET a 1 EX 100", "SET d 1"}, steps: []propStep{
		step("RENAME a b", "RENAME a b"),
		step("RENAME b b", ""),
		step("RENAMENX b c", "RENAMENX b c"),
		step("RENAMENX c d", ""),
	}},
	{name: "copy move", setup: []string{"SET c 1 EX 100"}, steps: []propStep{
		step("COPY c e", "COPY c e"),
		step("COPY c e", ""),
		step("COPY c e REPLACE", "COPY c e REPLACE"),
		step("COPY c e DB 1", "COPY c e DB 1"),
		step("MOVE c 2", "MOVE c 2"),
		step("MOVE c 2", ""),
		step("SELECT 2", ""),
		step("COPY c c DB 1", "COPY c c DB 1"),
		step("MOVE c 1", ""),
		step("MOVE c 3", "MOVE c 3"),
	}},
	{name: "swapdb flush", setup: []string{"SET a 1"}, steps: []propStep{
		step("SWAPDB 0 1", "SWAPDB 0 1"),
		step("SWAPDB 0 0", "SWAPDB 0 0"),
		step("FLUSHDB", "FLUSHDB"),
		step("SELECT 1", ""),
		step("FLUSHDB ASYNC", "FLUSHDB ASYNC"),
		step("FLUSHDB", "FLUSHDB"),
		step("FLUSHALL", "FLUSHALL"),
		step("FLUSHALL SYNC", "FLUSHALL SYNC"),
	}},
	{name: "expire relative", setup: []string{"SET k 1"}, steps: []propStep{
		step("EXPIRE nokey 100", ""),
		step("EXPIRE k 100", "PEXPIREAT k <ms+100000>"),
		step("EXPIRE k 100 NX", ""),
		step("PEXPIRE k 200000 GT", "PEXPIREAT k <ms+200000> GT"),
		step("PERSIST k", "PERSIST k"),
		step("PERSIST k", ""),
		step("PEXPIRE k 100000 xx", ""),
		step("PEXPIRE k 100000 nx", "PEXPIREAT k <ms+100000> nx"),
	}},
	{name: "expire absolute", setup: []string{"SET k 1"}, steps: []propStep{
		step("EXPIREAT k 99999999999", "PEXPIREAT k 99999999999000"),
		step("PEXPIREAT k 99999999998000 LT", "PEXPIREAT k 99999999998000 LT"),
		step("EXPIREAT k 99999999999 LT", ""),
		step("pexpireat k 99999999997000", "pexpireat k 99999999997000"),
	}},
	{name: "expire in the past", setup: []string{"SET a 1", "SET b 1", "SET c 1", "SET d 1"}, steps: []propStep{
		step("EXPIRE a -1", "DEL a"),
		step("PEXPIRE b 0", "DEL b"),
		step("EXPIREAT c 1", "DEL c"),
		step("PEXPIREAT d 1", "DEL d"),
		step("EXPIRE a -1", ""),
	}},
	{name: "expire in the past lazy", config: []string{"lazyfree-lazy-expire", "yes"},
		setup: []string{"SET a 1", "SET b 1"}, steps: []propStep{
			step("EXPIRE a -1", "UNLINK a"),
			step("GETEX b PXAT 1", "UNLINK b"),
		}},

	// Commands that fail change nothing and propagate nothing.
	{name: "errors", setup: []string{"SET s x", "HSET h f x", "XADD x 5-5 a 1", "RPUSH l a"}, steps: []propStep{
		step("LPUSH s x", ""),
		step("INCR s", ""),
		step("INCRBYFLOAT s 1", ""),
		step("HINCRBYFLOAT h f 1", ""),
		step("SET k v EX 0", ""),
		step("SET k v EX 1 PX 1", ""),
		step("EXPIRE s abc", ""),
		step("GETEX s EX -1", ""),
		step("XADD x 1-1 a 1", ""),
		step("XADD x MAXLEN -1 * a 1", ""),
		step("SPOP l", ""),
		step("BLPOP s 0", ""),
		step("ZMPOP 1 s MIN", ""),
		step("XREADGROUP GROUP nog c STREAMS x >", ""),
		step("XCLAIM x nog c 0 1-1", ""),
		{args: []string{"RESTORE", "r", "0", "garbage"}, want: ""},
		{args: []string{"RESTORE", "s", "0", dumpedList}, want: ""},
	}},

	// Strings.
	{name: "set options", setup: []string{"SET a 0"}, steps: []propStep{
		step("SET a 1", "SET a 1"),
		step("SET a 2 GET", "SET a 2"),
		step("SET a 3 get KEEPTTL", "SET a 3 KEEPTTL"),
		step("SET a 4 XX GET", "SET a 4 XX"),
		step("SET b 4 NX GET", "SET b 4 NX"),
		step("SET a 5 NX", ""),
		step("SET a 5 NX GET", ""),
		step("SET z 5 XX", ""),
		step("SET get get GET", "SET get get"),
	}},
	{name: "set expire", setup: []string{"SET c 0"}, steps: []propStep{
		step("SET c v EX 100", "SET c v PXAT <ms+100000>"),
		step("SET c v PX 100000 GET", "SET c v PXAT <ms+100000>"),
		step("SET c v NX EX 10", ""),
		step("SET d v XX EX 10", ""),
		step("SET e v NX EX 10", "SET e v PXAT <ms+10000>"),
		step("SET f v EXAT 99999999999", "SET f v PXAT 99999999999000"),
		step("set g v pxat 99999999999999", "SET g v PXAT 99999999999999"),
		step("SET h v EXAT 1", "SET h v PXAT 1000"),
		step("SETEX i 100 v", "SET i v PXAT <ms+100000>"),
		step("PSETEX j 100000 v", "SET j v PXAT <ms+100000>"),
	}},
	{name: "setnx getset getdel", setup: []string{"SET old 1"}, steps: []propStep{
		step("SETNX k 1", "SETNX k 1"),
		step("SETNX k 2", ""),
		step("GETSET k 3", "SET k 3"),
		step("getset new 3", "SET new 3"),
		step("GETDEL k", "DEL k"),
		step("GETDEL k", ""),
	}},
	{name: "getdel lazy", config: []string{"lazyfree-lazy-user-del", "yes"}, setup: []string{"SET k 1", "SET l 1"}, steps: []propStep{
		step("GETDEL k", "UNLINK k"),
		step("DEL l", "DEL l"),
	}},
	{name: "getex", setup: []string{"SET a 1"}, steps: []propStep{
		step("GETEX a", ""),
		step("GETEX a EX 100", "PEXPIREAT a <ms+100000>"),
		step("GETEX a PERSIST", "PERSIST a"),
		step("GETEX a PERSIST", ""),
		step("GETEX a PXAT 99999999999999", "PEXPIREAT a 99999999999999"),
		step("GETEX a EXAT 99999999999", "PEXPIREAT a 99999999999000"),
		step("GETEX a PX 100000", "PEXPIREAT a <ms+100000>"),
		step("GETEX nokey EX 10", ""),
		step("GETEX a EXAT 1", "DEL a"),
	}},
	{name: "counters", setup: []string{"SET n 5", "SET f 1.0"}, steps: []propStep{
		step("INCR n", "INCR n"),
		step("DECR n", "DECR n"),
		step("INCRBY n 3", "INCRBY n 3"),
		step("DECRBY n 0", "DECRBY n 0"),
		step("INCRBYFLOAT f 0", "SET f 1 KEEPTTL"),
		step("INCRBYFLOAT f 1.5", "SET f 2.5 KEEPTTL"),
		step("INCRBYFLOAT g 1e3", "SET g 1000 KEEPTTL"),
	}},
	{name: "string edits", setup: []string{"SET s abc"}, steps: []propStep{
		step("APPEND s x", "APPEND s x"),
		{args: []string{"APPEND", "s", ""}, want: `APPEND s ""`},
		step("SETRANGE s 5 y", "SETRANGE s 5 y"),
		{args: []string{"SETRANGE", "s", "0", ""}, want: ""},
		{args: []string{"SETRANGE", "t", "3", ""}, want: ""},
		step("SETRANGE t 3 x", "SETRANGE t 3 x"),
		step("MSET a 1 b 2", "MSET a 1 b 2"),
		step("MSETNX a 1 c 2", ""),
		step("MSETNX c 1 d 2", "MSETNX c 1 d 2"),
	}},
	{name: "bits", setup: []string{"SET src abc"}, steps: []propStep{
		step("SETBIT bb 1 1", "SETBIT bb 1 1"),
		step("SETBIT bb 1 1", ""),
		step("BITFIELD bf SET u8 0 1 GET u8 0", "BITFIELD bf SET u8 0 1 GET u8 0"),
		step("BITFIELD bf GET u8 0", ""),
		step("BITFIELD bf OVERFLOW FAIL INCRBY u8 0 300", ""),
		step("BITFIELD bf INCRBY u8 0 2 OVERFLOW FAIL INCRBY u8 0 300", "BITFIELD bf INCRBY u8 0 2 OVERFLOW FAIL INCRBY u8 0 300"),
		step("BITOP AND dest bb src", "BITOP AND dest bb src"),
		step("BITOP OR none nx1 nx2", ""),
		step("BITOP OR dest nx1 nx2", "BITOP OR dest nx1 nx2"),
	}},

	// Lists.
	{name: "list pushes and edits", setup: []string{"RPUSH l a b c"}, steps: []propStep{
		step("LPUSH l x", "LPUSH l x"),
		step("RPUSHX l y", "RPUSHX l y"),
		step("LPUSHX nol a", ""),
		step("RPUSH m 1", "RPUSH m 1"),
		step("LREM l 0 zz", ""),
		step("LREM l 1 a", "LREM l 1 a"),
		step("LINSERT l BEFORE zz q", ""),
		step("LINSERT l BEFORE b q", "LINSERT l BEFORE b q"),
		step("LSET l 0 w", "LSET l 0 w"),
		step("LTRIM l 0 -1", ""),
		step("LTRIM l 1 -1", "LTRIM l 1 -1"),
		step("LTRIM nol 1 -1", ""),
		step("LTRIM m 1 0", "LTRIM m 1 0"),
	}},
	{name: "list pops", setup: []string{"RPUSH l a b c d e f"}, steps: []propStep{
		step("LPOP l", "LPOP l"),
		step("LPOP l 2", "LPOP l 2"),
		step("RPOP l 0", ""),
		step("RPOP nol", ""),
		step("RPOP l 9", "RPOP l 9"),
	}},
	{name: "list moves", setup: []string{"RPUSH l a b c d e", "RPUSH m z"}, steps: []propStep{
		step("LMOVE l m LEFT RIGHT", "LMOVE l m LEFT RIGHT"),
		step("RPOPLPUSH l m", "RPOPLPUSH l m"),
		step("RPOPLPUSH m m", "RPOPLPUSH m m"),
		step("LMOVE nol m left left", ""),
		step("RPUSH one x", "RPUSH one x"),
		step("LMOVE one one LEFT RIGHT", "LMOVE one one LEFT RIGHT"),
		step("BLMOVE l m left Right 0", "LMOVE l m left Right"),
		step("BRPOPLPUSH l m 0", "RPOPLPUSH l m"),
	}},
	{name: "list multi pops", setup: []string{"RPUSH l a b c", "RPUSH k x"}, steps: []propStep{
		step("LMPOP 2 nol l RIGHT COUNT 2", "RPOP l 2"),
		step("LMPOP 2 nol l left COUNT 5", "LPOP l 1"),
		step("LMPOP 1 nol LEFT", ""),
		step("BLMPOP 0 2 l k LEFT", "LPOP k 1"),
	}},
	{name: "list blocking served at once", setup: []string{"RPUSH l a b c"}, steps: []propStep{
		step("BLPOP nol l 0", "LPOP l"),
		step("BRPOP l 0", "RPOP l"),
	}},
	{name: "blpop served later", steps: []propStep{
		blocked("BLPOP l l2 0"),
		step("RPUSH l2 x y", "RPUSH l2 x y; LPOP l2"),
	}},
	{name: "brpop served later", steps: []propStep{
		blocked("BRPOP l 0"),
		step("RPUSH l x y", "RPUSH l x y; RPOP l"),
	}},
	{name: "blmove served later", steps: []propStep{
		blocked("BLMOVE l m LEFT RIGHT 0"),
		step("RPUSH l x", "RPUSH l x; LMOVE l m left right"),
	}},
	{name: "brpoplpush served later", steps: []propStep{
		blocked("BRPOPLPUSH l m 0"),
		step("RPUSH l x", "RPUSH l x; RPOPLPUSH l m"),
	}},
	{name: "blmpop served later", steps: []propStep{
		blocked("BLMPOP 0 2 k l RIGHT COUNT 3"),
		step("RPUSH l a b", "RPUSH l a b; RPOP l 2"),
	}},

	// Hashes.
	{name: "hashes", setup: []string{"HSET h a 1"}, steps: []propStep{
		step("HSET h a 1", "HSET h a 1"),
		step("HMSET h a 1", "HMSET h a 1"),
		step("HSETNX h a 2", ""),
		step("HSETNX h b 2", "HSETNX h b 2"),
		step("HDEL h zz", ""),
		step("HDEL h a", "HDEL h a"),
		step("HINCRBY h b 0", "HINCRBY h b 0"),
		step("HINCRBYFLOAT h b 0", "HSET h b 2"),
		step("HINCRBYFLOAT h c 1e3", "HSET h c 1000"),
		step("HINCRBYFLOAT h c -0.5", "HSET h c 999.5"),
	}},

	// Sets.
	{name: "sets", setup: []string{"SADD x a", "SADD y b"}, steps: []propStep{
		step("SADD s a", "SADD s a"),
		step("SADD s a", ""),
		step("SREM s zz", ""),
		step("SMOVE nox y a", ""),
		step("SMOVE x y a", "SMOVE x y a"),
		step("SADD x b", "SADD x b"),
		step("SMOVE x y b", "SMOVE x y b"),
		step("SMOVE y y b", ""),
	}},
	{name: "set stores", setup: []string{"SADD x a", "SADD y b", "SET d 1"}, steps: []propStep{
		step("SINTERSTORE d x y", "SINTERSTORE d x y"),
		step("SINTERSTORE d x y", ""),
		step("SUNIONSTORE d x y", "SUNIONSTORE d x y"),
		step("SDIFFSTORE d nx x", "SDIFFSTORE d nx x"),
		step("SDIFFSTORE d nx x", ""),
	}},
	{name: "spop one member", setup: []string{"SADD s a", "SADD t 1"}, steps: []propStep{
		step("SPOP s", "SREM s a"),
		step("SPOP s", ""),
		step("SPOP t 1", "DEL t"),
		step("SPOP t 1", ""),
	}},
	{name: "spop count", setup: []string{"SADD s a b c", "SADD t 1 2 3 4 5 6 7 8 9 10 11 12"}, steps: []propStep{
		step("SPOP s 0", ""),
		step("SPOP s 3", "DEL s"),
		step("SPOP t 2", "SREM t <m>; SREM t <m>"),
		step("SPOP t 7", "SREM t <m>; SREM t <m>; SREM t <m>; SREM t <m>; SREM t <m>; SREM t <m>; SREM t <m>"),
		step("SPOP t", "SREM t <m>"),
	}},

	// Sorted sets.
	{name: "zsets", setup: []string{"ZADD z 1 a"}, steps: []propStep{
		step("ZADD z 1 a", ""),
		step("ZADD z INCR 0 a", ""),
		step("ZADD z NX 2 a", ""),
		step("ZADD z XX CH 3 a", "ZADD z XX CH 3 a"),
		step("ZINCRBY z 0 a", ""),
		step("ZINCRBY z 1.5 a", "ZINCRBY z 1.5 a"),
		step("ZADD z 1 b 2 c", "ZADD z 1 b 2 c"),
		step("ZREM z zz", ""),
		step("ZREM z c", "ZREM z c"),
		step("ZREMRANGEBYSCORE z 10 20", ""),
		step("ZREMRANGEBYRANK z 5 6", ""),
		step("ZREMRANGEBYLEX z [x [y", ""),
		step("ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z 0 0"),
		step("ZADD z GT 0 a", ""),
		step("ZADD z LT CH 0 a", "ZADD z LT CH 0 a"),
		step("ZADD z GT 5 a", "ZADD z GT 5 a"),
	}},
	{name: "zset stores", setup: []string{"ZADD z 1 a 2 b", "SET d 1"}, steps: []propStep{
		step("ZRANGESTORE d z 5 6", "ZRANGESTORE d z 5 6"),
		step("ZRANGESTORE d z 5 6", ""),
		step("ZRANGESTORE d z 0 -1", "ZRANGESTORE d z 0 -1"),
		step("ZUNIONSTORE u 1 z", "ZUNIONSTORE u 1 z"),
		step("ZINTERSTORE u 2 z nx", "ZINTERSTORE u 2 z nx"),
		step("ZINTERSTORE u 2 z nx", ""),
		step("ZDIFFSTORE u 1 z", "ZDIFFSTORE u 1 z"),
	}},
	{name: "zset pops", setup: []string{"ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h", "ZADD y 1 a"}, steps: []propStep{
		step("ZPOPMIN z", "ZPOPMIN z"),
		step("ZPOPMAX z 2", "ZPOPMAX z 2"),
		step("ZPOPMIN z 0", ""),
		step("ZPOPMIN noz", ""),
		step("ZMPOP 2 noz z MIN", "ZPOPMIN z 1"),
		step("ZMPOP 1 z max COUNT 2", "ZPOPMAX z 2"),
		step("ZMPOP 1 noz MAX", ""),
		step("BZPOPMIN noz z 0", "ZPOPMIN z"),
		step("BZPOPMAX z 0", "ZPOPMAX z"),
		step("BZMPOP 0 2 noz y MAX COUNT 10", "ZPOPMAX y 1"),
	}},
	{name: "bzpopmin served later", steps: []propStep{
		blocked("BZPOPMIN z y 0"),
		step("ZADD y 1 a 2 b", "ZADD y 1 a 2 b; ZPOPMIN y"),
	}},
	{name: "bzpopmax served later", steps: []propStep{
		blocked("BZPOPMAX z 0"),
		step("ZADD z 1 a 2 b", "ZADD z 1 a 2 b; ZPOPMAX z"),
	}},
	{name: "bzmpop served later", steps: []propStep{
		blocked("BZMPOP 0 1 z MIN COUNT 5"),
		step("ZADD z 1 a 2 b", "ZADD z 1 a 2 b; ZPOPMIN z 2"),
	}},

	// Geo.
	{name: "geoadd", steps: []propStep{
		step("GEOADD g 13.36 38.11 a", "zadd g 3479099943497504 a"),
		step("GEOADD g 13.36 38.11 a", ""),
		step("GEOADD g XX CH 15.08 37.50 a 1 1 b", "zadd g XX CH 3479447184714206 a 3377822707026402 b"),
		step("GEOADD g nx 1 1 b", "zadd g nx 3377822707026402 b"),
		step("GEOADD g NX 1 1 a", ""),
	}},
	{name: "geo stores", setup: []string{"GEOADD g 13.36 38.11 a 15.08 37.50 b"}, steps: []propStep{
		step("GEORADIUS g 15 37 200 km STORE gd", "GEORADIUS g 15 37 200 km STORE gd"),
		step("GEORADIUS g 15 37 1 km STORE gd", "GEORADIUS g 15 37 1 km STORE gd"),
		step("GEORADIUS g 15 37 1 km STORE gd", ""),
		step("GEORADIUSBYMEMBER g a 100 km STOREDIST gd2", "GEORADIUSBYMEMBER g a 100 km STOREDIST gd2"),
		step("GEOSEARCHSTORE gs g FROMMEMBER a BYRADIUS 500 km", "GEOSEARCHSTORE gs g FROMMEMBER a BYRADIUS 500 km"),
		step("GEOSEARCHSTORE gs g FROMLONLAT 0 0 BYRADIUS 5 m", "GEOSEARCHSTORE gs g FROMLONLAT 0 0 BYRADIUS 5 m"),
		step("GEOSEARCHSTORE gs g FROMLONLAT 0 0 BYRADIUS 5 m", ""),
	}},

	// HyperLogLog: PFCOUNT is no write command, but refreshing the cached count is a change.
	{name: "hyperloglog", steps: []propStep{
		step("PFADD h a b", "PFADD h a b"),
		step("PFADD h a", ""),
		step("PFCOUNT h", "PFCOUNT h"),
		step("PFCOUNT h", ""),
		step("PFADD h2 c", "PFADD h2 c"),
		step("PFCOUNT h h2", ""),
		step("PFMERGE h3 h h2", "PFMERGE h3 h h2"),
		step("PFMERGE h4", "PFMERGE h4"),
		step("PFADD h", ""),
		step("PFADD e", "PFADD e"),
		step("PFDEBUG ENCODING h", ""),
		step("PFDEBUG TODENSE h", "PFDEBUG TODENSE h"),
		step("PFDEBUG TODENSE h", ""),
	}},

	// SORT ... STORE and RESTORE.
	{name: "sort store", setup: []string{"RPUSH l 3 1 2", "SET d 1"}, steps: []propStep{
		step("SORT l STORE d", "SORT l STORE d"),
		step("SORT nol STORE d", "SORT nol STORE d"),
		step("SORT nol STORE d", ""),
		step("SORT l", ""),
	}},
	{name: "restore", setup: []string{"SET r4 1"}, steps: []propStep{
		{args: []string{"RESTORE", "r1", "0", dumpedList}, want: "RESTORE r1 0 " + quotedDump},
		{args: []string{"RESTORE", "r2", "100000", dumpedList}, want: "RESTORE r2 <ms+100000> " + quotedDump + " ABSTTL"},
		{args: []string{"RESTORE", "r3", "99999999999999", dumpedList, "ABSTTL"}, want: "RESTORE r3 99999999999999 " + quotedDump + " ABSTTL"},
		{args: []string{"RESTORE", "r4", "1", dumpedList, "ABSTTL", "REPLACE"}, want: "DEL r4"},
		{args: []string{"RESTORE", "r5", "1", dumpedList, "ABSTTL"}, want: ""},
		{args: []string{"RESTORE", "r6", "5000", dumpedList, "REPLACE", "IDLETIME", "7"}, want: "RESTORE r6 <ms> " + quotedDump + " REPLACE IDLETIME 7 ABSTTL"},
	}},

	// Streams.
	{name: "xadd ids", steps: []propStep{
		step("XADD s 1-1 a 1", "XADD s 1-1 a 1"),
		step("XADD s 1-* a 1", "XADD s 1-2 a 1"),
		step("XADD s 2 a 1", "XADD s 2 a 1"),
		step("XADD s * b 2", "XADD s <ms>-0 b 2"),
		step("XADD nos NOMKSTREAM * a 1", ""),
		step("XADD s 1-1 a 1", ""),
	}},
	{name: "xadd trim", steps: []propStep{
		step("XADD s 1-1 a 1", "XADD s 1-1 a 1"),
		step("XADD s 2-1 b 2", "XADD s 2-1 b 2"),
		step("XADD s MAXLEN 2 3-1 d 4", "XADD s MAXLEN 2 3-1 d 4"),
		step("XADD s MAXLEN ~ 2 4-1 e 5", "XADD s MAXLEN = 3 4-1 e 5"),
		step("XADD s MAXLEN ~ 1 LIMIT 10 5-1 f 6", "XADD s MAXLEN = 4 LIMIT 10 5-1 f 6"),
		step("XADD s NOMKSTREAM MINID 0 6-1 g 7", "XADD s NOMKSTREAM MINID 0 6-1 g 7"),
		step("XADD s MAXLEN = 5 7-1 h 8", "XADD s MAXLEN = 5 7-1 h 8"),
	}},
	{name: "xadd approximate minid", steps: []propStep{
		step("XADD s MINID ~ 0 1-1 a 1", "XADD s MINID = 1-1 1-1 a 1"),
		step("XADD s 2-1 a 1", "XADD s 2-1 a 1"),
		step("XADD s minid ~ 2 3-1 a 1", "XADD s minid = 1-1 3-1 a 1"),
		// The first id is the first one in the nodes, deleted or not.
		step("XDEL s 1-1", "XDEL s 1-1"),
		step("XADD s MINID ~ 0 4-1 a 1", "XADD s MINID = 1-1 4-1 a 1"),
		// Approximate trimming drops whole nodes, even the one just added to.
		step("XADD t MINID ~ 9 1-1 a 1", "XADD t MINID = 18446744073709551615-18446744073709551615 1-1 a 1"),
		step("XADD u MAXLEN ~ 0 1-1 a 1", "XADD u MAXLEN = 0 1-1 a 1"),
	}},
	{name: "xtrim", setup: []string{"XADD s 1-1 a 1", "XADD s 2-1 a 1", "XADD s 3-1 a 1", "XADD s 4-1 a 1"}, steps: []propStep{
		step("XTRIM s MAXLEN 100", ""),
		step("XTRIM s MAXLEN 3", "XTRIM s MAXLEN 3"),
		step("XTRIM s MINID ~ 0 LIMIT 5", ""),
		step("XTRIM s MINID 3-1", "XTRIM s MINID 3-1"),
		step("XTRIM s MAXLEN ~ 0 LIMIT 1", ""),
		step("XTRIM s MAXLEN ~ 0", "XTRIM s MAXLEN = 0"),
		step("XTRIM nos MAXLEN 0", ""),
	}},
	{name: "xdel xsetid", setup: []string{"XADD s 1-1 a 1", "XADD s 2-1 a 1"}, steps: []propStep{
		step("XDEL s 1-1", "XDEL s 1-1"),
		step("XDEL s 1-1 9-9", ""),
		step("XSETID s 5-5", "XSETID s 5-5"),
		step("XSETID s 6-5 ENTRIESADDED 100 MAXDELETEDID 0-1", "XSETID s 6-5 ENTRIESADDED 100 MAXDELETEDID 0-1"),
	}},
	{name: "xgroup", setup: []string{"XADD s 1-1 a 1", "XADD s 2-1 a 1"}, steps: []propStep{
		step("XGROUP CREATE s g 0", "XGROUP CREATE s g 0"),
		step("XGROUP CREATE s g 0", ""),
		step("XGROUP CREATE s2 g $ MKSTREAM ENTRIESREAD 5", "XGROUP CREATE s2 g $ MKSTREAM ENTRIESREAD 5"),
		step("XGROUP CREATECONSUMER s g z", "XGROUP CREATECONSUMER s g z"),
		step("XGROUP CREATECONSUMER s g z", ""),
		step("XGROUP DELCONSUMER s g z", "XGROUP DELCONSUMER s g z"),
		step("XGROUP DELCONSUMER s g z", ""),
		step("XGROUP SETID s g $", "XGROUP SETID s g $"),
		step("XGROUP SETID s g 0 ENTRIESREAD 7", "XGROUP SETID s g 0 ENTRIESREAD 7"),
		step("XGROUP DESTROY s g", "XGROUP DESTROY s g"),
		step("XGROUP DESTROY s g", ""),
	}},
	{name: "xreadgroup", setup: []string{"XADD s 1-1 a 1", "XADD s 2-1 a 1", "XADD s 3-1 a 1", "XGROUP CREATE s g 0"}, steps: []propStep{
		step("XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
			"XCLAIM s g alice 0 1-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 1-1"),
		step("XREADGROUP GROUP g bob STREAMS s >",
			"XCLAIM s g bob 0 2-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 2-1; XCLAIM s g bob 0 3-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 3-1"),
		step("XREADGROUP GROUP g bob STREAMS s >", ""),
		step("XREADGROUP GROUP g carol STREAMS s 0", ""),
		step("XREADGROUP GROUP g alice STREAMS s 0", ""),
		step("XREADGROUP GROUP nog alice STREAMS s >", ""),
	}},
	{name: "xreadgroup noack", setup: []string{"XADD s 1-1 a 1", "XADD s 2-1 a 1", "XADD s 3-1 a 1", "XGROUP CREATE s g 0", "XGROUP CREATECONSUMER s g old"}, steps: []propStep{
		step("XREADGROUP GROUP g a1 NOACK STREAMS s 0", "XGROUP CREATECONSUMER s g a1"),
		step("XREADGROUP GROUP g a2 NOACK COUNT 1 STREAMS s >", "XGROUP CREATECONSUMER s g a2; XGROUP SETID s g 1-1 ENTRIESREAD 1"),
		step("XREADGROUP GROUP g a2 NOACK COUNT 1 STREAMS s >", "XGROUP SETID s g 2-1 ENTRIESREAD 2"),
		step("XREADGROUP GROUP g old NOACK STREAMS s >", "XGROUP SETID s g 3-1 ENTRIESREAD 3"),
		step("XREADGROUP GROUP g a3 NOACK STREAMS s >", ""),
	}},
	{name: "xreadgroup two streams", setup: []string{"XADD s 1-1 a 1", "XADD t 1-1 a 1", "XADD t 2-1 a 1", "XDEL t 1-1", "XGROUP CREATE s g 0", "XGROUP CREATE t g 0 ENTRIESREAD 0"}, steps: []propStep{
		step("XREADGROUP GROUP g c NOACK STREAMS s t > >",
			"XGROUP CREATECONSUMER s g c; XGROUP SETID s g 1-1 ENTRIESREAD 1; XGROUP CREATECONSUMER t g c; XGROUP SETID t g 2-1 ENTRIESREAD 1"),
	}},
	{name: "xreadgroup served later", setup: []string{"XGROUP CREATE s g $ MKSTREAM"}, steps: []propStep{
		blocked("XREADGROUP GROUP g newc BLOCK 0 STREAMS s >"),
		step("XADD s 1-1 a 1", "XADD s 1-1 a 1; XCLAIM s g newc 0 1-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 1-1"),
	}},
	{name: "xreadgroup noack served later", setup: []string{"XGROUP CREATE s g $ MKSTREAM"}, steps: []propStep{
		blocked("XREADGROUP GROUP g newn NOACK BLOCK 0 STREAMS s >"),
		step("XADD s 1-1 a 1", "XADD s 1-1 a 1; XGROUP CREATECONSUMER s g newn; XGROUP SETID s g 1-1 ENTRIESREAD 1"),
	}},
	{name: "xclaim", setup: []string{"XADD s 1-1 a 1", "XADD s 2-0 a 1", "XADD s 3-1 a 1", "XADD s 4-0 a 1",
		"XGROUP CREATE s g 0", "XREADGROUP GROUP g alice COUNT 3 STREAMS s >"}, steps: []propStep{
		step("XCLAIM s g bob 0 2 LASTID 5-5", "XCLAIM s g bob 0 2 TIME <ms> RETRYCOUNT 2 FORCE JUSTID LASTID 5-5"),
		step("XDEL s 1-1", "XDEL s 1-1"),
		step("XCLAIM s g bob 0 1-1 3-1 LASTID 6-6",
			"XCLAIM s g alice 0 1-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 6-6; XCLAIM s g bob 0 3-1 TIME <ms> RETRYCOUNT 2 FORCE JUSTID LASTID 6-6"),
		step("XCLAIM s g bob 0 1-1", ""),
		step("XCLAIM s g bob 0 3-1 LASTID 7-7 JUSTID RETRYCOUNT 3 IDLE 0", "XCLAIM s g bob 0 3-1 TIME <ms> RETRYCOUNT 3 FORCE JUSTID LASTID 7-7"),
		step("XCLAIM s g bob 0 4-0 FORCE TIME 100", "XCLAIM s g bob 0 4-0 TIME 100 RETRYCOUNT 2 FORCE JUSTID LASTID 7-7"),
		step("XCLAIM s g zed 999999999 3-1 LASTID 9-9", "XGROUP SETID s g 9-9 ENTRIESREAD 3"),
		step("XCLAIM s g zed 999999999 3-1 LASTID 1-1", ""),
		step("XCLAIM s g zed 0 9-9 FORCE", ""),
	}},
	{name: "xautoclaim", setup: []string{"XADD s 1-1 a 1", "XADD s 2-1 a 1", "XADD s 3-1 a 1",
		"XGROUP CREATE s g 0", "XREADGROUP GROUP g alice STREAMS s >", "XDEL s 2-1"}, steps: []propStep{
		step("XAUTOCLAIM s g eve 0 0 COUNT 1", "XCLAIM s g eve 0 1-1 TIME <ms> RETRYCOUNT 2 FORCE JUSTID LASTID 3-1"),
		step("XAUTOCLAIM s g eve 0 0 COUNT 5 JUSTID",
			"XCLAIM s g eve 0 1-1 TIME <ms> RETRYCOUNT 2 FORCE JUSTID LASTID 3-1; XCLAIM s g alice 0 2-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 3-1; XCLAIM s g eve 0 3-1 TIME <ms> RETRYCOUNT 1 FORCE JUSTID LASTID 3-1"),
		step("XAUTOCLAIM s g eve 999999999 0", ""),
	}},
	{name: "xack", setup: []string{"XADD s 1-1 a 1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g alice STREAMS s >"}, steps: []propStep{
		step("XACK s g 1-1 5-5", "XACK s g 1-1 5-5"),
		step("XACK s g 1-1", ""),
	}},
}

// propHost is the fake server with a configuration, for the lazy-free directives.
type propHost struct {
	*fakeHost
	cfg mapConfig
}

func (h *propHost) Config() Config { return h.cfg }

// propSession runs a case's commands through the handlers the way the server does,
// re-running parked blocking commands after each command.
type propSession struct {
	t       *testing.T
	host    *propHost
	conn    *fakeConn
	now     int64
	waiting []*Ctx // parked blocking commands, in the order they blocked
	obey    bool   // the session replays propagated commands, as a replica or an AOF load
}

// obeyedConn is the connection of a replaying session.
type obeyedConn struct{ *fakeConn }

func (obeyedConn) MustObey() bool { return true }

func newPropSession(t *testing.T, config []string) *propSession {
	cfg := mapConfig{}
	cfg.Set(config...)
	return &propSession{t: t, host: &propHost{fakeHost: newFakeHost(), cfg: cfg}, conn: &fakeConn{id: 1, proto: 2}, now: time.Now().UnixMilli()}
}

func (s *propSession) exec(ctx *Ctx) *Ctx {
	ctx.Spec.Handler(ctx)
	return ctx
}

// run executes one command and returns its context.
func (s *propSession) run(args []string) *Ctx {
	s.t.Helper()
	bargs := make([][]byte, len(args))
	for i, a := range args {
		bargs[i] = []byte(a)
	}
	spec, rej := Resolve(bargs)
	if spec == nil {
		s.t.Fatalf("%q: %s", args, rej)
	}
	var conn Conn = s.conn
	if s.obey {
		conn = obeyedConn{s.conn}
	}
	return s.exec(&Ctx{Args: bargs, W: &resp.Writer{Proto: s.conn.proto}, DB: s.host.dbs[s.conn.db], Now: s.now, Conn: conn, Host: s.host, Spec: spec})
}

// serveWaiting re-runs the parked commands, as the server does after a write, and returns
// the propagation of those that were served.
func (s *propSession) serveWaiting() []dbEffect {
	var out []dbEffect
	still := s.waiting[:0]
	for _, parked := range s.waiting {
		ctx := s.exec(&Ctx{Args: parked.Args, W: &resp.Writer{Proto: s.conn.proto}, DB: parked.DB, Now: s.now,
			Conn: s.conn, Host: s.host, Spec: parked.Spec, Rerun: true})
		if ctx.Blocked != nil {
			still = append(still, parked)
			continue
		}
		out = append(out, inDB(parked.DB.ID, ctx.Propagation())...)
	}
	s.waiting = still
	return out
}

// step runs one step and returns what it propagated, then what the blocked commands it
// served propagated.
func (s *propSession) step(st propStep) []dbEffect {
	s.t.Helper()
	db := s.conn.db
	ctx := s.run(st.args)
	if st.block != (ctx.Blocked != nil) {
		s.t.Fatalf("%q blocked: %v, want %v", st.args, ctx.Blocked != nil, st.block)
	}
	if ctx.Blocked != nil {
		s.waiting = append(s.waiting, ctx)
		return inDB(db, ctx.Propagation())
	}
	return append(inDB(db, ctx.Propagation()), s.serveWaiting()...)
}

// dbEffect is a propagated command and the database it applies to (the AOF's SELECT).
type dbEffect struct {
	db  int
	cmd [][]byte
}

func inDB(db int, cmds [][][]byte) []dbEffect {
	out := make([]dbEffect, len(cmds))
	for i, cmd := range cmds {
		out[i] = dbEffect{db, cmd}
	}
	return out
}

func commandsOf(effects []dbEffect) [][][]byte {
	out := make([][][]byte, len(effects))
	for i, e := range effects {
		out[i] = e.cmd
	}
	return out
}

// formatProp renders propagated commands in the notation of propStep.want, times as they are.
func formatProp(cmds [][][]byte) string {
	parts := make([]string, 0, len(cmds))
	for _, cmd := range cmds {
		words := make([]string, len(cmd))
		for i, a := range cmd {
			words[i] = quoteArg(string(a))
		}
		parts = append(parts, strings.Join(words, " "))
	}
	return strings.Join(parts, "; ")
}

func quoteArg(a string) string {
	if a == "" || strings.ContainsAny(a, " ;\"") || strconv.Quote(a) != `"`+a+`"` {
		return strconv.Quote(a)
	}
	return a
}

// matchProp reports whether propagated commands match a want pattern.
func matchProp(cmds [][][]byte, want string) bool {
	var wantCmds []string
	if want != "" {
		wantCmds = strings.Split(want, "; ")
	}
	if len(wantCmds) != len(cmds) {
		return false
	}
	for i, cmd := range cmds {
		words := strings.Split(wantCmds[i], " ")
		if len(words) != len(cmd) {
			return false
		}
		for j, a := range cmd {
			if !matchArg(words[j], string(a)) {
				return false
			}
		}
	}
	return true
}

var (
	timePatternRe = regexp.MustCompile(`^<ms(\+[0-9]+)?>(-[0-9]+)?$`)
	decimalRe     = regexp.MustCompile(`^[0-9]+$`)
)

// matchArg matches one argument against a word of a want pattern.
func matchArg(pattern, arg string) bool {
	if pattern == "<m>" {
		return true
	}
	m := timePatternRe.FindStringSubmatch(pattern)
	if m == nil {
		return quoteArg(arg) == pattern
	}
	ms, seq, _ := strings.Cut(arg, "-")
	if m[2] != "" && "-"+seq != m[2] || m[2] == "" && seq != "" || !decimalRe.MatchString(ms) {
		return false
	}
	offset, _ := strconv.ParseInt(strings.TrimPrefix(m[1], "+"), 10, 64)
	v, err := strconv.ParseInt(ms, 10, 64)
	expect := time.Now().UnixMilli() + offset
	return err == nil && v > expect-10000 && v < expect+10000
}

func TestPropagation(t *testing.T) {
	for _, tc := range propCases {
		t.Run(tc.name, func(t *testing.T) {
			s := newPropSession(t, tc.config)
			for _, cmd := range tc.setup {
				s.step(propStep{args: strings.Fields(cmd)})
			}
			for _, st := range tc.steps {
				if got := commandsOf(s.step(st)); !matchProp(got, st.want) {
					t.Errorf("%q propagated\n  %s\nwant\n  %s", st.args, formatProp(got), st.want)
				}
			}
		})
	}
}

// TestPropagationCoversWriteCommands keeps the table complete: every command that may write
// appears in some step, so a new one cannot be added without deciding what it propagates.
// Scripts and functions are left to the scripting engine's tests, which need the engine.
func TestPropagationCoversWriteCommands(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range propCases {
		for _, st := range tc.steps {
			spec, _ := Resolve(argBytes(st.args))
			if spec != nil {
				seen[spec.Name] = true
			}
		}
	}
	var walk func(s *Spec)
	walk = func(s *Spec) {
		if s.Flags&Write != 0 && s.Group != "scripting" && !seen[s.Name] {
			t.Errorf("write command %q has no step in propCases", s.Name)
		}
		for _, sub := range s.Subs {
			walk(sub)
		}
	}
	for _, s := range All() {
		walk(s)
	}
}

func argBytes(args []string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// TestPropagationMatchesRedis runs every case on a real Redis 7.0 with an AOF and checks
// that what it appends for each command is the table's want.
func TestPropagationMatchesRedis(t *testing.T) {
	o := startRedisWith(t, "--appendonly", "yes", "--appendfsync", "always", "--aof-timestamp-enabled", "no",
		"--enable-debug-command", "yes")
	// Keys a case leaves expired must not be deleted (and DEL appended) in the background.
	if r := o.do("DEBUG", "SET-ACTIVE-EXPIRE", "0"); r != "+OK\r\n" {
		t.Fatalf("DEBUG SET-ACTIVE-EXPIRE: %q", r)
	}
	aof := newAOFTail(t, o.dir)
	blocker := o.dial()
	for _, tc := range propCases {
		t.Run(tc.name, func(t *testing.T) {
			o, blocker := o.in(t), blocker.in(t)
			o.do("SELECT", "0")
			o.flushall()
			restore := setOracleConfig(o, tc.config)
			defer restore()
			for _, cmd := range tc.setup {
				o.do(strings.Fields(cmd)...)
			}
			aof.skip()
			pending := false
			for _, st := range tc.steps {
				if st.block {
					blocker.send(st.args...)
					waitBlocked(o)
					pending = true
					continue
				}
				o.do(st.args...)
				if pending {
					blocker.reply(5 * time.Second)
					pending = false
				}
				if got := aof.next(); !matchProp(got, st.want) {
					t.Errorf("Redis propagated for %q\n  %s\nwant\n  %s", st.args, formatProp(got), st.want)
				}
			}
		})
	}
}

// setOracleConfig applies directive/value pairs and returns what puts the old values back.
func setOracleConfig(o *oracle, pairs []string) func() {
	var undo []string
	for i := 0; i+1 < len(pairs); i += 2 {
		old := o.do("CONFIG", "GET", pairs[i])
		// *2 $n name $n value
		undo = append(undo, pairs[i], strings.Split(old, "\r\n")[4])
		if r := o.do("CONFIG", "SET", pairs[i], pairs[i+1]); r != "+OK\r\n" {
			o.t.Fatalf("CONFIG SET %s: %q", pairs[i], r)
		}
	}
	return func() {
		for i := 0; i+1 < len(undo); i += 2 {
			o.do("CONFIG", "SET", undo[i], undo[i+1])
		}
	}
}

// waitBlocked waits until the oracle reports a client blocked.
func waitBlocked(o *oracle) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(o.do("INFO", "clients"), "blocked_clients:1\r\n") {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	o.t.Fatal("the command did not block")
}

// aofTail reads the commands Redis appends to its AOF's incremental file.
type aofTail struct {
	t    *testing.T
	path string
	off  int64
}

func newAOFTail(t *testing.T, dir string) *aofTail {
	// Redis writes the manifest when it opens the AOF, which may follow its first reply.
	var manifest []byte
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if manifest, err = os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	// Lines read "file <name> seq <n> type <b|h|i>"; the incremental file has type i.
	for _, line := range strings.Split(string(manifest), "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && f[0] == "file" && f[5] == "i" {
			return &aofTail{t: t, path: filepath.Join(dir, "appendonlydir", f[1])}
		}
	}
	t.Fatalf("no incremental file in manifest %q", manifest)
	return nil
}

// skip moves past everything written so far.
func (a *aofTail) skip() { a.next() }

// next returns the commands appended since the last call, without SELECT and without the
// MULTI/EXEC that Redis wraps around a command's several effects: the server adds those.
func (a *aofTail) next() [][][]byte {
	data, err := os.ReadFile(a.path)
	if err != nil {
		a.t.Fatal(err)
	}
	fresh := data[a.off:]
	a.off = int64(len(data))
	var out [][][]byte
	for len(fresh) > 0 {
		cmd, rest, err := parseAOFCommand(fresh)
		if err != nil {
			a.t.Fatalf("AOF at %d: %v", a.off-int64(len(fresh)), err)
		}
		fresh = rest
		switch strings.ToUpper(string(cmd[0])) {
		case "SELECT", "MULTI", "EXEC":
			continue
		}
		out = append(out, cmd)
	}
	return out
}

// parseAOFCommand reads one RESP multibulk command from b.
func parseAOFCommand(b []byte) (cmd [][]byte, rest []byte, err error) {
	line := func() (int, error) {
		i := slices.Index(b, '\n')
		if i < 2 || b[i-1] != '\r' {
			return 0, errShortAOF
		}
		n, err := strconv.Atoi(string(b[1 : i-1]))
		b = b[i+1:]
		return n, err
	}
	if b[0] != '*' {
		return nil, nil, errShortAOF
	}
	n, err := line()
	if err != nil {
		return nil, nil, err
	}
	for range n {
		if len(b) == 0 || b[0] != '$' {
			return nil, nil, errShortAOF
		}
		l, err := line()
		if err != nil {
			return nil, nil, err
		}
		if l < 0 || len(b) < l+2 {
			return nil, nil, errShortAOF
		}
		cmd = append(cmd, b[:l])
		b = b[l+2:]
	}
	return cmd, b, nil
}

var errShortAOF = errors.New("malformed or truncated command")

// TestPropagationReplays checks what propagation is for: the commands a case propagated,
// replayed later on an empty server (as a replica or an AOF load would), rebuild the same
// dataset, though clocks and random choices differ there.
func TestPropagationReplays(t *testing.T) {
	for _, tc := range propCases {
		t.Run(tc.name, func(t *testing.T) {
			orig := newPropSession(t, tc.config)
			var effects []dbEffect
			for _, cmd := range tc.setup {
				effects = append(effects, orig.step(propStep{args: strings.Fields(cmd)})...)
			}
			for _, st := range tc.steps {
				effects = append(effects, orig.step(st)...)
			}
			replayAndCompare(t, orig, effects)
		})
	}
}

// datasetText describes every key alive at now: database, name, type, deadline and value,
// in a form where equal data reads the same whatever the encoding or history.
func datasetText(h *fakeHost, now int64) string {
	var lines []string
	for i, db := range h.dbs {
		db.Each(now, func(key string, o *keyspace.Object) bool {
			lines = append(lines, fmt.Sprintf("db%d %q %s ttl=%d %s", i, key, o.Type, db.TTL(key), valueText(o)))
			return true
		})
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func valueText(o *keyspace.Object) string {
	var parts []string
	switch v := o.Val.(type) {
	case *list.List:
		it := v.IterAt(0, false)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			parts = append(parts, strconv.Quote(string(e)))
		}
	case *set.Set:
		for m := range v.All() {
			parts = append(parts, strconv.Quote(m.String()))
		}
		slices.Sort(parts)
	case *hash.Hash:
		for f, val := range v.All() {
			parts = append(parts, strconv.Quote(f)+"="+strconv.Quote(val))
		}
		slices.Sort(parts)
	case *zset.ZSet:
		for i := range v.Len() {
			e := v.At(i)
			parts = append(parts, fmt.Sprintf("%q=%v", e.Member, e.Score))
		}
	case *stream.Stream:
		return streamText(v)
	default:
		return strconv.Quote(string(o.Str))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// streamText describes a stream's entries, counters and groups. Redis 7.0 itself does not
// propagate some group state, so that is left out: a consumer's seen time and the delivery
// time and count of a re-read pending entry (XREADGROUP with an id), the read counter that
// XCLAIM's LASTID cannot carry, and a consumer that such a re-read created.
func streamText(s *stream.Stream) string {
	var b strings.Builder
	fmt.Fprintf(&b, "len=%d last=%v added=%d", s.Len(), s.LastID(), s.EntriesAdded())
	s.Range(stream.ID{}, stream.MaxID, false, func(e stream.Entry) bool {
		fmt.Fprintf(&b, " %v{", e.ID)
		for i := range e.Len() {
			f, v := e.Pair(i)
			fmt.Fprintf(&b, "%q:%q ", f, v)
		}
		b.WriteString("}")
		return true
	})
	for _, g := range s.Groups() {
		fmt.Fprintf(&b, " group %q last=%v pending[", g.Name, g.LastID)
		for it := g.PEL.Seek(stream.ID{}); it.Valid(); it.Next() {
			fmt.Fprintf(&b, " %v@%s", it.ID(), it.NACK().Consumer.Name)
		}
		b.WriteString(" ]")
	}
	return b.String()
}

// replayOps are the command shapes FuzzPropagationReplays strings together. K is a key, M a
// member or field, V a value, N a small count, I a stream id near the clock, F a float
// increment; relative times are long enough that nothing expires between a command and its
// replay, and absolute ones are long past or far ahead.
var replayOps = []string{
	"SET K V", "SET K V EX 500", "SET K V PX 900000 GET", "SET K V EXAT 1", "SET K V PXAT 99999999999999 NX",
	"SETEX K 600 V", "GETEX K EX 700", "GETEX K PERSIST", "GETEX K PXAT 1", "GETDEL K", "GETSET K V",
	"EXPIRE K 800", "EXPIRE K -1", "PEXPIRE K 900000 GT", "EXPIREAT K 99999999999", "PERSIST K",
	"INCRBYFLOAT K F", "APPEND K V", "DEL K", "COPY K K REPLACE", "RENAME K K", "MOVE K 1", "SWAPDB 0 1",
	"RPUSH K V V", "LPOP K", "RPOP K N", "LMPOP 2 K K LEFT COUNT N", "BLPOP K K 0", "BRPOP K 0",
	"BLMOVE K K LEFT RIGHT 0", "BRPOPLPUSH K K 0", "BLMPOP 0 2 K K RIGHT COUNT N", "LMOVE K K RIGHT LEFT",
	"SADD K M M", "SPOP K", "SPOP K N", "SMOVE K K M", "SREM K M", "SINTERSTORE K K K", "SUNIONSTORE K K K",
	"HSET K M V", "HINCRBYFLOAT K M F", "HDEL K M",
	"ZADD K N M", "ZINCRBY K F M", "ZPOPMIN K N", "ZMPOP 2 K K MAX COUNT N", "BZPOPMIN K K 0", "BZMPOP 0 1 K MIN COUNT N",
	"GEOADD K 13.36 38.11 M", "ZRANGESTORE K K 0 -1",
	"PFADD K M", "PFCOUNT K", "PFMERGE K K",
	"XADD K * f V", "XADD K MAXLEN ~ N * f V", "XADD K MINID ~ I * f V", "XTRIM K MAXLEN ~ N", "XTRIM K MINID I",
	"XDEL K I", "XGROUP CREATE K g 0 MKSTREAM", "XGROUP SETID K g I", "XGROUP CREATECONSUMER K g M",
	"XREADGROUP GROUP g M COUNT N STREAMS K >", "XREADGROUP GROUP g M NOACK STREAMS K >",
	"XREADGROUP GROUP g M BLOCK 0 STREAMS K >", "XREADGROUP GROUP g M STREAMS K 0",
	"XCLAIM K g M 0 I", "XCLAIM K g M 0 I LASTID I", "XAUTOCLAIM K g M 0 0 COUNT N", "XACK K g I",
	"SORT K STORE K", "FLUSHDB", "SELECT 1", "SELECT 0",
}

// replayArgs expands the op that data starts with, returning its arguments and the bytes left.
func replayArgs(data []byte, now int64) ([]string, []byte) {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	op := strings.Fields(replayOps[next()%len(replayOps)])
	for i, w := range op {
		switch w {
		case "K":
			op[i] = string(rune('a' + next()%3))
		case "M":
			op[i] = "m" + strconv.Itoa(next()%3)
		case "V":
			op[i] = strconv.Itoa(next() % 4)
		case "N":
			op[i] = strconv.Itoa(next() % 4)
		case "F":
			op[i] = []string{"0", "1.5", "-2", "1e3"}[next()%4]
		case "I":
			op[i] = strconv.FormatInt(now, 10) + "-" + strconv.Itoa(next()%4)
		}
	}
	return op, data
}

// FuzzPropagationReplays runs arbitrary command sequences and replays what they propagated
// two seconds later on an empty server, which must rebuild the same dataset.
func FuzzPropagationReplays(f *testing.F) {
	f.Add([]byte{0, 1, 2, 11, 1, 23, 0, 5, 24, 1, 25, 2})
	f.Add([]byte{27, 0, 23, 1, 7, 7, 34, 0, 0, 1, 35, 0, 2, 36, 0, 1})
	f.Add([]byte{55, 0, 3, 55, 0, 1, 60, 0, 62, 0, 2, 1, 2, 63, 0, 0, 66, 0, 1, 1, 67, 0, 1, 2, 1})
	f.Add([]byte{65, 0, 1, 55, 0, 2, 42, 1, 2, 1, 44, 1, 2, 1, 47, 0, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := newPropSession(t, nil)
		var effects []dbEffect
		for n := 0; len(data) > 0 && n < 64; n++ {
			var args []string
			args, data = replayArgs(data, orig.now)
			db := orig.conn.db
			ctx := orig.run(args)
			effects = append(effects, inDB(db, ctx.Propagation())...)
			if ctx.Blocked != nil {
				orig.waiting = append(orig.waiting, ctx)
			} else {
				effects = append(effects, orig.serveWaiting()...)
			}
		}
		replayAndCompare(t, orig, effects)
	})
}

// replayAndCompare replays effects on a fresh session two seconds after orig and compares
// the datasets.
func replayAndCompare(t *testing.T, orig *propSession, effects []dbEffect) {
	t.Helper()
	replica := newPropSession(t, nil)
	replica.host.cfg = orig.host.cfg
	replica.now = orig.now + 2000
	replica.obey = true
	for _, e := range effects {
		replica.conn.db = e.db
		args := make([]string, len(e.cmd))
		for i, a := range e.cmd {
			args[i] = string(a)
		}
		if ctx := replica.run(args); ctx.Blocked != nil || strings.HasPrefix(string(ctx.W.Buf), "-") {
			t.Fatalf("replaying %q: %q", args, ctx.W.Buf)
		}
	}
	if got, want := datasetText(replica.host.fakeHost, replica.now), datasetText(orig.host.fakeHost, replica.now); got != want {
		t.Errorf("replayed dataset\n%s\ndiffers from\n%s", got, want)
	}
}
