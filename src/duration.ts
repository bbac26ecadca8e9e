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
  if (s.length === 0 || matched !== s.length || !(total > 0)) {
    throw new AppError('BAD_INPUT', `${what}: "${text}" is not a duration; use e.g. 30m, 2h, 1h30m, 1d`);
  }
  return total;
}

/** Parses an RFC 3339 timestamp (with zone) into epoch ms. */
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
  return t;
}

export function formatDuration(ms: number): string {
  for (const [u, f] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % f === 0) return `${ms / f}${u}`;
  }
  return `${ms}ms`;
}
