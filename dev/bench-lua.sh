#!/usr/bin/env bash
# Micro-benchmarks of the Lua host layer (release build). Prints ns/op and, last,
# swift_bound_vs_c_ratio=<x>. Usage: dev/bench-lua.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product tide-lua-bench >/dev/null
exec .build/release/tide-lua-bench
