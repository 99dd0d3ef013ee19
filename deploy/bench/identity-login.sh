#!/usr/bin/env bash
# Login throughput through identity's HTTP handler vs raw bcrypt.CompareHashAndPassword,
# both at cost 12 with GOMAXPROCS parallel workers on the same cores. Rounds of the two
# alternate (BenchmarkLoginVsBcryptInterleaved) so both see the same machine load.
# Needs the local Postgres and Redis (PLANTA_TEST_POSTGRES_URL / PLANTA_TEST_REDIS_URL).
# Usage: deploy/bench/identity-login.sh [rounds]   (default 8; each round is
# 2×GOMAXPROCS compares then 2×GOMAXPROCS logins)
set -euo pipefail
cd "$(dirname "$0")/../../services/identity"
n="${1:-8}"
go test -run '^$' -bench 'BenchmarkLoginVsBcryptInterleaved' -benchtime "${n}x" -count 1 ./internal/httpapi
