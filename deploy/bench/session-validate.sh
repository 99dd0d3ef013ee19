#!/usr/bin/env bash
# Session validate over HTTP vs a hello-world Go handler, same machine, same run.
#
#   deploy/bench/session-validate.sh            # 15 s per target, 50 connections
#   DURATION=30s CONNECTIONS=50 deploy/bench/session-validate.sh
#
# Needs wrk (apt-get install -y wrk), curl, a Redis at PLANTA_REDIS_URL (default
# redis://127.0.0.1:6379/0) and Go. It builds bin/session and the hello-world baseline
# (services/session/internal/bench/hello), starts both, creates one session, and runs wrk
# against POST /internal/v1/sessions/validate (touch=true: the full hot path, one Lua
# round trip that also slides the idle timer) and against hello-world. Prints rps, p50,
# p99 and the ratios as a Markdown table for docs/benchmarks.md.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-$(nproc)}
PUBLIC_PORT=${PUBLIC_PORT:-18102}
INTERNAL_PORT=${INTERNAL_PORT:-19102}
HELLO_PORT=${HELLO_PORT:-18199}
export PLANTA_REDIS_URL=${PLANTA_REDIS_URL:-redis://127.0.0.1:6379/0}
PREFIX="bench:$$:"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
trap bench_cleanup EXIT

cd "$ROOT"
go build -trimpath -o "$WORK/session" ./services/session/cmd/session
go build -trimpath -o "$WORK/hello" ./services/session/internal/bench/hello

PLANTA_PUBLIC_ADDR=127.0.0.1:$PUBLIC_PORT PLANTA_INTERNAL_ADDR=127.0.0.1:$INTERNAL_PORT \
  PLANTA_REDIS_PREFIX=$PREFIX PLANTA_LOG_LEVEL=warn PLANTA_SHUTDOWN_DELAY=1ms \
  "$WORK/session" serve >"$WORK/session.log" 2>&1 &
PIDS+=($!)
"$WORK/hello" -addr 127.0.0.1:$HELLO_PORT >"$WORK/hello.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$INTERNAL_PORT/readyz" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$HELLO_PORT/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$INTERNAL_PORT/readyz" >/dev/null || { cat "$WORK/session.log" >&2; exit 1; }

bench_validate_script "$INTERNAL_PORT" "$WORK/validate.lua" || exit 1
cat >>"$WORK/validate.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("non2xx %d\n", summary.errors.status))
end
LUA

run() { # name url [script]
  local out
  if [ $# -gt 2 ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$2")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2")
  fi
  echo "$out" >"$WORK/$1.txt"
  echo "$out" >&2
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  if echo "$out" | grep -q 'Non-2xx'; then echo "$1: non-2xx responses" >&2; exit 1; fi
  echo "$rps $p50 $p99"
}
to_ms() { # wrk prints 1.23ms / 456.00us / 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# Warm both (connections, JIT-free but caches and pools), then measure.
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "http://127.0.0.1:$HELLO_PORT/" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$WORK/validate.lua" "http://127.0.0.1:$INTERNAL_PORT/internal/v1/sessions/validate" >/dev/null

read -r H_RPS H_P50 H_P99 < <(run hello "http://127.0.0.1:$HELLO_PORT/")
read -r S_RPS S_P50 S_P99 < <(run validate "http://127.0.0.1:$INTERNAL_PORT/internal/v1/sessions/validate" "$WORK/validate.lua")

# The session must still be valid after the run (wrk counted no non-2xx answers above).
curl -fs -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$INTERNAL_PORT/internal/v1/sessions/validate" \
  --data @"$WORK/validate.lua.check" >/dev/null

H50=$(to_ms "$H_P50"); H99=$(to_ms "$H_P99"); S50=$(to_ms "$S_P50"); S99=$(to_ms "$S_P99")
RPS_RATIO=$(awk -v a="$S_RPS" -v b="$H_RPS" 'BEGIN { printf "%.2f", a / b }')
P99_RATIO=$(awk -v a="$S99" -v b="$H99" 'BEGIN { printf "%.2f", a / b }')

cat <<MD
Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency

| target | requests/s | p50 (ms) | p99 (ms) |
|---|---:|---:|---:|
| hello-world (net/http) | $H_RPS | $H50 | $H99 |
| session validate (touch=true) | $S_RPS | $S50 | $S99 |
| ratio validate / hello | ${RPS_RATIO}× | | ${P99_RATIO}× |

Targets: throughput ratio ≥ 0.60×, p99 ratio ≤ 2.00×.
MD
