import type { Finding, Tolerance } from './types.ts';

/**
 * A finding before the report-wide false-discovery step: everything measured, nothing decided.
 * `decide.ts` adds qValue, status and reason once all p-values of the report are known.
 */
export interface Candidate {
  /**
   * The finding so far. It may already hold `qValue`, `status` and `reason` as placeholders (last, in that order) so
   * that decide.ts's assignment keeps the object's shape (tail-latency.ts); decide.ts overwrites them.
   */
  finding: Omit<Finding, 'status' | 'qValue' | 'reason'> & Partial<Pick<Finding, 'status' | 'qValue' | 'reason'>>;
  /** +1 when the change is for the worse (higher latency, more retries, longer waits), −1 better, 0 none. */
  direction: -1 | 0 | 1;
  tolerance: Tolerance;
  /** Set when the data cannot support a claim: the reason says what was needed. */
  insufficient?: string;
  /** Plain-word name of the measured thing, e.g. "p99 latency", "retries per call". */
  label: string;
  /**
   * Histogram input: the range each estimate can lie in (its bucket's edges; [v, v] for an exact side). A change is
   * only beyond tolerance if it is so for every placement inside those buckets.
   */
  bucketRanges?: { before: [number, number]; after: [number, number] };
}

/**
 * Whether a change exceeds both parts of the tolerance in the given direction: relative (share of the before value)
 * and absolute (in the statistic's unit). Both must hold, so that neither a tiny change on a tiny base nor a small
 * relative change on a huge base counts.
 */
export function beyondTolerance(before: number, after: number, tol: Tolerance, direction: 1 | -1): boolean {
  const delta = direction * (after - before);
  if (!(delta > 0)) return false;
  const relative = before > 0 ? delta / before : Infinity;
  return relative >= tol.relative && delta >= tol.absolute;
}
