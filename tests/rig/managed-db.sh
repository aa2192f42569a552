#!/usr/bin/env bash
# A fleet's managed database and Redis: plain containers on the rig network that the app
# hosts reach by address, as they would a cloud provider's PostgreSQL and Redis.
#   managed-db.sh up PREFIX DB_IP REDIS_IP   start (or reuse) PREFIX-postgres, PREFIX-redis
#   managed-db.sh down PREFIX                remove them and their data
# The passwords come from the environment (GOLIVE_DB_PASSWORD, GOLIVE_REDIS_PASSWORD), and
# so do the database's name and owner (GOLIVE_DB_NAME, GOLIVE_DB_USER; both `demo` unless
# set, as the demo app's DATABASE_URL names them). GOLIVE_DB_TLS=1 makes PostgreSQL offer
# TLS, as managed databases do (clients with sslmode=require), with the image's snakeoil
# certificate (Debian's ssl-cert).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

up() {
  local prefix=$1 db_ip=$2 redis_ip=$3
  local db=${GOLIVE_DB_NAME:-demo} user=${GOLIVE_DB_USER:-demo} tls=()
  : "${GOLIVE_DB_PASSWORD:?}" "${GOLIVE_REDIS_PASSWORD:?}"
  if [ "${GOLIVE_DB_TLS:-0}" = 1 ]; then
    tls=(-c ssl=on -c ssl_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem
      -c ssl_key_file=/etc/ssl/private/ssl-cert-snakeoil.key)
  fi
  ensure_network
  if ! docker inspect "$prefix-postgres" >/dev/null 2>&1; then
    log "starting $prefix-postgres at $db_ip"
    docker run -d --name "$prefix-postgres" --label golive.rig=managed-db --network "$rig_net" --ip "$db_ip" \
      -e POSTGRES_DB="$db" -e POSTGRES_USER="$user" -e POSTGRES_PASSWORD="$GOLIVE_DB_PASSWORD" \
      -v "$prefix-pgdata:/var/lib/postgresql/data" golive-demo/postgres:17 postgres "${tls[@]}" >/dev/null
  fi
  if ! docker inspect "$prefix-redis" >/dev/null 2>&1; then
    log "starting $prefix-redis at $redis_ip"
    docker run -d --name "$prefix-redis" --label golive.rig=managed-db --network "$rig_net" --ip "$redis_ip" \
      -e REDIS_PASSWORD="$GOLIVE_REDIS_PASSWORD" -v "$prefix-redisdata:/data" golive-demo/redis:8 >/dev/null
  fi
  docker start "$prefix-postgres" "$prefix-redis" >/dev/null
  for _ in $(seq 1 60); do
    docker exec "$prefix-postgres" pg_isready -q -h 127.0.0.1 -U "$user" -d "$db" 2>/dev/null && return 0
    sleep 1
  done
  die "$prefix-postgres does not accept connections"
}

down() {
  local prefix=$1
  # down is also the scenario's first step, when there is nothing to remove yet
  docker rm -f "$prefix-postgres" "$prefix-redis" >/dev/null 2>&1 || true
  docker volume rm "$prefix-pgdata" "$prefix-redisdata" >/dev/null 2>&1 || true
}

cmd=${1:-}; shift || true  # no argument: the usage message below
case "$cmd" in
  up) up "$@" ;;
  down) down "$@" ;;
  *) die "usage: $0 up PREFIX DB_IP REDIS_IP | down PREFIX" ;;
esac
