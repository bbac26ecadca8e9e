/**
 * The known truth of a scenario, computed analytically from its parameters (not from a sample), so calibration
 * can check interval coverage against it.
 *
 * Latency: every simulated latency is lognormal given its minute, its random effects and its mixture branch
 * (block effects, the day effect and the queue factor are lognormal multipliers; an incident multiplies by a
 * constant). Integrating the random effects out, a window's latency distribution (the "superpopulation": what
 * the same world would produce in any 2 h) is an exact finite mixture of lognormals: one component per minute
 * (load differs per minute under a daily cycle) × {queued, not queued} × {in incident, not}. Its quantile is
 * found by bisection on the mixture CDF (normalCdf, ~1e-15). The regression transform g is monotone and integer
 * rounding is non-decreasing, so the window's p-quantile after them is round(g(Q(p))).
 * Incident components assume the incident's minutes carry the window's average rate (exact without a daily cycle).
 *
 * Retries: expected retries per call E[attempts − 1] = Σ_{k<maxAttempts} p^k per minute with failure p,
 * averaged over the burst / no-burst mix (bursts are independent of load, so rate weights cancel).
 */
import { normalCdf } from '../../src/stats/normal-cdf.ts';
import {
  MINUTE_MS,
  burstBaseFailure,
  bursty,
  expectedRetries,
  failureForRetries,
  loadAt,
  perMinute,
  queueShareAt,
  windowRange,
  type RegressionSpec,
  type Scenario,
  type UpstreamSpec,
  type WindowName,
} from './scenario.ts';

/** Which requests of a window: all, or one cohort of a flag rollout (the before window is all control). */
export type CohortPick = 'all' | 'control' | 'treatment';

export interface LognormalComponent {
  weight: number;
  mu: number;
  sigma: number;
}

/** Share of a window's requests in the given cohort. */
export function cohortShare(s: Scenario, w: WindowName, pick: CohortPick): number {
  if (pick === 'all' || !s.cohort) return 1;
  const rollout = w === 'after' ? s.cohort.rollout : 0;
  return pick === 'treatment' ? rollout : 1 - rollout;
}

/** Variance of the log of the random multipliers every request gets (blocks, day). */
function randomEffectVariance(s: Scenario): number {
  let v = 0;
  for (const b of s.blocks ?? []) v += b.sigma * b.sigma;
  const day = s.daily?.dayEffectSigma ?? 0;
  return v + day * day;
}

/** The window's latency distribution of endpoint `e` before any regression, as a lognormal mixture. */
export function latencyMixture(s: Scenario, e: number, range: { start: number; stop: number }, w: WindowName, withIncident = true): LognormalComponent[] {
  const ep = s.endpoints[e];
  const base = Math.log(ep.medianMs);
  const v0 = ep.sigma * ep.sigma + randomEffectVariance(s);
  const q = s.daily?.queue;
  const inc = withIncident && s.incident && s.incident.window === w ? s.incident : null;
  const incShare = inc ? (inc.share * inc.durationMs) / (range.stop - range.start) : 0;
  const byKey = new Map<string, LognormalComponent>();
  const add = (weight: number, mu: number, variance: number): void => {
    if (!(weight > 0)) return;
    const key = `${mu}|${variance}`;
    const c = byKey.get(key);
    if (c) c.weight += weight;
    else byKey.set(key, { weight, mu, sigma: Math.sqrt(variance) });
  };
  for (let t = range.start; t < range.stop; t += MINUTE_MS) {
    const load = loadAt(s, t);
    const weight = perMinute(ep.perWindow) * load;
    const mu = base + (s.daily ? s.daily.latencyExponent * Math.log(load) : 0);
    const branches: Array<[number, number, number]> = [[1, mu, v0]];
    if (q) {
      const share = queueShareAt(s, load);
      branches[0][0] = 1 - share;
      branches.push([share, mu + Math.log(q.factorMedian), v0 + q.factorSigma * q.factorSigma]);
    }
    for (const [bw, bmu, bv] of branches) {
      add(weight * bw * (1 - incShare), bmu, bv);
      if (inc) add(weight * bw * incShare, bmu + Math.log(inc.factor), bv);
    }
  }
  return [...byKey.values()];
}

export function mixtureCdf(components: LognormalComponent[], x: number): number {
  if (!(x > 0)) return 0;
  const lx = Math.log(x);
  let total = 0;
  let acc = 0;
  for (const c of components) {
    total += c.weight;
    acc += c.weight * normalCdf((lx - c.mu) / c.sigma);
  }
  return acc / total;
}

/** The p-quantile of a lognormal mixture (bisection in log space to machine precision). */
export function mixtureQuantile(components: LognormalComponent[], p: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of components) {
    lo = Math.min(lo, c.mu - 12 * c.sigma);
    hi = Math.max(hi, c.mu + 12 * c.sigma);
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (mixtureCdf(components, Math.exp(mid)) < p) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

function targets(r: RegressionSpec, name: string, first: string): boolean {
  const list = r.kind === 'retries' ? r.upstreams : r.endpoints;
  return list ? list.includes(name) : name === first;
}

/**
 * The monotone regression transform of endpoint `e` (identity when no latency regression targets it). Thresholds
 * are quantiles of the endpoint's before-window distribution (control cohort), fixed per scenario.
 */
export function latencyTransform(s: Scenario, e: number): ((v: number) => number) | null {
  const name = s.endpoints[e].endpoint;
  const rs = (s.regressions ?? []).filter((r) => r.kind !== 'retries' && targets(r, name, s.endpoints[0].endpoint));
  if (rs.length === 0) return null;
  const before = latencyMixture(s, e, windowRange(s, 'before'), 'before');
  const steps = rs.map((r): ((v: number) => number) => {
    if (r.kind === 'scale') return (v) => v * r.factor;
    if (r.kind === 'slowest') {
      const t = mixtureQuantile(before, 1 - r.share);
      return (v) => (v > t ? v * r.factor : v);
    }
    if (r.kind === 'tail') {
      const lo = Math.log(mixtureQuantile(before, r.fromQuantile));
      const hi = Math.log(mixtureQuantile(before, r.atQuantile));
      return (v) => {
        const h = Math.min(1, Math.max(0, (Math.log(v) - lo) / (hi - lo)));
        return v * (1 + r.change * h);
      };
    }
    throw new Error(`not a latency regression: ${r.kind}`);
  });
  return (v) => steps.reduce((x, f) => f(x), v);
}

/** Whether the after window of this cohort gets the regression (all requests without a rollout, else the treatment). */
function regressed(s: Scenario, w: WindowName, pick: CohortPick): boolean {
  return w === 'after' && (!s.cohort || pick === 'treatment');
}

/**
 * The true p-quantile (ms) of endpoint `e` in window `w` after g and rounding. With `range` (a reference day's
 * clock window) the regime of `w` applies to that range, without the incident (it happened in today's window).
 */
export function trueLatencyQuantile(s: Scenario, e: number, w: WindowName, p: number, options: { pick?: CohortPick; range?: { start: number; stop: number } } = {}): number {
  const pick = options.pick ?? 'all';
  const mix = latencyMixture(s, e, options.range ?? windowRange(s, w), w, !options.range);
  let q = mixtureQuantile(mix, p);
  const g = regressed(s, w, pick) ? latencyTransform(s, e) : null;
  if (g) q = g(q);
  return s.integerMs ? Math.round(q) : q;
}

/**
 * True relative change of the p-quantile for the comparison the runner makes: before vs after (default), the
 * after window vs its clock window on an earlier day (`reference`), or control vs treatment cohort of the after
 * window (`cohort: true`).
 */
export function trueLatencyChange(s: Scenario, e: number, p: number, options: { cohort?: boolean; reference?: { start: number; stop: number } } = {}): number {
  if (options.reference) return trueLatencyQuantile(s, e, 'after', p) / trueLatencyQuantile(s, e, 'before', p, { range: options.reference }) - 1;
  if (options.cohort) {
    return trueLatencyQuantile(s, e, 'after', p, { pick: 'treatment' }) / trueLatencyQuantile(s, e, 'after', p, { pick: 'control' }) - 1;
  }
  return trueLatencyQuantile(s, e, 'after', p) / trueLatencyQuantile(s, e, 'before', p) - 1;
}

/** The per-attempt failure probabilities of an upstream's minutes, with their shares (bursty or constant). */
export function failureMix(s: Scenario, u: UpstreamSpec): Array<{ share: number; p: number }> {
  const b = bursty(s, u.upstream);
  if (!b) return [{ share: 1, p: u.failProbability }];
  return [
    { share: b.burstShare, p: b.burstFailure },
    { share: 1 - b.burstShare, p: burstBaseFailure(u.failProbability, b) },
  ];
}

/** Retry regression factor on expected retries per call for this upstream in this window/cohort (1 = none). */
export function retryFactor(s: Scenario, u: number, w: WindowName, pick: CohortPick): number {
  if (!regressed(s, w, pick)) return 1;
  const name = s.upstreams[u].upstream;
  let f = 1;
  for (const r of s.regressions ?? []) if (r.kind === 'retries' && targets(r, name, s.upstreams[0].upstream)) f *= r.factor;
  return f;
}

/** Per-attempt failure probability that makes expected retries × factor (exact inverse of expectedRetries). */
export function regressedFailure(p: number, factor: number, maxAttempts: number): number {
  return factor === 1 ? p : failureForRetries(factor * expectedRetries(p, maxAttempts), maxAttempts);
}

/** Expected retries per call and share of exhausted calls of upstream `u` in window `w`. */
export function trueRetryRates(s: Scenario, u: number, w: WindowName, pick: CohortPick = 'all'): { retriesPerCall: number; exhaustedRate: number } {
  const up = s.upstreams[u];
  const factor = retryFactor(s, u, w, pick);
  let retriesPerCall = 0;
  let exhaustedRate = 0;
  for (const { share, p } of failureMix(s, up)) {
    const pr = regressedFailure(p, factor, up.maxAttempts);
    retriesPerCall += share * expectedRetries(pr, up.maxAttempts);
    exhaustedRate += share * pr ** up.maxAttempts;
  }
  return { retriesPerCall, exhaustedRate };
}

export function trueRetryChange(s: Scenario, u: number, options: { cohort?: boolean } = {}): number {
  const [b, a] = options.cohort
    ? [trueRetryRates(s, u, 'after', 'control'), trueRetryRates(s, u, 'after', 'treatment')]
    : [trueRetryRates(s, u, 'before'), trueRetryRates(s, u, 'after')];
  return a.retriesPerCall / b.retriesPerCall - 1;
}
