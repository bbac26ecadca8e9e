/**
 * Seeded telemetry with known truth for calibration, fed through the real WindowBuilder (the same path a line
 * protocol file or InfluxDB takes), so a calibration run exercises points → MetricWindows → analyze() → report.
 * The scenario parameters are in `scenario.ts`, the analytic truth in `truth.ts`, the named families in
 * `families.ts`. Everything random comes from `seededRandom`, one stream per (seed, purpose, subject, minute).
 *
 * What is simulated, per minute m of a requested range (ranges must start and stop on whole minutes):
 * - Requests of each endpoint: Poisson(perWindow / 120 · load(m)) of them, at uniform integer-ms times within the
 *   minute. Latency = lognormal(median · load(m)^β, σ) × the block effects of the request's time × the day effect
 *   × (queued? lognormal queue factor) × (in the incident and among its share? factor), then the regression
 *   transform g for after-window requests (treatment cohort only, with a rollout), then Math.round when
 *   `integerMs`. Upstream time is not part of request latency (so the latency truth stays analytic).
 * - Block effects: exp(σ_b · Z) per block, Z ~ N(0, 1) drawn once per block index and shared by every endpoint
 *   (a host-wide noisy neighbour); block k covers [phase + k · blockMs, phase + (k + 1) · blockMs). Phase 0 aligns
 *   blocks with clock minutes / 10-minute marks and hence with the window start (the upgrade is at 14:00);
 *   `'random'` draws a per-seed phase, so blocks straddle the window edges and the upgrade.
 * - Incident: `durationMs` starting on a random whole minute inside the named window; each request in it is
 *   `factor` times slower with probability `share` (every endpoint).
 * - Upstream calls: Poisson(perWindow / 120 · load(m)) logical calls per minute; each try fails with the minute's
 *   probability p (bursty: each `burstMs` slot is a burst with probability burstShare, failing at burstFailure,
 *   else at the base rate that keeps the mean at failProbability); failed tries are retried after
 *   base · multiplier^(k−1) · (½ + ½ U) ms until maxAttempts; all tries failed = exhausted (ok = false).
 *   A retry regression raises p so that expected retries per call are × factor.
 * - Daily cycle: load(m) = 1 + A cos(2π (m − peak) / 24 h); rates ∝ load, latency ∝ load^β, an optional queueing
 *   tail whose share grows ∝ load^k, and a per-day latency effect exp(N(0, s_day)). Any range can be generated, so
 *   the same clock window on K previous days is in the data for a seasonal baseline (`seasonalWindows`).
 * - Flag cohort: after the upgrade each request and call is flag-on with probability `rollout`; the builder has no
 *   cohort dimension yet, so the cohort is in the subject name (`/checkout;variant=on`). `cohortWindows` pairs
 *   control and treatment of the after window as before/after series for today's analyze() (a stopgap for issue 11).
 * - Coarse histograms: with `histogramLe`, each endpoint-minute is sent as cumulative `le` counts through
 *   addHistogramBucket (the Prometheus/Influx pre-aggregated form) instead of raw requests.
 *
 * The named families (families.ts): independent requests (50 k requests/window on the big endpoint, 2 h vs 2 h);
 * block effects of 1 and 10 minutes with s ∈ {0.08, 0.15}, aligned and not; a 3-minute incident (25 % of requests
 * 3× slower) in the after or the before window; bursty retries (1 % mean, 5 % of minutes at 15 %) vs independent;
 * 200 endpoints with Zipf volumes; integer milliseconds; coarse histograms (le 10…1000, +Inf); the daily cycle
 * (latency ∝ load^0.3; and with a queueing tail, p99 +17 % from load alone); 10 % / 50 % flag rollouts; and the
 * regressions +20 % at p99, +12 % at p99 from the slowest 2 %, all quantiles +x %, retries per call × 2.
 */
import type { MetricWindows, TimeRange } from '../../src/analysis/types.ts';
import type { BaselineQuery } from '../../src/sources/metric-source.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/seeded-random.ts';
// The window builder is being split into modules on another branch; only its public API is used here.
import { WindowBuilder } from '../../src/sources/window-builder/window-builder.ts';
import { DAY_MS, MINUTE_MS, STREAM, burstBaseFailure, bursty, cohortSubject, loadAt, perMinute, queueShareAt, streamSeed, windowRange, type Scenario } from './scenario.ts';
import { latencyTransform, regressedFailure, retryFactor } from './truth.ts';

/** The three calls of WindowBuilder's public API the generator uses; a WindowBuilder is one. */
export interface TelemetrySink {
  addRequest(service: string, endpoint: string, timeMs: number, durationMs: number, cohort?: string): boolean;
  addUpstreamCall(service: string, upstream: string, timeMs: number, attempts: number, backoffMs: number, ok: boolean, cohort?: string): boolean;
  addHistogramBucket(service: string, endpoint: string, timeMs: number, le: number, cumulativeCount: number, cohort?: string): boolean;
  /** A builder with a cohort baseline: the cohort goes in this tag, not into the subject name. */
  readonly cohortTag?: string | null;
}

export interface GeneratedCounts {
  requests: number;
  calls: number;
}

export const DEFAULT_TIMELINE_INTERVAL_MS = 60_000;
/** A local copy: an imported binding is a getter call per access under tsx. */
const MINUTE = MINUTE_MS;

/** exp(σ Z) per block index, drawn lazily from the block's own stream. */
class BlockLevel {
  private readonly cache = new Map<number, number>();
  readonly phase: number;

  constructor(
    private readonly seed: number,
    private readonly level: number,
    readonly blockMs: number,
    private readonly sigma: number,
    offsetMs: number | 'random',
  ) {
    this.phase = offsetMs === 'random' ? Math.floor(seededRandom(streamSeed(seed, STREAM.blockPhase, level)).uniform() * blockMs) : offsetMs;
  }

  factor(timeMs: number): number {
    const k = Math.floor((timeMs - this.phase) / this.blockMs);
    let f = this.cache.get(k);
    if (f === undefined) {
      f = Math.exp(this.sigma * seededRandom(streamSeed(this.seed, STREAM.block, this.level, k + 2 ** 31)).normal());
      this.cache.set(k, f);
    }
    return f;
  }
}

/** Start of the incident (a whole minute inside its window) for this seed, or null. */
export function incidentStart(s: Scenario, seed: number): number | null {
  if (!s.incident) return null;
  const w = windowRange(s, s.incident.window);
  const slots = Math.floor((w.stop - w.start - s.incident.durationMs) / MINUTE_MS) + 1;
  return w.start + Math.floor(seededRandom(streamSeed(seed, STREAM.incident)).uniform() * slots) * MINUTE_MS;
}

/** The log of the latency multiplier of the calendar day holding `t` (0 without a day-to-day effect). */
export function logDayEffect(s: Scenario, seed: number, t: number): number {
  const sd = s.daily?.dayEffectSigma ?? 0;
  return sd === 0 ? 0 : sd * seededRandom(streamSeed(seed, STREAM.day, Math.floor(t / DAY_MS))).normal();
}

/** Emits every request and upstream call of the ranges (default: the before and after windows) into `sink`. */
export function generateTelemetry(s: Scenario, seed: number, sink: TelemetrySink, ranges?: TimeRange[]): GeneratedCounts {
  const counts: GeneratedCounts = { requests: 0, calls: 0 };
  const blocks = (s.blocks ?? []).map((b, i) => new BlockLevel(seed, i, b.blockMs, b.sigma, b.offsetMs));
  const transforms = s.endpoints.map((_, e) => latencyTransform(s, e));
  const incStart = incidentStart(s, seed);
  const incStop = incStart === null ? null : incStart + (s.incident?.durationMs ?? 0);
  const les = s.histogramLe ? [...s.histogramLe].sort((a, b) => a - b) : null;
  const histCounts = les ? [new Float64Array(les.length), new Float64Array(les.length)] : null;
  const dayEffects = new Map<number, number>();
  const dayFactor = (t: number): number => {
    if ((s.daily?.dayEffectSigma ?? 0) === 0) return 1;
    const day = Math.floor(t / DAY_MS);
    let f = dayEffects.get(day);
    if (f === undefined) {
      f = Math.exp(logDayEffect(s, seed, t));
      dayEffects.set(day, f);
    }
    return f;
  };
  for (const range of ranges ?? [windowRange(s, 'before'), windowRange(s, 'after')]) {
    if (range.start % MINUTE_MS !== 0 || range.stop % MINUTE_MS !== 0) throw new Error('generateTelemetry: ranges must start and stop on whole minutes');
    for (let t = range.start; t < range.stop; t += MINUTE_MS) {
      const minute = t / MINUTE_MS;
      const load = loadAt(s, t);
      const after = t >= s.upgradeAt;
      const ctx: MinuteContext = { t, load, after, regressed: t >= (s.regressionAt ?? s.upgradeAt), day: dayFactor(t), queueShare: queueShareAt(s, load), incStart, incStop, blocks };
      // One stream per minute for all requests and one for all calls (a stream per subject-minute would cost more
      // to create than the points it draws); keyed by the epoch minute, so any range gives the same points.
      const requests = seededRandom(streamSeed(seed, STREAM.request, minute));
      for (let e = 0; e < s.endpoints.length; e++) {
        counts.requests += emitRequests(s, requests, e, ctx, transforms[e], sink, les, histCounts);
      }
      const calls = seededRandom(streamSeed(seed, STREAM.upstream, minute));
      for (let u = 0; u < s.upstreams.length; u++) counts.calls += emitCalls(s, seed, calls, u, ctx, sink);
    }
  }
  return counts;
}

interface MinuteContext {
  t: number;
  load: number;
  after: boolean;
  /** The regressions apply (from `regressionAt`, default the upgrade). */
  regressed: boolean;
  day: number;
  queueShare: number;
  incStart: number | null;
  incStop: number | null;
  blocks: BlockLevel[];
}

function blockFactor(blocks: BlockLevel[], time: number): number {
  let f = 1;
  for (const b of blocks) f *= b.factor(time);
  return f;
}

function emitRequests(
  s: Scenario,
  r: SeededRandom,
  e: number,
  ctx: MinuteContext,
  g: ((v: number) => number) | null,
  sink: TelemetrySink,
  les: number[] | null,
  histCounts: Float64Array[] | null,
): number {
  const ep = s.endpoints[e];
  const n = r.poisson(perMinute(ep.perWindow) * ctx.load);
  const mu = Math.log(ep.medianMs) + (s.daily ? s.daily.latencyExponent * Math.log(ctx.load) : 0);
  const q = s.daily?.queue;
  const inc = s.incident;
  const rollout = s.cohort && ctx.after ? s.cohort.rollout : 0;
  // Blocks of a minute or more, on a phase that is a whole minute, give one factor for the whole minute.
  const minuteBlocks = ctx.blocks.every((b) => b.blockMs % MINUTE_MS === 0 && b.phase % MINUTE_MS === 0);
  const minuteFactor = minuteBlocks ? blockFactor(ctx.blocks, ctx.t) * ctx.day : 0;
  if (histCounts) for (const h of histCounts) h.fill(0);
  // Hot loop (~100 k requests per run): everything it reads is a local.
  const t0 = ctx.t;
  const sigma = ep.sigma;
  const day = ctx.day;
  const blocks = ctx.blocks;
  const queueShare = q ? ctx.queueShare : 0;
  const queueMu = q ? Math.log(q.factorMedian) : 0;
  const queueSigma = q ? q.factorSigma : 0;
  const incStart = inc && ctx.incStart !== null ? ctx.incStart : Infinity;
  const incStop = inc && ctx.incStop !== null ? ctx.incStop : -Infinity;
  const incShare = inc ? inc.share : 0;
  const incFactor = inc ? inc.factor : 1;
  const gAfter = g !== null && ctx.regressed ? g : null;
  const integerMs = s.integerMs === true;
  const asTag = s.cohort !== undefined && typeof sink.cohortTag === 'string';
  const names = s.cohort && !asTag ? [cohortSubject(ep.endpoint, s.cohort, false), cohortSubject(ep.endpoint, s.cohort, true)] : [ep.endpoint, ep.endpoint];
  const tags = s.cohort && asTag ? [s.cohort.control, s.cohort.treatment] : [undefined, undefined];
  for (let i = 0; i < n; i++) {
    const time = t0 + Math.floor(r.uniform() * MINUTE);
    let v = r.lognormal(mu, sigma) * (minuteBlocks ? minuteFactor : blockFactor(blocks, time) * day);
    if (queueShare > 0 && r.uniform() < queueShare) v *= r.lognormal(queueMu, queueSigma);
    if (time >= incStart && time < incStop && r.uniform() < incShare) v *= incFactor;
    const treated = rollout > 0 && r.uniform() < rollout;
    if (gAfter !== null && (!s.cohort || treated)) v = gAfter(v);
    if (integerMs) v = Math.round(v);
    if (histCounts && les) {
      let k = 0;
      while (k < les.length - 1 && v > les[k]) k++;
      histCounts[treated ? 1 : 0][k]++;
    } else {
      sink.addRequest(ep.service, names[treated ? 1 : 0], time, v, tags[treated ? 1 : 0]);
    }
  }
  if (histCounts && les) {
    // The treatment cohort exists only once the rollout has begun.
    for (let c = 0; c < (rollout > 0 ? 2 : 1); c++) {
      const name = s.cohort && !asTag ? cohortSubject(ep.endpoint, s.cohort, c === 1) : ep.endpoint;
      let cum = 0;
      for (let k = 0; k < les.length; k++) {
        cum += histCounts[c][k];
        sink.addHistogramBucket(ep.service, name, ctx.t, les[k], cum, tags[c]);
      }
    }
  }
  return n;
}

function minuteFailure(s: Scenario, seed: number, u: number, t: number): number {
  const up = s.upstreams[u];
  const b = bursty(s, up.upstream);
  if (!b) return up.failProbability;
  const burst = seededRandom(streamSeed(seed, STREAM.burst, u, Math.floor(t / b.burstMs))).uniform() < b.burstShare;
  return burst ? b.burstFailure : burstBaseFailure(up.failProbability, b);
}

function emitCalls(s: Scenario, seed: number, r: SeededRandom, u: number, ctx: MinuteContext, sink: TelemetrySink): number {
  const up = s.upstreams[u];
  const n = r.poisson(perMinute(up.perWindow) * ctx.load);
  const p = minuteFailure(s, seed, u, ctx.t);
  const rollout = s.cohort && ctx.after ? s.cohort.rollout : 0;
  const factorAll = retryFactor(s, u, ctx.regressed ? 'after' : 'before', s.cohort ? 'treatment' : 'all');
  const pRegressed = regressedFailure(p, factorAll, up.maxAttempts);
  const t0 = ctx.t;
  const regressed = ctx.regressed;
  const cohort = s.cohort !== undefined;
  const maxAttempts = up.maxAttempts;
  const asTag = cohort && typeof sink.cohortTag === 'string';
  const names = s.cohort && !asTag ? [cohortSubject(up.upstream, s.cohort, false), cohortSubject(up.upstream, s.cohort, true)] : [up.upstream, up.upstream];
  const tags = s.cohort && asTag ? [s.cohort.control, s.cohort.treatment] : [undefined, undefined];
  for (let i = 0; i < n; i++) {
    const time = t0 + Math.floor(r.uniform() * MINUTE);
    const treated = rollout > 0 && r.uniform() < rollout;
    const pc = regressed && (!cohort || treated) ? pRegressed : p;
    let attempts = 1;
    let backoff = 0;
    let ok = true;
    while (r.uniform() < pc) {
      if (attempts === maxAttempts) {
        ok = false;
        break;
      }
      backoff += up.backoffBaseMs * up.backoffMultiplier ** (attempts - 1) * (0.5 + 0.5 * r.uniform());
      attempts++;
    }
    sink.addUpstreamCall(up.service, names[treated ? 1 : 0], time, attempts, backoff, ok, tags[treated ? 1 : 0]);
  }
  return n;
}

/** Generates the scenario into a fresh WindowBuilder over `before`/`after` (default: the scenario's windows) and builds it. */
export function buildWindows(s: Scenario, seed: number, options: { before?: TimeRange; after?: TimeRange; timelineIntervalMs?: number } = {}): MetricWindows {
  const before = options.before ?? windowRange(s, 'before');
  const after = options.after ?? windowRange(s, 'after');
  const builder = new WindowBuilder({ upgradeAt: s.upgradeAt, before, after, timelineIntervalMs: options.timelineIntervalMs ?? DEFAULT_TIMELINE_INTERVAL_MS, source: `calibration seed ${seed}` });
  generateTelemetry(s, seed, builder, [before, after]);
  return builder.build();
}

/**
 * The scenario through the real builder with a baseline (issue 11): `seasonal` K reference days (the after window
 * moved back 1…K days) or the flag cohorts of the after window, split by their tag. Only the ranges the baseline
 * reads are generated.
 */
export function baselineWindows(s: Scenario, seed: number, baseline: { kind: 'seasonal'; periods: number; levelPeriods?: number } | { kind: 'cohort' }, timelineIntervalMs = DEFAULT_TIMELINE_INTERVAL_MS): MetricWindows {
  const after = windowRange(s, 'after');
  let query: BaselineQuery;
  let before: TimeRange;
  let ranges: TimeRange[];
  if (baseline.kind === 'seasonal') {
    const references = Array.from({ length: baseline.periods }, (_, k) => seasonalReferenceRange(s, k + 1));
    query = { kind: 'seasonal', periodMs: DAY_MS, references, ...(baseline.levelPeriods !== undefined ? { levelPeriods: baseline.levelPeriods } : {}) };
    before = { start: references[references.length - 1].start, stop: references[0].stop };
    ranges = [...references, after];
  } else {
    if (!s.cohort) throw new Error('baselineWindows: the scenario has no cohort');
    query = { kind: 'cohort', tag: s.cohort.tag, control: s.cohort.control };
    before = after;
    ranges = [after];
  }
  const builder = new WindowBuilder({ upgradeAt: s.upgradeAt, before, after, timelineIntervalMs, source: `calibration seed ${seed}`, baseline: query });
  generateTelemetry(s, seed, builder, ranges);
  return builder.build();
}

/** The after window's clock window `k` days earlier (seasonal reference day k). */
export function seasonalReferenceRange(s: Scenario, k: number): TimeRange {
  const a = windowRange(s, 'after');
  return { start: a.start - k * DAY_MS, stop: a.stop - k * DAY_MS };
}

/** Reference day k as the "before" window and today's after window as "after" (a one-day seasonal baseline). */
export function seasonalWindows(s: Scenario, seed: number, k: number, timelineIntervalMs?: number): MetricWindows {
  return buildWindows(s, seed, { before: seasonalReferenceRange(s, k), timelineIntervalMs });
}

/**
 * Control vs treatment cohort of the after window as before/after series, so today's analyze() can compare them.
 * Subjects without both cohorts are dropped; timelines are left out (one series cannot hold two cohorts).
 * A stopgap until the builder and the analysis have a cohort dimension (issue 11).
 */
export function cohortWindows(s: Scenario, windows: MetricWindows): MetricWindows {
  const c = s.cohort;
  if (!c) throw new Error('cohortWindows: the scenario has no cohort');
  const ctl = `;${c.tag}=${c.control}`;
  const trt = `;${c.tag}=${c.treatment}`;
  const latency = windows.latency.flatMap((l) => {
    if (!l.endpoint.endsWith(ctl)) return [];
    const name = l.endpoint.slice(0, -ctl.length);
    const t = windows.latency.find((x) => x.service === l.service && x.endpoint === name + trt);
    return t ? [{ service: l.service, endpoint: name, before: l.after, after: t.after }] : [];
  });
  const upstreams = windows.upstreams.flatMap((u) => {
    if (!u.upstream.endsWith(ctl)) return [];
    const name = u.upstream.slice(0, -ctl.length);
    const t = windows.upstreams.find((x) => x.service === u.service && x.upstream === name + trt);
    return t ? [{ service: u.service, upstream: name, before: u.after, after: t.after }] : [];
  });
  return { ...windows, before: { ...windows.after }, after: { ...windows.after }, latency, upstreams, warnings: [] };
}
