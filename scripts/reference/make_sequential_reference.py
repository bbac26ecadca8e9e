#!/usr/bin/env python3
"""Reference values for the sequential (issue 11) functions of src/stats, written to test/stats/fixtures/sequential.json.

- msprtNormalMixture: the mixture likelihood ratio  Lambda = int phi(x; th, V) / phi(x; 0, V) dN(th; 0, tau2)  by
  NUMERICAL INTEGRATION (scipy.integrate.quad over th), not by the closed form the TypeScript uses, so that the two
  agreeing checks the closed form (Robbins 1970; Johari, Koomen, Pekelis & Walsh 2022, eq. 6).
- msprtBoundary: the |x| at which the numerically integrated Lambda equals 1/alpha (scipy.optimize.brentq).
- singleChangePoint: a brute-force NumPy profile of the two-segment binomial / Poisson log-likelihood over every
  split (scipy.stats.binom / poisson logpmf, constants cancel), its argmax and the confidence set
  {k : (l(khat) - l(k)) / phi <= -log(1 - sqrt(conf))}; plus a Monte Carlo check of that cutoff on the limiting
  process W(s) - |s|/2 (Hinkley 1970; Siegmund 1988).

Run from the repository root:  python3 scripts/reference/make_sequential_reference.py
"""
import json
import math
import os

import numpy as np
from scipy import integrate, optimize, stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'stats', 'fixtures', 'sequential.json')


def log_mixture_lr(x, v, tau2):
    tau = math.sqrt(tau2)
    # log of (likelihood ratio at th x mixing density), integrated after scaling by its value at the mode (no overflow)
    def logf(th):
        return th * x / v - th * th / (2 * v) + stats.norm.logpdf(th, 0, tau)
    mode = x * tau2 / (v + tau2)
    spread = math.sqrt(v * tau2 / (v + tau2))
    top = logf(mode)
    val, _ = integrate.quad(lambda th: math.exp(logf(th) - top), mode - 40 * spread, mode + 40 * spread, epsabs=0, epsrel=1e-13, limit=400)
    return top + math.log(val)


def mixture_lr(x, v, tau2):
    return math.exp(log_mixture_lr(x, v, tau2))


def msprt():
    rows = []
    for v in [1e-4, 0.0025, 0.01, 0.04, 1.0]:
        for tau2 in [1e-4, 0.01, 0.25]:
            for z in [0, 0.5, 1, 2, 3, 4.5]:
                x = z * math.sqrt(v)
                rows.append({'estimate': x, 'variance': v, 'tau2': tau2, 'lr': mixture_lr(x, v, tau2)})
                rows.append({'estimate': -x, 'variance': v, 'tau2': tau2, 'lr': mixture_lr(-x, v, tau2)})
    bounds = []
    for v in [1e-4, 0.0025, 0.01, 0.04]:
        for tau2 in [1e-4, 0.01, 0.25]:
            for alpha in [0.05, 0.01, 0.002]:
                g = lambda x: log_mixture_lr(x, v, tau2) - math.log(1 / alpha)
                hi = math.sqrt(v)
                while g(hi) < 0:
                    hi *= 2
                b = optimize.brentq(g, 0, hi, xtol=1e-15, rtol=1e-14)
                bounds.append({'variance': v, 'tau2': tau2, 'alpha': alpha, 'boundary': b})
    return {'lr': rows, 'boundary': bounds}


def profile(k, n, family):
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    B = len(k)

    def seg(ks, ns):
        # per-block log-likelihood at the segment's MLE rate, constants included (they cancel in every difference)
        K, N = ks.sum(), ns.sum()
        if N <= 0:
            return 0.0
        if family == 'binomial':
            return float(stats.binom.logpmf(ks, ns, K / N).sum())
        return float(stats.poisson.logpmf(ks, ns * K / N).sum())

    prof = {}
    for s in range(1, B):
        prof[s] = seg(k[:s], n[:s]) + seg(k[s:], n[s:])
    return prof, seg(k, n)


def change_points():
    rng = np.random.default_rng(20261120)
    cases = []
    for family in ['binomial', 'poisson']:
        for B, at, r0, r1, phi in [(60, 20, 0.01, 0.02, 1.0), (80, 55, 0.05, 0.04, 1.0), (40, 10, 0.01, 0.015, 2.5), (30, 29, 0.02, 0.1, 1.0)]:
            n = rng.integers(200, 600, B).astype(float)
            rates = np.where(np.arange(B) < at, r0, r1)
            k = rng.binomial(n.astype(int), rates).astype(float) if family == 'binomial' else rng.poisson(n * rates).astype(float)
            prof, null = profile(k, n, family)
            best = max(prof, key=lambda s: prof[s])
            cutoff = -math.log(1 - math.sqrt(0.95))
            inset = [s for s in prof if (prof[best] - prof[s]) / phi <= cutoff]
            cases.append({'family': family, 'events': k, 'trials': n, 'dispersion': phi, 'index': best,
                          'logLikelihoodRatio': prof[best] - null, 'interval': [min(inset), max(inset)], 'cutoff': cutoff})
    # The cutoff's coverage on the limiting process, simulated: two independent sides of W(s) - s/2 on a fine grid.
    ds = 0.01
    steps = 4000
    sims = 20000
    w = np.cumsum(rng.normal(-ds / 2, math.sqrt(ds), (2 * sims, steps)), axis=1).max(axis=1)
    sup = np.maximum(np.maximum(w[:sims], w[sims:]), 0)
    cutoff = -math.log(1 - math.sqrt(0.95))
    return {'cases': cases, 'limit': {'cutoff': cutoff, 'coverage': float((sup <= cutoff).mean()), 'sims': sims}}


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return [clean(x) for x in v.tolist()]
    if isinstance(v, (np.floating, float)):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


if __name__ == '__main__':
    import scipy
    out = {'scipy': scipy.__version__, 'msprt': msprt(), 'changePoint': change_points()}
    with open(OUT, 'w') as f:
        json.dump(clean(out), f, indent=1)
        f.write('\n')
    print('wrote', OUT)
