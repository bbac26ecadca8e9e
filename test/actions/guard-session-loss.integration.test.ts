/**
 * The guard's leadership when its PostgreSQL session drops (issue 14): a real `aftershock guard` and a real
 * `aftershock serve` (guard enabled) on a throwaway database of the local PostgreSQL; the leader's session is
 * killed with `pg_terminate_backend` from another connection. The process must survive, record that it lost the
 * lock, reconnect and lead again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../store/pg-test-database.ts';

const BIN = path.resolve(__dirname, '../../bin/aftershock.js');
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-guard-loss-'));
let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

interface Decision {
  id: number;
  guard_id: string;
  evaluation: string;
  reason: string;
}

function guardFile(lockKey: number): string {
  const file = path.join(dir, `guard-${lockKey}.yaml`);
  writeFileSync(
    file,
    [
      'enabled: true',
      'dryRun: true',
      'interval: 300ms',
      'targets:',
      '  - { name: shop, source: demo, services: [shop], upgradeAt: "2026-11-20T14:00:00Z", before: 2h, after: 2h }',
      'hysteresis: { consecutive: 1 }',
      'cooldown: 0',
      'maxActionsPerHour: 100',
      'steps:',
      '  tune: { enabled: true, when: [tail_latency], maxPerEpisode: 1, aim: 0.5 }',
      '  killSwitch: { enabled: true, when: [tail_latency, retry_rate] }',
      `lockKey: ${lockKey}`,
    ].join('\n'),
  );
  return file;
}

/** The process, with its output kept for the failure message. */
function start(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, UNLEASH_URL: '', UNLEASH_ADMIN_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until<T>(what: string, child: ChildProcess, output: () => string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the process ended (code ${child.exitCode}, signal ${child.signalCode}) while waiting for ${what}:\n${output().slice(-3000)}`);
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The backend holding the guard's advisory lock (a bigint key below 2^31: classid 0, objid = key). */
async function leaderPid(dbName: string, lockKey: number): Promise<number | null> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1 AND l.classid = 0 AND l.objid = $2 AND l.objsubid = 1`,
    [dbName, lockKey],
  );
  return rows[0]?.pid ?? null;
}

async function decisions(url: string): Promise<Decision[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<Decision>('SELECT id::int AS id, guard_id, evaluation, reason FROM guard_decisions ORDER BY id')).rows;
  } catch {
    return []; // not migrated yet
  } finally {
    await c.end();
  }
}

async function survivesSessionLoss(args: (lockKey: number) => string[], extraEnv: (lockKey: number) => Record<string, string>): Promise<void> {
  const db = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_guard_loss');
  const dbName = new URL(db.url).pathname.slice(1);
  const lockKey = randomInt(1, 2 ** 31 - 1);
  const p = start(args(lockKey), { DATABASE_URL: db.url, ...extraEnv(lockKey) });
  try {
    await until('the guard to lead and evaluate', p.child, p.output, async () => (await decisions(db.url)).some((d) => d.evaluation === 'failing'));
    const first = await until('the leader’s advisory lock', p.child, p.output, () => leaderPid(dbName, lockKey));
    await admin.query('SELECT pg_terminate_backend($1)', [first]);

    const lost = await until('the loss to be recorded', p.child, p.output, async () => (await decisions(db.url)).find((d) => /lost the guard lock/.test(d.reason)));
    expect(lost.reason).toMatch(/database session ended/);
    const second = await until('a new leader session', p.child, p.output, async () => {
      const pid = await leaderPid(dbName, lockKey);
      return pid !== null && pid !== first ? pid : null;
    });
    expect(second).not.toBe(first);
    await until('an evaluation after the loss', p.child, p.output, async () => (await decisions(db.url)).some((d) => d.id > lost.id && d.evaluation === 'failing'));
    expect(p.child.exitCode).toBeNull();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  } finally {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
    await db.drop();
  }
}

describe('the guard survives losing its PostgreSQL session', () => {
  it('aftershock guard: records the loss, reconnects and leads again', { timeout: 240_000 }, async () => {
    await survivesSessionLoss((key) => ['guard', '--guard-file', guardFile(key)], () => ({}));
  });

  it('aftershock serve with the guard on: records the loss, reconnects and leads again', { timeout: 240_000 }, async () => {
    await survivesSessionLoss(() => ['serve', '--host', '127.0.0.1', '--port', '0'], (key) => ({ AFTERSHOCK_GUARD_FILE: guardFile(key), LOG_LEVEL: 'warn' }));
  });
});
