/**
 * One segment of the parallel line-protocol read (file-source-parallel.ts): parses bytes [start, end) of the file
 * into a fresh WindowBuilder and SchemaMapper and returns both states (typed arrays transferred) with the line
 * counts. (The main thread reads its own segments straight into the main builder, see readParallel.)
 */
import { open } from 'node:fs/promises';
import type { SchemaMapping } from '../../config.ts';
import { isAppError } from '../../errors.ts';
import { defineTask, withTransfer } from '../../worker/task.ts';
import type { MetricQuery } from '../metric-source.ts';
import { WindowBuilder, type WindowBuilderState } from '../window-builder/window-builder.ts';
import { readBuffers, readError, readRange, totalsOf, type ParseTotals } from './file-read.ts';
import { LineProtocolParser, type Precision } from './line-protocol.ts';
import { ExtraPoints } from './extra-points.ts';
import { SchemaMapper, schemaTokens, type SchemaMapperState } from './schema-mapper.ts';

/** The same for every segment of a read: given once per worker. */
export interface SegmentReadInit {
  path: string;
  schema: SchemaMapping;
  precision: Precision;
  timelineIntervalMs: number;
  chunkBytes: number;
  query: Pick<MetricQuery, 'upgradeAt' | 'before' | 'after' | 'services' | 'endpoints' | 'eventCounts' | 'maxSeries' | 'baseline' | 'timelines'>;
}

export interface Segment {
  start: number;
  end: number;
}

export interface SegmentResult {
  totals: ParseTotals;
  /** Wall time the worker spent reading and parsing the segment (the main thread's rule for keeping workers). */
  parseMs: number;
  builder: WindowBuilderState;
  mapper: SchemaMapperState;
}

/** A reader of segments of one file, reusing its read buffers; `onBytes` gets each chunk's size. */
export function segmentReader(init: SegmentReadInit): (segment: Segment, hooks?: { onBytes?: (n: number) => void; signal?: AbortSignal }) => Promise<SegmentResult> {
  const tokens = schemaTokens(init.schema);
  const buffers = readBuffers(init.chunkBytes);
  return async (segment, hooks = {}) => {
    const builder = WindowBuilder.forQuery(init.query, { timelineIntervalMs: init.timelineIntervalMs });
    // Deployment markers and asked-for event counters travel in the mapper's state, merged in file order.
    const { before, after, services, eventCounts } = init.query;
    const mapper = new SchemaMapper(init.schema, builder, new ExtraPoints({ deployment: init.schema.deployment, eventCounts, before, after, services }));
    const parser = new LineProtocolParser(mapper.onPoint, { precision: init.precision, knownTokens: tokens });
    const started = performance.now();
    // Opened per segment: a handle kept by an idle worker would leak when the pool terminates it.
    const fh = await open(init.path, 'r');
    try {
      await readRange(fh, segment, buffers, parser, hooks);
    } finally {
      await fh.close();
    }
    const parseMs = performance.now() - started;
    return { totals: totalsOf(parser), parseMs, builder: builder.exportState(), mapper: mapper.exportState() };
  };
}

export default defineTask((init: SegmentReadInit) => {
  const read = segmentReader(init);
  return async (segment: Segment) => {
    try {
      const result = await read(segment);
      return withTransfer(result, result.builder.transfer);
    } catch (e) {
      // As the main thread reports it: a file that cannot be read is bad input, not a bug.
      throw isAppError(e) ? e : readError(init.path, e);
    }
  };
});
