/**
 * `Retry-After` (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date. Returns the wait in ms (0 for a
 * date in the past), or null when the header is absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // All three HTTP-date forms start with the weekday; without this check Date.parse reads "-5" as a year.
  if (!/^(mon|tue|wed|thu|fri|sat|sun)/i.test(v)) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : null;
}
