#!/usr/bin/env bash
# Runs the demo: the whole engine on an embedded Kafka mock cluster fed by the event generator.
# Extra arguments go to `streamrec demo` (e.g. --seconds 60 --rate 50000 --json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product streamrec >&2
exec .build/release/streamrec demo "$@"
