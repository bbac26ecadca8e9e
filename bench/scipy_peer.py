#!/usr/bin/env python3
"""SciPy side of bench/stats-vs-scipy.ts: reads the same binary sample file (float64 little-endian:
n1, n2, then n1 + n2 values), times mannwhitneyu (asymptotic), ks_2samp and quantile_test's p99
confidence interval (best of `repeats`, wall and process CPU time), and prints one JSON object with seconds, results and peak RSS.

Usage: python3 bench/scipy_peer.py <file> [repeats]
"""
import json
import resource
import sys
import time

import numpy as np
import scipy
from scipy import stats


CPU = {}


def best_of(repeats, fn, name=None):
    """Best wall time over `repeats` runs; the best process CPU time (all threads) goes to CPU[name]."""
    best, best_cpu, result = float('inf'), float('inf'), None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    if name:
        CPU[name] = best_cpu
    return best, result


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    raw = np.fromfile(path, dtype='<f8')
    n1, n2 = int(raw[0]), int(raw[1])
    x, y = raw[2:2 + n1], raw[2 + n1:2 + n1 + n2]

    mwu_s, mwu = best_of(repeats, lambda: stats.mannwhitneyu(x, y, method='asymptotic'), 'mannWhitneyU')
    ks_s, ks = best_of(repeats, lambda: stats.ks_2samp(x, y), 'ksTwoSample')

    def p99():
        # quantile_test sorts internally; np.quantile is the point estimate the JS side reports too.
        out = []
        for s in (x, y):
            est = np.quantile(s, 0.99)
            ci = stats.quantile_test(s, q=est, p=0.99).confidence_interval(0.95)
            out.append([float(est), float(ci.low), float(ci.high)])
        return out

    q_s, q = best_of(repeats, p99, 'quantileCI')
    print(json.dumps({
        'scipy': scipy.__version__,
        'numpy': np.__version__,
        'seconds': {'mannWhitneyU': mwu_s, 'ksTwoSample': ks_s, 'quantileCI': q_s},
        'cpuSeconds': CPU,
        'results': {'mannWhitneyU': [float(mwu.statistic), float(mwu.pvalue)],
                    'ksTwoSample': [float(ks.statistic), float(ks.pvalue)], 'quantileCI': q},
        'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == '__main__':
    main()
