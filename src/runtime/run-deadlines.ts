/**
 * Total time limits of one analysis (issue 14 item 3). An idle timeout alone lets a source that sends one byte
 * just inside it hold an analysis forever; these deadlines do not reset on data:
 * - the fetch deadline covers one source read of both windows: every query, retry, backoff wait and body byte;
 * - the analysis deadline covers the whole run: the read, the statistics and the flag checks.
 * Defaults in config/default.yaml `deadlines:`; a request's `deadline` / `fetchDeadline` (CLI `--deadline`,
 * `--fetch-deadline`, the HTTP body) replaces them for that run. An expired deadline is a TIMEOUT AppError that
 * names what timed out and after how long (CLI exit 2, a failed job in the service).
 * The statistics themselves are synchronous: a deadline that passes during them is reported when they return
 * (in the service, the pool's `pool.timeoutMs` terminates the worker thread meanwhile).
 */
import { Type } from '../vendor/typebox.ts';
import { formatSpan } from '../analysis/format.ts';
import { validateOrThrow, type Config } from '../config.ts';
import { parseDuration } from '../duration.ts';
import { AppError } from '../errors.ts';
import type { MetricWindows } from '../analysis/types.ts';
import { OperationScope, untilAborted } from '../net/deadline.ts';
import type { MetricQuery, MetricSource } from '../sources/metric-source.ts';
import type { AnalysisRequest } from './analysis-request.ts';

const DeadlinesSchema = Type.Object({ fetchMs: Type.Integer({ minimum: 1 }), analysisMs: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

/** Used when a config has no `deadlines` section (configs built by hand in tests and notebooks). */
export const DEFAULT_DEADLINES = { fetchMs: 600_000, analysisMs: 900_000 };

export interface RunDeadline {
  ms: number;
  /** Where the limit was set, for the message: "--deadline", "deadlines.fetchMs" … */
  setBy: string;
}

export interface RunDeadlines {
  analysis: RunDeadline;
  fetch: RunDeadline;
}

export function runDeadlines(request: Pick<AnalysisRequest, 'deadline' | 'fetchDeadline'>, config: Config): RunDeadlines {
  const configured = config.deadlines === undefined ? DEFAULT_DEADLINES : validateOrThrow(DeadlinesSchema, config.deadlines, 'deadlines');
  const pick = (text: string | undefined, field: 'deadline' | 'fetchDeadline', key: 'analysisMs' | 'fetchMs'): RunDeadline =>
    text !== undefined
      ? { ms: parseDuration(text, field), setBy: field === 'deadline' ? '--deadline / deadline' : '--fetch-deadline / fetchDeadline' }
      : { ms: configured[key], setBy: `deadlines.${key}` };
  return { analysis: pick(request.deadline, 'deadline', 'analysisMs'), fetch: pick(request.fetchDeadline, 'fetchDeadline', 'fetchMs') };
}

/** The error of an expired deadline: what timed out, after how long, where the limit is set, and what was running. */
export function deadlineError(what: string, d: RunDeadline, doing?: string): AppError {
  return new AppError('TIMEOUT', `${what}: not done within the deadline of ${formatSpan(d.ms)} (${d.setBy})${doing ? `; it was ${doing}` : ''}`, {
    details: { deadlineMs: d.ms },
  });
}

/**
 * Runs `fn` under `deadline` (and the caller's signal): `fn` gets a signal that aborts with the deadline's error.
 * With `abandon` (default) the wait ends the moment the signal fires, even if `fn` does not notice; without it `fn`
 * is trusted to stop on the signal and clean up first (a spool that removes its temporary file).
 */
export async function withinDeadline<T>(what: string, deadline: RunDeadline, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>, options: { abandon?: boolean } = {}): Promise<T> {
  const scope = new OperationScope(parent, deadline.ms, () => deadlineError(what, deadline));
  try {
    const work = fn(scope.signal);
    return await (options.abandon === false ? work : untilAborted(work, scope.signal));
  } finally {
    scope.dispose();
  }
}

/** One source read under the fetch deadline: its queries, retries and reads stop on the deadline's signal. */
export function fetchWithinDeadline(source: MetricSource, deadline: RunDeadline, parent: AbortSignal | undefined, query: Omit<MetricQuery, 'signal'>): Promise<MetricWindows> {
  return withinDeadline(`${source.description}: reading the windows`, deadline, parent, (signal) => source.fetch({ ...query, signal }));
}
