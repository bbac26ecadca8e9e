/**
 * The backoff constants carried in the feature flag's strategy-variant payload, their bounds, and the
 * exact field-by-field diff between two flag states. Pure: shared by the Unleash client, the action
 * service, the recommendation and the reference client helper.
 */
import { AppError } from '../errors.ts';

export interface BackoffConstants {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Cap on a single delay, ms. */
  maxMs: number;
  /** Growth factor from one retry delay to the next. */
  multiplier: number;
  /** Share of each delay that is randomised away: delay · (1 − jitter · U), U uniform in [0, 1). */
  jitter: number;
  /** Tries per logical call, the first one included (1 = never retry). */
  maxAttempts: number;
}

export const BACKOFF_FIELDS = ['baseMs', 'maxMs', 'multiplier', 'jitter', 'maxAttempts'] as const;
export type BackoffField = (typeof BACKOFF_FIELDS)[number];

export interface Range {
  min: number;
  max: number;
}
export type BackoffBounds = Record<BackoffField, Range>;

export const DEFAULT_BACKOFF_BOUNDS: BackoffBounds = {
  baseMs: { min: 10, max: 2000 },
  maxMs: { min: 10, max: 60_000 },
  multiplier: { min: 1, max: 4 },
  jitter: { min: 0, max: 1 },
  maxAttempts: { min: 1, max: 10 },
};

/** What a client uses when the flag is off, unknown, or carries an invalid payload. */
export const DEFAULT_BACKOFF_CONSTANTS: BackoffConstants = { baseMs: 100, maxMs: 5000, multiplier: 2, jitter: 0.2, maxAttempts: 3 };

export interface ShapeOptions {
  /**
   * Accept fields other than the five. A live payload may carry fields other teams own (they are kept when the
   * constants are rewritten); a request body or a value we write never does.
   */
  allowOtherFields?: boolean;
}

/**
 * Checks shape and types of a payload object (no bounds). Returns a message naming the first bad field,
 * or null when it is a complete set of constants. Types are never coerced: `"100"`, `true` or `false` where a
 * number belongs are problems, not 100, 1 or 0.
 */
export function backoffShapeProblem(value: unknown, options: ShapeOptions = {}): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const obj = value as Record<string, unknown>;
  for (const f of BACKOFF_FIELDS) {
    const v = obj[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `field "${f}" must be a finite number (${v === undefined ? 'it is missing' : `got ${JSON.stringify(v)}`})`;
  }
  if (!Number.isInteger(obj.maxAttempts)) return `field "maxAttempts" must be an integer (got ${String(obj.maxAttempts)})`;
  if (options.allowOtherFields) return null;
  const extra = Object.keys(obj).filter((k) => !(BACKOFF_FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) return `unknown field "${extra[0]}" (allowed: ${BACKOFF_FIELDS.join(', ')})`;
  return null;
}

/** Parses the variant payload's `value` (a JSON string); `where` names the flag/variant in the error. */
export function parseBackoffPayload(value: string, where: string, options: ShapeOptions = {}): BackoffConstants {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new AppError('BAD_INPUT', `${where}: payload is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const problem = backoffShapeProblem(parsed, options);
  if (problem) throw new AppError('BAD_INPUT', `${where}: ${problem}`);
  return pickConstants(parsed as BackoffConstants);
}

/**
 * The payload text that carries `constants` and keeps every other field of `previous` (the payload it replaces)
 * as it was, in its place: fields we do not own survive a tune and its revert. A previous payload that is not a
 * JSON object has nothing to keep.
 */
export function payloadWith(previous: string | undefined, constants: BackoffConstants): string {
  let kept: Record<string, unknown> = {};
  try {
    const parsed: unknown = previous === undefined ? null : JSON.parse(previous);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) kept = parsed as Record<string, unknown>;
  } catch {
    // not JSON: nothing to keep
  }
  return JSON.stringify({ ...kept, ...pickConstants(constants) });
}

/** A copy with exactly the five fields in canonical order (so JSON text compares equal). */
export function pickConstants(c: BackoffConstants): BackoffConstants {
  return { baseMs: c.baseMs, maxMs: c.maxMs, multiplier: c.multiplier, jitter: c.jitter, maxAttempts: c.maxAttempts };
}

export function serializeConstants(c: BackoffConstants): string {
  return JSON.stringify(pickConstants(c));
}

export function sameConstants(a: BackoffConstants | null, b: BackoffConstants | null): boolean {
  if (a === null || b === null) return a === b;
  return BACKOFF_FIELDS.every((f) => a[f] === b[f]);
}

/** Every bound violation, each naming the field, the value and the bound. Empty when within bounds. */
export function boundViolations(c: BackoffConstants, bounds: BackoffBounds): string[] {
  const out: string[] = [];
  for (const f of BACKOFF_FIELDS) {
    const { min, max } = bounds[f];
    if (c[f] < min) out.push(`${f}=${c[f]} is below the minimum ${min}`);
    else if (c[f] > max) out.push(`${f}=${c[f]} is above the maximum ${max}`);
  }
  if (c.maxMs < c.baseMs) out.push(`maxMs=${c.maxMs} is below baseMs=${c.baseMs} (maxMs must be >= baseMs)`);
  if (!Number.isInteger(c.maxAttempts)) out.push(`maxAttempts=${c.maxAttempts} must be an integer`);
  return out;
}

/** Throws AppError('OUT_OF_BOUNDS') naming every violated field and bound. */
export function assertWithinBounds(c: BackoffConstants, bounds: BackoffBounds): void {
  const v = boundViolations(c, bounds);
  if (v.length > 0) {
    throw new AppError('OUT_OF_BOUNDS', `backoff constants refused: ${v.join('; ')}`, { details: { violations: v, bounds } });
  }
}

/** The part of a flag's state that actions change and revert compares. */
export interface FlagSnapshot {
  enabled: boolean;
  /** null: the strategy variant carrying the constants is missing. */
  constants: BackoffConstants | null;
}

export interface DiffEntry {
  /** `enabled` or `constants.<field>` (or `constants` when one side has none). */
  field: string;
  from: unknown;
  to: unknown;
}

/** Field-by-field difference from `a` to `b`, in a stable order. */
export function diffSnapshots(a: FlagSnapshot | null, b: FlagSnapshot): DiffEntry[] {
  const out: DiffEntry[] = [];
  if (a === null || a.enabled !== b.enabled) out.push({ field: 'enabled', from: a?.enabled ?? null, to: b.enabled });
  const ca = a?.constants ?? null;
  const cb = b.constants;
  if (ca === null || cb === null) {
    if (ca !== cb) out.push({ field: 'constants', from: ca, to: cb });
    return out;
  }
  for (const f of BACKOFF_FIELDS) if (ca[f] !== cb[f]) out.push({ field: `constants.${f}`, from: ca[f], to: cb[f] });
  return out;
}

export function sameSnapshot(a: FlagSnapshot, b: FlagSnapshot): boolean {
  return a.enabled === b.enabled && sameConstants(a.constants, b.constants);
}

/** Human-readable one-liner of a diff, e.g. `enabled: true → false; constants.baseMs: 200 → 100`. */
export function formatDiff(diff: DiffEntry[]): string {
  if (diff.length === 0) return 'no change';
  return diff.map((d) => `${d.field}: ${JSON.stringify(d.from)} → ${JSON.stringify(d.to)}`).join('; ');
}
