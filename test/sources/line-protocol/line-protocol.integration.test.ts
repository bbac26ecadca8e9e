/**
 * Our line-protocol reading against a real InfluxDB 1.x (Debian's influxd, test/setup/influxdb.global.ts): each edge
 * input of influxdb-edge-cases.json is written with /write, the points the server stored are read back with /query,
 * and they must be the points we read from the same bytes (with the server's own storage rule applied: points of one
 * series at one time merge, later fields winning), and the server must accept the whole write exactly when we read
 * every line. The fixture's outcomes come from InfluxDB's parser at a later commit; this checks the real server.
 */
import { request } from 'node:http';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { influxQuery, uniqueDbName } from '../influx/influx-test-helpers.ts';
import { differences, inputOf, loadCases, ourOutcomes, pointOf, timeOfNs, type InfluxCase, type Point } from './influxdb-cases.ts';

const url = inject('influxUrl');
const edges = loadCases('influxdb-edge-cases.json');
const prefix = uniqueDbName('aftershock_lp');
const created: string[] = [];

afterAll(async () => {
  for (const db of created) await influxQuery(url, `DROP DATABASE "${db}"`);
});

/** Where the server and we deliberately differ (README, "Input data"); each must really differ. */
const INTENDED: Record<string, string> = {
  'uint64-max': 'InfluxDB 1.x is built without uint64 support and refuses `u` integers; we read them (as 2.x does)',
  'uint-small': 'the same: `1u` refused by InfluxDB 1.x',
  'duplicate-field-other-type': 'x=1,x="s": InfluxDB 1.x refuses the point ("field type conflict"); its parser, and we, keep the last value',
  'crlf-line-ends': 'CRLF line ends: InfluxDB reads the CR into the timestamp and refuses the line',
  'crlf-line-without-timestamp-value': 'CRLF: InfluxDB keeps the CR in the last value (and gives the point the time of the write)',
  'byte-order-mark': 'a byte-order mark: InfluxDB makes it part of the measurement name',
  'text-after-closing-quote': 'x="a"b: InfluxDB stores the string `a"`; we refuse the line',
  'field-key-ending-in-escaped-backslash': 'x\\\\=1,y=2: InfluxDB stores the field `x\\=1,y`; we refuse the line',
  'measurement-backslash-before-escaped-space':
    'm\\\\ x: InfluxDB\'s parser reads the measurement `m\\ x` as we do, but 1.6 files the series under `m x` and the fields under `m\\ x`, so /query finds nothing',
};

const PRECISION_PARAM: Record<string, string> = { '': 'ns', n: 'ns', u: 'u', ms: 'ms', s: 's' };

interface Series {
  name: string;
  columns: string[];
  values: unknown[][];
}

async function seriesOf(q: string, db: string): Promise<Series[]> {
  const res = (await influxQuery(url, q, db)) as { results: Array<{ series?: Series[]; error?: string }> };
  const r = res.results[0];
  if (r.error !== undefined) throw new Error(`${q}: ${r.error}`);
  return r.series ?? [];
}

/** RFC 3339 with nanoseconds (the /query default) to a time; exact where epoch=ns would lose digits in JSON. */
function timeOfRfc3339(s: string): ReturnType<typeof timeOfNs> {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(s);
  if (!m) throw new Error(`unexpected time ${s}`);
  return timeOfNs(BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0')));
}

/**
 * POST /write. With node:http's lenient parser: InfluxDB repeats a refused line in an X-Influxdb-Error header,
 * NUL bytes and all, which fetch refuses to read.
 */
function write(db: string, precision: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/write?db=${db}&precision=${precision}`, { method: 'POST', insecureHTTPParser: true }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes the case to a fresh database; returns whether the server took the whole write and the points it stored. */
async function throughServer(c: InfluxCase, db: string): Promise<{ accepted: boolean; response: string; points: Point[] }> {
  await influxQuery(url, `CREATE DATABASE "${db}"`);
  created.push(db);
  const res = await write(db, PRECISION_PARAM[c.precision], inputOf(c));
  const response = `${res.status} ${res.text}`;
  const fieldTypes = new Map<string, Map<string, string>>();
  for (const s of await seriesOf('SHOW FIELD KEYS', db)) fieldTypes.set(s.name, new Map(s.values.map((v) => [String(v[0]), String(v[1])])));
  const tagKeys = new Map<string, Set<string>>();
  for (const s of await seriesOf('SHOW TAG KEYS', db)) tagKeys.set(s.name, new Set(s.values.map((v) => String(v[0]))));
  const points: Point[] = [];
  for (const s of await seriesOf('SELECT * FROM /.*/', db)) {
    for (const row of s.values) {
      const tags: Array<[string, string]> = [];
      const fields: Point['fields'] = [];
      s.columns.forEach((col, k) => {
        const v = row[k];
        if (k === 0 || v === null) return;
        if (tagKeys.get(s.name)?.has(col)) tags.push([col, String(v)]);
        else fields.push([col, fieldTypes.get(s.name)?.get(col) ?? '?', v as number | string | boolean]);
      });
      points.push(pointOf(s.name, tags, fields, timeOfRfc3339(String(row[0]))));
    }
  }
  return { accepted: res.status === 204, response, points: sortPoints(points) };
}

/** Series and time to the microsecond (our sub-millisecond part is a double's fraction). */
const keyOf = (p: Point): string => JSON.stringify([p.measurement, p.tags, p.time.ms, Math.round(p.time.subMsNs / 1000)]);

function sortPoints(points: Point[]): Point[] {
  return [...points].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

/** Our points as the server would store them: one per series and time, later fields overwriting earlier ones. */
function stored(points: Point[]): Point[] {
  const byKey = new Map<string, Point>();
  for (const p of points) {
    const old = byKey.get(keyOf(p));
    if (old === undefined) byKey.set(keyOf(p), p);
    else byKey.set(keyOf(p), pointOf(p.measurement, p.tags, [...old.fields.filter((f) => !p.fields.some((g) => g[0] === f[0])), ...p.fields], p.time));
  }
  return sortPoints([...byKey.values()]);
}

describe('line protocol vs a real InfluxDB 1.x: edge inputs written with /write and read back with /query', () => {
  it(`stores exactly the points we read, and takes the whole write exactly when we read every line (${edges.cases.length} inputs)`, async () => {
    const disagreements: Record<string, string> = {};
    for (const [k, c] of edges.cases.entries()) {
      const server = await throughServer(c, `${prefix}_${k}`);
      const ours = ourOutcomes(c);
      const points = stored(ours.flatMap((o) => ('point' in o ? [o.point] : [])));
      const allRead = ours.every((o) => 'point' in o);
      const problems: string[] = [];
      // Stored points against ours in the same order, times to a microsecond (a double holds ours).
      const wrap = (ps: Point[]) => ps.map((point) => ({ point }));
      if (differences(wrap(server.points), wrap(points)).length > 0) problems.push(`InfluxDB stored ${JSON.stringify(server.points)}, we read ${JSON.stringify(points)}`);
      if (server.accepted !== allRead) problems.push(`InfluxDB answered ${server.response.trim()}, we read ${allRead ? 'every line' : 'not every line'}`);
      if (problems.length > 0) disagreements[c.id] = problems.join('; ');
    }
    expect(Object.keys(disagreements).sort(), JSON.stringify(disagreements, null, 2)).toEqual(Object.keys(INTENDED).sort());
  });
});
