#!/usr/bin/env bash
# Session validate, before/after: hello-world, a baseline session binary and a candidate
# session binary, measured in the same run in alternating rounds (the machine is shared,
# so only numbers taken side by side are comparable).
#
#   BASE=/tmp/session-base CAND=/tmp/session-cand deploy/bench/session-validate-ab.sh
#   ROUNDS=4 DURATION=10s CONNECTIONS=50 ...
#
# BASE and CAND are session binaries (`go build -o X ./services/session/cmd/session` at the
# two revisions); CAND defaults to a fresh build of the working tree and BASE may be left
# out (then only hello-world and the candidate are measured). VARIANTS adds more targets
# of the candidate binary (space-separated, default "nocache many"):
#   nocache  the validation cache off (PLANTA_SESSION_VALIDATE_CACHE_TTL=0): every call
#            is a Redis round trip, the cost of sessions used less than once a second
#   many     MANY (default 1000) distinct sessions validated in turn (wrk runs a Lua
#            request() per call, which costs it CPU that the other targets do not pay)
# Each round runs wrk against
# every target once, rotating the order between rounds. wrk stays on loopback and each run
# is bounded by DURATION (≤ 15 s). Prints one Markdown row per round and target, then the
# medians and ratios.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-$(nproc)}
ROUNDS=${ROUNDS:-3}
export PLANTA_REDIS_URL=${PLANTA_REDIS_URL:-redis://127.0.0.1:6379/0}
PREFIX="bench:$$:"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
trap bench_cleanup EXIT

cd "$ROOT"
if [ -z "${CAND:-}" ]; then
  go build -trimpath -o "$WORK/session-cand" ./services/session/cmd/session
  CAND=$WORK/session-cand
fi
go build -trimpath -o "$WORK/hello" ./services/session/internal/bench/hello

NAMES=(hello)
URLS=("http://127.0.0.1:18199/")
"$WORK/hello" -addr 127.0.0.1:18199 >"$WORK/hello.log" 2>&1 &
PIDS+=($!)

start_session() { # name binary public_port internal_port [sessions] [cache TTL]
  PLANTA_PUBLIC_ADDR=127.0.0.1:$3 PLANTA_INTERNAL_ADDR=127.0.0.1:$4 \
    PLANTA_REDIS_PREFIX="${PREFIX}$1:" PLANTA_LOG_LEVEL=warn PLANTA_SHUTDOWN_DELAY=1ms \
    PLANTA_SESSION_VALIDATE_CACHE_TTL=${6:-1s} \
    "$2" serve >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$4/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "http://127.0.0.1:$4/readyz" >/dev/null || { cat "$WORK/$1.log" >&2; exit 1; }

  bench_validate_script "$4" "$WORK/$1.lua" "${5:-1}" || exit 1
  NAMES+=("$1")
  URLS+=("http://127.0.0.1:$4/internal/v1/sessions/validate")
}
[ -n "${BASE:-}" ] && start_session base "$BASE" 18112 19112
start_session cand "$CAND" 18122 19122
for v in ${VARIANTS-nocache many}; do
  case $v in
  nocache) start_session cand-nocache "$CAND" 18132 19132 1 0 ;;
  many) start_session "cand-${MANY:-1000}-sessions" "$CAND" 18142 19142 "${MANY:-1000}" ;;
  *) echo "unknown variant $v" >&2; exit 1 ;;
  esac
done
for _ in $(seq 50); do curl -fs http://127.0.0.1:18199/ >/dev/null 2>&1 && break; sleep 0.1; done

to_ms() { # wrk prints 1.23ms / 456.00us / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
bench() { # index duration
  local name=${NAMES[$1]} url=${URLS[$1]} args=()
  [ "$name" != hello ] && args=(-s "$WORK/$name.lua")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency "${args[@]}" "$url"
}

for i in "${!NAMES[@]}"; do bench "$i" 3s >/dev/null; done # warm up

echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency; $ROUNDS rounds"
echo
echo "| round | load avg | target | requests/s | p50 (ms) | p99 (ms) |"
echo "|---|---:|---|---:|---:|---:|"
n=${#NAMES[@]}
for r in $(seq 0 $((ROUNDS - 1))); do
  for k in $(seq 0 $((n - 1))); do
    i=$(((k + r) % n))
    out=$(bench "$i" "$DURATION")
    if echo "$out" | grep -q 'Non-2xx'; then echo "${NAMES[$i]}: non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")
    p99=$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")
    echo "${NAMES[$i]} $rps $p50 $p99" >>"$WORK/results"
    echo "| $((r + 1)) | $(cut -d' ' -f1 /proc/loadavg) | ${NAMES[$i]} | $rps | $p50 | $p99 |"
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
echo "Medians over $ROUNDS rounds; ratios are per round (target ÷ hello of the same round), median shown."
echo
echo "| target | requests/s | p50 (ms) | p99 (ms) | rps ratio | p99 ratio |"
echo "|---|---:|---:|---:|---:|---:|"
for name in "${NAMES[@]}"; do
  rps=$(awk -v n="$name" '$1==n {print $2}' "$WORK/results" | median)
  p50=$(awk -v n="$name" '$1==n {print $3}' "$WORK/results" | median)
  p99=$(awk -v n="$name" '$1==n {print $4}' "$WORK/results" | median)
  rr=$(awk -v n="$name" '$1=="hello" {h[++a]=$2} $1==n {t[++b]=$2} END { for (i = 1; i <= b; i++) printf "%.3f\n", t[i] / h[i] }' "$WORK/results" | median)
  pr=$(awk -v n="$name" '$1=="hello" {h[++a]=$4} $1==n {t[++b]=$4} END { for (i = 1; i <= b; i++) printf "%.3f\n", t[i] / h[i] }' "$WORK/results" | median)
  echo "| $name | $rps | $p50 | $p99 | ${rr}× | ${pr}× |"
done
echo
echo "Targets: rps ratio ≥ 0.60×, p99 ratio ≤ 2.00×."
