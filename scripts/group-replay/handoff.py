# Hand-off quality: the events of the partitions that changed owner in a `move` replay, from the
# move on, against the same events in a replay where nothing moved (`group2`). Only events scored
# in both runs are compared.
#   handoff.py MOVE_DIR STILL_DIR
import json, math, sys

move, still = sys.argv[1], sys.argv[2]
res = json.load(open(f'{move}/result.json'))
where = json.load(open(f'{move}/where.json'))
om = {int(k): v for k, v in json.load(open(f'{move}/outcome.json')).items()}
os_ = {int(k): v for k, v in json.load(open(f'{still}/outcome.json')).items()}
half = res['events'] // 2
after = [i for i in range(half, res['events']) if where[i] and where[i][0] in res['moved_partitions']]
both = [i for i in after if i in om and i in os_]


def q(o):
    hits = [o[i] for i in both if o[i] >= 0]
    return len(hits) / len(both), sum(1 / math.log2(k + 2) for k in hits) / len(both)


(hm, nm), (hs, ns) = q(om), q(os_)
print(json.dumps({'moved_partitions': res['moved_partitions'], 'events_after_move': len(after), 'scored_in_both': len(both),
                  'moved_hr': hm, 'moved_ndcg': nm, 'still_hr': hs, 'still_ndcg': ns,
                  'hr_ratio': hm / hs if hs else 0, 'ndcg_ratio': nm / ns if ns else 0}))
