/**
 * A judge in the style of Kayenta's NetflixACAJudge, run on the same MetricWindows as analyze(), as the yardstick
 * the issue asks for. What it does, and the Kayenta files it follows (spinnaker/kayenta, commit a69573be):
 * - Metrics are per-interval points (one value per minute, like a canary metric series): per endpoint the
 *   minute's p50 and p99 from the window builder's timeline, per upstream the minute's retries per call.
 *   Control = the before window's minutes (or the control cohort's), experiment = the after window's (treatment).
 *   NaN points are removed (NaNStrategy.Remove); a minute counts for a quantile only with ≥ 1/(1 − q) requests
 *   (a "p99" of 5 requests is their maximum: no canary config would call that a p99), and a metric needs
 *   `minPoints` points on each side, else it is Nodata.
 * - Classification: kayenta-judge/.../classifiers/metric/MannWhitneyClassifier.scala: Mann-Whitney interval of
 *   the shift at confLevel 0.98 and tolerance 0.25 (the values NetflixACAJudge.scala hard-codes); High when the
 *   lower bound exceeds tolerance × |estimate| and the effect size (mean ratio experiment/control,
 *   stats/EffectSizes.scala) is ≥ allowedIncrease; Low symmetrically; identical data or one distinct value: Pass;
 *   one distinct value per side: Gaussian noise of scale 1e-5 × value added (seeded here).
 * - Effect-size gate: Kayenta's `effectSize.allowedIncrease` (default 1.0 = no gate). Here it defaults to
 *   aftershock's own relative tolerances (latency 1.10, retries 1.25; decreases 0.90, 0.75), so both judges
 *   apply the same minimum effect and the comparison isolates the statistics.
 * - Report: every metric is treated as critical (scorers/WeightedSumScorer.scala fails the canary on any
 *   critical non-Pass metric), which matches aftershock's "any regression fails"; `score` (share of Pass, in
 *   %) and its classification against thresholds pass 95 / marginal 75 (classifiers/score/
 *   ThresholdScoreClassifier.scala) are reported too.
 */
import type { LatencyTimeline, MetricWindows, TimeRange, UpstreamTimeline } from '../../src/analysis/types.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { kayentaMannWhitney } from './kayenta-mann-whitney.ts';

export type KayentaClassification = 'Pass' | 'High' | 'Low' | 'Nodata';
export type Direction = 'increase' | 'decrease' | 'either';

export interface ClassifierOptions {
  tolerance: number;
  confLevel: number;
  /** (allowedDecrease, allowedIncrease) on the mean ratio experiment / control. */
  effectSizeThresholds: [number, number];
  direction: Direction;
  /** Seed of the Gaussian noise Kayenta adds to two one-valued samples. */
  noiseSeed?: number;
}

export interface MetricClassification {
  classification: KayentaClassification;
  lower: number | null;
  upper: number | null;
  estimate: number | null;
  /** Mean ratio experiment / control (NaN when a mean is 0). */
  effectSize: number;
}

export const DEFAULT_KAYENTA_TOLERANCE = 0.25;
export const DEFAULT_KAYENTA_CONF_LEVEL = 0.98;

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

export function meanRatio(control: ArrayLike<number>, experiment: ArrayLike<number>): number {
  const c = mean(control);
  const e = mean(experiment);
  return c === 0 || e === 0 ? NaN : e / c;
}

/** MannWhitneyClassifier.classify (non-critical part) for one metric pair. */
export function classifyMetric(control: number[], experiment: number[], o: ClassifierOptions): MetricClassification {
  const none = { lower: null, upper: null, estimate: null };
  if (control.length === 0 || experiment.length === 0) return { classification: 'Nodata', ...none, effectSize: NaN };
  const cs = [...control].sort((a, b) => a - b);
  const es = [...experiment].sort((a, b) => a - b);
  if (cs.length === es.length && cs.every((v, i) => v === es[i])) return { classification: 'Pass', ...none, effectSize: 1 };
  const distinct = new Set([...cs, ...es]);
  if (distinct.size === 1) return { classification: 'Pass', ...none, effectSize: 1 };
  let x = experiment;
  let y = control;
  if (new Set(es).size === 1 && new Set(cs).size === 1) {
    const r = seededRandom(o.noiseSeed ?? 1);
    const noisy = (v: number[]) => v.map((a) => a + r.normal() * v[0] * 1e-5);
    x = noisy(experiment);
    y = noisy(control);
  }
  const mw = kayentaMannWhitney(x, y, o.confLevel);
  const effectSize = meanRatio(y, x);
  const critical = o.tolerance * Math.abs(mw.estimate);
  const high = o.direction !== 'decrease' && mw.lower > critical && (Number.isNaN(effectSize) || effectSize >= o.effectSizeThresholds[1]);
  const low = o.direction !== 'increase' && mw.upper < -critical && (Number.isNaN(effectSize) || effectSize <= o.effectSizeThresholds[0]);
  return { classification: high ? 'High' : low ? 'Low' : 'Pass', lower: mw.lower, upper: mw.upper, estimate: mw.estimate, effectSize };
}

export interface KayentaJudgeOptions {
  tolerance: number;
  confLevel: number;
  latencyEffect: [number, number];
  retryEffect: [number, number];
  quantiles: number[];
  minPoints: number;
  /** Minimum calls in a minute for its retries-per-call point. */
  minCallsPerInterval: number;
  passThreshold: number;
  marginalThreshold: number;
}

export const DEFAULT_KAYENTA_OPTIONS: KayentaJudgeOptions = {
  tolerance: DEFAULT_KAYENTA_TOLERANCE,
  confLevel: DEFAULT_KAYENTA_CONF_LEVEL,
  latencyEffect: [0.9, 1.1],
  retryEffect: [0.75, 1.25],
  quantiles: [0.5, 0.99],
  minPoints: 10,
  minCallsPerInterval: 1,
  passThreshold: 95,
  marginalThreshold: 75,
};

/** One metric as control/experiment point series (Kayenta's MetricSetPair). */
export interface MetricPair {
  kind: 'tail_latency' | 'retry_rate';
  service: string;
  subject: string;
  statistic: string;
  control: number[];
  experiment: number[];
}

export interface JudgedMetric extends MetricPair, MetricClassification {}

export interface KayentaVerdict {
  verdict: 'pass' | 'fail';
  /** Any metric classified Low: Kayenta's "improvement". */
  improvement: boolean;
  score: number;
  scoreClassification: 'Pass' | 'Marginal' | 'Fail';
  metrics: JudgedMetric[];
}

const inRange = (r: TimeRange) => (t: number) => t >= r.start && t < r.stop;

/** The points of one timeline series in the intervals `keep` selects, NaN and too-thin intervals left out. */
function pointsOf(t: Float64Array, value: (i: number) => number | null, keep: (t: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (!keep(t[i])) continue;
    const v = value(i);
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function label(q: number): string {
  return `p${Math.round(q * 1000) / 10}`;
}

function quantilePoint(tl: LatencyTimeline, q: number): (i: number) => number | null {
  const series = q === 0.5 ? tl.p50 : q === 0.99 ? tl.p99 : null;
  if (series === null) throw new Error(`kayenta judge: the timeline has p50 and p99 only, not ${q}`);
  const min = Math.ceil(1 / (1 - q) - 1e-9);
  return (i) => (tl.count[i] >= min ? series[i] : null);
}

function retryPoint(tl: UpstreamTimeline, minCalls: number): (i: number) => number | null {
  return (i) => (tl.calls[i] >= Math.max(1, minCalls) ? tl.retries[i] / tl.calls[i] : null);
}

interface Side<T> {
  timeline: T;
  keep: (t: number) => boolean;
}

function latencyPairs(service: string, subject: string, control: Side<LatencyTimeline>, experiment: Side<LatencyTimeline>, o: KayentaJudgeOptions): MetricPair[] {
  return o.quantiles.map((q) => ({
    kind: 'tail_latency',
    service,
    subject,
    statistic: label(q),
    control: pointsOf(control.timeline.t, quantilePoint(control.timeline, q), control.keep),
    experiment: pointsOf(experiment.timeline.t, quantilePoint(experiment.timeline, q), experiment.keep),
  }));
}

function retryPair(service: string, subject: string, control: Side<UpstreamTimeline>, experiment: Side<UpstreamTimeline>, o: KayentaJudgeOptions): MetricPair {
  return {
    kind: 'retry_rate',
    service,
    subject,
    statistic: 'retries_per_call',
    control: pointsOf(control.timeline.t, retryPoint(control.timeline, o.minCallsPerInterval), control.keep),
    experiment: pointsOf(experiment.timeline.t, retryPoint(experiment.timeline, o.minCallsPerInterval), experiment.keep),
  };
}

/** Per-minute metric pairs of a before/after MetricWindows (control = the before window's minutes). */
export function metricPairs(windows: MetricWindows, options: Partial<KayentaJudgeOptions> = {}): MetricPair[] {
  const o = { ...DEFAULT_KAYENTA_OPTIONS, ...options };
  const before = inRange(windows.before);
  const after = inRange(windows.after);
  const out: MetricPair[] = [];
  for (const l of windows.latency) {
    if (l.timeline) out.push(...latencyPairs(l.service, l.endpoint, { timeline: l.timeline, keep: before }, { timeline: l.timeline, keep: after }, o));
  }
  for (const u of windows.upstreams) {
    if (u.timeline) out.push(retryPair(u.service, u.upstream, { timeline: u.timeline, keep: before }, { timeline: u.timeline, keep: after }, o));
  }
  return out;
}

/**
 * Per-minute metric pairs of a flag rollout, from the cohort-tagged subjects of one MetricWindows: control = the
 * after-window minutes of the subject ending in `controlSuffix`, experiment = those of its `treatmentSuffix` twin.
 */
export function cohortMetricPairs(windows: MetricWindows, controlSuffix: string, treatmentSuffix: string, options: Partial<KayentaJudgeOptions> = {}): MetricPair[] {
  const o = { ...DEFAULT_KAYENTA_OPTIONS, ...options };
  const after = inRange(windows.after);
  const out: MetricPair[] = [];
  for (const l of windows.latency) {
    if (!l.endpoint.endsWith(controlSuffix) || !l.timeline) continue;
    const name = l.endpoint.slice(0, -controlSuffix.length);
    const tr = windows.latency.find((x) => x.service === l.service && x.endpoint === name + treatmentSuffix);
    if (tr?.timeline) out.push(...latencyPairs(l.service, name, { timeline: l.timeline, keep: after }, { timeline: tr.timeline, keep: after }, o));
  }
  for (const u of windows.upstreams) {
    if (!u.upstream.endsWith(controlSuffix) || !u.timeline) continue;
    const name = u.upstream.slice(0, -controlSuffix.length);
    const tr = windows.upstreams.find((x) => x.service === u.service && x.upstream === name + treatmentSuffix);
    if (tr?.timeline) out.push(retryPair(u.service, name, { timeline: u.timeline, keep: after }, { timeline: tr.timeline, keep: after }, o));
  }
  return out;
}

/** Classifies every pair and scores the report. */
export function kayentaJudge(pairs: MetricPair[], options: Partial<KayentaJudgeOptions> = {}): KayentaVerdict {
  const o = { ...DEFAULT_KAYENTA_OPTIONS, ...options };
  const metrics: JudgedMetric[] = pairs.map((p, i) => {
    const enough = p.control.length >= o.minPoints && p.experiment.length >= o.minPoints;
    const c: MetricClassification = enough
      ? classifyMetric(p.control, p.experiment, {
          tolerance: o.tolerance,
          confLevel: o.confLevel,
          effectSizeThresholds: p.kind === 'retry_rate' ? o.retryEffect : o.latencyEffect,
          direction: 'either',
          noiseSeed: i + 1,
        })
      : { classification: 'Nodata', lower: null, upper: null, estimate: null, effectSize: NaN };
    return { ...p, ...c };
  });
  const judged = metrics.filter((m) => m.classification !== 'Nodata');
  const pass = judged.filter((m) => m.classification === 'Pass').length;
  const score = judged.length === 0 ? 0 : Math.round((10000 * pass) / judged.length) / 100;
  return {
    verdict: metrics.some((m) => m.classification === 'High') ? 'fail' : 'pass',
    improvement: metrics.some((m) => m.classification === 'Low'),
    score,
    scoreClassification: score >= o.passThreshold ? 'Pass' : score >= o.marginalThreshold ? 'Marginal' : 'Fail',
    metrics,
  };
}
