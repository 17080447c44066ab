#!/usr/bin/env bash
# Runs the whole test suite (unit and integration tests on librdkafka's mock cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift test "$@"
