/**
 * MetricSource on a Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir/Cortex, VictoriaMetrics). The
 * aggregation is pushed down: per window and per time block, `increase()` of the classic histograms' `_bucket`
 * counters (cumulative `le` counts per interval → the WindowBuilder's pre-aggregated histogram path, which gives
 * every interval its own time block for the clustered inference) and of the calls/retries/exhausted counters, so
 * the analyzer's cost grows with series × intervals, never with request volume. Values arrive in the schema's
 * unit (seconds by default) and are converted to ms. A summary (precomputed quantile gauges) is only reported:
 * its quantiles cannot be merged or tested.
 */
import type { MetricWindows, TimeRange } from '../../analysis/types.ts';
import { boundToMs } from '../../config.ts';
import { AppError } from '../../errors.ts';
import type { MetricQuery, MetricSource } from '../metric-source.ts';
import { WindowBuilder } from '../window-builder/window-builder.ts';
import { PrometheusApi, type PromResult } from './prometheus-api.ts';
import type { PrometheusSettings } from './prometheus-config.ts';
import { cohortBy, duration, labelName, metricName, promqlTemplate, renderPromQL, selector, type LabelMatcher } from './promql.ts';
import { emptySide, queryWindows } from '../query-windows.ts';
import { planWindow } from './range-plan.ts';
import { readSummaries, summaryStatement } from './summaries.ts';


/** `le` label text → bound in the raw unit (Infinity for +Inf); NaN when it is not a number. */
export function parseLe(text: string | undefined): number {
  if (text === undefined) return NaN;
  if (/^\+?inf$/i.test(text)) return Infinity;
  const v = Number(text);
  return text.trim() !== '' && Number.isFinite(v) ? v : NaN;
}

/** A sample value; increase() may extrapolate to fractions. NaN/Inf (a broken series) become null. */
function sampleValue(text: string): number | null {
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

interface CounterCell {
  service: string;
  upstream: string;
  t: number;
  calls: number;
  retries: number;
  exhausted: number;
  /** Cumulative backoff counts by `le` (raw unit) in this interval. */
  backoff: Map<number, number> | null;
  /** The flag cohort (cohort baseline). */
  cohort: string | undefined;
}

export class PrometheusSource implements MetricSource {
  readonly description: string;
  private readonly api: PrometheusApi;

  constructor(readonly settings: PrometheusSettings) {
    this.api = new PrometheusApi(settings);
    const prefix = settings.url.pathname.replace(/\/+$/, '');
    this.description = `prometheus ${settings.url.protocol}//${settings.url.host}${prefix}${settings.cohort !== undefined ? ` ${settings.schema.labels.cohort}=${settings.cohort}` : ''}`;
  }

  ping(signal?: AbortSignal): Promise<void> {
    return this.api.ping(signal);
  }

  /** The PromQL of one template with the source's label mapping; `extraMatchers` are built by the caller from checked label names. */
  render(file: string, metric: string, range: number, matchers: LabelMatcher[], extraMatchers: string[] = [], cohortLabel: string | null = null): string {
    const l = this.settings.schema.labels;
    return renderPromQL(
      promqlTemplate(file),
      {
        metric: metricName(metric),
        selector: selector(matchers, extraMatchers),
        range: duration(range),
        service: labelName(l.service),
        endpoint: labelName(l.endpoint),
        upstream: labelName(l.upstream),
        le: labelName(l.le),
        quantile: labelName(l.quantile),
        cohort: cohortBy(cohortLabel),
      },
      file,
    );
  }

  /**
   * The label a cohort baseline splits by (null for the others): the data contract's cohort tag `variant` is the
   * entry's `schema.labels.cohort` (as service and endpoint are mapped); any other `--cohort-tag` is the label name.
   */
  cohortLabel(query: MetricQuery): string | null {
    const b = query.baseline;
    if (b?.kind !== 'cohort') return null;
    if (this.settings.cohort !== undefined) {
      throw new AppError('BAD_INPUT', `${this.api.where}: a cohort baseline compares the values of the cohort label, but this source keeps only ${this.settings.schema.labels.cohort}="${this.settings.cohort}" (its \`cohort:\` filter); drop the filter`);
    }
    return b.tag === 'variant' ? this.settings.schema.labels.cohort : b.tag;
  }

  /** Matchers of the query's filters (and the configured cohort); `withEndpoints` for latency series only. */
  matchers(query: MetricQuery, withEndpoints: boolean): LabelMatcher[] {
    const l = this.settings.schema.labels;
    const m: LabelMatcher[] = [{ label: l.service, values: query.services ?? [] }];
    if (withEndpoints) m.push({ label: l.endpoint, values: query.endpoints ?? [] });
    if (this.settings.cohort !== undefined) m.push({ label: l.cohort, values: [this.settings.cohort] });
    return m;
  }

  /** Every query_range call of one template over one window; `onValue` gets each sample with its interval start. */
  private async rangeQueries(
    what: string,
    file: string,
    metric: string,
    window: TimeRange,
    query: MetricQuery,
    matchers: LabelMatcher[],
    b: WindowBuilder,
    onValue: (labels: Record<string, string>, intervalStart: number, value: number) => void,
  ): Promise<number> {
    let series = 0;
    const cohortLabel = this.cohortLabel(query);
    for (const call of planWindow(window, this.settings.stepMs, this.settings.maxPointsPerSeries)) {
      const promql = this.render(file, metric, call.rangeMs, matchers, [], cohortLabel);
      const result: PromResult = await this.api.queryRange(promql, call.startMs, call.endMs, call.stepMs, what, query.signal, query.log);
      for (const w of result.warnings) b.warn(`${this.api.where}: ${what}: ${w}`);
      series += result.series.length;
      for (const s of result.series) {
        for (const [ts, text] of s.values) {
          const v = sampleValue(text);
          if (v !== null) onValue(s.metric, Math.round(ts * 1000) - call.rangeMs, v);
        }
      }
    }
    return series;
  }

  async fetch(query: MetricQuery): Promise<MetricWindows> {
    const { schema, ms } = this.settings;
    const l = schema.labels;
    const b = WindowBuilder.forQuery(query, { timelineIntervalMs: this.settings.timelineIntervalMs, source: this.description });
    const windows = queryWindows(query);
    const observed = windows.map(() => 0);
    const cohortLabel = this.cohortLabel(query);
    // The series' cohort value under a cohort baseline (undefined: no cohort baseline, or a series without the label).
    const cohortOf = (m: Record<string, string>): string | undefined => (cohortLabel === null || !m[cohortLabel] ? undefined : m[cohortLabel]);
    let requestSeries = 0;
    let done = 0;
    const progress = (): void => query.onProgress?.(Math.min(1, ++done / (5 * windows.length)));
    let badLe = 0;
    for (const [i, { range: window }] of windows.entries()) {
      // Requests: cumulative `le` counts of each interval straight into the pre-aggregated histogram path.
      const totals = new Map<string, number>();
      requestSeries += await this.rangeQueries('request latency histogram', 'requests-buckets.promql', schema.requests.histogram, window, query, this.matchers(query, true), b, (m, t, v) => {
        const le = parseLe(m[l.le]);
        if (Number.isNaN(le)) {
          badLe++;
          return;
        }
        const service = m[l.service] ?? '';
        const endpoint = m[l.endpoint] ?? '';
        const cohort = cohortOf(m);
        if (b.addHistogramBucket(service, endpoint, t, boundToMs(le, ms.duration), v, cohort)) {
          const key = `${service}\u0000${endpoint}\u0000${t}\u0000${cohort ?? ''}`;
          totals.set(key, Math.max(totals.get(key) ?? 0, v));
        }
      });
      for (const n of totals.values()) observed[i] += n;
      progress();
      // Upstreams: three counters and the backoff histogram, joined per (service, upstream, interval).
      const cells = new Map<string, CounterCell>();
      const cell = (m: Record<string, string>, t: number): CounterCell => {
        const service = m[l.service] ?? '';
        const upstream = m[l.upstream] ?? '';
        const cohort = cohortOf(m);
        const key = `${service}\u0000${upstream}\u0000${t}\u0000${cohort ?? ''}`;
        let c = cells.get(key);
        if (c === undefined) {
          c = { service, upstream, t, calls: 0, retries: 0, exhausted: 0, backoff: null, cohort };
          cells.set(key, c);
        }
        return c;
      };
      const um = this.matchers(query, false);
      await this.rangeQueries('upstream calls', 'upstreams-counter.promql', schema.upstreams.calls, window, query, um, b, (m, t, v) => (cell(m, t).calls += v));
      progress();
      await this.rangeQueries('upstream retries', 'upstreams-counter.promql', schema.upstreams.retries, window, query, um, b, (m, t, v) => (cell(m, t).retries += v));
      progress();
      await this.rangeQueries('exhausted upstream calls', 'upstreams-counter.promql', schema.upstreams.exhausted, window, query, um, b, (m, t, v) => (cell(m, t).exhausted += v));
      progress();
      await this.rangeQueries('backoff histogram', 'backoff-buckets.promql', schema.upstreams.backoffHistogram, window, query, um, b, (m, t, v) => {
        const le = parseLe(m[l.le]);
        if (Number.isNaN(le)) {
          badLe++;
          return;
        }
        const c = cell(m, t);
        c.backoff ??= new Map();
        c.backoff.set(le, (c.backoff.get(le) ?? 0) + v);
      });
      progress();
      for (const c of cells.values()) {
        // Counters with nothing in the interval (only a backoff bucket series at 0) add nothing.
        if (b.addUpstreamCounters(c.service, c.upstream, c.t, { calls: c.calls, retries: c.retries, exhausted: Math.min(c.exhausted, c.calls) }, c.backoff ? this.backoffHistogram(c.backoff) : undefined, c.cohort)) {
          observed[i] += c.calls;
        }
      }
    }
    if (badLe > 0) b.warn(`${this.api.where}: skipped ${badLe} histogram sample(s) whose "${l.le}" label is not a number or +Inf`);
    let summaryNote: string | null = null;
    if (requestSeries === 0) {
      // No classic histogram: tell the user when the latency is exported as a summary instead.
      const found = await readSummaries(this, this.api, query, windows.map((w) => [w.label, w.range] as [string, TimeRange]));
      if (found.length > 0) {
        summaryNote = summaryStatement(found, schema.requests.histogram, ms.duration);
        b.warn(summaryNote);
        query.log?.(summaryNote);
      }
    }
    const empty = emptySide(windows, observed);
    if (empty) {
      const { label: name, range: w } = empty;
      const metrics = [schema.requests.histogram, schema.upstreams.calls].map((m) => `"${m}"`).join(', ');
      throw new AppError(
        'NOT_FOUND',
        `${this.api.where}: no data in the ${name} ${new Date(w.start).toISOString()} – ${new Date(w.stop).toISOString()} (metrics ${metrics}` +
          `${query.services?.length ? `, services ${query.services.join(', ')}` : ''}${this.settings.cohort !== undefined ? `, ${l.cohort}="${this.settings.cohort}"` : ''})${summaryNote ? `; ${summaryNote}` : ''}`,
      );
    }
    query.onProgress?.(1);
    return b.build();
  }

  /** Cumulative counts by raw `le` → the non-cumulative histogram in ms that addUpstreamCounters takes. */
  private backoffHistogram(cumulative: Map<number, number>): { upperBounds: number[]; counts: number[] } {
    const les = [...cumulative.keys()].sort((a, b) => a - b);
    const upperBounds: number[] = [];
    const counts: number[] = [];
    let prev = 0;
    for (const le of les) {
      const c = cumulative.get(le) as number;
      upperBounds.push(boundToMs(le, this.settings.ms.backoff));
      // increase() extrapolates each series on its own, so a bucket can come out a hair below the one before.
      counts.push(Math.max(0, c - prev));
      prev = Math.max(prev, c);
    }
    return { upperBounds, counts };
  }
}
