#!/usr/bin/env bash
# Firehouse beside Alerta 9.1 in one run, with the peer harness's own driver (wrk, 16 connections,
# 20 s per scenario, storm → repeat → resolve) and its bodies (20,000 alerts in 3,658
# notifications): first Alerta on the harness's PostgreSQL, then Firehouse on that same PostgreSQL
# (a database of its own), then Firehouse on its embedded SQLite (PEER_SQLITE=0 skips it). Server
# CPU per alert counts the server's process tree and, where it uses it, PostgreSQL's.
# The harness is not part of this repository: ../shared/peers/alerta beside it, or PEER_DIR.
#   bench/peer.sh                    everything (about 5 minutes after the build)
#   PEER_ARGS="--duration 10" bench/peer.sh   arguments for the harness's bench.py
set -euo pipefail
cd "$(dirname "$0")/.."
peer=$(cd "${PEER_DIR:-../shared/peers/alerta}" 2>/dev/null && pwd) || {
  echo "no peer harness at ${PEER_DIR:-../shared/peers/alerta} (set PEER_DIR)" >&2
  exit 2
}
root=${ALERTA_PEER_ROOT:-${TMPDIR:-/tmp}/alerta-peer}
pg_port=${ALERTA_PG_PORT:-55432}
port=${PORT:-19295}
read -r -a args <<<"${PEER_ARGS:-}"
swift build -c release --product firehouse >/dev/null
bin="$(swift build -c release --show-bin-path)"
dir="$(mktemp -d)"
pid=
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  bash "$peer/run.sh" stop || true
  rm -rf "$dir"
}
trap cleanup EXIT
bash "$peer/run.sh" setup >"$dir/setup.log" 2>&1 || { tail -20 "$dir/setup.log" >&2; exit 1; }
bash "$peer/run.sh" start
pg_pid=$(head -1 "$root/pg/data/postmaster.pid")
admin="postgresql://postgres@127.0.0.1:$pg_port/postgres"

# Starts firehouse with the given database, waits until it is ready.
serve() {
  "$bin/firehouse" serve --listen "127.0.0.1:$port" --database "$1" >"$dir/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "firehouse did not become ready:" >&2
  tail -20 "$dir/server.log" >&2
  exit 1
}
stop() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}
summary() { cat "$(ls -d "$root"/results/*-"$1" | sort | tail -1)/summary.md"; }

bash "$peer/run.sh" bench --label alerta "${args[@]}" >"$dir/alerta.log" 2>&1 || { tail -20 "$dir/alerta.log" >&2; exit 1; }
summary alerta

psql "$admin" -qAtX -c "DROP DATABASE IF EXISTS firehouse_peer" -c "CREATE DATABASE firehouse_peer" >/dev/null
serve "postgres://postgres@127.0.0.1:$pg_port/firehouse_peer?sslmode=disable"
bash "$peer/run.sh" bench "http://127.0.0.1:$port/api/v1/alertmanager" --label firehouse-postgres \
  --server-pids "$pid,$pg_pid" "${args[@]}" >"$dir/fh-pg.log" 2>&1 || { tail -20 "$dir/fh-pg.log" >&2; exit 1; }
stop
summary firehouse-postgres

if [ "${PEER_SQLITE:-1}" != 0 ]; then
  serve "$dir/firehouse.sqlite"
  bash "$peer/run.sh" bench "http://127.0.0.1:$port/api/v1/alertmanager" --label firehouse-sqlite \
    --server-pids "$pid" "${args[@]}" >"$dir/fh-sqlite.log" 2>&1 || { tail -20 "$dir/fh-sqlite.log" >&2; exit 1; }
  stop
  summary firehouse-sqlite
fi
