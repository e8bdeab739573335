#!/usr/bin/env bash
# Memory per element of one big hash, set and sorted set (1M fields/members each), Redoubt
# next to Debian's redis-server: RSS growth after loading the elements with redis-cli --pipe.
# Usage: bench/members_memory.sh [N]
set -euo pipefail
n=${1:-1000000}
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$(dirname "$0")/.."
go build -o "$tmp/redoubt" ./cmd/redoubt
for kind in hash set zset; do python3 bench/gen_members.py "$kind" "$n" >"$tmp/$kind.resp"; done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss() { echo $(( $(awk '{print $2}' "/proc/$1/statm") * $(getconf PAGESIZE) )); }
echo "| Type | Server | Encoding | RSS Δ / element (bytes) |"
echo "|---|---|---|--:|"
for kind in hash set zset; do
  for server in redoubt redis; do
    port=$(free_port)
    if [ "$server" = redoubt ]; then
      "$tmp/redoubt" --port "$port" --bind 127.0.0.1 --save '' --dir "$tmp" >/dev/null 2>&1 &
    else
      redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >/dev/null 2>&1 &
    fi
    pid=$!
    sleep 0.5
    before=$(rss "$pid")
    redis-cli -p "$port" --pipe <"$tmp/$kind.resp" >/dev/null
    sleep 2
    after=$(rss "$pid")
    enc=$(redis-cli -p "$port" OBJECT ENCODING "${kind:0:1}")
    echo "| $kind | $server | $enc | $(( (after - before) / n )) |"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
