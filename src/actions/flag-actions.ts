/**
 * `FlagActions`: the role interface for reading and changing the flag that gates the new backoff strategy.
 * `UnleashAdminActions` implements it over the Unleash Admin API. Each change is idempotent (same change →
 * no request, `changed: false`) and verified by reading back before it returns.
 */
import type { BackoffConstants, FlagSnapshot } from './backoff-constants.ts';

export interface FlagRef {
  project: string;
  environment: string;
  flag: string;
}

export interface FlagState extends FlagRef, FlagSnapshot {
  /** The strategy whose variant carries the constants (null when the environment has none). */
  strategyId: string | null;
  /** Why `constants` is null although a payload exists (invalid JSON, missing field…). */
  payloadProblem?: string;
}

export interface ChangeResult {
  /** False when the flag already was in the requested state (nothing was sent). */
  changed: boolean;
  /** The state read back after the change. */
  state: FlagState;
}

export interface FlagActions {
  /** Where the flag lives, without secrets (e.g. `unleash http://… project/env/flag`). */
  readonly description: string;
  readonly ref: FlagRef;
  readState(signal?: AbortSignal): Promise<FlagState>;
  /** Writes new constants; AppError('OUT_OF_BOUNDS') outside the configured bounds, whoever calls it. */
  setBackoffConstants(constants: BackoffConstants, signal?: AbortSignal): Promise<ChangeResult>;
  /**
   * Writes recorded constants back (an undo, a revert) without the bounds check: restoring what was there must
   * work even when what was there is outside the bounds.
   */
  restoreBackoffConstants(constants: BackoffConstants, signal?: AbortSignal): Promise<ChangeResult>;
  disable(signal?: AbortSignal): Promise<ChangeResult>;
  enable(signal?: AbortSignal): Promise<ChangeResult>;
  /**
   * Optional: waits until the API that SDK clients poll serves `expected` (the admin API is ahead of it by
   * up to a server tick). Never throws for "not yet": that is `served: false` with the reason.
   */
  waitUntilServed?(expected: FlagSnapshot, signal?: AbortSignal): Promise<ServedCheck>;
}

export interface ServedCheck {
  served: boolean;
  /** Time from the start of the check until the client API served it (or until giving up). */
  afterMs: number;
  detail: string;
}

export function snapshotOf(state: FlagSnapshot): FlagSnapshot {
  return { enabled: state.enabled, constants: state.constants === null ? null : { ...state.constants } };
}
