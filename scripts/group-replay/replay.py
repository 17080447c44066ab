# One replay of MovieLens-1M ratings in time order through real `streamrec serve` processes in
# one consumer group (`g`) on a mock cluster hosted by a separate process, with a separate
# producer (delivery reports kept) and a separate reader of the output topic.
#
#   replay.py MODE RATE SESSION RATINGS OUT_DIR
#
# MODE: one (a single member), group2, group3, move (a group of 2 whose second member leaves
# with SIGTERM when half the events are sent, and a third joins). RATE: events/s. SESSION:
# true/false (`session.enabled`). Each member: `engine.debounce_ms: 0`, `session.timeout.ms` 6000.
# Environment: STREAMREC (the binary; default .build/release/streamrec), LIMIT (first N ratings),
# PARTITIONS (of every topic but dlq and g.models; default 16, see mock.py).
#
# Online HR@10 / NDCG@10 are computed from outside, the way the daemon scores itself: each event
# against its user's newest list whose based_on offset (same partition) lies before the event's
# offset; events of users without such a list are not scored. With several members it also asks
# the first two for `similar` top 10 of the 20 most rated items. Writes result.json (also printed),
# outcome.json (event index -> rank or -1) and where.json (event index -> [partition, offset]).
import atexit, bisect, collections, json, math, os, signal, subprocess, sys, time, urllib.request
from confluent_kafka import Producer

mode, rate, session = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ratings, outdir = os.path.abspath(sys.argv[4]), os.path.abspath(sys.argv[5])
here = os.path.dirname(os.path.abspath(__file__))
binary = os.path.abspath(os.environ.get('STREAMREC', os.path.join(here, '../../.build/release/streamrec')))
os.makedirs(outdir, exist_ok=True)
os.chdir(outdir)
ports = {'a': 18180, 'b': 18182, 'c': 18184}
procs = {}
atexit.register(lambda: [p.kill() for p in procs.values() if p.poll() is None])

partitions = int(os.environ.get('PARTITIONS', 16))
mock = subprocess.Popen([sys.executable, os.path.join(here, 'mock.py'), str(partitions)], stdout=open('mock.log', 'w'), stderr=subprocess.STDOUT)
atexit.register(mock.kill)
for _ in range(200):
    if os.path.exists('boot.txt') and open('boot.txt').read():
        break
    time.sleep(0.1)
boot = open('boot.txt').read()


def start(name):
    open(f'{name}.yaml', 'w').write(f"""kafka:
  bootstrap_servers: "{boot}"
  group_id: g
  input_topic: in
  output_topic: out
  dlq_topic: dlq
  consumer_group: true
  session.timeout.ms: "6000"
  heartbeat.interval.ms: "300"
engine:
  debounce_ms: 0
session:
  enabled: {session}
state:
  dir: {outdir}/state-{name}
http:
  port: {ports[name]}
""")
    procs[name] = subprocess.Popen([binary, 'serve', '--config', f'{name}.yaml'], stdout=open(f'{name}.log', 'a'), stderr=subprocess.STDOUT)


def ready(name):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[name]}/readyz", timeout=10) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            return json.loads(e.read())
        except ValueError:
            return None
    except OSError:
        return None


def settle(names, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        rs = [ready(n) for n in names]
        if all(rs) and all(r.get('partitions') for r in rs) and sum(len(r['partitions']) for r in rs) == partitions:
            return rs
        time.sleep(0.2)
    sys.exit(f"the group did not settle: {[ready(n) for n in names]}")


members = {'one': ['a'], 'group2': ['a', 'b'], 'group3': ['a', 'b', 'c'], 'move': ['a', 'b']}[mode]
for n in members:
    start(n)
owners_before = {p: n for n, r in zip(members, settle(members)) for p in r['partitions']}
print('settled:', owners_before, flush=True)
reader = subprocess.Popen([sys.executable, os.path.join(here, 'reader.py'), boot, 'out.tsv', 'stop', str(partitions)],
                          stdout=open('reader.log', 'w'), stderr=subprocess.STDOUT)
atexit.register(lambda: reader.poll() is None and reader.kill())

rows = [l.rstrip('\n').split('::') for l in open(ratings)]
rows.sort(key=lambda r: int(r[3]))
rows = rows[:int(os.environ.get('LIMIT', len(rows)))]
N, half = len(rows), len(rows) // 2
where = [None] * N


def delivered(i):
    def report(err, msg):
        if err is None:
            where[i] = (msg.partition(), msg.offset())
    return report


producer = Producer({'bootstrap.servers': boot, 'linger.ms': 5, 'queue.buffering.max.messages': 1000000})
t0 = time.time()
for i, (u, item, r, ts) in enumerate(rows):
    if mode == 'move' and i == half:
        producer.flush(10)
        settle(members)
        left = time.time()
        procs['b'].send_signal(signal.SIGTERM)
        rc = procs['b'].wait(60)
        print(f"b left with exit {rc} after {time.time() - left:.2f} s; c joins", flush=True)
        start('c')
        members = ['a', 'c']
    wait = i / rate - (time.time() - t0)
    if wait > 0:
        time.sleep(wait)
    event = {"user": f"u{u}", "item": f"i{item}", "type": "rating", "value": float(r), "ts": int(ts) * 1000}
    producer.produce('in', key=event['user'], value=json.dumps(event), on_delivery=delivered(i))
    if i % 500 == 0:
        producer.poll(0)
producer.flush(60)
print(f"sent {N} in {time.time() - t0:.1f} s, {sum(1 for w in where if w)} delivered", flush=True)

end = time.time() + 300
while time.time() < end:
    rs = [ready(n) for n in members]
    if all(rs) and all('applied_owned' in r for r in rs) and sum(r['applied_owned'] for r in rs) == N and all(r['lag'] == 0 for r in rs):
        break
    time.sleep(0.5)
rs = [ready(n) for n in members]
owners_after = {p: n for n, r in zip(members, rs) for p in r.get('partitions', [])}
applied = sum(r.get('applied_owned', 0) for r in rs)
print('applied_owned:', {n: r.get('applied_owned') for n, r in zip(members, rs)}, 'sum', applied, 'of', N, flush=True)


def similar(name, item):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[name]}/v1/items/{item}/similar?k=10", timeout=10) as r:
            return json.loads(r.read())['items']
    except OSError:
        return []


# Agreement: the first two live members' `similar` top 10 for the 20 most rated items, once the
# item changes of the last events have reached the other member (sent every
# kafka.item_updates_interval_ms, 500 ms by default, then fetched): 3 s after the last event.
agreement = []
if len(members) > 1:
    time.sleep(3)
    for item, _ in collections.Counter(f"i{r[1]}" for r in rows).most_common(20):
        first, second = similar(members[0], item), similar(members[1], item)
        overlap = len({x['item'] for x in first} & {x['item'] for x in second})
        gap = max((abs(x['score'] - y['score']) for x, y in zip(first, second)), default=None)
        agreement.append({'item': item, 'overlap': overlap, 'largest_score_gap': gap})
open('stop', 'w').write('')
reader.wait(120)
for n in members:
    procs[n].send_signal(signal.SIGTERM)
exits = {n: procs[n].wait(60) for n in members}
mock.kill()

lists = collections.defaultdict(list)
for line in open('out.tsv'):
    user, part, off, items = line.rstrip('\n').split('\t')
    lists[(user, int(part))].append((int(off), items.split(',') if items else []))
for v in lists.values():
    v.sort(key=lambda x: x[0])
offsets = {k: [x[0] for x in v] for k, v in lists.items()}
outcome = {}
for i, (u, item, r, ts) in enumerate(rows):
    if not where[i]:
        continue
    part, off = where[i]
    key = (f"u{u}", part)
    j = bisect.bisect_left(offsets.get(key, []), off) - 1
    if j < 0:
        continue
    shown = lists[key][j][1][:10]
    outcome[i] = shown.index(f"i{item}") if f"i{item}" in shown else -1


def quality(indices):
    scored = [i for i in indices if i in outcome]
    hits = [outcome[i] for i in scored if outcome[i] >= 0]
    n = len(scored)
    return {'n': n, 'hr': len(hits) / n if n else 0, 'ndcg': sum(1 / math.log2(k + 2) for k in hits) / n if n else 0}


moved = sorted(p for p in owners_before if owners_before[p] != owners_after.get(p))
result = {'mode': mode, 'rate': rate, 'session': session, 'partitions': partitions, 'events': N, 'delivered': sum(1 for w in where if w),
          'applied': applied, 'exits': exits, 'lists': sum(len(v) for v in lists.values()), 'online': quality(range(N)),
          'owners_before': owners_before, 'owners_after': owners_after, 'moved_partitions': moved,
          'similar_overlap_of_10': [a['overlap'] for a in agreement], 'similar': agreement}
json.dump(result, open('result.json', 'w'), indent=1)
json.dump(outcome, open('outcome.json', 'w'))
json.dump(where, open('where.json', 'w'))
print(json.dumps(result), flush=True)
