/**
 * A line-protocol file (`.lp`, `.txt`, optionally gzip-compressed) as a MetricSource. Reads in large chunks,
 * parses with the streaming LineProtocolParser, maps points through the configured schema (never hard-coded
 * names) into a WindowBuilder, and refuses files with too many malformed lines.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { MetricWindows } from '../../analysis/types.ts';
import type { SchemaMapping } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { DEFAULT_MAX_TIME_MS, DEFAULT_MIN_TIME_MS, LineProtocolParser, type BadLine, type Precision } from './line-protocol.ts';
import type { MetricQuery, MetricSource } from '../metric-source.ts';
import type { SourceReadSettings } from '../source-settings.ts';
import type { SourceTechnology } from '../source-technology.ts';
import { WindowBuilder } from '../window-builder/window-builder.ts';
import { SchemaMapper, schemaTokens } from './schema-mapper.ts';
import { readBuffers, readError, readRange, totalsOf, type ParseTotals } from './file-read.ts';
import { ExtraPoints } from './extra-points.ts';
import { sniffLineProtocol } from './sniff.ts';
import { readParallel, segmentBytesFor, WORKERS_PAY_SPEEDUP, type ReadRates } from './file-source-parallel.ts';

/** 1 MiB reads: few enough chunks that per-chunk costs vanish, small enough to keep memory flat. */
export const DEFAULT_READ_CHUNK_BYTES = 1 << 20;
/** Below this size a file is read on the main thread only: a worker takes ~0.3 s to start (TypeScript loader). */
export const DEFAULT_PARALLEL_MIN_BYTES = 64 << 20;
/** `--source` arguments ending in one of these (any case) are line-protocol files. */
export const LINE_PROTOCOL_EXTENSIONS = ['.lp', '.txt', '.lp.gz', '.txt.gz'];
const PRECISIONS: readonly Precision[] = ['ns', 'us', 'ms', 's'];
/** Bad lines quoted in the refusal error and in the warning. */
const BAD_LINES_QUOTED = 3;

export interface LineProtocolFileSourceOptions {
  path: string;
  schema: SchemaMapping;
  /** Timestamp unit of the file (default ns). */
  precision?: Precision;
  /** Refuse the file when more than this share of its data lines is malformed (config.input.maxBadLineShare). */
  maxBadLineShare: number;
  timelineIntervalMs: number;
  highWaterMark?: number;
  /** Worker threads next to the main thread for large plain files (default 'auto': cores idle while the file is cut − 1, at most 3; 0 = none). */
  workers?: number | 'auto';
  /** Files at least this large are read in parallel (default 64 MiB: below it, starting workers costs more than it saves). */
  parallelMinBytes?: number;
  /** Segment size of the parallel read (default 8 MiB, larger for large files: at most ~4 segments per thread). */
  segmentBytes?: number;
  /** Parallel read: false = the main thread only coordinates (default true: it parses segments too). */
  readOnMainThread?: boolean;
}

function formatBadLine(b: BadLine): string {
  return `line ${b.line}: ${b.reason}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Reads a plain file on this thread (see readRange for the reused buffers). */
async function readPlain(path: string, chunkBytes: number, size: number, parser: LineProtocolParser, query: MetricQuery): Promise<void> {
  const fh = await open(path, 'r');
  let position = 0;
  try {
    const onBytes = (n: number): void => {
      position += n;
      query.onProgress?.(Math.min(1, position / size));
    };
    // readRange ends the parser; fetch() calls end() again, which is a no-op then.
    await readRange(fh, { start: 0, end: size }, readBuffers(chunkBytes), parser, { onBytes, signal: query.signal });
  } finally {
    await fh.close();
  }
}

async function readGzip(path: string, chunkBytes: number, size: number, parser: LineProtocolParser, query: MetricQuery): Promise<void> {
  const raw = createReadStream(path, { highWaterMark: chunkBytes, signal: query.signal });
  const input = raw.pipe(createGunzip({ chunkSize: chunkBytes }));
  raw.on('error', (e) => input.destroy(e));
  try {
    for await (const chunk of input) {
      parser.push(chunk as Buffer);
      // Progress in compressed bytes: the uncompressed size is unknown up front.
      query.onProgress?.(Math.min(1, raw.bytesRead / size));
    }
  } finally {
    raw.destroy();
  }
}

/**
 * Gzip by a `.gz` name in any case, or by its magic bytes 1f 8b: `REPORT.LP.GZ` or a compressed file saved as
 * `.lp` would otherwise be parsed as text and refused as 100 % malformed lines of binary noise. (A `.gz` name
 * without gzip data still goes to gunzip, which says so.)
 */
async function isGzip(path: string): Promise<boolean> {
  if (path.toLowerCase().endsWith('.gz')) return true;
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export class LineProtocolFileSource implements MetricSource {
  readonly description: string;
  private readonly options: LineProtocolFileSourceOptions;

  constructor(options: LineProtocolFileSourceOptions) {
    this.options = options;
    this.description = `line-protocol file ${options.path}`;
  }

  async fetch(query: MetricQuery): Promise<MetricWindows> {
    const { path } = this.options;
    const size = await this.fileSize();
    query.signal?.throwIfAborted();

    const builder = WindowBuilder.forQuery(query, { timelineIntervalMs: this.options.timelineIntervalMs, source: this.description });
    const extras = new ExtraPoints({ deployment: this.options.schema.deployment, eventCounts: query.eventCounts, before: query.before, after: query.after, services: query.services });
    const mapper = new SchemaMapper(this.options.schema, builder, extras);
    const chunkBytes = this.options.highWaterMark ?? DEFAULT_READ_CHUNK_BYTES;
    const gzip = await isGzip(path);
    const large = !gzip && size >= (this.options.parallelMinBytes ?? DEFAULT_PARALLEL_MIN_BYTES);
    // A file worth a parallel read chooses its threads by the cores idle while it is cut into segments
    // (readParallel); 'auto' may still end up with the main thread alone.
    const workers = this.options.workers ?? (large ? 'auto' : 0);
    const parallel = large && workers !== 0;
    let totals: ParseTotals;
    let threads = '';
    try {
      if (parallel) {
        const result = await readParallel({
          path,
          size,
          workers,
          // 'auto': segments for two threads, the usual choice on the 2-core machines of issue 12.
          segmentBytes: this.options.segmentBytes ?? segmentBytesFor(size, (workers === 'auto' ? 1 : workers) + (this.options.readOnMainThread === false ? 0 : 1)),
          chunkBytes,
          precision: this.options.precision ?? 'ns',
          schema: this.options.schema,
          timelineIntervalMs: this.options.timelineIntervalMs,
          query,
          builder,
          mapper,
          readOnMainThread: this.options.readOnMainThread,
        });
        totals = result;
        threads = `${stoppedNote(result.workersStopped)} (segments per thread: ${result.segmentsPerThread.join(', ')})`;
      } else {
        const parser = new LineProtocolParser(mapper.onPoint, { precision: this.options.precision ?? 'ns', knownTokens: schemaTokens(this.options.schema) });
        if (gzip) await readGzip(path, chunkBytes, size, parser, query);
        else await readPlain(path, chunkBytes, size, parser, query);
        parser.end();
        totals = totalsOf(parser);
      }
    } catch (e) {
      if (query.signal?.aborted) throw query.signal.reason;
      throw e instanceof AppError ? e : readError(path, e);
    }

    this.checkBadLines(totals);
    this.checkCoverage(totals, builder, mapper, query);
    if (totals.badLineCount > 0) {
      builder.warn(
        `${path}: ${totals.badLineCount} malformed line${totals.badLineCount === 1 ? '' : 's'} skipped ` +
          `(${formatShare(totals.badLineCount / totals.dataLines)} of ${totals.dataLines}); first: ` +
          totals.badLines.slice(0, BAD_LINES_QUOTED).map(formatBadLine).join('; '),
      );
    }
    if (mapper.otherMeasurements.size > 0) {
      const names = [...mapper.otherMeasurements.entries()].map(([m, n]) => `${m} (${n})`);
      builder.warn(`${path}: points of measurements outside the schema were ignored: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`);
    }
    query.log?.(`${path}: ${totals.lines} lines, ${totals.points} points, ${builder.counts.kept} in the windows${threads}`);
    return { ...builder.build(), ...extras.windowsFields() };
  }

  private async fileSize(): Promise<number> {
    const { path } = this.options;
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new AppError('BAD_INPUT', `line-protocol file ${path}: ${why}`, { cause: e });
    }
    if (!st.isFile()) throw new AppError('BAD_INPUT', `line-protocol file ${path}: not a regular file`);
    if (st.size === 0) throw new AppError('BAD_INPUT', `line-protocol file ${path}: the file is empty`);
    return st.size;
  }

  private checkBadLines(parser: ParseTotals): void {
    const { path, maxBadLineShare } = this.options;
    if (parser.dataLines === 0) {
      throw new AppError('BAD_INPUT', `line-protocol file ${path}: no data lines (only ${parser.lines} blank or comment lines)`);
    }
    const share = parser.badLineCount / parser.dataLines;
    if (share > maxBadLineShare) {
      throw new AppError(
        'BAD_INPUT',
        `line-protocol file ${path}: ${parser.badLineCount} of ${parser.dataLines} lines are malformed (${formatShare(share)}, ` +
          `more than the allowed ${formatShare(maxBadLineShare)}); first: ${parser.badLines.slice(0, BAD_LINES_QUOTED).map(formatBadLine).join('; ')}` +
          `${precisionHint(parser.badLines, path)}; to allow more malformed lines, raise input.maxBadLineShare in the config`,
        { details: { badLines: parser.badLines, badLineCount: parser.badLineCount, dataLines: parser.dataLines } },
      );
    }
  }

  private checkCoverage(parser: ParseTotals, builder: WindowBuilder, mapper: SchemaMapper, query: MetricQuery): void {
    const { path, schema } = this.options;
    if (builder.counts.kept > 0) return;
    if (parser.points === 0 || mapper.minTime === Infinity) {
      const measurements = [schema.request.measurement, schema.upstream.measurement, schema.histogram.measurement, schema.counters.measurement];
      throw new AppError('BAD_INPUT', `line-protocol file ${path}: no points of the configured measurements (${measurements.join(', ')})`);
    }
    const windows = `the before window (${iso(query.before.start)} – ${iso(query.before.stop)}) or the after window (${iso(query.after.start)} – ${iso(query.after.stop)})`;
    if (builder.counts.outsideWindows > 0 && builder.counts.filtered === 0) {
      throw new AppError(
        'BAD_INPUT',
        `line-protocol file ${path}: no points in ${windows}; the file covers ${iso(mapper.minTime)} – ${iso(mapper.maxTime)}`,
      );
    }
    const filters = [query.services?.length ? `services ${query.services.join(', ')}` : '', query.endpoints?.length ? `endpoints ${query.endpoints.join(', ')}` : '']
      .filter(Boolean)
      .join(' and ');
    throw new AppError('BAD_INPUT', `line-protocol file ${path}: no points in ${windows} match ${filters || 'the filters'}`);
  }
}

/** Says that (and why) the parallel read's workers were given no more segments. */
function stoppedNote(rates: ReadRates | undefined): string {
  if (rates === undefined) return '';
  const together = (rates.mainShared + rates.workers.reduce((a, b) => a + b, 0)) / rates.mainAlone;
  return `; reader threads stopped early: together ${together.toFixed(2)}× the main thread alone (below ${WORKERS_PAY_SPEEDUP}×)`;
}

function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct >= 1 ? pct.toFixed(1) : pct.toPrecision(2)} %`;
}

const WRONG_PRECISION = /^timestamp (\d+) \(precision (ns|us|ms|s)\) is .*wrong precision\?$/;
const MS_PER_UNIT: Record<Precision, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 };

/**
 * "wrong precision?" alone leaves the user guessing which one and where to set it (the command line has no
 * option for it): name the precision under which the first such timestamp lands in 2000…2200, and the config.
 */
function precisionHint(badLines: BadLine[], path: string): string {
  const m = badLines.map((b) => WRONG_PRECISION.exec(b.reason)).find((x) => x !== null);
  if (!m) return '';
  const digits = Number(m[1]);
  for (const p of ['ns', 'us', 'ms', 's'] as const) {
    if (p === m[2]) continue;
    const t = digits * MS_PER_UNIT[p];
    if (t >= DEFAULT_MIN_TIME_MS && t < DEFAULT_MAX_TIME_MS) {
      return (
        `. Read as ${p}, the timestamps fall in ${iso(t).slice(0, 10)}; a file source in the config takes precision: ${p} ` +
        `(sources: { mine: { kind: file, path: ${path}, precision: ${p} } }, then --source mine)`
      );
    }
  }
  return '';
}

/** A file source with the configured schema and input limits; a relative path is taken from the working directory, like any CLI argument. */
export function lineProtocolFileSource(file: string, settings: SourceReadSettings, precision: Precision = 'ns'): LineProtocolFileSource {
  return new LineProtocolFileSource({
    path: resolvePath(file),
    schema: settings.schema,
    precision,
    maxBadLineShare: settings.input.maxBadLineShare,
    timelineIntervalMs: settings.input.timelineIntervalMs,
  });
}

/** `--source <file>.lp|.txt[.gz]`, and `sources.<name>` entries of kind file (`path`, optional `precision`). */
export const LINE_PROTOCOL_SOURCES: SourceTechnology = {
  files: [
    {
      extensions: LINE_PROTOCOL_EXTENSIONS,
      listed: 'a line-protocol file',
      create: (file, { settings, precision }) => lineProtocolFileSource(file, settings, precision ?? 'ns'),
    },
  ],
  // Any other name of an existing file: line protocol is told by content (InfluxDB does not care about names).
  content: {
    sniff: (file) => {
      const seen = sniffLineProtocol(file);
      if (seen.kind === 'line-protocol') return { kind: 'match' };
      if (seen.kind === 'not-a-file') return { kind: 'none' };
      return {
        kind: 'other',
        message:
          `the file is not line protocol (first line ${seen.firstLine}: ${JSON.stringify(seen.excerpt)}); ` +
          'expected lines like `http_request,service=shop,endpoint=/cart duration_ms=12.5 1795269600000000000`',
      };
    },
    create: (file, { settings, precision }) => lineProtocolFileSource(file, settings, precision ?? 'ns'),
  },
  precisionKinds: ['file'],
  kinds: {
    file: (entry, where, { settings, precision: override }) => {
      if (typeof entry.path !== 'string' || entry.path === '') throw new AppError('BAD_INPUT', `${where}.path: expected the path of a line-protocol file`);
      const precision = entry.precision ?? 'ns';
      if (!PRECISIONS.includes(precision as Precision)) {
        throw new AppError('BAD_INPUT', `${where}.precision: expected one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
      }
      return lineProtocolFileSource(entry.path, settings, override ?? (precision as Precision));
    },
  },
};
