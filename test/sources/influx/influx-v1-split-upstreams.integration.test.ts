/**
 * The split raw pull of upstream calls on a real InfluxDB 1.x (issue 12): plain calls (attempts ≤ 1, finally ok)
 * counted per uniform time bucket, retried or failed ones row by row (queries/upstreams-split.influxql). It must
 * build exactly the windows the full raw pull builds (every counter, block, timeline and warning), for before/after,
 * seasonal (also references off the minute grid) and cohort baselines; rows the split cannot place (no `ok` field)
 * and a document lost on the way must fall back to the full pull, never pass as plain calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { influxSettingsFromUrl, type Influx1Settings } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';
import type { MetricWindows } from '../../../src/analysis/types.ts';
import { dropLine, InfluxFaultProxy } from './influx-fault-proxy.ts';
import { failure, influxQuery, uniqueDbName, writeLines, hourQuery, HOUR, TEST_UPGRADE_AT } from './influx-test-helpers.ts';

const url = inject('influxUrl');
const config = loadConfig();
const U = TEST_UPGRADE_AT;
const DAY = 24 * HOUR;
const dbs = { clean: uniqueDbName('aftershock_split'), odd: uniqueDbName('aftershock_split_odd'), noAttempts: uniqueDbName('aftershock_split_noatt') };
const proxy = new InfluxFaultProxy(url);

const isSplit = (q: string): boolean => q.includes('<= 1 AND');
const isFullRaw = (q: string): boolean => q.includes('AS "ok" FROM "upstream_call"') && !q.includes('> 1 OR');

function source(db: string, split: boolean, extra: Partial<Influx1Settings> = {}): InfluxV1Source {
  const s = influxSettingsFromUrl(`influx1+${proxy.url}/${db}`, config, {}) as Influx1Settings;
  return new InfluxV1Source({
    ...s,
    modes: { requests: 'off', upstreams: 'raw' },
    splitUpstreams: split,
    retry: { ...s.retry, retries: 2, minDelayMs: 10, maxDelayMs: 20 },
    ...extra,
  });
}

/** Calls of two services × two upstreams over `[start, stop)`, about one every `stepMs`; a quarter retried or failed. */
function callLines(start: number, stop: number, stepMs: number, seed: number, variants: boolean): string[] {
  const lines: string[] = [];
  let x = seed;
  const rand = (): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  for (const svc of ['shop', 'ledger']) {
    for (const up of ['payments', 'search']) {
      let i = 0;
      for (let t = start; t < stop; t += stepMs, i++) {
        const at = t + Math.floor(rand() * stepMs);
        const r = rand();
        const attempts = r < 0.2 ? 2 + Math.floor(rand() * 3) : r < 0.23 ? 0 : 1;
        const ok = rand() > 0.04;
        // Plain calls carry a backoff too sometimes: the analysis ignores it, and so must the split.
        const backoff = attempts > 1 ? (50 * attempts * (1 + rand())).toFixed(3) : r > 0.9 ? '3.5' : '0';
        const variant = variants ? ['', ',variant=disabled', ',variant=backoff-v2'][i % 3] : '';
        lines.push(`upstream_call,service=${svc},upstream=${up}${variant} attempts=${attempts}i,backoff_ms=${backoff},ok=${ok} ${at}000000`);
      }
    }
  }
  return lines;
}

beforeAll(async () => {
  for (const db of Object.values(dbs)) await influxQuery(url, `CREATE DATABASE "${db}"`);
  const lines = [
    ...callLines(U - 2 * DAY - HOUR, U - 2 * DAY + 2 * HOUR, 2_000, 1, false),
    ...callLines(U - DAY - HOUR, U - DAY + 2 * HOUR, 2_000, 2, false),
    ...callLines(U - HOUR, U, 1_000, 3, false),
    ...callLines(U, U + HOUR, 1_000, 4, true),
  ];
  await writeLines(url, dbs.clean, `${lines.join('\n')}\n`);
  const odd = [
    ...callLines(U - HOUR, U + HOUR, 2_000, 5, false),
    // No `ok`: the raw pull takes the call as ok; the split has it in neither part.
    `upstream_call,service=shop,upstream=payments attempts=1i,backoff_ms=0 ${U - 1234}000000`,
    `upstream_call,service=shop,upstream=payments attempts=3i,backoff_ms=250 ${U + 4321}000000`,
    // No `attempts`: skipped with a warning by the raw pull.
    `upstream_call,service=shop,upstream=search backoff_ms=0,ok=false ${U + 777}000000`,
    // No backoff on a retried call: 0, as in the raw pull.
    `upstream_call,service=ledger,upstream=search attempts=2i,ok=true ${U - 999}000000`,
  ];
  await writeLines(url, dbs.odd, `${odd.join('\n')}\n`);
  // A finally ok call without `attempts`: in neither part of the split and not in its count; the full pull warns.
  const noAttempts = [...callLines(U - HOUR, U + HOUR, 2_000, 6, false), `upstream_call,service=ledger,upstream=payments backoff_ms=0,ok=true ${U + 555}000000`];
  await writeLines(url, dbs.noAttempts, `${noAttempts.join('\n')}\n`);
  await proxy.start();
}, 60_000);

beforeEach(async () => {
  await proxy.settle();
  proxy.rules = [];
  proxy.seen.length = 0;
});

afterAll(async () => {
  await proxy.stop();
  for (const db of Object.values(dbs)) await influxQuery(url, `DROP DATABASE "${db}"`);
});

async function both(db: string, q: MetricQuery, extra: Partial<Influx1Settings> = {}): Promise<{ split: MetricWindows; full: MetricWindows; splitBytes: number; fullBytes: number; logs: string[] }> {
  const logs: string[] = [];
  const s = source(db, true, extra);
  const split = await s.fetch({ ...q, log: (m) => logs.push(m) });
  const f = source(db, false, extra);
  const full = await f.fetch(q);
  return { split, full, splitBytes: s.bytesReceived, fullBytes: f.bytesReceived, logs };
}

describe('InfluxV1Source split upstream pull (plain calls counted per bucket) against a real InfluxDB 1.x', () => {
  it('before/after: exactly the windows of the full raw pull, from the split query alone and far fewer bytes', async () => {
    const { split, full, splitBytes, fullBytes, logs } = await both(dbs.clean, hourQuery());
    expect(full.upstreams.length).toBe(4);
    expect(split).toEqual(full);
    expect(split.upstreams.every((u) => u.before.calls > 3000 && u.after.calls > 3000 && u.after.retries > 0)).toBe(true);
    const pulls = proxy.seen.filter((x) => x.q.includes('"upstream_call"') && !x.q.includes('count("attempts") AS "count"'));
    expect(pulls.some((x) => isSplit(x.q))).toBe(true);
    // The full pull ran only for the comparison (second source), never as a fallback of the split one.
    expect(logs.filter((m) => /came back short/.test(m))).toEqual([]);
    expect(splitBytes).toBeLessThan(fullBytes * 0.5);
  });

  it('with a service filter and several time slices per window: the same windows', async () => {
    const { split, full } = await both(dbs.clean, hourQuery({ services: ['ledger'] }), { chunkSize: 150 });
    expect(full.upstreams.map((u) => u.service)).toEqual(['ledger', 'ledger']);
    expect(split).toEqual(full);
  });

  it('seasonal baseline, with reference periods off the minute grid (1 s buckets): the same windows', async () => {
    const after = { start: U, stop: U + HOUR };
    for (const periodMs of [DAY, DAY - 7_000]) {
      const references = [1, 2].map((k) => ({ start: after.start - k * periodMs, stop: after.stop - k * periodMs }));
      const q: MetricQuery = { upgradeAt: U, before: { start: references[1].start, stop: references[0].stop }, after, baseline: { kind: 'seasonal', periodMs, references } };
      proxy.seen.length = 0;
      const { split, full } = await both(dbs.clean, q);
      expect(full.baseline).toMatchObject({ kind: 'seasonal', references });
      expect(split).toEqual(full);
      const intervals = new Set(proxy.seen.filter((x) => isSplit(x.q)).map((x) => Number(/GROUP BY time\((\d+)ms/.exec(x.q)?.[1])));
      // A day back: every window on the minute grid. 7 s less: the references and the after window lie 7 s, 14 s
      // off the (2-minute, widened) timeline edges, so their buckets shrink to the gcd (1 s, 2 s).
      expect(intervals).toEqual(new Set(periodMs === DAY ? [60_000] : [60_000, 1000, 2000]));
    }
  });

  it('cohort baseline (GROUP BY the cohort tag): flag-off, flag-on and untagged plain calls as in the full pull', async () => {
    const after = { start: U, stop: U + HOUR };
    const q: MetricQuery = { upgradeAt: U, before: { ...after }, after, baseline: { kind: 'cohort', tag: 'variant', control: 'disabled' } };
    const { split, full } = await both(dbs.clean, q);
    expect(full.baseline).toMatchObject({ kind: 'cohort', treatments: ['backoff-v2'] });
    expect((full.baseline as { untagged: number }).untagged).toBeGreaterThan(0);
    expect(split).toEqual(full);
  });

  it('rows the split cannot place (no `ok`) → the window is pulled in full: the same windows and warnings', async () => {
    const { split, full, logs } = await both(dbs.odd, hourQuery());
    expect(full.warnings.some((w) => /upstream calls: skipped 1 row/.test(w))).toBe(true);
    expect(split).toEqual(full);
    expect(logs.filter((m) => /came back short/.test(m)).length).toBeGreaterThan(0);
    expect(proxy.seen.some((x) => isFullRaw(x.q))).toBe(true);
  });

  it('a call without `attempts` but with `ok` (counted by the count query\'s `ok` count) → that window pulled in full, reported', async () => {
    const { split, full, logs } = await both(dbs.noAttempts, hourQuery());
    expect(full.warnings.filter((w) => /upstream calls: skipped 1 row/.test(w)).length).toBe(1);
    expect(split).toEqual(full);
    expect(logs.filter((m) => /after window: 1 call\(s\) without "attempts"; pulling every call/.test(m)).length).toBe(1);
    // The before window has none: split there.
    const pulls = proxy.seen.filter((x) => x.q.includes('"upstream_call"') && !x.q.includes('AS "count"'));
    expect(pulls.filter((x) => isSplit(x.q)).length).toBe(1);
    expect(pulls.filter((x) => isFullRaw(x.q)).length).toBe(3);
  });

  it('a document lost from the split answer once → pulled in full, the same windows; lost every time → UPSTREAM', async () => {
    const reference = await source(dbs.clean, false).fetch(hourQuery());
    await proxy.settle();
    proxy.rules = [{ matches: isSplit, fault: dropLine(2), times: 1 }];
    const logs: string[] = [];
    const w = await source(dbs.clean, true, { chunkSize: 200 }).fetch(hourQuery({ log: (m) => logs.push(m) }));
    expect(proxy.seen.filter((x) => x.damaged).length).toBe(1);
    expect(w).toEqual(reference);
    await proxy.settle();
    proxy.rules = [{ matches: (q) => isSplit(q) || isFullRaw(q), fault: dropLine(2) }];
    const e = await failure(source(dbs.clean, true, { chunkSize: 200 }).fetch(hourQuery()));
    expect(e.code).toBe('UPSTREAM');
  });
});
