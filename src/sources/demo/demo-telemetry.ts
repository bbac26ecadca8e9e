/**
 * Seeded synthetic telemetry telling a typical upgrade story, for `--source demo`, benchmarks, and tests
 * that need realistic data (or a realistic line-protocol file to load into InfluxDB).
 *
 * Story: service `shop` (endpoints /checkout, /cart, /search, /product) and service `accounts`
 * (/login, /profile). /checkout calls `payments-api`; /cart and /product call `inventory-api`; /search calls
 * `search-api`; /login and /profile call `users-api`. At the upgrade, the client library's new backoff
 * strategy waits much longer between retries to `payments-api` (base 50 ms → 400 ms, multiplier 2,
 * equal jitter) and a tighter timeout makes attempts fail slightly more often (4 % → 6 %). So /checkout's
 * p99 (its own lognormal work plus the payments call's attempts and waits) regresses clearly while its median
 * barely moves; every other endpoint and upstream is statistically unchanged.
 *
 * The new strategy sits behind a feature flag rolled out gradually (issue 11): every point carries
 * `variant=disabled` (flag off: the old backoff) or `variant=backoff-v2` (flag on: the new one). By default the
 * flag is on for everybody from the upgrade (the story above). With `rollout` (`--source demo-rollout`) nobody
 * has it before the upgrade, then 10 % of requests for the first hour and 50 % after (DEMO_ROLLOUT): the flag-off
 * requests after the upgrade are a concurrent control (`--baseline cohort`), and before/after sees a diluted
 * change. The flag draw comes from its own random stream, so the other draws stay those of the seed.
 *
 * Rates at scale 1 (≈ 26 points/s, ≈ 375 k points for 2 h + 2 h): /checkout gets 2 requests/s, so a
 * 2 h window holds ≈ 14 400 requests, enough to decide p99.9 (10 / (1 − 0.999) = 10 000 needed).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { TimeRange } from '../../analysis/types.ts';
import { seededRandom, type SeededRandom } from '../../stats/seeded-random.ts';
import { demoMarkers } from './demo-events.ts';

export const DEFAULT_DEMO_SEED = 42;

export interface DemoEndpoint {
  service: string;
  endpoint: string;
  /** Requests per second at scale 1. */
  ratePerSec: number;
  /** The endpoint's own work: lognormal with this median (ms) and log-sd. */
  workMedianMs: number;
  workSigma: number;
  /** Upstream called by a request, with probability `callProbability`. */
  upstream?: string;
  callProbability?: number;
}

export interface DemoUpstreamBehaviour {
  /** Probability that one attempt fails. */
  failProbability: number;
  /** Wait before retry k (1-based) is base · multiplier^(k−1), with equal jitter (half fixed, half uniform). */
  backoffBaseMs: number;
  backoffMultiplier: number;
}

export interface DemoUpstream {
  upstream: string;
  /** One attempt's latency: lognormal with this median (ms) and log-sd. */
  attemptMedianMs: number;
  attemptSigma: number;
  maxAttempts: number;
  before: DemoUpstreamBehaviour;
  after: DemoUpstreamBehaviour;
}

export const DEMO_ENDPOINTS: readonly DemoEndpoint[] = [
  { service: 'shop', endpoint: '/checkout', ratePerSec: 2, workMedianMs: 120, workSigma: 0.35, upstream: 'payments-api', callProbability: 1 },
  { service: 'shop', endpoint: '/cart', ratePerSec: 2.5, workMedianMs: 40, workSigma: 0.4, upstream: 'inventory-api', callProbability: 1 },
  { service: 'shop', endpoint: '/search', ratePerSec: 3, workMedianMs: 80, workSigma: 0.5, upstream: 'search-api', callProbability: 1 },
  { service: 'shop', endpoint: '/product', ratePerSec: 4, workMedianMs: 30, workSigma: 0.45, upstream: 'inventory-api', callProbability: 0.5 },
  { service: 'accounts', endpoint: '/login', ratePerSec: 0.8, workMedianMs: 60, workSigma: 0.3, upstream: 'users-api', callProbability: 1 },
  { service: 'accounts', endpoint: '/profile', ratePerSec: 1.2, workMedianMs: 25, workSigma: 0.4, upstream: 'users-api', callProbability: 1 },
];

const SAME = (failProbability: number, backoffBaseMs: number): DemoUpstreamBehaviour => ({ failProbability, backoffBaseMs, backoffMultiplier: 2 });

export const DEMO_UPSTREAMS: readonly DemoUpstream[] = [
  {
    upstream: 'payments-api',
    attemptMedianMs: 60,
    attemptSigma: 0.3,
    maxAttempts: 4,
    before: { failProbability: 0.04, backoffBaseMs: 50, backoffMultiplier: 2 },
    after: { failProbability: 0.06, backoffBaseMs: 400, backoffMultiplier: 2 },
  },
  { upstream: 'inventory-api', attemptMedianMs: 15, attemptSigma: 0.4, maxAttempts: 3, before: SAME(0.02, 50), after: SAME(0.02, 50) },
  { upstream: 'search-api', attemptMedianMs: 35, attemptSigma: 0.4, maxAttempts: 3, before: SAME(0.01, 100), after: SAME(0.01, 100) },
  { upstream: 'users-api', attemptMedianMs: 10, attemptSigma: 0.3, maxAttempts: 3, before: SAME(0.015, 25), after: SAME(0.015, 25) },
];

/** Where generated points go; a WindowBuilder is one. */
export interface DemoSink {
  addRequest(service: string, endpoint: string, timeMs: number, durationMs: number, cohort?: string): unknown;
  addUpstreamCall(service: string, upstream: string, timeMs: number, attempts: number, backoffMs: number, ok: boolean, cohort?: string): unknown;
}

/** The flag rollout of the demo story: share of flag-on requests by time since the upgrade. */
export const DEMO_ROLLOUT = { tag: 'variant', control: 'disabled', treatment: 'backoff-v2', steps: [{ afterMs: 0, share: 0.1 }, { afterMs: 3_600_000, share: 0.5 }] } as const;

/** Share of flag-on requests at `timeMs` (0 before the upgrade). */
export function demoRolloutShare(upgradeAt: number, timeMs: number): number {
  let share = 0;
  for (const s of DEMO_ROLLOUT.steps) if (timeMs >= upgradeAt + s.afterMs) share = s.share;
  return share;
}

export interface DemoTelemetryOptions {
  upgradeAt: number;
  before: TimeRange;
  after: TimeRange;
  seed?: number;
  /** Multiplies every rate (1 ≈ 26 points/s). */
  scale?: number;
  /** Generate only inside these ranges instead of `before` (a seasonal baseline's reference periods). */
  references?: TimeRange[];
  /** The gradual flag rollout (DEMO_ROLLOUT) instead of the flag on for everybody from the upgrade. */
  rollout?: boolean;
}

/** Expected number of points per second of telemetry at scale 1 (requests plus upstream calls). */
export function demoPointsPerSecond(): number {
  let n = 0;
  for (const e of DEMO_ENDPOINTS) n += e.ratePerSec * (1 + (e.upstream ? (e.callProbability ?? 1) : 0));
  return n;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Generates telemetry second by second over the two windows, in a fixed order of random draws, so the same
 * seed and options always give the same points. Call `generate` over consecutive ranges (the line-protocol
 * writer does so in chunks) or once over everything. Times have microsecond and values 0.001 ms resolution,
 * so a line-protocol round trip reproduces them exactly.
 */
export class DemoTelemetry {
  private readonly random: SeededRandom;
  /** Flag-on draws (own stream: the rollout leaves the other draws of the seed as they were). */
  private readonly flags: SeededRandom;
  private readonly options: DemoTelemetryOptions;
  private readonly scale: number;
  private readonly upstreams = new Map<string, DemoUpstream>();
  private readonly workMu: number[];

  constructor(options: DemoTelemetryOptions) {
    this.options = options;
    this.random = seededRandom(options.seed ?? DEFAULT_DEMO_SEED);
    this.flags = seededRandom(((options.seed ?? DEFAULT_DEMO_SEED) ^ 0x5f3759df) >>> 0);
    this.scale = options.scale ?? 1;
    for (const u of DEMO_UPSTREAMS) this.upstreams.set(u.upstream, u);
    this.workMu = DEMO_ENDPOINTS.map((e) => Math.log(e.workMedianMs));
  }

  /** First and last (exclusive) whole second covering both windows, in ms. */
  get span(): TimeRange {
    const { before, after } = this.options;
    return { start: Math.floor(Math.min(before.start, after.start) / 1000) * 1000, stop: Math.ceil(Math.max(before.stop, after.stop) / 1000) * 1000 };
  }

  private inWindows(secondStartMs: number): boolean {
    const { before, after, references } = this.options;
    const secondStop = secondStartMs + 1000;
    const overlaps = (r: TimeRange) => secondStop > r.start && secondStartMs < r.stop;
    return (references ? references.some(overlaps) : overlaps(before)) || overlaps(after);
  }

  /** Emits the points of whole seconds starting in [fromMs, toMs) (both multiples of 1000). */
  generate(sink: DemoSink, fromMs: number = this.span.start, toMs: number = this.span.stop): void {
    const r = this.random;
    for (let sec = fromMs; sec < toMs; sec += 1000) {
      if (!this.inWindows(sec)) continue;
      for (let k = 0; k < DEMO_ENDPOINTS.length; k++) {
        const e = DEMO_ENDPOINTS[k];
        const n = r.poisson(e.ratePerSec * this.scale);
        for (let q = 0; q < n; q++) {
          // Integer microseconds inside the second, so ns line protocol holds the time exactly.
          const timeMs = sec + r.int(1_000_000) / 1000;
          const flagOn = this.options.rollout ? this.flags.uniform() < demoRolloutShare(this.options.upgradeAt, timeMs) : timeMs >= this.options.upgradeAt;
          const variant = flagOn ? DEMO_ROLLOUT.treatment : DEMO_ROLLOUT.control;
          let duration = Math.exp(this.workMu[k] + e.workSigma * r.normal());
          if (e.upstream !== undefined && (e.callProbability === undefined || r.uniform() < e.callProbability)) {
            duration += this.call(sink, e.service, e.upstream, timeMs, flagOn, variant);
          }
          // Points of an edge second that fall outside a window are dropped by the WindowBuilder.
          sink.addRequest(e.service, e.endpoint, timeMs, round3(duration), variant);
        }
      }
    }
  }

  /** Simulates one logical call with retries; emits it and returns the time it took (attempts plus waits). */
  private call(sink: DemoSink, service: string, name: string, timeMs: number, flagOn: boolean, variant: string): number {
    const r = this.random;
    const u = this.upstreams.get(name) as DemoUpstream;
    // The new strategy is the flag: flag-off calls after the upgrade keep the old behaviour.
    const b = flagOn ? u.after : u.before;
    const mu = Math.log(u.attemptMedianMs);
    let elapsed = 0;
    let backoff = 0;
    let attempts = 0;
    let ok = false;
    while (attempts < u.maxAttempts) {
      attempts++;
      elapsed += Math.exp(mu + u.attemptSigma * r.normal());
      if (r.uniform() >= b.failProbability) {
        ok = true;
        break;
      }
      if (attempts < u.maxAttempts) {
        const cap = b.backoffBaseMs * b.backoffMultiplier ** (attempts - 1);
        const wait = round3(cap / 2 + r.uniform() * (cap / 2));
        backoff += wait;
      }
    }
    backoff = round3(backoff);
    sink.addUpstreamCall(service, name, timeMs, attempts, backoff, ok, variant);
    return elapsed + backoff;
  }
}

/** Formats epoch ms with at most microsecond resolution as an integer nanosecond timestamp, exactly. */
export function formatNs(timeMs: number): string {
  const us = Math.round(timeMs * 1000);
  const ms = Math.floor(us / 1000);
  const rest = us - ms * 1000;
  return `${ms}${String(rest).padStart(3, '0')}000`;
}

export interface DemoLineProtocolOptions extends DemoTelemetryOptions {
  /** Measurement/field/tag names; defaults to the data contract's default schema. */
  names?: DemoLineNames;
  /** Called after each chunk with lines written so far. */
  onProgress?: (lines: number) => void;
  /** The deployment marker line of the upgrade (demo-events.ts), first in the file (default true). */
  deploymentMarker?: boolean;
}

export interface DemoLineNames {
  requestMeasurement: string;
  serviceTag: string;
  endpointTag: string;
  durationField: string;
  upstreamMeasurement: string;
  upstreamTag: string;
  attemptsField: string;
  backoffField: string;
  okField: string;
}

export const DEFAULT_DEMO_LINE_NAMES: DemoLineNames = {
  requestMeasurement: 'http_request',
  serviceTag: 'service',
  endpointTag: 'endpoint',
  durationField: 'duration_ms',
  upstreamMeasurement: 'upstream_call',
  upstreamTag: 'upstream',
  attemptsField: 'attempts',
  backoffField: 'backoff_ms',
  okField: 'ok',
};

const cohortTag = (cohort: string | undefined): string => (cohort === undefined ? '' : `,${DEMO_ROLLOUT.tag}=${cohort}`);

/** Collects generated points as line-protocol text (names here are plain identifiers needing no escapes). */
class LineProtocolSink implements DemoSink {
  parts: string[] = [];
  lines = 0;
  constructor(
    private readonly n: DemoLineNames,
    /** Write the `variant` tag (the rollout files; the default story's files stay as they were). */
    private readonly tagged: boolean,
  ) {}

  addRequest(service: string, endpoint: string, timeMs: number, durationMs: number, cohort?: string): void {
    const n = this.n;
    this.parts.push(`${n.requestMeasurement},${n.serviceTag}=${service},${n.endpointTag}=${endpoint}${this.tagged ? cohortTag(cohort) : ''} ${n.durationField}=${durationMs} ${formatNs(timeMs)}\n`);
    this.lines++;
  }

  addUpstreamCall(service: string, upstream: string, timeMs: number, attempts: number, backoffMs: number, ok: boolean, cohort?: string): void {
    const n = this.n;
    this.parts.push(
      `${n.upstreamMeasurement},${n.serviceTag}=${service},${n.upstreamTag}=${upstream}${this.tagged ? cohortTag(cohort) : ''} ${n.attemptsField}=${attempts}i,${n.backoffField}=${backoffMs},${n.okField}=${ok} ${formatNs(timeMs)}\n`,
    );
    this.lines++;
  }
}

/** Seconds of telemetry generated per write, so memory stays small while the file can be gigabytes. */
const WRITE_CHUNK_MS = 60_000;

/**
 * Writes the same telemetry the DemoSource produces (same seed, windows and scale) as line protocol with
 * nanosecond timestamps. Honours the stream's backpressure; does not end the stream. Returns the line count.
 */
export async function writeDemoLineProtocol(out: Writable, options: DemoLineProtocolOptions): Promise<number> {
  const gen = new DemoTelemetry(options);
  const sink = new LineProtocolSink(options.names ?? DEFAULT_DEMO_LINE_NAMES, options.rollout === true);
  const { start, stop } = gen.span;
  if (options.deploymentMarker ?? true) {
    // The same marker the DemoSource reports, so a file round trip gives identical windows.
    for (const m of demoMarkers(options)) {
      sink.parts.push(`deployment,service=${m.service} version="${m.version}" ${formatNs(m.at)}\n`);
      sink.lines++;
    }
  }
  for (let from = start; from < stop; from += WRITE_CHUNK_MS) {
    gen.generate(sink, from, Math.min(stop, from + WRITE_CHUNK_MS));
    if (sink.parts.length > 0 && !out.write(sink.parts.join(''))) await once(out, 'drain');
    sink.parts = [];
    options.onProgress?.(sink.lines);
  }
  return sink.lines;
}
