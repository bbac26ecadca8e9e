/**
 * Parallel reading of a large plain line-protocol file: the file is cut into segments at line ends; the main
 * thread and a few worker threads take segments from one queue (so a worker that is still starting up simply
 * takes fewer), each segment into its own WindowBuilder; at the end the segments' states are merged into the
 * main builder in file order (the result equals a one-thread read exactly), and bad-line numbers are made
 * absolute from the per-segment line counts.
 */
import { availableParallelism, loadavg } from 'node:os';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { SchemaMapping } from '../../config.ts';
import { combineTotals, readRange, segmentBoundaries, totalsOf, type ParseTotals } from './file-read.ts';
import { DEFAULT_BAD_LINES_KEPT, LineProtocolParser, type Precision } from './line-protocol.ts';
import type { MetricQuery } from '../metric-source.ts';
import { schemaTokens, type SchemaMapper, type SchemaMapperState } from './schema-mapper.ts';
import { WindowBuilder, type WindowBuilderState } from '../window-builder/window-builder.ts';

/** Segments of 8 MiB: about 90 k lines, small enough to balance, large enough that messages cost nothing. */
export const DEFAULT_SEGMENT_BYTES = 8 << 20;
/** At most this many workers: beyond it the merge and the disk, not parsing, limit. */
export const MAX_READER_WORKERS = 3;

const WORKER_URL = new URL('./file-source-worker.js', import.meta.url);

/** Sent once as workerData. */
export interface ReaderInit {
  path: string;
  schema: SchemaMapping;
  precision: Precision;
  timelineIntervalMs: number;
  chunkBytes: number;
  query: Pick<MetricQuery, 'upgradeAt' | 'before' | 'after' | 'services' | 'endpoints' | 'eventCounts'>;
}

export type ReaderRequest = { type: 'segment'; index: number; start: number; end: number } | { type: 'finish' };
export type ReaderReply =
  | { type: 'segment-done'; index: number; bytes: number; totals: ParseTotals; builder: WindowBuilderState }
  | { type: 'mapper'; mapper: SchemaMapperState }
  | { type: 'error'; message: string };

/**
 * Worker threads to use next to the main thread (0 = read on the main thread only): one per core left idle
 * over the last minute besides the one the main thread uses. On a busy machine a worker only competes for
 * the same cores and adds its start-up (~0.35 s CPU for the TypeScript loader) and the merge: measured 1.6×
 * slower there, ~25 % faster on an idle 2-core machine by estimate.
 */
export function defaultReaderWorkers(): number {
  const idleCores = availableParallelism() - loadavg()[0];
  return Math.max(0, Math.min(MAX_READER_WORKERS, Math.round(idleCores - 1)));
}

/** A worker answering one request at a time. */
class ReaderWorker {
  private readonly worker: Worker;
  private pending: { resolve: (r: ReaderReply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(init: ReaderInit) {
    this.worker = new Worker(WORKER_URL, { workerData: init });
    this.worker.on('message', (msg: ReaderReply) => {
      const p = this.pending;
      this.pending = null;
      if (msg.type === 'error') p?.reject(new Error(msg.message));
      else p?.resolve(msg);
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      this.pending?.reject(e);
      this.pending = null;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`line-protocol reader worker exited (code ${code})`)));
  }

  call(request: ReaderRequest): Promise<ReaderReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(request);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

export interface ParallelReadOptions {
  path: string;
  size: number;
  workers: number;
  segmentBytes: number;
  chunkBytes: number;
  precision: Precision;
  schema: SchemaMapping;
  timelineIntervalMs: number;
  query: MetricQuery;
  builder: WindowBuilder;
  mapper: SchemaMapper;
  /** False: the main thread only hands out segments and merges (default true: it parses too). */
  readOnMainThread?: boolean;
}

export interface ParallelReadResult extends ParseTotals {
  /** Segments parsed by the main thread (index 0) and by each worker. */
  segmentsPerThread: number[];
}

export async function readParallel(o: ParallelReadOptions): Promise<ParallelReadResult> {
  const { query } = o;
  const fh = await open(o.path, 'r');
  const workers: ReaderWorker[] = [];
  const onAbort = (): void => void Promise.all(workers.map((w) => w.terminate()));
  query.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const bounds = await segmentBoundaries(fh, o.size, o.segmentBytes);
    const segments = bounds.slice(0, -1).map((start, index) => ({ index, start, end: bounds[index + 1] }));
    const results: ParseTotals[] = new Array<ParseTotals>(segments.length);
    const states: WindowBuilderState[] = new Array<WindowBuilderState>(segments.length);
    const init: ReaderInit = {
      path: o.path,
      schema: o.schema,
      precision: o.precision,
      timelineIntervalMs: o.timelineIntervalMs,
      chunkBytes: o.chunkBytes,
      query: { upgradeAt: query.upgradeAt, before: query.before, after: query.after, services: query.services, endpoints: query.endpoints, eventCounts: query.eventCounts },
    };
    const onMain = o.readOnMainThread ?? true;
    const workerCount = Math.max(onMain ? 0 : 1, Math.min(o.workers, segments.length - (onMain ? 1 : 0)));
    for (let k = 0; k < workerCount; k++) workers.push(new ReaderWorker(init));
    const segmentsPerThread = new Array<number>(workers.length + 1).fill(0);

    let next = 0;
    let bytesDone = 0;
    const progress = (n: number): void => {
      bytesDone += n;
      query.onProgress?.(Math.min(1, bytesDone / o.size));
    };
    const buffer = Buffer.allocUnsafe(o.chunkBytes);
    const tokens = schemaTokens(o.schema);
    const mainLoop = async (): Promise<void> => {
      while (onMain && next < segments.length) {
        const s = segments[next++];
        const segmentBuilder = WindowBuilder.forQuery(init.query, { timelineIntervalMs: o.timelineIntervalMs });
        o.mapper.use(segmentBuilder);
        const parser = new LineProtocolParser(o.mapper.onPoint, { precision: o.precision, knownTokens: tokens });
        await readRange(fh, s, buffer, parser, { onBytes: progress, signal: query.signal });
        results[s.index] = totalsOf(parser);
        states[s.index] = segmentBuilder.exportState();
        segmentsPerThread[0]++;
      }
    };
    const workerLoop = async (w: ReaderWorker, k: number): Promise<void> => {
      while (next < segments.length) {
        const s = segments[next++];
        const r = await w.call({ type: 'segment', ...s });
        if (r.type !== 'segment-done') throw new Error(`unexpected reply ${r.type}`);
        results[s.index] = r.totals;
        states[s.index] = r.builder;
        segmentsPerThread[k + 1]++;
        progress(r.bytes);
      }
    };
    try {
      await Promise.all([mainLoop(), ...workers.map((w, k) => workerLoop(w, k))]);
    } finally {
      o.mapper.use(o.builder);
    }
    // In file order, whoever parsed the segment: the raw values come out exactly as a one-thread read gives
    // them, so the report does not depend on scheduling (sums in another order differ in the last bits).
    for (const state of states) o.builder.mergeState(state);
    for (const w of workers) {
      const r = await w.call({ type: 'finish' });
      if (r.type !== 'mapper') throw new Error(`unexpected reply ${r.type}`);
      o.mapper.mergeState(r.mapper);
    }
    return { ...combineTotals(results, DEFAULT_BAD_LINES_KEPT), segmentsPerThread };
  } catch (e) {
    // A worker terminated by the abort rejects with its exit: report the abort instead.
    if (query.signal?.aborted) throw query.signal.reason;
    throw e;
  } finally {
    query.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
    await fh.close();
  }
}
