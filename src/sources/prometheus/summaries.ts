/**
 * Summaries (a client's precomputed quantile gauges, `<name>{quantile="0.99"}`) instead of a histogram: read only
 * to say what is there and why nothing can be concluded from it. A summary's quantiles are computed per process
 * over its own sliding window; they cannot be averaged across instances or intervals into a quantile of the
 * whole, and they carry no counts per value, so no confidence interval and no test is possible on them.
 */
import type { TimeRange } from '../../analysis/types.ts';
import { boundToMs } from '../../config.ts';
import type { MetricQuery } from '../metric-source.ts';
import type { PrometheusApi } from './prometheus-api.ts';
import type { PrometheusSource } from './prometheus-source.ts';
import { labelName } from './promql.ts';

export interface SummaryReading {
  service: string;
  endpoint: string;
  quantile: string;
  /** The gauge averaged over each window, in the raw unit; null when the window has none. */
  before: number | null;
  after: number | null;
}

/** The summary's base name: the histogram's name without `_bucket`. */
export function summaryName(histogram: string): string {
  return histogram.replace(/_bucket$/, '');
}

export async function readSummaries(source: PrometheusSource, api: PrometheusApi, query: MetricQuery, windows: Array<[string, TimeRange]>): Promise<SummaryReading[]> {
  const settings = source.settings;
  const l = settings.schema.labels;
  const name = summaryName(settings.schema.requests.histogram);
  const byKey = new Map<string, SummaryReading>();
  for (const [i, [, w]] of windows.entries()) {
    // Evaluated 1 ms before the stop over the window less 1 ms: the samples of [start, stop), as the window is half-open.
    const promql = source.render('requests-summary.promql', name, w.stop - w.start - 1, source.matchers(query, true), [`${labelName(l.quantile).text}!=""`]);
    const result = await api.query(promql, w.stop - 1, 'summary quantiles', query.signal, query.log);
    for (const s of result.series) {
      const v = Number(s.values[0]?.[1]);
      if (!Number.isFinite(v)) continue;
      const service = s.metric[l.service] ?? '';
      const endpoint = s.metric[l.endpoint] ?? '';
      const quantile = s.metric[l.quantile] ?? '';
      const key = `${service}\u0000${endpoint}\u0000${quantile}`;
      let r = byKey.get(key);
      if (r === undefined) {
        r = { service, endpoint, quantile, before: null, after: null };
        byKey.set(key, r);
      }
      if (i === 0) r.before = v;
      else r.after = v;
    }
  }
  return [...byKey.values()].sort((a, b) => a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint) || Number(a.quantile) - Number(b.quantile));
}

const fmt = (v: number | null, msPerUnit: number): string => (v === null ? '–' : `${Number(boundToMs(v, msPerUnit).toPrecision(4))} ms`);

/** One sentence for the report's warnings: what the summary says, and that no interval or test is possible. */
export function summaryStatement(found: SummaryReading[], histogram: string, msPerUnit: number): string {
  const shown = found.slice(0, 6).map((r) => `${r.service} ${r.endpoint} q${r.quantile}: ${fmt(r.before, msPerUnit)} before, ${fmt(r.after, msPerUnit)} after`);
  return (
    `latency is exported as a summary "${summaryName(histogram)}" (precomputed quantile gauges), not as the histogram "${histogram}": ` +
    `${shown.join('; ')}${found.length > shown.length ? `; … ${found.length - shown.length} more` : ''} (gauges averaged over each window). ` +
    'A summary\'s quantiles cannot be merged across instances or intervals and carry no counts, so no interval or test is possible on them and no latency finding is made; export a histogram (`_bucket` with `le`) for that.'
  );
}
