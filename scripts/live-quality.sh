#!/usr/bin/env bash
# Live quality of the session model: replays an event file through the daemon on the embedded
# mock cluster twice, with the session model trained in the daemon and without it (MF alone),
# at the same rate with engine.debounce_ms: 0, and writes both runs' online HR@10 and NDCG@10
# over the stream as SVG charts.
#
#   scripts/live-quality.sh FILE [RATE] [OUT_DIR] [-- extra demo arguments]
#
# FILE: an event file `streamrec demo --input` reads (MovieLens ratings.dat, sequences, ...).
# RATE: events/s (default 10000). OUT_DIR (default live-quality/): on.json, off.json, on.csv,
# off.csv, hr.svg, ndcg.svg. Prints both runs' JSON and the ratios on standard output.
set -euo pipefail
if [[ $# -lt 1 ]]; then sed -n '2,12p' "$0" >&2; exit 2; fi
input=$(realpath "$1"); rate=${2:-10000}; out=${3:-live-quality}
shift $(( $# < 3 ? $# : 3 )); [[ "${1:-}" == "--" ]] && shift
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product streamrec >&2
mkdir -p "$out"
printf 'engine:\n  debounce_ms: 0\n' > "$out/config.yaml"
for session in off on; do
  echo "replaying $input at $rate events/s, session $session ..." >&2
  .build/release/streamrec demo --input "$input" --rate "$rate" --seconds 3600 --config "$out/config.yaml" \
    --session "$session" --series "$out/$session.csv" --json "$@" > "$out/$session.json" 2> "$out/$session.log"
  cat "$out/$session.json"
done
.build/release/streamrec plot --series "session on=$out/on.csv" --series "MF alone=$out/off.csv" \
  --column online_hr@10 --x events --title "online HR@10 over the stream" --out "$out/hr.svg" >&2
.build/release/streamrec plot --series "session on=$out/on.csv" --series "MF alone=$out/off.csv" \
  --column online_ndcg@10 --x events --title "online NDCG@10 over the stream" --out "$out/ndcg.svg" >&2
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
on, off = (json.load(open(f"{d}/{s}.json")) for s in ("on", "off"))
for k in ("online_hr@10", "online_ndcg@10"):
    r = on[k] / off[k] if off[k] else float("nan")
    print(f"{k}: session on {on[k]}, MF alone {off[k]}: {r:.2f}x")
PY
