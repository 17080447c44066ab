#!/usr/bin/env bash
# Item sharing and hand-off from outside: MovieLens-1M ratings in time order replayed through
# real `streamrec serve` processes in one group (mock cluster in its own process, a separate
# producer and reader; Python confluent-kafka), as one instance, groups of 2 and 3, and a group
# of 2 whose second member leaves half-way while a third joins. Prints each replay's online
# HR@10 / NDCG@10, how many list slots held an item their user had rated at or before the list's
# based_on offset (stale.py), and the hand-off comparison.
#
#   scripts/group-replay/run.sh [RATE] [SESSION] [OUT_DIR]
#
# RATE: events/s (default 20000); SESSION: true/false (default false); OUT_DIR (default
# group-replay/). Needs `pip install confluent-kafka` and a release build.
set -euo pipefail
rate=${1:-20000}; session=${2:-false}; out=$(realpath -m "${3:-group-replay}")
cd "$(dirname "$0")/../.."
python3 -c 'import confluent_kafka' 2>/dev/null || { echo "needs Python confluent-kafka: pip install confluent-kafka" >&2; exit 2; }
scripts/install-deps.sh
swift build -c release --product streamrec >&2
mkdir -p "$out"
ratings="$out/ratings.dat"
[[ -s "$ratings" ]] || gzip -dc ../shared/datasets/ml-1m/partial/ratings.dat.gz > "$ratings"
for mode in one group2 group3 move; do
  rm -rf "${out:?}/$mode"
  echo "replay: $mode at $rate events/s, session $session ..." >&2
  python3 scripts/group-replay/replay.py "$mode" "$rate" "$session" "$ratings" "$out/$mode" > "$out/$mode.log" 2>&1 \
    || { echo "$mode failed, see $out/$mode.log" >&2; exit 1; }
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(json.dumps({k: d[k] for k in ("mode", "events", "applied", "exits", "lists", "online", "moved_partitions", "similar_overlap_of_10")}))' "$out/$mode/result.json"
  python3 scripts/group-replay/stale.py "$ratings" "$out/$mode" ${LIMIT:-}
done
python3 scripts/group-replay/handoff.py "$out/move" "$out/group2"
