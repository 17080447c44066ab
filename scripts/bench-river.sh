#!/usr/bin/env bash
# Builds streamrec in release mode, installs River into .venv-bench when missing, and runs
# `streamrec bench` with River as the peer. Arguments go to `streamrec bench` (e.g. --json).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c 'import river' 2>/dev/null; then
    echo "installing River into .venv-bench ..." >&2
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet river
fi

swift build -c release --product streamrec >&2
exec .build/release/streamrec bench --python .venv-bench/bin/python --river-script scripts/bench-river.py "$@"
