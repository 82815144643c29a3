#!/usr/bin/env bash
# The developer check before a commit: the same as the test command (format, strict build, tests).
exec "$(dirname "$0")/test.sh" "$@"
