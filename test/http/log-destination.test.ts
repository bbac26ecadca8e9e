/** The service's default log writer batches lines and still shows a quiet server's lines within the flush period. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchedLogDestination } from '../../src/http/log-destination.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-logdest-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
const until = async (what: () => Promise<boolean>, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('batchedLogDestination', () => {
  it('holds lines until a batch is full, and writes a full batch at once', async () => {
    const file = path.join(dir, 'a.log');
    const dest = batchedLogDestination(file, { batchBytes: 2000, flushMs: 60_000 });
    const log = pino(dest);
    log.info('one');
    await new Promise((r) => setTimeout(r, 100));
    expect(await lines(file)).toEqual([]);
    for (let i = 0; i < 40; i++) log.info({ i }, 'filler line to pass the batch size');
    await until(async () => (await lines(file)).length > 0, 5000);
    expect(JSON.parse((await lines(file))[0]).msg).toBe('one');
    dest.end();
  });

  it('a lone line on a quiet server shows within the flush period, complete', async () => {
    const file = path.join(dir, 'b.log');
    const dest = batchedLogDestination(file, { flushMs: 50 });
    pino(dest).info({ route: '/v1/verdict' }, 'request completed');
    await until(async () => (await lines(file)).length === 1, 5000);
    expect(JSON.parse((await lines(file))[0])).toMatchObject({ msg: 'request completed', route: '/v1/verdict' });
    dest.end();
  });
});
