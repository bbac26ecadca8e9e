#!/usr/bin/env python3
"""Reference values for src/stats, computed with SciPy 1.17 / NumPy 2.4 (and mpmath where SciPy itself
is not accurate enough). Writes test/stats/fixtures/*.json; the TypeScript tests read those files, so CI
needs no Python.

Run from the repository root:  python3 scripts/reference/make_stats_reference.py

Inputs are generated from fixed NumPy seeds and STORED in the JSON (not regenerated on the TS side).
NaN is written as null, ±inf as the strings "Infinity" / "-Infinity".
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import special, stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'stats', 'fixtures')
ALTS = ['two-sided', 'less', 'greater']


def clean(v):
    """Plain JSON: numpy scalars to Python, NaN to None, ±inf to the strings "Infinity"/"-Infinity"
    (the TS loader revives them), arrays to lists."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return [clean(x) for x in v.tolist()]
    if isinstance(v, (np.floating, float)):
        f = float(v)
        if math.isinf(f):
            return 'Infinity' if f > 0 else '-Infinity'
        return None if math.isnan(f) else f
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def write(name, data):
    os.makedirs(OUT, exist_ok=True)
    data = {'generator': f'scripts/reference/make_stats_reference.py (SciPy {scipy.__version__}, NumPy {np.__version__})', **data}
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(clean(data), f, separators=(',', ':'))
    print(f'{path}: {os.path.getsize(path) / 1024:.0f} KiB')


def distributions():
    xs = [-38.0, -37.5, -30.0, -20.0, -10.0, -8.0, -5.7, -5.6, -3.0, -1.0, -0.66, -0.5, -1e-10, 0.0, 0.3, 0.66292, 0.7,
          1.5, 1.959963984540054, 3.0, 5.6, 5.7, 8.0, 10.0, 20.0, 37.0]
    ps = [1e-300, 1e-200, 1e-50, 1e-20, 1e-12, 1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9,
          0.975, 0.97575, 0.999, 0.999999, 1 - 1e-12]
    gammas = [1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.3, 7.0, 10.0, 15.5, 100.5, 1e4, 1e7, 1e12, -0.5, -2.5]
    betas = [(0.4, 2, 3), (0.9, 0.5, 0.5), (0.001, 2.5, 300), (0.3, 1000.5, 2000.25), (0.5, 1e5, 1e5),
             (0.99, 50, 2), (1e-6, 1, 1e5), (0.2, 1, 1), (0.7, 30, 12)]
    binoms = [(3, 10, 0.5), (0, 100, 0.01), (50, 1000, 0.1), (9990000, 10000000, 0.999), (123456, 1234567, 0.1),
              (2, 3, 0.9), (0, 1, 0.5), (1, 1, 0.5), (500, 1000, 0.5), (4000, 10000, 0.5), (499000, 1000000, 0.5),
              (5_000_000, 10_000_000, 0.5), (4_990_000, 10_000_000, 0.5), (990_000, 1_000_000, 0.99),
              (999, 1000, 0.999), (30, 40, 0.2)]
    import mpmath
    mpmath.mp.dps = 50
    binom_rows = []
    for k, n, p in binoms:
        binom_rows.append({'k': k, 'n': n, 'p': p, 'pmf': stats.binom.pmf(k, n, p), 'cdf': stats.binom.cdf(k, n, p),
                           'sfFrom': stats.binom.sf(k - 1, n, p)})
    # Boost (behind scipy.stats.binom) loses ~5 digits for P[X <= 5], n = 1e6, p = 1e-5: the exact value
    # from mpmath is the reference there.
    import mpmath
    mpmath.mp.dps = 50
    hard = []
    for k, n, p in [(5, 1_000_000, 1e-5), (9, 1_000_000, 1e-5), (3, 10_000_000, 1e-6), (999_990, 1_000_000, 0.99999)]:
        P = mpmath.mpf(p)
        if k < n / 2:
            exact = mpmath.fsum(mpmath.binomial(n, j) * P ** j * (1 - P) ** (n - j) for j in range(k + 1))
        else:
            exact = 1 - mpmath.fsum(mpmath.binomial(n, j) * P ** j * (1 - P) ** (n - j) for j in range(k + 1, n + 1))
        hard.append({'k': k, 'n': n, 'p': p, 'cdf': float(exact), 'scipyCdf': stats.binom.cdf(k, n, p)})
    quantiles = []
    for n, p in [(10, 0.5), (100, 0.5), (1000, 0.99), (1_000_000, 0.99), (1_000_000, 0.999), (10_000_000, 0.5),
                 (37, 0.9), (5, 0.01), (1, 0.5), (200_000, 0.999)]:
        for prob in [1e-12, 0.0005, 0.005, 0.025, 0.05, 0.5, 0.95, 0.975]:
            quantiles.append({'n': n, 'p': p, 'prob': prob, 'ppf': stats.binom.ppf(prob, n, p), 'isf': stats.binom.isf(prob, n, p)})
    # kstwo.sf over (n, x) chosen to hit every branch of SciPy's _kolmogn: Ruben-Gambino (nx <= 1, nx >= n-1),
    # x >= 1/2 (smirnov), Durbin matrix, Pomeranz, Pelz-Good, and the large-n smirnov / zero regions.
    kolm = []
    for n in [1, 2, 5, 10, 50, 140, 141, 500, 5000, 100000, 250000]:
        for nxx in [0.3, 0.6, 0.75, 1.0, 2.0, 3.0, 4.5, 10.0, 30.0, 400.0]:
            x = math.sqrt(nxx / n)
            if x < 1:
                kolm.append({'n': n, 'x': x, 'sf': stats.kstwo.sf(x, n)})
        for x in [0.4 / n, 0.9 / n, 0.55, 0.8, 1 - 0.5 / n]:
            if 0 < x < 1:
                kolm.append({'n': n, 'x': x, 'sf': stats.kstwo.sf(x, n)})
    smir = []
    for n in [2, 3, 10, 100, 1000, 50000, 1_000_000, 2_000_000]:
        for x in [0.5 / n, 1.0 / n, 0.01, 0.05, 0.2, 0.5, 0.9]:
            if 0 < x < 1:
                smir.append({'n': n, 'x': x, 'sf': special.smirnov(n, x)})
    # SciPy's ndtr is good to ~1e-13 far out (e.g. x = 37); mpmath gives the exact tail for the 1e-15 claim.
    mp_tail = lambda x: float(mpmath.ncdf(x))
    write('distributions.json', {
        'normal': [{'x': x, 'cdf': stats.norm.cdf(x), 'sf': stats.norm.sf(x), 'mpCdf': mp_tail(x), 'mpSf': mp_tail(-x)} for x in xs],
        'normalQuantile': [{'p': p, 'x': stats.norm.ppf(p)} for p in ps],
        'logGamma': [{'x': x, 'value': special.gammaln(x)} for x in gammas],
        'incompleteBeta': [{'x': x, 'a': a, 'b': b, 'value': special.betainc(a, b, x)} for x, a, b in betas],
        'binomial': binom_rows,
        'binomialHard': hard,
        'binomialQuantile': quantiles,
        'kolmogorovSf': kolm,
        'smirnovSf': smir,
    })


def rank_tests():
    rng = np.random.default_rng(20240601)
    datasets, mwu, ks = [], [], []

    def add(x, y, label):
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        ds = len(datasets)
        datasets.append({'label': label, 'x': x, 'y': y})
        for alt in ALTS:
            for cont in [True, False]:
                r = stats.mannwhitneyu(x, y, alternative=alt, method='asymptotic', use_continuity=cont)
                mwu.append({'dataset': ds, 'alternative': alt, 'continuity': cont, 'u': r.statistic, 'pValue': r.pvalue})
            methods = ['auto', 'exact', 'asymp'] if len(x) * len(y) <= 4_000_000 else ['auto', 'asymp']
            for m in methods:
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    r = stats.ks_2samp(x, y, alternative=alt, method=m)
                ks.append({'dataset': ds, 'alternative': alt, 'method': m, 'd': r.statistic, 'pValue': r.pvalue})

    add([1.0], [2.0], 'n=1 each')
    add([3.0], [1.0, 2.0, 5.0], 'n=1 vs 3')
    add([1.0, 2.0], [1.5, 3.0], 'n=2 each')
    add([1.0, 2.0, 3.0], [2.0, 2.0, 4.0], 'n=3 each with ties')
    add([5.0, 5.0, 5.0], [5.0, 5.0], 'all tied')
    add([1, 2, 3, 4], [3, 5, 6, 7, 8], 'JSDoc example')
    add(rng.normal(0, 1, 7), rng.normal(1, 1, 12), 'small unequal')
    add(np.round(rng.normal(0, 1, 40) * 2) / 2, np.round(rng.normal(0.3, 1, 25) * 2) / 2, 'heavy ties')
    add(rng.lognormal(0, 1, 300), rng.lognormal(0.1, 1, 200), 'lognormal 300 vs 200')
    add(rng.normal(0, 1, 400), rng.normal(0, 1, 400), 'equal sizes null')
    add(rng.normal(0, 1, 2000), rng.normal(1.5, 1, 1500), 'extreme p-values')
    add(rng.normal(0, 1, 60), rng.normal(8, 1, 60), 'complete separation')
    add(np.round(rng.lognormal(3, 1, 10_001), 1), np.round(rng.lognormal(3.05, 1, 600), 1), 'large: auto picks asymp')
    add(rng.exponential(1, 1000), rng.exponential(1.1, 999), 'exact unequal 1000 vs 999')

    # Binned Mann-Whitney: counts per shared bucket vs mannwhitneyu on data expanded from the counts.
    binned = []
    for counts_x, counts_y in [([2, 1, 1], [0, 2, 3]), ([0, 5, 0, 3], [1, 0, 4, 0]), ([10], [4]),
                               (rng.integers(0, 50, 30).tolist(), rng.integers(0, 60, 30).tolist()),
                               (rng.poisson(200, 60).tolist(), rng.poisson(210, 60).tolist())]:
        ex = np.repeat(np.arange(len(counts_x), dtype=float), counts_x)
        ey = np.repeat(np.arange(len(counts_y), dtype=float), counts_y)
        for alt in ALTS:
            r = stats.mannwhitneyu(ex, ey, alternative=alt, method='asymptotic')
            binned.append({'countsX': counts_x, 'countsY': counts_y, 'alternative': alt, 'u': r.statistic, 'pValue': r.pvalue})
    write('two-sample-data.json', {'datasets': datasets})
    write('mann-whitney.json', {'raw': mwu, 'binned': binned})
    write('ks-two-sample.json', {'cases': ks})


def quantiles():
    rng = np.random.default_rng(7)
    cases = []
    samples = {
        'n=1': np.array([3.5]),
        'n=2': np.array([1.0, 2.0]),
        'n=3': np.array([1.0, 2.0, 10.0]),
        '1..10': np.arange(1, 11, dtype=float),
        'ties': np.sort(np.round(rng.normal(0, 1, 50))),
        'lognormal 1000': np.sort(rng.lognormal(5, 1, 1000)),
        'lognormal 20000': np.sort(np.round(rng.lognormal(5, 1, 20000), 3)),
    }
    for label, x in samples.items():
        for q in [0.01, 0.05, 0.25, 0.5, 0.9, 0.99, 0.999]:
            for conf in [0.8, 0.95, 0.99]:
                ci = stats.quantile_test(x, q=np.quantile(x, q), p=q).confidence_interval(confidence_level=conf)
                cases.append({'label': label, 'q': q, 'confidence': conf, 'estimate': np.quantile(x, q),
                              'lower': ci.low, 'upper': ci.high})
    # Rank choice alone for large n, where storing data is pointless: SciPy's index arithmetic.
    ranks = []
    for n in [1, 2, 5, 59, 60, 100, 1000, 299, 300, 10_000, 1_000_000, 10_000_000]:
        for q in [0.5, 0.9, 0.95, 0.99, 0.999]:
            for conf in [0.9, 0.95, 0.99]:
                bd = stats.binom(n, q)
                a = (1 - conf) / 2
                ranks.append({'n': n, 'q': q, 'confidence': conf, 'lowerIndex': int(bd.ppf(a)) - 1, 'upperIndex': int(bd.isf(a))})
    write('quantile-ci.json', {'samples': {k: v for k, v in samples.items()}, 'cases': cases, 'ranks': ranks})


def hodges_lehmann():
    rng = np.random.default_rng(99)
    cases = []

    def add(x, y, label, confs=(0.9, 0.95, 0.99)):
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        d = np.sort(np.subtract.outer(x, y).ravel())
        n, m = len(x), len(y)
        pooled = np.concatenate([x, y])
        _, t = np.unique(pooled, return_counts=True)
        tie = float(np.sum(t.astype(float) ** 3 - t))
        N = n + m
        sigma = math.sqrt(n * m / 12 * ((N + 1) - tie / (N * (N - 1))))
        for conf in confs:
            c = math.floor(n * m / 2 - stats.norm.ppf(1 - (1 - conf) / 2) * sigma)
            lower = d[c - 1] if c >= 1 else -math.inf
            upper = d[n * m - c] if c >= 1 else math.inf
            cases.append({'label': label, 'x': x, 'y': y, 'confidence': conf, 'estimate': np.median(d),
                          'lower': lower if c >= 1 else None, 'upper': upper if c >= 1 else None, 'c': c})

    add([1.0], [2.0], 'n=1 each')
    add([1.0, 4.0], [2.0, 3.0, 9.0], 'tiny')
    add(np.arange(1, 11), np.arange(11, 21), 'JSDoc example')
    add(rng.normal(0, 1, 25), rng.normal(0.5, 1, 30), 'small')
    add(np.round(rng.exponential(10, 400)), np.round(rng.exponential(12, 300)), 'ties, 120000 differences')
    add(rng.lognormal(2, 1, 600), rng.lognormal(2.2, 1, 500), 'lognormal, 300000 differences')
    add(np.full(300, 5.0), np.concatenate([np.full(200, 5.0), np.full(100, 6.0)]), 'mostly equal differences')
    write('hodges-lehmann.json', {'cases': cases})


def count_tests():
    binom_tests = []
    for k, n, p in [(3, 15, 0.1), (0, 10, 0.3), (10, 10, 0.3), (7, 20, 0.35), (500, 1000, 0.5), (520, 1000, 0.5),
                    (12, 1000, 0.05), (90, 1000, 0.05), (2_000_400, 4_000_000, 0.5), (2_010_000, 4_000_000, 0.5),
                    (1_000_000, 3_000_000, 0.3), (1_001_234, 3_000_000, 1 / 3), (5, 10_000_000, 1e-6),
                    (30, 10_000_000, 1e-6), (1, 2, 0.5), (0, 1, 0.5), (49, 100, 0.5)]:
        for alt in ALTS:
            binom_tests.append({'k': k, 'n': n, 'p': p, 'alternative': alt,
                                'pValue': stats.binomtest(k, n, p, alternative=alt).pvalue})
    # Clopper-Pearson bounds from beta.ppf (Boost's inverse incomplete beta, accurate to ~1e-15);
    # binomtest's proportion_ci solves the same equations with brentq at an ABSOLUTE xtol of 2e-12, so it
    # is stored too but only good to ~1e-11 absolute (1e-4 relative at p ~ 5e-9).
    def beta_bounds(k, n, tail):
        lo = 0.0 if k == 0 else stats.beta.ppf(tail, k, n - k + 1)
        hi = 1.0 if k == n else stats.beta.ppf(1 - tail, k + 1, n - k)
        return lo, hi
    cp = []
    for k, n in [(0, 10), (10, 10), (3, 15), (50, 100), (1, 1_000_000), (123_456, 1_000_000), (5_000_000, 10_000_000)]:
        for conf in [0.9, 0.95, 0.99]:
            a = 1 - conf
            two = beta_bounds(k, n, a / 2)
            one = beta_bounds(k, n, a)
            brentq = stats.binomtest(k, n).proportion_ci(confidence_level=conf, method='exact')
            cp.append({'k': k, 'n': n, 'confidence': conf, 'twoSided': list(two), 'greater': [one[0], 1.0],
                       'less': [0.0, one[1]], 'proportionCi': [brentq.low, brentq.high]})
    poisson = []
    for cb, eb, ca, ea in [(10, 100, 25, 100), (0, 50, 7, 60), (9, 30, 0, 30), (1000, 3600, 1100, 3600),
                           (120, 1.5, 80, 2.5), (2_000_000, 86400, 2_003_000, 86400), (3, 1e6, 40, 2e6)]:
        n = cb + ca
        p0 = ea / (ea + eb)
        for alt in ALTS:
            r = stats.binomtest(ca, n, p0, alternative=alt)
            if alt == 'two-sided':
                lo, hi = beta_bounds(ca, n, 0.025)
            elif alt == 'greater':
                lo, hi = beta_bounds(ca, n, 0.05)[0], 1.0
            else:
                lo, hi = 0.0, beta_bounds(ca, n, 0.05)[1]
            to_ratio = lambda p: math.inf if p >= 1 else p / (1 - p) * eb / ea
            poisson.append({'countBefore': cb, 'exposureBefore': eb, 'countAfter': ca, 'exposureAfter': ea,
                            'alternative': alt, 'pValue': r.pvalue, 'lower': to_ratio(lo),
                            'upper': None if hi >= 1 else to_ratio(hi),
                            'rateRatio': (ca / ea) / (cb / eb) if cb > 0 else (math.inf if ca > 0 else None)})
    fisher, props = [], []
    for k1, n1, k2, n2 in [(8, 10, 2, 10), (1, 10, 9, 10), (3, 3, 0, 4), (0, 5, 0, 6), (5, 5, 5, 5), (10, 100, 25, 120),
                           (120, 10_000, 170, 10_000), (990, 99_000, 1_150, 101_000), (4, 20, 4, 20), (0, 30, 7, 30),
                           (2, 1000, 30, 1000)]:
        table = [[k1, n1 - k1], [k2, n2 - k2]]
        for alt in ALTS:
            r = stats.fisher_exact(table, alternative=alt)
            fisher.append({'k1': k1, 'n1': n1, 'k2': k2, 'n2': n2, 'alternative': alt, 'oddsRatio': r.statistic, 'pValue': r.pvalue})
        if (k1 + k2) not in (0, n1 + n2):
            chi = stats.chi2_contingency(table, correction=False)
            p1, p2, pp = k1 / n1, k2 / n2, (k1 + k2) / (n1 + n2)
            z = (p1 - p2) / math.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
            props.append({'k1': k1, 'n1': n1, 'k2': k2, 'n2': n2, 'chi2PValue': chi.pvalue, 'z': z,
                          'greater': stats.norm.sf(z), 'less': stats.norm.cdf(z)})
    bh = []
    rng = np.random.default_rng(3)
    for ps in [[0.01, 0.04, 0.03, 0.2], [0.5], [0.0, 1.0, 0.5, 0.5], rng.uniform(0, 0.1, 25).tolist(),
               [1e-12, 0.02, 0.02, 0.8, 0.049]]:
        bh.append({'p': ps, 'q': stats.false_discovery_control(ps, method='bh')})
    write('count-tests.json', {'binomialTest': binom_tests, 'clopperPearson': cp, 'poisson': poisson,
                               'fisher': fisher, 'twoProportion': props, 'benjaminiHochberg': bh})


if __name__ == '__main__':
    if not scipy.__version__.startswith('1.17'):
        print(f'warning: expected SciPy 1.17, running {scipy.__version__}', file=sys.stderr)
    distributions()
    rank_tests()
    quantiles()
    hodges_lehmann()
    count_tests()
