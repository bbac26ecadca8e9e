/**
 * Pure: from a report's `tail_latency`, `retry_rate` and `backoff` findings, propose new backoff constants
 * with a rationale a person can check, or recommend the kill switch when no constants within bounds can
 * bring the regressed quantiles back within tolerance. No I/O, no clock; randomness is seeded.
 *
 * Model (the one the reference client helper implements, src/actions/unleash/backoff-client.ts):
 *  - each attempt of a call fails independently with probability p; a call retries up to maxAttempts − 1
 *    times, so P(retries ≥ k) = p^k. p is solved from the observed retries per call r = Σ_{k<maxAttempts} p^k;
 *  - retry k waits min(maxMs, baseMs · multiplier^(k−1)) · (1 − jitter · U), U uniform in [0, 1);
 *  - the wait W a call adds to its request is the sum of its retry waits; the extra latency retried calls
 *    add at quantile q of the request latency is taken as the q-quantile of W (the tail of a request whose
 *    call retried is where that wait lands). The model is scaled by observed/modelled median wait of retried
 *    calls so it matches the wait distribution actually measured after the upgrade.
 *  - predicted quantile under constants C = observed after − extra(current) + extra(C); it must come back
 *    under before + `aim` × the tolerance band (tolerance.tail: relative and absolute, as in the report).
 * Graduated: the least aggressive change that meets the target (largest mean wait kept), first lowering
 * baseMs alone, then also the multiplier and maxMs; the kill switch only when nothing within bounds does.
 */
import type { DistributionSketch, Finding, Report, ReportSeries } from '../analysis/types.ts';
import { seededRandom } from '../stats/seeded-random.ts';
import { sortFloat64 } from '../stats/sort-float64.ts';
import { BACKOFF_FIELDS, boundViolations, type BackoffBounds, type BackoffConstants } from './backoff-constants.ts';

export const DEFAULT_MODEL_SAMPLES = 20_000;
export const DEFAULT_MODEL_SEED = 6;
/** Aim for this fraction of the tolerance band, not its edge: the model is approximate. */
export const DEFAULT_AIM = 0.5;

export interface RecommendOptions {
  /** The service whose regression is acted on (default: the service of the worst tail regression). */
  service?: string;
  current: BackoffConstants;
  bounds: BackoffBounds;
  series?: ReportSeries;
  aim?: number;
  samples?: number;
  seed?: number;
}

export interface QuantileCheck {
  subject: string;
  statistic: string;
  q: number;
  beforeMs: number;
  afterMs: number;
  /** before + aim × tolerance band: what the prediction must not exceed. */
  targetMs: number;
  extraWaitCurrentMs: number;
  extraWaitProposedMs: number | null;
  predictedMs: number | null;
}

export interface BackoffRecommendation {
  action: 'tune' | 'kill_switch' | 'none';
  service: string | null;
  upstream: string | null;
  current: BackoffConstants;
  /** Proposed constants (tune only). */
  constants: BackoffConstants | null;
  checks: QuantileCheck[];
  model: {
    retriesPerCall: number | null;
    attemptFailProbability: number | null;
    observedMedianWaitMs: number | null;
    modelMedianWaitMs: number | null;
    /** observed / model median wait of retried calls (1 when nothing was observed). */
    waitScale: number;
  } | null;
  /** Plain sentences, in order: what regressed, what the model says, what is proposed and why. */
  rationale: string[];
}

const round = (x: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** `p99.9` → 0.999; null for statistics that are not quantiles. */
export function quantileOf(statistic: string): number | null {
  const m = /^p(\d+(?:\.\d+)?)$/.exec(statistic);
  if (!m) return null;
  const q = Number(m[1]) / 100;
  return q > 0 && q < 1 ? q : null;
}

/** Solves Σ_{k=1}^{A−1} p^k = r for p in [0, 1) by bisection. */
export function attemptFailProbability(retriesPerCall: number, maxAttempts: number): number {
  const maxRetries = maxAttempts - 1;
  if (maxRetries <= 0 || retriesPerCall <= 0) return 0;
  const mean = (p: number) => {
    let s = 0;
    let pk = 1;
    for (let k = 1; k <= maxRetries; k++) s += pk *= p;
    return s;
  };
  let lo = 0;
  let hi = 0.999;
  if (mean(hi) <= retriesPerCall) return hi;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mean(mid) < retriesPerCall) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Common random numbers for every candidate: the same calls (which retry, how many times, which jitter
 * draws) are replayed under each set of constants, so their comparison is not blurred by sampling noise.
 */
interface Draws {
  retries: Uint8Array;
  jitterU: Float64Array;
  width: number;
}

function drawCalls(p: number, maxAttempts: number, samples: number, seed: number): Draws {
  const rnd = seededRandom(seed);
  const width = Math.max(1, maxAttempts - 1);
  const retries = new Uint8Array(samples);
  const jitterU = new Float64Array(samples * width);
  for (let i = 0; i < samples; i++) {
    const u = rnd.uniform();
    let k = 0;
    // P(retries ≥ k) = p^k: count how many powers of p stay above u.
    let pk = p;
    while (k < width && u < pk) {
      k++;
      pk *= p;
    }
    retries[i] = k;
    for (let j = 0; j < width; j++) jitterU[i * width + j] = rnd.uniform();
  }
  return { retries, jitterU, width };
}

/** Per-call waits W under constants c (0 for calls that did not retry), sorted ascending (in `into` when given). */
function waits(d: Draws, c: BackoffConstants, into?: Float64Array): Float64Array {
  const n = d.retries.length;
  const out = into ? into.fill(0) : new Float64Array(n);
  const maxRetries = Math.min(d.width, c.maxAttempts - 1);
  // The delay before retry k depends on the constants only: computed once per candidate, not once per call
  // (this loop runs for every candidate on the event loop; same expression, so the same doubles).
  const delays = new Float64Array(maxRetries + 1);
  for (let k = 1; k <= maxRetries; k++) delays[k] = Math.min(c.maxMs, c.baseMs * c.multiplier ** (k - 1));
  const { retries, jitterU, width } = d;
  const jitter = c.jitter;
  for (let i = 0; i < n; i++) {
    const r = Math.min(retries[i], maxRetries);
    if (r === 0) continue; // most calls never retry: their wait stays 0
    let w = 0;
    for (let k = 1; k <= r; k++) w += delays[k] * (1 - jitter * jitterU[i * width + k - 1]);
    out[i] = w;
  }
  return sortMostlyZeros(out);
}

/**
 * Sorts ascending in place, exactly as Float64Array#sort would, in a fraction of its time when most values are 0
 * (calls that did not retry are the vast majority): only the non-zero values are sorted, and the zeros go back in
 * between the negative and the positive ones. The guard and every report with a regression pay for this sort once
 * per candidate, on the event loop.
 */
export function sortMostlyZeros(a: Float64Array): Float64Array {
  let nonZero = 0;
  for (let i = 0; i < a.length; i++) if (!(a[i] === 0 && !Object.is(a[i], -0))) nonZero++;
  // sortFloat64 orders exactly like Float64Array#sort (radix on the bits past a few thousand values, several × faster).
  if (nonZero * 4 > a.length) {
    a.set(sortFloat64(a));
    return a;
  }
  const unsorted = new Float64Array(nonZero);
  let j = 0;
  for (let i = 0; i < a.length; i++) if (!(a[i] === 0 && !Object.is(a[i], -0))) unsorted[j++] = a[i];
  const rest = sortFloat64(unsorted);
  // -0 counts as non-zero above, so it keeps its place before +0, as in a full sort; NaN sorts last in both.
  let below = 0;
  while (below < rest.length && (rest[below] < 0 || Object.is(rest[below], -0))) below++;
  const zeros = a.length - nonZero;
  a.set(rest.subarray(0, below), 0);
  a.fill(0, below, below + zeros);
  a.set(rest.subarray(below), below + zeros);
  return a;
}

function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx];
}

/** Median of the waits of calls that retried at least once (null when none did). */
function retriedMedian(sorted: Float64Array): number | null {
  let first = 0;
  while (first < sorted.length && sorted[first] === 0) first++;
  if (first === sorted.length) return null;
  return sorted[first + Math.floor((sorted.length - first - 1) / 2)];
}

function sketchMedian(s: DistributionSketch | undefined): number | null {
  if (!s || s.n === 0) return null;
  let best = -1;
  for (let i = 0; i < s.probs.length; i++) if (s.values[i] !== null && (best < 0 || Math.abs(s.probs[i] - 0.5) < Math.abs(s.probs[best] - 0.5))) best = i;
  return best >= 0 && Math.abs(s.probs[best] - 0.5) < 0.05 ? (s.values[best] as number) : null;
}

/** Candidates from least to most aggressive: baseMs alone first, then with a lower multiplier and cap. */
function candidates(c: BackoffConstants, bounds: BackoffBounds): BackoffConstants[] {
  const out: BackoffConstants[] = [];
  const baseGrid: number[] = [];
  for (let b = c.baseMs; b >= bounds.baseMs.min; b *= 0.85) baseGrid.push(Math.max(bounds.baseMs.min, Math.round(b)));
  baseGrid.push(bounds.baseMs.min);
  const multGrid = [c.multiplier, (c.multiplier + bounds.multiplier.min) / 2, bounds.multiplier.min].map((m) => round(m, 2));
  for (const multiplier of [...new Set(multGrid)]) {
    for (const baseMs of [...new Set(baseGrid)]) {
      const capped = Math.max(bounds.maxMs.min, Math.min(c.maxMs, baseMs * multiplier ** Math.max(0, c.maxAttempts - 2)));
      for (const maxMs of [...new Set([c.maxMs, Math.round(capped)])]) {
        const cand = { ...c, baseMs, multiplier, maxMs: Math.max(maxMs, baseMs) };
        if (boundViolations(cand, bounds).length === 0) out.push(cand);
      }
    }
  }
  return out;
}

function meanOf(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]; // indexed: the iterator protocol costs several × here
  return a.length ? s / a.length : 0;
}

function pickUpstream(findings: Finding[]): { upstream: string; retriesPerCall: number | null; medianWait: number | null } | null {
  const retry = findings.filter((f) => f.kind === 'retry_rate' && f.statistic === 'retries_per_call');
  const backoff = findings.filter((f) => f.kind === 'backoff' && f.statistic === 'median_wait');
  const score = (subject: string) => {
    const b = backoff.find((f) => f.subject === subject);
    const r = retry.find((f) => f.subject === subject);
    // A regressed backoff explains a tail regression best; otherwise the busiest retrier.
    return (b?.status === 'regression' ? 1e6 : 0) + (b?.relativeChange ?? 0) * 1e3 + (r?.after ?? 0);
  };
  const subjects = [...new Set([...retry, ...backoff].map((f) => f.subject))].sort((a, b) => score(b) - score(a));
  if (subjects.length === 0) return null;
  const upstream = subjects[0];
  return {
    upstream,
    retriesPerCall: retry.find((f) => f.subject === upstream)?.after ?? null,
    medianWait: backoff.find((f) => f.subject === upstream)?.after ?? null,
  };
}

export function recommendBackoff(report: Report, options: RecommendOptions): BackoffRecommendation {
  const steps = recommendBackoffSteps(report, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link recommendBackoff} as a generator that pauses after the model's draws and after each candidate: the whole
 * search is tens of milliseconds of CPU (about a hundred candidates × 20 000 modelled calls), which a caller on an
 * event loop can spread over several turns (actions/flag-recommendation.ts does), so that requests in flight, such
 * as verdict polls, are not held up behind it (issue 12). Same computation, same result.
 */
export function* recommendBackoffSteps(report: Report, options: RecommendOptions): Generator<void, BackoffRecommendation, void> {
  const { current, bounds } = options;
  const aim = options.aim ?? DEFAULT_AIM;
  const tails = report.findings.filter((f) => f.kind === 'tail_latency' && f.status === 'regression' && quantileOf(f.statistic) !== null && f.before !== null && f.after !== null);
  const worst = [...tails].sort((a, b) => (b.relativeChange ?? 0) - (a.relativeChange ?? 0))[0];
  const service = options.service ?? worst?.service ?? null;
  const base: BackoffRecommendation = { action: 'none', service, upstream: null, current, constants: null, checks: [], model: null, rationale: [] };
  const mine = tails.filter((f) => f.service === service);
  if (mine.length === 0) {
    base.rationale.push(service ? `No tail-latency regression in service "${service}": nothing to tune.` : 'No tail-latency regression in the report: nothing to tune.');
    return base;
  }
  const tol = report.settings.tolerance.tail;
  base.rationale.push(
    `Regressed: ${mine.map((f) => `${f.subject} ${f.statistic} ${round(f.before!)} → ${round(f.after!)} ms`).join('; ')} (tolerance +${round(tol.relative * 100)} % and +${tol.absolute} ms; aiming at ${round(aim * 100)} % of that band).`,
  );
  const up = pickUpstream(report.findings.filter((f) => f.service === service));
  if (!up || up.retriesPerCall === null) {
    base.action = 'kill_switch';
    base.rationale.push(`No retry data for service "${service}", so the effect of other constants cannot be estimated: recommend switching the new strategy off.`);
    return base;
  }
  base.upstream = up.upstream;
  const p = attemptFailProbability(up.retriesPerCall, current.maxAttempts);
  const draws = drawCalls(p, current.maxAttempts, options.samples ?? DEFAULT_MODEL_SAMPLES, options.seed ?? DEFAULT_MODEL_SEED);
  const curWaits = waits(draws, current);
  yield;
  const modelMedian = retriedMedian(curWaits);
  const sketch = options.series?.upstreams.find((u) => u.service === service && u.upstream === up.upstream)?.backoffAfter;
  const observedMedian = sketchMedian(sketch) ?? up.medianWait;
  const scale = observedMedian !== null && modelMedian !== null && modelMedian > 0 ? observedMedian / modelMedian : 1;
  base.model = { retriesPerCall: up.retriesPerCall, attemptFailProbability: p, observedMedianWaitMs: observedMedian, modelMedianWaitMs: modelMedian, waitScale: scale };
  base.rationale.push(
    `${up.upstream}: ${round(up.retriesPerCall, 4)} retries per call → each attempt fails with p ≈ ${round(p, 4)} (${current.maxAttempts} attempts at most).` +
      (observedMedian !== null && modelMedian !== null
        ? ` Retried calls waited ${round(observedMedian)} ms (median) after the upgrade; the current constants predict ${round(modelMedian)} ms, so modelled waits are scaled by ${round(scale, 2)}.`
        : ' No wait distribution was observed; modelled waits are used as they are.'),
  );
  if (scale < 0.5 || scale > 2) {
    base.rationale.push(`Caution: observed waits differ from what the flag's constants predict by a factor ${round(scale, 2)}; clients may not be reading the flag.`);
  }
  const checksFor = (waitsSorted: Float64Array | null): QuantileCheck[] =>
    mine.map((f) => {
      const q = quantileOf(f.statistic)!;
      const band = Math.max(tol.relative * f.before!, tol.absolute);
      const extraCur = scale * quantileSorted(curWaits, q);
      const extraNew = waitsSorted ? scale * quantileSorted(waitsSorted, q) : null;
      return {
        subject: f.subject,
        statistic: f.statistic,
        q,
        beforeMs: f.before!,
        afterMs: f.after!,
        targetMs: f.before! + aim * band,
        extraWaitCurrentMs: extraCur,
        extraWaitProposedMs: extraNew,
        predictedMs: extraNew === null ? null : f.after! - extraCur + extraNew,
      };
    });
  let chosen: { c: BackoffConstants; checks: QuantileCheck[] } | null = null;
  let mostAggressive: { c: BackoffConstants; checks: QuantileCheck[] } | null = null;
  let bestMean = -1;
  let bestChanged = Infinity;
  let leastMean = Infinity;
  const candidateWaits = new Float64Array(draws.retries.length);
  for (const cand of candidates(current, bounds)) {
    if (BACKOFF_FIELDS.every((k) => cand[k] === current[k])) continue;
    // One buffer for every candidate: only numbers derived from it are kept, and ~100 × 160 kB of garbage per
    // report would otherwise land on the service's event loop as GC work.
    const w = waits(draws, cand, candidateWaits);
    const checks = checksFor(w);
    const m = meanOf(w);
    if (m < leastMean) {
      leastMean = m;
      mostAggressive = { c: cand, checks };
    }
    // Least aggressive passing candidate: fewest fields changed, then as much backoff (mean wait) kept as
    // the target allows.
    const changedFields = BACKOFF_FIELDS.filter((k) => cand[k] !== current[k]).length;
    if (checks.every((c) => c.predictedMs! <= c.targetMs) && (changedFields < bestChanged || (changedFields === bestChanged && m > bestMean))) {
      bestMean = m;
      bestChanged = changedFields;
      chosen = { c: cand, checks };
    }
    yield;
  }
  const fmt = (c: QuantileCheck) =>
    `${c.subject} ${c.statistic}: waits add ≈ ${round(c.extraWaitCurrentMs)} ms now and ≈ ${round(c.extraWaitProposedMs ?? 0)} ms proposed → predicted ${round(c.predictedMs ?? 0)} ms against a target of ${round(c.targetMs)} ms (before ${round(c.beforeMs)} ms)`;
  if (chosen) {
    base.action = 'tune';
    base.constants = chosen.c;
    base.checks = chosen.checks;
    const changed = BACKOFF_FIELDS.filter((k) => chosen!.c[k] !== current[k]).map((k) => `${k} ${current[k]} → ${chosen!.c[k]}`);
    base.rationale.push(`Propose ${changed.join(', ')}: the least aggressive change within bounds that brings every regressed quantile back within tolerance.`);
    base.rationale.push(...chosen.checks.map(fmt));
    return base;
  }
  base.action = 'kill_switch';
  base.checks = mostAggressive?.checks ?? checksFor(null);
  base.rationale.push(
    mostAggressive
      ? `Even the most aggressive constants within bounds (${BACKOFF_FIELDS.map((k) => `${k} ${mostAggressive!.c[k]}`).join(', ')}) leave a quantile above its target, so tuning cannot fix this: recommend switching the new strategy off.`
      : 'No constants within bounds differ from the current ones: recommend switching the new strategy off.',
  );
  base.rationale.push(...base.checks.map(fmt));
  return base;
}
