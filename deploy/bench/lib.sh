# Shared pieces of the session benchmark scripts; sourced, not run.

# bench_cleanup stops the processes in PIDS, deletes the Redis keys under PREFIX and
# removes WORK. The scripts install it with `trap bench_cleanup EXIT`.
bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if command -v redis-cli >/dev/null; then
    redis-cli -u "$PLANTA_REDIS_URL" --scan --pattern "${PREFIX}*" | xargs -r redis-cli -u "$PLANTA_REDIS_URL" del >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}

# bench_validate_script PORT FILE creates a session through the session service's
# internal listener on 127.0.0.1:PORT and writes a wrk script to FILE that validates it
# with touch=true (the full hot path), plus FILE.check: a touch=false validate body for
# checking afterwards that the session is still valid (`curl --data @FILE.check`). The
# token goes only into those files, never onto a command line or into a URL.
bench_validate_script() {
  local token
  token=$(curl -fs -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$1/internal/v1/sessions" \
    -d '{"user_id":"bench","username":"bench","role":"cliente","must_change_password":false,"ip":"127.0.0.1","user_agent":"wrk"}' |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "could not create a session on :$1" >&2; return 1; }
  cat >"$2" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"$token","touch":true}'
LUA
  printf '{"token":"%s","touch":false}' "$token" >"$2.check"
}
