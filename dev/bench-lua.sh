#!/usr/bin/env bash
# Micro-benchmarks of the Lua host layer (release build). Prints ns/op and, last,
# swift_bound_vs_c_ratio=<x>. Usage: dev/bench-lua.sh [--baseline REV]  (REV is built in
# .build-baseline and its figures are printed after this tree's, from the same run).
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=""
if [ "${1:-}" = "--baseline" ]; then baseline=${2:?"--baseline needs a revision"}; fi
swift build -c release --product tide-lua-bench >/dev/null
echo "== this tree"
.build/release/tide-lua-bench
if [ -n "$baseline" ]; then
  src=$PWD/.build-baseline/src
  rm -rf "$src"
  git worktree prune
  git worktree add --detach "$src" "$baseline" >/dev/null 2>&1
  swift build -c release --product tide-lua-bench --package-path "$src" >/dev/null 2>&1
  echo "== $baseline"
  "$src/.build/release/tide-lua-bench"
  git worktree remove --force "$src"
  echo "== this tree, again (the machine's noise between the two runs)"
  .build/release/tide-lua-bench
fi
