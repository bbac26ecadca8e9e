import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type SchemaMapping } from '../../../src/config.ts';
import { AppError } from '../../../src/errors.ts';
import { LineProtocolFileSource, type LineProtocolFileSourceOptions } from '../../../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/lp/', import.meta.url));
const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const QUERY: MetricQuery = { upgradeAt: UPGRADE, before: { start: UPGRADE - H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + H } };
const config = loadConfig();
const tmp = mkdtempSync(path.join(tmpdir(), 'aftershock-file-source-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function source(file: string, extra: Partial<LineProtocolFileSourceOptions> = {}): LineProtocolFileSource {
  return new LineProtocolFileSource({
    path: file,
    schema: config.schema,
    maxBadLineShare: config.input.maxBadLineShare,
    timelineIntervalMs: config.input.timelineIntervalMs,
    ...extra,
  });
}

function writeTmp(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

async function fetchError(src: LineProtocolFileSource, query: MetricQuery = QUERY): Promise<AppError> {
  const e = await src.fetch(query).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

/** Raw samples as the source hands them over; `blocks`: each value's one-minute time block of its window. */
const raw = (values: number[], blocks?: number[]) => ({ kind: 'raw', values: Float64Array.from(values), ...(blocks ? { blocks: Uint32Array.from(blocks) } : {}) });
const perMinute = (entries: Record<number, number>) => {
  const out = new Float64Array(60);
  for (const [i, v] of Object.entries(entries)) out[Number(i)] = v;
  return out;
};

describe('LineProtocolFileSource: a recorded file with the default schema', () => {
  it('assigns raw, histogram and counter points to half-open windows', async () => {
    const w = await source(path.join(FIXTURES, 'small.lp')).fetch(QUERY);
    const byName = Object.fromEntries(w.latency.map((l) => [`${l.service} ${l.endpoint}`, l]));
    expect(Object.keys(byName)).toEqual(['billing /pay', 'shop /cart', 'shop /checkout', 'shop /search']);
    // 1 ns before the upgrade is before; the upgrade instant is after; the points at before.start-1µs and after.stop are out.
    expect(byName['shop /checkout'].before).toEqual(raw([120.5, 130], [0, 59]));
    expect(byName['shop /checkout'].after).toEqual(raw([900.25], [0]));
    expect(byName['shop /cart'].before).toEqual(raw([40], [23]));
    expect(byName['shop /cart'].after).toEqual(raw([42], [30]));
    expect(byName['billing /pay'].before).toEqual(raw([]));
    expect(byName['shop /search'].before).toEqual({
      kind: 'histogram',
      upperBounds: Float64Array.from([50, 100, Infinity]),
      counts: Float64Array.from([10, 8, 2]),
      blockCells: { block: Uint32Array.from([6, 6, 6]), bucket: Uint32Array.from([0, 1, 2]), count: Float64Array.from([10, 8, 2]) },
    });
    expect(byName['shop /search'].after).toEqual({
      kind: 'histogram',
      upperBounds: Float64Array.from([50, 100, Infinity]),
      counts: Float64Array.from([3, 6, 3]),
      blockCells: { block: Uint32Array.from([13, 13, 13]), bucket: Uint32Array.from([0, 1, 2]), count: Float64Array.from([3, 6, 3]) },
    });
    expect(w.blockMs).toBe(60_000);

    const up = Object.fromEntries(w.upstreams.map((u) => [u.upstream, u]));
    expect(up['payments-api'].before).toEqual({
      calls: 3,
      retries: 2,
      exhausted: 0,
      backoff: raw([150], [23]),
      perBlock: { calls: perMinute({ 6: 1, 23: 1, 40: 1 }), retries: perMinute({ 23: 2 }), exhausted: perMinute({}) },
    });
    expect(up['payments-api'].after).toEqual({
      calls: 2,
      retries: 4,
      exhausted: 1,
      backoff: raw([2800.5, 400], [13, 30]),
      perBlock: { calls: perMinute({ 13: 1, 30: 1 }), retries: perMinute({ 13: 3, 30: 1 }), exhausted: perMinute({ 13: 1 }) },
    });
    expect(up['search-api'].before).toMatchObject({ calls: 100, retries: 4, exhausted: 1 });
    expect(up['search-api'].after).toMatchObject({ calls: 80, retries: 9, exhausted: 0 });

    expect(w.source).toBe(`line-protocol file ${path.join(FIXTURES, 'small.lp')}`);
    expect(w.warnings).toEqual([
      `${path.join(FIXTURES, 'small.lp')}: points of measurements outside the schema were ignored: cpu (1)`,
      'billing /pay: no requests in the before window (2026-11-20T13:00:00.000Z – 2026-11-20T14:00:00.000Z); kept, its findings will be insufficient_data',
    ]);
  });

  it('applies service and endpoint filters', async () => {
    const w = await source(path.join(FIXTURES, 'small.lp')).fetch({ ...QUERY, services: ['shop'], endpoints: ['/checkout'] });
    expect(w.latency.map((l) => l.endpoint)).toEqual(['/checkout']);
    expect(w.upstreams.map((u) => u.upstream)).toEqual(['payments-api', 'search-api']);
  });

  it('takes every name from the schema mapping, none hard-coded', async () => {
    const schema: SchemaMapping = structuredClone(config.schema);
    schema.request = { measurement: 'req', serviceTag: 'svc', endpointTag: 'route', durationField: 'ms' };
    schema.upstream = { measurement: 'dep', serviceTag: 'svc', upstreamTag: 'api', attemptsField: 'tries', backoffField: 'wait', okField: 'success' };
    const file = writeTmp(
      'custom.lp',
      [
        `req,svc=shop,route=/a ms=5 ${(UPGRADE - 1000) * 1e6}`,
        `req,svc=shop,route=/a ms=7 ${(UPGRADE + 1000) * 1e6}`,
        `dep,svc=shop,api=x tries=2i,wait=30,success=false ${(UPGRADE + 1000) * 1e6}`,
        `http_request,service=shop,endpoint=/a duration_ms=1 ${(UPGRADE + 1000) * 1e6}`,
      ].join('\n'),
    );
    const w = await source(file, { schema }).fetch(QUERY);
    expect(w.latency).toHaveLength(1);
    expect(w.latency[0]).toMatchObject({ service: 'shop', endpoint: '/a', before: raw([5]), after: raw([7]) });
    expect(w.upstreams[0]).toMatchObject({ upstream: 'x', after: { calls: 1, retries: 1, exhausted: 1, backoff: raw([30]) } });
    expect(w.warnings).toContain(`${file}: points of measurements outside the schema were ignored: http_request (1)`);
  });

  it('reads timestamps in the configured precision', async () => {
    const file = writeTmp('seconds.lp', `http_request,service=s,endpoint=/e duration_ms=3 ${UPGRADE / 1000 - 1}\nhttp_request,service=s,endpoint=/e duration_ms=4 ${UPGRADE / 1000}\n`);
    const w = await source(file, { precision: 's' }).fetch(QUERY);
    expect(w.latency[0].before).toEqual(raw([3], [59]));
    expect(w.latency[0].after).toEqual(raw([4], [0]));
  });

  it('reads gzip-compressed files and reports progress up to 1', async () => {
    const file = writeTmp('small.lp.gz', gzipSync(readFileSync(path.join(FIXTURES, 'small.lp'))));
    const progress: number[] = [];
    const w = await source(file, { highWaterMark: 256 }).fetch({ ...QUERY, onProgress: (f) => progress.push(f) });
    expect(w.latency).toHaveLength(4);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress[i - 1]))).toBe(true);
    expect(progress.at(-1)).toBe(1);
  });
});

describe('LineProtocolFileSource: malformed lines', () => {
  const file = path.join(FIXTURES, 'malformed.lp');
  const expectedReasons = [
    'line 2: field "duration_ms": "abc" is a string, not a number',
    'line 3: missing tag "endpoint"',
    'line 4: missing field "duration_ms"',
    'line 5: field "duration_ms": -5 is negative',
    'line 6: field "attempts": 2.5 is not an integer',
    'line 7: field "ok": 1i is an integer, not a boolean',
    'line 8: field "attempts": 0i is less than 1',
    'line 9: missing field "backoff_ms"',
    'line 10: missing field "ok"',
    'line 11: tag "le": "fast" is not a number or +Inf',
  ];

  it('refuses a file whose bad-line share exceeds maxBadLineShare, quoting count, share and first lines', async () => {
    const e = await fetchError(source(file));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(
      // (issue 14, item 19: the refusal names the setting that allows more.)
      `line-protocol file ${file}: 12 of 14 lines are malformed (85.7 %, more than the allowed 0.10 %); first: ${expectedReasons.slice(0, 3).join('; ')}` +
        '; to allow more malformed lines, raise input.maxBadLineShare in the config',
    );
    const details = e.details as { badLines: Array<{ line: number; reason: string }>; badLineCount: number };
    expect(details.badLineCount).toBe(12);
    expect(details.badLines.map((b) => `line ${b.line}: ${b.reason}`)).toEqual(expectedReasons);
  });

  it('keeps the good points and warns when the share is within the limit', async () => {
    const w = await source(file, { maxBadLineShare: 0.9 }).fetch(QUERY);
    expect(w.latency[0].before).toEqual(raw([100], [58]));
    expect(w.latency[0].after).toEqual(raw([100], [1]));
    expect(w.warnings[0]).toBe(`${file}: 12 malformed lines skipped (85.7 % of 14); first: ${expectedReasons.slice(0, 3).join('; ')}`);
  });

  it('names the last two kinds of bad lines too (bare non-number, wrong precision)', async () => {
    const e = await fetchError(source(file, { maxBadLineShare: 0 }));
    const badLines = (e.details as { badLines: Array<{ line: number; reason: string }> }).badLines;
    expect(badLines).toHaveLength(10);
    const onlyTail = writeTmp('tail.lp', readFileSync(file, 'utf8').split('\n').slice(11).join('\n'));
    const tail = await fetchError(source(onlyTail));
    expect(tail.message).toContain('line 2: field "duration_ms": "abc" is not a number');
    expect(tail.message).toContain('line 3: timestamp 17951833 (precision ns) is 1970-01-01T00:00:00.017Z, outside 2000-01-01 … 2200-01-01; wrong precision?');
  });

  it('accepts exactly maxBadLineShare and refuses one bad line more', async () => {
    const good = Array.from({ length: 999 }, (_, i) => `http_request,service=s,endpoint=/e duration_ms=${i} ${(UPGRADE + i) * 1e6}`);
    const oneBad = writeTmp('one-bad.lp', [...good, 'http_request,service=s,endpoint=/e duration_ms=x 1'].join('\n'));
    const w = await source(oneBad).fetch(QUERY);
    expect(w.warnings[0]).toMatch(/: 1 malformed line skipped \(0.10 % of 1000\); first: line 1000: field "duration_ms": "x" is not a number$/);
    const twoBad = writeTmp('two-bad.lp', [...good, 'http_request,service=s,endpoint=/e duration_ms=x 1', 'bad'].join('\n'));
    const e = await fetchError(source(twoBad));
    expect(e.message).toMatch(/: 2 of 1001 lines are malformed \(0.20 %, more than the allowed 0.10 %\)/);
  });
});

describe('LineProtocolFileSource: files that cannot be analyzed', () => {
  it('refuses a missing file, a directory, an empty file and a file of comments', async () => {
    const missing = path.join(tmp, 'nope.lp');
    expect((await fetchError(source(missing))).message).toBe(`line-protocol file ${missing}: no such file`);
    const dir = path.join(tmp, 'dir.lp');
    mkdirSync(dir, { recursive: true });
    expect((await fetchError(source(dir))).message).toBe(`line-protocol file ${dir}: not a regular file`);
    const empty = writeTmp('empty.lp', '');
    expect((await fetchError(source(empty))).message).toBe(`line-protocol file ${empty}: the file is empty`);
    const comments = writeTmp('comments.lp', '# nothing\n\n# here\n');
    expect((await fetchError(source(comments))).message).toBe(`line-protocol file ${comments}: no data lines (only 3 blank or comment lines)`);
  });

  it('says which windows were asked and what the file covers when no point falls in them', async () => {
    const file = path.join(tmp, 'small-copy.lp');
    copyFileSync(path.join(FIXTURES, 'small.lp'), file);
    const day = 24 * H;
    const e = await fetchError(source(file), {
      upgradeAt: UPGRADE + day,
      before: { start: UPGRADE + day - H, stop: UPGRADE + day },
      after: { start: UPGRADE + day, stop: UPGRADE + day + H },
    });
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(
      `line-protocol file ${file}: no points in the before window (2026-11-21T13:00:00.000Z – 2026-11-21T14:00:00.000Z) or the after window ` +
        '(2026-11-21T14:00:00.000Z – 2026-11-21T15:00:00.000Z); the file covers 2026-11-20T12:59:59.999Z – 2026-11-20T15:00:00.000Z',
    );
  });

  it('says when the filters match nothing', async () => {
    const e = await fetchError(source(path.join(FIXTURES, 'small.lp')), { ...QUERY, services: ['nope'] });
    expect(e.message).toMatch(/: no points in the before window .* match services nope$/);
  });

  it('says when no point belongs to the configured measurements', async () => {
    const file = writeTmp('cpu.lp', `cpu,host=a usage=1 ${UPGRADE * 1e6}\n`);
    expect((await fetchError(source(file))).message).toBe(
      `line-protocol file ${file}: no points of the configured measurements (http_request, upstream_call, http_request_duration_ms_bucket, upstream_calls_total)`,
    );
  });

  it('refuses data that is not gzip behind a .gz name', async () => {
    const file = writeTmp('fake.lp.gz', 'http_request x=1 1\n');
    expect((await fetchError(source(file))).message).toBe(`line-protocol file ${file}: cannot read: not valid gzip data`);
  });
});

describe('LineProtocolFileSource: cancellation', () => {
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(`http_request,service=s,endpoint=/e duration_ms=${i % 100} ${(UPGRADE - H + i * 100) * 1e6}`);
  const file = writeTmp('abort.lp', lines.join('\n'));

  it('rejects with the signal reason when aborted before the read', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await expect(source(file).fetch({ ...QUERY, signal: ac.signal })).rejects.toThrow('stop now');
  });

  it('stops reading when aborted mid-file', async () => {
    const ac = new AbortController();
    let calls = 0;
    const promise = source(file, { highWaterMark: 4096 }).fetch({
      ...QUERY,
      signal: ac.signal,
      onProgress: (f) => {
        calls++;
        if (f > 0.2) ac.abort(new Error('cancelled by test'));
      },
    });
    await expect(promise).rejects.toThrow('cancelled by test');
    // 4 KiB chunks of a ~1.5 MB file: abort after ~20 % means far fewer than all ~380 chunks were read.
    expect(calls).toBeLessThan(200);
  });
});

describe('LineProtocolFileSource: parallel read of large files', () => {
  const parallel = { workers: 2, parallelMinBytes: 0, segmentBytes: 300 };
  /** 3 000 requests and calls a second apart over the before window, 5 malformed lines, optionally a deploy marker near the end. */
  const parallelLines = (marker = false): string[] => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = (UPGRADE - H + i * 1000) * 1e6;
      lines.push(`http_request,service=s,endpoint=/e${i % 3} duration_ms=${(i * 7) % 400} ${t}`);
      lines.push(`upstream_call,service=s,upstream=u attempts=${1 + (i % 3)}i,backoff_ms=${(i % 3) * 20},ok=${i % 13 !== 0} ${t}`);
      if (i % 700 === 0) lines.push(`http_request,service=s,endpoint=/e0 duration_ms=oops ${t}`);
      if (marker && i === 2990) lines.push(`deploy_marker,service=s version="2" ${t}`);
    }
    return lines;
  };

  it('gives exactly the windows, warnings and bad-line numbers of the single-threaded read', async () => {
    const file = writeTmp('parallel.lp', parallelLines().join('\n'));
    const single = await source(file, { workers: 0, maxBadLineShare: 0.01 }).fetch(QUERY);
    const progress: number[] = [];
    const logs: string[] = [];
    // The main thread only coordinates here, so the workers' states are what gets merged.
    const multi = await source(file, { ...parallel, readOnMainThread: false, maxBadLineShare: 0.01 }).fetch({
      ...QUERY,
      onProgress: (f) => progress.push(f),
      log: (m) => logs.push(m),
    });
    const perThread = /segments per thread: (\d+), (\d+), (\d+)\)$/.exec(logs[0]);
    expect(perThread?.slice(1).map(Number)).toEqual([0, expect.any(Number), expect.any(Number)]);
    expect(Number(perThread?.[2]) + Number(perThread?.[3])).toBeGreaterThan(100);
    expect(single.warnings[0]).toMatch(/: 5 malformed lines skipped \(0.083 % of 6005\); first: line 3: .*; line 1404: .*; line 2805: /);
    expect(multi.warnings).toEqual(single.warnings);
    // Bit for bit, raw values in file order included.
    expect(isDeepStrictEqual(multi, single)).toBe(true);
    expect(progress.at(-1)).toBe(1);
  });

  it('chooses its threads while cutting the file (workers not given), with the single-threaded result either way', async () => {
    const file = writeTmp('parallel-auto.lp', parallelLines(true).join('\n'));
    const single = await source(file, { workers: 0, maxBadLineShare: 0.01 }).fetch(QUERY);
    const logs: string[] = [];
    const auto = await source(file, { parallelMinBytes: 0, segmentBytes: 300, maxBadLineShare: 0.01 }).fetch({ ...QUERY, log: (m) => logs.push(m) });
    // The main thread parses from the first cut on; how many workers join depends on the machine's idle cores.
    const perThread = /segments per thread: ([\d, ]+)\)$/.exec(logs[0])?.[1].split(', ').map(Number);
    expect(perThread?.[0]).toBeGreaterThan(0);
    expect(perThread?.reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    expect(auto.warnings).toEqual(single.warnings);
    expect(isDeepStrictEqual(auto, single)).toBe(true);
  });

  it('gives the single-threaded result when the main thread reads the file\'s start and a worker its end', async () => {
    const file = writeTmp('parallel-main.lp', parallelLines(true).join('\n'));
    const single = await source(file, { workers: 0, maxBadLineShare: 0.01 }).fetch(QUERY);
    const logs: string[] = [];
    const multi = await source(file, { ...parallel, workers: 1, maxBadLineShare: 0.01 }).fetch({ ...QUERY, log: (m) => logs.push(m) });
    // The worker claims the last segment before the main thread has read its first: both threads always parse some.
    const perThread = /segments per thread: (\d+), (\d+)\)$/.exec(logs[0])?.slice(1).map(Number);
    expect(perThread?.every((n) => n > 0)).toBe(true);
    expect(single.warnings.join('\n')).toMatch(/line 2805: .*\n.*outside the schema were ignored: deploy_marker \(1\)/);
    expect(multi.warnings).toEqual(single.warnings);
    expect(isDeepStrictEqual(multi, single)).toBe(true);
  });

  // Failed before: the reader threads were not given the baseline, so their segments routed points as if the
  // baseline were `before` (seasonal reference days dropped, cohorts not split) — silently, for files of 64 MiB up.
  it.each([
    ['cohort', { kind: 'cohort' as const, tag: 'variant', control: 'off' }],
    ['seasonal', { kind: 'seasonal' as const, periodMs: 86_400_000, references: [1, 2, 3].map((k) => ({ start: UPGRADE - k * 86_400_000, stop: UPGRADE + H - k * 86_400_000 })) }],
    // a variance history: 1 baseline day of 3
    ['seasonal', { kind: 'seasonal' as const, periodMs: 86_400_000, references: [1, 2, 3].map((k) => ({ start: UPGRADE - k * 86_400_000, stop: UPGRADE + H - k * 86_400_000 })), levelPeriods: 1 }],
  ])('with a %s baseline gives the single-threaded windows', async (_, baseline) => {
    const lines: string[] = [];
    for (const day of [3, 2, 1, 0]) {
      for (let i = 0; i < 900; i++) {
        const t = (UPGRADE - day * 86_400_000 + i * 4000) * 1e6;
        lines.push(`http_request,service=s,endpoint=/e${i % 3},variant=${i % 4 === 0 ? 'on' : 'off'} duration_ms=${(i * 7 + day) % 400} ${t}`);
        lines.push(`upstream_call,service=s,upstream=u,variant=${i % 4 === 0 ? 'on' : 'off'} attempts=${1 + (i % 3)}i,backoff_ms=${(i % 3) * 20},ok=${i % 13 !== 0} ${t}`);
      }
    }
    const file = writeTmp(`parallel-${baseline.kind}.lp`, lines.join('\n'));
    const query = { ...QUERY, before: baseline.kind === 'seasonal' ? { start: UPGRADE - 3 * 86_400_000, stop: UPGRADE + H - 86_400_000 } : QUERY.before, after: { start: UPGRADE, stop: UPGRADE + H }, baseline };
    const single = await source(file, { workers: 0 }).fetch(query);
    expect(single.baseline).toMatchObject(baseline.kind === 'seasonal' ? { kind: 'seasonal', ...('levelPeriods' in baseline ? { levelPeriods: 1 } : {}) } : { kind: 'cohort' });
    const multi = await source(file, { ...parallel, readOnMainThread: false }).fetch(query);
    expect(isDeepStrictEqual(multi, single)).toBe(true);
  });

  it('cuts no segment inside a string field holding raw newlines (InfluxDB keeps them inside the quotes)', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const t = (UPGRADE - H + i * 4800) * 1e6;
      lines.push(`http_request,service=s,endpoint=/e${i % 3} duration_ms=${(i * 7) % 400},note="retry\nafter \\"timeout\\",\n=${i}" ${t}`);
    }
    const file = writeTmp('parallel-multiline.lp', lines.join('\n'));
    const single = await source(file, { workers: 0 }).fetch(QUERY);
    expect(single.warnings).toEqual([]);
    expect(single.latency.reduce((n, l) => n + (l.before as { values: Float64Array }).values.length + (l.after as { values: Float64Array }).values.length, 0)).toBe(1500);
    const multi = await source(file, { ...parallel, readOnMainThread: false }).fetch(QUERY);
    expect(isDeepStrictEqual(multi, single)).toBe(true);
  });

  it('stops the workers and rejects with the reason when aborted', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`http_request,service=s,endpoint=/e duration_ms=${i % 100} ${(UPGRADE - H + i * 100) * 1e6}`);
    const file = writeTmp('parallel-abort.lp', lines.join('\n'));
    const ac = new AbortController();
    const promise = source(file, { ...parallel, segmentBytes: 4096, readOnMainThread: false }).fetch({
      ...QUERY,
      signal: ac.signal,
      onProgress: (f) => {
        if (f > 0.1) ac.abort(new Error('cancelled by test'));
      },
    });
    await expect(promise).rejects.toThrow('cancelled by test');
  });

  it('refuses a file with too many bad lines quoting absolute line numbers', async () => {
    const file = path.join(FIXTURES, 'malformed.lp');
    const e = await fetchError(source(file, { ...parallel, segmentBytes: 200 }));
    const details = e.details as { badLines: Array<{ line: number }>; badLineCount: number };
    expect(details.badLineCount).toBe(12);
    expect(details.badLines.map((b) => b.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('LineProtocolFileSource: files as other tools write them', () => {
  const lines = (unit: 'ns' | 'ms') =>
    Array.from({ length: 40 }, (_, i) => `http_request,service=s,endpoint=/e duration_ms=${i + 1} ${unit === 'ns' ? (UPGRADE - H / 2 + i * 60_000) * 1e6 : UPGRADE - H / 2 + i * 60_000}`);

  it('skips a UTF-8 byte-order mark (Windows editors, PowerShell) instead of losing the first point to a measurement "\\uFEFFhttp_request"', async () => {
    const file = writeTmp('bom.lp', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines('ns').join('\r\n') + '\r\n')]));
    const w = await source(file).fetch(QUERY);
    const before = w.latency[0].before as { values: Float64Array };
    const after = w.latency[0].after as { values: Float64Array };
    expect(before.values.length + after.values.length).toBe(40);
    expect(w.warnings).toEqual([]);
  });

  it('says which precision the timestamps fit and how to set it when a whole file is in ms', async () => {
    const file = writeTmp('ms.lp', lines('ms').join('\n'));
    const e = await fetchError(source(file));
    expect(e.message).toContain('wrong precision?');
    expect(e.message).toMatch(/Read as ms, the timestamps fall in 2026-11-20; a file source in the config takes precision: ms/);
    expect(e.message).toContain(`kind: file, path: ${file}, precision: ms`);
  });
});

describe('LineProtocolFileSource: gzip recognised by its content', () => {
  const text = Array.from({ length: 20 }, (_, i) => `http_request,service=s,endpoint=/e duration_ms=${i + 1} ${(UPGRADE - 10 * 60_000 + i * 60_000) * 1e6}`).join('\n') + '\n';

  it.each([['UPPER.LP.GZ'], ['compressed-without-suffix.lp']])('reads %s, a gzip file whose name does not end in lower-case .gz', async (name) => {
    const w = await source(writeTmp(name, gzipSync(text))).fetch(QUERY);
    expect((w.latency[0].before as { values: Float64Array }).values).toHaveLength(10);
    expect((w.latency[0].after as { values: Float64Array }).values).toHaveLength(10);
    expect(w.warnings).toEqual([]);
  });
});
