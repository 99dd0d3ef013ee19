#!/usr/bin/env bash
# Makes sure the servers and tools that `make run` and `make test` need are there.
#
# Postgres and Redis: if PLANTA_POSTGRES_URL / PLANTA_REDIS_URL (or the PLANTA_TEST_*
# variants) point elsewhere we use them as they are; otherwise we expect the local servers
# on 127.0.0.1:5432 and :6379, start them if installed but stopped, and install them from
# Debian packages when missing. Never silently continues without them.
set -euo pipefail

want_tools="${1:-}"   # "test" also installs promtool and cbc used by tests

log() { printf 'ensure-infra: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Another apt/dpkg (unattended-upgrades, a parallel `make`) may hold the lock: wait for it
# (up to 10 minutes) instead of failing with "Could not get lock /var/lib/dpkg/lock-frontend".
apt_lock_wait=(-o DPkg::Lock::Timeout=600)
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get "${apt_lock_wait[@]}" update -qq >/dev/null; apt_updated=1; fi
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_lock_wait[@]}" install -y -qq "$@" >/dev/null
}

pg_url="${PLANTA_POSTGRES_URL:-${PLANTA_TEST_POSTGRES_URL:-}}"
redis_url="${PLANTA_REDIS_URL:-${PLANTA_TEST_REDIS_URL:-}}"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -z "$pg_url" ]; then
  if ! port_open 5432; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    ver=$(ls /etc/postgresql | sort -V | tail -n1)
    log "starting PostgreSQL $ver"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      # Local development and tests only: trust loopback, like the CI machines.
      as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
      as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
    fi
    for _ in $(seq 1 30); do port_open 5432 && break; sleep 0.5; done
    port_open 5432 || { log "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1; }
  fi
fi

if [ -z "$redis_url" ]; then
  if ! port_open 6379; then
    command -v redis-server >/dev/null || apt_install redis-server
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/planta.log
    for _ in $(seq 1 30); do port_open 6379 && break; sleep 0.2; done
    port_open 6379 || { log "Redis did not come up on 127.0.0.1:6379"; exit 1; }
  fi
fi

# The web frontend's assets come from npm at build time (run and test both build it).
command -v npm >/dev/null || apt_install nodejs npm
# The allocation solver proves optimality with cbc (the allocation image ships it too).
command -v cbc >/dev/null || apt_install coinor-cbc

if [ "$want_tools" = "test" ]; then
  command -v promtool >/dev/null || apt_install prometheus
  command -v chromium >/dev/null || apt_install chromium
fi
exit 0
