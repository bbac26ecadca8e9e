/**
 * The line-protocol cases with InfluxDB's own outcomes (test/fixtures/lp/influxdb-*.json, made by InfluxDB's parser:
 * see test/fixtures/lp/influxdb/README.md) and our parser's reading of the same inputs in the same terms, shared by
 * line-protocol-influxdb.test.ts and the real-server check in line-protocol.integration.test.ts.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FieldType, LineProtocolParser, type LineProtocolPoint, type Precision } from '../../../src/sources/line-protocol/line-protocol.ts';

const FIXTURES = new URL('../../fixtures/lp/', import.meta.url);
const TYPE_NAMES = ['float', 'integer', 'unsigned', 'boolean', 'string'];
const NS_PER_MS = 1_000_000n;

export interface InfluxPoint {
  measurement: string;
  tags: Array<[string, string]>;
  fields: Record<string, { type: string; value: number | string | boolean }>;
  timeNs: string;
}

export interface InfluxCase {
  id: string;
  /** Absent (with no other input field) for the empty input. */
  input?: string;
  inputBase64?: string;
  inputGzipBase64?: string;
  /** InfluxDB's precision: '' or n, u, ms, s, m, h. */
  precision: string;
  defaultTimeNs: string;
  /** One entry per line InfluxDB parses (not blank or comment lines), in order. */
  lines: Array<{ point?: InfluxPoint; error?: string }>;
}

export interface CaseFile {
  source: { repository: string; ref: string; commit: string; files: string };
  extraction: string;
  cases: InfluxCase[];
}

export function loadCases(name: 'influxdb-points-cases.json' | 'influxdb-edge-cases.json' | 'influxdb-fuzz-cases.json'): CaseFile {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as CaseFile;
}

export function inputOf(c: InfluxCase): Buffer {
  if (c.inputGzipBase64 !== undefined) return gunzipSync(Buffer.from(c.inputGzipBase64, 'base64'));
  if (c.inputBase64 !== undefined) return Buffer.from(c.inputBase64, 'base64');
  return Buffer.from(c.input ?? '', 'utf8');
}

/** Our precision for InfluxDB's; `m` and `h` (minutes, hours) are not offered. */
export const PRECISIONS: Record<string, Precision | undefined> = { '': 'ns', n: 'ns', u: 'us', ms: 'ms', s: 's' };
const PRECISION_NS: Record<Precision, bigint> = { ns: 1n, us: 1000n, ms: NS_PER_MS, s: 1000n * NS_PER_MS };

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** A time as whole epoch milliseconds and the nanoseconds below them (approximate for ours: a double holds it). */
export interface Time {
  ms: number;
  subMsNs: number;
}

export function timeOfNs(ns: bigint): Time {
  const ms = floorDiv(ns, NS_PER_MS);
  return { ms: Number(ms), subMsNs: Number(ns - ms * NS_PER_MS) };
}

export function timeOfMs(t: number): Time {
  const ms = Math.floor(t);
  return { ms, subMsNs: Math.round((t - ms) * 1e6) };
}

/** A point in terms both sides can give: integers as doubles (as our parser keeps them), tags sorted, fields by key. */
export interface Point {
  measurement: string;
  tags: Array<[string, string]>;
  fields: Array<[string, string, number | string | boolean]>;
  time: Time;
}

export type Outcome = { point: Point } | { error: string };

const byKey = <T extends [string, ...unknown[]]>(a: T, b: T): number => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]));

export function pointOf(measurement: string, tags: Array<[string, string]>, fields: Point['fields'], time: Time): Point {
  return { measurement, tags: [...tags].sort(byKey), fields: [...fields].sort(byKey), time };
}

export function influxOutcomes(c: InfluxCase): Outcome[] {
  return c.lines.map((l) => {
    if (l.point === undefined) return { error: l.error ?? '' };
    const p = l.point;
    const fields = Object.entries(p.fields).map(([k, f]): [string, string, number | string | boolean] => [k, f.type, f.type === 'integer' || f.type === 'unsigned' ? Number(f.value) : f.value]);
    return { point: pointOf(p.measurement, p.tags, fields, timeOfNs(BigInt(p.timeNs))) };
  });
}

export function ourPoint(p: LineProtocolPoint): Point {
  const tags: Array<[string, string]> = [];
  for (let i = 0; i < p.tagCount; i++) tags.push([p.tagKeys[i], p.tagValues[i]]);
  const fields: Point['fields'] = [];
  for (let i = 0; i < p.fieldCount; i++) {
    const t = p.fieldTypes[i];
    fields.push([p.fieldKeys[i], TYPE_NAMES[t], t === FieldType.String ? p.fieldStrings[i] : t === FieldType.Boolean ? p.fieldNumbers[i] === 1 : p.fieldNumbers[i]]);
  }
  return pointOf(p.measurement, tags, fields, timeOfMs(p.timeMs));
}

/**
 * Our parser's outcomes for the case, under InfluxDB's conditions: its precision, its default time for lines
 * without one (truncated to the precision, as InfluxDB does), no time window; fed in chunks of `chunkBytes`.
 */
export function ourOutcomes(c: InfluxCase, chunkBytes = Infinity): Outcome[] {
  const precision = PRECISIONS[c.precision];
  if (precision === undefined) throw new Error(`precision ${c.precision} is not supported`);
  const unit = PRECISION_NS[precision];
  const defaultTime = timeOfNs(floorDiv(BigInt(c.defaultTimeNs), unit) * unit);
  const found: Array<{ line: number; outcome: Outcome }> = [];
  const parser = new LineProtocolParser((p) => void found.push({ line: p.lineNumber, outcome: { point: ourPoint(p) } }), {
    precision,
    defaultTimeMs: defaultTime.ms + defaultTime.subMsNs / 1e6,
    minTimeMs: -Infinity,
    maxTimeMs: Infinity,
    keepBadLines: Infinity,
  });
  const input = inputOf(c);
  if (chunkBytes >= input.length) parser.push(input);
  else for (let o = 0; o < input.length; o += chunkBytes) parser.push(input.subarray(o, o + chunkBytes));
  parser.end();
  for (const b of parser.badLines) found.push({ line: b.line, outcome: { error: b.reason } });
  return found.sort((a, b) => a.line - b.line).map((f) => f.outcome);
}

function sameTime(a: Time, b: Time): boolean {
  // Our sub-millisecond part is a double's fraction: about 0.25 µs fine for a 2025 time.
  return a.ms === b.ms && Math.abs(a.subMsNs - b.subMsNs) <= 1000;
}

function samePoint(a: Point, b: Point): boolean {
  const { time: ta, ...pa } = a;
  const { time: tb, ...pb } = b;
  return JSON.stringify(pa) === JSON.stringify(pb) && sameTime(ta, tb);
}

/** The lines (0-based, in order) on which `ours` differs from InfluxDB's outcomes: one refuses what the other reads, or both read but differently (error texts are not compared). */
export function differingLines(influx: Outcome[], ours: Outcome[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(influx.length, ours.length); i++) {
    const a = influx[i];
    const b = ours[i];
    if ('error' in a || 'error' in b ? 'error' in a !== 'error' in b : !samePoint(a.point, b.point)) out.push(i);
  }
  return out;
}

function describe(o: Outcome): string {
  return 'error' in o ? `refuses it (${o.error})` : `reads ${JSON.stringify(o.point)}`;
}

/** How `ours` differs from InfluxDB's outcomes, line by line ([] when they agree). */
export function differences(influx: Outcome[], ours: Outcome[]): string[] {
  const out: string[] = [];
  if (influx.length !== ours.length) out.push(`${influx.length} lines for InfluxDB, ${ours.length} for us`);
  for (const i of differingLines(influx, ours)) out.push(`line ${i + 1}: InfluxDB ${describe(influx[i])}, we ${describe(ours[i])}`);
  return out;
}
