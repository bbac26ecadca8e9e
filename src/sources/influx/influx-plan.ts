/**
 * How one metric's window is pulled from InfluxDB: cut into time slices so every request is small enough that
 * bytes keep flowing well within the idle timeout (a heavy aggregate computes silently, and a slow but healthy
 * server must not look dead), run a few at a time so the server's cores and our parsing overlap, and checked
 * against the server's own count afterwards so no series comes back short without anyone noticing.
 */
import type { TimeRange } from '../../analysis/types.ts';
import { AppError } from '../../errors.ts';

/**
 * Raw points per request: ≈ 0.6–0.8 s of influxd CPU (1.6, MessagePack). A raw answer streams from its first
 * chunk, so a larger slice does not leave the connection idle; it saves each slice's setup on both sides. Lab run of
 * the 9.2 M-point demo database (influxd 1.6.7, 2 h + 2 h, `auto`, 3 alternating rounds, 4 Dec): 120 k points per
 * slice 7.08–7.16 s wall, 9.3–9.6 s influxd CPU, 3.1–3.6 s client CPU; 500 k 6.68–6.91 s, 9.4–9.6 s, 2.7–2.8 s;
 * 2 M 6.10–6.60 s, 8.7–9.1 s, 2.4–3.0 s. A failed slice is retried alone, so it stays a few seconds of server work.
 */
export const RAW_POINTS_PER_SLICE = 1_000_000;
/** Point-scans (points × statements) per aggregated request: a few seconds of server time at most. */
export const AGGREGATED_SCANS_PER_SLICE = 2_500_000;
export const MAX_SLICES = 64;

/**
 * `n` consecutive slices covering `w` exactly (time >= start AND time < stop each). With `alignMs`, inner
 * boundaries fall on multiples of `alignMs` from `originMs`, so no GROUP BY time interval straddles two slices.
 */
export function timeSlices(w: TimeRange, n: number, alignMs = 1, originMs = 0): TimeRange[] {
  const span = w.stop - w.start;
  const count = Math.max(1, Math.min(Math.floor(n), Math.floor(span / alignMs)));
  const out: TimeRange[] = [];
  let start = w.start;
  for (let i = 1; i <= count; i++) {
    let stop = i === count ? w.stop : w.start + Math.round((span * i) / count);
    if (i < count) stop = originMs + Math.round((stop - originMs) / alignMs) * alignMs;
    if (stop <= start || stop > w.stop) continue;
    out.push({ start, stop });
    start = stop;
  }
  if (start < w.stop) out.push({ start, stop: w.stop });
  return out;
}

/** Number of slices for an estimated amount of work. */
export function sliceCount(work: number, perSlice: number): number {
  return Math.max(1, Math.min(MAX_SLICES, Math.ceil(work / perSlice)));
}

/** Runs tasks with at most `limit` in flight; the first failure rejects (tasks already started finish or are aborted by the caller). */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Series that came back with fewer points than the server counted for them, as `service name got of n`. */
function shortSeries(count: { perSeries?: Map<string, number> }, observed: Map<string, number>): string[] {
  const short: string[] = [];
  for (const [key, n] of count.perSeries ?? []) {
    const got = observed.get(key) ?? 0;
    if (got < n) short.push(`${key.replace('\u0000', ' ')} ${got} of ${n}`);
  }
  return short;
}

/** True when some series came back with fewer points than counted (see checkAgainstCount). */
export function isShort(count: { perSeries?: Map<string, number> }, observed: Map<string, number>): boolean {
  return shortSeries(count, observed).length > 0;
}

/**
 * Throws UPSTREAM when a series came back with fewer points than the server counted for it. More than counted
 * is fine: points written after the count. Only where the count has per-series detail (InfluxDB 1.x).
 */
export function checkAgainstCount(where: string, what: string, count: { perSeries?: Map<string, number> }, observed: Map<string, number>): void {
  const short = shortSeries(count, observed);
  if (short.length > 0) {
    const shown = short.length > 5 ? `${short.slice(0, 5).join(', ')} and ${short.length - 5} more` : short.join(', ');
    throw new AppError('UPSTREAM', `${where}: ${what}: the server returned fewer points than its own count (${shown}); an answer lost rows on the way, so nothing is analysed as if it were complete`);
  }
}
