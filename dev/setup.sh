#!/usr/bin/env bash
# Installs what Tide needs on a Debian 12 machine that already has Swift 6.3:
# Lua 5.4 headers and library (liblua5.4-dev, found through pkg-config), the lua5.4 interpreter
# (the benchmark's floor), SQLite, luacheck, and GNU time (peak memory in benchmarks).
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(liblua5.4-dev lua5.4 pkg-config libsqlite3-dev lua-check time)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "dev/setup.sh: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "dev/setup.sh: swift is not on PATH (Swift 6.3 expected)" >&2; exit 1; }
pkg-config --exists lua5.4 || { echo "dev/setup.sh: pkg-config cannot find lua5.4" >&2; exit 1; }
