/**
 * One worker of the parallel line-protocol reader: parses each file segment it is sent into a fresh
 * WindowBuilder whose state goes back with the segment's result (typed arrays transferred); on `finish` it
 * sends the schema mapper's totals (time range, ignored measurements).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { readRange, totalsOf } from './file-read.ts';
import { LineProtocolParser } from './line-protocol.ts';
import { SchemaMapper, schemaTokens } from './schema-mapper.ts';
import { ExtraPoints } from './extra-points.ts';
import { WindowBuilder } from '../window-builder/window-builder.ts';
import type { ReaderInit, ReaderReply, ReaderRequest } from './file-source-parallel.ts';

const port = parentPort;
if (!port) throw new Error('file-source-worker-main.ts must run in a worker thread');
const init = workerData as ReaderInit;
// One builder per segment, handed over with the segment's result; the mapper's totals stay here until `finish`.
const { before, after, services, eventCounts } = init.query;
const mapper = new SchemaMapper(
  init.schema,
  WindowBuilder.forQuery(init.query, { timelineIntervalMs: init.timelineIntervalMs }),
  new ExtraPoints({ deployment: init.schema.deployment, eventCounts, before, after, services }),
);
const tokens = schemaTokens(init.schema);
const buffer = Buffer.allocUnsafe(init.chunkBytes);
let fh: FileHandle | null = null;

function reply(message: ReaderReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function handle(msg: ReaderRequest): Promise<void> {
  if (msg.type === 'segment') {
    fh ??= await open(init.path, 'r');
    const builder = WindowBuilder.forQuery(init.query, { timelineIntervalMs: init.timelineIntervalMs });
    mapper.use(builder);
    const parser = new LineProtocolParser(mapper.onPoint, { precision: init.precision, knownTokens: tokens });
    await readRange(fh, msg, buffer, parser);
    const state = builder.exportState();
    reply({ type: 'segment-done', index: msg.index, bytes: msg.end - msg.start, totals: totalsOf(parser), builder: state }, state.transfer);
  } else {
    await fh?.close();
    fh = null;
    reply({ type: 'mapper', mapper: mapper.exportState() });
  }
}

port.on('message', (msg: ReaderRequest) => {
  handle(msg).catch((e: unknown) => reply({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
