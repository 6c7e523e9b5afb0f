#!/usr/bin/env bash
# The load benchmark on PostgreSQL (bench/run.sh --backend postgres [--replicas N]): a throw-away
# cluster on loopback (scripts/pg-cluster, or FIREHOUSE_BENCH_POSTGRES_URL for one of your own),
# N replicas of firehouse on one database, the load generator's senders spread over them. Prints
# the same lines as the SQLite run, plus the CPU per notification of firehouse and of PostgreSQL.
# FIREHOUSE_BIN=path runs another build of firehouse (two builds back to back in one session).
set -euo pipefail
cd "$(dirname "$0")/.."
replicas=${REPLICAS:-1}
n=${NOTIFICATIONS:-5000}
port=${PORT:-19095}
bin="$(swift build -c release --show-bin-path)"
dir="$(mktemp -d /tmp/firehouse-bench-pg.XXXXXX)"
chmod 755 "$dir"  # the cluster inside runs as the postgres user
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -z "${FIREHOUSE_BENCH_POSTGRES_URL:-}" ] && scripts/pg-cluster stop "$dir/pg"
  rm -rf "$dir"
}
trap cleanup EXIT
admin=${FIREHOUSE_BENCH_POSTGRES_URL:-$(scripts/pg-cluster start "$dir/pg" "${PG_BENCH_PORT:-55433}")}
database="firehouse_bench_$$"
psql "${admin%%\?*}" -qAt -c "CREATE DATABASE $database" >/dev/null
url="${admin%/*}/$database?sslmode=disable"
urls=()
for i in $(seq 0 $((replicas - 1))); do
  p=$((port + i))
  FIREHOUSE_REPLICA="bench-$i" "${FIREHOUSE_BIN:-$bin/firehouse}" serve --listen "127.0.0.1:$p" --database "$url" >"$dir/server$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$p/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  urls+=("http://127.0.0.1:$p")
done
extra=()
for u in "${urls[@]:1}"; do extra+=(--replica "$u"); done
cpu=()
for pid in "${pids[@]}"; do cpu+=(--cpu-pid "$pid"); done
echo "# firehouse load benchmark on PostgreSQL: $(nproc) cores, $replicas replica(s), $n notifications per run, 1-10 alerts each"
for scenario in storm repeat resolve; do
  for c in 16 64; do
    # CPU of the measured phase only: repeat and resolve first send the bodies they repeat or resolve.
    "$bin/firehouse-bench" --url "${urls[0]}" "${extra[@]}" --scenario "$scenario" --concurrency "$c" --notifications "$n" \
      "${cpu[@]}" --cpu-name postgres
  done
done
