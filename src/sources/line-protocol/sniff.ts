/**
 * Tells a line-protocol file by its content, for files whose name does not say so (`.influx`, an export without
 * an extension): InfluxDB itself never cares about the name. Reads the first 64 KiB (gunzipped when it starts
 * with gzip's magic bytes) and accepts the file when one of its first data lines parses as a point; timestamps
 * are not judged here (a wrong precision is the file source's message, with its hint).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { parseLineProtocol } from './line-protocol.ts';

const SNIFF_BYTES = 64 * 1024;
/** Data lines looked at: a header or a stray first line alone does not make a file something else. */
const SNIFF_LINES = 20;
const EXCERPT_CHARS = 80;

export type Sniffed = { kind: 'line-protocol' } | { kind: 'other'; firstLine: number; excerpt: string } | { kind: 'not-a-file' };

function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export function sniffLineProtocol(file: string): Sniffed {
  let st;
  try {
    st = statSync(file);
  } catch {
    return { kind: 'not-a-file' };
  }
  if (!st.isFile()) return { kind: 'not-a-file' };
  // An empty file is the file source's clear "the file is empty"; gunzip errors are its "not valid gzip data".
  if (st.size === 0) return { kind: 'line-protocol' };
  let bytes = head(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return { kind: 'line-protocol' };
    }
  }
  const lines = bytes.toString('utf8').split('\n');
  // The last piece may be cut off by the 64 KiB window.
  if (bytes.length >= SNIFF_BYTES && lines.length > 1) lines.pop();
  let first: { line: number; text: string } | null = null;
  let seen = 0;
  for (let i = 0; i < lines.length && seen < SNIFF_LINES; i++) {
    const text = lines[i].replace(/\r$/, '');
    if (text.trim() === '' || text.trimStart().startsWith('#')) continue;
    seen++;
    first ??= { line: i + 1, text };
    const parser = parseLineProtocol(text, () => undefined, { minTimeMs: -Infinity, maxTimeMs: Infinity, defaultTimeMs: 0 });
    if (parser.points > 0) return { kind: 'line-protocol' };
  }
  if (!first) return { kind: 'line-protocol' };
  const excerpt = first.text.length > EXCERPT_CHARS ? `${first.text.slice(0, EXCERPT_CHARS)}…` : first.text;
  return { kind: 'other', firstLine: first.line, excerpt };
}
