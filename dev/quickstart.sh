#!/usr/bin/env bash
# Sets everything up, builds, and runs the example script in Tide's Lua sandbox.
# (Until the `tide` command line tool lands, scripts run through tide-lua-probe, which prints
# the script's outcome as JSON.)
set -euo pipefail
cd "$(dirname "$0")/.."
dev/setup.sh
swift build -c release --product tide-lua-probe
.build/release/tide-lua-probe scripts/examples/hello.lua
