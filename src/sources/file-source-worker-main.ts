/**
 * One worker of the parallel line-protocol reader: parses the file segments it is sent into its own
 * WindowBuilder and, on `finish`, hands the collected state to the main thread (typed arrays transferred).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { readRange, totalsOf } from './file-read.ts';
import { LineProtocolParser } from './line-protocol.ts';
import { SchemaMapper, schemaTokens } from './schema-mapper.ts';
import { WindowBuilder } from './window-builder.ts';
import type { ReaderInit, ReaderReply, ReaderRequest } from './file-source-parallel.ts';

const port = parentPort;
if (!port) throw new Error('file-source-worker-main.ts must run in a worker thread');
const init = workerData as ReaderInit;
const builder = WindowBuilder.forQuery(init.query, { timelineIntervalMs: init.timelineIntervalMs });
const mapper = new SchemaMapper(init.schema, builder);
const tokens = schemaTokens(init.schema);
const buffer = Buffer.allocUnsafe(init.chunkBytes);
let fh: FileHandle | null = null;

function reply(message: ReaderReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function handle(msg: ReaderRequest): Promise<void> {
  if (msg.type === 'segment') {
    fh ??= await open(init.path, 'r');
    const parser = new LineProtocolParser(mapper.onPoint, { precision: init.precision, knownTokens: tokens });
    await readRange(fh, msg, buffer, parser);
    reply({ type: 'segment-done', index: msg.index, bytes: msg.end - msg.start, totals: totalsOf(parser) });
  } else {
    await fh?.close();
    fh = null;
    const state = builder.exportState();
    reply({ type: 'state', builder: state, mapper: mapper.exportState() }, state.transfer);
  }
}

port.on('message', (msg: ReaderRequest) => {
  handle(msg).catch((e: unknown) => reply({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
