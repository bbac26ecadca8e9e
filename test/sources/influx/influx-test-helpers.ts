/**
 * Helpers for the InfluxDB 1.x integration tests and the push-down benchmark: create a uniquely named
 * database and load the seeded demo telemetry into it through `/write` in batches.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { writeDemoLineProtocol, type DemoLineProtocolOptions } from '../../../src/sources/demo/demo-telemetry.ts';
import { isAppError, type AppError } from '../../../src/errors.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';

/** Line-protocol bytes per /write request: large enough to be quick, small enough for the server's body limit. */
export const DEFAULT_WRITE_BATCH_BYTES = 4_000_000;

export function uniqueDbName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function influxQuery(url: string, q: string, db?: string, auth?: string): Promise<unknown> {
  const body = new URLSearchParams({ q, ...(db ? { db } : {}) });
  const res = await fetch(`${url}/query`, { method: 'POST', body, headers: auth ? { authorization: auth } : {} });
  const text = await res.text();
  if (!res.ok) throw new Error(`${q}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

export async function writeLines(url: string, db: string, text: string, auth?: string): Promise<void> {
  const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ns`, { method: 'POST', body: text, headers: auth ? { authorization: auth } : {} });
  if (res.status !== 204) throw new Error(`/write: HTTP ${res.status} ${await res.text()}`);
}

/** Writes the demo telemetry for `options` into `db` (created first); returns the number of points. */
export async function loadDemo(url: string, db: string, options: DemoLineProtocolOptions, auth?: string): Promise<number> {
  await influxQuery(url, `CREATE DATABASE "${db}"`, undefined, auth);
  let buf: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const text = buf.join('');
    buf = [];
    size = 0;
    await writeLines(url, db, text, auth);
  };
  const out = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      const s = chunk.toString();
      buf.push(s);
      size += s.length;
      if (size >= DEFAULT_WRITE_BATCH_BYTES) flush().then(() => cb(), cb);
      else cb();
    },
  });
  const lines = await writeDemoLineProtocol(out, options);
  await flush();
  return lines;
}

/** Writes a line-protocol file (ns precision) into `db` (created first) in batches split at line ends, streaming (files may exceed a string's maximum length). */
export async function loadLineProtocolFile(url: string, db: string, file: string): Promise<void> {
  await influxQuery(url, `CREATE DATABASE "${db}"`);
  let pending = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: DEFAULT_WRITE_BATCH_BYTES })) {
    pending += chunk as string;
    const cut = pending.lastIndexOf('\n') + 1;
    if (cut > 0) {
      await writeLines(url, db, pending.slice(0, cut));
      pending = pending.slice(cut);
    }
  }
  if (pending.trim() !== '') await writeLines(url, db, pending);
}

/** The AppError a promise rejects with (any other outcome fails the test). */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

/** The upgrade time the InfluxDB 1.x integration tests write their telemetry around. */
export const TEST_UPGRADE_AT = Date.parse('2026-11-20T14:00:00Z');
export const HOUR = 3_600_000;

/** A query of one hour before and one hour after TEST_UPGRADE_AT, with `extra` on top. */
export function hourQuery(extra: Partial<MetricQuery> = {}): MetricQuery {
  return { upgradeAt: TEST_UPGRADE_AT, before: { start: TEST_UPGRADE_AT - HOUR, stop: TEST_UPGRADE_AT }, after: { start: TEST_UPGRADE_AT, stop: TEST_UPGRADE_AT + HOUR }, ...extra };
}
