#!/usr/bin/env bash
# Regenerates redis-7.0-all-types.rdb and redis-7.0-all-types.expected next to this script
# with Debian's redis-server 7.0: every type in every encoding 7.0 has, keys with a TTL,
# several databases and a function library, SAVEd by a private server on a free loopback port.
#
# The .expected file has one line per key, sorted by database and key, written by Redis
# itself (a Lua script, quoted by redis-cli --no-raw): the database, then the key, type,
# encoding, "ttl" or "persist", and the contents (hash fields and set members sorted, sorted
# set members with their scores in order, a stream as its XINFO STREAM FULL reply flattened
# with [ and ] around nested arrays and nil for null). A "function" line holds each library's
# code. TestRedisAllTypesFile compares what our reader loads with it.
set -euo pipefail
export LC_ALL=C # Redis's Lua compares strings with strcoll; keep it byte order

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
port=
for p in $(shuf -i 20000-60000 -n 50); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "no free port" >&2; exit 1; }

cleanup() {
	if [ -f "$tmp/redis.pid" ]; then kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true; fi
	sleep 0.2
	rm -rf "$tmp"
}
trap cleanup EXIT

redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save "" --appendonly no \
	--daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log" \
	--enable-debug-command yes
cli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 100); do
	[ "$(cli PING 2>/dev/null)" = PONG ] && break
	sleep 0.05
done

far=4102444800000 # 2100-01-01, a TTL that outlives the test data

# Upstream's encoding thresholds (Debian's build raises some), which our reader defaults to.
cli CONFIG SET hash-max-listpack-entries 128 hash-max-listpack-value 64 \
	zset-max-listpack-entries 128 zset-max-listpack-value 64 set-max-intset-entries 512 >/dev/null

# Strings: int, embstr, raw, an LZF-compressible one, binary, empty.
cli SET str:int 12345 >/dev/null
cli SET str:negint -9223372036854775808 >/dev/null
cli SET str:embstr hello >/dev/null
cli SET str:raw "$(printf 'r%.0s' $(seq 60))" >/dev/null
cli SET str:lzf "$(printf 'compress me %.0s' $(seq 40))" >/dev/null
printf '\x00\x01\xff\r\n"\\ end' | cli -x SET str:bin >/dev/null
cli SET str:empty "" >/dev/null
cli SET str:ttl v PXAT "$far" >/dev/null

# Lists (always quicklists in 7.0): one node, many nodes compressed with LZF, plain nodes.
cli CONFIG SET list-compress-depth 1 >/dev/null
cli RPUSH list:small a 1 -1 300 -70000 5000000000 "" x >/dev/null
args=()
for i in $(seq 1000); do args+=("element-$((i * 7919 % 10007))"); done
cli RPUSH list:large "${args[@]}" >/dev/null
cli DEBUG QUICKLIST-PACKED-THRESHOLD 100 >/dev/null
cli RPUSH list:plain small "$(printf 'P%.0s' $(seq 150))" tail >/dev/null
cli PEXPIREAT list:large "$far" >/dev/null

# Hashes: listpack, hashtable by count, hashtable by value length.
cli HSET hash:small a 1 b two "" empty n -123456789012 >/dev/null
args=()
for i in $(seq 200); do args+=("field$i" "value$((i * i))"); done
cli HSET hash:large "${args[@]}" >/dev/null
cli HSET hash:longval f "$(printf 'v%.0s' $(seq 100))" >/dev/null
cli PEXPIREAT hash:small "$far" >/dev/null

# Sets: intset, hashtable of strings, hashtable by count.
cli SADD set:ints 1 2 -3 100000 9223372036854775807 >/dev/null
cli SADD set:strs a b 007 "" >/dev/null
args=()
for i in $(seq 600); do args+=("$((i * 3))"); done
cli SADD set:bigints "${args[@]}" >/dev/null

# Sorted sets: listpack and skiplist.
cli ZADD zset:small 1 a 2.5 b -inf c inf d 0.1 e 1e300 f >/dev/null
args=()
for i in $(seq 200); do args+=("$((i % 37)).5" "member$i"); done
cli ZADD zset:large "${args[@]}" >/dev/null

# Streams: several nodes, tombstones, groups in every state, an empty stream with a group.
cli CONFIG SET stream-node-max-entries 5 >/dev/null
for i in $(seq 30); do
	if [ $((i % 6)) -eq 0 ]; then
		cli XADD stream:groups "$i-$((i % 3))" other "$(printf 'x%.0s' $(seq $((i * 3))))" >/dev/null
	else
		cli XADD stream:groups "$i-$((i % 3))" name "item$i" n $((i * i)) >/dev/null
	fi
done
cli XDEL stream:groups 3-0 4-1 5-2 20-2 >/dev/null
cli XGROUP CREATE stream:groups g1 0 >/dev/null
cli XGROUP CREATE stream:groups g2 '$' >/dev/null
cli XREADGROUP GROUP g1 alice COUNT 4 STREAMS stream:groups '>' >/dev/null
cli XREADGROUP GROUP g1 bob COUNT 3 STREAMS stream:groups '>' >/dev/null
cli XACK stream:groups g1 2-2 >/dev/null
cli XCLAIM stream:groups g1 carol 0 8-2 >/dev/null
cli XGROUP CREATECONSUMER stream:groups g1 dave >/dev/null
cli XGROUP CREATE stream:empty g '$' MKSTREAM >/dev/null

# More databases.
cli -n 1 SET db1:str one >/dev/null
cli -n 1 RPUSH db1:list a b c >/dev/null
cli -n 5 HSET db5:hash f v >/dev/null
cli -n 5 SET db5:ttl v PXAT "$far" >/dev/null
cli -n 15 SADD db15:set x y >/dev/null

cli FUNCTION LOAD "#!lua name=genlib
redis.register_function('genf', function(keys, args) return #keys end)" >/dev/null

cli SAVE >/dev/null
cp "$tmp/dump.rdb" "$here/redis-7.0-all-types.rdb"

read -r -d '' render <<'LUA' || true
local k = KEYS[1]
local out = {k}
local function add(v)
	if type(v) == 'table' then
		if v.ok then out[#out+1] = v.ok return end
		out[#out+1] = '['
		for i = 1, #v do add(v[i]) end
		out[#out+1] = ']'
	elseif type(v) == 'number' then
		out[#out+1] = string.format('%d', v)
	elseif v == false or v == nil then
		out[#out+1] = 'nil'
	else
		out[#out+1] = v
	end
end
local t = redis.call('TYPE', k).ok
add(t)
add(redis.call('OBJECT', 'ENCODING', k))
if redis.call('PTTL', k) > 0 then add('ttl') else add('persist') end
local function sorted(a)
	table.sort(a)
	for _, v in ipairs(a) do add(v) end
end
if t == 'string' then
	add(redis.call('GET', k))
elseif t == 'list' then
	for _, v in ipairs(redis.call('LRANGE', k, 0, -1)) do add(v) end
elseif t == 'set' then
	sorted(redis.call('SMEMBERS', k))
elseif t == 'hash' then
	local a = redis.call('HGETALL', k)
	local byField = {}
	local fields = {}
	for i = 1, #a, 2 do byField[a[i]] = a[i+1]; fields[#fields+1] = a[i] end
	table.sort(fields)
	for _, f in ipairs(fields) do add(f); add(byField[f]) end
elseif t == 'zset' then
	for _, v in ipairs(redis.call('ZRANGE', k, 0, -1, 'WITHSCORES')) do add(v) end
elseif t == 'stream' then
	add(redis.call('XINFO', 'STREAM', k, 'FULL', 'COUNT', 0))
end
return out
LUA

expected="$here/redis-7.0-all-types.expected"
{
	echo "# Generated by gen.sh from $(redis-server --version | cut -d' ' -f1-3); see gen.sh for the format."
	for db in $(cli INFO keyspace | sed -n 's/^db\([0-9]*\):.*/\1/p' | sort -n); do
		for key in $(cli -n "$db" --raw KEYS '*' | sort); do
			echo "$db $(cli -n "$db" --no-raw EVAL "$render" 1 "$key" | sed -E 's/^ *[0-9]+\) //' | paste -sd' ')"
		done
	done
	cli --no-raw FUNCTION LIST WITHCODE | grep -A1 '"library_code"' | tail -n1 | sed -E 's/^ *[0-9]+\) /function /'
} >"$expected"
echo "wrote $here/redis-7.0-all-types.rdb ($(wc -c <"$here/redis-7.0-all-types.rdb") bytes) and $expected"
