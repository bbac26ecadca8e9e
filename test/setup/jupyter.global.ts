/**
 * Everything the notebooks need to run headless: Debian's Jupyter pieces (nbconvert, nbclient,
 * jupyter-client, ipykernel; apt-get when missing), the Deno binary from npm in the test-only folder
 * test-servers/deno (npm ci when missing), and a kernelspec named "deno" (the name `deno jupyter --install`
 * uses, which the notebooks ask for) in a temporary JUPYTER_PATH, never in the user's home.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages } from './chromium.global.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DENO_FOLDER = path.join(ROOT, 'test-servers', 'deno');
/** The platform package holds the real binary; `deno/deno` is a copy made by a postinstall script that may not run. */
const DENO_CANDIDATES = [path.join(DENO_FOLDER, 'node_modules', '@deno', 'linux-x64-glibc', 'deno'), path.join(DENO_FOLDER, 'node_modules', 'deno', 'deno')];
/** Deno's module cache: inside the project (gitignored .cache/), so runs never touch ~/.cache. */
const DENO_DIR = path.join(ROOT, '.cache', 'deno');

declare module 'vitest' {
  interface ProvidedContext {
    jupyterPath: string;
    denoPath: string;
  }
}

function findDeno(): string | undefined {
  return DENO_CANDIDATES.find((p) => existsSync(p));
}

export function ensureDeno(): string {
  const found = findDeno();
  if (found) return found;
  // `npm ci`: installs exactly the lock and never rewrites it (`npm install` added the other platforms' entries to
  // the tracked lock on every fresh checkout). The lock lists every platform package of deno's
  // optionalDependencies; npm fetches only the one for this machine.
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: DENO_FOLDER, stdio: ['ignore', 'ignore', 'inherit'] });
  const deno = findDeno();
  if (r.status !== 0 || !deno) throw new Error(`jupyter setup: npm ci in ${DENO_FOLDER} failed (exit ${r.status}); the deno binary is missing`);
  return deno;
}

export async function setup(provide: (key: string, value: unknown) => void): Promise<() => Promise<void>> {
  ensureDebianPackages(
    [
      { name: 'jupyter-nbconvert', provides: '/usr/bin/jupyter-nbconvert' },
      { name: 'python3-nbclient', provides: '/usr/lib/python3/dist-packages/nbclient' },
      { name: 'jupyter-client', provides: '/usr/lib/python3/dist-packages/jupyter_client' },
      { name: 'python3-ipykernel', provides: '/usr/lib/python3/dist-packages/ipykernel' },
    ],
    'jupyter',
  );
  const deno = ensureDeno();
  const jupyterPath = await mkdtemp(path.join(os.tmpdir(), 'aftershock-jupyter-'));
  const kernelDir = path.join(jupyterPath, 'kernels', 'deno');
  await mkdir(kernelDir, { recursive: true });
  await writeFile(
    path.join(kernelDir, 'kernel.json'),
    JSON.stringify({
      argv: [deno, 'jupyter', '--kernel', '--conn', '{connection_file}'],
      display_name: 'Deno (aftershock tests)',
      language: 'typescript',
      env: { DENO_DIR, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    }, null, 2),
  );
  provide('jupyterPath', jupyterPath);
  provide('denoPath', deno);
  return async () => rm(jupyterPath, { recursive: true, force: true });
}
