# A separate reader of the output topic `out`, from its start, while the replay runs (the mock
# keeps only about 5 MiB per partition). Writes one line per list: user, based_on partition,
# based_on offset, items (tab-separated). Stops 3 s after STOP_FILE exists and nothing arrives.
#   reader.py BOOTSTRAP OUT_FILE STOP_FILE PARTITIONS
import json, os, sys
from confluent_kafka import Consumer, TopicPartition

boot, out, stopfile, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({'bootstrap.servers': boot, 'group.id': 'reader', 'enable.auto.commit': False,
              'auto.offset.reset': 'earliest'})
c.assign([TopicPartition('out', q, 0) for q in range(partitions)])
n, idle = 0, 0
with open(out, 'w') as f:
    while True:
        batch = c.consume(10000, 0.2)
        if not batch:
            idle += 1
            if os.path.exists(stopfile) and idle >= 15:
                break
            continue
        idle = 0
        for m in batch:
            if m.error() or m.value() is None:
                continue
            l = json.loads(m.value())
            bo = l.get('based_on') or {}
            items = ','.join(x['item'] for x in l['items'])
            f.write(f"{l['user']}\t{bo.get('partition', -1)}\t{bo.get('offset', -1)}\t{items}\n")
            n += 1
c.close()
print(f"reader: {n} lists", flush=True)
