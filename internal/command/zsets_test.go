package command

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/redoubt/redoubt/internal/resp"
)

// zCompare runs transcripts through a real Redis and through our handlers, as hsCompare does
// (same line prefixes: "~ " and "~2 " compare as multisets, "? " the reply shape, "# " runs
// only), and mirrors CONFIG SET of the zset encoding limits on our host.
func zCompare(t *testing.T, transcripts []hsTranscript) {
	o := startRedis(t)
	for _, tr := range transcripts {
		t.Run(tr.name, func(t *testing.T) {
			o := o.in(t)
			o.flushall()
			o.do("HELLO", "2")
			o.do("CONFIG", "SET", "zset-max-listpack-entries", "128", "zset-max-listpack-value", "64")
			s := newHSSession(t)
			for _, l := range tr.lines {
				mode, cmd := "", l
				for _, p := range []string{"~2 ", "~ ", "? ", "# "} {
					if strings.HasPrefix(l, p) {
						mode, cmd = p, l[len(p):]
					}
				}
				args := hsFields(t, cmd)
				if strings.EqualFold(args[0], "config") {
					if r := o.do(args...); r != "+OK\r\n" {
						t.Fatalf("%s: %q", cmd, r)
					}
					zApplyConfig(t, s, args)
					continue
				}
				want, got := o.do(args...), s.do(args...)
				switch mode {
				case "~ ":
					want, got = unordered(t, want, 1), unordered(t, got, 1)
				case "~2 ":
					want, got = unordered(t, want, 2), unordered(t, got, 2)
				case "? ":
					want, got = replyShape(want), replyShape(got)
				case "# ":
					continue
				}
				if want != got {
					t.Fatalf("%s\n redis: %q\n   ours: %q", cmd, clip(want, 400), clip(got, 400))
				}
			}
		})
	}
}

func zApplyConfig(t testing.TB, s *hsSession, args []string) {
	for i := 2; i+1 < len(args); i += 2 {
		n, err := strconv.ParseInt(args[i+1], 10, 64)
		if err != nil {
			t.Fatalf("config value %q", args[i+1])
		}
		switch strings.ToLower(args[i]) {
		case "zset-max-listpack-entries":
			s.host.limits.ZSetListpackEntries = n
		case "zset-max-listpack-value":
			s.host.limits.ZSetListpackValue = n
		case "set-max-intset-entries":
			s.host.limits.SetIntsetEntries = n
		default:
			t.Fatalf("unmirrored config %q", args[i])
		}
	}
}

var zsetTranscripts = []hsTranscript{
	{"zadd-basic", []string{
		"ZADD z 1 a 2 b 3 c", "ZADD z 1 a", "ZADD z 5 a", "ZADD z CH 6 a 7 d", "ZRANGE z 0 -1 WITHSCORES",
		"ZCARD z", "ZCARD nokey", "ZSCORE z a", "ZSCORE z zz", "ZSCORE nokey a", "OBJECT ENCODING z",
		"ZADD z 1.1 e 0.5 f -0 g 1e17 h 3.0000000000000004 i", "ZRANGE z 0 -1 WITHSCORES", "ZSCORE z g",
		"ZADD z +inf top -inf bottom", "ZRANGE z 0 -1 WITHSCORES", "ZSCORE z top", "ZMSCORE z a top nosuch",
		"ZMSCORE nokey a b", "ZADD z 0x10 hex 1e-320 tiny", "ZSCORE z hex", "ZSCORE z tiny",
		"ZADD z \"\" empty", "ZADD z 1 \"\"", "ZSCORE z \"\"", "ZADD z 1 \"a\\x00b\"", "ZRANGE z 0 3",
	}},
	{"zadd-options", []string{
		"ZADD z 1 a", "ZADD z NX 2 a 3 b", "ZADD z XX 5 a 5 c", "ZRANGE z 0 -1 WITHSCORES",
		"ZADD z XX NX 1 a", "ZADD z NX GT 1 a", "ZADD z LT NX 1 a", "ZADD z GT LT 1 a",
		"ZADD z GT 1 a", "ZADD z GT CH 10 a", "ZADD z LT CH 10 a 0 b", "ZADD z XX GT CH 20 a 20 zz",
		"ZRANGE z 0 -1 WITHSCORES", "ZADD z INCR 1 a", "ZADD z INCR 1 a 2 b", "ZADD z INCR NX 1 a",
		"ZADD z INCR XX 1 nosuch", "ZADD z INCR GT -1 a", "ZADD z INCR LT -1 a", "ZADD z INCR 1 new",
		"ZADD nokey XX 1 a", "ZADD nokey XX INCR 1 a", "EXISTS nokey", "ZADD z", "ZADD z 1",
		"ZADD z 1 a 2", "ZADD z NX", "ZADD z nan a", "ZADD z abc a", "ZADD z 1e400 a", "ZADD z \" 1\" a",
		"ZADD z 1 a x b", "ZADD z CH CH 1 a", "ZADD z xx xx 1 a", "ZADD z incr inf a", "ZADD z incr -inf a",
		"ZSCORE z a", "ZADD z 1 x incr", "ZADD z INCR 0 a", "ZADD z GT INCR 0 a",
	}},
	{"zincrby", []string{
		"ZINCRBY z 1 a", "ZINCRBY z 2.5 a", "ZINCRBY z -10 b", "ZRANGE z 0 -1 WITHSCORES",
		"ZINCRBY z x a", "ZINCRBY z nan a", "ZINCRBY z inf a", "ZINCRBY z -inf a", "ZSCORE z a",
		"ZINCRBY z nx a", "ZINCRBY z 0.1 c", "ZINCRBY z 0.2 c", "SET s x", "ZINCRBY s 1 a", "ZADD s 1 a",
	}},
	{"zrem", []string{
		"ZADD z 1 a 2 b 3 c", "ZREM z a zz", "ZREM z zz", "ZREM nokey a", "ZREM z b c a", "EXISTS z",
		"SET s x", "ZREM s a", "ZCARD s", "ZSCORE s a", "ZMSCORE s a", "ZRANK s a",
	}},
	{"zrank", []string{
		"ZADD z 1 a 2 b 2 c 3 d", "ZRANK z a", "ZRANK z c", "ZREVRANK z a", "ZREVRANK z d", "ZRANK z zz",
		"ZRANK nokey a", "ZREVRANK nokey a", "ZRANK z a WITHSCORE",
	}},
	{"zrange-rank", []string{
		"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGE z 0 -1", "ZRANGE z 1 2 WITHSCORES", "ZRANGE z -2 -1",
		"ZRANGE z -100 100", "ZRANGE z 3 1", "ZRANGE z 5 10", "ZRANGE z 0 0 REV", "ZRANGE z 0 1 REV WITHSCORES",
		"ZREVRANGE z 0 1", "ZREVRANGE z 0 -1 WITHSCORES", "ZRANGE z a 1", "ZRANGE z 0 b",
		"ZRANGE z 0 1 LIMIT 0 1", "ZREVRANGE z 0 1 LIMIT 0 1", "ZREVRANGE z 0 1 REV", "ZRANGE z 0 1 FOO",
		"ZRANGE nokey 0 -1", "ZRANGE z 0 -9223372036854775808", "ZRANGE z 9223372036854775807 -1",
		"ZRANGE z 0 1 withscores withscores", "ZRANGE z 0 1 LIMIT 0", "ZRANGE z 0 1 LIMIT x 1",
		"ZRANGE z 0 1 BYSCORE BYLEX",
	}},
	{"zrange-score", []string{
		"ZADD z 1 a 2 b 3 c 4 d 5 e -inf m +inf p", "ZRANGE z 2 4 BYSCORE", "ZRANGE z (2 (4 BYSCORE WITHSCORES",
		"ZRANGE z -inf +inf BYSCORE", "ZRANGE z 4 2 BYSCORE REV", "ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2",
		"ZRANGEBYSCORE z 1 3", "ZRANGEBYSCORE z 1 3 WITHSCORES LIMIT 1 1", "ZRANGEBYSCORE z 1 3 LIMIT 1 -1",
		"ZRANGEBYSCORE z 1 3 LIMIT -1 1", "ZRANGEBYSCORE z 1 3 LIMIT 10 1", "ZRANGEBYSCORE z 1 3 LIMIT 0 0",
		"ZREVRANGEBYSCORE z 3 1", "ZREVRANGEBYSCORE z 1 3", "ZREVRANGEBYSCORE z (3 1 WITHSCORES",
		"ZRANGEBYSCORE z x 1", "ZRANGEBYSCORE z 1 nan", "ZRANGEBYSCORE z ((1 2", "ZRANGEBYSCORE z \"\" 3",
		"ZRANGEBYSCORE z \" 1\" 3", "ZRANGEBYSCORE z 1e400 inf", "ZRANGEBYSCORE z 2 2", "ZRANGEBYSCORE z (2 2",
		"ZRANGEBYSCORE z 3 1", "ZRANGEBYSCORE nokey 1 2", "ZRANGEBYSCORE z 1 2 BYSCORE", "ZRANGEBYSCORE z 1 2 REV",
		"ZRANGEBYSCORE z -inf +inf LIMIT 2 3", "ZREVRANGEBYSCORE z +inf -inf LIMIT 2 3 WITHSCORES",
		"ZCOUNT z 2 4", "ZCOUNT z (2 (4", "ZCOUNT z -inf +inf", "ZCOUNT z 4 2", "ZCOUNT z x 1", "ZCOUNT nokey 1 2",
		"ZCOUNT z \"(\" \"\"", "ZRANGEBYSCORE z \"1\\x00x\" 3",
	}},
	{"zrange-lex", []string{
		"ZADD z 0 a 0 b 0 c 0 d 0 e 0 \"\" 0 ab", "ZRANGE z - + BYLEX", "ZRANGE z [b (d BYLEX", "ZRANGE z (a [c BYLEX",
		"ZRANGE z + - BYLEX REV", "ZRANGE z [d [b BYLEX REV LIMIT 1 5", "ZRANGEBYLEX z - +", "ZRANGEBYLEX z - + LIMIT 2 2",
		"ZREVRANGEBYLEX z + -", "ZREVRANGEBYLEX z (c - LIMIT 0 2", "ZRANGEBYLEX z a c", "ZRANGEBYLEX z [a c",
		"ZRANGEBYLEX z - + WITHSCORES", "ZRANGE z - + BYLEX WITHSCORES", "ZRANGEBYLEX z +a +", "ZRANGEBYLEX z \"[\" +",
		"ZRANGEBYLEX z \"(\" [b", "ZRANGEBYLEX z - -", "ZRANGEBYLEX z + +", "ZRANGEBYLEX z [a [a", "ZRANGEBYLEX z (a (a",
		"ZRANGEBYLEX nokey - +", "ZLEXCOUNT z - +", "ZLEXCOUNT z [b (d", "ZLEXCOUNT z a b", "ZLEXCOUNT nokey - +",
		"ZRANGEBYLEX z - + LIMIT -1 2", "ZRANGEBYLEX z \"\" +", "ZRANGEBYLEX z \"+\\x00\" -",
	}},
	{"zrangestore", []string{
		"ZADD z 1 a 2 b 3 c 4 d", "ZRANGESTORE d z 0 1", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d",
		"ZRANGESTORE d z 0 -1 REV", "ZRANGE d 0 -1 WITHSCORES", "ZRANGESTORE d z 2 3 BYSCORE", "ZRANGE d 0 -1",
		"ZRANGESTORE d z [a [b BYLEX", "ZRANGESTORE d z 3 1 BYSCORE REV LIMIT 1 1", "ZRANGE d 0 -1 WITHSCORES",
		"ZRANGESTORE d z 5 6", "EXISTS d", "SET d x", "EXPIRE d 100", "ZRANGESTORE d z 0 0", "TTL d", "TYPE d",
		"ZRANGESTORE d nokey 0 -1", "EXISTS d", "ZRANGESTORE d z 0 1 WITHSCORES", "SET s x", "ZRANGESTORE d s 0 1",
		"ZRANGESTORE s z 0 1", "TYPE s", "ZRANGESTORE z z 1 2", "ZRANGE z 0 -1",
	}},
	{"zremrange", []string{
		"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z -1 -1", "ZREMRANGEBYRANK z 5 10",
		"ZRANGE z 0 -1", "ZREMRANGEBYSCORE z (2 3", "ZREMRANGEBYSCORE z x 3", "ZREMRANGEBYRANK z x 1",
		"ZADD z 0 m 0 n 0 o", "ZREMRANGEBYLEX z [m (o", "ZREMRANGEBYLEX z m o", "ZRANGE z 0 -1 WITHSCORES",
		"ZREMRANGEBYSCORE z -inf +inf", "EXISTS z", "ZREMRANGEBYRANK nokey 0 -1", "ZREMRANGEBYSCORE nokey 0 1",
		"ZREMRANGEBYLEX nokey - +", "SET s x", "ZREMRANGEBYRANK s 0 1", "ZREMRANGEBYLEX s - +",
		"ZADD y 1 a", "ZREMRANGEBYLEX y - +", "EXISTS y",
	}},
	{"zpop", []string{
		"ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 0", "ZPOPMIN z 10", "EXISTS z",
		"ZPOPMIN nokey", "ZPOPMIN nokey 2", "ZPOPMAX z -1", "ZPOPMAX z x", "ZPOPMAX z 1 2", "SET s x", "ZPOPMIN s",
		"ZADD z 1 a 2 b", "ZPOPMAX z 1", "# HELLO 3", "ZPOPMIN z", "ZADD z 1 a 2 b 3 c", "ZPOPMIN z 2", "ZPOPMAX z 0",
		"ZPOPMIN nokey", "ZPOPMIN nokey 1",
	}},
	{"zmpop", []string{
		"ZADD z 1 a 2 b 3 c", "ZADD y 10 x", "ZMPOP 2 nokey z MIN", "ZMPOP 2 y z MAX COUNT 5", "ZMPOP 1 z MAX COUNT 5",
		"ZMPOP 1 nokey MIN", "ZMPOP 0 z MIN", "ZMPOP -1 z MIN", "ZMPOP x z MIN", "ZMPOP 2 z MIN", "ZMPOP 1 z FOO",
		"ZMPOP 1 z MIN COUNT 0", "ZMPOP 1 z MIN COUNT x", "ZMPOP 1 z MIN COUNT 1 COUNT 1", "ZMPOP 1 z MIN COUNT",
		"ZMPOP 9223372036854775807 z MIN", "SET s x", "ZMPOP 2 nokey s MIN", "ZADD z 1 a", "ZMPOP 2 z s MIN",
		"# HELLO 3", "ZADD z 1 a 2 b", "ZMPOP 1 z MIN COUNT 2", "ZMPOP 1 z MIN",
	}},
	{"bzpop", []string{
		"ZADD z 1 a 2 b 3 c 4 d 5 e", "BZPOPMIN nokey z 0", "BZPOPMAX z 0", "BZPOPMIN z 0.01", "BZMPOP 0 2 nokey z MIN COUNT 3",
		"BZPOPMIN z x", "BZPOPMIN z -1", "BZMPOP x 1 z MIN", "BZMPOP x 0 z MIN", "BZMPOP -1 1 z foo", "BZMPOP 0 1 z MIN COUNT 0",
		"SET s x", "BZPOPMIN nokey s 0", "BZMPOP 0 2 nokey s MIN", "ZADD z 1 a", "BZPOPMIN s z 0",
		"# HELLO 3", "ZADD z 1 a 2 b", "BZPOPMAX z 0", "BZMPOP 0 1 z MAX",
	}},
	{"setops", []string{
		"ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "SADD s 1 2 x", "SADD t y w q",
		"ZUNION 2 a b", "ZUNION 2 a b WITHSCORES", "ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES", "ZUNION 2 a b AGGREGATE MIN WITHSCORES",
		"ZUNION 2 a b AGGREGATE max WITHSCORES", "ZUNION 3 a s t WITHSCORES", "ZINTER 2 a b WITHSCORES", "ZINTER 2 a t WITHSCORES",
		"ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES", "ZDIFF 2 a b WITHSCORES", "ZDIFF 2 b a", "ZDIFF 2 s a WITHSCORES",
		"ZDIFF 2 a a", "ZINTER 2 a a WITHSCORES", "ZUNION 2 a a WITHSCORES", "ZINTERCARD 2 a b", "ZINTERCARD 2 a b LIMIT 1",
		"ZINTERCARD 2 a b LIMIT 0", "ZINTERCARD 3 a b nokey", "ZUNION 2 a nokey", "ZINTER 2 a nokey", "ZDIFF 2 nokey a",
		"ZUNIONSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d", "ZINTERSTORE d 2 a b WEIGHTS 2 3",
		"ZRANGE d 0 -1 WITHSCORES", "ZDIFFSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a nokey", "EXISTS d",
		"ZUNION 0 a", "ZUNIONSTORE d 0 a", "ZINTERCARD 0 a", "ZUNION x a", "ZUNION 3 a b", "ZUNION 1 a WEIGHTS",
		"ZUNION 1 a WEIGHTS x", "ZUNION 1 a WEIGHTS nan", "ZUNION 1 a AGGREGATE foo", "ZUNION 1 a AGGREGATE", "ZDIFF 1 a WEIGHTS 1",
		"ZDIFF 1 a AGGREGATE SUM", "ZINTER 1 a WITHSCORES WITHSCORES", "ZUNIONSTORE d 1 a WITHSCORES", "ZINTERCARD 1 a LIMIT -1",
		"ZINTERCARD 1 a LIMIT x", "ZINTERCARD 1 a WITHSCORES", "ZINTERCARD 1 a WEIGHTS 1", "SET str x", "ZUNION 2 a str",
		"ZUNIONSTORE str 1 a", "TYPE str", "ZADD i 1 x", "ZADD j inf x", "ZADD k -inf x", "ZUNION 2 j k WITHSCORES",
		"ZUNION 1 j WEIGHTS 0 WITHSCORES", "ZINTER 2 j k WITHSCORES", "ZINTER 2 j k AGGREGATE MAX WITHSCORES",
		"ZUNION 3 i j k WITHSCORES", "ZINTERSTORE d 1 s", "ZRANGE d 0 -1 WITHSCORES", "OBJECT ENCODING d",
		"ZUNION 2 a b WEIGHTS 1 1 1", "ZUNION 2 a b WEIGHTS 1",
	}},
	{"zrandmember", []string{
		"ZADD z 1 a 2 b 3 c", "ZRANDMEMBER z 3", "ZRANDMEMBER z 10 WITHSCORES", "ZRANDMEMBER z 3 WITHSCORES",
		"? ZRANDMEMBER z", "? ZRANDMEMBER z -5", "? ZRANDMEMBER z -5 WITHSCORES", "? ZRANDMEMBER z 2 WITHSCORES",
		"? ZRANDMEMBER z 1", "ZRANDMEMBER z 0", "ZRANDMEMBER nokey", "ZRANDMEMBER nokey 3", "ZRANDMEMBER z x",
		"ZRANDMEMBER z 1 foo", "ZRANDMEMBER z 1 WITHSCORES x", "ZRANDMEMBER z -9223372036854775808",
		"ZRANDMEMBER z 9223372036854775807 WITHSCORES", "ZRANDMEMBER z -4611686018427387904 WITHSCORES",
		"ZRANDMEMBER nokey 4611686018427387904 WITHSCORES", "SET s x", "ZRANDMEMBER s", "ZRANDMEMBER s 1",
		"# HELLO 3", "ZRANDMEMBER z 5 WITHSCORES", "? ZRANDMEMBER z -2 WITHSCORES", "ZRANDMEMBER nokey",
	}},
	{"zscan", []string{
		"ZADD z 1 a 2.5 b 1e17 c -inf d", "ZSCAN z 0", "ZSCAN z 0 MATCH a*", "ZSCAN z 0 COUNT 1", "ZSCAN z x",
		"ZSCAN nokey 0", "ZSCAN z 0 COUNT 0", "ZSCAN z 0 MATCH", "ZSCAN z 0 TYPE zset", "SET s x", "ZSCAN s 0",
	}},
	{"resp3", []string{
		"# HELLO 3", "ZADD z 1 a 2.5 b inf c", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z 0 -1", "ZSCORE z b", "ZSCORE z c",
		"ZSCORE z zz", "ZMSCORE z a zz", "ZINCRBY z 1 a", "ZADD z INCR 1 a", "ZADD z XX INCR 1 zz", "ZRANK z zz",
		"ZRANGEBYSCORE z 0 10 WITHSCORES", "ZUNION 1 z WITHSCORES", "ZDIFF 1 z WITHSCORES", "ZRANDMEMBER z 5 WITHSCORES",
		"ZSCAN z 0", "ZRANGE nokey 0 -1",
	}},
	{"encoding", []string{
		"CONFIG SET zset-max-listpack-entries 3 zset-max-listpack-value 4", "ZADD z 1 a 2 b 3 c", "OBJECT ENCODING z",
		"ZADD z 4 d", "OBJECT ENCODING z", "ZREM z a b c", "OBJECT ENCODING z", "ZADD y 1 abcde", "OBJECT ENCODING y",
		"ZADD x 1 a", "ZADD x 1 abcde", "OBJECT ENCODING x", "ZUNIONSTORE d 1 x", "OBJECT ENCODING d",
		"ZRANGESTORE d z 0 -1", "OBJECT ENCODING d", "ZADD w -0 a", "ZSCORE w a", "ZADD v 1 abcde -0 a", "ZSCORE v a",
		"~2 ZSCAN v 0", "ZUNIONSTORE d 1 v", "ZSCORE d a", "OBJECT ENCODING d", "COPY v v2", "OBJECT ENCODING v2",
		"ZRANGE v2 0 -1 WITHSCORES", "CONFIG SET zset-max-listpack-entries 0", "ZADD e 1 a", "OBJECT ENCODING e",
		"ZADD big 1 m1 2 m2 3 m3 4 m4 5 m5 6 m6 7 m7 8 m8", "ZRANGE big 2 5 WITHSCORES", "ZREVRANGE big 1 3",
		"ZRANK big m5", "ZREVRANK big m5", "ZCOUNT big 2 6", "ZRANGEBYSCORE big (2 6 LIMIT 1 2", "ZREMRANGEBYRANK big 1 2",
		"ZRANGE big 0 -1", "ZPOPMIN big 2", "ZPOPMAX big", "ZSCORE big m6", "ZINCRBY big 10 m4", "ZRANGE big 0 -1 WITHSCORES",
		"ZRANDMEMBER big 100 WITHSCORES", "~2 ZSCAN big 0 COUNT 100",
		"CONFIG SET zset-max-listpack-entries 128 zset-max-listpack-value 64",
	}},
	{"wrongtype", []string{
		"SET s x", "ZADD s 1 a", "ZINCRBY s 1 a", "ZCARD s", "ZCOUNT s 0 1", "ZLEXCOUNT s - +", "ZSCORE s a",
		"ZRANGE s 0 1", "ZRANGEBYSCORE s 0 1", "ZRANGEBYLEX s - +", "ZREVRANGE s 0 1", "ZPOPMAX s", "ZRANDMEMBER s 1",
		"ZSCAN s 0", "ZCOUNT s x 1", "ZRANGE s x 1", "ZINTERCARD 1 s", "ZDIFF 1 s", "ZMSCORE s a",
	}},
}

func TestZsetsAgainstRedis(t *testing.T) { zCompare(t, zsetTranscripts) }

// TestZsetsRandomAgainstRedis runs random command sequences on small and large sets.
func TestZsetsRandomAgainstRedis(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	var trs []hsTranscript
	for i := 0; i < 12; i++ {
		var lines []string
		if i%2 == 1 {
			lines = append(lines, "CONFIG SET zset-max-listpack-entries 4 zset-max-listpack-value 8")
		}
		for j := 0; j < 300; j++ {
			lines = append(lines, randomZsetCommand(r))
		}
		trs = append(trs, hsTranscript{name: "random" + strconv.Itoa(i), lines: lines})
	}
	zCompare(t, trs)
}

func randomZsetCommand(r *rand.Rand) string {
	keys := []string{"z", "y"}
	k := keys[r.IntN(2)]
	mem := func() string {
		return []string{"a", "b", "c", "d", "e", "f", "long-member-x", "g", "10", "2"}[r.IntN(10)]
	}
	score := func() string {
		return []string{"0", "1", "2", "-1", "1.5", "3", "inf", "-inf", "0.1", "100", "(1", "(2"}[r.IntN(12)]
	}
	num := func() string { return strconv.Itoa(r.IntN(9) - 4) }
	sc := func() string { return strings.TrimPrefix(score(), "(") }
	lex := func() string {
		return []string{"-", "+", "[a", "(b", "[c", "(e", "[long"}[r.IntN(7)]
	}
	// Lexicographic ranges are only defined on a set of equal scores (Redis's skiplist walk
	// gives random answers otherwise), so they run on "l", whose scores are all 0.
	switch r.IntN(25) {
	case 22:
		return "ZADD l 0 " + mem() + " 0 " + mem()
	case 23:
		return "ZREMRANGEBYLEX l " + lex() + " " + lex()
	case 24:
		return "ZRANGESTORE " + k + " l " + lex() + " " + lex() + " BYLEX LIMIT 0 " + num()
	case 0, 1, 2:
		return "ZADD " + k + " " + []string{"", "NX ", "XX ", "GT ", "LT CH ", "CH "}[r.IntN(6)] + sc() + " " + mem() + " " + sc() + " " + mem()
	case 3:
		return "ZINCRBY " + k + " " + sc() + " " + mem()
	case 4:
		return "ZREM " + k + " " + mem() + " " + mem()
	case 5:
		return "ZRANGE " + k + " " + num() + " " + num() + " WITHSCORES"
	case 6:
		return "ZRANGEBYSCORE " + k + " " + score() + " " + score() + " WITHSCORES LIMIT " + num() + " " + num()
	case 7:
		return "ZREVRANGEBYSCORE " + k + " " + score() + " " + score()
	case 8:
		return "ZRANGEBYLEX l " + lex() + " " + lex()
	case 9:
		return "ZREVRANGEBYLEX l " + lex() + " " + lex() + " LIMIT 1 " + num()
	case 10:
		return "ZRANK " + k + " " + mem()
	case 11:
		return "ZREVRANK " + k + " " + mem()
	case 12:
		return "ZCOUNT " + k + " " + score() + " " + score()
	case 13:
		return "ZLEXCOUNT l " + lex() + " " + lex()
	case 14:
		return "ZREMRANGEBYSCORE " + k + " " + score() + " " + score()
	case 15:
		return "ZREMRANGEBYRANK " + k + " " + num() + " " + num()
	case 16:
		return "ZPOPMIN " + k + " " + strconv.Itoa(r.IntN(3))
	case 17:
		return "ZPOPMAX " + k
	case 18:
		return "ZUNIONSTORE " + keys[r.IntN(2)] + " 2 z y WEIGHTS " + sc() + " 1 AGGREGATE " + []string{"SUM", "MIN", "MAX"}[r.IntN(3)]
	case 19:
		return "ZINTER 2 z y WITHSCORES"
	case 20:
		return "ZRANGESTORE " + keys[r.IntN(2)] + " " + k + " " + num() + " " + num()
	}
	return "ZMSCORE " + k + " " + mem() + " " + mem()
}

// TestZsetSpecsAgainstRedis compares COMMAND INFO, and the documentation fields COMMAND DOCS
// shares with our table, with Redis's for every sorted set command.
func TestZsetSpecsAgainstRedis(t *testing.T) {
	o := startRedis(t)
	s := newHSSession(t)
	for _, sp := range zsetCommands {
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

// TestZsetBlocking checks that blocking pops park the client on every distinct key when no
// set has members, with the timeout reply of each protocol.
func TestZsetBlocking(t *testing.T) {
	s := newHSSession(t)
	run := func(args ...string) *Ctx {
		bargs := make([][]byte, len(args))
		for i, a := range args {
			bargs[i] = []byte(a)
		}
		spec, _ := Resolve(bargs)
		c := &Ctx{Args: bargs, W: &resp.Writer{Proto: s.conn.proto}, DB: s.host.dbs[0], Now: s.now, Conn: s.conn, Host: s.host, Spec: spec}
		spec.Handler(c)
		return c
	}
	c := run("BZPOPMIN", "a", "b", "a", "1.5")
	if c.Blocked == nil || len(c.W.Buf) != 0 || !slices.Equal(c.Blocked.Keys, []string{"a", "b"}) || c.Blocked.Deadline != s.now+1500 {
		t.Fatalf("BZPOPMIN: %+v %q", c.Blocked, c.W.Buf)
	}
	w := &resp.Writer{Proto: 2}
	c.Blocked.OnTimeout(w)
	if string(w.Buf) != "*-1\r\n" {
		t.Fatalf("timeout reply %q", w.Buf)
	}
	c = run("BZMPOP", "0", "2", "x", "y", "MAX", "COUNT", "2")
	if c.Blocked == nil || c.Blocked.Deadline != 0 || !slices.Equal(c.Blocked.Keys, []string{"x", "y"}) {
		t.Fatalf("BZMPOP: %+v", c.Blocked)
	}
	s.do("ZADD", "y", "1", "m", "2", "n")
	c = run("BZMPOP", "0", "2", "x", "y", "MAX", "COUNT", "2")
	if c.Blocked != nil || string(c.W.Buf) != "*2\r\n$1\r\ny\r\n*2\r\n*2\r\n$1\r\nn\r\n$1\r\n2\r\n*2\r\n$1\r\nm\r\n$1\r\n1\r\n" {
		t.Fatalf("BZMPOP served: %q", c.W.Buf)
	}
}

// TestZsetEventsDirtyHits checks keyspace events, dirty counts and hit/miss accounting.
func TestZsetEventsDirtyHits(t *testing.T) {
	s := newHSSession(t)
	steps := []struct {
		cmd          string
		events       []string
		dirty        int
		hits, misses int
	}{
		{"ZADD z 1 a 2 b", []string{"n new z", "z zadd z"}, 2, 0, 0},
		{"ZADD z 1 a", nil, 0, 0, 0},
		{"ZADD z INCR 1 a", []string{"z zincr z"}, 1, 0, 0},
		{"ZINCRBY z 1 c", []string{"z zincr z"}, 1, 0, 0},
		{"ZREM z zz", nil, 0, 0, 0},
		{"ZREM z a", []string{"z zrem z"}, 1, 0, 0},
		{"ZSCORE z b", nil, 0, 1, 0},
		{"ZSCORE nokey b", []string{"m keymiss nokey"}, 0, 0, 1},
		{"ZUNIONSTORE d 2 z nokey", []string{"m keymiss nokey", "n new d", "z zunionstore d"}, 1, 1, 1},
		{"ZINTERSTORE d 2 z nokey", []string{"m keymiss nokey", "g del d"}, 1, 1, 1},
		{"ZPOPMIN z 5", []string{"z zpopmin z", "g del z"}, 2, 0, 0},
		{"ZADD z 1 a 2 b 3 c", []string{"n new z", "z zadd z"}, 3, 0, 0},
		{"ZREMRANGEBYSCORE z 1 2", []string{"z zremrangebyscore z"}, 2, 0, 0},
		{"ZREMRANGEBYRANK z 0 -1", []string{"z zremrangebyrank z", "g del z"}, 1, 0, 0},
		{"ZRANGESTORE d nokey 0 -1", []string{"m keymiss nokey"}, 0, 0, 1},
	}
	for _, st := range steps {
		s.host.events, s.dirty, s.hits, s.misses = nil, 0, 0, 0
		s.line(st.cmd)
		var got []string
		for _, e := range s.host.events {
			if e[0] != 'm' || len(st.events) > 0 {
				got = append(got, e)
			}
		}
		if !slices.Equal(got, st.events) || s.dirty != st.dirty || s.hits != st.hits || s.misses != st.misses {
			t.Errorf("%s: events %q dirty %d hits %d misses %d; want %q %d %d %d", st.cmd, got, s.dirty, s.hits, s.misses,
				st.events, st.dirty, st.hits, st.misses)
		}
	}
}

// TestZrandmemberProperties checks the random replies Redis's cannot be compared with.
func TestZrandmemberProperties(t *testing.T) {
	for _, entries := range []int64{128, 0} {
		s := newHSSession(t)
		s.host.limits.ZSetListpackEntries = entries
		for i := 0; i < 50; i++ {
			s.do("ZADD", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
		}
		for _, n := range []int{1, 5, 20, 49} {
			items := hsParse(t, s.do("ZRANDMEMBER", "z", strconv.Itoa(n), "WITHSCORES"))
			seen := map[string]bool{}
			for i := 0; i < len(items); i += 2 {
				m := items[i]
				if seen[m] || "m"+items[i+1] != m {
					t.Fatalf("ZRANDMEMBER %d: %q", n, items)
				}
				seen[m] = true
			}
			if len(seen) != n {
				t.Fatalf("ZRANDMEMBER %d gave %d", n, len(seen))
			}
		}
		if items := hsParse(t, s.do("ZRANDMEMBER", "z", "-200")); len(items) != 200 {
			t.Fatalf("negative count gave %d", len(items))
		}
		if r := s.do("ZRANDMEMBER", "z", "-9223372036854775807"); r != "-ERR value is out of range\r\n" {
			t.Fatalf("huge negative count: %q", r)
		}
	}
}

// FuzzZsetCommands runs arbitrary arguments through every sorted set command: whatever the
// input, a handler must reply exactly once (or block) and never panic.
func FuzzZsetCommands(f *testing.F) {
	f.Add(uint8(0), "z", "1", "(1", "WITHSCORES")
	f.Add(uint8(10), "z", "[a", "+", "LIMIT")
	f.Add(uint8(26), "2", "z", "y", "WEIGHTS")
	f.Fuzz(func(t *testing.T, cmd uint8, a, b, c, d string) {
		s := newHSSession(t)
		s.host.limits.ZSetListpackEntries = 3
		for _, setup := range [][]string{{"ZADD", "z", "1", "a", "2", "b", "inf", "c"}, {"ZADD", "y", "0", "a", "0", "b", "0", "c", "0", "d"}, {"SADD", "s", "1", "x"}} {
			s.do(setup...)
		}
		sp := zsetCommands[int(cmd)%len(zsetCommands)]
		for _, k := range []string{"z", "y", "s", a} {
			args := []string{sp.Name, k, b, c, d, "WITHSCORES"}
			for n := 2; n <= len(args); n++ {
				bargs := make([][]byte, n)
				for i := range bargs {
					bargs[i] = []byte(args[i])
				}
				spec, rej := Resolve(bargs)
				if spec == nil {
					_ = rej
					continue
				}
				ctx := &Ctx{Args: bargs, W: &resp.Writer{Proto: 2}, DB: s.host.dbs[0], Now: s.now, Conn: s.conn, Host: s.host, Spec: spec}
				spec.Handler(ctx)
				if ctx.Blocked != nil {
					if len(ctx.W.Buf) != 0 {
						t.Fatalf("%q blocked after replying %q", args[:n], ctx.W.Buf)
					}
					continue
				}
				reply := string(ctx.W.Buf)
				if _, rest := parseResp(t, reply); rest != "" {
					t.Fatalf("%q: more than one reply: %q", args[:n], reply)
				}
			}
		}
	})
}

// BenchmarkZsetOps measures single-element operations on large sets, which must stay
// O(log n): a regression to a linear scan shows up as time growing with size.
func BenchmarkZsetOps(b *testing.B) {
	for _, size := range []int{1000, 100000} {
		s := newHSSession(b)
		for i := 0; i < size; i++ {
			s.do("ZADD", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
		}
		b.Run("zadd-zrank-zrem/"+strconv.Itoa(size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.do("ZADD", "z", "0.5", "x")
				s.do("ZRANK", "z", "x")
				s.do("ZRANGE", "z", strconv.Itoa(size/2), strconv.Itoa(size/2+2))
				s.do("ZREM", "z", "x")
			}
		})
	}
}
