/**
 * Issue 12's file-source and memory rows, whole process (`aftershock analyze` spawned as a user runs it, timed from
 * the spawn to the exit, peak RSS from /usr/bin/time):
 * - shuffled: the 2.3 M-line demo file with its lines shuffled across series (as a real export interleaves them),
 *   against the same-run floor of a process that only reads the bytes. Target ≥ 1.5 M lines/s (aim 2 M).
 * - series: time and memory vs the number of distinct endpoints (12 requests each, shuffled), so the growth is
 *   visible; targets 16 000 endpoints ≤ 3 s and ≤ 400 MB, 100 000 ≤ 10 s and ≤ 1 GB (--max-series raised to fit).
 *
 * `npm run bench -- scale [--series=1000,10000] [--only=series|shuffled]` (the files are generated once under
 * bench/out/, gitignored; `--only` runs one of the two parts, to iterate on one without paying for the other).
 * Wall times on a shared machine are noisy: CPU time (user + sys) and the load average are printed next to them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEMO_UPGRADE_AT, makeDemoLp } from '../scripts/make-demo-lp.ts';
import { manySeriesLp, shuffleLp } from '../scripts/make-scale-lp.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(here, 'out');
const BIN = path.join(here, '..', 'bin', 'aftershock.js');
const DEMO_LINES = 2_300_000;
const TARGET_LINES_PER_S = 1_500_000;
const SERIES_COUNTS = [1_000, 10_000, 16_000, 100_000];
const LINES_PER_ENDPOINT = 12;
/** endpoints → [seconds, MB] targets of issue 12. */
const SERIES_TARGETS = new Map([
  [16_000, [3, 400]],
  [100_000, [10, 1024]],
]);

interface Run {
  wallS: number;
  cpuS: number;
  rssMb: number;
  code: number | null;
  stderr: string;
}

/** Generates `file` with `make` unless a complete copy is there (a .json next to it records its size). */
async function cached(file: string, make: () => Promise<number>): Promise<number> {
  mkdirSync(OUT_DIR, { recursive: true });
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { lines: number; bytes: number };
    if (statSync(file).size === m.bytes) return m.lines;
  }
  const lines = await make();
  writeFileSync(meta, JSON.stringify({ lines, bytes: statSync(file).size }));
  return lines;
}

/** One process, timed from spawn to exit; CPU and peak RSS from /usr/bin/time when present. */
function timed(args: string[]): Run {
  const useTime = existsSync('/usr/bin/time');
  const started = performance.now();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallS = (performance.now() - started) / 1000;
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return { wallS, cpuS: m ? Number(m[1]) + Number(m[2]) : NaN, rssMb: m ? Number(m[3]) / 1024 : NaN, code: r.status, stderr: r.stderr };
}

/** Best of `n` by wall time (a neighbour can slow one run down); the highest RSS seen. */
function best(n: number, args: string[]): Run {
  const runs = Array.from({ length: n }, () => timed(args));
  const b = runs.reduce((x, y) => (y.wallS < x.wallS ? y : x));
  return { ...b, rssMb: Math.max(...runs.map((r) => r.rssMb)) };
}

function analyzeArgs(file: string, extra: string[] = []): string[] {
  return [BIN, 'analyze', '--source', file, '--upgrade-at', DEFAULT_DEMO_UPGRADE_AT, '--out', path.join(OUT_DIR, 'scale-report.json'), ...extra];
}

/** A process that reads the file's bytes and counts lines: the floor any analysis of the file stands on. */
function bytesOnlyArgs(file: string): string[] {
  const script =
    "const fs=require('fs');const fd=fs.openSync(process.argv[1],'r');const b=Buffer.allocUnsafe(1<<20);let n=0,r;" +
    'while((r=fs.readSync(fd,b,0,b.length,null))>0){for(let i=b.indexOf(10);i>=0&&i<r;i=b.indexOf(10,i+1))n++;}console.log(n)';
  return ['-e', script, file];
}

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');

async function shuffled(): Promise<void> {
  const plain = path.join(OUT_DIR, 'demo-2.3M.lp');
  const file = path.join(OUT_DIR, 'demo-2.3M-shuffled.lp');
  await cached(plain, () => makeDemoLp({ out: plain, upgradeAt: DEFAULT_DEMO_UPGRADE_AT, lines: DEMO_LINES }));
  const lines = await cached(file, () => shuffleLp(plain, file, 7));
  const floor = best(2, bytesOnlyArgs(file));
  const run = best(2, analyzeArgs(file));
  if (run.code !== 0 && run.code !== 1) throw new Error(`analyze failed (${run.code}): ${run.stderr.slice(-1000)}`);
  const stopped = /; (reader threads stopped early: [^(]*)/.exec(run.stderr)?.[1]?.trim();
  const threads = (/segments per thread: [^)]*/.exec(run.stderr)?.[0] ?? 'one thread') + (stopped ? `; ${stopped}` : '');
  console.log(`\nshuffled demo file: ${path.relative(process.cwd(), file)} (${n0(lines)} lines, ${(statSync(file).size / 1e6).toFixed(0)} MB), whole process`);
  console.log('| step | wall (s) | CPU (s) | lines/s (wall) | peak RSS (MB) |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| bytes only (floor) | ${fmt(floor.wallS)} | ${fmt(floor.cpuS)} | ${n0(lines / floor.wallS)} | ${fmt(floor.rssMb, 0)} |`);
  console.log(`| aftershock analyze (${threads}) | ${fmt(run.wallS)} | ${fmt(run.cpuS)} | ${n0(lines / run.wallS)} | ${fmt(run.rssMb, 0)} |`);
  const rate = lines / run.wallS;
  console.log(
    `analyze / bytes-only floor: ${fmt(run.wallS / floor.wallS, 1)}× the time; target ≥ ${n0(TARGET_LINES_PER_S)} lines/s ${rate >= TARGET_LINES_PER_S ? 'MET' : 'MISSED'} ` +
      `(${n0(rate)}); load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`,
  );
}

async function series(counts: number[]): Promise<void> {
  console.log(`\nseries scaling: N endpoints × ${LINES_PER_ENDPOINT} requests (half before, half after), lines shuffled; whole process (best of 2 by wall time, highest RSS), --max-series N`);
  console.log('| endpoints | lines | wall (s) | CPU (s) | peak RSS (MB) | CPU µs / series | RSS KB / series | target |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---|');
  let base: Run | null = null;
  for (const endpoints of counts) {
    const file = path.join(OUT_DIR, `series-${endpoints}.lp`);
    const lines = await cached(file, () => manySeriesLp(file, endpoints, LINES_PER_ENDPOINT, 7));
    // Best of two, as for the shuffled file: one run slowed by a neighbour should not decide the row.
    const run = best(2, analyzeArgs(file, ['--max-series', String(endpoints)]));
    if (run.code !== 0 && run.code !== 1) throw new Error(`analyze of ${endpoints} series failed (${run.code}): ${run.stderr.slice(-1000)}`);
    // Per-series cost above the smallest run, so the process's fixed start-up does not hide the growth.
    const perSeries = (x: number, b: number | undefined, scale: number) => (base && b !== undefined ? ((x - b) * scale) / (endpoints - counts[0]) : NaN);
    const t = SERIES_TARGETS.get(endpoints);
    const target = t ? `≤ ${t[0]} s, ≤ ${t[1]} MB: ${run.wallS <= t[0] && run.rssMb <= t[1] ? 'MET' : 'MISSED'}` : '';
    console.log(
      `| ${n0(endpoints)} | ${n0(lines)} | ${fmt(run.wallS)} | ${fmt(run.cpuS)} | ${fmt(run.rssMb, 0)} | ${fmt(perSeries(run.cpuS, base?.cpuS, 1e6), 0)} | ${fmt(perSeries(run.rssMb, base?.rssMb, 1024), 1)} | ${target} |`,
    );
    base ??= run;
  }
  console.log(`(per-series columns: growth over the ${n0(counts[0])}-endpoint run.) load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
}

export async function run(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--series='));
  const counts = arg ? arg.slice('--series='.length).split(',').map(Number) : SERIES_COUNTS;
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  if (only !== undefined && only !== 'series' && only !== 'shuffled') throw new Error(`--only=${only}: expected series or shuffled`);
  if (only !== 'series') await shuffled();
  if (only !== 'shuffled') await series(counts);
}
