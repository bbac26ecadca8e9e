/**
 * Reference for client teams: how a service reads the backoff constants that aftershock tunes.
 * The feature flag (default `dten.backoff.v2`) gates the new strategy; its strategy variant
 * (default `backoff-constants`) carries `{baseMs, maxMs, multiplier, jitter, maxAttempts}` as a JSON payload.
 * Read it with `unleash-client`'s `getVariant(flag, context).payload`, validate it, and fall back to safe
 * defaults on anything unexpected — a bad payload must never take a client down.
 *
 * @example
 * import { initialize } from 'unleash-client';
 * const unleash = initialize({ url: 'http://unleash:4242/api/', appName: 'shop', customHeaders: { Authorization: token } });
 * const s = readBackoffSettings(unleash, { context: { userId } });
 * // s.enabled === false → use the old strategy; else wait backoffDelayMs(s.constants, retry, Math.random()) before retry `retry`
 */
import type { Context, Unleash } from 'unleash-client';
import {
  backoffShapeProblem,
  boundViolations,
  DEFAULT_BACKOFF_BOUNDS,
  DEFAULT_BACKOFF_CONSTANTS,
  pickConstants,
  type BackoffBounds,
  type BackoffConstants,
} from '../backoff-constants.ts';

export { DEFAULT_BACKOFF_CONSTANTS, type BackoffConstants };

export const DEFAULT_BACKOFF_FLAG = 'dten.backoff.v2';
export const DEFAULT_BACKOFF_VARIANT = 'backoff-constants';

export interface BackoffSettings {
  /** The new strategy is on for this context (false: flag off, unknown, or not yet fetched). */
  enabled: boolean;
  constants: BackoffConstants;
  /** `flag`: the constants came from the payload; `default`: the fallback was used (see `problem`). */
  source: 'flag' | 'default';
  /** Why the fallback was used, when it was for a reason other than the flag being off. */
  problem?: string;
}

export interface ReadBackoffOptions {
  flag?: string;
  variant?: string;
  context?: Context;
  /** Used when the flag is off or the payload is unusable. */
  defaults?: BackoffConstants;
  /** A payload outside these is not trusted (the same bounds aftershock enforces when writing). */
  bounds?: BackoffBounds;
}

/** Reads and validates the constants for `context`; never throws. */
export function readBackoffSettings(unleash: Pick<Unleash, 'getVariant'>, options: ReadBackoffOptions = {}): BackoffSettings {
  const defaults = options.defaults ?? DEFAULT_BACKOFF_CONSTANTS;
  const variantName = options.variant ?? DEFAULT_BACKOFF_VARIANT;
  const fallback = (enabled: boolean, problem?: string): BackoffSettings => ({ enabled, constants: { ...defaults }, source: 'default', ...(problem ? { problem } : {}) });
  let v: ReturnType<Unleash['getVariant']>;
  try {
    v = unleash.getVariant(options.flag ?? DEFAULT_BACKOFF_FLAG, options.context ?? {});
  } catch (e) {
    return fallback(false, `getVariant failed: ${(e as Error).message}`);
  }
  const featureEnabled = v.feature_enabled ?? v.featureEnabled ?? false;
  if (!featureEnabled) return fallback(false);
  if (v.name !== variantName || !v.payload) return fallback(true, `variant "${v.name}" carries no "${variantName}" payload`);
  if (v.payload.type !== 'json') return fallback(true, `payload type is "${v.payload.type}", expected "json"`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(v.payload.value);
  } catch (e) {
    return fallback(true, `payload is not valid JSON: ${(e as Error).message}`);
  }
  // Fields other than the five may belong to other teams' settings: they are ignored, not a reason to distrust.
  const shape = backoffShapeProblem(parsed, { allowOtherFields: true });
  if (shape) return fallback(true, `payload: ${shape}`);
  const constants = pickConstants(parsed as BackoffConstants);
  const outside = boundViolations(constants, options.bounds ?? DEFAULT_BACKOFF_BOUNDS);
  if (outside.length > 0) return fallback(true, `payload out of bounds: ${outside.join('; ')}`);
  return { enabled: true, constants, source: 'flag' };
}

/**
 * Wait before retry `retry` (1 = the first retry): min(maxMs, baseMs · multiplier^(retry−1)) · (1 − jitter · u),
 * with `u` uniform in [0, 1) from the caller (Math.random() in production, fixed in tests).
 * This is the model aftershock's recommendation assumes.
 */
export function backoffDelayMs(c: BackoffConstants, retry: number, u: number): number {
  return Math.min(c.maxMs, c.baseMs * c.multiplier ** (retry - 1)) * (1 - c.jitter * u);
}
