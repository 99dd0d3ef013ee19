#!/usr/bin/env bash
# The public API under wrk next to a hello-world Go handler, in alternating rounds
# (docs/benchmarks.md, "Allocation public API"). Loopback only, 50 connections.
#
#   services/allocation/bench/public_wrk.sh            # 3 rounds of 8 s per target
#   ROUNDS=1 DURATION=5s BEFORE=/tmp/allocation-old services/allocation/bench/public_wrk.sh
#
# Each binary gets a fresh database seeded with `allocation seed-demo` (the real 2025-2
# semester). Targets: hello world; the room week and the room search with the cache (default
# config) and without it (PLANTA_PUBLIC_CACHE_MB=0, the miss path); with BEFORE, the same two
# routes on that (older) binary. The per-IP rate limit is at its env maximum
# (PLANTA_PUBLIC_RATE_PER_SECOND=10000, _BURST=100000) and the load comes as 8 clients behind
# a trusted proxy (PLANTA_TRUSTED_PROXIES=127.0.0.1 + X-Forwarded-For), since one client at
# > 20k req/s would exceed even that; every server is restarted before its run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-8s}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS planta_bench_after" -c "DROP DATABASE IF EXISTS planta_bench_before" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/allocation" ./cmd/allocation
mkdir "$work/hello"
cat > "$work/hello/main.go" <<'GO'
package main

import "net/http"

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("Hello, world")) })
	_ = http.ListenAndServe("127.0.0.1:18199", nil)
}
GO
printf 'module hello\ngo 1.26\n' > "$work/hello/go.mod"
(cd "$work/hello" && GOWORK=off go build -o "$work/hello-bin" .)
cat > "$work/xff.lua" <<'LUA'
local reqs, n = {}, 0
function init(args)
  for i = 1, 8 do reqs[i] = wrk.format(nil, nil, { ["X-Forwarded-For"] = "10.0.0." .. i }) end
end
function request() n = n + 1; return reqs[(n % 8) + 1] end
LUA

seed() { # binary db
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null 2>&1
  PLANTA_POSTGRES_URL="$PG/$2?sslmode=disable" "$1" seed-demo >/dev/null
}
srv=""
start() { # binary db port [env...]
  [ -n "$srv" ] && { kill "$srv"; wait "$srv" 2>/dev/null || true; }
  env PLANTA_POSTGRES_URL="$PG/$2?sslmode=disable" PLANTA_PUBLIC_ADDR="127.0.0.1:$3" PLANTA_INTERNAL_ADDR="127.0.0.1:$(($3 + 1000))" \
    PLANTA_PUBLIC_RATE_PER_SECOND=10000 PLANTA_PUBLIC_RATE_BURST=100000 PLANTA_TRUSTED_PROXIES=127.0.0.1 \
    PLANTA_SESSION_URL=http://127.0.0.1:1 PLANTA_LOG_LEVEL=warn "${@:4}" "$1" serve >/dev/null 2>&1 &
  srv=$!; pids+=("$srv")
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$3/api/v1/public/semesters" >/dev/null && return; sleep 0.1; done
  echo "server on :$3 did not start" >&2; exit 1
}
run() { # label url
  local lua=(-s "$work/xff.lua"); [ "$1" = hello ] && lua=()
  echo "=== $1 round $i load=$(cut -d' ' -f1-3 /proc/loadavg) $2"
  wrk -t2 -c50 -d"$DURATION" --latency "${lua[@]}" "$2" | grep -E 'Requests/sec|  50%|  99%|Non-2xx|Socket errors|requests in'
}

seed "$work/allocation" planta_bench_after
[ -n "${BEFORE:-}" ] && seed "$BEFORE" planta_bench_before
"$work/hello-bin" & pids+=($!)
W=/api/v1/public/rooms/21/week
S='/api/v1/public/rooms/search?day=2&blocks=M1,M2&capacity=30'
echo "nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for i in $(seq "$ROUNDS"); do
  run hello http://127.0.0.1:18199/
  for route in "week $W" "search $S"; do
    set -- $route
    if [ -n "${BEFORE:-}" ]; then start "$BEFORE" planta_bench_before 18104; run "before-$1" "http://127.0.0.1:18104$2"; fi
    start "$work/allocation" planta_bench_after 18105; run "cached-$1" "http://127.0.0.1:18105$2"
    start "$work/allocation" planta_bench_after 18106 PLANTA_PUBLIC_CACHE_MB=0; run "nocache-$1" "http://127.0.0.1:18106$2"
  done
done
