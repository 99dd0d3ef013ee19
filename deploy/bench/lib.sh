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

# bench_validate_script PORT FILE [N] creates N sessions (default 1) through the session
# service's internal listener on 127.0.0.1:PORT and writes a wrk script to FILE that
# validates them in turn with touch=true (the full hot path), plus FILE.check: a
# touch=false validate body of the first one, for checking afterwards that it is still
# valid (`curl --data @FILE.check`). Tokens go only into those files, never onto a command
# line or into a URL.
bench_validate_script() {
  local n=${3:-1} token i
  {
    echo 'local bodies = {}'
    for i in $(seq "$n"); do
      token=$(curl -fs -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$1/internal/v1/sessions" \
        -d "{\"user_id\":\"bench$i\",\"username\":\"bench$i\",\"role\":\"cliente\",\"must_change_password\":false,\"ip\":\"127.0.0.1\",\"user_agent\":\"wrk\"}" |
        sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
      [ -n "$token" ] || { echo "could not create a session on :$1" >&2; return 1; }
      echo "bodies[$i] = '{\"token\":\"$token\",\"touch\":true}'"
      [ "$i" = 1 ] && printf '{"token":"%s","touch":false}' "$token" >"$2.check"
    done
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    if [ "$n" = 1 ]; then
      echo 'wrk.body = bodies[1]' # static: no Lua per request, as for hello-world
    else
      # one request() call per request costs wrk some CPU that hello-world's run does not pay
      printf '%s\n' 'local i = 0' 'request = function()' '  i = i % #bodies + 1' \
        '  return wrk.format(nil, nil, nil, bodies[i])' 'end'
    fi
  } >"$2"
}
