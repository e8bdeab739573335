#!/usr/bin/env bash
# bench/compare.sh — Redoubt vs Redis 7.0 with redis-benchmark, interleaved rounds,
# medians, Markdown output. See docs/PERFORMANCE.md for how to read the results.
#
# Usage: bench/compare.sh [options] > results.md     (progress goes to stderr)
#
#   --quick            fast sanity run: N=20000 (P=1) / 100000 (pipelined), 1 round,
#                      100000 keys for the memory test
#   --rounds R         interleaved rounds (default 3)
#   --n-p1 N           requests per test for non-pipelined rows (default 200000)
#   --n-pipe N         requests per test for pipelined rows (default 1000000)
#   --rows LIST        rows as CLIENTSxPIPELINE, comma-separated (default 50x1,50x16,1000x1)
#   --tests LIST       redis-benchmark -t list (default set,get,incr,mset)
#   --no-memory        skip the memory (bytes per key) section
#   --memory-only      run only the memory section
#   --keys K           keys loaded by the memory test (default 1000000)
#   --bin PATH         use this Redoubt binary instead of building ./cmd/redoubt
#   --redis PATH       redis-server to compare against (default: redis-server on PATH)
#   --raw-dir DIR      keep the raw CSV output, server logs and results (TSV) in DIR
#   --report DIR       run nothing: print the report again from a --raw-dir of an earlier run
#   --redoubt-env V=X  environment for the Redoubt process (repeatable), e.g. GOGC=400
#   --wait-quiet S     before each run, wait up to S seconds for the machine to be idle
#                      (< 15% CPU busy over 0.5 s, servers idle); default 0 = don't wait
#
# Nothing is pinned with taskset: Redoubt runs one goroutine per connection on all cores
# (GOMAXPROCS = nproc), Redis runs its single main thread, and redis-benchmark shares the
# same cores with both. Each test runs as its own redis-benchmark invocation, against Redoubt
# and then Redis, round after round (Redoubt, Redis, Redoubt, Redis, ...), so drift of the
# machine hits both servers alike; every number reported is the median over the rounds.
set -euo pipefail

ROUNDS=3
N_P1=200000
N_PIPE=1000000
ROWS="50x1,50x16,1000x1"
TESTS="set,get,incr,mset"
MEMORY=1
BENCH=1
KEYS=1000000
BIN=""
REDIS_SERVER="$(command -v redis-server || true)"
RAW_DIR=""
REPORT_DIR=""
QUICK=0
RUN_TIMEOUT=300 # seconds, per redis-benchmark invocation (a hang guard)
WAIT_QUIET=0
REDOUBT_ENV=()
QUIET_PCT=15

ORIG_ARGS=("$@")
die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

while (($#)); do
	case "$1" in
	--quick) QUICK=1 ;;
	--rounds) ROUNDS="${2:?}"; shift ;;
	--n-p1) N_P1="${2:?}"; shift ;;
	--n-pipe) N_PIPE="${2:?}"; shift ;;
	--rows) ROWS="${2:?}"; shift ;;
	--tests) TESTS="${2:?}"; shift ;;
	--no-memory) MEMORY=0 ;;
	--memory-only) BENCH=0; MEMORY=1 ;;
	--memory) MEMORY=1 ;;
	--keys) KEYS="${2:?}"; shift ;;
	--bin) BIN="${2:?}"; shift ;;
	--redis) REDIS_SERVER="${2:?}"; shift ;;
	--raw-dir) RAW_DIR="${2:?}"; shift ;;
	--report) REPORT_DIR="${2:?}"; shift ;;
	--wait-quiet) WAIT_QUIET="${2:?}"; shift ;;
	--redoubt-env)
		[[ ${2:-} == *=* ]] || die "--redoubt-env wants VAR=VALUE"
		REDOUBT_ENV+=("$2"); shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option: $1 (try --help)" ;;
	esac
	shift
done
if ((QUICK)); then
	ROUNDS=1 N_P1=20000 N_PIPE=100000 KEYS=100000
fi
[[ $WAIT_QUIET =~ ^[0-9]+$ ]] || die "--wait-quiet wants whole seconds"
for v in ROUNDS N_P1 N_PIPE KEYS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done

for tool in redis-benchmark redis-cli awk sort timeout; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y redis-tools)"
done
[[ -x $REDIS_SERVER ]] || die "redis-server not found (apt-get install -y redis-server)"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/redoubt-bench.XXXXXX")"
PIDS=()

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $RAW_DIR ]]; then
		mkdir -p "$RAW_DIR"
		cp -r "$TMP"/. "$RAW_DIR"/ 2>/dev/null || true
		rm -f "$RAW_DIR/redoubt" "$RAW_DIR/keys.resp"
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- servers

port_in_use() { # a listener or any socket bound to the port (ss), else a connect probe
	if command -v ss >/dev/null; then
		[[ -n $(ss -Htan "( sport = :$1 )" 2>/dev/null) ]]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# Ports are drawn below the kernel's ephemeral range, so that no client socket (which binds
# there without listening) can already hold the port we pick.
EPHEMERAL_LO=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
if ((EPHEMERAL_LO > 12000)); then PORT_LO=10000 PORT_SPAN=$((EPHEMERAL_LO - 10000)); else PORT_LO=61000 PORT_SPAN=4000; fi
pick_port() {
	local p _
	for _ in $(seq 200); do
		p=$((PORT_LO + RANDOM % PORT_SPAN))
		[[ $p == 6379 ]] && continue
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	die "no free loopback port found"
}

# start_server NAME -> sets the globals <NAME>_PID and <NAME>_PORT
start_server() {
	local name=$1 attempt port pid logf i
	for attempt in 1 2 3; do
		port=$(pick_port)
		logf="$TMP/$name.$port.log"
		case "$name" in
		redoubt) (cd "$TMP" && exec env "${REDOUBT_ENV[@]}" "$BIN" --port "$port" --bind 127.0.0.1 --save "") >"$logf" 2>&1 &
			;;
		redis) (cd "$TMP" && exec "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save '' \
			--appendonly no --daemonize no --dir "$TMP") >"$logf" 2>&1 &
			;;
		esac
		pid=$!
		PIDS+=("$pid")
		for i in $(seq 100); do
			if grep -q "Ready to accept connections" "$logf" 2>/dev/null &&
				redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null | grep -q PONG; then
				printf -v "${name^^}_PID" '%s' "$pid"
				printf -v "${name^^}_PORT" '%s' "$port"
				log "$name ready on 127.0.0.1:$port (pid $pid)"
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			((i == 100)) && log "$name: not ready after 10 s"
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		log "$name failed to start on port $port (attempt $attempt); log tail:"
		tail -n 5 "$logf" >&2 || true
	done
	die "could not start $name"
}

stop_server() {
	local pid=$1 p keep=()
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for p in "${PIDS[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# running and not a zombie (a dead child stays signalable until it is waited for)
running() { [[ -r /proc/$1/stat && $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]; }

alive() {
	local name=$1 pid=$2
	running "$pid" && return 0
	log "$name (pid $pid) died; log tail:"
	tail -n 20 "$TMP/$name".*.log >&2 || true
	die "$name died during the benchmark"
}

rss_bytes() { awk -v ps="$(getconf PAGESIZE)" '{ print $2 * ps }' "/proc/$1/statm"; }

info_field() { # info_field PORT FIELD
	redis-cli -h 127.0.0.1 -p "$1" INFO memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}

# ---------------------------------------------------------------- build

if [[ -n $REPORT_DIR ]]; then
	[[ -s $REPORT_DIR/results.tsv || -s $REPORT_DIR/memory.tsv ]] || die "no results.tsv or memory.tsv in $REPORT_DIR"
	BENCH=0 MEMORY=0 BIN=/bin/true
elif [[ -z $BIN ]]; then
	command -v go >/dev/null || die "go not found; pass --bin PATH"
	log "building Redoubt ($(cd "$REPO" && go version))"
	(cd "$REPO" && go build -o "$TMP/redoubt" ./cmd/redoubt) || die "go build failed"
	BIN="$TMP/redoubt"
fi
[[ -x $BIN ]] || die "not executable: $BIN"

REV="$(cd "$REPO" && git describe --always --dirty 2>/dev/null || echo unknown)"
START_EPOCH=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- throughput

# One redis-benchmark invocation per (row, test, server, round). The loop runs, for each row
# and round, each test against Redoubt and then against Redis, so the two runs compared are
# seconds apart and drift of the machine hits both alike.
RESULTS="$TMP/results.tsv" # row test server round rps avg p50 p95 p99 wall_s server_cores bench_cores other_pct cpu_us_per_op
: >"$RESULTS"

# median of the numbers on stdin (mean of the two middle ones for an even count)
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# CPU accounting around each run, to tell a clean run from one disturbed by other work on
# the machine: jiffies busy/total from /proc/stat, the server's utime+stime, and
# redis-benchmark's via the shell's `times` (children that were waited for).
CLK_TCK=$(getconf CLK_TCK)
SNAP=""
cpu_snapshot() { # cpu_snapshot PID -> SNAP="busy total server_ticks bench_ticks epoch_ns"
	# not called as $(...): `times` must see this shell's children, not a subshell's
	local busy_total server bench
	busy_total=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit }' /proc/stat)
	# fields after the ")" that ends comm: state is $1 there, utime $12, stime $13
	server=$(sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }')
	times >"$TMP/times.out"
	bench=$(awk -v hz="$CLK_TCK" 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) {
		split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%.0f", n * hz }' "$TMP/times.out")
	SNAP="$busy_total $server $bench $(date +%s%N)"
}

busy_pct() { # CPU busy over the next half second, % of the whole machine
	local a b
	a=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit }' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit }' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		t = y[2] - x[2]; printf "%.0f", (t > 0 ? (y[1] - x[1]) / t * 100 : 0) }'
}

wait_quiet() {
	((WAIT_QUIET > 0)) || return 0
	local deadline=$((SECONDS + WAIT_QUIET)) busy
	while :; do
		busy=$(busy_pct)
		((busy < QUIET_PCT)) && return 0
		if ((SECONDS >= deadline)); then
			log "    machine still ${busy}% busy after ${WAIT_QUIET}s; running anyway"
			return 0
		fi
	done
}

run_bench() { # run_bench NAME PORT CLIENTS PIPELINE N ROUND TEST
	local name=$1 port=$2 c=$3 p=$4 n=$5 round=$6 test=$7 row="c${3}_P${4}" csv pid_var before after
	pid_var="${name^^}_PID"
	csv="$TMP/raw.$row.$test.$name.r$round.csv"
	redis-cli -h 127.0.0.1 -p "$port" FLUSHALL >/dev/null
	wait_quiet
	cpu_snapshot "${!pid_var}"
	before=$SNAP
	# In the background, watched: redis-benchmark waits forever on a server that died mid-run,
	# and a crash should end the script at once, not after RUN_TIMEOUT.
	timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" \
		-n "$n" -c "$c" -P "$p" --csv >"$csv" 2>"$csv.err" &
	local bpid=$! rc=0
	PIDS=("$bpid" "${PIDS[@]}")
	while running "$bpid"; do
		if ! running "${!pid_var}"; then
			kill "$bpid" 2>/dev/null || true
			break
		fi
		sleep 0.25
	done
	wait "$bpid" || rc=$?
	PIDS=("${PIDS[@]:1}")
	if ! running "${!pid_var}"; then
		cat "$csv.err" >&2
		alive "$name" "${!pid_var}"
	fi
	if ((rc != 0)); then
		cat "$csv.err" >&2
		die "redis-benchmark failed against $name ($row $test round $round), exit $rc"
	fi
	cpu_snapshot "${!pid_var}"
	after=$SNAP
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
	head -n 1 "$csv" | grep -q '^"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"' ||
		die "unexpected redis-benchmark CSV header in $csv: $(head -n 1 "$csv")"
	tail -n +2 "$csv" | tr -d '"' | awk -F, -v OFS='\t' -v row="$row" -v s="$name" -v r="$round" \
		-v b="$before" -v a="$after" -v hz="$CLK_TCK" -v n="$n" 'NF >= 8 {
		split(b, x, " "); split(a, y, " ")
		busy = y[1] - x[1]; total = y[2] - x[2]; srv = y[3] - x[3]; bench = y[4] - x[4]
		wall = (y[5] - x[5]) / 1e9; if (wall <= 0) wall = 1e-9; if (total <= 0) total = 1
		other = (busy - srv - bench) / total * 100; if (other < 0) other = 0
		print row, $1, s, r, $2, $3, $5, $6, $7, sprintf("%.2f", wall), sprintf("%.2f", srv / hz / wall),
			sprintf("%.2f", bench / hz / wall), sprintf("%.0f", other), sprintf("%.2f", srv / hz * 1e6 / n) }' >>"$RESULTS"
	[[ -n $(tail -n +2 "$csv") ]] || die "redis-benchmark printed no result for $name ($row $test round $round)"
}

if ((BENCH)); then
	start_server redoubt
	start_server redis
	log "warm-up (not measured)"
	for name in redoubt redis; do
		port_var="${name^^}_PORT"
		redis-benchmark -h 127.0.0.1 -p "${!port_var}" -t "$TESTS" -n 20000 -c 50 -P 16 --csv >/dev/null 2>&1 || true
	done
	IFS=, read -r -a row_list <<<"$ROWS"
	IFS=, read -r -a test_list <<<"$TESTS"
	for spec in "${row_list[@]}"; do
		[[ $spec =~ ^([0-9]+)x([0-9]+)$ ]] || die "bad row '$spec' (want CLIENTSxPIPELINE)"
	done
	for spec in "${row_list[@]}"; do
		[[ $spec =~ ^([0-9]+)x([0-9]+)$ ]]
		c=${BASH_REMATCH[1]} p=${BASH_REMATCH[2]}
		if ((p > 1)); then n=$N_PIPE; else n=$N_P1; fi
		for ((round = 1; round <= ROUNDS; round++)); do
			log "-c $c -P $p -n $n, round $round/$ROUNDS: ${test_list[*]}"
			for test in "${test_list[@]}"; do
				run_bench redoubt "$REDOUBT_PORT" "$c" "$p" "$n" "$round" "$test"
				alive redoubt "$REDOUBT_PID"
				run_bench redis "$REDIS_PORT" "$c" "$p" "$n" "$round" "$test"
				alive redis "$REDIS_PID"
			done
		done
	done
	stop_server "$REDOUBT_PID"
	stop_server "$REDIS_PID"
fi

# ---------------------------------------------------------------- memory

MEMRESULTS="$TMP/memory.tsv" # server rss0 rss1 dbsize used0 used1 rsspeak
: >"$MEMRESULTS"

if ((MEMORY)); then
	log "generating $KEYS SET commands (RESP, 16-byte values)"
	# SET key:<n> v<15 digits>: the value is 16 bytes and not an integer, so Redis keeps it
	# as a string (embstr), not as a shared/int-encoded object.
	awk -v n="$KEYS" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = "key:" i; v = sprintf("v%015d", i)
			printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n", length(k), k, v
		}
	}' >"$TMP/keys.resp"
	for name in redoubt redis; do
		start_server "$name" # a fresh process: no heap left over from the throughput runs
		pid_var="${name^^}_PID" port_var="${name^^}_PORT"
		pid=${!pid_var} port=${!port_var}
		redis-cli -h 127.0.0.1 -p "$port" FLUSHALL >/dev/null
		sleep 1
		rss0=$(rss_bytes "$pid") used0=$(info_field "$port" used_memory)
		log "memory: loading $KEYS keys into $name"
		out=$(timeout --foreground "$RUN_TIMEOUT" redis-cli -h 127.0.0.1 -p "$port" --pipe <"$TMP/keys.resp" 2>&1) ||
			die "redis-cli --pipe failed against $name: $out"
		grep -q "errors: 0," <<<"$out" || die "redis-cli --pipe reported errors against $name: $out"
		sleep 2 # let the process settle (a Go GC cycle, jemalloc purge)
		rss1=$(rss_bytes "$pid") used1=$(info_field "$port" used_memory)
		peak=$(awk '/^VmHWM:/ { print $2 * 1024 }' "/proc/$pid/status")
		dbsize=$(redis-cli -h 127.0.0.1 -p "$port" DBSIZE | tr -d '\r')
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rss0" "$rss1" "$dbsize" "${used0:-}" "${used1:-}" "$peak" >>"$MEMRESULTS"
		alive "$name" "$pid"
		stop_server "$pid"
	done
fi

# ---------------------------------------------------------------- report

ELAPSED=$(($(date +%s) - START_EPOCH))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
MEMRESULTS="$TMP/memory.tsv"
if [[ -n $REPORT_DIR ]]; then
	RESULTS="$REPORT_DIR/results.tsv" MEMRESULTS="$REPORT_DIR/memory.tsv"
	[[ -s $RESULTS ]] && BENCH=1
	[[ -s $MEMRESULTS ]] && MEMORY=1
	if [[ -f $REPORT_DIR/meta.md ]]; then cat "$REPORT_DIR/meta.md"; else echo "## Redoubt vs Redis"; echo; fi
else
	cmdline="bench/compare.sh"
	((${#ORIG_ARGS[@]})) && cmdline+=" ${ORIG_ARGS[*]}"
	{
		echo "## Redoubt vs Redis"
		echo
		echo "- command: \`$cmdline\`"
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- Redoubt: \`$REV\`, $(go version 2>/dev/null || echo 'go: n/a')"
		((${#REDOUBT_ENV[@]})) && echo "- Redoubt environment: \`${REDOUBT_ENV[*]}\`"
		echo "- Redis: $("$REDIS_SERVER" --version)"
		echo "- machine: nproc=$(nproc), $(uname -sr), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
		((BENCH)) && echo "- rounds: $ROUNDS interleaved; requests per test: $N_P1 (P=1), $N_PIPE (pipelined)"
		echo "- wall time ${ELAPSED}s; load average (1/5/15 min) $LOAD_START at start, $LOAD_END at end"
		echo
	} >"$TMP/meta.md"
	cat "$TMP/meta.md"
fi

if ((BENCH)); then
	# rows and tests in the order they were run; col SERVER FIELD# -> median over the rounds
	pairs=$(awk -F'\t' '!seen[$1 FS $2]++ { print $1 "\t" $2 }' "$RESULTS")
	col() {
		awk -F'\t' -v r="$row" -v t="$test" -v s="$1" -v f="$2" '$1 == r && $2 == t && $3 == s { print $f }' "$RESULTS" | median
	}
	cfg_of() { local c=${1#c}; echo "-c ${c%%_P*} -P ${1##*_P}"; }

	echo "| Config | Test | Redoubt ops/s | Redis ops/s | Ratio | Round ratios | Target | Meets | Redoubt p50 ms | Redis p50 ms | Redoubt p99 ms | Redis p99 ms |"
	echo "|---|---|--:|--:|--:|---|--:|:-:|--:|--:|--:|--:|"
	met=0 total=0
	while IFS=$'\t' read -r row test; do
		rd=$(col redoubt 5) rs=$(col redis 5)
		rd50=$(col redoubt 7) rs50=$(col redis 7) rd99=$(col redoubt 9) rs99=$(col redis 9)
		rounds=$(awk -F'\t' -v r="$row" -v t="$test" '$1 == r && $2 == t { v[$3, $4] = $5; n[$4] = 1 }
			END { for (i = 1; (i in n); i++) printf "%s%.2f", (i > 1 ? " / " : ""), v["redoubt", i] / v["redis", i] }' "$RESULTS")
		if ((${row##*_P} > 1)); then target=1.0; else target=0.9; fi
		awk -v cfg="$(cfg_of "$row")" -v t="$test" -v rd="$rd" -v rs="$rs" -v rr="$rounds" -v tg="$target" \
			-v a="$rd50" -v b="$rs50" -v c="$rd99" -v d="$rs99" 'BEGIN {
			ratio = (rs > 0) ? rd / rs : 0
			printf "| `%s` | %s | %.0f | %.0f | %.3f | %s | %s | %s | %.3f | %.3f | %.3f | %.3f |\n",
				cfg, t, rd, rs, ratio, rr, "≥ " tg, (ratio >= tg ? "yes" : "**no**"), a, b, c, d }'
		total=$((total + 1))
		if awk -v rd="$rd" -v rs="$rs" -v tg="$target" 'BEGIN { exit !(rs > 0 && rd / rs >= tg) }'; then
			met=$((met + 1))
		fi
	done <<<"$pairs"
	echo
	echo "$met of $total rows meet the target (Ratio ≥ 0.9 without pipelining, ≥ 1.0 pipelined)."
	echo "Ops/s and latencies are medians over the rounds; Ratio = median Redoubt ops/s ÷ median Redis"
	echo "ops/s; Round ratios are Redoubt ÷ Redis within each round (their spread shows the noise)."
	echo
	echo "#### Run conditions"
	echo
	echo "CPU time of the server per operation, and cores it used during the run (1.00 = one core busy"
	echo "for the whole run; the machine has $(nproc)), medians over the rounds. *Other %* is the share of the"
	echo "machine's CPU taken by processes other than the server and redis-benchmark (median / worst"
	echo "run of the pair): a high value means the rounds were disturbed and the ratio is less certain."
	echo
	echo "| Config | Test | Redoubt CPU µs/op | Redis CPU µs/op | Redoubt cores | Redis cores | Other % (median / max) |"
	echo "|---|---|--:|--:|--:|--:|--:|"
	while IFS=$'\t' read -r row test; do
		other=$(awk -F'\t' -v r="$row" -v t="$test" '$1 == r && $2 == t { print $13 }' "$RESULTS" | median)
		other_max=$(awk -F'\t' -v r="$row" -v t="$test" '$1 == r && $2 == t && $13 > m { m = $13 } END { print m + 0 }' "$RESULTS")
		printf "| \`%s\` | %s | %s | %s | %s | %s | %.0f / %.0f |\n" "$(cfg_of "$row")" "$test" \
			"$(col redoubt 14)" "$(col redis 14)" "$(col redoubt 11)" "$(col redis 11)" "$other" "$other_max"
	done <<<"$pairs"
	echo
fi

if ((MEMORY)); then
	echo "### Memory: $(awk -F'\t' 'NR == 1 { print $4 }' "$MEMRESULTS") × \`SET key:<n> <16-byte value>\` via \`redis-cli --pipe\`"
	echo
	echo "| Server | RSS before | RSS after | DBSIZE | RSS Δ / key (bytes) | used_memory Δ / key (bytes) | peak RSS |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
	while IFS=$'\t' read -r name rss0 rss1 dbsize used0 used1 peak; do
		awk -v n="$name" -v a="$rss0" -v b="$rss1" -v k="$dbsize" -v u0="$used0" -v u1="$used1" -v pk="$peak" 'BEGIN {
			um = (u0 != "" && u1 != "" && k > 0) ? sprintf("%.1f", (u1 - u0) / k) : "n/a"
			printf "| %s | %.1f MiB | %.1f MiB | %d | %.1f | %s | %.1f MiB |\n",
				n, a / 1048576, b / 1048576, k, (k > 0 ? (b - a) / k : 0), um, pk / 1048576 }'
	done <"$MEMRESULTS"
	echo
	echo "RSS from /proc/PID/statm on a fresh process, 2 s after the load; used_memory from INFO memory"
	echo "(Redis: allocator bytes in use; Redoubt: Go HeapAlloc, which includes garbage not yet collected)."
fi
[[ -n $REPORT_DIR ]] || log "done in ${ELAPSED}s"
