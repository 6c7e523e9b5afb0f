#!/usr/bin/env bash
# Builds the libFuzzer targets (release, AddressSanitizer) and fuzzes each for SECONDS (default 60),
# starting from the seed corpus in fuzz/corpus/<target>. A failing input is written to fuzz/artifacts/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzWebhook FuzzChat FuzzMatcher FuzzPostmortem FuzzTime FuzzMarkdown)
flags=(-c release --build-path .build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
for target in "${targets[@]}"; do
  swift build "${flags[@]}" --product "$target"
done
bin=$(swift build "${flags[@]}" --show-bin-path)
mkdir -p artifacts
for target in "${targets[@]}"; do
  work=$(mktemp -d)
  if [ -d "corpus/$target" ]; then cp -r "corpus/$target/." "$work/"; fi
  echo "fuzzing $target for ${seconds}s from $(ls "$work" | wc -l) seeds"
  extra=()
  asan=""
  # swift-corelibs-foundation leaks about 600 bytes in NSRegularExpression's init when the pattern
  # is invalid (found by this fuzzer; runbooks are the only source of patterns, loaded at start and
  # reload). Leak checking stays on for the other targets.
  if [ "$target" = FuzzMatcher ]; then extra+=(-detect_leaks=0); asan=detect_leaks=0; fi
  set +e
  ASAN_OPTIONS="$asan" "$bin/$target" "$work" "${extra[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target-" -print_final_stats=1 > "artifacts/$target.log" 2>&1
  status=$?
  set -e
  grep -E "stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|Test unit written" "artifacts/$target.log" || true
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    tail -40 "artifacts/$target.log" >&2
    echo "$target: libFuzzer found a failure (exit $status); the input is in fuzz/artifacts/" >&2
    exit 1
  fi
done
