/**
 * Applies src/store/migrations/NNNN-name.sql in numeric order, each in its own transaction, and records
 * them in `schema_migrations`. On PostgreSQL the whole run holds an advisory lock on one dedicated
 * connection, so replicas starting at the same time migrate one after the other instead of racing.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.ts';
import type { SqlClient } from './sql-client.ts';

export const DEFAULT_MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Arbitrary but fixed key for pg_advisory_lock ("aftershock" in ASCII, truncated to fit an int8). */
export const MIGRATION_LOCK_KEY = 0x6166746572736800n;

export interface Migration {
  version: number;
  name: string;
  file: string;
}

export async function listMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  const out: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of files) {
    const m = /^(\d+)-([\w.-]+)\.sql$/.exec(file);
    if (!m) throw new AppError('INTERNAL', `${path.join(dir, file)}: migration files are named NNNN-name.sql`);
    const version = Number(m[1]);
    const other = seen.get(version);
    if (other) throw new AppError('INTERNAL', `migrations ${other} and ${file} share version ${version}`);
    seen.set(version, file);
    out.push({ version, name: m[2], file: path.join(dir, file) });
  }
  return out.sort((a, b) => a.version - b.version);
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(sql: SqlClient, options: { dir?: string } = {}): Promise<number[]> {
  const migrations = await listMigrations(options.dir);
  return sql.session(async (conn) => {
    if (conn.kind === 'postgres') await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await conn.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await conn.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => Number(r.version)));
      const done: number[] = [];
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        const text = await readFile(m.file, 'utf8');
        try {
          await conn.transaction(async (tx) => {
            await tx.query(text);
            await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          });
        } catch (e) {
          throw new AppError('INTERNAL', `migration ${path.basename(m.file)} failed: ${(e as Error).message}`, { cause: e });
        }
        done.push(m.version);
      }
      return done;
    } finally {
      if (conn.kind === 'postgres') await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  });
}
