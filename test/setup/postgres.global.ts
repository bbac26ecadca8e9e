/**
 * Makes sure the local PostgreSQL (127.0.0.1:5432, trust auth; see ../shared/ENVIRONMENT.md) is running and
 * provides its superuser URL as `postgresAdminUrl`. Tests create and drop their own uniquely named databases
 * (test/store/pg-test-database.ts), so parallel runs never share tables. The cluster is shared: never stopped.
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';

declare module 'vitest' {
  interface ProvidedContext {
    /** Superuser URL of the local PostgreSQL, for tests that create their own database. */
    postgresAdminUrl: string;
  }
}

export const DEFAULT_POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function setup(provide: (key: string, value: unknown) => void): Promise<() => Promise<void>> {
  const url = process.env.AFTERSHOCK_PG_ADMIN_URL ?? DEFAULT_POSTGRES_ADMIN_URL;
  if (!(await reachable(url))) {
    // Installed but stopped (e.g. after a reboot): start every cluster pg_lsclusters knows.
    const list = spawnSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
    for (const line of (list.stdout ?? '').split('\n').filter(Boolean)) {
      const [version, name] = line.split(/\s+/);
      spawnSync('pg_ctlcluster', [version, name, 'start'], { stdio: 'inherit' });
    }
    if (!(await reachable(url))) {
      throw new Error(`postgres setup: PostgreSQL is not reachable at ${url}; expected a local server with trust auth (see ENVIRONMENT.md) or set AFTERSHOCK_PG_ADMIN_URL`);
    }
  }
  provide('postgresAdminUrl', url);
  return async () => undefined;
}
