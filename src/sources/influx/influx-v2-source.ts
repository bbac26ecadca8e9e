/**
 * MetricSource on InfluxDB 2.x / Cloud: Flux through @influxdata/influxdb-client. Rows are consumed with
 * `iterateRows` one at a time into a stage (typed arrays), never collected as objects. The client's own
 * transport gets the attempt's AbortSignal and the idle timeout; retries are ours (influx-http.ts), one
 * complete query per attempt. The token comes from an environment variable and is never put in a message.
 */
import { fluxDateTime, fluxDuration, fluxExpression, fluxFloat, flux, HttpError, InfluxDB, linesToRowsIterable, type FluxTableMetaData, type ParameterizedQuery } from '@influxdata/influxdb-client';
import type { MetricWindows, TimeRange } from '../../analysis/types.ts';
import { AppError } from '../../errors.ts';
import { bucketIndex } from '../../stats/index.ts';
import { fetchFromInflux, type FetchOutcome, type InfluxDialect, type InfluxStage, type WindowCount } from './influx-fetch.ts';
import type { Influx2Settings } from './influx-config.ts';
import { queryTemplate, renderFlux } from './influx-escape.ts';
import { hostPort, isRetriableStatus, parseRetryAfter, pingInflux, RetriableError, withRetries, type Attempt } from './influx-http.ts';
import { parseLe } from './influx-v1-source.ts';
import type { MetricQuery, MetricSource } from '../metric-source.ts';

/** Column positions of one result table, looked up once per table rather than per row. */
type Columns = Record<string, number>;

type RowHandler = (values: string[], col: Columns) => void;

function headerValue(h: Record<string, string | string[] | undefined> | undefined, name: string): string | null {
  const v = h?.[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

export class InfluxV2Source implements MetricSource {
  readonly description: string;
  readonly lastOutcome: FetchOutcome = { requests: 'auto', upstreams: 'auto' };
  private readonly settings: Influx2Settings;
  private readonly where: string;

  constructor(settings: Influx2Settings) {
    this.settings = settings;
    this.where = `InfluxDB 2.x at ${hostPort(settings.url)} org "${settings.org}" bucket "${settings.bucket}"`;
    this.description = `influx2 ${settings.url.protocol}//${settings.url.host} org=${settings.org} bucket=${settings.bucket}`;
  }

  fetch(query: MetricQuery): Promise<MetricWindows> {
    if (!this.settings.token) {
      return Promise.reject(new AppError('UNAUTHORIZED', `${this.where}: no token; set the ${this.settings.tokenEnv} environment variable`));
    }
    return fetchFromInflux(this.dialect(), this.settings, query, this.description, this.lastOutcome);
  }

  ping(signal?: AbortSignal): Promise<void> {
    return pingInflux(this.settings.url, this.settings.retry, this.where, signal);
  }

  private mapError(e: unknown, what: string): unknown {
    if (e instanceof HttpError) {
      const text = (e.json as { message?: string } | undefined)?.message ?? e.body ?? e.message;
      const msg = `${this.where}: ${what}: HTTP ${e.statusCode}${text ? `: ${String(text).trim().slice(0, 500)}` : ''}`;
      if (isRetriableStatus(e.statusCode)) return new RetriableError(msg, { cause: e, retryAfterMs: parseRetryAfter(headerValue(e.headers, 'retry-after'), Date.now()) });
      if (e.statusCode === 401) return new AppError('UNAUTHORIZED', `${this.where}: the token in ${this.settings.tokenEnv} was rejected (HTTP 401)`);
      if (e.statusCode === 403) return new AppError('FORBIDDEN', msg);
      if (e.statusCode === 404) return new AppError('NOT_FOUND', msg);
      if (e.statusCode === 400) return new AppError('BAD_INPUT', msg);
      return new AppError('UPSTREAM', msg);
    }
    if (e instanceof Error && e.name === 'RequestTimedOutError') return new RetriableError(`${this.where}: ${what}: request timed out`, { cause: e });
    return e;
  }

  /** Runs one Flux query as a retried unit; `onRow` sees every data row, `reset` clears partial rows before a retry. */
  private async run(query: ParameterizedQuery, what: string, onRow: RowHandler, q: MetricQuery, reset?: () => void): Promise<void> {
    await withRetries(
      async (attempt: Attempt) => {
        if (attempt.number > 0) reset?.();
        const client = new InfluxDB({
          url: this.settings.url.href.replace(/\/$/, ''),
          token: this.settings.token,
          timeout: this.settings.retry.idleTimeoutMs,
          transportOptions: { signal: attempt.signal },
        });
        const api = client.getQueryApi({ org: this.settings.org, gzip: false });
        let meta: FluxTableMetaData | null = null;
        let col: Columns = {};
        // Annotated CSV closes every table with a blank line (an empty result is that blank line alone), so an
        // answer cut at a row boundary is the one whose last line is not blank; a row cut inside has too few cells.
        const ending = { lines: 0, last: '' };
        async function* watched(lines: AsyncIterable<string>): AsyncIterable<string> {
          for await (const line of lines) {
            ending.lines++;
            ending.last = line;
            yield line;
          }
        }
        try {
          for await (const { values, tableMeta } of linesToRowsIterable(watched(api.iterateLines(query)))) {
            attempt.touch();
            if (values.length !== tableMeta.columns.length) {
              throw new RetriableError(`${this.where}: ${what}: incomplete response: a row has ${values.length} of ${tableMeta.columns.length} cells (answer cut short)`);
            }
            if (tableMeta !== meta) {
              meta = tableMeta;
              col = {};
              for (const c of tableMeta.columns) col[c.label] = c.index;
              // Flux reports a failure after the response started as a table with `error` and `reference` columns.
            }
            if (col.error !== undefined && col.reference !== undefined) {
              throw new AppError('UPSTREAM', `${this.where}: ${what}: query failed mid-stream: ${values[col.error]}`);
            }
            onRow(values, col);
          }
        } catch (e) {
          throw this.mapError(e, what);
        }
        if (ending.lines === 0 || ending.last.trim() !== '') {
          throw new RetriableError(`${this.where}: ${what}: incomplete response: ${ending.lines === 0 ? 'empty body' : `the annotated CSV does not end with the blank line that closes a table (last line ${JSON.stringify(ending.last.slice(0, 80))})`} (answer cut short)`);
        }
      },
      { retry: this.settings.retry, what: `${this.where}: ${what}`, signal: q.signal, log: q.log },
    );
  }

  private dialect(): InfluxDialect {
    const s = this.settings;
    const { request: rq, upstream: up, histogram: hg, counters: ct } = s.schema;
    const range = (w: TimeRange): Record<string, unknown> => ({
      bucket: s.bucket,
      start: fluxDateTime(new Date(w.start).toISOString()),
      stop: fluxDateTime(new Date(w.stop).toISOString()),
    });
    const tagIn = (tag: string, values: string[] | undefined): ParameterizedQuery | null =>
      values && values.length > 0 ? flux`contains(value: r[${tag}], set: ${values})` : null;
    const predicate = (...parts: Array<ParameterizedQuery | null>): unknown => {
      const used = parts.filter((p): p is ParameterizedQuery => p !== null);
      return used.length === 0 ? fluxExpression('true') : fluxExpression(used.map((p) => `(${p.toString()})`).join(' and '));
    };
    const reqFilter = (q: MetricQuery): unknown => predicate(tagIn(rq.serviceTag, q.services), tagIn(rq.endpointTag, q.endpoints));
    const upFilter = (q: MetricQuery): unknown => predicate(tagIn(up.serviceTag, q.services));
    const grouping = (w: TimeRange, q: MetricQuery): Record<string, unknown> => ({
      ...range(w),
      interval: fluxDuration(`${s.aggregationIntervalMs}ms`),
      offset: fluxDuration(`${((q.upgradeAt % s.aggregationIntervalMs) + s.aggregationIntervalMs) % s.aggregationIntervalMs}ms`),
    });
    const bins = (stage: InfluxStage): unknown => {
      const r = stage.range;
      if (!r) throw new AppError('INTERNAL', 'aggregated query without a bucket range');
      const out: unknown[] = [];
      for (let i = r.first; i <= r.last; i++) out.push(fluxFloat(r.edges[i]));
      return out;
    };
    const render = (file: string, params: Record<string, unknown>): ParameterizedQuery => renderFlux(queryTemplate(file), params, file);
    // Cohort baseline: the cohort tag is one more group (and kept) column, and each row carries its value (a point
    // without the tag has an empty cell and counts as untagged).
    const cohortTag = (q: MetricQuery): string | null => (q.baseline?.kind === 'cohort' ? q.baseline.tag : null);
    const withCohort = (columns: string[], q: MetricQuery): string[] => {
      const t = cohortTag(q);
      return t === null ? columns : [...columns, t];
    };
    const cohortOf = (v: string[], c: Record<string, number>, q: MetricQuery): string | undefined => {
      const t = cohortTag(q);
      const x = t === null || c[t] === undefined ? '' : (v[c[t]] ?? '');
      return x === '' ? undefined : x;
    };
    const columns = (q: MetricQuery, group: string[], extra: { before?: string[]; after?: string[] }): { groupColumns: string[]; keepColumns: string[] } => {
      const g = withCohort(group, q);
      return { groupColumns: g, keepColumns: [...(extra.before ?? []), ...g, ...(extra.after ?? [])] };
    };
    const time = (v: string | undefined): number => Date.parse(v ?? '');
    const count = async (file: string, params: Record<string, unknown>, what: string, q: MetricQuery): Promise<WindowCount> => {
      const out: WindowCount = { count: 0, min: null, max: null };
      await this.run(render(file, params), what, (v, c) => {
        out.count += Number(v[c._value]) || 0;
      }, q, () => (out.count = 0));
      return out;
    };
    /** Cumulative histogram rows (ascending `le` per table) → non-cumulative grid buckets. */
    const cumulativeRows = (stage: InfluxStage, tags: [string, string], q: MetricQuery, add: (a: string, b: string, t: number, bucket: number, n: number, cohort: string | undefined) => void): RowHandler => {
      let key = '';
      let prev = 0;
      return (v, c) => {
        const a = v[c[tags[0]]] ?? '';
        const b = v[c[tags[1]]] ?? '';
        const cohort = cohortOf(v, c, q);
        const t = time(v[c._start]);
        const k = `${a}\u0000${b}\u0000${t}\u0000${cohort ?? ''}`;
        if (k !== key) {
          key = k;
          prev = 0;
        }
        const le = parseLe(v[c.le] ?? '');
        const cum = Number(v[c._value]);
        if (le === null || !Number.isFinite(cum) || !Number.isFinite(t)) return;
        if (cum > prev) add(a, b, t, bucketIndex((stage.range as NonNullable<InfluxStage['range']>).edges, le), cum - prev, cohort);
        prev = Math.max(prev, cum);
      };
    };
    const upFields = { attemptsField: up.attemptsField, backoffField: up.backoffField, okField: up.okField, serviceTag: up.serviceTag, upstreamTag: up.upstreamTag };

    return {
      where: this.where,
      checkMeasurements: async (measurements, q) => {
        const found = new Set<string>();
        await this.run(render('measurements.flux', { bucket: s.bucket }), 'listing measurements', (v, c) => {
          found.add(v[c._value]);
        }, q);
        const missing = measurements.filter((m) => !found.has(m));
        if (missing.length > 0) throw new AppError('NOT_FOUND', `${this.where}: measurement ${missing.map((n) => `"${n}"`).join(', ')} not found`);
      },
      countRequests: (w, q) =>
        count('requests-count.flux', { ...range(w), measurement: rq.measurement, durationField: rq.durationField, filter: reqFilter(q) }, 'counting requests', q),
      // Not sliced: no InfluxDB 2.x runs here to measure whether slicing a Flux pull pays (and fixtures ignore ranges).
      slicing: { rawPoints: Infinity, aggregatedScans: Infinity },
      // Flux's histogram() takes one pass; upstreams add a counters query.
      aggregatedStatements: (metric) => (metric === 'upstreams' ? 2 : 1),
      // Flux's count query gives no value range: an aggregated pull covers the whole bucket grid.
      rangeRequests: async () => ({ min: null, max: null }),
      rangeUpstreams: async () => ({ min: null, max: null }),
      countUpstreams: (w, q) =>
        count('upstreams-count.flux', { ...range(w), measurement: up.measurement, attemptsField: up.attemptsField, filter: upFilter(q) }, 'counting upstream calls', q),
      rawRequests: async (stage, q) => {
        const params = { ...range(stage.slice), measurement: rq.measurement, durationField: rq.durationField, filter: reqFilter(q), ...columns(q, [rq.serviceTag, rq.endpointTag], { before: ['_time', '_value'] }) };
        await this.run(render('requests-raw.flux', params), 'reading requests', (v, c) => {
          const t = time(v[c._time]);
          const d = Number(v[c._value]);
          if (Number.isFinite(t) && v[c._value] !== '' && Number.isFinite(d)) stage.request(v[c[rq.serviceTag]] ?? '', v[c[rq.endpointTag]] ?? '', t, d, cohortOf(v, c, q));
          else stage.skip(`${this.where}: requests`);
        }, q, () => stage.reset());
      },
      rawUpstreams: async (stage, q) => {
        const params = { ...range(stage.slice), measurement: up.measurement, ...upFields, filter: upFilter(q), ...columns(q, [up.serviceTag, up.upstreamTag], { before: ['_time'], after: [up.attemptsField, up.backoffField, up.okField] }) };
        await this.run(render('upstreams-raw.flux', params), 'reading upstream calls', (v, c) => {
          const t = time(v[c._time]);
          const a = Number(v[c[up.attemptsField]]);
          if (!Number.isFinite(t) || v[c[up.attemptsField]] === '' || !Number.isFinite(a)) return stage.skip(`${this.where}: upstream calls`);
          stage.call(v[c[up.serviceTag]] ?? '', v[c[up.upstreamTag]] ?? '', t, a, Number(v[c[up.backoffField]]) || 0, v[c[up.okField]] !== 'false', cohortOf(v, c, q));
        }, q, () => stage.reset());
      },
      aggregatedRequests: async (stage, q) => {
        const params = { ...grouping(stage.slice, q), measurement: rq.measurement, durationField: rq.durationField, filter: reqFilter(q), bins: bins(stage), ...columns(q, [rq.serviceTag, rq.endpointTag], { before: ['_start'], after: ['le', '_value'] }) };
        const onRow = cumulativeRows(stage, [rq.serviceTag, rq.endpointTag], q, (a, b, t, i, n, cohort) => stage.requestBucket(a, b, t, i, n, cohort));
        await this.run(render('requests-histogram.flux', params), 'aggregating requests', onRow, q, () => stage.reset());
      },
      aggregatedUpstreams: async (stage, q) => {
        const params = { ...grouping(stage.slice, q), measurement: up.measurement, ...upFields, filter: upFilter(q) };
        const counterColumns = columns(q, [up.serviceTag, up.upstreamTag], { before: ['_start'], after: ['calls', 'attempts', 'exhausted'] });
        await this.run(render('upstreams-counters.flux', { ...params, ...counterColumns }), 'aggregating upstream calls', (v, c) => {
          const calls = Number(v[c.calls]) || 0;
          const attempts = Number(v[c.attempts]) || calls;
          stage.counter(v[c[up.serviceTag]] ?? '', v[c[up.upstreamTag]] ?? '', time(v[c._start]), { calls, retries: Math.max(0, attempts - calls), exhausted: Number(v[c.exhausted]) || 0 }, cohortOf(v, c, q));
        }, q, () => stage.reset());
        const onRow = cumulativeRows(stage, [up.serviceTag, up.upstreamTag], q, (a, b, t, i, n, cohort) => stage.backoffBucket(a, b, t, i, n, cohort));
        // A second query: if it is retried, only its own (backoff) rows are dropped, so the counters stay.
        const backoffColumns = columns(q, [up.serviceTag, up.upstreamTag], { before: ['_start'], after: ['le', '_value'] });
        await this.run(render('backoff-histogram.flux', { ...params, bins: bins(stage), ...backoffColumns }), 'aggregating backoff', onRow, q, () => stage.resetBackoff());
      },
      preaggregatedRequests: async (stage, q) => {
        const params = { ...grouping(stage.slice, q), measurement: hg.measurement, countField: hg.countField, filter: reqFilter(q), ...columns(q, [rq.serviceTag, rq.endpointTag, hg.leTag], { before: ['_start'], after: ['_value'] }) };
        await this.run(render('requests-preaggregated.flux', params), 'reading histogram buckets', (v, c) => {
          const le = parseLe(v[c[hg.leTag]] ?? '');
          const n = Number(v[c._value]);
          const t = time(v[c._start]);
          if (le !== null && Number.isFinite(n) && Number.isFinite(t)) stage.leBucket(v[c[rq.serviceTag]] ?? '', v[c[rq.endpointTag]] ?? '', t, le, n, cohortOf(v, c, q));
          else stage.skip(`${this.where}: histogram buckets (tag "${hg.leTag}" not a number or +Inf)`);
        }, q, () => stage.reset());
      },
      preaggregatedUpstreams: async (stage, q) => {
        const params = { ...grouping(stage.slice, q), measurement: ct.measurement, callsField: ct.callsField, retriesField: ct.retriesField, exhaustedField: ct.exhaustedField, filter: upFilter(q), ...columns(q, [up.serviceTag, up.upstreamTag, '_field'], { before: ['_start'], after: ['_value'] }) };
        const which: Record<string, 'calls' | 'retries' | 'exhausted'> = { [ct.callsField]: 'calls', [ct.retriesField]: 'retries', [ct.exhaustedField]: 'exhausted' };
        await this.run(render('upstreams-preaggregated.flux', params), 'reading upstream counters', (v, c) => {
          const field = which[v[c._field] ?? ''];
          const n = Number(v[c._value]);
          const t = time(v[c._start]);
          if (field && Number.isFinite(n) && Number.isFinite(t)) stage.counter(v[c[up.serviceTag]] ?? '', v[c[up.upstreamTag]] ?? '', t, { [field]: n }, cohortOf(v, c, q));
          else stage.skip(`${this.where}: upstream counters`);
        }, q, () => stage.reset());
      },
    };
  }
}
