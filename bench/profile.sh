#!/usr/bin/env bash
# bench/profile.sh — CPU profile of Redoubt under one redis-benchmark load.
#
# Usage: bench/profile.sh [options]
#
#   -c CLIENTS        redis-benchmark -c (default 50)
#   -P PIPELINE       redis-benchmark -P (default 16)
#   -t TESTS          redis-benchmark -t (default get,set)
#   -n N              requests per test (default 2000000 pipelined, 400000 otherwise)
#   --tool pprof|perf pprof: the binary's REDOUBT_CPUPROFILE hook (Go frames only, default);
#                     perf:  perf record -g on the process (includes kernel time)
#   --bin PATH        profile this binary instead of building ./cmd/redoubt
#   --out DIR         where the profile and reports go (default: a new temp dir, kept)
#   --top N           lines of the flat and cumulative reports (default 35)
#
# Prints the flat (self) and cumulative top lists. Open the profile interactively with
#   go tool pprof -http=127.0.0.1:0 BIN DIR/cpu.pprof      (or: perf report -i DIR/perf.data)
set -euo pipefail

C=50 P=16 TESTS="get,set" N="" TOOL=pprof BIN="" OUT="" TOP=35
die() { echo "profile.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
while (($#)); do
	case "$1" in
	-c) C="${2:?}"; shift ;;
	-P) P="${2:?}"; shift ;;
	-t) TESTS="${2:?}"; shift ;;
	-n) N="${2:?}"; shift ;;
	--tool) TOOL="${2:?}"; shift ;;
	--bin) BIN="${2:?}"; shift ;;
	--out) OUT="${2:?}"; shift ;;
	--top) TOP="${2:?}"; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1 (try --help)" ;;
	esac
	shift
done
[[ -n $N ]] || if ((P > 1)); then N=2000000; else N=400000; fi
[[ $TOOL == pprof || $TOOL == perf ]] || die "--tool must be pprof or perf"
[[ $TOOL == perf ]] && { command -v perf >/dev/null || die "perf not found (apt-get install -y linux-perf)"; }

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/redoubt-profile.XXXXXX")}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $PID ]]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z $BIN ]]; then
	log "building Redoubt"
	(cd "$REPO" && go build -o "$OUT/redoubt" ./cmd/redoubt) || die "go build failed"
	BIN="$OUT/redoubt"
fi

port_in_use() { # a listener or any socket bound to the port (ss), else a connect probe
	if command -v ss >/dev/null; then
		[[ -n $(ss -Htan "( sport = :$1 )" 2>/dev/null) ]]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}
# a port below the ephemeral range, where client sockets cannot be holding it
EPHEMERAL_LO=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
if ((EPHEMERAL_LO > 12000)); then PORT_LO=10000 PORT_SPAN=$((EPHEMERAL_LO - 10000)); else PORT_LO=61000 PORT_SPAN=4000; fi
for _ in $(seq 200); do
	PORT=$((PORT_LO + RANDOM % PORT_SPAN))
	[[ $PORT != 6379 ]] && ! port_in_use "$PORT" && break
done

PROFILE="$OUT/cpu.pprof"
rm -f "$PROFILE"
(cd "$OUT" && REDOUBT_CPUPROFILE="$PROFILE" exec "$BIN" --port "$PORT" --bind 127.0.0.1 --save "") >"$OUT/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do
	grep -q "Ready to accept connections" "$OUT/server.log" && break
	kill -0 "$PID" 2>/dev/null || { cat "$OUT/server.log" >&2; die "Redoubt exited"; }
	sleep 0.1
done
log "Redoubt pid $PID on 127.0.0.1:$PORT; load: -t $TESTS -c $C -P $P -n $N"

PERF_PID=""
if [[ $TOOL == perf ]]; then
	perf record -F 999 -g -p "$PID" -o "$OUT/perf.data" 2>"$OUT/perf.log" &
	PERF_PID=$!
	sleep 0.5
fi
redis-benchmark -h 127.0.0.1 -p "$PORT" -t "$TESTS" -n "$N" -c "$C" -P "$P" --csv | tee "$OUT/bench.csv" >&2
if [[ -n $PERF_PID ]]; then
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
fi
kill "$PID"
wait "$PID" || true
PID=""

if [[ $TOOL == pprof ]]; then
	[[ -s $PROFILE ]] || die "no profile written: this binary lacks the REDOUBT_CPUPROFILE hook (cmd/redoubt/main.go); use --tool perf"
	echo "## flat (self time)"
	go tool pprof -top -nodecount="$TOP" "$BIN" "$PROFILE" 2>/dev/null | tee "$OUT/top-flat.txt"
	echo
	echo "## cumulative"
	go tool pprof -top -cum -nodecount="$TOP" "$BIN" "$PROFILE" 2>/dev/null | tee "$OUT/top-cum.txt"
else
	echo "## flat (self time, user + kernel)"
	perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
		grep -E '^ +[0-9]' | head -n "$TOP" | tee "$OUT/top-flat.txt"
	echo
	echo "## cumulative (children included)"
	perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -n "$TOP" | tee "$OUT/top-cum.txt"
fi
log "profile and reports in $OUT"
