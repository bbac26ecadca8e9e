/**
 * Runs every `test/setup/*.global.ts` (each starts one real component: InfluxDB 1.x, Unleash, Chromium…)
 * and stops them in reverse order afterwards. Each module exports
 *   `setup(provide: (key, value) => void): Promise<() => Promise<void>>`
 * and hands connection details to tests through vitest's provide/inject.
 * AFTERSHOCK_SETUPS=influxdb,unleash (comma list of file stems) limits which ones run, for quick local loops;
 * `build` (compile src/ when stale, for the CLI tests) always runs. Around them (./test-hygiene.ts): leftovers of
 * interrupted runs are removed first, the run gets its own TMPDIR, and the teardown fails the run when it changed
 * anything `git status` reports.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { DEFAULT_POSTGRES_ADMIN_URL } from './postgres.global.ts';
import { cleanDatabaseLeftovers, cleanTempLeftovers, startRunTempDir, worktreeChanges, worktreeSnapshot } from './test-hygiene.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
/** Setups that run whatever AFTERSHOCK_SETUPS says. */
const ALWAYS = ['build'];

export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  const only = process.env.AFTERSHOCK_SETUPS?.split(',').map((s) => s.trim()).filter(Boolean);
  const files = (await readdir(here)).filter((f) => f.endsWith('.global.ts')).sort();
  const teardowns: Array<() => Promise<void>> = [];
  const provide = (key: string, value: unknown) => project.provide(key as never, value as never);
  // Leftovers of runs that were killed before their teardown (only those whose process is gone, or very old ones).
  const leftovers = [...cleanTempLeftovers(), ...(await cleanDatabaseLeftovers(process.env.AFTERSHOCK_PG_ADMIN_URL ?? DEFAULT_POSTGRES_ADMIN_URL))];
  if (leftovers.length > 0) console.error(`[global-setup] removed leftovers of interrupted runs: ${leftovers.join(', ')}`);
  const before = worktreeSnapshot(ROOT);
  // Everything the run writes to a temporary directory goes under one directory, removed in the teardown.
  const runTmp = startRunTempDir();
  teardowns.push(async () => runTmp.close());
  try {
    for (const file of files) {
      const stem = file.replace(/\.global\.ts$/, '');
      if (only && !only.includes(stem) && !ALWAYS.includes(stem)) continue;
      const mod = (await import(pathToFileURL(path.join(here, file)).href)) as {
        setup: (p: typeof provide) => Promise<() => Promise<void>>;
      };
      const started = Date.now();
      teardowns.push(await mod.setup(provide));
      console.error(`[global-setup] ${stem} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } catch (e) {
    for (const t of teardowns.reverse()) await t().catch(() => undefined);
    throw e;
  }
  return async () => {
    for (const t of teardowns.reverse()) await t().catch((e) => console.error('[global-setup] teardown failed', e));
    // npm test must leave the checkout as it found it (a setup once rewrote a tracked package-lock.json).
    const after = before && worktreeSnapshot(ROOT);
    const changed = before && after ? worktreeChanges(before, after) : [];
    if (changed.length > 0) {
      // vitest only logs an error thrown here ("error during close") and still exits 0: set the exit code too.
      process.exitCode = 1;
      throw new Error(`[global-setup] the test run changed files that git reports (git status --porcelain): ${changed.join(', ')}; tests and setups must write only to ignored or temporary paths`);
    }
  };
}
