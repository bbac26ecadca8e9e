#!/usr/bin/env node
// Compiles src/ to dist/ (tsc -p tsconfig.build.json), copies what tsc does not emit (SQL migrations) and bundles
// the vendored re-exports of src/vendor/ (esbuild).
// `--if-stale` skips all of it when dist/ is newer than every file under src/ and the build config: `npm start`
// and the test setup call it that way, so an edited source tree never runs stale JavaScript and an unchanged
// one costs a few milliseconds. Plain JavaScript on purpose: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.tsbuildinfo');
const ASSETS = [['src/store/pg/migrations', 'dist/store/pg/migrations']];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const inputs = Math.max(newestMtime(path.join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(path.join(root, f)).mtimeMs));
  return inputs > built;
}

/**
 * Replaces the compiled re-export modules of src/vendor/ by one-file bundles of what they re-export (esbuild): TypeBox's
 * ESM build is about 900 module loads at every start (≈ 0.1 s), its bundle one. Without esbuild (a development
 * dependency) the compiled re-exports stay, which work the same, only slower to load.
 */
async function bundleVendored() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('aftershock build: esbuild not installed; dist/vendor keeps the plain re-exports (slower start-up)');
    return;
  }
  for (const name of ['typebox']) {
    const out = path.join(root, 'dist', 'vendor', `${name}.js`);
    await esbuild.build({ entryPoints: [path.join(root, 'src', 'vendor', `${name}.ts`)], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: out, logLevel: 'warning', legalComments: 'inline' });
    // tsc's map describes the re-export it emitted, not the bundle.
    rmSync(`${out}.map`, { force: true });
  }
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('aftershock build: TypeScript is not installed (run `npm install` first)');
  process.exit(2);
}
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
for (const [from, to] of ASSETS) cpSync(path.join(root, from), path.join(root, to), { recursive: true });
await bundleVendored();
// tsc leaves its build info untouched when nothing changed; the stamp must still say "built now".
const now = new Date();
utimesSync(stamp, now, now);
