#!/usr/bin/env bash
# Session validate p99 while a login flood hits identity (issue 4: target < 2x idle p99).
#
#   deploy/bench/validate-under-login-flood.sh      # DURATION=10s per phase
#   IDENTITY_CPUS=1 deploy/bench/validate-under-login-flood.sh   # identity limited to CPU 1
#
# Starts session and identity (bcrypt at cost 12, the per-IP login limit lifted so the
# flood reaches bcrypt and the bounded bcrypt gate), measures validate alone, then
# validate while wrk floods POST /api/v1/auth/login with wrong passwords for unknown
# users (each costs a dummy bcrypt compare) from 50 more connections. Loopback only,
# bounded in time. Needs wrk, curl, Postgres and Redis as for `make test`.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-10s}
export PLANTA_REDIS_URL=${PLANTA_REDIS_URL:-redis://127.0.0.1:6379/0}
ADMIN_PG=${PLANTA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
DB="planta_bench_$$"
PREFIX="bench:$$:"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  bench_cleanup
  psql "$ADMIN_PG" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cd "$ROOT"
go build -trimpath -o "$WORK/session" ./services/session/cmd/session
go build -trimpath -o "$WORK/identity" ./services/identity/cmd/identity
psql "$ADMIN_PG" -qc "CREATE DATABASE $DB" >/dev/null
export PLANTA_POSTGRES_URL="${ADMIN_PG%/*}/$DB?sslmode=disable"
export PLANTA_REDIS_PREFIX=$PREFIX PLANTA_LOG_LEVEL=warn PLANTA_SHUTDOWN_DELAY=1ms PLANTA_DEV_MODE=true
export PLANTA_SESSION_URL=http://127.0.0.1:19102 PLANTA_LOGIN_RATE_LIMIT=1000000
PLANTA_PUBLIC_ADDR=127.0.0.1:18102 PLANTA_INTERNAL_ADDR=127.0.0.1:19102 "$WORK/session" serve >"$WORK/session.log" 2>&1 &
PIDS+=($!)
# IDENTITY_CPUS (e.g. 1) pins identity to those CPUs, the way a pod CPU limit keeps a
# login flood's bcrypt work off the cores that serve validate; empty = share every core.
PIN=()
[ -n "${IDENTITY_CPUS:-}" ] && PIN=(taskset -c "$IDENTITY_CPUS")
PLANTA_PUBLIC_ADDR=127.0.0.1:18101 PLANTA_INTERNAL_ADDR=127.0.0.1:19101 "${PIN[@]}" "$WORK/identity" serve >"$WORK/identity.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do
  curl -fs http://127.0.0.1:19102/readyz >/dev/null 2>&1 && curl -fs http://127.0.0.1:19101/readyz >/dev/null 2>&1 && break
  sleep 0.1
done
bench_validate_script 19102 "$WORK/validate.lua" || exit 1
cat >"$WORK/flood.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format('{"username":"nobody%d","password":"wrong-password-%d"}', counter, counter))
end
LUA
p99() { awk '$1=="99%" {print $2}'; }
rps() { awk '/Requests\/sec/ {print $2}'; }
idle=$(wrk -t1 -c50 -d"$DURATION" --latency -s "$WORK/validate.lua" http://127.0.0.1:19102/internal/v1/sessions/validate)
wrk -t1 -c50 -d"$DURATION" -s "$WORK/flood.lua" http://127.0.0.1:18101/api/v1/auth/login >"$WORK/flood.txt" &
FLOOD=$!
sleep 1
busy=$(wrk -t1 -c50 -d"$DURATION" --latency -s "$WORK/validate.lua" http://127.0.0.1:19102/internal/v1/sessions/validate)
wait $FLOOD
echo "| phase | validate rps | validate p99 |"
echo "|---|---:|---:|"
echo "| idle | $(echo "$idle" | rps) | $(echo "$idle" | p99) |"
echo "| during login flood | $(echo "$busy" | rps) | $(echo "$busy" | p99) |"
echo "login flood: $(rps <"$WORK/flood.txt") req/s; $(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$WORK/flood.txt" || true)"
