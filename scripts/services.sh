#!/usr/bin/env bash
# A private PostgreSQL 15 and Redis on 127.0.0.1 (free ports, data in DIR), for vigil and its tests.
#   services.sh start DIR         start both; writes DIR/env (DATABASE_URL, REDIS_URL, ports, …)
#   services.sh stop DIR          stop both and remove DIR (idempotent)
#   services.sh stop-redis|start-redis|stop-pg|start-pg DIR   one server, same port and data
set -euo pipefail
cmd=${1:?usage: services.sh start|stop|stop-redis|start-redis|stop-pg|start-pg DIR}
dir=${2:?usage: services.sh $cmd DIR}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg() { runuser -u postgres -- "$@"; }
load_env() { [ -f "$dir/env" ] && . "$dir/env"; }

wait_for() { # what, command…
  local what=$1; shift
  for _ in $(seq 1 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "services: $what did not start in 30 s; log:" >&2
  tail -20 "$dir/$what.log" >&2 2>/dev/null || true
  return 1
}

start_pg() {
  load_env
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 30 \
    -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null \
    || { tail -20 "$dir/pg/server.log" >&2; return 1; }
  wait_for pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
}

start_redis() {
  load_env
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir/redis" --daemonize yes \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no >/dev/null
  wait_for redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

stop_pg() {
  load_env || return 0
  [ -f "$dir/pg/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
}

stop_redis() {
  load_env || return 0
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 || return 0; sleep 0.1; done
  [ -f "$dir/redis/redis.pid" ] && kill -9 "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
}

case $cmd in
  start)
    mkdir -p "$dir/pg" "$dir/redis"
    chmod 755 "$dir"
    chown postgres "$dir/pg"
    pg_port=$(free_port); redis_port=$(free_port)
    while [ "$redis_port" = "$pg_port" ]; do redis_port=$(free_port); done
    cat > "$dir/env" <<ENV
DATABASE_URL=postgresql://postgres@127.0.0.1:$pg_port/vigil
REDIS_URL=redis://127.0.0.1:$redis_port/0
PG_PORT=$pg_port
REDIS_PORT=$redis_port
PG_DATA=$dir/pg
PG_BIN=$PG_BIN
ENV
    as_pg "$PG_BIN/initdb" -D "$dir/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    start_pg
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres vigil
    start_redis
    echo "$dir/env"
    ;;
  stop) stop_redis; stop_pg; rm -rf "$dir" ;;
  stop-redis) stop_redis ;;
  start-redis) start_redis ;;
  stop-pg) stop_pg ;;
  start-pg) start_pg ;;
  *) echo "services.sh: unknown command $cmd" >&2; exit 2 ;;
esac
