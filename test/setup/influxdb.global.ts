/**
 * Starts a real InfluxDB 1.x (Debian's `influxd`, installed with apt-get when missing) on free 127.0.0.1
 * ports with a temp dir for meta/data/wal, and provides its URL as `influxUrl`. Tests that need a second,
 * differently configured instance (auth enabled, one they kill mid-stream) call `startInfluxd()` directly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stopProcess } from './stop-process.ts';

declare module 'vitest' {
  interface ProvidedContext {
    influxUrl: string;
  }
}

const DEFAULT_START_TIMEOUT_MS = 30_000;

function hasInfluxd(): boolean {
  return spawnSync('sh', ['-c', 'command -v influxd'], { stdio: 'ignore' }).status === 0;
}

function aptGet(args: string[]): number | null {
  // The lock timeout lets parallel test runs of other helpers wait for dpkg instead of failing.
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status;
}

/** Installs Debian's influxdb package when `influxd` is not on PATH (apt-get update only if the first try fails). */
export function ensureInfluxd(): void {
  if (hasInfluxd()) return;
  const install = ['install', '-y', '--no-install-recommends', 'influxdb'];
  if (aptGet(install) !== 0) {
    aptGet(['update']);
    if (aptGet(install) !== 0) throw new Error('influxdb setup: apt-get install influxdb failed');
  }
  if (!hasInfluxd()) throw new Error('influxdb setup: influxd still not on PATH after installing the influxdb package');
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/**
 * `n` distinct free ports: all listeners stay open until every port is known, so two calls in a row cannot hand
 * out the same port (which made influxd fail with "address already in use" for its HTTP and RPC ports).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

/** A port probed free can still be taken by another process before influxd binds it: then try new ports. */
const START_ATTEMPTS = 3;

export interface InfluxdInstance {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. */
  stop(): Promise<void>;
}

export interface StartInfluxdOptions {
  /** Enables HTTP auth and creates this admin user (the only way to create the first user on 1.x). */
  admin?: { user: string; password: string };
  /** Extra `[data]` settings, e.g. `{ 'cache-snapshot-write-cold-duration': '"1s"' }` (values are TOML). */
  data?: Record<string, string>;
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`influxd at ${url} did not answer /ping within ${timeoutMs} ms`);
}

export async function startInfluxd(options: StartInfluxdOptions = {}): Promise<InfluxdInstance> {
  ensureInfluxd();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startInfluxdOnce(options);
    } catch (e) {
      if (attempt >= START_ATTEMPTS || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startInfluxdOnce(options: StartInfluxdOptions): Promise<InfluxdInstance> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-influxd-'));
  const [httpPort, rpcPort] = await freePorts(2);
  const conf = `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
${Object.entries(options.data ?? {}).map(([k, v]) => `  ${k} = ${v}\n`).join('')}[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  auth-enabled = ${options.admin ? 'true' : 'false'}
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[logging]
  level = "error"
`;
  await writeFile(path.join(dir, 'influxdb.conf'), conf);
  const child = spawn('influxd', ['-config', path.join(dir, 'influxdb.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, child, DEFAULT_START_TIMEOUT_MS);
    if (options.admin) {
      const q = `CREATE USER "${options.admin.user}" WITH PASSWORD '${options.admin.password}' WITH ALL PRIVILEGES`;
      const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
      if (!res.ok) throw new Error(`influxd: creating the admin user failed: ${res.status} ${await res.text()}`);
    }
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${stderr}`, { cause: e });
  }
  return { url, port: httpPort, process: child, stop };
}

export async function setup(provide: (key: string, value: unknown) => void): Promise<() => Promise<void>> {
  const instance = await startInfluxd();
  provide('influxUrl', instance.url);
  return instance.stop;
}
