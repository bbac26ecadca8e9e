/**
 * Makes Debian's Chromium and the DejaVu fonts available for the browser test and the PNG text checks:
 * installs `chromium` and `fonts-dejavu-core` with apt-get when missing (apt-get update only if the first
 * try fails), and provides the browser's path. playwright-core drives this binary; its own browser
 * downloads are never used (they cannot be fetched here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const DEJAVU_SANS = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
/** Flags that work in a root container without a GPU or network access to Google services. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

declare module 'vitest' {
  interface ProvidedContext {
    chromiumPath: string;
  }
}

function aptGet(args: string[]): number | null {
  // The dpkg lock timeout lets parallel runs (other helpers' setups) wait instead of failing.
  return spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  }).status;
}

/** Installs the Debian packages whose marker file is missing; throws naming the package when that fails. */
export function ensureDebianPackages(packages: Array<{ name: string; provides: string }>, what: string): void {
  const missing = packages.filter((p) => !existsSync(p.provides));
  if (missing.length === 0) return;
  const install = ['install', '-y', '--no-install-recommends', ...missing.map((p) => p.name)];
  if (aptGet(install) !== 0) {
    aptGet(['update']);
    if (aptGet(install) !== 0) throw new Error(`${what} setup: apt-get ${install.join(' ')} failed`);
  }
  for (const p of missing) {
    if (!existsSync(p.provides)) throw new Error(`${what} setup: ${p.provides} still missing after installing ${p.name}`);
  }
}

export async function setup(provide: (key: string, value: unknown) => void): Promise<() => Promise<void>> {
  ensureDebianPackages([{ name: 'chromium', provides: CHROMIUM_PATH }, { name: 'fonts-dejavu-core', provides: DEJAVU_SANS }], 'chromium');
  provide('chromiumPath', CHROMIUM_PATH);
  // Browsers are launched and closed by the tests themselves; nothing runs between test files.
  return async () => undefined;
}
