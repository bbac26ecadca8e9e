/**
 * InfluxV2Source against recorded InfluxDB 2.x responses (annotated CSV in test/fixtures/influx2/) served by
 * a local node:http server: no InfluxDB 2.x can run here, so the Flux queries themselves are checked for
 * shape (request body, injected parameters) only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analysisSettings, loadConfig } from '../../../src/config.ts';
import { analyze } from '../../../src/analysis/analyze.ts';
import { influxSettingsFromUrl, type Influx2Settings } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV2Source } from '../../../src/sources/influx/influx-v2-source.ts';
import { bucketIndex, logBucketBounds } from '../../../src/stats/index.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';
import type { MetricMode } from '../../../src/sources/influx/influx-config.ts';
import { fluxErrors, fluxNodes, loadFluxParser } from './flux-parser.ts';
import { failure } from './influx-test-helpers.ts';

const FIXTURES = new URL('../../fixtures/influx2/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const TOKEN = 'secret-token-7f3a9c';

interface Recorded {
  url: string;
  authorization: string | undefined;
  body: { query: string; dialect?: unknown; type?: string };
}

type Responder = (req: Recorded, res: ServerResponse, n: number) => void;

let server: Server;
let baseUrl: string;
let recorded: Recorded[] = [];
let responder: Responder = () => undefined;

function csv(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
  res.end(body);
}

/** Routes a query to the recorded response for its shape and window. */
function recordedInflux(kind: 'raw' | 'aggregated'): Responder {
  return (req, res) => {
    const q = req.body.query;
    const win = q.includes('time(v: "2026-11-20T13:00:00.000Z")') ? 'before' : 'after';
    if (q.includes('schema.measurements')) return csv(res, fixture('measurements.csv'));
    if (q.includes('|> count()')) return csv(res, fixture(q.includes('"http_request"') ? 'requests-count.csv' : 'upstreams-count.csv'));
    if (kind === 'raw' && q.includes('"http_request"')) return csv(res, fixture(`requests-raw-${win}.csv`));
    if (kind === 'raw') return csv(res, fixture(`upstreams-raw-${win}.csv`));
    if (q.includes('"http_request"')) return csv(res, fixture(`requests-histogram-${win}.csv`));
    if (q.includes('reduce(')) return csv(res, fixture(`upstreams-counters-${win}.csv`));
    return csv(res, fixture(`backoff-histogram-${win}.csv`));
  };
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const r: Recorded = { url: req.url ?? '', authorization: req.headers.authorization, body: text ? (JSON.parse(text) as Recorded['body']) : { query: '' } };
      recorded.push(r);
      responder(r, res, recorded.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  recorded = [];
});

const upgradeAt = Date.parse('2026-11-20T14:00:00Z');
const query = (extra: Partial<MetricQuery> = {}): MetricQuery => ({
  upgradeAt,
  before: { start: upgradeAt - 3_600_000, stop: upgradeAt },
  after: { start: upgradeAt, stop: upgradeAt + 3_600_000 },
  ...extra,
});

function source(overrides: Partial<Influx2Settings> = {}, env: NodeJS.ProcessEnv = { INFLUX_TOKEN: TOKEN }): InfluxV2Source {
  const s = influxSettingsFromUrl(`influx2+${baseUrl}/telemetry?org=acme`, loadConfig(), env) as Influx2Settings;
  s.retry = { ...s.retry, minDelayMs: 10, maxDelayMs: 50, idleTimeoutMs: 5000 };
  return new InfluxV2Source({ ...s, ...overrides });
}

/** A measurements answer listing every measurement of the default schema. */
const ALL_MEASUREMENTS = ['#group,false,false,false', '#datatype,string,long,string', '#default,_result,,', ',result,table,_value']
  .concat(['http_request', 'upstream_call', 'http_request_duration_ms_bucket', 'upstream_calls_total'].map((m) => `,,0,${m}`))
  .join('\r\n');

describe('InfluxV2Source on recorded annotated CSV', () => {
  it('raw mode: reads several tables and annotation blocks into exact samples', async () => {
    responder = recordedInflux('raw');
    const src = source({ modes: { requests: 'raw', upstreams: 'raw' } });
    const w = await src.fetch(query());
    const checkout = w.latency.find((l) => l.endpoint === '/checkout');
    // each value with its one-minute block of the window (13:15, 13:16, 13:17 after a 13:00 start)
    expect(checkout?.before).toEqual({ kind: 'raw', values: Float64Array.from([250, 260.75, 270]), blocks: Uint32Array.from([15, 16, 17]) });
    expect(checkout?.after).toEqual({ kind: 'raw', values: Float64Array.from([300, 310.5]), blocks: Uint32Array.from([15, 16]) });
    const cart = w.latency.find((l) => l.endpoint === '/cart');
    expect(cart?.before.kind === 'raw' && Array.from(cart.before.values)).toEqual([101.5, 99.25]);
    // /login appears after the upgrade only (second annotation block): kept, with a warning
    expect(w.latency.find((l) => l.endpoint === '/login')?.after).toEqual({ kind: 'raw', values: Float64Array.from([12.5]), blocks: Uint32Array.from([30]) });
    expect(w.warnings.some((m) => m.includes('accounts /login') && m.includes('no requests in the before window'))).toBe(true);
    // a row with an empty _value is not used, and says so
    expect(w.warnings).toContain(`InfluxDB 2.x at ${baseUrl.slice('http://'.length)} org "acme" bucket "telemetry": requests: skipped 1 row(s) with a missing or non-numeric field`);
    const pay = w.upstreams.find((u) => u.upstream === 'payments-api');
    expect(pay?.before).toMatchObject({ calls: 3, retries: 5, exhausted: 1 });
    expect(pay?.before.backoff).toEqual({ kind: 'raw', values: Float64Array.from([150.5, 350]), blocks: Uint32Array.from([11, 12]) });
    expect(pay?.after).toMatchObject({ calls: 2, retries: 1, exhausted: 0 });

    // Request shape: POST /api/v2/query?org=acme with the Flux text and the CSV dialect, token in the header
    const raw = recorded.find((r) => r.body.query.includes('"duration_ms"') && r.body.query.includes('keep('));
    expect(raw?.url).toBe('/api/v2/query?org=acme');
    expect(raw?.authorization).toBe(`Token ${TOKEN}`);
    expect(raw?.body.type).toBe('flux');
    expect(raw?.body.dialect).toMatchObject({ header: true, annotations: ['datatype', 'group', 'default'] });
    expect(raw?.body.query).toContain('from(bucket: "telemetry")');
    expect(raw?.body.query).toContain('range(start: time(v: "2026-11-20T13:00:00.000Z"), stop: time(v: "2026-11-20T14:00:00.000Z"))');
    expect(raw?.body.query).toContain('r._measurement == "http_request" and r._field == "duration_ms"');
    expect(raw?.body.query).toContain('filter(fn: (r) => true)');
  });

  it('aggregated mode: cumulative histogram tables become per-bucket counts on the fixed grid', async () => {
    responder = recordedInflux('aggregated');
    const src = source({ modes: { requests: 'auto', upstreams: 'aggregated' } });
    const w = await src.fetch(query());
    expect(src.lastOutcome).toEqual({ requests: 'aggregated', upstreams: 'aggregated' });
    const c = w.latency.find((l) => l.endpoint === '/checkout');
    if (c?.before.kind !== 'histogram' || c.after.kind !== 'histogram') throw new Error('expected histograms');
    const total = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
    expect(total(c.before.counts)).toBe(8);
    expect(total(c.after.counts)).toBe(6);
    // 150 falls in (141.25, 158.49], 300 in (281.84, 316.23], 2000 in (1995.3, 2238.7] on the 20-per-decade grid
    const grid = logBucketBounds({ min: 0.1, max: 100_000, perDecade: 20 });
    const at = (h: { upperBounds: Float64Array; counts: Float64Array }, v: number): number => h.counts[Array.from(h.upperBounds).indexOf(grid[bucketIndex(grid, v)])];
    expect(grid[bucketIndex(grid, 150)]).toBeCloseTo(158.489, 3);
    expect(at(c.before, 150)).toBe(5);
    expect(at(c.before, 300)).toBe(3);
    expect(at(c.after, 2000)).toBe(4);
    expect(c.before.upperBounds).toEqual(c.after.upperBounds);
    const pay = w.upstreams[0];
    expect(pay.before).toMatchObject({ calls: 100, retries: 2, exhausted: 0 });
    expect(pay.after).toMatchObject({ calls: 80, retries: 3, exhausted: 1 });
    if (pay.after.backoff.kind !== 'histogram') throw new Error('expected a backoff histogram');
    expect(total(pay.after.backoff.counts)).toBe(3);
    const hist = recorded.find((r) => r.body.query.includes('histogram(bins:'));
    expect(hist?.body.query).toMatch(/histogram\(bins: \[0\.1,0\.11220184543019\d*,.*,float\(v: "Infinity"\)\]\)/);
    expect(hist?.body.query).toContain('window(every: duration(v: "60000ms"), offset: duration(v: "0ms"))');
  });

  it('fails with UPSTREAM when the response carries an error table mid-stream', async () => {
    responder = (r, res) => csv(res, r.body.query.includes('schema.measurements') ? fixture('measurements.csv') : fixture('error-mid-stream.csv'));
    const e = await failure(source({ modes: { requests: 'raw', upstreams: 'off' } }).fetch(query()));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/127\.0\.0\.1:\d+ org "acme" bucket "telemetry".*mid-stream: runtime error: query exceeded the memory limit/);
  });

  describe('a truncated answer never passes for the whole result (issue 14)', () => {
    const raw = fixture('requests-raw-before.csv');
    // a cut right after a full row: no closing blank line
    const atRowBoundary = raw.slice(0, raw.indexOf('\r\n,,1,2026-11-20T13:16') + 2);
    // a cut inside a row: its last cells are missing
    const insideRow = raw.slice(0, raw.indexOf(',/checkout', raw.indexOf(',,1,2026-11-20T13:16')));
    const cutting = (body: string, times = Infinity): Responder => {
      let cut = 0;
      const real = recordedInflux('raw');
      return (r, res, n) => {
        if (r.body.query.includes('"duration_ms"') && r.body.query.includes('keep(') && !r.body.query.includes('|> count()') && cut < times) {
          cut++;
          return csv(res, body);
        }
        return real(r, res, n);
      };
    };
    for (const [name, body] of [['at a row boundary', atRowBoundary], ['inside a row', insideRow], ['to nothing', '']] as const) {
      it(`cut ${name} with a clean end → UPSTREAM naming the incomplete response`, async () => {
        responder = cutting(body);
        const e = await failure(source({ modes: { requests: 'raw', upstreams: 'off' } }).fetch(query()));
        expect(e.code).toBe('UPSTREAM');
        expect(e.message).toMatch(/reading requests: .*incomplete response/);
      });
    }
    it('cut once → retried, then the whole answer', async () => {
      responder = cutting(atRowBoundary, 1);
      const w = await source({ modes: { requests: 'raw', upstreams: 'off' } }).fetch(query());
      const checkout = w.latency.find((l) => l.endpoint === '/checkout');
      expect(checkout?.before.kind === 'raw' && Array.from(checkout.before.values)).toEqual([250, 260.75, 270]);
    });
  });

  it('fails with NOT_FOUND naming the window when the result is empty', async () => {
    responder = (r, res) => csv(res, r.body.query.includes('schema.measurements') ? fixture('measurements.csv') : fixture('empty.csv'));
    const e = await failure(source({ modes: { requests: 'raw', upstreams: 'raw' } }).fetch(query()));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('no data in the before window 2026-11-20T13:00:00.000Z – 2026-11-20T14:00:00.000Z');
  });

  it('fails with NOT_FOUND naming a measurement the bucket does not have', async () => {
    responder = (_r, res) => csv(res, fixture('measurements.csv'));
    const s = source({ modes: { requests: 'preaggregated', upstreams: 'raw' } });
    const e = await failure(s.fetch(query()));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('measurement "http_request_duration_ms_bucket" not found');
  });

  it('maps 401 to UNAUTHORIZED without retrying, and never shows the token', async () => {
    responder = (_r, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'unauthorized', message: 'unauthorized access' }));
    };
    const logs: string[] = [];
    const e = await failure(source().fetch(query({ log: (m) => logs.push(m) })));
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).toContain('INFLUX_TOKEN');
    expect(recorded).toHaveLength(1);
    expect(`${e.message} ${JSON.stringify(e.details ?? {})} ${logs.join(' ')}`).not.toContain(TOKEN);
  });

  it('fails early with UNAUTHORIZED when the token variable is not set', async () => {
    const e = await failure(source({}, {}).fetch(query()));
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).toContain('set the INFLUX_TOKEN environment variable');
    expect(recorded).toHaveLength(0);
  });

  it('retries a 429 after the Retry-After delay, then succeeds; the token stays out of logs and the windows', async () => {
    const raw = recordedInflux('raw');
    const hitAt: number[] = [];
    responder = (r, res, n) => {
      hitAt.push(Date.now());
      if (n === 1) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ code: 'too many requests', message: 'org acme over its query quota' }));
        return;
      }
      raw(r, res, n);
    };
    const logs: string[] = [];
    const w = await source({ modes: { requests: 'raw', upstreams: 'raw' } }).fetch(query({ log: (m) => logs.push(m) }));
    expect(hitAt[1] - hitAt[0]).toBeGreaterThanOrEqual(950);
    expect(logs.some((m) => m.includes('HTTP 429') && m.includes('retrying in 1000 ms'))).toBe(true);
    expect(w.latency.length).toBe(3);
    expect(JSON.stringify({ logs, source: w.source, warnings: w.warnings })).not.toContain(TOKEN);
    const result = analyze(w, analysisSettings(loadConfig()));
    expect(result.report.source).toBe(`influx2 ${baseUrl} org=acme bucket=telemetry`);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('gives up on repeated 503s after the configured retries with UPSTREAM', async () => {
    responder = (_r, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('service unavailable');
    };
    const s = source({});
    const e = await failure(s.fetch(query()));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/failed after 4 attempts: .*HTTP 503/);
    expect(recorded).toHaveLength(4);
  });

  it('fails with UPSTREAM naming host:port when nothing listens', async () => {
    const s = influxSettingsFromUrl('influx2+http://127.0.0.1:1/telemetry?org=acme', loadConfig(), { INFLUX_TOKEN: TOKEN }) as Influx2Settings;
    s.retry = { ...s.retry, retries: 1, minDelayMs: 10, maxDelayMs: 20 };
    const e = await failure(new InfluxV2Source(s).fetch(query()));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/127\.0\.0\.1:1 .*ECONNREFUSED/);
  });

  it('abandons an attempt that gets no data within the idle timeout, retries, then fails with UPSTREAM', async () => {
    responder = () => undefined; // accepts the request, never answers
    const s = source();
    const settings = (s as unknown as { settings: Influx2Settings }).settings;
    const slow = new InfluxV2Source({ ...settings, retry: { ...settings.retry, retries: 1, idleTimeoutMs: 150 } });
    const e = await failure(slow.fetch(query()));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/listing measurements: failed after 2 attempts/);
    expect(recorded).toHaveLength(2);
  });

  it('stops when the caller aborts', async () => {
    responder = () => undefined; // never answers
    const ctl = new AbortController();
    const p = source().fetch(query({ signal: ctl.signal }));
    setTimeout(() => ctl.abort(), 50);
    const e = await failure(p);
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('cancelled');
  });
});

describe('the Flux the source sends', () => {
  const EVIL = ['x" or true //', '"); drop(bucket: "telemetry") //', 'a\\" ${r._value}'];

  it('parses with the official Flux parser in every mode, with injection attempts as plain string literals', async () => {
    responder = (r, res) => {
      const q = r.body.query;
      if (q.includes('schema.measurements')) return csv(res, `${ALL_MEASUREMENTS}\r\n\r\n`);
      if (q.includes('|> count()')) return csv(res, fixture('requests-count.csv'));
      return csv(res, fixture('empty.csv'));
    };
    const modes: Array<{ requests: MetricMode; upstreams: MetricMode }> = [
      { requests: 'raw', upstreams: 'raw' },
      { requests: 'aggregated', upstreams: 'aggregated' },
      { requests: 'preaggregated', upstreams: 'preaggregated' },
    ];
    for (const m of modes) await failure(source({ modes: m }).fetch(query({ services: [EVIL[0], EVIL[1]], endpoints: [EVIL[2]] })));
    const queries = [...new Set(recorded.map((r) => r.body.query))];
    // measurements, 2 counts, and per window: raw ×2, histogram + counters + backoff, preaggregated ×2
    expect(queries.length).toBeGreaterThanOrEqual(1 + 2 + 2 * (2 + 3 + 2));
    const parser = await loadFluxParser();
    for (const q of queries) {
      const ast = parser.parse(q);
      expect(fluxErrors(ast), q).toEqual([]);
      if (q.includes('contains(')) {
        const strings = fluxNodes(ast, 'StringLiteral').map((n) => n.value);
        for (const evil of q.includes('"endpoint"') ? EVIL : EVIL.slice(0, 2)) expect(strings).toContain(evil);
      }
    }
    // a sample query really has the pipeline shape the files describe
    const hist = queries.find((q) => q.includes('histogram(')) as string;
    const ast = parser.parse(hist);
    const calleeName = (c: unknown): string | undefined => ((c as { callee?: { name?: string } }).callee ?? {}).name;
    // pipe stages are PipeExpression.call (no `type` of their own); plain calls are CallExpression nodes
    const calls = [...fluxNodes(ast, 'CallExpression').map(calleeName), ...fluxNodes(ast, 'PipeExpression').map((p) => calleeName(p.call))];
    expect(calls).toEqual(expect.arrayContaining(['from', 'range', 'filter', 'group', 'window', 'histogram', 'keep', 'contains']));
  });
});

describe('InfluxV2Source with a cohort baseline (recorded format)', () => {
  const cohortQuery = (): MetricQuery => {
    const after = { start: upgradeAt, stop: upgradeAt + 3_600_000 };
    return { upgradeAt, before: { ...after }, after, baseline: { kind: 'cohort', tag: 'variant', control: 'disabled' } };
  };

  it('raw mode: reads the after window only, groups and keeps the cohort tag, and splits each series by it', async () => {
    responder = (r, res) => {
      const q = r.body.query;
      if (q.includes('schema.measurements')) return csv(res, fixture('measurements.csv'));
      if (q.includes('|> count()')) return csv(res, fixture(q.includes('"http_request"') ? 'requests-count.csv' : 'upstreams-count.csv'));
      return csv(res, fixture(q.includes('"http_request"') ? 'requests-raw-cohort.csv' : 'upstreams-raw-cohort.csv'));
    };
    const w = await source({ modes: { requests: 'raw', upstreams: 'raw' } }).fetch(cohortQuery());
    const checkout = w.latency.find((l) => l.endpoint === '/checkout');
    expect(checkout?.before.kind === 'raw' && Array.from(checkout.before.values)).toEqual([300, 310, 305]);
    expect(checkout?.after.kind === 'raw' && Array.from(checkout.after.values)).toEqual([900, 950.5]);
    const pay = w.upstreams.find((u) => u.upstream === 'payments-api');
    expect(pay?.before).toMatchObject({ calls: 2, retries: 1, exhausted: 0 });
    expect(pay?.after).toMatchObject({ calls: 1, retries: 2, exhausted: 1 });
    // the /cart row has no variant: left out and counted
    expect(w.baseline).toEqual({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'], untagged: 1 });
    const pulls = recorded.filter((r) => r.body.query.includes('keep(') && !r.body.query.includes('count()'));
    // after window only: one pull per metric, none of the hour before the upgrade
    expect(pulls).toHaveLength(2);
    for (const p of pulls) expect(p.body.query).not.toContain('2026-11-20T13:00:00.000Z');
    expect(pulls.find((p) => p.body.query.includes('"http_request"'))?.body.query).toContain('keep(columns: ["_time","_value","service","endpoint","variant"])');
  });

  it('every aggregated and pre-aggregated query groups by the cohort tag and parses with the official Flux parser', async () => {
    responder = (r, res) => {
      const q = r.body.query;
      if (q.includes('schema.measurements')) return csv(res, `${ALL_MEASUREMENTS}\r\n\r\n`);
      if (q.includes('|> count()')) return csv(res, fixture('requests-count.csv'));
      return csv(res, fixture('empty.csv'));
    };
    for (const m of [{ requests: 'aggregated', upstreams: 'aggregated' }, { requests: 'preaggregated', upstreams: 'preaggregated' }] as const) await failure(source({ modes: m }).fetch(cohortQuery()));
    const grouped = [...new Set(recorded.map((r) => r.body.query))].filter((q) => q.includes('group(columns:'));
    // histogram, counters and backoff; le buckets and upstream counters
    expect(grouped).toHaveLength(5);
    const parser = await loadFluxParser();
    for (const q of grouped) {
      expect(fluxErrors(parser.parse(q)), q).toEqual([]);
      expect(q, q).toMatch(/group\(columns: \[[^\]]*"variant"\]\)/);
      expect(q, q).toMatch(/keep\(columns: \[[^\]]*"variant"[^\]]*\]\)/);
    }
  });
});
