#!/usr/bin/env python3
"""How hard a held-out target is in a sequence file (S3-Rec format: user item item ...), by
where it sits: each sampled user's last item against one of its middle items, ranked by the
popularity of the training items (each user's items but the last) of all users and of the
2,000 users just before in the file (the users a replay in file order streamed last). Prints
HR@10 of both rankings for both kinds of target. Used in docs/RESULTS.md to explain why the
daemon's held-out events (sampled mid-stream) score far above leave-one-out (last items).

usage: scripts/beauty-target-difficulty.py ../shared/datasets/amazon-beauty-s3rec/Beauty.txt
"""
import collections
import random
import sys

seqs = [line.split()[1:] for line in open(sys.argv[1])]
random.seed(2)
overall = collections.Counter()
for s in seqs:
    overall.update(s[:-1])
overall_top = [x for x, _ in overall.most_common(300)]
hits = collections.Counter()
users = 0
for i in random.sample(range(2000, len(seqs)), 1500):
    s = seqs[i]
    if len(s) < 4:
        continue
    recent = collections.Counter()
    for j in range(i - 2000, i):
        recent.update(seqs[j][:-1])
    k = random.randrange(1, len(s) - 1)
    for kind, target, before in [("last", s[-1], set(s[:-1])), ("middle", s[k], set(s[:k]))]:
        recent_top = [x for x, _ in recent.most_common(60) if x not in before][:10]
        overall_ten = [x for x in overall_top if x not in before][:10]
        hits[kind, "recent"] += target in recent_top
        hits[kind, "overall"] += target in overall_ten
    users += 1
print(f"{users} users sampled; HR@10 of the popularity ranking:")
for kind in ("last", "middle"):
    print(f"  {kind:6} item: 2,000 users before {hits[kind, 'recent'] / users:.4f}, all users {hits[kind, 'overall'] / users:.4f}")
