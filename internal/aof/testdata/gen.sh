#!/bin/sh
# Regenerates the Redis 7.0 multi-part AOF layouts the interop test loads: for
# aof-use-rdb-preamble yes and no, Debian's redis-server runs with appendonly yes (and
# timestamps) in a temp dir, gets commands of every type, a BGREWRITEAOF in the middle and
# more commands after it, and its appendonlydir is copied here as redis7-preamble-<yes|no>.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
command -v redis-server >/dev/null || { echo "redis-server not found" >&2; exit 1; }

for preamble in yes no; do
	tmp=$(mktemp -d)
	sock="$tmp/redis.sock"
	redis-server --port 0 --unixsocket "$sock" --save "" --dir "$tmp" \
		--appendonly yes --aof-use-rdb-preamble "$preamble" --aof-timestamp-enabled yes \
		--daemonize no --logfile "$tmp/log" &
	pid=$!
	cli() { redis-cli -s "$sock" "$@" >/dev/null; }
	for _ in $(seq 50); do redis-cli -s "$sock" ping >/dev/null 2>&1 && break; sleep 0.1; done

	cli SET s hello
	cli APPEND s " world"
	cli SET n 41
	cli INCR n
	cli SET ttl v PXAT 4102444800000
	cli RPUSH l a b c
	cli LPUSH l z
	cli RPUSH big $(seq 1 100)
	cli SADD si 3 1 2
	cli SADD ss x
	cli ZADD z 1 a 2.5 b
	cli HSET h f v f2 v2
	cli -n 2 SET indb2 1
	printf 'MULTI\nINCR n\nSET m 1\nEXEC\n' | redis-cli -s "$sock" >/dev/null
	cli XADD st 1-1 f v
	cli XADD st 2-1 g w h x
	cli XADD st 3-1 gone 1
	cli XDEL st 3-1
	cli XGROUP CREATE st grp 0
	cli XREADGROUP GROUP grp alice COUNT 1 STREAMS st ">"
	cli XGROUP CREATECONSUMER st grp bob
	cli XGROUP CREATE st later '$'

	cli BGREWRITEAOF
	for _ in $(seq 100); do
		redis-cli -s "$sock" INFO persistence | grep -q 'aof_rewrite_in_progress:0' && \
			redis-cli -s "$sock" INFO persistence | grep -q 'aof_rewrite_scheduled:0' && break
		sleep 0.1
	done

	cli SET after 1
	cli DEL s
	cli -n 3 LPUSH l3 x

	cli SHUTDOWN || true
	wait "$pid" || true
	rm -rf "$here/redis7-preamble-$preamble"
	cp -r "$tmp/appendonlydir" "$here/redis7-preamble-$preamble"
	rm -rf "$tmp"
done
