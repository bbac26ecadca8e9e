/**
 * Compiles src/ to dist/ when it is stale (scripts/build.mjs --if-stale), because the CLI tests run the real
 * `bin/aftershock.js`, which runs the compiled build. Always runs, whatever AFTERSHOCK_SETUPS says: a CLI test
 * against stale JavaScript would test code that no longer exists. A no-op in milliseconds when up to date.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function setup(): Promise<() => Promise<void>> {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return async () => undefined;
}
