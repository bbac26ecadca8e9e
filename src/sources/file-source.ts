/**
 * A line-protocol file (`.lp`, `.txt`, optionally gzip-compressed) as a MetricSource. Reads in large chunks,
 * parses with the streaming LineProtocolParser, maps points through the configured schema (never hard-coded
 * names) into a WindowBuilder, and refuses files with too many malformed lines.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { MetricWindows } from '../analysis/types.ts';
import type { SchemaMapping } from '../config.ts';
import { AppError } from '../errors.ts';
import { FieldType, LineProtocolParser, type BadLine, type LineProtocolPoint, type Precision } from './line-protocol.ts';
import type { MetricQuery, MetricSource } from './metric-source.ts';
import { WindowBuilder } from './window-builder.ts';

/** 1 MiB reads: few enough chunks that per-chunk costs vanish, small enough to keep memory flat. */
export const DEFAULT_READ_CHUNK_BYTES = 1 << 20;
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
}

const TYPE_WITH_ARTICLE = ['a float', 'an integer', 'an unsigned integer', 'a boolean', 'a string'];

function formatBadLine(b: BadLine): string {
  return `line ${b.line}: ${b.reason}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Maps parsed points onto WindowBuilder calls according to the schema; returns a reason for points that break
 * the data contract (missing tag/field, wrong type, negative value). Points of other measurements are counted.
 */
class SchemaMapper {
  minTime = Infinity;
  maxTime = -Infinity;
  readonly otherMeasurements = new Map<string, number>();
  private readonly s: SchemaMapping;
  private readonly b: WindowBuilder;
  /** Tags of the current point, set by subjectTags (saves an object per point). */
  private service = '';
  private subject = '';

  constructor(schema: SchemaMapping, builder: WindowBuilder) {
    this.s = schema;
    this.b = builder;
  }

  readonly onPoint = (p: LineProtocolPoint): string | null => {
    const m = p.measurement;
    const s = this.s;
    let reason: string | null;
    if (m === s.request.measurement) reason = this.request(p);
    else if (m === s.upstream.measurement) reason = this.upstreamCall(p);
    else if (m === s.histogram.measurement) reason = this.histogramBucket(p);
    else if (m === s.counters.measurement) reason = this.counters(p);
    else {
      this.otherMeasurements.set(m, (this.otherMeasurements.get(m) ?? 0) + 1);
      return null;
    }
    if (reason === null) {
      const t = p.timeMs;
      if (t < this.minTime) this.minTime = t;
      if (t > this.maxTime) this.maxTime = t;
    }
    return reason;
  };

  /** Reads the service tag and the subject tag (endpoint or upstream) into this.service / this.subject. */
  private subjectTags(p: LineProtocolPoint, serviceTag: string, subjectTag: string): string | null {
    const service = p.tag(serviceTag);
    if (service === undefined) return `missing tag "${serviceTag}"`;
    const subject = p.tag(subjectTag);
    if (subject === undefined) return `missing tag "${subjectTag}"`;
    this.service = service;
    this.subject = subject;
    return null;
  }

  private request(p: LineProtocolPoint): string | null {
    const r = this.s.request;
    let reason = this.subjectTags(p, r.serviceTag, r.endpointTag);
    if (reason !== null) return reason;
    const fi = p.fieldIndex(r.durationField);
    reason = numericField(p, fi, r.durationField, false);
    if (reason !== null) return reason;
    this.b.addRequest(this.service, this.subject, p.timeMs, p.fieldNumbers[fi]);
    return null;
  }

  private upstreamCall(p: LineProtocolPoint): string | null {
    const u = this.s.upstream;
    let reason = this.subjectTags(p, u.serviceTag, u.upstreamTag);
    if (reason !== null) return reason;
    const ai = p.fieldIndex(u.attemptsField);
    reason = numericField(p, ai, u.attemptsField, true);
    if (reason !== null) return reason;
    const attempts = p.fieldNumbers[ai];
    if (attempts < 1) return `field "${u.attemptsField}": ${p.fieldText(ai)} is less than 1`;
    const oi = p.fieldIndex(u.okField);
    if (oi < 0) return `missing field "${u.okField}"`;
    if (p.fieldTypes[oi] !== FieldType.Boolean) return `field "${u.okField}": ${p.fieldText(oi)} is ${TYPE_WITH_ARTICLE[p.fieldTypes[oi]]}, not a boolean`;
    const bi = p.fieldIndex(u.backoffField);
    let backoff = 0;
    // A call without retries waited nothing, so its backoff field may be left out.
    if (bi >= 0 || attempts > 1) {
      reason = numericField(p, bi, u.backoffField, false);
      if (reason !== null) return reason;
      backoff = p.fieldNumbers[bi];
    }
    this.b.addUpstreamCall(this.service, this.subject, p.timeMs, attempts, backoff, p.fieldNumbers[oi] === 1);
    return null;
  }

  private histogramBucket(p: LineProtocolPoint): string | null {
    const h = this.s.histogram;
    const r = this.s.request;
    let reason = this.subjectTags(p, r.serviceTag, r.endpointTag);
    if (reason !== null) return reason;
    const leText = p.tag(h.leTag);
    if (leText === undefined) return `missing tag "${h.leTag}"`;
    const le = parseLe(leText);
    if (Number.isNaN(le)) return `tag "${h.leTag}": "${leText}" is not a number or +Inf`;
    const ci = p.fieldIndex(h.countField);
    reason = numericField(p, ci, h.countField, false);
    if (reason !== null) return reason;
    this.b.addHistogramBucket(this.service, this.subject, p.timeMs, le, p.fieldNumbers[ci]);
    return null;
  }

  private counters(p: LineProtocolPoint): string | null {
    const c = this.s.counters;
    const u = this.s.upstream;
    let reason = this.subjectTags(p, u.serviceTag, u.upstreamTag);
    if (reason !== null) return reason;
    const ci = p.fieldIndex(c.callsField);
    reason = numericField(p, ci, c.callsField, false);
    if (reason !== null) return reason;
    const ri = p.fieldIndex(c.retriesField);
    reason = numericField(p, ri, c.retriesField, false);
    if (reason !== null) return reason;
    // `exhausted` is optional in the pre-aggregated form.
    const ei = p.fieldIndex(c.exhaustedField);
    if (ei >= 0) {
      reason = numericField(p, ei, c.exhaustedField, false);
      if (reason !== null) return reason;
    }
    this.b.addUpstreamCounters(this.service, this.subject, p.timeMs, {
      calls: p.fieldNumbers[ci],
      retries: p.fieldNumbers[ri],
      exhausted: ei >= 0 ? p.fieldNumbers[ei] : 0,
    });
    return null;
  }
}

/** Checks that field `fi` (named `name`) exists, is a non-negative number and, if asked, a whole one. */
function numericField(p: LineProtocolPoint, fi: number, name: string, integer: boolean): string | null {
  if (fi < 0) return `missing field "${name}"`;
  const type = p.fieldTypes[fi];
  if (type === FieldType.Boolean || type === FieldType.String) {
    return `field "${name}": ${p.fieldText(fi)} is ${TYPE_WITH_ARTICLE[type]}, not ${integer ? 'an integer' : 'a number'}`;
  }
  const v = p.fieldNumbers[fi];
  // Exporters often write counts as floats; a whole float is accepted as an integer.
  if (integer && !Number.isInteger(v)) return `field "${name}": ${p.fieldText(fi)} is not an integer`;
  if (v < 0) return `field "${name}": ${p.fieldText(fi)} is negative`;
  return null;
}

function parseLe(text: string): number {
  if (text === '+Inf' || text === 'Inf' || text === 'inf' || text === '+inf') return Infinity;
  if (text.trim() === '') return NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : NaN;
}

/** Every measurement, tag and field name of the schema: parsed tokens equal to them become these objects. */
function schemaTokens(schema: SchemaMapping): string[] {
  return [schema.request, schema.upstream, schema.histogram, schema.counters].flatMap((section) => Object.values(section) as string[]);
}

/**
 * Reads the file into one reused buffer: a fresh 1 MiB buffer per chunk (as a read stream makes) is external
 * memory that keeps the garbage collector busy. Safe because the parser copies what it keeps.
 */
async function readPlain(path: string, chunkBytes: number, size: number, parser: LineProtocolParser, query: MetricQuery): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let position = 0;
    for (;;) {
      query.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buffer, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      parser.push(bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead));
      query.onProgress?.(Math.min(1, position / size));
    }
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

function isGzip(path: string): boolean {
  return path.endsWith('.gz');
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
    const mapper = new SchemaMapper(this.options.schema, builder);
    const parser = new LineProtocolParser(mapper.onPoint, { precision: this.options.precision ?? 'ns', knownTokens: schemaTokens(this.options.schema) });

    const chunkBytes = this.options.highWaterMark ?? DEFAULT_READ_CHUNK_BYTES;
    try {
      if (isGzip(path)) await readGzip(path, chunkBytes, size, parser, query);
      else await readPlain(path, chunkBytes, size, parser, query);
      parser.end();
    } catch (e) {
      if (query.signal?.aborted) throw query.signal.reason;
      if (e instanceof AppError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new AppError('BAD_INPUT', `${path}: cannot read: ${code === 'Z_DATA_ERROR' ? 'not valid gzip data' : (e as Error).message}`, { cause: e });
    }

    this.checkBadLines(parser);
    this.checkCoverage(parser, builder, mapper, query);
    if (parser.badLineCount > 0) {
      builder.warn(
        `${path}: ${parser.badLineCount} malformed line${parser.badLineCount === 1 ? '' : 's'} skipped ` +
          `(${formatShare(parser.badLineCount / parser.dataLines)} of ${parser.dataLines}); first: ` +
          parser.badLines.slice(0, BAD_LINES_QUOTED).map(formatBadLine).join('; '),
      );
    }
    if (mapper.otherMeasurements.size > 0) {
      const names = [...mapper.otherMeasurements.entries()].map(([m, n]) => `${m} (${n})`);
      builder.warn(`${path}: points of measurements outside the schema were ignored: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`);
    }
    query.log?.(`${path}: ${parser.lines} lines, ${parser.points} points, ${builder.counts.kept} in the windows`);
    return builder.build();
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

  private checkBadLines(parser: LineProtocolParser): void {
    const { path, maxBadLineShare } = this.options;
    if (parser.dataLines === 0) {
      throw new AppError('BAD_INPUT', `line-protocol file ${path}: no data lines (only ${parser.lines} blank or comment lines)`);
    }
    const share = parser.badLineCount / parser.dataLines;
    if (share > maxBadLineShare) {
      throw new AppError(
        'BAD_INPUT',
        `line-protocol file ${path}: ${parser.badLineCount} of ${parser.dataLines} lines are malformed (${formatShare(share)}, ` +
          `more than the allowed ${formatShare(maxBadLineShare)}); first: ${parser.badLines.slice(0, BAD_LINES_QUOTED).map(formatBadLine).join('; ')}`,
        { details: { badLines: parser.badLines, badLineCount: parser.badLineCount, dataLines: parser.dataLines } },
      );
    }
  }

  private checkCoverage(parser: LineProtocolParser, builder: WindowBuilder, mapper: SchemaMapper, query: MetricQuery): void {
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

function formatShare(share: number): string {
  const pct = share * 100;
  return `${pct >= 1 ? pct.toFixed(1) : pct.toPrecision(2)} %`;
}
