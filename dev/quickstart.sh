#!/usr/bin/env bash
# Sets everything up, builds the `tide` tool, and runs the quick-start plan with it.
set -euo pipefail
cd "$(dirname "$0")/.."
dev/setup.sh
swift build -c release --product tide
.build/release/tide run scripts/plans/quickstart.lua
