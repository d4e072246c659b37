#!/usr/bin/env bash
# Runs the performance script with Linux `perf` sampling the whole machine (1 kHz, plus the
# scheduler's switches and wake-ups), so a long task the page reports (perf.mjs prints each
# one's start in epoch ms) can be read as what every thread was doing at that moment:
#   bash tests/e2e/os-profile.sh && python3 tests/e2e/os-profile-window.py <epoch ms> <ms>
# This is how WebKit's own memory measurement was found inside the mid-stream pauses, where the
# page's inspector saw nothing (docs/PERFORMANCE.md, "Session 11"). Needs root or
# kernel.perf_event_paranoid <= 0; not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OS_PROFILE_DIR:-artifacts/os-profile}
mkdir -p "$out"
log="$out/perf-run.log"
: >"$log"
PERF_UNTRACED_REPLIES=${PERF_UNTRACED_REPLIES:-3} \
  BAILIAN_DESK_APP=${BAILIAN_DESK_APP:-target/release/bailian-desk-app} \
  xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e/perf.mjs >"$log" 2>&1 &
runner=$!
recorder=
trap 'kill "$runner" $recorder 2>/dev/null || true' EXIT
until grep -q "opened the" "$log" 2>/dev/null; do
  kill -0 "$runner" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
# The newest web process is this run's (started with the app the script just opened).
pgrep -n -f WebKitWebProcess >"$out/web-process.pid" || { echo "no WebKit web process found"; exit 1; }
# perf's clock is CLOCK_MONOTONIC; the page's is the epoch: keep the difference.
python3 -c 'import time; print(time.time() - time.monotonic())' >"$out/clock-offset"
perf record -a -k CLOCK_MONOTONIC -F 1000 -e cpu-clock -e sched:sched_switch -e sched:sched_wakeup \
  -o "$out/perf.data" >"$out/perf-record.log" 2>&1 &
recorder=$!
wait "$runner" || true
kill -INT "$recorder" 2>/dev/null || { echo "perf record stopped early: see $out/perf-record.log"; exit 1; }
wait "$recorder" || true
recorder=
perf script -i "$out/perf.data" -F comm,tid,cpu,time,event,ip,sym,dso,trace >"$out/perf.txt" 2>/dev/null
grep -E "untraced reply|ms \(epoch" "$log" | cut -c1-220 || true
echo "samples: $out/perf.txt; web process $(cat "$out/web-process.pid")"
