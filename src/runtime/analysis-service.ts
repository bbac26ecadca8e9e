/**
 * Runs analyses for the service: admits a request (BUSY when the pool is full), records it, hands it to the
 * worker pool under the shared job lifecycle (analysis-jobs.ts), keeps heartbeats of its unfinished
 * analyses fresh, and answers verdict look-ups from a short-lived in-memory cache so the SLA-guard poll never
 * recomputes anything and rarely touches the store.
 */
import type { AnalysisResult } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import { formatDuration, parseDuration, parseTimestamp } from '../duration.ts';
import { checkUpgradeTime } from './elapsed-windows.ts';
import { runDeadlines } from './run-deadlines.ts';
import { seasonalPeriods } from './baseline.ts';
import { AppError } from '../errors.ts';
import type { AnalysisRequest } from './analysis-request.ts';
import type { AnalysisRecord, ReportStore } from '../store/report-store.ts';
import type { AnalysisPool, Reservation } from '../worker/analysis-pool.ts';
import type { AnalysisJobs, JobMetrics } from './analysis-jobs.ts';
import { serviceVerdictOf, type ServiceVerdictView } from './service-verdict.ts';

export interface AnalysisServiceOptions {
  store: ReportStore;
  /** The lifecycle shared with the guard (create → running → done/failed). */
  jobs: AnalysisJobs;
  pool: AnalysisPool;
  metrics: JobMetrics;
  config: Config;
  /** Identifies this process as the owner of the analyses it runs. */
  owner: string;
  verdictCacheMs: number;
  heartbeatMs: number;
  log: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void };
  /** Completes a result before it is stored (the runtime adds the backoff recommendation). */
  finish?: (result: AnalysisResult) => Promise<AnalysisResult>;
}

/** Longest before/after window accepted over HTTP (the CLI has no such cap). */
export const MAX_WINDOW_MS = 31 * 86_400_000;

const INTERRUPTED = 'interrupted: the service stopped (crash or shutdown) before this analysis finished; submit it again';
const SHUT_DOWN = 'interrupted: the service shut down before this analysis finished; submit it again';

interface CacheEntry {
  expires: number;
  /** The verdict and its JSON text: the hot poll sends the text as is instead of serializing per request. */
  value: Promise<{ verdict: ServiceVerdictView; json: string } | null>;
}

export class AnalysisService {
  private readonly verdicts = new Map<string, CacheEntry>();
  private readonly inFlight = new Set<Promise<void>>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly o: AnalysisServiceOptions) {}

  /** Checks a request before anything is stored: source must be a configured name, times must parse. */
  validate(request: AnalysisRequest): void {
    const sources = Object.keys(this.o.config.sources ?? {});
    if (!sources.includes(request.source)) {
      // Over HTTP only configured sources are allowed: a file path or URL would let callers read server files or probe hosts.
      throw new AppError('BAD_INPUT', `source: "${request.source}" is not a configured source; configured: ${sources.join(', ') || '(none)'}`);
    }
    // Refused here, as a 400 naming the field, rather than as a failed job later (the worker checks again).
    checkUpgradeTime(request, parseTimestamp(request.upgradeAt, 'upgradeAt'), Date.now());
    runDeadlines(request, this.o.config);
    // A seasonal period that is no duration was accepted (202) and only failed in the worker.
    if (request.period !== undefined) parseDuration(request.period, 'period');
    if ((request.baseline ?? this.o.config.baseline.kind) === 'seasonal') seasonalPeriods(request, this.o.config);
    for (const what of ['before', 'after'] as const) {
      const text = request[what];
      // One HTTP request must not hold a worker for the whole analysis timeout (or run past the dates JavaScript
      // and PostgreSQL can hold): "99999999w" was accepted and kept the demo source generating until killed.
      if (text !== undefined && parseDuration(text, what) > MAX_WINDOW_MS) {
        throw new AppError('BAD_INPUT', `${what}: "${text}" is longer than the ${formatDuration(MAX_WINDOW_MS)} a window may span over HTTP`);
      }
    }
  }

  /** Stores a queued analysis and starts it in the background; BUSY when the pool is full. */
  async submit(request: AnalysisRequest): Promise<AnalysisRecord> {
    if (this.closing) throw new AppError('BUSY', 'the service is shutting down');
    this.validate(request);
    let reservation;
    try {
      reservation = this.o.pool.reserve();
    } catch (e) {
      this.o.metrics.analyses.inc({ outcome: 'rejected' });
      throw e;
    }
    let record: AnalysisRecord;
    try {
      record = await this.o.jobs.create(request, this.o.owner);
    } catch (e) {
      reservation.release();
      throw e;
    }
    const run = this.run(record, reservation.submit.bind(reservation));
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return record;
  }

  /** The service's own verdict from the newest finished analysis covering it (./service-verdict.ts). */
  async verdict(service: string, now = Date.now()): Promise<ServiceVerdictView | null> {
    return (await this.cachedVerdict(service, now))?.verdict ?? null;
  }

  /** The latest verdict for a service as JSON text (null when no finished analysis covers it). */
  async verdictJson(service: string, now = Date.now()): Promise<string | null> {
    return (await this.cachedVerdict(service, now))?.json ?? null;
  }

  private cachedVerdict(service: string, now: number): CacheEntry['value'] {
    const hit = this.verdicts.get(service);
    if (hit && hit.expires > now) return hit.value;
    // One store read per service and cache period, however many pollers arrive at once.
    const value = this.o.store.latestVerdict(service).then((stored) => {
      if (!stored) return null;
      const verdict = serviceVerdictOf(stored);
      return { verdict, json: JSON.stringify(verdict) };
    });
    this.verdicts.set(service, { expires: now + this.o.verdictCacheMs, value });
    value.catch(() => this.verdicts.delete(service));
    return value;
  }

  /**
   * Marks unfinished analyses of dead processes failed (heartbeat older than `staleMs`; 0 = all) and starts this
   * process's heartbeat. Every heartbeat also sweeps analyses whose heartbeat is older than `sweepStaleMs`, so a
   * replica that crashed while others keep running does not leave analyses `running` until the next restart.
   */
  async start(options: { staleMs: number; sweepStaleMs: number }): Promise<number> {
    const n = await this.o.store.failInterrupted({ staleMs: options.staleMs, reason: INTERRUPTED });
    if (n > 0) this.o.log.warn({ count: n }, 'marked interrupted analyses as failed');
    const warn = (what: string) => (e: unknown) => this.o.log.warn({ err: { message: (e as Error).message } }, `${what} failed`);
    this.heartbeatTimer = setInterval(() => {
      this.o.store.heartbeat(this.o.owner).catch(warn('heartbeat'));
      this.o.store
        .failInterrupted({ staleMs: options.sweepStaleMs, reason: INTERRUPTED })
        .then((k) => k > 0 && this.o.log.warn({ count: k }, 'marked analyses of a stopped replica as failed'))
        .catch(warn('stale-analysis sweep'));
    }, this.o.heartbeatMs);
    this.heartbeatTimer.unref();
    return n;
  }

  /** Stops workers; analyses they were running or had queued are marked failed ("interrupted"). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.o.pool.close(SHUT_DOWN);
    await Promise.allSettled([...this.inFlight]);
    await this.o.store.failInterrupted({ staleMs: 0, owner: this.o.owner, reason: SHUT_DOWN });
  }

  private async run(record: AnalysisRecord, submit: Reservation['submit']): Promise<void> {
    try {
      const finish = this.o.finish ?? (async (r: AnalysisResult) => r);
      await this.o.jobs.run(record, async (handlers) => finish(await submit(record.request, handlers)));
      this.verdicts.clear();
    } catch {
      // Stored as failed (with its message) by the job lifecycle; nobody awaits a background analysis.
    }
  }
}
