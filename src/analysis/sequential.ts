/**
 * Anytime-valid evidence for a monitor that re-analyses a growing after window (the SLA guard): for each finding, the
 * normal-mixture mSPRT e-value (stats/msprt-normal-mixture.ts) of its relative change, so that acting when an
 * e-value reaches m/α keeps the chance of ever acting on an unchanged service ≤ α over all looks, however many.
 * A fixed-α test re-run at every look does not: with 24 looks it fires several times as often as α (see
 * test/analysis/sequential-guard.test.ts), and hysteresis only delays it.
 *
 * Input per finding: θ̂ = log(after / before) and its variance V, read off the finding's own interval on the log
 * scale, V = ((log(1 + hi) − log(1 + lo)) / (2 z_{(1+c)/2}))². Those intervals already carry the time clustering
 * (Woodruff's method with the design effects over time blocks for quantiles, Rao–Scott for rates), so the
 * sequential test inherits it: clustered telemetry gives a larger V and a slower e-value, not false alarms.
 * Why looking after every interval is allowed: the before window is fixed and the after window grows, so θ̂ at a look
 * is a fixed part minus a running mean; Cov(θ̂_m, θ̂_n) = V_n for an earlier look m — the covariance of Brownian motion
 * in information time 1/V — and the mixture likelihood ratio is a nonnegative martingale in it (Ville's inequality).
 * Several findings are watched at once: each must reach m/α (Bonferroni over the m findings watched, valid under any
 * dependence between them), and only a finding the report itself calls a regression (worse, beyond tolerance, its
 * interval agreeing) may act, so the tolerance rules stay as they are.
 * References: R. Johari, P. Koomen, L. Pekelis & D. Walsh, "Always valid inference: continuous monitoring of A/B
 * tests", Operations Research 70 (2022) 1806–1821; H. Robbins, Ann. Math. Statist. 41 (1970) 1397–1409; the
 * normal-mixture boundary is the one Optimizely's, Eppo's and Statsig's sequential tests use.
 */
import { msprtLogLikelihoodRatio, normalQuantile } from '../stats/index.ts';
import { formatChange, formatNumber } from './format.ts';
import type { Finding, FindingKind, Report } from './types.ts';

export interface SequentialSettings {
  /** Chance of ever acting on an unchanged service, over all looks (e.g. 0.05). */
  alpha: number;
  /** Standard deviation τ of the mixture over log(after / before): the size of change the test is tuned to (0.1 ≈ 10 %). */
  tau: number;
  /** Looks after which the test is over (null: no horizon; the bound holds for any number). */
  maxLooks: number | null;
}

export const DEFAULT_SEQUENTIAL: SequentialSettings = { alpha: 0.05, tau: 0.1, maxLooks: null };

export interface SequentialEvidence {
  kind: FindingKind;
  service: string;
  subject: string;
  statistic: string;
  /** log(after / before). */
  estimate: number;
  variance: number;
  /** The mixture likelihood ratio Λ (may be Infinity past 1e308; logEValue stays finite). */
  eValue: number;
  logEValue: number;
  /** The report calls it a regression (worse, beyond tolerance, interval agreeing). */
  regression: boolean;
}

export interface SequentialLook {
  /** 1 for the first look after the upgrade. */
  look: number;
  settings: SequentialSettings;
  /** Findings watched (configured kinds in the target's services): the Bonferroni m. */
  watched: number;
  /** m / α: the e-value a finding must reach. */
  threshold: number;
  /** The watched finding with the largest e-value among the report's regressions, else among all. */
  best: SequentialEvidence | null;
  /** Regressions whose e-value reached the threshold (their kinds may act). */
  crossed: SequentialEvidence[];
  /** Past maxLooks: the test is over and nothing may act on it. */
  horizonReached: boolean;
}

/** θ̂ and V of a finding from its interval on the log scale; null without a usable interval. */
export function logChangeOf(f: Finding, confidence: number): { estimate: number; variance: number } | null {
  if (f.relativeChange === null || !f.ci || f.status === 'insufficient_data') return null;
  const [lo, hi] = f.ci;
  if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi) || lo <= -1 || !(f.relativeChange > -1)) return null;
  const z = normalQuantile((1 + confidence) / 2);
  const se = (Math.log1p(hi) - Math.log1p(lo)) / (2 * z);
  if (!(se > 0)) return null;
  return { estimate: Math.log1p(f.relativeChange), variance: se * se };
}

/** The anytime-valid evidence of one look at a report, for the findings of `kinds` in `services` (all when none). */
export function sequentialLook(report: Report, options: { kinds: FindingKind[]; services?: string[]; look: number; settings: SequentialSettings }): SequentialLook {
  const { settings, look } = options;
  const inScope = (s: string) => !options.services || options.services.length === 0 || options.services.includes(s);
  const watched = report.findings.filter((f) => inScope(f.service) && options.kinds.includes(f.kind));
  const m = Math.max(1, watched.length);
  const threshold = m / settings.alpha;
  const tau2 = settings.tau * settings.tau;
  const evidence: SequentialEvidence[] = [];
  for (const f of watched) {
    const c = logChangeOf(f, report.settings.confidence);
    if (!c) continue;
    const logEValue = msprtLogLikelihoodRatio(c.estimate, c.variance, tau2);
    evidence.push({ kind: f.kind, service: f.service, subject: f.subject, statistic: f.statistic, ...c, logEValue, eValue: Math.exp(logEValue), regression: f.status === 'regression' });
  }
  const horizonReached = settings.maxLooks !== null && look > settings.maxLooks;
  const byEvidence = (a: SequentialEvidence, b: SequentialEvidence) => b.logEValue - a.logEValue;
  const regressions = evidence.filter((e) => e.regression).sort(byEvidence);
  const crossed = horizonReached ? [] : regressions.filter((e) => e.logEValue >= Math.log(threshold));
  const best = regressions[0] ?? [...evidence].sort(byEvidence)[0] ?? null;
  return { look, settings, watched: watched.length, threshold, best, crossed, horizonReached };
}

/** An e-value for people: `34`, `1,322`, `3.4e12`. */
export function formatEValue(e: number): string {
  if (!Number.isFinite(e)) return '> 1e308';
  return e >= 1e6 ? e.toExponential(1).replace('e+', 'e') : formatNumber(e);
}

/**
 * One sentence: "anytime-valid: e-value 1.2e4 ≥ 26/α = 520 at look 7 (shop /checkout p99 +21 %)", or why not yet.
 */
export function describeLook(s: SequentialLook): string {
  const bound = `${s.watched > 1 ? `${s.watched}/α` : '1/α'} = ${formatNumber(s.threshold)}`;
  const what = (e: SequentialEvidence) => `${e.service} ${e.subject} ${e.statistic} ${formatChange(Math.expm1(e.estimate))}`;
  const horizon = s.settings.maxLooks !== null ? ` of ${s.settings.maxLooks}` : '';
  if (s.horizonReached) return `anytime-valid: the test's horizon of ${s.settings.maxLooks} looks is over; look ${s.look} may not act on it`;
  if (s.crossed.length > 0) return `anytime-valid: e-value ${formatEValue(s.crossed[0].eValue)} ≥ ${bound} at look ${s.look}${horizon} (${what(s.crossed[0])})`;
  if (!s.best) return `anytime-valid: no watched finding has an interval yet at look ${s.look}${horizon}`;
  return `anytime-valid: e-value ${formatEValue(s.best.eValue)} < ${bound} at look ${s.look}${horizon} (${what(s.best)})`;
}
