#!/usr/bin/env bash
# Per-task overhead of the engine core (release build): W1-W4 in tasks/s, µs/task, retained bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product tide-engine-bench >/dev/null
exec .build/release/tide-engine-bench
