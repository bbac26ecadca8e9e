/**
 * Capped exponential backoff with jitter, after Marc Brooker, "Exponential Backoff and Jitter", AWS
 * Architecture Blog, 2015 (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 *
 * The cap is min(maxDelayMs, minDelayMs · 2^retry). Two jitters are offered:
 * - `equal` (the default): cap/2 + U·cap/2. Our clients are a handful of processes against one server with a
 *   budget of 2–3 retries, so the thundering-herd problem that makes "full" win in the article's simulation is
 *   small here, while a guaranteed floor matters: a retry that fires after ~0 ms against a server that is
 *   restarting wastes one of the few attempts. The article measures equal jitter only slightly behind full
 *   jitter in total work, and far ahead of no jitter.
 * - `full`: U·cap, the article's winner for many contending clients (e.g. a webhook fan-out).
 */
export type Jitter = 'full' | 'equal';

export interface BackoffOptions {
  /** Cap of the first retry's delay; doubles per retry. */
  minDelayMs: number;
  /** Upper bound of every delay. */
  maxDelayMs: number;
  jitter?: Jitter;
}

export const DEFAULT_JITTER: Jitter = 'equal';

/** Delay before retry `retry` (0 = the first retry); `random` returns U in [0, 1). */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number): number {
  const cap = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** retry);
  const u = random();
  return (options.jitter ?? DEFAULT_JITTER) === 'full' ? u * cap : cap / 2 + u * (cap / 2);
}
