#!/usr/bin/env bash
# Lua plans through the release `tide` binary vs. the same DAGs in plain lua5.4 (the floor).
# W1 10,000 independent no-op tasks, W2 a chain of 1,000, W3 50 x 50 layered, W4 200 x 50 ms sleeps
# at concurrency 50; then the peak RSS of a 100,000-task plan. Best of 5 runs each, in memory
# (--in-memory: dev/bench-store.sh measures the durable store).
# Needs: lua5.4 and GNU time (Debian packages lua5.4 and time).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v lua5.4 >/dev/null || { echo "bench-plans: install lua5.4 (apt-get install lua5.4)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-plans: install GNU time (apt-get install time)" >&2; exit 1; }
swift build -c release --product tide >/dev/null
tide=.build/release/tide
plans=Benchmarks/plans

# Best (highest) engine throughput of 5 runs, from the summary's throughput line.
best_throughput() {
  local best=0
  for _ in 1 2 3 4 5; do
    local t
    t=$("$tide" run "$plans/$1.lua" --quiet --in-memory | awk '/throughput/ { print $2 }')
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
  done
  echo "$best"
}

echo "workload  tide tasks/s  tide us/task  floor tasks/s  floor us/task  ratio"
for w in w1 w2 w3; do
  tide_tps=$(best_throughput "$w")
  floor_tps=$(lua5.4 "$plans/floor.lua" "$w" 5 | awk '{ for (i = 1; i <= NF; i++) if ($i == "=") print $(i + 1) }')
  awk -v w="$w" -v t="$tide_tps" -v f="$floor_tps" 'BEGIN {
    printf "%-8s  %12.0f  %12.2f  %13.0f  %13.2f  %5.1fx\n", w, t, 1e6 / t, f, 1e6 / f, f / t }'
done

best_wall=1e9
for _ in 1 2 3; do
  ms=$("$tide" run "$plans/w4.lua" --quiet --in-memory | awk '/duration/ { print $2 }')
  best_wall=$(awk -v a="$best_wall" -v b="${ms%ms}" 'BEGIN { print (b < a) ? b : a }')
done
awk -v ms="$best_wall" 'BEGIN { printf "w4        200 x 50 ms at concurrency 50: %.0f ms wall, efficiency %.3f (0.200 s ideal)\n", ms, 200 / ms }'

rss=$(/usr/bin/time -f "%M" "$tide" run "$plans/w1-100k.lua" --quiet --in-memory 2>&1 >/dev/null | tail -1)
awk -v kb="$rss" 'BEGIN { printf "100,000-task plan: peak RSS %.0f MB (load, run and summary)\n", kb / 1024 }'
