/**
 * MetricSource on the InfluxDB 1.x HTTP API: InfluxQL over `POST /query` with `chunked=true&epoch=ms`.
 * The body is a sequence of documents of at most `chunkSize` rows each, MessagePack by default (`format`; a
 * server or proxy that answers JSON lines instead is read as such); they are parsed one at a time into a stage,
 * so memory holds one chunk plus typed arrays.
 * Several statements travel `;`-joined in one request; `statement_id` tells their results apart.
 */
import type { MetricWindows, TimeRange } from '../../analysis/types.ts';
import { AppError } from '../../errors.ts';
import { bucketBounds, fetchFromInflux, type FetchOutcome, type InfluxDialect, type InfluxStage, type ValueRange, type WindowCount } from './influx-fetch.ts';
import type { Influx1Settings } from './influx-config.ts';
import {
  bucketCondition,
  cohortGroupBy,
  durationMs,
  ident,
  joinFragments,
  measurementRef,
  queryTemplate,
  renderInfluxQL,
  tagFilter,
  timeMs,
  type InfluxQLFragment,
} from './influx-escape.ts';
import { hostPort, parseRetryAfter, pingInflux, RetriableError, streamDocuments, withRetries, MSGPACK_TYPE, type V1BodyFormat, isRetriableStatus, type Attempt, type ResponseError } from './influx-http.ts';
import type { MetricQuery, MetricSource } from '../metric-source.ts';
import { AGGREGATED_SCANS_PER_SLICE, RAW_POINTS_PER_SLICE } from './influx-plan.ts';
import { V1ResponseCompleteness, type V1Result, type V1Series } from './influx-v1-completeness.ts';
import { rowReader, type NumericRows } from './numeric-rows.ts';

type SeriesHandler = (statement: number, series: V1Series) => void;
/** A series of a raw pull, decoded with `numericValues` (its values may be NumericRows). */
type RawV1Series = Omit<V1Series, 'values'> & { values?: unknown[][] | NumericRows };
/** One chunk of a 1.x answer, in either body format. */
type V1Document = { results?: V1Result[]; error?: string };

/** Maps an InfluxDB 1.x error text to our closed error codes. */
function classifyV1Error(text: string): 'NOT_FOUND' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'UPSTREAM' {
  if (/database not found|retention policy not found/i.test(text)) return 'NOT_FOUND';
  if (/authorization failed|unable to parse authentication credentials|authentication/i.test(text)) return 'UNAUTHORIZED';
  if (/not authorized/i.test(text)) return 'FORBIDDEN';
  return 'UPSTREAM';
}

/** Series per request beyond which a raw pull groups by tags in one statement (each statement has its own setup). */
const MAX_SERIES_STATEMENTS = 64;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export class InfluxV1Source implements MetricSource {
  readonly description: string;
  /** Bytes of response bodies received since construction (for the benchmark). */
  bytesReceived = 0;
  /** Answers read per body format since construction (MessagePack unless the server or `format` said otherwise). */
  readonly answersByFormat: Record<V1BodyFormat, number> = { msgpack: 0, json: 0 };
  readonly lastOutcome: FetchOutcome = { requests: 'auto', upstreams: 'auto' };
  private readonly settings: Influx1Settings;
  private readonly where: string;

  constructor(settings: Influx1Settings) {
    this.settings = settings;
    this.where = `InfluxDB 1.x at ${hostPort(settings.url)} db "${settings.db}"${settings.rp ? ` rp "${settings.rp}"` : ''}`;
    this.description = `influx1 ${settings.url.protocol}//${settings.url.host} db=${settings.db}${settings.rp ? ` rp=${settings.rp}` : ''}`;
  }

  ping(signal?: AbortSignal): Promise<void> {
    return pingInflux(this.settings.url, this.settings.retry, this.where, signal);
  }

  fetch(query: MetricQuery): Promise<MetricWindows> {
    return fetchFromInflux(this.dialect(), this.settings, query, this.description, this.lastOutcome);
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      // influxd compares the whole header (no q-weights); one that does not do MessagePack answers JSON, read as such.
      accept: this.settings.format === 'msgpack' ? MSGPACK_TYPE : 'application/json',
      // Uncompressed unless asked: gzip costs influxd more CPU than the whole encoding (README); a LAN does not need it.
      'accept-encoding': this.settings.gzip ? 'gzip' : 'identity',
    };
    const { user, password } = this.settings;
    // Basic auth in a header, not u=/p= query parameters, which proxies and server logs record.
    if (user !== undefined || password !== undefined) h.authorization = `Basic ${Buffer.from(`${user ?? ''}:${password ?? ''}`).toString('base64')}`;
    return h;
  }

  private fail(e: ResponseError, what: string): never {
    let text = e.body;
    try {
      text = (JSON.parse(e.body) as { error?: string }).error ?? e.body;
    } catch {
      // not JSON: keep the text
    }
    const msg = `${this.where}: ${what}: HTTP ${e.status}${text ? `: ${text.trim()}` : ''}`;
    if (isRetriableStatus(e.status)) throw new RetriableError(msg, { retryAfterMs: e.retryAfter === null ? null : parseRetryAfter(e.retryAfter, Date.now()) });
    if (e.status === 401) throw new AppError('UNAUTHORIZED', `${this.where}: authorization failed (check the user and password, e.g. INFLUX_USER/INFLUX_PASSWORD)`);
    if (e.status === 403) throw new AppError('FORBIDDEN', msg);
    if (e.status === 404) throw new AppError('NOT_FOUND', `${this.where}: no /query endpoint (is this an InfluxDB 1.x server?)`);
    throw new AppError(classifyV1Error(text), msg);
  }

  /**
   * Runs `;`-joined statements as one retried request. `onSeries` receives rows as they stream; the caller's
   * stage is only committed after this resolves, and `reset` clears it before a retry.
   */
  private async run(statements: InfluxQLFragment, what: string, onSeries: SeriesHandler, query: MetricQuery, reset?: () => void, numericValues = false): Promise<void> {
    const q = statements.text;
    await withRetries(
      async (attempt: Attempt) => {
        if (attempt.number > 0) reset?.();
        const completeness = new V1ResponseCompleteness(statements.statements ?? 1);
        const body = new URLSearchParams({ q, db: this.settings.db, epoch: 'ms', chunked: 'true', chunk_size: String(this.settings.chunkSize) });
        if (this.settings.rp) body.set('rp', this.settings.rp);
        const { bytes, format } = await streamDocuments(
          { url: new URL('/query', this.settings.url), method: 'POST', headers: this.headers(), body, attempt },
          `${this.where}: ${what}`,
          (doc) => this.onDocument(doc as V1Document, what, onSeries, completeness),
          (e) => this.fail(e, what),
          { numericValues },
        );
        this.bytesReceived += bytes;
        this.answersByFormat[format] += 1;
        const missing = completeness.missing();
        // Retried: a cut connection usually answers in full the next time. A server-side row limit answers the
        // same way every time, and then the query fails (exit 2) instead of passing half the data as all of it.
        if (missing !== null) {
          throw new RetriableError(`${this.where}: ${what}: incomplete response after ${bytes} bytes: ${missing} (connection cut short, or a server limit such as max-row-limit)`);
        }
      },
      { retry: this.settings.retry, what: `${this.where}: ${what}`, signal: query.signal, log: query.log },
    );
  }

  private onDocument(doc: V1Document, what: string, onSeries: SeriesHandler, completeness: V1ResponseCompleteness): void {
    if (doc.error) throw new AppError(classifyV1Error(doc.error), `${this.where}: ${what}: ${doc.error}`);
    for (const r of doc.results ?? []) {
      if (r.error) throw new AppError(classifyV1Error(r.error), `${this.where}: ${what}: ${r.error}`);
      completeness.onResult(r);
      for (const s of r.series ?? []) onSeries(r.statement_id ?? 0, s);
    }
  }

  /** min/max of a range query (one row; none when the window has no values). */
  private async valueRange(statement: InfluxQLFragment, what: string, query: MetricQuery): Promise<ValueRange> {
    const out: ValueRange = { min: null, max: null };
    await this.run(statement, `reading ${what}`, (_st, x) => {
      const row = x.values?.[0];
      if (!row) return;
      const lo = num(row[x.columns.indexOf('min')]);
      const hi = num(row[x.columns.indexOf('max')]);
      if (lo !== null) out.min = out.min === null ? lo : Math.min(out.min, lo);
      if (hi !== null) out.max = out.max === null ? hi : Math.max(out.max, hi);
    }, query, () => Object.assign(out, { min: null, max: null }));
    return out;
  }

  private dialect(): InfluxDialect {
    const s = this.settings;
    const { request: rq, upstream: up, histogram: hg, counters: ct } = s.schema;
    const m = (name: string): InfluxQLFragment => measurementRef(name, s.rp);
    const range = (w: TimeRange): Record<string, InfluxQLFragment> => ({ start: timeMs(w.start), stop: timeMs(w.stop) });
    const reqFilter = (q: MetricQuery): InfluxQLFragment =>
      joinFragments([tagFilter(rq.serviceTag, q.services), tagFilter(rq.endpointTag, q.endpoints)], '');
    const upFilter = (q: MetricQuery): InfluxQLFragment => tagFilter(up.serviceTag, q.services);
    const grouping = (w: TimeRange, q: MetricQuery): Record<string, InfluxQLFragment> => ({
      interval: durationMs(s.aggregationIntervalMs),
      // Offset aligns the GROUP BY time buckets with the upgrade, so no interval straddles it.
      offset: durationMs(((q.upgradeAt % s.aggregationIntervalMs) + s.aggregationIntervalMs) % s.aggregationIntervalMs),
      ...range(w),
    });
    const upParams = (q: MetricQuery): Record<string, InfluxQLFragment> => ({
      measurement: m(up.measurement),
      attemptsField: ident(up.attemptsField),
      backoffField: ident(up.backoffField),
      okField: ident(up.okField),
      serviceTag: ident(up.serviceTag),
      upstreamTag: ident(up.upstreamTag),
      filter: upFilter(q),
      cohortGroup: cohortGroup(q),
    });
    const tag = (x: Pick<V1Series, 'tags'>, name: string): string => x.tags?.[name] ?? '';
    // Cohort baseline: every pulling query also groups by the cohort tag, and each row carries its value (a point
    // without the tag comes back with "" and counts as untagged).
    const cohortTag = (q: MetricQuery): string | null => (q.baseline?.kind === 'cohort' ? q.baseline.tag : null);
    const cohortOf = (x: Pick<V1Series, 'tags'>, q: MetricQuery): string | undefined => {
      const t = cohortTag(q);
      const v = t === null ? '' : tag(x, t);
      return v === '' ? undefined : v;
    };
    const cohortGroup = (q: MetricQuery): InfluxQLFragment => cohortGroupBy(cohortTag(q));
    const col = (x: Pick<V1Series, 'columns'>, name: string): number => x.columns.indexOf(name);
    /** Count rows grouped by the series tags: the total and the per-series points (the value range is asked apart). */
    const addCountRow = (out: WindowCount, x: V1Series, a: string, b: string): void => {
      const row = x.values?.[0];
      if (!row) return;
      const c = num(row[col(x, 'count')]);
      if (c === null) return;
      out.count += c;
      const oks = col(x, 'oks') < 0 ? null : num(row[col(x, 'oks')]);
      if (oks !== null && oks > c) out.withoutAttempts = (out.withoutAttempts ?? 0) + (oks - c);
      const key = `${tag(x, a)}\u0000${tag(x, b)}`;
      if (!out.perSeries?.has(key)) out.seriesTags?.push([tag(x, a), tag(x, b)]);
      out.perSeries?.set(key, (out.perSeries.get(key) ?? 0) + c);
    };
    /** Rows of a raw upstream series (upstreams-raw, statement 1 of upstreams-split) into the stage. */
    const stageCalls = (stage: InfluxStage, x: RawV1Series, q: MetricQuery): void => {
      const svc = tag(x, up.serviceTag);
      const name = tag(x, up.upstreamTag);
      const cohort = cohortOf(x, q);
      const [ia, ib, io] = [col(x, 'attempts'), col(x, 'backoff'), col(x, 'ok')];
      const rows = rowReader(x.values);
      for (let r = 0; r < rows.length; r++) {
        const t = rows.number(r, 0);
        const a = ia < 0 ? null : rows.number(r, ia);
        if (t === null || a === null) {
          stage.skip(`${this.where}: upstream calls`);
          continue;
        }
        stage.call(svc, name, t, a, (ib < 0 ? null : rows.number(r, ib)) ?? 0, io < 0 || !rows.isFalse(r, io), cohort);
      }
    };
    /** `, count(ok) AS "oks"` when the upstream pull may be split (raw or auto mode; see upstreams-count.influxql). */
    const okCount = (): InfluxQLFragment =>
      renderInfluxQL(s.splitUpstreams !== false && (s.modes.upstreams === 'raw' || s.modes.upstreams === 'auto') ? ', count(${okField}) AS "oks"' : '', { okField: ident(up.okField) }, 'upstreams-count.influxql');
    const emptyCount = (): WindowCount => ({ count: 0, min: null, max: null, perSeries: new Map(), seriesTags: [] });
    const perBucket = (template: string, stage: InfluxStage, params: Record<string, InfluxQLFragment>, field: string): InfluxQLFragment[] => {
      const r = stage.range;
      if (!r) throw new AppError('INTERNAL', 'aggregated query without a bucket range');
      const out: InfluxQLFragment[] = [];
      for (let i = r.first; i <= r.last; i++) {
        const b = bucketBounds(r, i);
        out.push(renderInfluxQL(queryTemplate(template), { ...params, bucket: bucketCondition(field, b.lower, b.upper) }, template));
      }
      return out;
    };

    return {
      where: this.where,
      checkMeasurements: async (measurements, q) => {
        // SHOW MEASUREMENTS on a missing database answers with no rows, so the database is checked first.
        const found = new Set<number>();
        let dbExists = false;
        const stmts = measurements.map((name) => renderInfluxQL('SHOW MEASUREMENTS WITH MEASUREMENT = ${m}', { m: ident(name) }, 'checkMeasurements'));
        await this.run(joinFragments([renderInfluxQL('SHOW DATABASES', {}, 'checkMeasurements'), ...stmts], '; '), 'checking measurements', (st, x) => {
          if (st === 0) dbExists ||= (x.values ?? []).some((row) => row[0] === s.db);
          else if ((x.values?.length ?? 0) > 0) found.add(st - 1);
        }, q);
        if (!dbExists) throw new AppError('NOT_FOUND', `${this.where}: database not found`);
        const missing = measurements.filter((_n, i) => !found.has(i));
        if (missing.length > 0) throw new AppError('NOT_FOUND', `${this.where}: measurement ${missing.map((n) => `"${n}"`).join(', ')} not found`);
      },
      countRequests: async (w, q) => {
        const out = emptyCount();
        const params = { ...range(w), measurement: m(rq.measurement), durationField: ident(rq.durationField), serviceTag: ident(rq.serviceTag), endpointTag: ident(rq.endpointTag), filter: reqFilter(q) };
        await this.run(renderInfluxQL(queryTemplate('requests-count.influxql'), params, 'requests-count.influxql'), 'counting requests', (_st, x) => addCountRow(out, x, rq.serviceTag, rq.endpointTag), q, () => Object.assign(out, emptyCount()));
        return out;
      },
      countUpstreams: async (w, q) => {
        const out = emptyCount();
        const text = renderInfluxQL(
          queryTemplate('upstreams-count.influxql'),
          { ...range(w), measurement: m(up.measurement), attemptsField: ident(up.attemptsField), serviceTag: ident(up.serviceTag), upstreamTag: ident(up.upstreamTag), filter: upFilter(q), okCount: okCount() },
          'upstreams-count.influxql',
        );
        await this.run(text, 'counting upstream calls', (_st, x) => addCountRow(out, x, up.serviceTag, up.upstreamTag), q, () => Object.assign(out, emptyCount()));
        return out;
      },
      rangeRequests: async (w, q) => {
        const params = { ...range(w), measurement: m(rq.measurement), durationField: ident(rq.durationField), filter: reqFilter(q) };
        return this.valueRange(renderInfluxQL(queryTemplate('requests-range.influxql'), params, 'requests-range.influxql'), 'the latency range', q);
      },
      rangeUpstreams: async (w, q) => {
        const params = { ...range(w), measurement: m(up.measurement), attemptsField: ident(up.attemptsField), backoffField: ident(up.backoffField), filter: upFilter(q) };
        return this.valueRange(renderInfluxQL(queryTemplate('upstreams-range.influxql'), params, 'upstreams-range.influxql'), 'the backoff range', q);
      },
      slicing: { rawPoints: RAW_POINTS_PER_SLICE, aggregatedScans: AGGREGATED_SCANS_PER_SLICE },
      // One full scan per bucket (InfluxQL cannot group by a field value), plus calls and exhausted for upstreams.
      aggregatedStatements: (metric, r) => r.last - r.first + 1 + (metric === 'upstreams' ? 2 : 0),
      rawRequests: async (stage, q) => {
        const params = { ...range(stage.slice), measurement: m(rq.measurement), durationField: ident(rq.durationField), serviceTag: ident(rq.serviceTag), endpointTag: ident(rq.endpointTag), cohortGroup: cohortGroup(q) };
        const render = (filter: InfluxQLFragment): InfluxQLFragment => renderInfluxQL(queryTemplate('requests-raw.influxql'), { ...params, filter }, 'requests-raw.influxql');
        // One statement per series the count found: influxd then streams each series' points as they are stored,
        // where a GROUP BY over all of them merges them through a heap point by point (≈ 30 % of its CPU on a raw
        // pull, measured with curl on 2.5 M points). A series first written after the count is not asked for; it
        // was not counted either, as if the pull had run at the time of the count.
        const known = stage.knownSeries;
        const text =
          known !== null && known.length > 0 && known.length <= MAX_SERIES_STATEMENTS
            ? joinFragments(known.map(([svc, ep]) => render(joinFragments([tagFilter(rq.serviceTag, [svc]), tagFilter(rq.endpointTag, [ep]), reqFilter(q)], ''))), ';\n')
            : render(reqFilter(q));
        await this.run(text, 'reading requests', (_st, x: RawV1Series) => {
          const svc = tag(x, rq.serviceTag);
          const ep = tag(x, rq.endpointTag);
          const cohort = cohortOf(x, q);
          const vi = x.columns.length - 1;
          const rows = rowReader(x.values);
          for (let r = 0; r < rows.length; r++) {
            const v = rows.number(r, vi);
            const t = rows.number(r, 0);
            if (v === null || t === null) stage.skip(`${this.where}: requests`);
            else stage.request(svc, ep, t, v, cohort);
          }
        }, q, () => stage.reset(), true);
      },
      rawUpstreams: async (stage, q) => {
        const text = renderInfluxQL(
          queryTemplate('upstreams-raw.influxql'),
          { ...range(stage.slice), ...upParams(q) },
          'upstreams-raw.influxql',
        );
        await this.run(text, 'reading upstream calls', (_st, x: RawV1Series) => stageCalls(stage, x, q), q, () => stage.reset(), true);
      },
      splitUpstreams: async (stage, q) => {
        const b = stage.plainBucket;
        if (!b) throw new AppError('INTERNAL', 'split upstream pull without a uniform bucket');
        const text = renderInfluxQL(
          queryTemplate('upstreams-split.influxql'),
          { ...range(stage.slice), ...upParams(q), interval: durationMs(b.ms), offset: durationMs(b.offsetMs) },
          'upstreams-split.influxql',
        );
        await this.run(text, 'reading upstream calls', (st, x: RawV1Series) => {
          if (st === 1) return stageCalls(stage, x, q);
          const svc = tag(x, up.serviceTag);
          const name = tag(x, up.upstreamTag);
          const cohort = cohortOf(x, q);
          const ic = col(x, 'calls');
          const rows = rowReader(x.values);
          for (let r = 0; r < rows.length; r++) {
            const t = rows.number(r, 0);
            const n = ic < 0 ? null : rows.number(r, ic);
            // A row without a count or time cannot be placed: its calls stay missing and the count check re-pulls.
            if (t !== null && n !== null) stage.plainCalls(svc, name, t, n, cohort);
          }
        }, q, () => stage.reset(), true);
      },
      aggregatedRequests: async (stage, q) => {
        const params = { ...grouping(stage.slice, q), measurement: m(rq.measurement), durationField: ident(rq.durationField), serviceTag: ident(rq.serviceTag), endpointTag: ident(rq.endpointTag), filter: reqFilter(q), cohortGroup: cohortGroup(q) };
        const stmts = perBucket('requests-histogram.influxql', stage, params, rq.durationField);
        const first = stage.range?.first ?? 0;
        await this.run(joinFragments(stmts, ';\n'), 'aggregating requests', (st, x) => {
          const svc = tag(x, rq.serviceTag);
          const ep = tag(x, rq.endpointTag);
          for (const row of x.values ?? []) {
            const t = num(row[0]);
            const c = num(row[1]);
            if (t !== null && c !== null && c > 0) stage.requestBucket(svc, ep, t, first + st, c, cohortOf(x, q));
          }
        }, q, () => stage.reset());
      },
      aggregatedUpstreams: async (stage, q) => {
        const params = { ...grouping(stage.slice, q), ...upParams(q) };
        const counters = renderInfluxQL(queryTemplate('upstreams-counters.influxql'), params, 'upstreams-counters.influxql');
        const backoff = perBucket('backoff-histogram.influxql', stage, params, up.backoffField);
        const first = stage.range?.first ?? 0;
        await this.run(joinFragments([counters, ...backoff], ';\n'), 'aggregating upstream calls', (st, x) => {
          const svc = tag(x, up.serviceTag);
          const name = tag(x, up.upstreamTag);
          const cohort = cohortOf(x, q);
          for (const row of x.values ?? []) {
            const t = num(row[0]);
            if (t === null) continue;
            if (st === 0) {
              const calls = num(row[col(x, 'calls')]) ?? 0;
              const attempts = num(row[col(x, 'attempts')]) ?? calls;
              stage.counter(svc, name, t, { calls, retries: Math.max(0, attempts - calls) }, cohort);
            } else if (st === 1) stage.counter(svc, name, t, { exhausted: num(row[col(x, 'exhausted')]) ?? 0 }, cohort);
            else {
              const c = num(row[1]);
              if (c !== null && c > 0) stage.backoffBucket(svc, name, t, first + st - 2, c, cohort);
            }
          }
        }, q, () => stage.reset());
      },
      preaggregatedRequests: async (stage, q) => {
        const text = renderInfluxQL(
          queryTemplate('requests-preaggregated.influxql'),
          { ...grouping(stage.slice, q), measurement: m(hg.measurement), countField: ident(hg.countField), serviceTag: ident(rq.serviceTag), endpointTag: ident(rq.endpointTag), leTag: ident(hg.leTag), filter: reqFilter(q), cohortGroup: cohortGroup(q) },
          'requests-preaggregated.influxql',
        );
        await this.run(text, 'reading histogram buckets', (_st, x) => {
          const le = parseLe(tag(x, hg.leTag));
          if (le === null) {
            stage.skip(`${this.where}: histogram buckets (tag "${hg.leTag}" not a number or +Inf)`, x.values?.length ?? 0);
            return;
          }
          for (const row of x.values ?? []) {
            const t = num(row[0]);
            const c = num(row[1]);
            if (t !== null && c !== null) stage.leBucket(tag(x, rq.serviceTag), tag(x, rq.endpointTag), t, le, c, cohortOf(x, q));
          }
        }, q, () => stage.reset());
      },
      preaggregatedUpstreams: async (stage, q) => {
        const text = renderInfluxQL(
          queryTemplate('upstreams-preaggregated.influxql'),
          {
            ...grouping(stage.slice, q),
            measurement: m(ct.measurement),
            callsField: ident(ct.callsField),
            retriesField: ident(ct.retriesField),
            exhaustedField: ident(ct.exhaustedField),
            serviceTag: ident(up.serviceTag),
            upstreamTag: ident(up.upstreamTag),
            filter: upFilter(q),
            cohortGroup: cohortGroup(q),
          },
          'upstreams-preaggregated.influxql',
        );
        await this.run(text, 'reading upstream counters', (_st, x) => {
          const cohort = cohortOf(x, q);
          for (const row of x.values ?? []) {
            const t = num(row[0]);
            if (t === null) continue;
            stage.counter(tag(x, up.serviceTag), tag(x, up.upstreamTag), t, {
              calls: num(row[col(x, 'calls')]) ?? 0,
              retries: num(row[col(x, 'retries')]) ?? 0,
              exhausted: num(row[col(x, 'exhausted')]) ?? 0,
            }, cohort);
          }
        }, q, () => stage.reset());
      },
    };
  }
}

/** Prometheus-style `le` label: a number or +Inf. */
export function parseLe(text: string): number | null {
  if (/^\+?inf$/i.test(text.trim())) return Infinity;
  const v = Number(text);
  return text.trim() !== '' && Number.isFinite(v) ? v : null;
}
