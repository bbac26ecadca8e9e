/**
 * Issue 14 item 1: a truncated InfluxDB 1.x answer must never pass for the whole result. A real fault proxy
 * (influx-fault-proxy.ts) sits in front of the real InfluxDB 1.x and damages answers at document boundaries, so
 * nothing looks wrong at the HTTP level. Every case ends with all rows or a visible failure (UPSTREAM, exit 2), for
 * both body formats the source reads: MessagePack (the default) and JSON lines (`format: 'json'`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { influxSettingsFromUrl, type Influx1Settings, type MetricMode } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';
import type { MetricWindows, SampleSet } from '../../../src/analysis/types.ts';
import { cutInsideLine, dropLine, InfluxFaultProxy, keepFirstLines, partialOnLastLine } from './influx-fault-proxy.ts';
import { failure, influxQuery, uniqueDbName, writeLines, hourQuery, HOUR, TEST_UPGRADE_AT } from './influx-test-helpers.ts';

const url = inject('influxUrl');
const config = loadConfig();
const upgradeAt = TEST_UPGRADE_AT;
const query = hourQuery;
const db = uniqueDbName('aftershock_trunc');
/** Rows per endpoint per window: /a alone is 8 chunks of 1 000, the whole window 8 000 rows. */
const ROWS: Record<string, number> = { '/a': 4000, '/b': 2000, '/c': 2000 };
const proxy = new InfluxFaultProxy(url);

const isRaw = (q: string): boolean => q.includes('SELECT "duration_ms" FROM "http_request"');
const isHistogram = (q: string): boolean => q.includes('"http_request"') && /GROUP BY time\(/.test(q);

type Format = Influx1Settings['format'];

function sourceIn(format: Format, mode: MetricMode, log?: string[]): { src: InfluxV1Source; q: MetricQuery } {
  const s = influxSettingsFromUrl(`influx1+${proxy.url}/${db}`, config, {}) as Influx1Settings;
  const src = new InfluxV1Source({ ...s, format, chunkSize: 1000, modes: { requests: mode, upstreams: 'off' }, retry: { ...s.retry, retries: 2, minDelayMs: 10, maxDelayMs: 20 } });
  return { src, q: query({ log: (m) => log?.push(m) }) };
}

const total = (s: SampleSet): number => (s.kind === 'raw' ? s.values.length : s.counts.reduce((a, b) => a + b, 0));
const perEndpoint = (w: MetricWindows): Record<string, [number, number]> =>
  Object.fromEntries(w.latency.map((l) => [l.endpoint, [total(l.before), total(l.after)]]));
const expected = Object.fromEntries(Object.entries(ROWS).map(([e, n]) => [e, [n, n]]));

beforeAll(async () => {
  await influxQuery(url, `CREATE DATABASE "${db}"`);
  const lines: string[] = [];
  for (const start of [upgradeAt - HOUR, upgradeAt]) {
    for (const [ep, n] of Object.entries(ROWS)) {
      for (let i = 0; i < n; i++) {
        const t = start + Math.floor((i * HOUR) / n);
        lines.push(`http_request,service=shop,endpoint=${ep} duration_ms=${(1 + ((i * 37) % 500)).toFixed(3)} ${t}000000`);
      }
    }
  }
  await writeLines(url, db, `${lines.join('\n')}\n`);
  await proxy.start();
}, 60_000);

// Requests of the previous test's failed fetch must not meet this test's fault rules.
beforeEach(() => proxy.settle());

afterAll(async () => {
  await proxy.stop();
  await influxQuery(url, `DROP DATABASE "${db}"`);
});

describe.each(['msgpack', 'json'] as const)('InfluxV1Source never takes a truncated %s answer for the whole result (real InfluxDB 1.x behind a fault proxy)', (format) => {
  const source = (mode: MetricMode, log?: string[]) => sourceIn(format, mode, log);

  it('undamaged through the proxy: 8 000 rows per window in chunks of 1 000, all of them, in the format asked', async () => {
    proxy.rules = [];
    const { src, q } = source('raw');
    expect(perEndpoint(await src.fetch(q))).toEqual(expected);
    // Every answer (SHOW, counts, pulls) came in the format asked, so the cases below damage that format.
    expect(src.answersByFormat[format]).toBeGreaterThan(0);
    expect(src.answersByFormat[format === 'json' ? 'msgpack' : 'json']).toBe(0);
  });

  it('a body cut inside a document (clean chunked end) → retried, then a visible failure; once → all rows', async () => {
    proxy.rules = [{ matches: isRaw, fault: cutInsideLine(3) }];
    const e = await failure(source('raw').src.fetch(query()));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(format === 'msgpack' ? /ended inside a MessagePack document/ : /malformed JSON chunk/);
    proxy.rules = [{ matches: isRaw, fault: cutInsideLine(3), end: 'close', times: 1 }];
    const { src, q } = source('raw');
    expect(perEndpoint(await src.fetch(q))).toEqual(expected);
  });

  it('chunkSize 1000, 8 000 rows, answer cut after the first chunk with a clean chunked end → a visible failure', async () => {
    proxy.rules = [{ matches: isRaw, fault: keepFirstLines(1) }];
    const { src, q } = source('raw');
    const e = await failure(src.fetch(q));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/incomplete response.*"partial": true/);
  });

  it('the same cut once → retried, and then all rows', async () => {
    proxy.rules = [{ matches: isRaw, fault: keepFirstLines(1), times: 1 }];
    const log: string[] = [];
    const { src, q } = source('raw', log);
    expect(perEndpoint(await src.fetch(q))).toEqual(expected);
    expect(log.some((m) => /incomplete response/.test(m) && /retrying/.test(m))).toBe(true);
  });

  it('a close-delimited body that ends right after a full line (one series finished, the next never sent) → failure', async () => {
    // the first 4 lines are exactly the 4 000 rows of /a: its series is complete, /b and /c are missing
    proxy.rules = [{ matches: isRaw, fault: keepFirstLines(4), end: 'close' }];
    const { src, q } = source('raw');
    const e = await failure(src.fetch(q));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/incomplete response/);
  });

  it('"partial": true on the last chunk (a server that truncated its answer) → failure, not half the data as all of it', async () => {
    proxy.rules = [{ matches: isRaw, fault: partialOnLastLine }];
    const { src, q } = source('raw');
    const e = await failure(src.fetch(q));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/"partial": true/);
  });

  it('a chunk missing from the middle (structure intact) → the count query shows the loss → failure', async () => {
    proxy.rules = [{ matches: isRaw, fault: dropLine(2) }];
    const { src, q } = source('raw');
    const e = await failure(src.fetch(q));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/fewer points than .*count/);
    expect(e.message).toContain('/a');
  });

  it('aggregated mode: an answer closed after a full line loses no endpoint silently', async () => {
    proxy.rules = [{ matches: isHistogram, fault: keepFirstLines(1), end: 'close' }];
    const { src, q } = source('aggregated');
    const e = await failure(src.fetch(q));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/incomplete response/);
    proxy.rules = [{ matches: isHistogram, fault: keepFirstLines(1), end: 'close', times: 1 }];
    const again = source('aggregated');
    expect(perEndpoint(await again.src.fetch(again.q))).toEqual(expected);
  });

  it('aggregated mode: a line missing from the middle of the answer → failure naming the endpoint short of its count', async () => {
    proxy.rules = [{ matches: isHistogram, fault: dropLine(0) }];
    const { src, q } = source('aggregated');
    const e = await failure(src.fetch(q));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/fewer points than .*count/);
  });
});
