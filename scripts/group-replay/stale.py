# Lists that recommend an item their user had already interacted with: for each list the reader
# saw (out.tsv), the items the user rated in the list's `based_on` partition at or before its
# `based_on` offset (judged by the producer's delivery reports, where.json). Run after a replay.
#   stale.py RATINGS OUT_DIR [LIMIT]
import collections, json, sys

ratings, outdir = sys.argv[1], sys.argv[2]
rows = [l.rstrip('\n').split('::') for l in open(ratings)]
rows.sort(key=lambda r: int(r[3]))  # the order replay.py sends them in
if len(sys.argv) > 3:
    rows = rows[:int(sys.argv[3])]
where = json.load(open(f'{outdir}/where.json'))
# Per (user, partition): offsets and items, in offset order.
history = collections.defaultdict(list)
for (u, item, _, _), w in zip(rows, where):
    if w:
        history[(f'u{u}', w[0])].append((w[1], f'i{item}'))
for h in history.values():
    h.sort()
lists = slots = stale = 0
for line in open(f'{outdir}/out.tsv'):
    user, p, offset, items = line.rstrip('\n').split('\t')
    p, offset = int(p), int(offset)
    seen = {item for o, item in history.get((user, p), []) if o <= offset}
    shown = [i for i in items.split(',') if i]
    lists += 1
    slots += len(shown)
    stale += sum(1 for i in shown if i in seen)
print(json.dumps({'lists': lists, 'slots': slots, 'stale_slots': stale}))
