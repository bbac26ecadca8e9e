/**
 * The one way aftershock writes numbers for people: the finding reasons and summary (analysis/), chart titles,
 * alt texts and plain-word sentences (charts/) and the Markdown, HTML and JSON reports (report/) all spell their
 * numbers here, so the same finding reads the same in every format.
 *
 * It lives in analysis/ because the reasons are written here and analysis/ may import only stats/; charts/ and
 * report/ sit downstream of analysis/ and import it from here (the import direction stays one way).
 *
 * House style (pure, no locale from the environment: the output is the same on every machine):
 * - numbers: three significant digits, never fewer than the integer digits, thousands grouped with commas,
 *   trailing zeros dropped, a true minus sign: `805`, `1,322`, `65.6`, `1.2`, `0.0213`, `−3`;
 * - durations: `805 ms`, `1,322 ms`; counts: `48,109`;
 * - percentages: whole from 100 up, one decimal from 1, two significant digits below, a space before `%`;
 *   relative changes signed: `+22.7 %`, `−4.2 %`, `+0.39 %`, `+176 %`, `±0 %`; shares and levels unsigned:
 *   `95 %`, `0.4 %`, `0.0012 %`, `0 %`;
 * - p- and q-values: `0.012`, `0.500`, `3.2e-5`, `< 1e-300`;
 * - intervals: `+15.2 % to +31 %`; an open end (±Infinity in memory, null in JSON) is `+∞` / `−∞`;
 * - anything missing or not finite where a number is expected: `n/a`.
 */
import type { Tolerance } from './types.ts';

/** True minus (U+2212): reads as a minus next to "+", and a hyphen cannot be mistaken for a dash in prose. */
const MINUS = '\u2212';

/** Units whose values are plain numbers (the statistic's name already says what they count). */
const BARE_UNITS = new Set(['', '1', 'ratio', 'fraction', 'retries/call']);
/** Units whose values are shares of a whole, written as percentages. */
const SHARE_UNITS = new Set(['share of calls', 'share']);

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** `x` with float noise dropped (0.012 × 100 is 1.2000000000000002), its magnitude spelled by `digits`, a true minus. */
function signed(x: number, digits: (a: number) => string): string {
  // A whole number of at most 12 digits has no float noise to drop (toPrecision(12) gives it back as it is), and
  // counts are most of what the reasons spell: skip the string round trip for them.
  const v = Number.isInteger(x) && Math.abs(x) < 1e12 ? x : Number(x.toPrecision(12));
  const m = v === 0 ? '0' : digits(Math.abs(v));
  return v < 0 && m !== '0' ? `${MINUS}${m}` : m;
}

/** Unsigned magnitude of a plain number; `a` is finite and > 0. */
function magnitude(a: number): string {
  if (a >= 100) return grouped(Math.round(a));
  // Trailing zeros dropped: "1.2", not "1.20"; three significant digits keep 0.0105 and 0.0102 apart.
  if (a >= 10) return String(Number(a.toFixed(1)));
  if (a >= 1) return String(Number(a.toFixed(2)));
  return String(Number(a.toPrecision(3)));
}

/**
 * A whole number ≥ 0 with its thousands grouped by commas, as `toLocaleString('en-US')` writes it: that call goes
 * through ICU and was most of the time of the five reasons per endpoint at 100 000 endpoints (issue 12). Beyond
 * the exactly representable integers, where digit strings could differ, it is still the one that writes them.
 */
function grouped(n: number): string {
  if (n < 1000) return String(n);
  if (n > Number.MAX_SAFE_INTEGER) return n.toLocaleString('en-US');
  const digits = String(n);
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

/** A number for people: `805`, `1,322`, `65.6`, `1.23`, `0.0213`, `−3`, `n/a`. */
export function formatNumber(x: number | null | undefined): string {
  return finite(x) ? signed(x, magnitude) : 'n/a';
}

/**
 * The number of a percentage: whole percents from 100 up, one decimal from 1 (`22.7`, `9.2`), two significant
 * digits below (`0.39`, `0.0012`): a change of a few tenths of a percent needs no third digit.
 */
function percentNumber(pct: number): string {
  return signed(pct, (a) => (a >= 100 ? grouped(Math.round(a)) : a >= 1 ? String(Number(a.toFixed(1))) : String(Number(a.toPrecision(2)))));
}

/** A share or level as a percentage, unsigned: 0.05 → `5 %`, 0.004 → `0.4 %`, 0.000012 → `0.0012 %`, 0 → `0 %`. */
export function formatPercent(share: number | null | undefined): string {
  if (!finite(share)) return 'n/a';
  return `${percentNumber(share * 100)} %`;
}

/** A relative change (after / before − 1), signed: 0.227 → `+22.7 %`, −0.042 → `−4.2 %`, 0 → `±0 %`. */
export function formatChange(rel: number | null | undefined): string {
  if (rel === Infinity) return '+∞';
  if (rel === -Infinity) return `${MINUS}∞`;
  if (!finite(rel)) return 'n/a';
  const pct = percentNumber(rel * 100);
  if (pct === '0') return '±0 %';
  return `${pct.startsWith(MINUS) ? '' : '+'}${pct} %`;
}

/** A duration in milliseconds: `805 ms`, `1,322 ms`. */
export function formatDuration(ms: number | null | undefined): string {
  return finite(ms) ? `${formatNumber(ms)} ms` : 'n/a';
}

/** A span of time for prose: `45 s`, `30 min`, `1 h 30 min`, `2 d 4 h` (two units at most, rounded down to seconds). */
export function formatSpan(ms: number | null | undefined): string {
  if (!finite(ms)) return 'n/a';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]];
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [u, f] of units) {
    if (rest >= f) {
      parts.push(`${Math.floor(rest / f)} ${u}`);
      rest %= f;
    } else if (parts.length > 0) parts.push('');
    if (parts.length === 2) break;
  }
  return parts.filter(Boolean).join(' ');
}

/**
 * A value in its unit as a table cell shows it: `805 ms`, `0.021` (retries per call), `0.4 %` (a share), `3 widgets`.
 */
export function formatValue(v: number | null | undefined, unit: string): string {
  if (!finite(v)) return 'n/a';
  if (unit === 'ms') return formatDuration(v);
  if (SHARE_UNITS.has(unit)) return formatPercent(v);
  if (BARE_UNITS.has(unit)) return formatNumber(v);
  return `${formatNumber(v)} ${unit}`;
}

/** Before → after with the unit once, after the second number: `656 → 805 ms`; shares keep both signs: `0.4 % → 1.2 %`. */
export function formatValuePair(before: number | null | undefined, after: number | null | undefined, unit: string): string {
  const first = SHARE_UNITS.has(unit) ? formatValue(before, unit) : formatNumber(before);
  return `${first} → ${formatValue(after, unit)}`;
}

/**
 * An absolute amount in prose, always with its unit: `5 ms`, `0.002 retries/call`, and for shares the difference
 * in percentage points (`0.1 percentage points`), because "+25 % and 0.1 %" would read as two relative limits.
 */
export function formatAmount(v: number | null | undefined, unit: string): string {
  if (!finite(v)) return 'n/a';
  if (SHARE_UNITS.has(unit)) return `${percentNumber(v * 100)} percentage points`;
  // Unitless values stay bare; retries/call is bare in a table column but named in a sentence.
  if (BARE_UNITS.has(unit) && unit !== 'retries/call') return formatNumber(v);
  return `${formatNumber(v)} ${unit}`;
}

/** Both limits of a tolerance: `+10 % and 5 ms`, `+25 % and 0.002 retries/call`. */
export function formatTolerance(t: Tolerance, unit: string): string {
  return `+${formatPercent(t.relative)} and ${formatAmount(t.absolute, unit)}`;
}

/** A p- or q-value: `0.012`, `0.500`, `3.2e-5`, `< 1e-300` (0 or below what a double distinguishes), `n/a`. */
export function formatPValue(p: number | null | undefined): string {
  if (!finite(p)) return 'n/a';
  if (p < 1e-300) return '< 1e-300';
  if (p < 0.001) return p.toExponential(1);
  return p.toFixed(3);
}

/**
 * An interval of a relative change: `+15.2 % to +31 %`. An open end (±Infinity in memory, null once the report went
 * through JSON) is written `−∞` or `+∞`; no interval at all is `n/a`.
 */
export function formatInterval(ci: readonly [number | null, number | null] | null | undefined): string {
  if (!ci) return 'n/a';
  const lo = ci[0] === null ? -Infinity : ci[0];
  const hi = ci[1] === null ? Infinity : ci[1];
  return `${formatChange(lo)} to ${formatChange(hi)}`;
}

/** The interval of a change with the bucket width next to it when the data were histograms (what they can resolve). */
export function formatIntervalWithResolution(ci: readonly [number | null, number | null] | null | undefined, resolution: number | null | undefined): string {
  if (resolution === undefined || resolution === null) return formatInterval(ci);
  return `${formatInterval(ci)} (bucket width ${Number.isFinite(resolution) ? formatPercent(resolution) : 'open'})`;
}

/** The statistic name of a quantile: `p99.9` for 0.999, `p50` for 0.5. */
export function quantileLabel(q: number): string {
  const pct = +(q * 100).toPrecision(6);
  return `p${pct}`;
}
