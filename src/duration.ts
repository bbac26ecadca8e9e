import { AppError } from './errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses a window length such as "2h", "90m", "1h30m", "45s", "1d" into milliseconds.
 * @param what names the argument in the error message (e.g. "--before").
 */
export function parseDuration(text: string, what = 'duration'): number {
  const s = String(text).trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw new AppError('BAD_INPUT', `${what}: "${text}" is not a duration; use e.g. 30m, 2h, 1h30m, 1d`);
  }
  // "0m" is a duration, just not a window: say what is wrong with it instead of calling it unreadable.
  if (!(total > 0)) throw new AppError('BAD_INPUT', `${what}: "${text}" must be longer than zero; use e.g. 30m, 2h, 1h30m, 1d`);
  return total;
}

/**
 * The instants telemetry can carry: line protocol and InfluxDB store int64 nanoseconds since 1970, i.e.
 * 1677-09-21T00:12:43.145224192Z … 2262-04-11T23:47:16.854775807Z (whole milliseconds inside). PostgreSQL's range
 * is wider but has no year 0, and "0000-01-01T00:00:00Z" used to reach it and fail there as a 500.
 */
export const MIN_TIMESTAMP_MS = -9_223_372_036_854;
export const MAX_TIMESTAMP_MS = 9_223_372_036_854;

/** Parses an RFC 3339 timestamp (with zone) into epoch ms, within MIN_TIMESTAMP_MS … MAX_TIMESTAMP_MS. */
export function parseTimestamp(text: string, what = 'timestamp'): number {
  const s = String(text).trim();
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(s)) {
    throw new AppError('BAD_INPUT', `${what}: "${text}" is not an RFC 3339 time with a zone, e.g. 2026-11-20T14:00:00Z`);
  }
  const t = Date.parse(s);
  // Date.parse rolls impossible days over (2026-02-30 → 2026-03-02): an upgrade time off by days must not pass.
  const [y, mo, d] = s.slice(0, 10).split('-').map(Number);
  const real = new Date(Date.UTC(y, mo - 1, d));
  if (!Number.isFinite(t) || real.getUTCMonth() !== mo - 1 || real.getUTCDate() !== d) {
    throw new AppError('BAD_INPUT', `${what}: "${text}" is not a valid date`);
  }
  if (t < MIN_TIMESTAMP_MS || t > MAX_TIMESTAMP_MS) {
    throw new AppError(
      'BAD_INPUT',
      `${what}: "${text}" lies outside ${new Date(MIN_TIMESTAMP_MS).toISOString()} – ${new Date(MAX_TIMESTAMP_MS).toISOString()}, the times telemetry timestamps (int64 nanoseconds) can hold`,
    );
  }
  return t;
}

export function formatDuration(ms: number): string {
  for (const [u, f] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % f === 0) return `${ms / f}${u}`;
  }
  return `${ms}ms`;
}
