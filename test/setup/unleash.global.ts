/**
 * Starts a real Unleash server (npm unleash-server@7.5.1 from the test-only folder test-servers/unleash,
 * installed with `npm ci` when its node_modules is missing) on a free 127.0.0.1 port, against the local
 * PostgreSQL with its own role and database per run (dropped afterwards), with seeded admin and backend
 * tokens. Provides `unleashUrl`, `unleashAdminToken` and `unleashBackendToken`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from './influxdb.global.ts';
import { DEFAULT_POSTGRES_ADMIN_URL, setup as ensurePostgresRunning } from './postgres.global.ts';
import { ownerMark } from './test-hygiene.ts';
import { stopProcess } from './stop-process.ts';

declare module 'vitest' {
  interface ProvidedContext {
    unleashUrl: string;
    unleashAdminToken: string;
    unleashBackendToken: string;
  }
}

const POSTGRES_ADMIN_URL = process.env.AFTERSHOCK_PG_ADMIN_URL ?? DEFAULT_POSTGRES_ADMIN_URL;
const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-servers/unleash');
const DEFAULT_START_TIMEOUT_MS = 90_000;

/** Installs the pinned unleash-server into the test-only folder when missing (about 190 MB, ~30 s). */
function ensureUnleashInstalled(): void {
  if (existsSync(path.join(SERVER_DIR, 'node_modules/unleash-server/dist/server.js'))) return;
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: SERVER_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`unleash setup: npm ci in ${SERVER_DIR} failed (exit ${r.status})`);
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates a throwaway database owned by its own login role (Unleash runs as that role) on the local PostgreSQL; returns its URL and a drop function. */
export async function createTempDatabase(prefix: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE ROLE ${name} LOGIN`);
  // Which run made them: the next run drops them if this one is killed before `drop` (./test-hygiene.ts).
  await adminQuery(`COMMENT ON ROLE ${name} IS '${ownerMark()}'`);
  await adminQuery(`CREATE DATABASE ${name} OWNER ${name}`);
  await adminQuery(`COMMENT ON DATABASE ${name} IS '${ownerMark()}'`);
  const admin = new URL(POSTGRES_ADMIN_URL);
  const url = `postgres://${name}@${admin.host}/${name}`;
  return {
    url,
    name,
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminQuery(`DROP ROLE IF EXISTS ${name}`);
    },
  };
}

export interface UnleashInstance {
  url: string;
  adminToken: string;
  backendToken: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`unleash exited early with code ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`unleash did not answer /health within ${timeoutMs} ms:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** Starts one Unleash server with its own database; `stop()` kills it and drops the database. */
export async function startUnleash(): Promise<UnleashInstance> {
  ensureUnleashInstalled();
  // Shared with the postgres setup: starts the local cluster when it is installed but down.
  await ensurePostgresRunning(() => undefined);
  const db = await createTempDatabase('aftershock_unleash');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'aftershock-unleash-'));
  const logFile = path.join(tmp, 'unleash.log');
  const port = await freePort();
  const secret = randomBytes(12).toString('hex');
  const adminToken = `*:*.${secret}-admin`;
  const backendToken = `default:development.${secret}-backend`;
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['node_modules/unleash-server/dist/server.js'], {
    cwd: SERVER_DIR,
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      DATABASE_SSL: 'false',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      AUTH_TYPE: 'open-source',
      INIT_ADMIN_API_TOKENS: adminToken,
      INIT_BACKEND_API_TOKENS: backendToken,
      SEND_TELEMETRY: 'false',
      CHECK_VERSION: 'false',
      LOG_LEVEL: 'warn',
    },
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(child);
    await db.drop().catch((e) => console.error('[unleash] dropping database failed', e));
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, logFile, DEFAULT_START_TIMEOUT_MS);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, adminToken, backendToken, process: child, stop };
}

export async function setup(provide: (key: string, value: unknown) => void): Promise<() => Promise<void>> {
  const u = await startUnleash();
  provide('unleashUrl', u.url);
  provide('unleashAdminToken', u.adminToken);
  provide('unleashBackendToken', u.backendToken);
  return u.stop;
}
