/**
 * Test databases and roles of interrupted runs are dropped by the next run (issue 14, item 21), on the local
 * PostgreSQL: those marked by a process that is gone, never those of a live run or unmarked recent ones.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cleanDatabaseLeftovers, ownerMark } from './test-hygiene.ts';

const adminUrl = inject('postgresAdminUrl');
const made: string[] = [];
/** Only this file's names: other runs on the same server are never touched by the test. */
const OURS = /^aftershock_hygiene_/;

async function admin(sql: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

async function database(mark: string | null, role = false): Promise<string> {
  const name = `aftershock_hygiene_${randomBytes(4).toString('hex')}`;
  made.push(name);
  if (role) {
    await admin(`CREATE ROLE ${name} LOGIN`);
    if (mark) await admin(`COMMENT ON ROLE ${name} IS '${mark}'`);
    return name;
  }
  await admin(`CREATE DATABASE ${name}`);
  if (mark) await admin(`COMMENT ON DATABASE ${name} IS '${mark}'`);
  return name;
}

afterAll(async () => {
  for (const n of made) {
    await admin(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
    await admin(`DROP ROLE IF EXISTS ${n}`);
  }
});

describe('cleanDatabaseLeftovers', () => {
  it('drops databases and roles of dead runs; keeps live runs, unmarked recent ones and non-test names', async () => {
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const deadDb = await database(ownerMark(dead));
    const deadRole = await database(ownerMark(dead), true);
    const liveDb = await database(ownerMark(process.pid));
    const unmarkedRecent = await database(null);
    const dropped = await cleanDatabaseLeftovers(adminUrl, { only: OURS });
    expect(dropped).toEqual(expect.arrayContaining([deadDb, deadRole]));
    expect(dropped).not.toContain(liveDb);
    expect(dropped).not.toContain(unmarkedRecent);
    const left = (await admin(`SELECT datname FROM pg_database WHERE datname LIKE 'aftershock_hygiene_%'`)).map((r) => (r as { datname: string }).datname);
    expect(left).toEqual(expect.arrayContaining([liveDb, unmarkedRecent]));
    expect(left).not.toContain(deadDb);
    // Unmarked ones go once they are old and idle (here: "old" = older than 0 ms).
    expect(await cleanDatabaseLeftovers(adminUrl, { staleMs: -1, only: OURS })).toContain(unmarkedRecent);
  });

  it('answers [] when the server is unreachable', async () => {
    expect(await cleanDatabaseLeftovers('postgres://postgres@127.0.0.1:1/postgres')).toEqual([]);
  });
});
