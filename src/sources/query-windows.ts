/**
 * The time ranges a source reads for a query, by baseline (issue 11): before and after; for a seasonal baseline
 * each reference period instead of the span between them (days of data nobody compares); for a cohort baseline
 * the after window alone (both cohorts are in it; the WindowBuilder splits them by the cohort tag the queries
 * group by). Shared by the database sources (InfluxDB, Prometheus).
 */
import type { TimeRange } from '../analysis/types.ts';
import type { MetricQuery } from './metric-source.ts';

/** A time range to read, which side of the comparison it feeds (0 = baseline, 1 = after), and its name. */
export interface QueryWindow {
  side: 0 | 1;
  label: string;
  range: TimeRange;
}

export function queryWindows(query: MetricQuery): QueryWindow[] {
  const after: QueryWindow = { side: 1, label: 'after window', range: query.after };
  const b = query.baseline;
  if (b?.kind === 'cohort') return [after];
  if (b?.kind === 'seasonal') return [...b.references.map((r, k): QueryWindow => ({ side: 0, label: `reference period ${k + 1}`, range: r })), after];
  return [{ side: 0, label: 'before window', range: query.before }, after];
}

/**
 * The side (0 or 1) whose every range came back empty, with a name and span for the message; null when each side
 * has data somewhere. A seasonal baseline with some empty reference periods is not empty (the analysis reports them).
 */
export function emptySide(windows: QueryWindow[], points: number[]): { label: string; range: TimeRange } | null {
  for (const side of [0, 1] as const) {
    const own = windows.map((w, i) => ({ w, points: points[i] })).filter(({ w }) => w.side === side);
    if (own.length > 0 && own.every(({ points: n }) => n === 0)) {
      if (own.length === 1) return { label: own[0].w.label, range: own[0].w.range };
      return { label: `${own.length} reference periods`, range: { start: own[own.length - 1].w.range.start, stop: own[0].w.range.stop } };
    }
  }
  return null;
}
