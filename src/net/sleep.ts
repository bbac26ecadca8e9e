/**
 * The one abortable sleep. Rejects with `signal.reason` the moment the signal aborts (also when it was
 * aborted before the call), and leaves no timer or listener behind either way.
 * A caller that wants "wake up early on abort" instead of an error writes `await sleep(ms, s).catch(() => {})`.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
