# SPDX-License-Identifier: MIT
# bench/segment-sklearn.py: scikit-learn's KMeans on the customers that
# cpo-segment --method kmeans fits, for bench/run. Reads NDJSON customers,
# z-scores the six numbers with the population standard deviation as
# cpo-segment does, fits KMeans (k-means++, Lloyd, n_init restarts) RUNS
# times and prints the median fit time in seconds, wall-clock and CPU (all
# threads), and the lowest inertia.
# Given cpo-segment's saved model, it also prints that model's inertia on
# the same z-scored data, so both are measured by the same arithmetic.
#
# usage: python3 bench/segment-sklearn.py FILE K RESTARTS SEED RUNS [MODEL]

import json
import statistics
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

FIELDS = ["age", "purchase_frequency", "avg_order_value",
          "last_engagement_days", "historical_open_rate",
          "historical_click_rate"]


def inertia(x, centres):
    best = None
    for c in centres:
        d = ((x - c) ** 2).sum(axis=1)
        best = d if best is None else np.minimum(best, d)
    return float(best.sum())


def main():
    path, k, restarts, seed, runs = sys.argv[1:6]
    with open(path) as f:
        x = np.array([[r[n] for n in FIELDS] for r in map(json.loads, f)],
                     dtype=np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    times, cpu, best = [], [], None
    for _ in range(int(runs)):
        km = KMeans(n_clusters=int(k), n_init=int(restarts),
                    init="k-means++", algorithm="lloyd",
                    random_state=int(seed))
        t, c = time.perf_counter(), time.process_time()
        km.fit(x)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        best = km.inertia_ if best is None else min(best, km.inertia_)
    out = [f"{statistics.median(times):.3f}",
           f"{statistics.median(cpu):.3f}", f"{best:.6f}"]
    if len(sys.argv) > 6:
        with open(sys.argv[6]) as f:
            model = json.load(f)
        out.append(f"{inertia(x, np.array([c['centre'] for c in model['clusters']])):.6f}")
    print(" ".join(out))


main()
