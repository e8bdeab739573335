#!/usr/bin/env bash
# bench/persistence.sh — durability costs, Redoubt vs Redis 7.0 in the same run:
#   1. SET throughput with appendonly yes + appendfsync always at 1 and at 50 clients
#      (group commit: concurrent clients share an fsync, so 50 clients should go much faster
#      than 1 while every reply still waits for its fsync);
#   2. GET latency (p50/p99/max) while a BGSAVE of KEYS keys runs, against the same GET run
#      without a save (Redis pays for fork and copy-on-write pages; Redoubt for its walk).
# Usage: bench/persistence.sh [--keys N] [--rounds R] [--bin PATH] [--only aof|bgsave] > results.md
set -euo pipefail
KEYS=1000000
ROUNDS=3
BIN=""
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
if [ -z "$BIN" ]; then BIN=$WORK/redoubt; go build -o "$BIN" ./cmd/redoubt; fi

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # name dir args...
  local name=$1 dir=$2; shift 2
  local p; p=$(port)
  mkdir -p "$dir"
  if [ "$name" = redoubt ]; then "$BIN" --port "$p" --bind 127.0.0.1 --dir "$dir" "$@" >"$dir/log" 2>&1 &
  else redis-server --port "$p" --bind 127.0.0.1 --dir "$dir" --daemonize no "$@" >"$dir/log" 2>&1 & fi
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.05; done
  echo "$p $!"
}
stop() { redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true; wait "$2" 2>/dev/null || true; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { # csv-line column-index
  echo "$1" | tr -d '"' | cut -d, -f"$2"; }

echo "# Persistence benchmark ($(date -u +%FT%TZ), $(nproc) cores, keys=$KEYS, rounds=$ROUNDS)"
echo
if [ "$ONLY" != bgsave ]; then
echo "## SET with appendonly yes, appendfsync always (ops/s, median of $ROUNDS)"
echo
echo "| clients | Redoubt | Redis | ratio |"
echo "|---|---|---|---|"
for c in 1 50; do
  n=$(( c == 1 ? 5000 : 50000 ))
  declare -a rd=() rs=()
  for r in $(seq "$ROUNDS"); do
    for name in redoubt redis; do
      read -r p pid < <(start $name "$WORK/aof-$name-$c-$r" --appendonly yes --appendfsync always --save "")
      line=$(redis-benchmark -p "$p" -t set -n $n -c $c -r 100000 --csv | grep '"SET"')
      stop "$p" "$pid"
      v=$(field "$line" 2)
      if [ $name = redoubt ]; then rd+=("$v"); else rs+=("$v"); fi
      echo "aof always c=$c round $r $name: $v" >&2
    done
  done
  a=$(printf '%s\n' "${rd[@]}" | median); b=$(printf '%s\n' "${rs[@]}" | median)
  echo "| $c | $a | $b | $(python3 -c "print(f'{$a/$b:.2f}')") |"
done
fi
[ "$ONLY" = aof ] && exit 0

echo
echo "## GET latency during BGSAVE of $KEYS keys (ms; -c 50, 300000 GETs, median of $ROUNDS)"
echo
python3 - "$KEYS" > "$WORK/load.resp" <<'PY'
import sys
n=int(sys.argv[1]); out=sys.stdout.buffer
for i in range(n):
    k=b"key:%d" % i; v=b"value-%010d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k),k,len(v),v))
PY
echo "| server | run | p50 | p99 | max | ops/s |"
echo "|---|---|---|---|---|---|"
for name in redoubt redis; do
  read -r p pid < <(start $name "$WORK/bg-$name" --save "" --appendonly no)
  redis-cli -p "$p" --pipe < "$WORK/load.resp" >/dev/null
  for run in quiet bgsave; do
    declare -a p50=() p99=() mx=() rps=()
    for r in $(seq "$ROUNDS"); do
      if [ $run = bgsave ]; then
        (sleep 0.3; redis-cli -p "$p" bgsave >/dev/null) &
      fi
      line=$(redis-benchmark -p "$p" -t get -n 300000 -c 50 -r "$KEYS" --csv | grep '"GET"')
      wait $(jobs -p | grep -v "^$pid\$") 2>/dev/null || true
      while redis-cli -p "$p" info persistence | grep -q 'rdb_bgsave_in_progress:1'; do sleep 0.1; done
      rps+=("$(field "$line" 2)"); p50+=("$(field "$line" 5)"); p99+=("$(field "$line" 7)"); mx+=("$(field "$line" 8)")
      echo "$name $run round $r: $line" >&2
    done
    echo "| $name | $run | $(printf '%s\n' "${p50[@]}" | median) | $(printf '%s\n' "${p99[@]}" | median) | $(printf '%s\n' "${mx[@]}" | median) | $(printf '%s\n' "${rps[@]}" | median) |"
  done
  stop "$p" "$pid"
done
