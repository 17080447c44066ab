#!/usr/bin/env python3
"""Times River's BiasedMF on a file of `user<TAB>item<TAB>value` lines, one pass in file order.

Only the learning loop is timed (learn_one per event), after the file is read into memory.
Prints one JSON object: {"events": n, "seconds": s, "events_per_s": x, "river": version}.
"""
import argparse
import json
import time

import river
from river import optim, reco


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--factors", type=int, default=64)
    args = parser.parse_args()

    rows = []
    with open(args.path) as f:
        for line in f:
            user, item, value = line.rstrip("\n").split("\t")
            rows.append((user, item, float(value)))

    model = reco.BiasedMF(
        n_factors=args.factors,
        bias_optimizer=optim.SGD(0.025),
        latent_optimizer=optim.SGD(0.05),
        latent_initializer=optim.initializers.Normal(mu=0.0, sigma=0.1, seed=73),
        l2_bias=0.001,
        l2_latent=0.01,
    )
    # River >= 0.19 takes (user, item, y); older versions take ({"user":…, "item":…}, y).
    try:
        model.learn_one(rows[0][0], rows[0][1], rows[0][2])
        learn = model.learn_one
    except TypeError:
        def learn(user, item, y):
            model.learn_one({"user": user, "item": item}, y)
        learn(rows[0][0], rows[0][1], rows[0][2])

    start = time.perf_counter()
    for user, item, y in rows[1:]:
        learn(user, item, y)
    seconds = time.perf_counter() - start
    n = len(rows) - 1
    print(json.dumps({"events": n, "seconds": seconds, "events_per_s": n / seconds, "river": river.__version__}))


if __name__ == "__main__":
    main()
