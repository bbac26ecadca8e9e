import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { AnalysisPool, type PoolOptions } from '../../src/worker/analysis-pool.ts';
import { manySeriesLp } from '../../scripts/make-scale-lp.ts';

const RUNNER = new URL('./fixtures/scripted-runner.ts', import.meta.url).href;
const PARALLEL_READ_RUNNER = new URL('./fixtures/parallel-read-runner.ts', import.meta.url).href;
const SLOW_LOADING_RUNNER = new URL('./fixtures/slow-loading-runner.ts', import.meta.url).href;
const config = loadConfig();
const upgradeAt = '2026-11-20T14:00:00Z';

let pool: AnalysisPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function makePool(options: Partial<PoolOptions> = {}): AnalysisPool {
  pool = new AnalysisPool({ size: 1, queueLimit: 2, timeoutMs: 20_000, config, runnerModule: RUNNER, ...options });
  return pool;
}

describe('AnalysisPool (real worker threads)', () => {
  it('runs an analysis in a worker and returns report and series by message', async () => {
    const p = makePool();
    const started: boolean[] = [];
    const result = await p.submit({ source: 'ok:warn', upgradeAt, services: ['billing'] }, { onStart: () => started.push(true) });
    expect(started).toEqual([true]);
    expect(result.report.verdict).toBe('warn');
    expect(result.report.findings[0].service).toBe('billing');
    expect(result.series.latency[0].after.values).toEqual([101, 800]);
  });

  it('forwards progress and log lines', async () => {
    const p = makePool();
    const progress: number[] = [];
    const logs: string[] = [];
    await p.submit({ source: 'progress', upgradeAt }, { onProgress: (f) => progress.push(f), onLog: (m) => logs.push(m) });
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toBe(1);
    expect(logs).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5']);
  });

  it('turns an error thrown in the worker into the same AppError code', async () => {
    const p = makePool();
    await expect(p.submit({ source: 'fail', upgradeAt })).rejects.toMatchObject({ code: 'UPSTREAM', message: 'scripted upstream failure' });
    // The worker survives a failed analysis and takes the next one.
    await expect(p.submit({ source: 'ok:pass', upgradeAt })).resolves.toBeTruthy();
  });

  it('bounds the queue: size running + queueLimit waiting, then BUSY', async () => {
    const p = makePool({ size: 1, queueLimit: 2 });
    const jobs = [0, 1, 2].map(() => p.submit({ source: 'sleep:400', upgradeAt }));
    expect(() => p.submit({ source: 'ok:pass', upgradeAt })).toThrow(expect.objectContaining({ code: 'BUSY' }));
    expect(p.running + p.queued).toBe(3);
    await Promise.all(jobs);
    expect(p.running + p.queued).toBe(0);
    await expect(p.submit({ source: 'ok:pass', upgradeAt })).resolves.toBeTruthy();
  });

  it('counts reservations against the limit until they are submitted or released', () => {
    const p = makePool({ size: 1, queueLimit: 0 });
    const r = p.reserve();
    expect(() => p.reserve()).toThrow(expect.objectContaining({ code: 'BUSY' }));
    r.release();
    p.reserve().release();
  });

  it('times out a long analysis, terminates its worker and keeps serving with a fresh one', async () => {
    const p = makePool({ timeoutMs: 800 });
    const t0 = Date.now();
    await expect(p.submit({ source: 'sleep:30000', upgradeAt })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expect(p.submit({ source: 'ok:pass', upgradeAt })).resolves.toBeTruthy();
  });

  it('does not count a worker\'s start-up against the timeout, neither the first worker\'s nor a fresh one\'s', async () => {
    // The runner module takes 1.5 s to load in every worker: longer than the 0.8 s an analysis may take.
    const p = makePool({ timeoutMs: 800, runnerModule: SLOW_LOADING_RUNNER });
    await expect(p.submit({ source: 'ok:pass', upgradeAt })).resolves.toBeTruthy();
    await expect(p.submit({ source: 'sleep:30000', upgradeAt })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(p.submit({ source: 'ok:pass', upgradeAt })).resolves.toBeTruthy();
  });

  it('fails the analysis of a crashed worker and replaces the worker', async () => {
    const p = makePool();
    await expect(p.submit({ source: 'crash', upgradeAt })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('exited unexpectedly') });
    await expect(p.submit({ source: 'ok:pass', upgradeAt })).resolves.toBeTruthy();
  });

  it('rejects running and queued analyses on close', async () => {
    const p = makePool({ size: 1, queueLimit: 1 });
    const running = p.submit({ source: 'sleep:30000', upgradeAt }).catch((e: unknown) => e);
    const queued = p.submit({ source: 'ok:pass', upgradeAt }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await p.close('interrupted: test shutdown');
    expect(await running).toMatchObject({ message: 'interrupted: test shutdown' });
    expect(await queued).toMatchObject({ message: 'interrupted: test shutdown' });
    expect(() => p.submit({ source: 'ok:pass', upgradeAt })).toThrow(expect.objectContaining({ code: 'BUSY' }));
  });

  it('reads a file in parallel reader threads inside an analysis worker (nested workers) exactly as on one thread', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-nested-'));
    try {
      const file = path.join(dir, 'nested.lp');
      const t0 = Date.parse(upgradeAt) - 3_600_000;
      const lines = Array.from({ length: 2000 }, (_, i) => `http_request,service=s,endpoint=/e${i % 3} duration_ms=${(i * 7) % 400} ${(t0 + i * 3000) * 1e6}`);
      await writeFile(file, lines.join('\n'));
      const p = makePool({ runnerModule: PARALLEL_READ_RUNNER });
      const logs: string[] = [];
      const result = await p.submit({ source: file, upgradeAt }, { onLog: (m) => logs.push(m) });
      expect(result.report.verdict).toBe('pass');
      const perThread = /segments per thread: (\d+), (\d+), (\d+)\)$/.exec(logs[0]);
      expect(Number(perThread?.[1])).toBe(0);
      expect(Number(perThread?.[2]) + Number(perThread?.[3])).toBeGreaterThan(100);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('AnalysisPool resource limits (issue 14 item 4)', () => {
  it('fails a real analysis that exceeds pool.resourceLimits with a clear error naming the setting, and runs the next one', async () => {
    // 15 000 endpoints (two requests each): 75 000 findings and their series are far more than a 96 MB heap holds.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-limits-'));
    try {
      const file = path.join(dir, 'many-series.lp');
      await manySeriesLp(file, 15_000, 2);
      const p = makePool({ runnerModule: undefined, timeoutMs: 120_000, resourceLimits: { maxOldGenerationSizeMb: 96 } });
      await expect(p.submit({ source: file, upgradeAt })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/^analysis ran out of memory: its worker reached the heap limit of 96 MB \(pool\.resourceLimits\.maxOldGenerationSizeMb\) and was replaced; raise the limit/),
      });
      const small = await p.submit({ source: 'demo', upgradeAt, before: '30m', after: '30m', services: ['accounts'] });
      expect(small.report.findings.length).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
