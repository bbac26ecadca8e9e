#!/usr/bin/env python3
"""Reference values for the seasonal baseline's period-effect check (issue 11):
- scipy.stats.f.sf on a grid (src/stats/f-sf.ts) and the Cauchy combination test of Liu & Xie (2020), written
  out from its definition in NumPy (src/stats/cauchy-combination.ts) -> test/stats/fixtures/period-effect.json;
- the within-period design effect (src/analysis/design-effect.ts withinPeriodDesign) computed independently in
  NumPy: each period centred on its own mean score per observation, the clock profile (mean over periods of
  the same block) removed, each period's flat-top long-run variance (the repo's NumPy flat-top reference,
  make_clustered_reference.py) summed and scaled by G/(G - 1) -> test/analysis/fixtures/within-period.json.

Run from the repository root:  python3 scripts/reference/make_period_effect_reference.py
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import stats

sys.path.insert(0, os.path.dirname(__file__))
from make_clustered_reference import flat_top_bandwidth, long_run_variance  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')


def within(sums, weights, size, independent):
    g = int(np.ceil(len(sums) / size))
    used = [k for k in range(g) if weights[k * size:(k + 1) * size].sum() > 0]
    G = len(used)
    if G < 2 or size < 2:
        return None
    centred = []
    for k in used:
        e = sums[k * size:(k + 1) * size]
        w = weights[k * size:(k + 1) * size]
        centred.append(e - w * e.sum() / w.sum())
    profile = np.zeros(size)
    present = np.zeros(size)
    for c in centred:
        profile[:len(c)] += c
        present[:len(c)] += 1
    profile = np.where(present > 0, profile / np.maximum(present, 1), 0)
    residuals = [c - profile[:len(c)] for c in centred]
    m = flat_top_bandwidth(residuals)
    var = 0.0
    df = 0.0
    for r in residuals:
        if len(r) < 2:
            continue
        lrv = long_run_variance(r, min(m, len(r) - 1))
        if not np.isfinite(lrv['varianceOfSumCorrected']):
            lrv = long_run_variance(r, 0)
        var += lrv['varianceOfSumCorrected']
        df += lrv['degreesOfFreedom']
    return {'designEffect': G / (G - 1) * var / independent, 'df': df * (G - 1) / G}


def within_cases():
    rng = np.random.default_rng(20261202)
    cases = []
    # (periods, blocks per period, day effect sd on the share, minute-level noise sd, empty period)
    for K, size, day, minute, empty in [(3, 120, 0.0, 0.0, None), (3, 120, 0.004, 0.0, None), (7, 60, 0.0, 0.3, None), (4, 30, 0.0, 0.0, 1), (3, 2, 0.0, 0.0, None)]:
        load = 1 + 0.65 * np.cos(np.linspace(0, np.pi / 3, size))  # the same clock profile every period
        weights = np.concatenate([rng.poisson(400 * load) for _ in range(K)]).astype(float)
        if empty is not None:
            weights[empty * size:(empty + 1) * size] = 0
        share = np.tile(0.01 * load ** 2, K) + np.repeat(rng.normal(0, day, K), size)
        share = share * np.exp(rng.normal(0, minute, K * size)) if minute > 0 else share
        events = rng.binomial(weights.astype(int), np.clip(share, 0, 1)).astype(float)
        rate = events.sum() / weights.sum()
        sums = events - rate * weights
        independent = float(weights.sum() * rate * (1 - rate))
        cases.append({'sums': sums.tolist(), 'weights': weights.tolist(), 'size': size, 'independentVariance': independent, 'expected': within(sums, weights, size, independent)})
    return cases


def main():
    f_sf = [[x, d1, d2, float(stats.f.sf(x, d1, d2))] for d1 in (1, 2, 6) for d2 in (4, 80, 1500.5) for x in (0.01, 0.5, 1, 3.1, 20, 145)]
    rng = np.random.default_rng(7)
    cauchy = []
    for p in ([0.01, 0.5, 0.8], [1e-20, 0.5], [0.3] * 10, list(rng.uniform(size=25)), [0.04, 0.9, 0.999, 0.2]):
        p = np.asarray(p, float)
        # tan((0.5 - p)pi) = cot(p pi): the cotangent keeps a tiny p exact, where 0.5 - p rounds to 0.5
        t = np.mean(1 / np.tan(p * np.pi))
        cauchy.append({'p': p.tolist(), 'combined': float(0.5 - np.arctan(t) / np.pi) if t < 1e15 else float(1 / (t * np.pi))})
    with open(os.path.join(ROOT, 'test', 'stats', 'fixtures', 'period-effect.json'), 'w') as f:
        json.dump({'generator': 'scripts/reference/make_period_effect_reference.py', 'scipy': scipy.__version__, 'fSf': f_sf, 'cauchy': cauchy}, f, indent=1)
        f.write('\n')
    with open(os.path.join(ROOT, 'test', 'analysis', 'fixtures', 'within-period.json'), 'w') as f:
        json.dump({'generator': 'scripts/reference/make_period_effect_reference.py', 'numpy': np.__version__, 'cases': within_cases()}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
