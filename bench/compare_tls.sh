#!/usr/bin/env bash
# Runs redis-benchmark --tls against Redoubt and Debian's redis-server (both TLS-only, the same
# certificates from `redoubt gencert`), interleaved, and prints the median ratio per test.
# Usage: bench/compare_tls.sh [ROUNDS] [N]
set -euo pipefail
rounds=${1:-3}
n=${2:-100000}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$(dirname "$0")/.."
go build -o "$tmp/redoubt" ./cmd/redoubt
"$tmp/redoubt" gencert --dir "$tmp/tls" --client bench >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tlsargs=(--tls-cert-file "$tmp/tls/server.crt" --tls-key-file "$tmp/tls/server.key" --tls-ca-cert-file "$tmp/tls/ca.crt")
p1=$(free_port); "$tmp/redoubt" --port 0 --bind 127.0.0.1 --tls-port "$p1" "${tlsargs[@]}" >"$tmp/redoubt.log" 2>&1 & pids+=($!)
p2=$(free_port); redis-server --port 0 --bind 127.0.0.1 --tls-port "$p2" "${tlsargs[@]}" --save '' --appendonly no >"$tmp/redis.log" 2>&1 & pids+=($!)
sleep 1
bench() { redis-benchmark --tls --cacert "$tmp/tls/ca.crt" --cert "$tmp/tls/bench.crt" --key "$tmp/tls/bench.key" \
  -h 127.0.0.1 -p "$1" -t set,get -n "$n" -c 50 --csv | tail -n +2 | tr -d '"' | cut -d, -f1,2; }
for _ in $(seq "$rounds"); do
  bench "$p1" | sed 's/^/redoubt,/' >>"$tmp/res"
  bench "$p2" | sed 's/^/redis,/' >>"$tmp/res"
done
echo "| Test | Redoubt ops/s (median) | Redis ops/s (median) | Ratio |"
echo "|---|--:|--:|--:|"
for t in SET GET; do
  med() { grep "^$1,$t," "$tmp/res" | cut -d, -f3 | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
  a=$(med redoubt); b=$(med redis)
  awk -v t="$t" -v a="$a" -v b="$b" 'BEGIN { printf "| %s | %.0f | %.0f | %.2f |\n", t, a, b, a / b }'
done
