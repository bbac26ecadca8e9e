/**
 * What `npm test` leaves behind (issue 14, item 21): nothing. global-setup.ts uses these helpers to
 * - give the run its own temporary directory (TMPDIR of every test process, server and tool it starts), named
 *   after the vitest process, and remove it afterwards; a run killed before its teardown leaves a directory whose
 *   process is gone, which the next run removes;
 * - mark the PostgreSQL databases and roles tests create with the run's process and host (COMMENT ON), so the next
 *   run drops those of runs that are gone (and unmarked ones from before the mark, once they are old and idle);
 * - check that the run changed no file git tracks or would report (git status), failing the run when it did.
 * Concurrent runs (other worktrees, other helpers) are never touched: only what belongs to a dead process, or is
 * older than STALE_LEGACY_MS, is removed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** Directory of one run: `aftershock-run-<pid of the vitest process>-<random>`. */
export const RUN_DIR_PREFIX = 'aftershock-run-';
/** Temporary directories of tests from before run directories existed all start with this. */
export const LEGACY_DIR_PREFIX = 'aftershock-';
/** Unmarked leftovers (from runs before the marks) are removed only past this age: a live run is never that old. */
export const STALE_LEGACY_MS = 6 * 3_600_000;
/** Names of test databases and roles: `aftershock_<purpose>_[<time36>_]<hex>` (pg-test-database.ts, unleash.global.ts). */
export const TEST_DATABASE_NAME = /^aftershock_[a-z0-9]+_(?:[0-9a-z]+_)?[0-9a-f]{8,10}$/;
const MARK = /^aftershock-test pid=(\d+) host=(\S+)$/;

/** The process that owns what tests create: the vitest main process (set by global-setup), else this one. */
export function runPid(): number {
  return Number(process.env.AFTERSHOCK_TEST_RUN_PID) || process.pid;
}

/** The COMMENT put on test databases and roles: which process on which host created them. */
export function ownerMark(pid = runPid()): string {
  return `aftershock-test pid=${pid} host=${os.hostname()}`;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunTempDir {
  dir: string;
  /** Restores TMPDIR & co. and removes the directory. */
  close(): void;
}

/** Creates the run's temporary directory and points TMPDIR/TMP/TEMP at it (test workers and servers inherit it). */
export function startRunTempDir(tmp = os.tmpdir()): RunTempDir {
  const dir = mkdtempSync(path.join(tmp, `${RUN_DIR_PREFIX}${process.pid}-`));
  const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP, AFTERSHOCK_TEST_RUN_PID: process.env.AFTERSHOCK_TEST_RUN_PID };
  Object.assign(process.env, { TMPDIR: dir, TMP: dir, TEMP: dir, AFTERSHOCK_TEST_RUN_PID: String(process.pid) });
  return {
    dir,
    close() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Removes leftovers in `tmp`: run directories whose vitest process is gone, and other `aftershock-*` directories
 * (from before run directories) not modified for `staleMs`. Returns the names removed.
 */
export function cleanTempLeftovers(options: { tmp?: string; now?: number; staleMs?: number } = {}): string[] {
  const tmp = options.tmp ?? os.tmpdir();
  const now = options.now ?? Date.now();
  const staleMs = options.staleMs ?? STALE_LEGACY_MS;
  const removed: string[] = [];
  for (const name of readdirSync(tmp)) {
    if (!name.startsWith(LEGACY_DIR_PREFIX)) continue;
    const full = path.join(tmp, name);
    let stale: boolean;
    const run = new RegExp(`^${RUN_DIR_PREFIX}(\\d+)-`).exec(name);
    try {
      stale = run ? !processAlive(Number(run[1])) : statSync(full).isDirectory() && now - statSync(full).mtimeMs > staleMs;
    } catch {
      continue;
    }
    if (!stale) continue;
    rmSync(full, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

interface Leftover {
  name: string;
  mark: string | null;
  createdMs: number | null;
  sessions: number;
}

function isGone(mark: string | null, createdMs: number | null, sessions: number, now: number, staleMs: number): boolean {
  const m = mark ? MARK.exec(mark) : null;
  if (m) return m[2] === os.hostname() && !processAlive(Number(m[1]));
  // Unmarked (made before the marks): only when old and nobody is connected.
  return mark === null && sessions === 0 && createdMs !== null && now - createdMs > staleMs;
}

/**
 * Drops test databases and roles of runs that are gone. Needs a superuser URL (the creation time is the mtime
 * of the database's PG_VERSION file). Returns the names dropped; an unreachable server is not an error.
 */
export async function cleanDatabaseLeftovers(adminUrl: string, options: { now?: number; staleMs?: number; only?: RegExp } = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  // Tests narrow it to their own names so they never drop another run's databases.
  const candidate = (name: string) => TEST_DATABASE_NAME.test(name) && (options.only?.test(name) ?? true);
  const staleMs = options.staleMs ?? STALE_LEGACY_MS;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    return [];
  }
  const dropped: string[] = [];
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  try {
    const dbs = await client.query<{ name: string; mark: string | null; created: Date | null; sessions: string }>(
      `SELECT d.datname AS name, shobj_description(d.oid, 'pg_database') AS mark,
              (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification AS created,
              (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname) AS sessions
       FROM pg_database d WHERE d.datname LIKE 'aftershock\\_%'`,
    );
    const leftovers: Leftover[] = dbs.rows.map((r) => ({ name: r.name, mark: r.mark, createdMs: r.created ? r.created.getTime() : null, sessions: Number(r.sessions) }));
    for (const d of leftovers) {
      if (!candidate(d.name) || !isGone(d.mark, d.createdMs, d.sessions, now, staleMs)) continue;
      await client.query(`DROP DATABASE IF EXISTS ${quote(d.name)} WITH (FORCE)`);
      dropped.push(d.name);
    }
    // Roles (Unleash runs as its own): those without a database of their name left, marked by a dead run or unmarked and idle.
    const roles = await client.query<{ name: string; mark: string | null; sessions: string; hasdb: boolean }>(
      `SELECT r.rolname AS name, shobj_description(r.oid, 'pg_authid') AS mark,
              (SELECT count(*) FROM pg_stat_activity a WHERE a.usename = r.rolname) AS sessions,
              EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = r.rolname) AS hasdb
       FROM pg_roles r WHERE r.rolname LIKE 'aftershock\\_%'`,
    );
    for (const r of roles.rows) {
      if (!candidate(r.name) || r.hasdb || Number(r.sessions) > 0) continue;
      const m = r.mark ? MARK.exec(r.mark) : null;
      if (m && (m[2] !== os.hostname() || processAlive(Number(m[1])))) continue;
      await client.query(`DROP ROLE IF EXISTS ${quote(r.name)}`);
      dropped.push(r.name);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return dropped;
}

/** Path → status and content hash of everything `git status` reports (null when `root` is not a git checkout). */
export function worktreeSnapshot(root: string): Map<string, string> | null {
  let out: string;
  try {
    out = execFileSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const snapshot = new Map<string, string>();
  const entries = out.split('\0').filter(Boolean);
  for (let i = 0; i < entries.length; i++) {
    const status = entries[i].slice(0, 2);
    const file = entries[i].slice(3);
    // A rename lists its source path next.
    if (status.startsWith('R') || status.startsWith('C')) i++;
    const full = path.join(root, file);
    const hash = existsSync(full) && statSync(full).isFile() ? createHash('sha1').update(readFileSync(full)).digest('hex') : 'absent';
    snapshot.set(file, `${status} ${hash}`);
  }
  return snapshot;
}

/** Files whose `git status` entry or content differs between two snapshots. */
export function worktreeChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const files = new Set([...before.keys(), ...after.keys()]);
  return [...files].filter((f) => before.get(f) !== after.get(f)).sort();
}
