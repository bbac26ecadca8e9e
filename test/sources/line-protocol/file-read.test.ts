import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBuffers, readRange, segmentBoundaries } from '../../../src/sources/line-protocol/file-read.ts';
import { LineProtocolParser } from '../../../src/sources/line-protocol/line-protocol.ts';

const T0 = 1_763_647_200_000_000_000n;
const tmp = mkdtempSync(path.join(tmpdir(), 'aftershock-file-read-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

/** Points (line number, string field, time) and bad lines of [start, end) of the file, line numbers made absolute. */
async function parseRanges(file: string, bounds: number[], chunkBytes = 64): Promise<{ points: string[]; bad: string[] }> {
  const fh = await open(file, 'r');
  const points: string[] = [];
  const bad: string[] = [];
  let lines = 0;
  try {
    for (let k = 0; k + 1 < bounds.length; k++) {
      const parser = new LineProtocolParser((p) => void points.push(`${lines + p.lineNumber} ${p.measurement} ${JSON.stringify(p.fieldStrings[p.fieldIndex('note')] ?? '')} ${p.timeMs}`));
      await readRange(fh, { start: bounds[k], end: bounds[k + 1] }, readBuffers(chunkBytes), parser);
      for (const b of parser.badLines) bad.push(`${lines + b.line} ${b.reason}`);
      lines += parser.lines;
    }
  } finally {
    await fh.close();
  }
  return { points, bad };
}

async function boundaries(file: string, size: number, segmentBytes: number): Promise<number[]> {
  const fh = await open(file, 'r');
  try {
    return await segmentBoundaries(fh, size, segmentBytes);
  } finally {
    await fh.close();
  }
}

describe('segmentBoundaries', () => {
  it('stops with the signal\'s reason between its reads (the whole file is scanned before any thread parses)', async () => {
    // 12 MB: three of the cut's 4 MiB reads; the signal aborts after the first.
    const line = `m,t=a v=1 ${T0}\n`;
    const text = line.repeat(Math.ceil(12_000_000 / line.length));
    const file = writeTmp('cut-abort.lp', text);
    const fh = await open(file, 'r');
    try {
      const ac = new AbortController();
      const read = fh.read.bind(fh) as (...args: unknown[]) => Promise<{ bytesRead: number }>;
      let reads = 0;
      (fh as unknown as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> }).read = async (...args) => {
        const r = await read(...args);
        if (++reads === 1) ac.abort(new Error('cut cancelled'));
        return r;
      };
      await expect(segmentBoundaries(fh, text.length, 1 << 20, ac.signal)).rejects.toThrow('cut cancelled');
      expect(reads).toBe(1);
    } finally {
      await fh.close();
    }
  });

  it('cuts a plain file just after the first newline at or past each nominal cut', async () => {
    const text = Array.from({ length: 50 }, (_, i) => `m,t=${'x'.repeat(i % 7)} v=${i} ${T0 + BigInt(i)}\n`).join('');
    const file = writeTmp('plain.lp', text);
    const bounds = await boundaries(file, text.length, 100);
    const expected = [0];
    for (let nominal = 100; nominal < text.length; ) {
      const cut = text.indexOf('\n', Math.max(nominal, expected.at(-1) as number)) + 1;
      if (cut <= 0 || cut >= text.length) break;
      expected.push(cut);
      nominal = cut + 100;
    }
    expected.push(text.length);
    expect(bounds).toEqual(expected);
  });

  it('never cuts inside a string with raw newlines or after an escaping backslash: the segments read as the whole file does', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const note = i % 3 === 0 ? `line one\nline \\"two\\" = x, y\n\nend` : i % 3 === 1 ? `say \\"hi\\"\nC:\\\\dir\\\\` : 'plain';
      lines.push(`m,host=h${i % 5},path=a\\\nb note="${note}",v=${i} ${T0 + BigInt(i)}`);
    }
    const text = lines.join('\n') + '\n';
    const file = writeTmp('quoted.lp', text);
    const whole = await parseRanges(file, [0, Buffer.byteLength(text)]);
    expect(whole.bad).toEqual([]);
    expect(whole.points).toHaveLength(200);
    for (const segmentBytes of [1, 13, 64, 100, 333]) {
      const bounds = await boundaries(file, Buffer.byteLength(text), segmentBytes);
      expect(bounds.length).toBeGreaterThan(10);
      expect(await parseRanges(file, bounds), `segments of ${segmentBytes} bytes`).toEqual(whole);
    }
  });

  it('carries an open quote across its read buffers (4 MiB) and a segment spanning several of them', async () => {
    // A string of 9 MiB with newlines in it, between plain lines: no cut may fall inside it.
    const big = `m note="${'a\n'.repeat(9 << 19)}",v=1 ${T0}\n`;
    const after = Array.from({ length: 20_000 }, (_, i) => `m note="",v=${i} ${T0}\n`).join('');
    const text = `m v=0 ${T0}\n${big}${after}`;
    const file = writeTmp('big-quote.lp', text);
    const size = Buffer.byteLength(text);
    const start = text.indexOf('m note="a');
    for (const segmentBytes of [1 << 20, 4 << 20]) {
      const bounds = await boundaries(file, size, segmentBytes);
      expect(bounds.slice(0, 2)).toEqual([0, start + big.length]);
      expect(bounds.length).toBeGreaterThan(2);
      expect(bounds.every((b) => b === 0 || b === size || text[b - 1] === '\n')).toBe(true);
    }
    const whole = await parseRanges(file, [0, size], 1 << 20);
    expect(whole.points).toHaveLength(20_002);
    expect(await parseRanges(file, await boundaries(file, size, 300_000), 1 << 20)).toEqual(whole);
  });
});

describe('reader threads and segments for large files (issue 12)', () => {
  it('measures idle cores between 0 and the core count, and sizes segments to at most ~4 per thread', async () => {
    const { idleCores, segmentBytesFor, DEFAULT_SEGMENT_BYTES, defaultReaderWorkers, MAX_READER_WORKERS } = await import('../../../src/sources/line-protocol/file-source-parallel.ts');
    const { availableParallelism } = await import('node:os');
    const idle = await idleCores(50);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(availableParallelism() + 1e-9);
    const workers = await defaultReaderWorkers();
    expect(workers).toBeGreaterThanOrEqual(0);
    expect(workers).toBeLessThanOrEqual(Math.min(MAX_READER_WORKERS, availableParallelism() - 1));
    expect(segmentBytesFor(10 << 20, 2)).toBe(DEFAULT_SEGMENT_BYTES);
    expect(segmentBytesFor(400 << 20, 2)).toBe(50 << 20);
  });

  it('counts its own CPU as idle when sampling while busy, and turns idle cores into workers (one core is the main thread\'s)', async () => {
    const { idleSampler, readerWorkersFor, MAX_READER_WORKERS } = await import('../../../src/sources/line-protocol/file-source-parallel.ts');
    const { availableParallelism } = await import('node:os');
    const sample = idleSampler();
    // Busy for 60 ms on this thread: the sample must not read that as a busy machine.
    const until = performance.now() + 60;
    let spin = 0;
    while (performance.now() < until) spin++;
    const idle = sample();
    expect(spin).toBeGreaterThan(0);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(availableParallelism() + 1e-9);
    expect([0, 0.69, 1, 1.69].map(readerWorkersFor)).toEqual([0, 0, 0, 0]);
    expect([1.7, 2, 2.7, 3.7, 8].map(readerWorkersFor)).toEqual([1, 1, 2, 3, MAX_READER_WORKERS]);
  });
});

describe('keeping reader threads only while they pay (issue 12: two threads were slower than one)', () => {
  it('keeps the workers when the threads together read ≥ 1.2× the main thread alone, and stops them below', async () => {
    const { workersPay, WORKERS_PAY_SPEEDUP } = await import('../../../src/sources/line-protocol/file-source-parallel.ts');
    expect(WORKERS_PAY_SPEEDUP).toBe(1.2);
    // Two real cores: each thread keeps its speed.
    expect(workersPay({ mainAlone: 120, mainShared: 115, workers: [110] })).toBe(true);
    // Two threads sharing one core's worth (the 2-vCPU machine of the issue): each at ~55 %.
    expect(workersPay({ mainAlone: 120, mainShared: 66, workers: [66] })).toBe(false);
    // Exactly at the bar pays; the workers' rates add up.
    expect(workersPay({ mainAlone: 100, mainShared: 60, workers: [30, 30] })).toBe(true);
    expect(workersPay({ mainAlone: 100, mainShared: 60, workers: [30, 29] })).toBe(false);
  });
});

describe('how many segments a reader thread takes at once (few tasks: each one exports and merges its series)', () => {
  it('takes a quarter of what is left with two threads, less as the read goes on, and always at least one', async () => {
    const { workerClaim } = await import('../../../src/sources/line-protocol/file-source-parallel.ts');
    // A worker and the main thread, 8 segments: 2, then of the 4 left after the main thread took 2, 1.
    expect(workerClaim(8, 2)).toBe(2);
    expect(workerClaim(4, 2)).toBe(1);
    expect(workerClaim(1, 2)).toBe(1);
    expect(workerClaim(26, 2)).toBe(7);
    // More threads, smaller shares; a nonsense thread count is taken as one.
    expect(workerClaim(26, 4)).toBe(4);
    expect(workerClaim(5, 0)).toBe(3);
    // Claimed and remaining add up along a whole read: the shares shrink geometrically and never exceed the rest.
    let left = 40;
    const claims: number[] = [];
    while (left > 0) {
      const c = workerClaim(left, 2);
      expect(c).toBeLessThanOrEqual(left);
      claims.push(c);
      left -= c;
    }
    expect(claims).toEqual([10, 8, 6, 4, 3, 3, 2, 1, 1, 1, 1]);
  });
});
