/**
 * The scope of one whole operation (every attempt, every backoff wait, every body byte): its signal aborts
 * when the caller's signal aborts or when the total deadline passes, whichever comes first. A deadline is
 * kept apart from the idle timeout on purpose: a server that trickles one byte just inside the idle timeout
 * would otherwise hold the operation forever.
 */
class DeadlineExceeded {
  constructor(readonly ms: number) {}
}

export class OperationScope {
  readonly signal: AbortSignal;
  /** Epoch ms at which the deadline passes; Infinity without one. */
  readonly deadlineAt: number;
  private readonly ctl = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly parent: AbortSignal | undefined;
  private readonly onParentAbort = (): void => this.ctl.abort(this.parent?.reason);

  private timedOut = false;

  /**
   * `expiredReason` makes the abort reason of an expired deadline (default: a private marker): an AppError there
   * reaches whatever runs under the signal (the retry loop, fetch, a file read) and is thrown as is, so the error
   * names what timed out at the level that set the deadline.
   */
  constructor(parent?: AbortSignal, deadlineMs?: number, expiredReason?: () => unknown) {
    this.parent = parent;
    this.signal = this.ctl.signal;
    this.deadlineAt = deadlineMs !== undefined && deadlineMs > 0 ? Date.now() + deadlineMs : Infinity;
    if (parent?.aborted) this.ctl.abort(parent.reason);
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
    if (deadlineMs !== undefined && deadlineMs > 0 && !this.ctl.signal.aborted) {
      this.timer = setTimeout(() => {
        if (this.ctl.signal.aborted) return;
        this.timedOut = true;
        this.ctl.abort(expiredReason ? expiredReason() : new DeadlineExceeded(deadlineMs));
      }, deadlineMs);
    }
  }

  /** The caller cancelled (takes precedence over the deadline when both happened). */
  get cancelled(): boolean {
    return this.parent?.aborted === true;
  }

  /** The total deadline passed (and the caller did not cancel first). */
  get expired(): boolean {
    return this.timedOut;
  }

  remainingMs(): number {
    return this.deadlineAt - Date.now();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}

/** Settles with `p`, or rejects with the signal's reason as soon as it aborts (p's late outcome is ignored). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
