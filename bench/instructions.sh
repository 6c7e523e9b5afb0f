#!/usr/bin/env bash
# Instructions per notification, counted by valgrind's callgrind: the same figure run after run on
# this noisy machine, so a change to the ingest path is judged by a repeatable number.
# Both runs send the same NOTIFICATIONS (200) storm bodies one at a time, after the same warm-up,
# on a fresh database with the repository's runbooks:
#   store  the service and SQLite alone (firehouse-bench-ingest): correlate, write, commit, WAL sync;
#   http   the same bodies through a server built as `firehouse serve` builds it, over loopback:
#          connection, HTTP parsing, routing, auth, JSON decoding, metrics, logging, the reply.
# Only user-space instructions count (not the kernel's work in syscalls); the sender's own share
# of the http figure is about 5,000 (it builds its requests before the measured phase and parses
# responses as bytes; both had cost it 85,000). Background checkpoints come with time, not with
# notifications, so both runs leave them out (CHECKPOINT_INTERVAL_MS).
#   bench/instructions.sh                 both, and their ratio
#   SCENARIO=repeat NOTIFICATIONS=400 bench/instructions.sh
#   BODIES=/tmp/alerta-peer/payloads/storm.ndjson bench/instructions.sh   the peer harness's storm bodies
#   KEEP=DIR bench/instructions.sh        keep the callgrind files (callgrind_annotate DIR/http.*.1)
# firehouse-bench-ingest --http also takes DATABASE_URL (an empty PostgreSQL database) to count the
# HTTP path over PostgreSQL by hand; the store-only figure is SQLite's.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${NOTIFICATIONS:-200}
scenario=${SCENARIO:-storm}
command -v valgrind >/dev/null || { echo "bench/instructions.sh needs valgrind (apt install valgrind)" >&2; exit 1; }
[ -f /usr/include/valgrind/callgrind.h ] || { echo "bench/instructions.sh needs valgrind's headers" >&2; exit 1; }
swift build -c release --product firehouse-bench-ingest >/dev/null
bin="$(swift build -c release --show-bin-path)"
dir="${KEEP:-$(mktemp -d)}"
mkdir -p "$dir"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT
# valgrind 3.19 cannot read the DWARF 5 debug info Swift 6 writes; a copy without it keeps the symbols.
strip --strip-debug -o "$dir/firehouse-bench-ingest" "$bin/firehouse-bench-ingest"
# Instructions of the dump the benchmark requests after its measured phase, per notification.
count() {
  local mode=$1; shift
  rm -f "$dir/$mode".*
  CHECKPOINT_INTERVAL_MS=3600000 valgrind --tool=callgrind --callgrind-out-file="$dir/$mode.%p" --log-file="$dir/$mode.log" \
    "$dir/firehouse-bench-ingest" "$scenario" "$n" 1 "$@" >/dev/null 2>&1
  local dump
  dump=$(grep -l "^desc: Trigger: Client Request: measured" "$dir/$mode".*)
  awk -v n="$n" '/^totals:/ {printf "%d", $2 / n}' "$dump"
}
store=$(count store)
http=$(count http --http)
echo "# instructions per notification ($scenario${BODIES:+ from $BODIES}, $n one at a time, callgrind)"
echo "store alone:   $store"
echo "through HTTP:  $http"
awk -v s="$store" -v h="$http" 'BEGIN {printf "ratio:         %.2f\n", h / s}'
