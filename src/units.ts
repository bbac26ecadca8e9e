/**
 * Units of the raw values a schema describes, and their conversion to ms. A leaf apart from config.ts (which
 * re-exports it) so that the file source's reader threads can map points without loading the config's YAML parser and
 * schema validator (≈ 130 ms of a reader thread's start-up, issue 12).
 */
import type { SchemaMapping } from './config.ts';

/**
 * Milliseconds per unit of the raw values a schema describes (`unit` of a metric). Reports are always in ms, so
 * Prometheus-style seconds and InfluxDB milliseconds both work without the user converting anything.
 */
export const MS_PER_TIME_UNIT = { s: 1000, ms: 1, us: 0.001, ns: 0.000001 } as const;
export type TimeUnit = keyof typeof MS_PER_TIME_UNIT;
export const DEFAULT_TIME_UNIT: TimeUnit = 'ms';

/** Milliseconds per raw unit (1 when `unit` is absent); the unit must have passed checkTimeUnit. */
export function msPerUnit(unit: string | undefined): number {
  return unit === undefined ? 1 : MS_PER_TIME_UNIT[unit as TimeUnit];
}

/** Factors from raw values to ms, per metric of a schema: request durations, backoff waits, histogram `le` bounds. */
export interface UnitFactors {
  duration: number;
  backoff: number;
  le: number;
}

export function unitFactors(schema: SchemaMapping): UnitFactors {
  return { duration: msPerUnit(schema.request.unit), backoff: msPerUnit(schema.upstream.unit), le: msPerUnit(schema.histogram.unit) };
}

/**
 * A bucket bound in ms: rounded to 15 significant digits so that 0.3 s is 300 ms, not 300.00000000000006 (the
 * bound is shown on findings and two sources must agree on it). Infinity (`+Inf`) stays Infinity.
 */
export function boundToMs(le: number, factor: number): number {
  return factor === 1 || !Number.isFinite(le) ? le : Number((le * factor).toPrecision(15));
}
