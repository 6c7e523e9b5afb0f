#!/usr/bin/env bash
# Load benchmark, one command: builds release binaries, starts firehouse on a fresh temporary
# database (synchronous=FULL, as in production), and posts Alertmanager notifications at it.
# Prints notifications/s, alerts/s and p50/p99 latency per scenario, and the server's peak RSS.
#   bench/run.sh            full run (about a minute after the build)
#   NOTIFICATIONS=2000 bench/run.sh   shorter
# Then the incident-list benchmark: LIST_INCIDENTS (10000) open incidents on a fresh database; the
# store alone with a flapping alert (FLAP_HISTORY past episodes against 100, back to back: ingest
# must not read them); last, bench/fsync_probe.py: how long the disk itself takes to make a small
# write durable.
#   bench/run.sh --backend postgres [--replicas N]   the same load on PostgreSQL (bench/postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --backend ] && [ "${2:-}" = postgres ]; then
  [ "${3:-}" = --replicas ] && export REPLICAS=${4:?--replicas N}
  swift build -c release --product firehouse >/dev/null
  swift build -c release --product firehouse-bench >/dev/null
  exec bench/postgres.sh
fi
n=${NOTIFICATIONS:-5000}
port=${PORT:-19095}
swift build -c release --product firehouse >/dev/null
swift build -c release --product firehouse-bench >/dev/null
swift build -c release --product firehouse-bench-ingest >/dev/null
bin="$(swift build -c release --show-bin-path)"
dir="$(mktemp -d)"
"$bin/firehouse" serve --listen "127.0.0.1:$port" --database "$dir/firehouse.sqlite" >"$dir/server.log" 2>&1 &
pid=$!
# `|| true`: under set -e a failed kill (the server already stopped) ended the trap, and the script, with 1.
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
url="http://127.0.0.1:$port"
echo "# firehouse load benchmark: $(nproc) cores, $n notifications per run, 1-10 alerts each"
# The storm through HTTP beside the store alone (firehouse-bench-ingest: the same service and SQLite,
# with the same runbooks and background checkpoints, called directly), back to back: the server's CPU
# per notification against the store's, and their ratio.
for c in 16 64; do
  store=$("$bin/firehouse-bench-ingest" storm "$n" "$c")
  http=$("$bin/firehouse-bench" --url "$url" --scenario storm --concurrency "$c" --notifications "$n" --cpu-pid "$pid")
  echo "$http"
  echo "  store alone: ${store#*: }"
  awk -v s="${store##*cpu/notification=}" -v h="${http##*firehouse }" \
    'BEGIN {printf "  cpu/notification through HTTP / store alone: %d / %d us = %.2f\n", h, s, h / s}'
done
for scenario in repeat resolve; do
  for c in 16 64; do
    "$bin/firehouse-bench" --url "$url" --scenario "$scenario" --concurrency "$c" --notifications "$n" --cpu-pid "$pid"
  done
done
# Latency at a fixed arrival rate, as Alertmanager sends: mixed new/repeat/resolve traffic.
# After each, the same run as the server's histograms saw it (bench/server_latency.py): time inside
# the server, the group's commit and the WAL flush, so a tail can be placed before it is blamed.
for rate in 500 1000; do
  curl -fs "$url/metrics" >"$dir/metrics.before"
  "$bin/firehouse-bench" --url "$url" --scenario mixed --rate "$rate" --notifications $((rate * 10))
  curl -fs "$url/metrics" >"$dir/metrics.after"
  python3 bench/server_latency.py "$dir/metrics.before" "$dir/metrics.after"
done
echo "peak RSS: $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/$pid/status)"
echo "database: $(du -sh "$dir" | cut -f1) after the runs"
# The incident list with exactly LIST_INCIDENTS open incidents, on a fresh database of its own.
kill $pid; wait $pid 2>/dev/null || true
"$bin/firehouse" serve --listen "127.0.0.1:$port" --database "$dir/list.sqlite" >>"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
"$bin/firehouse-bench" --url "$url" --scenario list --notifications "${LIST_INCIDENTS:-10000}"
kill $pid; wait $pid 2>/dev/null || true
# A flapping alert: the same fingerprint with many past episodes costs what one with few does.
for history in 100 "${FLAP_HISTORY:-10000}"; do
  FLAP_HISTORY=$history "$bin/firehouse-bench-ingest" flap 4000 16
done
# The disk alone: every answer waits for one WAL fdatasync, so its stalls bound the fixed-rate p99.
python3 bench/fsync_probe.py "${PROBE_SECONDS:-10}" "$dir"
