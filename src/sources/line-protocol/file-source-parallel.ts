/**
 * Parallel reading of a large plain line-protocol file: the file is cut into segments at line ends; the main
 * thread takes segments from the front of the list straight into the main builder and mapper, a ThreadPool of
 * read-segment tasks (read-segment-task.ts) takes runs of them from the back (workerClaim), each run into its own
 * WindowBuilder and SchemaMapper (a worker still starting up takes its first run later); at the end the workers'
 * states are merged after the main thread's run in file order (the result equals a one-thread read exactly), and
 * bad-line numbers are made absolute from the per-segment line counts.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { open } from 'node:fs/promises';
import type { SchemaMapping } from '../../config.ts';
import { moduleUrl, ThreadPool } from '../../worker/thread-pool.ts';
import { combineTotals, readBuffers, readRange, segmentBoundaries, totalsOf, type ParseTotals } from './file-read.ts';
import { DEFAULT_BAD_LINES_KEPT, LineProtocolParser, type Precision } from './line-protocol.ts';
import type { MetricQuery } from '../metric-source.ts';
import { schemaTokens, type SchemaMapper } from './schema-mapper.ts';
import type { WindowBuilder } from '../window-builder/window-builder.ts';
import type { Segment, SegmentReadInit, SegmentResult } from './read-segment-task.ts';

/** Segments of 8 MiB: about 90 k lines, small enough to balance, large enough that messages cost nothing. */
export const DEFAULT_SEGMENT_BYTES = 8 << 20;
/** At most this many workers: beyond it the merge and the disk, not parsing, limit. */
export const MAX_READER_WORKERS = 3;

const READ_SEGMENT_TASK_URL = moduleUrl('./read-segment-task.ts', import.meta.url);

/** How long the idle CPU is sampled before choosing the reader threads (only for files worth a parallel read). */
export const IDLE_SAMPLE_MS = 40;

/**
 * Starts measuring idle cores (0 … availableParallelism) from the kernel's per-CPU idle times; the returned function
 * ends the span and gives them. The CPU this process used meanwhile counts as idle: it is the sample of a machine on
 * which this process had slept (the parallel read takes it while it cuts the file, issue 12).
 */
export function idleSampler(): () => number {
  const idleAndTotal = (): [number, number] => {
    let idle = 0;
    let total = 0;
    for (const c of cpus()) {
      idle += c.times.idle;
      total += c.times.idle + c.times.user + c.times.nice + c.times.sys + c.times.irq;
    }
    return [idle, total];
  };
  const [idle0, total0] = idleAndTotal();
  const own0 = process.cpuUsage();
  return () => {
    const [idle1, total1] = idleAndTotal();
    const own = process.cpuUsage(own0);
    const cores = availableParallelism();
    if (!(total1 > total0)) return cores - Math.min(cores, loadavg()[0]);
    return Math.min(cores, (cores * (idle1 - idle0 + (own.user + own.system) / 1000)) / (total1 - total0));
  };
}

/** Idle cores (0 … availableParallelism) over the next `ms`. */
export async function idleCores(ms = IDLE_SAMPLE_MS): Promise<number> {
  const sample = idleSampler();
  await sleep(ms);
  return sample();
}

/**
 * Worker threads to use next to the main thread (0 = read on the main thread only): one per core idle right now
 * besides the one the main thread uses, measured over IDLE_SAMPLE_MS. It used the one-minute load average, which
 * still counts the processes that just finished (a benchmark's previous run, the build before the analysis) and so
 * chose one thread on a machine that was idle by then, where two are 1.45× faster (issue 12). On a busy machine a
 * worker only competes for the same cores and adds its start-up and the merge (measured 1.6× slower there).
 */
export async function defaultReaderWorkers(): Promise<number> {
  return readerWorkersFor(await idleCores());
}

/**
 * Worker threads for `idle` idle cores (a sample in which this process's own CPU counts as idle): one of them is the
 * main thread's own, and a worker needs most of a core to pay for itself (0.7 of one, with what the main thread
 * leaves between reads).
 */
export function readerWorkersFor(idle: number): number {
  return Math.max(0, Math.min(MAX_READER_WORKERS, Math.floor(idle - 1 + 0.3)));
}

/**
 * Segment size for `threads` threads: DEFAULT_SEGMENT_BYTES, or larger so there are at most about four segments per
 * thread. Every segment has its own builder holding every series it meets, merged at the end: with 100 000 series,
 * 26 small segments of a 210 MB file meant 26 copies of every series' state.
 */
export function segmentBytesFor(size: number, threads: number): number {
  return Math.max(DEFAULT_SEGMENT_BYTES, Math.ceil(size / (4 * Math.max(1, threads))));
}

/**
 * Keep handing segments to workers only while the threads together read at least this many times as fast as the
 * main thread alone. Two threads can be slower than one although the machine looks idle: on the 2-vCPU machines
 * of issue 12 a second thread costs 1.8× the CPU for 0.92× the speed (cores that share a physical core, or a
 * neighbour's load), and the merge of every worker segment comes on top.
 */
export const WORKERS_PAY_SPEEDUP = 1.2;

/** Rates are measured over at least this long (a 1 MiB chunk takes ≈ 8 ms). */
const MIN_RATE_SPAN_MS = 50;

/** Rates in bytes per ms, measured while reading (see readParallel). */
export interface ReadRates {
  /** The main thread before the first worker segment began parsing. */
  mainAlone: number;
  /** The main thread while the latest worker segment was parsed. */
  mainShared: number;
  /** Each worker's latest segment. */
  workers: number[];
}

/** Whether the workers speed the read up enough to be given more segments (WORKERS_PAY_SPEEDUP). */
export function workersPay(r: ReadRates): boolean {
  const together = r.mainShared + r.workers.reduce((a, b) => a + b, 0);
  return together >= WORKERS_PAY_SPEEDUP * r.mainAlone;
}

/**
 * Segments a worker takes at once from the `remaining` ones, with `threads` threads reading: a share of what is
 * left that shrinks as the read goes on ("factoring": half the remainder split among the threads, S. F. Hummel,
 * E. Schonberg & L. E. Flynn, Comm. ACM 35(8) (1992) 90–101), at least one. A worker's task costs its thread
 * the state of every series it meets, exported and merged on the main thread: with 100 000 series that was a third
 * of a worker's time per 13 MB segment (issue 12), so few large tasks first and small ones to even out the end.
 */
export function workerClaim(remaining: number, threads: number): number {
  return Math.max(1, Math.ceil(remaining / (2 * Math.max(1, threads))));
}

export interface ParallelReadOptions {
  path: string;
  size: number;
  /**
   * Worker threads next to the main thread, or 'auto': as many as the cores idle while the file is cut into segments
   * (readerWorkersFor; the cut and the sample take ≈ 40 ms together before the first line is parsed).
   */
  workers: number | 'auto';
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
  /** The workers were given no more segments because they did not pay (workersPay); undefined when it never came up. */
  workersStopped?: ReadRates;
}

/** When the main thread finished each chunk of its share, to tell its read rate over a span of time. */
class MainThreadLog {
  readonly started = performance.now();
  private readonly times: number[] = [];
  private readonly bytes: number[] = [];
  private total = 0;
  private finished = Infinity;

  add(n: number): void {
    this.total += n;
    this.times.push(performance.now());
    this.bytes.push(this.total);
  }

  /** The main thread has read its share: it reads nothing after this. */
  finish(): void {
    this.finished = performance.now();
  }

  /** Bytes per ms over [from, to) (cut at the end of the main thread's share); NaN when that is under MIN_RATE_SPAN_MS. */
  rate(from: number, to: number): number {
    const end = Math.min(to, this.finished);
    if (end - from < MIN_RATE_SPAN_MS) return NaN;
    return (this.bytesAt(end) - this.bytesAt(from)) / (end - from);
  }

  /** Bytes done by time t (the chunks finished by then). */
  private bytesAt(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : this.bytes[lo - 1];
  }
}

export async function readParallel(o: ParallelReadOptions): Promise<ParallelReadResult> {
  const { query } = o;
  const fh = await open(o.path, 'r');
  let pool: ThreadPool<Segment, SegmentResult> | null = null;
  const onAbort = (): void => void pool?.close('the read was aborted');
  query.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const init: SegmentReadInit = {
      path: o.path,
      schema: o.schema,
      precision: o.precision,
      timelineIntervalMs: o.timelineIntervalMs,
      chunkBytes: o.chunkBytes,
      // Everything the builder routes points by (the baseline too: without it a reader thread filed seasonal and cohort
      // points as if the baseline were `before`) and what it keeps (timelines); not the callbacks or the signal.
      query: {
        upgradeAt: query.upgradeAt,
        before: query.before,
        after: query.after,
        services: query.services,
        endpoints: query.endpoints,
        eventCounts: query.eventCounts,
        maxSeries: query.maxSeries,
        ...(query.baseline ? { baseline: query.baseline } : {}),
        ...(query.timelines === false ? { timelines: false } : {}),
      },
    };
    const onMain = o.readOnMainThread ?? true;
    const sample = o.workers === 'auto' ? idleSampler() : null;
    const sampleStarted = performance.now();
    // The whole file is cut before any thread parses: alone the cut takes 15-45 ms (a scan for newlines, mostly
    // native), about the idle sample's span, but interleaved with the main thread's parsing each of its reads
    // waited for a chunk to be parsed, and the workers, which come in once the file is cut, started 0.8-1.5 s
    // late (issue 12: the shuffled 2.3 M-line file, 100 000 endpoints).
    const bounds = await segmentBoundaries(fh, o.size, o.segmentBytes, query.signal);
    const segments: Segment[] = [];
    for (let k = 1; k < bounds.length; k++) segments.push({ start: bounds[k - 1], end: bounds[k] });
    if (sample !== null && performance.now() - sampleStarted < IDLE_SAMPLE_MS) await sleep(IDLE_SAMPLE_MS - (performance.now() - sampleStarted));
    const workers = sample !== null ? readerWorkersFor(sample()) : (o.workers as number);

    let bytesDone = 0;
    const progress = (n: number): void => {
      bytesDone += n;
      query.onProgress?.(Math.min(1, bytesDone / o.size));
    };
    // The main thread takes segments from the front, the workers from the back, so the main thread's share is one
    // run of the file's start: it goes straight into the main builder and mapper through one parser, as a
    // one-thread read would, and only the workers' segments are exported and merged (a merge costs as much as
    // parsing a few MB; it used to be paid for every segment, the main thread's included).
    let front = 0;
    let back = segments.length;
    const workerCount = Math.max(onMain ? 0 : 1, Math.min(workers, back - (onMain ? 1 : 0)));
    if (workerCount > 0) {
      // Started before the main thread parses, so they start up meanwhile. No timeout of its own: an analysis's
      // timeout terminates its thread, and with it these.
      pool = new ThreadPool({ module: READ_SEGMENT_TASK_URL, data: init, size: workerCount, queueLimit: segments.length, name: 'line-protocol reader' });
    }
    const segmentsPerThread = new Array<number>(1 + workerCount).fill(0);
    const parser = new LineProtocolParser(o.mapper.onPoint, { precision: o.precision, knownTokens: schemaTokens(o.schema) });
    // The rule for keeping the workers (workersPay), from rates measured on this read: the main thread's rate
    // before the first worker segment began parsing (the workers were still starting) against its rate while each
    // worker segment was parsed, plus the workers' own rates. Judged each time a worker segment is done.
    let mainLog = new MainThreadLog();
    let mainAlone = NaN;
    let stopped: ReadRates | undefined;
    const mainLoop = async (): Promise<void> => {
      if (!onMain) return;
      const buffers = readBuffers(o.chunkBytes);
      const onBytes = (n: number): void => {
        mainLog.add(n);
        progress(n);
      };
      mainLog = new MainThreadLog();
      while (front < back) {
        // Segments end after a newline, where the parser has no line open: end() between them is a no-op.
        await readRange(fh, segments[front++], buffers, parser, { onBytes, signal: query.signal });
        segmentsPerThread[0]++;
      }
      mainLog.finish();
    };
    const main = mainLoop();
    // Handled here so that a failing main loop is no unhandled rejection while the workers go on (Promise.all below
    // still rejects with it).
    main.catch(() => undefined);
    const workerResults = new Array<SegmentResult | undefined>(segments.length);
    const workerRates = new Array<number>(workerCount).fill(0);
    // One task in flight per worker, so segments go to whichever thread is free next; a task is a run of
    // segments from the back (workerClaim), read as one range into one builder, exported and merged once.
    const workerLoop = async (p: ThreadPool<Segment, SegmentResult>): Promise<void> => {
      while (front < back && stopped === undefined) {
        const count = workerClaim(back - front, workerCount + (onMain ? 1 : 0));
        const index = (back -= count);
        let thread = 0;
        const range = { start: segments[index].start, end: segments[index + count - 1].end };
        const result = await p.run(range, { onStart: (worker) => (thread = worker + 1) });
        const bytes = range.end - range.start;
        workerResults[index] = result;
        segmentsPerThread[thread] += count;
        progress(bytes);
        const end = performance.now();
        const begin = end - result.parseMs;
        workerRates[thread - 1] = bytes / Math.max(1, result.parseMs);
        if (Number.isNaN(mainAlone)) mainAlone = mainLog.rate(mainLog.started, begin);
        const mainShared = mainLog.rate(begin, end);
        if (onMain && stopped === undefined && !Number.isNaN(mainAlone) && !Number.isNaN(mainShared)) {
          const rates: ReadRates = { mainAlone, mainShared, workers: [...workerRates] };
          if (!workersPay(rates)) stopped = rates;
        }
      }
    };
    const loops = [main];
    for (let k = 0; k < workerCount; k++) loops.push(workerLoop(pool!));
    await Promise.all(loops);
    // In file order after the main thread's run: the raw values come out exactly as a one-thread read gives them,
    // so the report does not depend on scheduling (sums in another order differ in the last bits).
    const parts: ParseTotals[] = [totalsOf(parser)];
    for (const r of workerResults) {
      if (r === undefined) continue;
      o.builder.mergeState(r.builder);
      o.mapper.mergeState(r.mapper);
      parts.push(r.totals);
    }
    return { ...combineTotals(parts, DEFAULT_BAD_LINES_KEPT), segmentsPerThread, ...(stopped ? { workersStopped: stopped } : {}) };
  } catch (e) {
    // Tasks cut off by the abort reject with the pool's close: report the abort instead.
    if (query.signal?.aborted) throw query.signal.reason;
    throw e;
  } finally {
    query.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
    await fh.close();
  }
}
