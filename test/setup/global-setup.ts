/**
 * Runs every `test/setup/*.global.ts` (each starts one real component: InfluxDB 1.x, Unleash, Chromium…)
 * and stops them in reverse order afterwards. Each module exports
 *   `setup(provide: (key, value) => void): Promise<() => Promise<void>>`
 * and hands connection details to tests through vitest's provide/inject.
 * AFTERSHOCK_SETUPS=influxdb,unleash (comma list of file stems) limits which ones run, for quick local loops;
 * `build` (compile src/ when stale, for the CLI tests) always runs.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Setups that run whatever AFTERSHOCK_SETUPS says. */
const ALWAYS = ['build'];

export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  const only = process.env.AFTERSHOCK_SETUPS?.split(',').map((s) => s.trim()).filter(Boolean);
  const files = (await readdir(here)).filter((f) => f.endsWith('.global.ts')).sort();
  const teardowns: Array<() => Promise<void>> = [];
  const provide = (key: string, value: unknown) => project.provide(key as never, value as never);
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
  };
}
