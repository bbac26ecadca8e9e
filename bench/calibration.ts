/**
 * Calibration of the verdicts on telemetry with known truth (issue 10 item 5, issue 11 item 4): every family of
 * test/calibration/families.ts over N seeds, through the real WindowBuilder and analyze() with the shipped
 * settings (config/default.yaml), side by side with a Kayenta-style judge on the same windows.
 * Prints, per family: report-level fail / false-improvement / power rates with binomial standard errors for both
 * judges, then coverage of the 95 % interval of relativeChange (big endpoint p50, p90, p99; retries per call)
 * against the analytic truth (test/calibration/truth.ts) with E[z²] dispersion. Writes bench/out/calibration.json.
 *
 * Run: `npm run bench -- calibration` (100 seeds), or
 * `node --import tsx bench/calibration.ts --seeds=20 --families=independent,block-10m-s0.15 [--first-seed=1000] [--no-kayenta]`
 * (CALIBRATION_SEEDS also sets the seed count).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analysisSettings, loadConfig } from '../src/config.ts';
import { DEFAULT_FIRST_SEED, runFamily, type FamilyResult, type Rate } from '../test/calibration/calibration-run.ts';
import { FAMILIES, family } from '../test/calibration/families.ts';

export const DEFAULT_SEEDS = 100;
const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out', 'calibration.json');

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

function pct(r: Rate | null | undefined): string {
  if (!r || !(r.n > 0)) return '—';
  return `${(100 * r.rate).toFixed(0)}±${(100 * r.se).toFixed(0)}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function loadLine(): string {
  return `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`;
}

function printRates(results: FamilyResult[]): void {
  const head = ['family', 'expect', 'fail %', 'warn %', 'false impr %', 'power %', 'K fail %', 'K impr %', 'K power %', 'K0 fail %', 'K0 power %', 'audit (issue)'];
  const widths = [44, 16, 8, 8, 12, 8, 8, 8, 9, 9, 10, 0];
  console.log(head.map((h, i) => pad(h, widths[i])).join(' '));
  for (const r of results) {
    const a = r.aftershock;
    const k = r.kayenta;
    const k0 = r.kayentaNoGate;
    const reg = r.expect === 'regression';
    const cells = [r.family + (r.comparison === 'before' ? '' : ` [${r.comparison}]`), r.expect, pct(a.fail), pct(a.warn), reg ? '—' : pct(a.improvement), pct(a.power), pct(k?.fail), reg ? '—' : pct(k?.improvement), pct(k?.power), pct(k0?.fail), pct(k0?.power), r.audit ?? ''];
    console.log(cells.map((c, i) => pad(c, widths[i])).join(' '));
  }
}

function printCoverage(results: FamilyResult[]): void {
  console.log('\ncoverage of the 95 % interval of relativeChange against the analytic truth (covered %±se [n], misses above/below, mean estimate vs truth, E[z²] interval | test)');
  for (const r of results) {
    const parts = r.coverage.map((c) => {
      const est = c.meanEstimate === null ? '—' : `${(100 * c.meanEstimate).toFixed(1)}`;
      const z = `${c.meanZ2 === null ? '—' : c.meanZ2.toFixed(1)}${c.meanTestZ2 === null ? '' : ` | ${c.meanTestZ2.toFixed(1)}`}`;
      return `${c.statistic.split(' ').pop()}: ${pct(c.covered)} [${c.covered.n}] ${c.missHigh}/${c.missLow}, ${est} vs ${(100 * c.truth).toFixed(1)} %, z² ${z}`;
    });
    // The day effects' own exact-t coverage on the same seeds: what these seeds allow (see FamilyResult.dayEffectOracle).
    const oracle = r.dayEffectOracle ? `; same seeds, exact t on the day effects alone: ${pct(r.dayEffectOracle)}` : '';
    console.log(`${pad(r.family, 44)} ${parts.join('; ')}${oracle}`);
  }
}

export async function run(): Promise<void> {
  const seeds = Number(arg('seeds') ?? process.env.CALIBRATION_SEEDS ?? DEFAULT_SEEDS);
  const firstSeed = Number(arg('first-seed') ?? DEFAULT_FIRST_SEED);
  const names = arg('families')?.split(',').filter(Boolean);
  const families = names ? names.map(family) : FAMILIES;
  const kayenta = !process.argv.includes('--no-kayenta');
  const settings = analysisSettings(loadConfig());
  console.log(`calibration: ${families.length} families × ${seeds} seeds (from ${firstSeed}), shipped settings (config/default.yaml); ${loadLine()}`);
  console.log(
    'rates are % of reports ± binomial standard error; K = Kayenta-style judge (Mann-Whitney on per-minute p50/p99/retries per call, 98 %, ' +
      'tolerance 0.25, every metric critical) with the mean-ratio gate at aftershock\'s tolerances; K0 = the same with Kayenta\'s default gate 1.0',
  );
  const results: FamilyResult[] = [];
  const started = performance.now();
  for (const f of families) {
    const r = runFamily(f, { seeds, firstSeed, settings, kayenta });
    results.push(r);
    const c = r.cpuMs;
    console.error(`  ${r.family}: fail ${pct(r.aftershock.fail)} % (CPU per seed: generate ${c.generate.toFixed(0)} ms, analyze ${c.analyze.toFixed(0)} ms, kayenta ${c.kayenta.toFixed(0)} ms)`);
  }
  console.log('');
  printRates(results);
  printCoverage(results);
  console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s; ${loadLine()}`);
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ seeds, firstSeed, loadAverage: loadavg(), cores: availableParallelism(), settings, results }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

// Direct use: node --import tsx bench/calibration.ts [options]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
