#!/usr/bin/env bash
# Lua plans through the release `tide` binary vs. the same DAGs in plain lua5.4 (the floor).
# W1 10,000 independent no-op tasks, W2 a chain of 1,000, W3 50 x 50 layered, W4 200 x 50 ms sleeps
# at concurrency 50; then the peak RSS of a 100,000-task plan, and the cost of automatic checkpoints
# (2,000 tasks with and without --checkpoint-every 10, in a store); then the cost of time slices
# (W1 and W3 with --limit slice=none) and the lateness of timeouts beside a busy loop, with slices
# and without. Best of 5 runs each, in memory (--in-memory: dev/bench-store.sh measures the
# durable store).
# Usage: dev/bench-plans.sh [--baseline REV]  (REV is built in .build-baseline; each figure's runs
# alternate between this tree and REV, so that both see the same moments of a noisy machine).
# Needs: lua5.4 and GNU time (Debian packages lua5.4 and time).
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
if [ "${1:-}" = "--baseline" ]; then baseline=${2:?"--baseline needs a revision"}; fi
command -v lua5.4 >/dev/null || { echo "bench-plans: install lua5.4 (apt-get install lua5.4)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-plans: install GNU time (apt-get install time)" >&2; exit 1; }
swift build -c release --product tide >/dev/null
plans=$PWD/Benchmarks/plans
dir=$PWD/.build/bench-plans
mkdir -p "$dir"
binaries=("$PWD/.build/release/tide")
if [ -n "$baseline" ]; then
  src=$PWD/.build-baseline/src
  rm -rf "$src"
  git worktree prune
  git worktree add --detach "$src" "$baseline" >/dev/null 2>&1
  swift build -c release --product tide --package-path "$src" >/dev/null 2>&1
  cp "$src/.build/release/tide" "$dir/tide-baseline"
  git worktree remove --force "$src"
  binaries+=("$dir/tide-baseline")
fi

# One figure of TIDE: throughput (tasks/s) of a plan, or wall ms / peak KB of a whole process.
figure() {
  local tide=$1 kind=$2 plan=$3
  shift 3
  case $kind in
    throughput) "$tide" run "$plans/$plan.lua" --quiet --in-memory --no-alerts --no-recovery "$@" | awk '/throughput/ { print $2 }' ;;
    duration) "$tide" run "$plans/$plan.lua" --quiet --in-memory --no-alerts --no-recovery | awk '/duration/ { sub("ms", "", $2); print $2 }' ;;
    rss) /usr/bin/time -f "%M" "$tide" run "$plans/$plan.lua" --quiet --in-memory --no-alerts 2>&1 >/dev/null | tail -1 ;;
    wall)
      rm -f "$dir"/c.db*
      local start end
      start=$(date +%s%N)
      "$tide" run "$plans/$plan.lua" --quiet --db "$dir/c.db" --no-alerts --no-recovery "$@" >/dev/null 2>&1
      end=$(date +%s%N)
      echo $(( (end - start) / 1000000 )) ;;
  esac
}

# Best of 5 rounds of a figure for every binary, the binaries alternating within each round;
# prints one best per binary. Higher is better for throughput, lower for the others.
best() {
  local kind=$1
  local -a bests=()
  for _ in 1 2 3 4 5; do
    for i in "${!binaries[@]}"; do
      local v
      v=$(figure "${binaries[$i]}" "$@")
      bests[i]=$(awk -v k="$kind" -v a="${bests[$i]:-}" -v b="$v" 'BEGIN {
        if (a == "") print b; else if (k == "throughput") print (b > a) ? b : a; else print (b < a) ? b : a }')
    done
  done
  echo "${bests[@]}"
}

read -r w1 bw1 <<<"$(best throughput w1)"
read -r w2 bw2 <<<"$(best throughput w2)"
read -r w3 bw3 <<<"$(best throughput w3)"
read -r w4 bw4 <<<"$(best duration w4)"
read -r rss brss <<<"$(best rss w1-100k)"
read -r off boff <<<"$(best wall checkpoints)"
read -r every bevery <<<"$(best wall checkpoints --checkpoint-every 10)"

# Time slices: the same binary with preemption on (the default) and off, runs alternating.
binaries_kept=("${binaries[@]}")
binaries=("${binaries_kept[0]}")
slices() {
  local kind=$1 plan=$2 on="" off=""
  for _ in 1 2 3 4 5; do
    local a b
    a=$(figure "${binaries[0]}" "$kind" "$plan")
    b=$(figure "${binaries[0]}" "$kind" "$plan" --limit slice=none)
    on=$(awk -v x="$on" -v y="$a" 'BEGIN { print (x == "" || y > x) ? y : x }')
    off=$(awk -v x="$off" -v y="$b" 'BEGIN { print (x == "" || y > x) ? y : x }')
  done
  echo "$on $off"
}
read -r w1on w1off <<<"$(slices throughput w1)"
read -r w3on w3off <<<"$(slices throughput w3)"
# Lateness of 20 timeouts beside a busy loop: the median of 5 runs' p50, and the largest max.
lateness() {
  local p50s="" worst=0
  for _ in 1 2 3 4 5; do
    local p50 max
    read -r p50 max <<<"$("${binaries[0]}" run "$plans/lateness.lua" --in-memory --no-alerts --no-recovery --json "$@" \
      | lua5.4 "$plans/lateness-figures.lua")"
    p50s="$p50s $p50"
    worst=$(awk -v a="$worst" -v b="$max" 'BEGIN { print (b > a) ? b : a }')
  done
  echo "$(echo $p50s | tr ' ' '\n' | sort -n | sed -n 3p) $worst"
}
read -r late50 latemax <<<"$(lateness)"
read -r late50off latemaxoff <<<"$(lateness --limit slice=none)"
binaries=("${binaries_kept[@]}")

echo "workload  tide tasks/s  tide us/task  floor tasks/s  floor us/task  ratio"
for w in w1 w2 w3; do
  tide_tps=${!w}
  floor_tps=$(lua5.4 "$plans/floor.lua" "$w" 5 | awk '{ for (i = 1; i <= NF; i++) if ($i == "=") print $(i + 1) }')
  awk -v w="$w" -v t="$tide_tps" -v f="$floor_tps" 'BEGIN {
    printf "%-8s  %12.0f  %12.2f  %13.0f  %13.2f  %5.1fx\n", w, t, 1e6 / t, f, 1e6 / f, f / t }'
done
awk -v ms="$w4" 'BEGIN { printf "w4        200 x 50 ms at concurrency 50: %.0f ms wall, efficiency %.3f (0.200 s ideal)\n", ms, 200 / ms }'
awk -v kb="$rss" 'BEGIN { printf "100,000-task plan: peak RSS %.0f MB (load, run and summary)\n", kb / 1024 }'
awk -v a="$off" -v b="$every" 'BEGIN { printf "2,000 tasks in a store: %d ms, with --checkpoint-every 10 (200 checkpoints): %d ms\n", a, b }'
awk -v a="$w1on" -v b="$w1off" -v c="$w3on" -v d="$w3off" 'BEGIN {
  printf "time slices: W1 %.0f tasks/s (%.0f with slice=none, %+.1f%%), W3 %.0f (%.0f, %+.1f%%)\n", a, b, (a - b) / b * 100, c, d, (c - d) / d * 100 }'
echo "timeouts beside a busy loop: lateness p50 $late50 ms, max $latemax ms (slice=none: p50 $late50off ms, max $latemaxoff ms; a slice is 10 ms)"

if [ -n "$baseline" ]; then
  echo
  printf "%-44s %12s %12s %8s\n" "figure" "this" "$baseline" "change"
  row() { awk -v l="$1" -v a="$2" -v b="$3" -v h="$4" 'BEGIN {
    printf "%-44s %12.0f %12.0f %+7.1f%%\n", l, a, b, (h ? (a - b) / b : (b - a) / b) * 100 }'; }
  row "W1 10,000 no-op tasks (tasks/s)" "$w1" "$bw1" 1
  row "W2 chain of 1,000 (tasks/s)" "$w2" "$bw2" 1
  row "W3 50 x 50 layered (tasks/s)" "$w3" "$bw3" 1
  row "W4 200 x 50 ms sleeps (ms wall)" "$w4" "$bw4" 0
  row "100,000-task plan peak RSS (KB)" "$rss" "$brss" 0
  row "2,000 tasks in a store (ms)" "$off" "$boff" 0
  row "2,000 tasks, --checkpoint-every 10 (ms)" "$every" "$bevery" 0
  echo "(change: positive is better)"
fi
