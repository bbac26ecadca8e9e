/**
 * The lifecycle of a stored analysis, the same for the service's worker pool and for the guard:
 * created (queued) → running (when work starts) → done with its result, or failed with a message a person can
 * read. Progress is written at most every `progressIntervalMs`; a failed store write of progress never fails
 * the analysis, and a failure is stored before it is passed on.
 */
import type { AnalysisResult } from '../analysis/types.ts';
import { isAppError } from '../errors.ts';
import type { AnalysisRecord, ReportStore } from '../store/report-store.ts';
import type { AnalysisRequest } from './analysis-request.ts';

/** What the work reports back while it runs. */
export interface JobHandlers {
  /** Work started (a worker picked it up). */
  onStart?: () => void;
  onProgress?: (fraction: number) => void;
  onLog?: (message: string) => void;
}

/** Counters the service exports; structurally what http/metrics-registry.ts provides. */
export interface JobMetrics {
  analyses: { inc(labels: { outcome: string }): void };
  analysisSeconds: { observe(seconds: number): void };
}

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AnalysisJobsOptions {
  store: ReportStore;
  progressIntervalMs: number;
  log: JobLog;
  metrics?: JobMetrics;
  now?: () => Date;
  /** Called once an analysis is stored as done (the runtime emits `analysis.done` from it); must not throw or block. */
  onDone?: (record: AnalysisRecord, result: AnalysisResult) => void;
}

export class AnalysisJobs {
  constructor(private readonly o: AnalysisJobsOptions) {}

  /** Stores a queued analysis of `request`, owned by `owner` (a process or `guard:<id>`). */
  create(request: AnalysisRequest, owner: string): Promise<AnalysisRecord> {
    return this.o.store.create({ request, owner, now: this.o.now?.() });
  }

  /**
   * Runs `work` for a created record and stores its outcome. `work` calls `onStart` when it really starts (a
   * pool may queue it first); if it never does, the record is marked running just before the result.
   * Resolves with the result, rejects with the error after storing it.
   */
  async run(record: AnalysisRecord, work: (handlers: JobHandlers) => Promise<AnalysisResult>, extra: JobHandlers = {}): Promise<AnalysisResult> {
    const { id } = record;
    const { store, metrics, log } = this.o;
    let started = 0;
    let lastWrite = 0;
    let writes: Promise<void> = Promise.resolve();
    const swallow = (what: string) => (e: unknown) => log.warn({ analysisId: id, err: { message: (e as Error).message } }, `${what} failed`);
    const start = () => {
      if (started) return;
      started = Date.now();
      writes = store.markRunning(id).catch(swallow('marking running'));
      extra.onStart?.();
    };
    try {
      const result = await work({
        onStart: start,
        onProgress: (fraction) => {
          extra.onProgress?.(fraction);
          const now = Date.now();
          if (now - lastWrite < this.o.progressIntervalMs) return;
          lastWrite = now;
          writes = writes.then(() => store.setProgress(id, fraction)).catch(swallow('progress update'));
        },
        onLog: (message) => {
          extra.onLog?.(message);
          log.info({ analysisId: id }, message);
        },
      });
      start();
      await writes;
      await store.complete(id, result);
      metrics?.analyses.inc({ outcome: result.report.verdict });
      metrics?.analysisSeconds.observe((Date.now() - started) / 1000);
      log.info({ analysisId: id, verdict: result.report.verdict }, 'analysis done');
      try {
        this.o.onDone?.(record, result);
      } catch (e) {
        swallow('the analysis-done hook')(e);
      }
      return result;
    } catch (e) {
      await writes;
      const message = isAppError(e) ? e.message : `internal error: ${(e as Error).message}`;
      metrics?.analyses.inc({ outcome: isAppError(e) && e.code === 'TIMEOUT' ? 'timeout' : 'failed' });
      if (started) metrics?.analysisSeconds.observe((Date.now() - started) / 1000);
      log.warn({ analysisId: id, code: isAppError(e) ? e.code : 'INTERNAL' }, `analysis failed: ${message}`);
      await store.fail(id, message).catch(swallow('storing the failure'));
      throw e;
    }
  }

  /** create + run: one tracked analysis, with the stored record's id next to the result. */
  async track(request: AnalysisRequest, owner: string, work: (handlers: JobHandlers) => Promise<AnalysisResult>): Promise<{ result: AnalysisResult; analysisId: string }> {
    const record = await this.create(request, owner);
    return { result: await this.run(record, work), analysisId: record.id };
  }
}
