# Sourced by .ci/run: PostgreSQL and Redis for the tests (TEST_DATABASE_URL,
# TEST_REDIS_URL; defaults postgres://postgres@127.0.0.1:5432/test and
# redis://127.0.0.1:6379). A service that already answers is used as it is; otherwise it is
# installed from Debian's packages if missing and started on loopback only.

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # <what> <command…>: up to 30 s
  local what="$1"; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$what did not come up" >&2; return 1
}

ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    wait_for "PostgreSQL at TEST_DATABASE_URL" psql "$TEST_DATABASE_URL" -c "SELECT 1"
    return
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then apt_install postgresql; fi
    local version; version="$(ls /etc/postgresql | sort -V | tail -1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for "PostgreSQL" pg_isready -h 127.0.0.1 -p 5432 -q
  fi
  if ! psql -h 127.0.0.1 -U postgres -d test -c "SELECT 1" >/dev/null 2>&1; then
    # A fresh Debian cluster: trust the postgres role on loopback, create the test database.
    local version hba; version="$(ls /etc/postgresql | sort -V | tail -1)"
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q "taskflow-webhooks CI" "$hba"; then
      { echo "# taskflow-webhooks CI: tests connect as postgres over loopback"
        echo "host all postgres 127.0.0.1/32 trust"
        echo "host all postgres ::1/128 trust"
        cat "$hba"; } > "$hba.new" && mv "$hba.new" "$hba" && chown postgres:postgres "$hba"
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    fi
    runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 ||
      runuser -u postgres -- createdb test
    wait_for "PostgreSQL database test" psql -h 127.0.0.1 -U postgres -d test -c "SELECT 1"
  fi
  echo "PostgreSQL: $(psql -h 127.0.0.1 -U postgres -d test -tAc 'SHOW server_version')"
}

ensure_redis() {
  if [ -n "${TEST_REDIS_URL:-}" ]; then
    wait_for "Redis at TEST_REDIS_URL" redis-cli -u "$TEST_REDIS_URL" ping
    return
  fi
  if [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" != "PONG" ]; then
    command -v redis-server >/dev/null || apt_install redis-server
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for "Redis" redis-cli -h 127.0.0.1 -p 6379 ping
  fi
  echo "Redis: $(redis-cli -h 127.0.0.1 -p 6379 info server | grep -m1 redis_version)"
}
