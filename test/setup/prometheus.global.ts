/**
 * Starts a real Prometheus (Debian's `prometheus` 2.42, installed with apt-get when missing) on a free 127.0.0.1
 * port with a temporary TSDB whose history is backfilled first: the seeded scenario of
 * test/sources/prometheus/prom-scenario.ts is written as OpenMetrics text and turned into blocks with
 * `promtool tsdb create-blocks-from openmetrics` before the server starts (no scraping: `scrape_configs` is
 * empty). Provides `prometheusUrl` and `prometheusScenarioLp` (the same scenario as raw line protocol, for the
 * file source to compare with). Stopped, and its directory removed, on teardown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeScenario } from '../sources/prometheus/prom-scenario.ts';
import { ensureDebianPackages } from './chromium.global.ts';
import { freePort } from './influxdb.global.ts';
import { stopProcess } from './stop-process.ts';

declare module 'vitest' {
  interface ProvidedContext {
    prometheusUrl: string;
    prometheusScenarioLp: string;
  }
}

const START_TIMEOUT_MS = 30_000;

export interface PrometheusInstance {
  url: string;
  dir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function ensurePrometheus(): void {
  ensureDebianPackages([{ name: 'prometheus', provides: '/usr/bin/prometheus' }], 'prometheus');
  if (spawnSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' }).status !== 0) throw new Error('prometheus setup: promtool not on PATH after installing prometheus');
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited early with code ${child.exitCode}\n${stderr()}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`prometheus at ${url} was not ready within ${START_TIMEOUT_MS} ms\n${stderr()}`);
}

/** A Prometheus with the OpenMetrics file `backfill` (if any) loaded into a fresh temporary TSDB. */
export async function startPrometheus(options: { backfill?: string; dir?: string } = {}): Promise<PrometheusInstance> {
  ensurePrometheus();
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'aftershock-prometheus-')));
  const tsdb = path.join(dir, 'tsdb');
  if (options.backfill) {
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', options.backfill, tsdb], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`promtool tsdb create-blocks-from openmetrics failed: ${r.stderr || r.stdout}`);
  }
  await writeFile(path.join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${tsdb}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // The backfilled history is older than the default 15 days retention would keep.
      '--storage.tsdb.retention.time=100y',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, dir, process: child, stop };
}

export async function setup(provide: (key: string, value: unknown) => void): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-prometheus-'));
  const files = await writeScenario(dir);
  const instance = await startPrometheus({ backfill: files.openMetrics, dir });
  provide('prometheusUrl', instance.url);
  provide('prometheusScenarioLp', files.lineProtocol);
  return instance.stop;
}
