#!/usr/bin/env bash
# The test command: sets up the machine, lints, builds with strict flags, runs every test.
# Exits non-zero on any failure. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

dev/setup.sh

echo "== swift format lint"
swift format lint --strict -r Sources Tests Benchmarks Package.swift

echo "== luacheck (scripts/, stdlib/, Benchmarks/plans/, Benchmarks/recovery/)"
lua_files=$(find scripts stdlib Benchmarks/plans Benchmarks/recovery -name '*.lua' 2>/dev/null || true)
if [ -n "$lua_files" ]; then
    # shellcheck disable=SC2086
    luacheck --no-color -q $lua_files
fi

echo "== strict build"
swift build --build-tests -Xswiftc -warnings-as-errors \
    --explicit-target-dependency-import-check error -Xswiftc -require-explicit-sendable

echo "== tests"
# A hung test must fail the run, not hold CI for 90 minutes.
timeout --kill-after=30 1200 swift test --skip-build --disable-xctest
