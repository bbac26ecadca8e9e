/**
 * `Locks`: mutual exclusion across the processes that share a store (replicas, the CLI, the guard). On
 * PostgreSQL they are advisory locks; the embedded PGlite store is one process, so an in-process lock is
 * exact there. Implemented by `pg/pg-locks.ts`.
 */
import { AppError, isAppError } from '../errors.ts';

export interface Locks {
  /**
   * Runs `fn` holding the lock named `key`, waiting up to `waitMs` for it; AppError('BUSY') when it cannot be
   * had in time. For short critical sections (read → decide → write of one flag).
   */
  withLock<T>(key: string, fn: () => Promise<T>, options?: { waitMs?: number }): Promise<T>;
  /**
   * Leadership for a long-running loop: when the lock `key` is free, takes it and runs `whileLeading` until it
   * returns (the lock is held all that time). Once the lock is lost (its database session ended), `lost` is
   * aborted with a `leadershipLost` error as its reason and `check()` throws that error, so the leader stops what
   * it is doing and steps down. When another holder has it, runs `otherwise` instead, without waiting.
   * `holder` identifies the caller for the in-process implementation.
   */
  lead<T>(key: number, holder: string, whileLeading: (check: () => Promise<void>, lost: AbortSignal) => Promise<T>, otherwise: () => Promise<T>): Promise<T>;
}

/** The error a leader gets when its lock is gone with its database session. */
export function leadershipLost(cause: unknown): AppError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new AppError('UPSTREAM', `lost the guard lock: the database session ended (${why})`, { cause, details: { leadershipLost: true } });
}

export function isLeadershipLost(e: unknown): e is AppError {
  return isAppError(e) && e.details?.leadershipLost === true;
}
