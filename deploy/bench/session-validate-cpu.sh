#!/usr/bin/env bash
# Session validate, CPU per request: for hello-world and each session binary, run wrk for
# DURATION and divide the CPU time (utime+stime from /proc/<pid>/stat) the server and
# redis-server used by the number of requests wrk completed. CPU per request is far less
# sensitive to a shared machine's load than requests/s.
#
#   BASE=/tmp/session-base CAND=/tmp/session-cand ROUNDS=2 deploy/bench/session-validate-cpu.sh
#
# CAND defaults to a fresh build of the working tree; BASE is optional. Redis must be
# local (its pid is read with pidof); other clients of that Redis count against it.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-$(nproc)}
ROUNDS=${ROUNDS:-2}
export PLANTA_REDIS_URL=${PLANTA_REDIS_URL:-redis://127.0.0.1:6379/0}
PREFIX="benchcpu:$$:"
REDIS_PID=$(pidof redis-server | cut -d' ' -f1)
TICK=$(getconf CLK_TCK)

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
URLS=("http://127.0.0.1:18299/")
"$WORK/hello" -addr 127.0.0.1:18299 >"$WORK/hello.log" 2>&1 &
SPIDS=($!)
PIDS+=($!)

start_session() { # name binary public_port internal_port
  PLANTA_PUBLIC_ADDR=127.0.0.1:$3 PLANTA_INTERNAL_ADDR=127.0.0.1:$4 \
    PLANTA_REDIS_PREFIX="${PREFIX}$1:" PLANTA_LOG_LEVEL=warn PLANTA_SHUTDOWN_DELAY=1ms \
    "$2" serve >"$WORK/$1.log" 2>&1 &
  SPIDS+=($!)
  PIDS+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$4/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done

  bench_validate_script "$4" "$WORK/$1.lua" || exit 1
  NAMES+=("$1")
  URLS+=("http://127.0.0.1:$4/internal/v1/sessions/validate")
}
[ -n "${BASE:-}" ] && start_session base "$BASE" 18212 19212
start_session cand "$CAND" 18222 19222
sleep 0.5

cpu() { awk -v t="$TICK" '{ printf "%d", ($14 + $15) * 1000000 / t }' "/proc/$1/stat"; } # µs
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "| round | load avg | target | requests/s | server µs/req | redis µs/req |"
echo "|---|---:|---|---:|---:|---:|"
n=${#NAMES[@]}
for r in $(seq 0 $((ROUNDS - 1))); do
  for k in $(seq 0 $((n - 1))); do
    i=$(((k + r) % n))
    args=()
    [ "${NAMES[$i]}" != hello ] && args=(-s "$WORK/${NAMES[$i]}.lua")
    s0=$(cpu "${SPIDS[$i]}") r0=$(cpu "$REDIS_PID")
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${args[@]}" "${URLS[$i]}")
    s1=$(cpu "${SPIDS[$i]}") r1=$(cpu "$REDIS_PID")
    if echo "$out" | grep -q 'Non-2xx'; then echo "${NAMES[$i]}: non-2xx responses" >&2; exit 1; fi
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    echo "| $((r + 1)) | $(cut -d' ' -f1 /proc/loadavg) | ${NAMES[$i]} | $rps | $(per $((s1 - s0)) "$reqs") | $(per $((r1 - r0)) "$reqs") |"
  done
done
