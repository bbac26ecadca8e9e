/**
 * Start-up cost of the compiled CLI (bin/aftershock.js → dist/): `aftershock --help` and each command's `--help`,
 * as wall time and user+system CPU of the child process (GNU time), against `node -e 0` in the
 * same run (Node's own start-up floor). Issue 12's target: `aftershock --help` ≤ 0.2 s CPU. Best of
 * DEFAULT_REPEATS per row. Needs a build (`npm run build`). Run: `npm run bench -- cli-start`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverageLine } from './load-average.ts';

export const DEFAULT_REPEATS = 5;
/** Issue 12: CPU seconds of `aftershock --help` with the compiled build. */
export const TARGET_CPU_S = 0.2;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/aftershock.js');
const TIME = '/usr/bin/time';

/**
 * Wall and CPU seconds of one child process, from GNU time (`/usr/bin/time`, Debian package `time`): the kernel's
 * accounting of that child alone, exec to exit, which Node does not expose for a child.
 */
function measure(args: string[]): { wall: number; cpu: number } {
  const out = path.join(tmpdir(), `aftershock-cli-start-${process.pid}.txt`);
  const r = spawnSync(TIME, ['-o', out, '-f', '%e %U %S', process.execPath, ...args], { stdio: 'ignore', env: { ...process.env, AFTERSHOCK_FROM_SOURCE: '' } });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  const [wall, user, sys] = readFileSync(out, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
  rmSync(out, { force: true });
  return { wall, cpu: user + sys };
}

function best(args: string[]): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < DEFAULT_REPEATS; i++) {
    const m = measure(args);
    wall = Math.min(wall, m.wall);
    cpu = Math.min(cpu, m.cpu);
  }
  return { wall, cpu };
}

export async function run(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (apt-get install time): it measures the CPU time of one child`);
  const loadBefore = loadAverageLine();
  const floor = best(['-e', '0']);
  const rows: [string, string[]][] = [
    ['aftershock --help', ['--help']],
    ['aftershock --version', ['--version']],
    ...['analyze', 'serve', 'guard', 'flag', 'upgrade'].map((c): [string, string[]] => [`aftershock ${c} --help`, [c, '--help']]),
  ];
  console.log(`compiled CLI start-up, best of ${DEFAULT_REPEATS}; reference node -e 0: wall ${floor.wall.toFixed(3)} s, CPU ${floor.cpu.toFixed(3)} s`);
  console.log(`${'command'.padEnd(28)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)} ${'CPU/ref'.padStart(8)} ${'CPU − ref'.padStart(10)}`);
  let helpCpu = NaN;
  for (const [name, args] of rows) {
    const m = best([BIN, ...args]);
    if (name === 'aftershock --help') helpCpu = m.cpu;
    console.log(`${name.padEnd(28)} ${m.wall.toFixed(3).padStart(7)} ${m.cpu.toFixed(3).padStart(7)} ${(m.cpu / floor.cpu).toFixed(2).padStart(8)} ${(m.cpu - floor.cpu).toFixed(3).padStart(10)}`);
  }
  console.log(`target aftershock --help CPU ${helpCpu.toFixed(3)} s ≤ ${TARGET_CPU_S} s → ${helpCpu <= TARGET_CPU_S ? 'pass' : 'FAIL'}`);
  console.log(`${loadBefore} before, ${loadAverageLine()} after`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
