/** A uniquely named PostgreSQL database for one test file, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ownerMark } from '../setup/test-hygiene.ts';

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(adminUrl: string, prefix = 'aftershock_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  // Which run made it: the next run drops it if this one is killed before `drop` (../setup/test-hygiene.ts).
  await admin(adminUrl, `COMMENT ON DATABASE ${name} IS '${ownerMark()}'`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
