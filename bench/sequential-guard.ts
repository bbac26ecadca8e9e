/**
 * Sequential guard (issue 11 item 2), the fuller run behind test/analysis/sequential-guard.test.ts: simulated guard
 * runs of 24 looks (every 5 min) on the calibration world's big endpoint (50 k requests per 2 h, lognormal, 1-minute
 * block effects s = 0.08) through the real WindowBuilder and analyze() with every shipped quantile, no change and
 * p99 +20 %. Prints, per world, how many runs each rule acted in — the anytime-valid mSPRT rule the guard uses, the
 * report's fixed-α regression at any look (and twice in a row), and the naive one-sided 5 % test of p99 at any look —
 * and the looks the anytime-valid rule needed. Writes bench/out/sequential-guard.json.
 * Run: `npm run bench -- sequential` (100 runs per world), or `node --import tsx bench/sequential-guard.ts --runs=20`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEQUENTIAL } from '../src/analysis/sequential.ts';
import { analysisSettings, loadConfig } from '../src/config.ts';
import { BIG, P99_PLUS_20, block, scenario } from '../test/calibration/families.ts';
import { simulateGuardRun, summarizeRuns } from '../test/calibration/guard-looks.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out', 'sequential-guard.json');
export const DEFAULT_RUNS = 100;
const LOOKS = 24;

export async function run(): Promise<void> {
  const hit = process.argv.find((a) => a.startsWith('--runs='));
  const runs = hit ? Number(hit.slice(7)) : DEFAULT_RUNS;
  const settings = analysisSettings(loadConfig());
  const out: Record<string, unknown> = { runs, looks: LOOKS, intervalMs: 300_000, sequential: DEFAULT_SEQUENTIAL };
  for (const [name, regressed] of [['no change', false], ['p99 +20 %', true]] as const) {
    const s = scenario({ endpoints: [BIG], upstreams: [], blocks: [block(1, 0.08)], ...(regressed ? { regressions: [P99_PLUS_20] } : {}) });
    const started = performance.now();
    const results = Array.from({ length: runs }, (_, i) =>
      simulateGuardRun(s, 20_000 + i, { looks: LOOKS, intervalMs: 300_000, settings, sequential: DEFAULT_SEQUENTIAL, kinds: ['tail_latency'], target: { kind: 'tail_latency', subject: BIG.endpoint, statistic: 'p99' } }),
    );
    const all = summarizeRuns(results);
    const within6 = summarizeRuns(results, 6);
    out[name] = { all, within6, firstLooks: results.map((r) => r.sequential) };
    console.log(
      `${name}: ${runs} runs × ${LOOKS} looks in ${((performance.now() - started) / 1000).toFixed(0)} s — anytime-valid acted in ${all.sequential} (${within6.sequential} within 6 looks; ` +
        `median look ${all.sequentialLookMedian ?? '—'}, 95th percentile ${all.sequentialLookP95 ?? '—'}); report fail at any look ${all.report}, twice in a row ${all.reportTwice}; naive one-sided 5 % p99 test at any look ${all.naive}`,
    );
  }
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(out, null, 1));
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
