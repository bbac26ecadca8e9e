/**
 * Where the service's JSON log lines go by default: stdout through one asynchronous writer that batches lines.
 * pino's default writer issues one write per line once the previous one finished; at a log line per request that
 * was the largest single cost of a verdict poll (≈ 15 µs of ≈ 65 µs of main-thread CPU under load, measured with
 * bench/verdict-load.ts). Batched, a write carries ~4 KB of lines; a timer flushes whatever is held, so on a quiet
 * server a line still shows within DEFAULT_LOG_FLUSH_MS. Lines held at a normal exit are flushed (pino's exit hook).
 */
import { pino } from 'pino';

/** Bytes of log lines gathered before a write. */
export const DEFAULT_LOG_BATCH_BYTES = 4096;
/** Longest time a line waits in the batch. */
export const DEFAULT_LOG_FLUSH_MS = 200;

export interface BatchedLogOptions {
  batchBytes?: number;
  flushMs?: number;
}

/** A batching destination on a file descriptor (default 1, stdout) or a path (the benchmarks use /dev/null). */
export function batchedLogDestination(dest: number | string = 1, options: BatchedLogOptions = {}): ReturnType<typeof pino.destination> {
  const stream = pino.destination({ dest, sync: false, minLength: options.batchBytes ?? DEFAULT_LOG_BATCH_BYTES });
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      // destroyed between its close and this tick: nothing left to write
    }
  }, options.flushMs ?? DEFAULT_LOG_FLUSH_MS);
  // The timer never keeps the process alive; it ends with the stream.
  timer.unref();
  stream.on('close', () => clearInterval(timer));
  return stream;
}
