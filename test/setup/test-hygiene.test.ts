/**
 * `npm test` leaves nothing behind (issue 14, item 21): the test-only Deno folder installs with `npm ci` from a
 * complete lock (`npm install` rewrote the tracked lock), every test process writes temporary files under the
 * run's own directory, leftovers of interrupted runs are removed by the next run without touching live runs, and
 * the teardown's git-status check sees any change to the checkout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanTempLeftovers, processAlive, RUN_DIR_PREFIX, STALE_LEGACY_MS, worktreeChanges, worktreeSnapshot } from './test-hygiene.ts';

const ROOT = path.resolve(__dirname, '../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'aftershock-hygiene-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  expect(processAlive(pid)).toBe(false);
  return pid;
}

describe('test hygiene', () => {
  it('test-servers/deno installs with npm ci from its lock, and the lock stays as committed', () => {
    const dir = path.join(scratch, 'deno');
    mkdirSync(dir);
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(ROOT, 'test-servers/deno', f), path.join(dir, f));
    const lock = () => createHash('sha1').update(readFileSync(path.join(dir, 'package-lock.json'))).digest('hex');
    const committed = lock();
    const r = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(lock()).toBe(committed);
    expect(readFileSync(path.join(ROOT, 'test/setup/jupyter.global.ts'), 'utf8')).toMatch(/spawnSync\('npm', \['ci'/);
  });

  it('this test process writes its temporary files under the run directory of a live vitest process', () => {
    expect(path.basename(os.tmpdir())).toMatch(new RegExp(`^${RUN_DIR_PREFIX}\\d+-`));
    const owner = Number(process.env.AFTERSHOCK_TEST_RUN_PID);
    expect(os.tmpdir()).toContain(`${RUN_DIR_PREFIX}${owner}-`);
    expect(processAlive(owner)).toBe(true);
  });

  it('removes run directories of dead processes and old unmarked leftovers, and nothing of live or recent runs', () => {
    const tmp = path.join(scratch, 'tmp');
    mkdirSync(tmp);
    const now = Date.now();
    const old = (now - STALE_LEGACY_MS - 60_000) / 1000;
    const names = {
      deadRun: `${RUN_DIR_PREFIX}${deadPid()}-abc`,
      liveRun: `${RUN_DIR_PREFIX}${process.pid}-def`,
      oldLegacy: 'aftershock-cli-old',
      freshLegacy: 'aftershock-cli-fresh',
      unrelated: 'someone-elses-dir',
    };
    for (const n of Object.values(names)) mkdirSync(path.join(tmp, n));
    writeFileSync(path.join(tmp, names.deadRun, 'pglite.db'), 'x');
    for (const n of [names.deadRun, names.liveRun, names.oldLegacy, names.unrelated]) utimesSync(path.join(tmp, n), old, old);
    expect(cleanTempLeftovers({ tmp, now }).sort()).toEqual([names.deadRun, names.oldLegacy].sort());
    expect(cleanTempLeftovers({ tmp, now })).toEqual([]);
  });

  it('sees a changed tracked file and a new untracked file in the checkout, and no change when there is none', () => {
    const repo = path.join(scratch, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    writeFileSync(path.join(repo, 'package-lock.json'), '{}\n');
    writeFileSync(path.join(repo, '.gitignore'), 'ignored/\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
    writeFileSync(path.join(repo, 'dirty-before.txt'), 'a developer’s uncommitted work\n');
    const before = worktreeSnapshot(repo)!;
    mkdirSync(path.join(repo, 'ignored'));
    writeFileSync(path.join(repo, 'ignored', 'out.txt'), 'fine');
    expect(worktreeChanges(before, worktreeSnapshot(repo)!)).toEqual([]);
    writeFileSync(path.join(repo, 'package-lock.json'), '{"rewritten": true}\n');
    writeFileSync(path.join(repo, 'dirty-before.txt'), 'changed again by a test\n');
    writeFileSync(path.join(repo, 'new-file.txt'), 'left behind\n');
    expect(worktreeChanges(before, worktreeSnapshot(repo)!)).toEqual(['dirty-before.txt', 'new-file.txt', 'package-lock.json']);
    expect(worktreeSnapshot(path.join(scratch, 'tmp'))).toBeNull();
  });
});
