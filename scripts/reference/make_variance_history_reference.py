#!/usr/bin/env python3
"""Reference values for a seasonal baseline with a variance history (src/analysis/design-effect.ts
designEffectsOfSums with ReferencePeriods.levelBlocks, issue 11), written to test/analysis/fixtures/variance-history.json.

The reference side holds H periods of `size` blocks; the first L are the baseline (its total and its variance under
independence), all H measure the period-to-period variation. Oracle, computed independently in NumPy:
- the CR1 variance of a total over the H clusters with observations (Liang & Zeger 1986; Cameron & Miller 2015,
  sec. VI): G/(G-1) * sum_g (E_g - W_g * sum(E)/sum(W))^2, divided by the variance the H periods' observations would
  have if independent (the baseline's per observation, times all H periods' observations): the design effect d_H of
  a total of periods of mean size n_H, on G - 1 df;
- under the one-way random-effects model a period total of n observations has variance n*s2 + n^2*tau2, so the
  design effect of a total of periods of mean size n is 1 + n*tau2/s2: linear in n. The baseline's (mean size n_L)
  is 1 + (d_H - 1) * n_L / n_H, the after window's (n_a observations) 1 + (d_H - 1) * n_a / n_H; both 1 when d_H <= 1;
- SciPy's Student t 97.5 % quantile for the t(G - 1) reference.
Inputs are drawn with day-level shifts and stored in the JSON.

Run from the repository root:  python3 scripts/reference/make_variance_history_reference.py
"""
import json
import os

import numpy as np
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'analysis', 'fixtures', 'variance-history.json')


def expected(sums, weights, size, level_blocks, independent_level, after_weights):
    h = len(sums) // size
    e = np.array([sums[i * size:(i + 1) * size].sum() for i in range(h)])
    w = np.array([weights[i * size:(i + 1) * size].sum() for i in range(h)])
    level_periods = level_blocks // size
    w_level = w[:level_periods]
    keep = w > 0
    G = int(keep.sum())
    r = e[keep] - w[keep] * e[keep].sum() / w[keep].sum()
    independent_all = independent_level * w.sum() / w_level.sum()
    d_h = G / (G - 1) * (r ** 2).sum() / independent_all
    n_h = w[keep].mean()
    n_l = w_level.sum() / (w_level > 0).sum()
    n_a = after_weights.sum()
    excess = d_h > 1
    return {
        'before': float(1 + (d_h - 1) * n_l / n_h) if excess else 1.0,
        'after': float(1 + (d_h - 1) * n_a / n_h) if excess else 1.0,
        'df': G - 1,
        'tQuantile975': float(stats.t.ppf(0.975, G - 1)),
    }


def main():
    rng = np.random.default_rng(20261203)
    cases = []
    # (periods H, baseline L, blocks per period, empty period or None, day-effect sd)
    for H, L, size, empty, sd in [(14, 3, 120, None, 0.004), (8, 3, 60, 7, 0.003), (7, 1, 30, None, 0.006), (5, 2, 20, 3, 0.0)]:
        weights = rng.poisson(400, H * size).astype(float)
        # later periods a little busier or quieter than the baseline's: the size scaling matters
        weights *= np.repeat(rng.uniform(0.7, 1.3, H), size)
        weights = np.round(weights)
        if empty is not None:
            weights[empty * size:(empty + 1) * size] = 0
        day = rng.normal(0, sd, H)
        p = 0.01 + np.repeat(day, size)
        events = rng.binomial(weights.astype(int), np.clip(p, 0, 1)).astype(float)
        after_weights = np.round(rng.poisson(400, size) * rng.uniform(0.7, 1.3)).astype(float)
        after_events = rng.binomial(after_weights.astype(int), 0.01).astype(float)
        level_blocks = L * size
        rate = (events[:level_blocks].sum() + after_events.sum()) / (weights[:level_blocks].sum() + after_weights.sum())
        sums = events - rate * weights
        independent = float(weights[:level_blocks].sum() * rate * (1 - rate))
        cases.append({
            'sums': sums.tolist(), 'weights': weights.tolist(), 'size': size, 'levelBlocks': level_blocks,
            'independentVariance': independent, 'afterWeights': after_weights.tolist(),
            'afterSums': (after_events - rate * after_weights).tolist(),
            'afterIndependentVariance': float(after_weights.sum() * rate * (1 - rate)),
            'expected': expected(sums, weights, size, level_blocks, independent, after_weights),
        })
    out = {'generator': 'scripts/reference/make_variance_history_reference.py', 'numpy': np.__version__, 'cases': cases}
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
