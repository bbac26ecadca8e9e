#!/usr/bin/env python3
"""Reference values for the seasonal baseline's between-period design effect (src/analysis/design-effect.ts
clusterDesign, issue 11), written to test/analysis/fixtures/cluster-design.json.

Oracle: the CR1 cluster-robust variance of a total (Liang & Zeger 1986; Cameron & Miller 2015, sec. VI) computed
independently in NumPy, as the variance of the ratio-estimator residual totals e_g = E_g - W_g * sum(E)/sum(W) over
clusters with observations, times G/(G-1), on inputs drawn with day-level shifts (stored in the JSON), plus
SciPy's Student t 97.5 % quantiles for the t(G-1) reference the analysis uses with it.

Run from the repository root:  python3 scripts/reference/make_cluster_design_reference.py
"""
import json
import os

import numpy as np
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'analysis', 'fixtures', 'cluster-design.json')


def cr1(sums, weights, size, independent):
    g = int(np.ceil(len(sums) / size))
    e = np.array([sums[i * size:(i + 1) * size].sum() for i in range(g)])
    w = np.array([weights[i * size:(i + 1) * size].sum() for i in range(g)])
    keep = w > 0
    e, w = e[keep], w[keep]
    G = len(e)
    if G < 2:
        return None
    r = e - w * e.sum() / w.sum()
    return {'designEffect': float(G / (G - 1) * (r ** 2).sum() / independent), 'df': G - 1, 'meanWeight': float(w.mean())}


def main():
    rng = np.random.default_rng(20261120)
    cases = []
    for K, size, empty in [(3, 120, None), (7, 60, None), (4, 30, 2), (2, 10, None)]:
        weights = rng.poisson(400, K * size).astype(float)
        if empty is not None:
            weights[empty * size:(empty + 1) * size] = 0
        day = rng.normal(0, 0.004, K)
        p = 0.01 + np.repeat(day, size)
        events = rng.binomial(weights.astype(int), np.clip(p, 0, 1)).astype(float)
        rate = events.sum() / weights.sum()
        sums = events - rate * weights
        independent = float(weights.sum() * rate * (1 - rate))
        cases.append({'sums': sums.tolist(), 'weights': weights.tolist(), 'size': size, 'independentVariance': independent, 'expected': cr1(sums, weights, size, independent)})
    t = {str(df): float(stats.t.ppf(0.975, df)) for df in (1, 2, 3, 6)}
    out = {'generator': 'scripts/reference/make_cluster_design_reference.py', 'numpy': np.__version__, 'cases': cases, 'tQuantile975': t}
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
