#!/usr/bin/env bash
# Durable executions through the release `tide` binary, next to raw SQLite measured in the same run.
#
#   W1     10,000 independent no-op tasks, store at durability process
#   W5     a chain of 1,000 (each completion committed before the next task starts), at process and power
#   W6     a chain of 500 whose tasks each fail once and are retried at once (a retry waits for the
#          commit of the failed attempt: what unique attempt numbers cost), at process
#   start  exec to the first {"event"} line: `tide run` of W1, and `tide resume` of W1 killed with
#          SIGKILL once the store holds 3,000 completions (it lags: about half are committed by then)
#   raw    1,000 single-row INSERT transactions into a WAL database in the same folder, with
#          synchronous=NORMAL (what `process` does per commit) and synchronous=FULL (an fsync each, `power`)
#
# Best of 5 runs each. The store is on the project's disk (.build/bench-store), not in /tmp, which
# may be a RAM disk. Usage: dev/bench-store.sh [--baseline REV]  (REV is built in .build-baseline
# and measured in the same run, with the same raw loops beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
if [ "${1:-}" = "--baseline" ]; then baseline=${2:?"--baseline needs a revision"}; fi
command -v python3 >/dev/null || { echo "bench-store: python3 is needed" >&2; exit 1; }

swift build -c release --product tide >/dev/null
dir=$PWD/.build/bench-store
mkdir -p "$dir"

best() {  # best throughput of 5 runs of: TIDE run PLAN --quiet ARGS...
  local tide=$1 plan=$2; shift 2
  local best=0
  for _ in 1 2 3 4 5; do
    rm -f "$dir"/b.db*
    local t
    t=$("$tide" run "$plan" --quiet --db "$dir/b.db" --no-alerts "$@" 2>/dev/null \
      | awk '/throughput/ { print $2 }')
    best=$(awk -v a="$best" -v b="${t:-0}" 'BEGIN { print (b > a) ? b : a }')
  done
  echo "$best"
}

measure() {  # TIDE: prints w1 w5-process w5-power w6 run-ms resume-ms completed-at-kill
  local tide=$1
  local w1 w5p w5f w6 startup
  w1=$(best "$tide" Benchmarks/plans/w1.lua --durability process --no-recovery)
  w5p=$(best "$tide" Benchmarks/plans/w5.lua --durability process --no-recovery)
  w5f=$(best "$tide" Benchmarks/plans/w5.lua --durability power --no-recovery)
  w6=$(best "$tide" Benchmarks/plans/w6.lua --durability process --recovery "$PWD/Benchmarks/recovery")
  startup=$(python3 dev/bench_store_helper.py startup "$tide" "$dir/s.db" Benchmarks/plans/w1.lua 3000)
  echo "$w1 $w5p $w5f $w6 $startup"
}

raw_normal=$(python3 dev/bench_store_helper.py raw-commits "$dir" 1000 NORMAL)
raw_full=$(python3 dev/bench_store_helper.py raw-commits "$dir" 1000 FULL)
read -r w1 w5p w5f w6 run_ms resume_ms at_kill <<<"$(measure .build/release/tide)"

if [ -n "$baseline" ]; then
  src=$PWD/.build-baseline/src
  rm -rf "$src"
  git worktree prune
  git worktree add --detach "$src" "$baseline" >/dev/null 2>&1
  swift build -c release --product tide --package-path "$src" >/dev/null
  read -r bw1 bw5p bw5f bw6 brun bresume bat_kill <<<"$(measure "$src/.build/release/tide")"
  git worktree remove --force "$src"
fi

row() {  # label this baseline unit higher-is-better
  if [ -n "$baseline" ]; then
    awk -v l="$1" -v a="$2" -v b="$3" -v u="$4" -v h="$5" 'BEGIN {
      change = (b > 0) ? (h ? (a - b) / b : (b - a) / b) * 100 : 0
      printf "%-48s %12.1f %12.1f %-10s %+6.1f%%\n", l, a, b, u, change }'
  else
    awk -v l="$1" -v a="$2" -v u="$4" 'BEGIN { printf "%-48s %12.1f %-10s\n", l, a, u }'
  fi
}

if [ -n "$baseline" ]; then
  printf "%-48s %12s %12s %-10s %7s\n" "figure" "this" "$baseline" "unit" "better"
else
  printf "%-48s %12s %-10s\n" "figure" "this" "unit"
fi
row "W1 10,000 tasks, store at process" "$w1" "${bw1:-0}" "tasks/s" 1
row "W5 chain of 1,000, store at process" "$w5p" "${bw5p:-0}" "tasks/s" 1
row "W5 chain of 1,000, store at power" "$w5f" "${bw5f:-0}" "tasks/s" 1
row "W6 chain of 500, each retried once, process" "$w6" "${bw6:-0}" "tasks/s" 1
row "tide run W1: exec to first event" "$run_ms" "${brun:-0}" "ms" 0
row "tide resume W1 (killed half way): first event" "$resume_ms" "${bresume:-0}" "ms" 0
printf "%-48s %12.0f %-10s\n" "raw WAL commits, synchronous=NORMAL" "$raw_normal" "commits/s"
printf "%-48s %12.0f %-10s\n" "raw WAL commits + fsync, synchronous=FULL" "$raw_full" "commits/s"
awk -v r="$resume_ms" -v s="$run_ms" -v p="$w5f" -v f="$raw_full" -v k="$at_kill" 'BEGIN {
  printf "resume start-up / run start-up: %.2f (target <= 2; %d of 10,000 tasks were committed at the kill)\n", r / s, k
  printf "power chain / raw fsync loop: %.2f (target >= 0.80)\n", p / f }'
echo "process: survives a killed process (WAL, synchronous=NORMAL); power: also an OS crash or power loss (fsync per commit)"
