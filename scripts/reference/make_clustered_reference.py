#!/usr/bin/env python3
"""Reference values for the clustered-inference functions of src/stats (issue 10), written to
test/stats/fixtures/clustered.json. SciPy 1.17 is the oracle where it has the concept (Student's t); for the rest
(the flat-top bandwidth rule, the flat-top long-run variance, Woodruff ranks, the Rao-Scott tests, DeLong
placements, the burst scan, edge-bounded histogram intervals) this file is an INDEPENDENT re-implementation from
the papers, written separately from the TypeScript and in a different style (NumPy vectorised, brute force where
possible), so that the two agreeing means both follow the published definitions:
  - Politis (2003) / Politis & White (2004) / Patton, Politis & White (2009): the bandwidth rule follows Andrew
    Patton's MATLAB reference `opt_block_length_REV_dec07.m` (m-hat = first lag starting a run of K_N
    insignificant autocorrelations, M = 2 m-hat capped at ceil(sqrt(N)) + K_N), extended to several series whose
    autocorrelations are pooled;
  - Rao & Scott (1992) Biometrics 48:577; Woodruff (1952) JASA 47:635; DeLong et al. (1988) Biometrics 44:837;
    Freeman & Tukey (1950) for the burst scan statistic.

Run from the repository root:  python3 scripts/reference/make_clustered_reference.py
Inputs are generated from fixed NumPy seeds and STORED in the JSON. NaN is null, +-inf the strings "Infinity".
"""
import itertools
import json
import math
import os

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'stats', 'fixtures', 'clustered.json')


def clean(v):
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
    if isinstance(v, np.integer):
        return int(v)
    return v


# ---------------------------------------------------------------------------------------------------------------
# Student's t: SciPy is the oracle.

def student_t():
    rows = []
    for df in [1, 1.5, 2, 3.5, 4.5, 7, 10, 23.9, 100, 1e4]:
        for t in [-40, -5, -2, -1.5, -0.3, 0, 0.3, 1, 2, 3, 8, 40]:
            rows.append({'t': t, 'df': df, 'sf': stats.t.sf(t, df)})
    quant = []
    for df in [1, 2.5, 4.5, 10, 30.7, 1000]:
        for p in [1e-12, 1e-6, 0.001, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-9]:
            quant.append({'p': p, 'df': df, 'ppf': stats.t.ppf(p, df)})
    return {'sf': rows, 'ppf': quant}


# ---------------------------------------------------------------------------------------------------------------
# Flat-top bandwidth (Politis 2003 rule, Patton's conventions) and long-run variance.

def flat_top(x):
    a = np.abs(x)
    return np.where(a <= 0.5, 1.0, np.where(a <= 1.0, 2.0 * (1.0 - a), 0.0))


def pooled_acf(series, kmax):
    dem = [np.asarray(s, float) - np.mean(s) for s in series]
    g0 = sum(float(d @ d) for d in dem)
    return np.array([sum(float(d[:len(d) - k] @ d[k:]) if k < len(d) else 0.0 for d in dem) / g0 for k in range(kmax + 1)])


def flat_top_bandwidth(series):
    n = sum(len(s) for s in series)
    if n < 20:
        return 0
    kn = int(math.ceil(max(5, math.sqrt(math.log10(n)))))
    m_max = min(int(math.ceil(math.sqrt(n))) + kn, n // 4)
    dem = [np.asarray(s, float) - np.mean(s) for s in series]
    if sum(float(d @ d) for d in dem) <= 0:
        return 0
    rho = pooled_acf(series, m_max + kn)
    bound = 2 * math.sqrt(math.log10(n) / n)
    quiet = np.abs(rho[1:]) < bound  # quiet[k-1] is lag k
    m_hat = m_max
    for j in range(1, m_max + kn - kn + 2):
        window = quiet[j - 1:j - 1 + kn]
        if len(window) == kn and window.all():
            m_hat = j
            break
    return min(2 * m_hat, m_max)


def long_run_variance(x, m):
    x = np.asarray(x, float)
    n = len(x)
    d = x - x.mean()
    ks = np.arange(0, min(m, n - 1) + 1)
    w = np.ones(1) if m == 0 else flat_top(ks / m)
    g = np.array([d[:n - k] @ d[k:] / n for k in ks])
    mult = np.where(ks == 0, 1.0, 2.0)
    lrv = float(np.sum(mult * w * g))
    weights = float(np.sum(mult * w * w))
    window = float(np.sum(mult * w))
    corrected = n * lrv * n / (n - window) if n > window else math.inf
    return {'longRunVariance': lrv, 'varianceOfSum': n * lrv, 'varianceOfSumCorrected': corrected, 'degreesOfFreedom': n / weights}


def dependence():
    rng = np.random.default_rng(20261202)
    cases = []
    # independent noise, AR(1), and block effects of 10 (the shapes the analysis meets)
    for label, make in [
        ('iid-120', lambda: [rng.normal(size=120)]),
        ('iid-2x120', lambda: [rng.normal(size=120), rng.normal(size=120)]),
        ('ar1-0.6', lambda: [ar1(rng, 0.6, 200)]),
        ('ar1-0.9-2x', lambda: [ar1(rng, 0.9, 120), ar1(rng, 0.9, 120)]),
        ('blocks-10', lambda: [np.repeat(rng.normal(size=12), 10) + 0.3 * rng.normal(size=120)]),
        ('blocks-10-2x', lambda: [np.repeat(rng.normal(size=12), 10) + 0.3 * rng.normal(size=120), np.repeat(rng.normal(size=12), 10) + 0.3 * rng.normal(size=120)]),
        ('counts-poisson', lambda: [rng.poisson(4, size=240).astype(float)]),
        ('short-19', lambda: [rng.normal(size=19)]),
    ]:
        series = make()
        m = flat_top_bandwidth(series)
        cases.append({'label': label, 'series': [s.tolist() for s in series], 'bandwidth': m,
                      'lrv': [long_run_variance(s, m) for s in series],
                      'lrvAt': {str(b): long_run_variance(series[0], b) for b in [0, 1, 2, 5, 8]}})
    return cases


def ar1(rng, phi, n):
    e = rng.normal(size=n + 50)
    x = np.zeros(n + 50)
    for t in range(1, n + 50):
        x[t] = phi * x[t - 1] + e[t]
    return x[50:]


# ---------------------------------------------------------------------------------------------------------------
# Welch-Satterthwaite, Woodruff ranks, Rao-Scott tests.

def satterthwaite(v, dfs):
    den = sum(vi * vi / d for vi, d in zip(v, dfs) if not math.isinf(d))
    return math.inf if den == 0 else sum(v) ** 2 / den


def woodruff(n, q, conf, d, df):
    p = 1 - (1 - conf) / 2
    crit = stats.norm.ppf(p) if math.isinf(df) else stats.t.ppf(p, df)
    half = crit * math.sqrt(d * q * (1 - q) / n)
    lo1 = math.floor(n * (q - half))
    hi1 = math.ceil(n * (q + half)) + 1
    return {'lowerIndex': lo1 - 1 if lo1 >= 1 else -1, 'upperIndex': hi1 - 1 if hi1 <= n else n}


def rao_scott_prop(g1, g2, alt):
    (k1, n1, d1, f1), (k2, n2, d2, f2) = g1, g2
    pooled = (k1 / d1 + k2 / d2) / (n1 / d1 + n2 / d2)
    v1, v2 = pooled * (1 - pooled) * d1 / n1, pooled * (1 - pooled) * d2 / n2
    z = (k1 / n1 - k2 / n2) / math.sqrt(v1 + v2)
    df = satterthwaite([v1, v2], [f1 if d1 > 1 else math.inf, f2 if d2 > 1 else math.inf])
    sf = (lambda x: stats.norm.sf(x)) if math.isinf(df) else (lambda x: stats.t.sf(x, df))
    p = sf(z) if alt == 'greater' else sf(-z) if alt == 'less' else min(1.0, 2 * sf(abs(z)))
    return {'z': z, 'pValue': p, 'df': df}


def rao_scott_rate(b, a, conf):
    (k1, n1, d1, f1), (k2, n2, d2, f2) = b, a
    pooled = (k1 / d1 + k2 / d2) / (n1 / d1 + n2 / d2)
    v1, v2 = pooled * d1 / n1, pooled * d2 / n2
    df = satterthwaite([v1, v2], [f1 if d1 > 1 else math.inf, f2 if d2 > 1 else math.inf])
    z = (k2 / n2 - k1 / n1) / math.sqrt(v1 + v2)
    sf = (lambda x: stats.norm.sf(x)) if math.isinf(df) else (lambda x: stats.t.sf(x, df))
    crit = stats.norm.isf((1 - conf) / 2) if math.isinf(df) else stats.t.isf((1 - conf) / 2, df)
    rr = (k2 / n2) / (k1 / n1)
    se = math.sqrt(d1 / k1 + d2 / k2)
    return {'rateRatio': rr, 'lower': rr * math.exp(-crit * se), 'upper': rr * math.exp(crit * se), 'pValue': min(1.0, 2 * sf(abs(z))), 'df': df}


def count_tests():
    wood = []
    for n, q, conf, d, df in [(100, 0.5, 0.95, 1.3, math.inf), (1000, 0.9, 0.95, 4, 12), (50000, 0.99, 0.95, 2.5, 7.3),
                              (50000, 0.999, 0.9, 1.8, 40), (30, 0.9, 0.95, 3, 4), (2000, 0.5, 0.99, 10, 5.5)]:
        wood.append({'n': n, 'q': q, 'confidence': conf, 'designEffect': d, 'df': df, **woodruff(n, q, conf, d, df)})
    props = []
    for g1, g2 in [((30, 100, 2, 10), (15, 100, 1.5, 20)), ((600, 50000, 3.2, 6.1), (500, 50000, 1, math.inf)),
                   ((25000, 50000, 5, 30), (24000, 48000, 4, 25)), ((12, 4000, 1.2, 50), (3, 4200, 2.5, 8))]:
        for alt in ['two-sided', 'greater', 'less']:
            props.append({'g1': g1, 'g2': g2, 'alternative': alt, **rao_scott_prop(g1, g2, alt)})
    rates = []
    for b, a in [((100, 1000, 3, 10), (250, 1000, 2, 15)), ((480, 40000, 2.2, 9.5), (500, 40000, 1, math.inf)),
                 ((4000, 40000, 6, 4.2), (9000, 41000, 5, 5.1))]:
        rates.append({'before': b, 'after': a, 'confidence': 0.95, **rao_scott_rate(b, a, 0.95)})
    sat = [{'variances': v, 'dfs': f, 'df': satterthwaite(v, f)} for v, f in [([2, 1], [9, 4]), ([0.3, 0.7, 0.1], [5, 12.5, math.inf]), ([1, 1], [math.inf, math.inf])]]
    return {'woodruff': wood, 'raoScottProportion': props, 'raoScottRate': rates, 'satterthwaite': sat}


# ---------------------------------------------------------------------------------------------------------------
# DeLong placements by brute force over all pairs.

def placements():
    rng = np.random.default_rng(7)
    cases = []
    for n, m, ties in [(5, 7, False), (40, 33, True), (200, 150, True)]:
        x = rng.lognormal(0, 1, n)
        y = rng.lognormal(0.2, 1, m)
        if ties:
            x, y = np.round(x * 4) / 4, np.round(y * 4) / 4
        px = np.array([(np.sum(y < v) + 0.5 * np.sum(y == v)) / m for v in x])
        py = np.array([(np.sum(x > v) + 0.5 * np.sum(x == v)) / n for v in y])
        u = stats.mannwhitneyu(x, y, method='asymptotic').statistic
        cases.append({'x': x, 'y': y, 'placementsX': px, 'placementsY': py, 'auc': u / (n * m)})
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Burst scan by brute force: every run, every round.

def ft(y, e):
    return math.sqrt(y) + math.sqrt(y + 1) - math.sqrt(4 * e + 1)


def burst_scan(events, trials, max_len, alpha, variance, min_ratio=2, min_events=5, max_bursts=3):
    t = len(events)
    events = np.asarray(events, float)
    trials = np.asarray(trials, float)
    cand = max(1, t * max_len - max_len * (max_len - 1) // 2)
    if t < 2 or trials.sum() <= 0 or events.sum() == 0:
        return {'bursts': [], 'dispersion': 1, 'dispersionByLength': [1] * max_len, 'more': False, 'candidates': cand}
    rate0 = events.sum() / trials.sum()
    binom = variance == 'binomial'
    scale0 = math.sqrt(max(1e-12, 1 - rate0)) if binom else 1.0

    def dispersion_at(length):
        m = t // length
        ev = events[:m * length].reshape(m, length).sum(axis=1)
        tr = trials[:m * length].reshape(m, length).sum(axis=1)
        r = [ft(ev[i], rate0 * tr[i]) / scale0 for i in range(m) if tr[i] > 0]
        if len(r) < 3:
            return 1.0
        med = float(np.median(r))
        mad = float(np.median(np.abs(np.array(r) - med)))
        return max(1.0, (1.4826 * mad) ** 2)
    disp_by_len = [dispersion_at(length) for length in range(1, max_len + 1)]
    disp = disp_by_len[0]
    masked = np.zeros(t, bool)
    bursts, more = [], False
    while True:
        rest_k, rest_n = events[~masked].sum(), trials[~masked].sum()
        best = None
        for s, e in itertools.product(range(t), range(1, max_len + 1)):
            stop = s + e
            if stop > t or masked[s:stop].any():
                continue
            k, n = events[s:stop].sum(), trials[s:stop].sum()
            if n <= 0 or rest_n - n <= 0 or k < min_events:
                continue
            rate = (rest_k - k) / (rest_n - n)
            exp_ = rate * n
            ratio = k / exp_ if exp_ > 0 else math.inf
            if ratio < min_ratio:
                continue
            sc = math.sqrt(max(1e-12, 1 - rate)) if binom else 1.0
            z = ft(k, exp_) / (sc * math.sqrt(disp_by_len[e - 1]))
            if best is None or z > best['z']:
                best = {'start': s, 'stop': stop, 'events': k, 'expected': exp_, 'ratio': ratio, 'z': z}
        if best is None:
            break
        p = min(1.0, stats.norm.sf(best['z']) * cand)
        if not p < alpha:
            break
        if len(bursts) == max_bursts:
            more = True
            break
        bursts.append({**best, 'pValue': p})
        masked[best['start']:best['stop']] = True
    bursts.sort(key=lambda b: b['start'])
    return {'bursts': bursts, 'dispersion': disp, 'dispersionByLength': disp_by_len, 'more': more, 'candidates': cand}


def bursts():
    rng = np.random.default_rng(11)
    cases = []
    n = np.full(120, 400.0)
    base = rng.binomial(400, 0.01, 120).astype(float)
    inc = base.copy()
    inc[60:63] += rng.binomial(100, 0.9, 3)
    noisy = rng.binomial(400, np.clip(0.01 * np.exp(rng.normal(0, 0.4, 120)), 0, 1)).astype(float)
    many = base.copy()
    many[[5, 20, 33, 70, 90]] += 40
    traffic = rng.integers(50, 600, 120).astype(float)
    retries = rng.poisson(0.02 * traffic).astype(float)
    retries[100:102] += 30
    for label, ev, tr, variance in [('none', base, n, 'binomial'), ('incident', inc, n, 'binomial'), ('noisy', noisy, n, 'binomial'),
                                    ('many', many, n, 'binomial'), ('retries', retries, traffic, 'poisson')]:
        cases.append({'label': label, 'events': ev, 'trials': tr, 'variance': variance, 'maxRunLength': 12, 'alpha': 0.01,
                      **burst_scan(ev, tr, 12, 0.01, variance)})
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Edge-bounded histogram quantile interval.

def histogram_intervals():
    rows = []
    for ub, counts, q, conf in [([10, 20, 50, 100, 200, 500, 1000, math.inf], [300, 2200, 5000, 1800, 500, 150, 40, 10], 0.9, 0.95),
                                ([10, 20, 50, 100, 200, 500, 1000, math.inf], [300, 2200, 5000, 1800, 500, 150, 40, 10], 0.99, 0.95),
                                ([1, 2, 4, 8, 16], [5, 40, 30, 20, 5], 0.5, 0.9)]:
        total = int(sum(counts))
        lo_idx = int(stats.binom.ppf((1 - conf) / 2, total, q)) - 1
        hi_idx = int(stats.binom.isf((1 - conf) / 2, total, q))
        cum = np.cumsum(counts)

        def bucket_of(rank):
            for b, c in enumerate(cum):
                if c >= rank and counts[b] > 0:
                    return b
            return len(counts) - 1
        edges = [0] + list(ub)
        lower = edges[bucket_of(lo_idx + 1)] if lo_idx >= 0 else -math.inf
        upper = edges[bucket_of(hi_idx + 1) + 1] if hi_idx < total else math.inf
        b = bucket_of(q * total)
        rows.append({'upperBounds': ub, 'counts': counts, 'q': q, 'confidence': conf, 'lowerIndex': lo_idx, 'upperIndex': hi_idx,
                     'lower': lower, 'upper': upper, 'estimateLow': edges[b], 'estimateHigh': edges[b + 1]})
    return rows


if __name__ == '__main__':
    data = {
        'generator': f'scripts/reference/make_clustered_reference.py (SciPy {scipy.__version__}, NumPy {np.__version__})',
        'studentT': student_t(),
        'dependence': dependence(),
        'counts': count_tests(),
        'placements': placements(),
        'bursts': bursts(),
        'histogramIntervals': histogram_intervals(),
    }
    with open(OUT, 'w') as f:
        json.dump(clean(data), f, separators=(',', ':'))
    print(f'{OUT}: {os.path.getsize(OUT) / 1024:.0f} KiB')
