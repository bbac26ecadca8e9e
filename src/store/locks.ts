/**
 * `Locks`: mutual exclusion across the processes that share a store (replicas, the CLI, the guard). On
 * PostgreSQL they are advisory locks; the embedded PGlite store is one process, so an in-process lock is
 * exact there. Implemented by `pg/pg-locks.ts`.
 */

export interface Locks {
  /**
   * Runs `fn` holding the lock named `key`, waiting up to `waitMs` for it; AppError('BUSY') when it cannot be
   * had in time. For short critical sections (read → decide → write of one flag).
   */
  withLock<T>(key: string, fn: () => Promise<T>, options?: { waitMs?: number }): Promise<T>;
  /**
   * Leadership for a long-running loop: when the lock `key` is free, takes it and runs `whileLeading` until it
   * returns (the lock is held all that time); `check()` throws once the lock is lost (a dropped database
   * session), so the leader steps down. When another holder has it, runs `otherwise` instead, without waiting.
   * `holder` identifies the caller for the in-process implementation.
   */
  lead<T>(key: number, holder: string, whileLeading: (check: () => Promise<void>) => Promise<T>, otherwise: () => Promise<T>): Promise<T>;
}
