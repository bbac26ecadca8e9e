/**
 * Reference reports for "no change in results" (issue 12): each scenario below goes source → WindowBuilder →
 * analyze(), and the report plus the chart series (timelines included) are written as canonical JSON to
 * test/fixtures/reports/<scenario>.json. test/sources/window-builder/report-reference.test.ts recomputes them with
 * the current code and compares bit for bit (JSON numbers round-trip doubles exactly).
 * The committed fixtures were generated with main's code before the window-builder internals were changed:
 *
 *   node --import tsx scripts/make-report-reference.ts [outDir]
 *
 * Volatile fields: none of analyze()'s output depends on the clock; the file path in `source` is replaced by the
 * scenario name so the fixture does not depend on where the repository is checked out.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../src/analysis/analyze.ts';
import type { MetricWindows } from '../src/analysis/types.ts';
import { analysisSettings, loadConfig } from '../src/config.ts';
import { DemoTelemetry } from '../src/sources/demo/demo-telemetry.ts';
import { LineProtocolFileSource } from '../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../src/sources/metric-source.ts';
import { WindowBuilder } from '../src/sources/window-builder/window-builder.ts';
import { seededRandom } from '../src/stats/seeded-random.ts';
import { DEFAULT_DEMO_UPGRADE_AT, makeDemoLp } from './make-demo-lp.ts';
import { manySeriesLp, shuffleLp } from './make-scale-lp.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REFERENCE_DIR = path.join(here, '..', 'test', 'fixtures', 'reports');
const SMALL_LP = path.join(here, '..', 'test', 'fixtures', 'lp', 'small.lp');

const H = 3_600_000;
const UPGRADE = Date.parse(DEFAULT_DEMO_UPGRADE_AT);

function demoQuery(): MetricQuery {
  return { upgradeAt: UPGRADE, before: { start: UPGRADE - 2 * H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 2 * H } };
}

export interface Scenario {
  name: string;
  windows: (work: string) => Promise<MetricWindows>;
}

/** The file source on one thread, or forced parallel (one worker, 256 KiB segments) to cover the merge. */
async function fromFile(file: string, query: MetricQuery, parallel: boolean): Promise<MetricWindows> {
  const config = loadConfig();
  const src = new LineProtocolFileSource({
    path: file,
    schema: config.schema,
    maxBadLineShare: config.input.maxBadLineShare,
    timelineIntervalMs: config.input.timelineIntervalMs,
    workers: parallel ? 1 : 0,
    parallelMinBytes: 0,
    segmentBytes: 256 << 10,
  });
  return src.fetch(query);
}

/** Pre-aggregated latency histograms (cumulative `le` counts per minute) for two endpoints, seeded. */
function histogramWindows(): MetricWindows {
  const config = loadConfig();
  const q = demoQuery();
  const b = new WindowBuilder({ ...q, timelineIntervalMs: config.input.timelineIntervalMs, source: 'histograms' });
  const r = seededRandom(11);
  const les = [5, 10, 25, 50, 100, 250, 500, 1000, Infinity];
  for (let t = q.before.start; t < q.after.stop; t += 60_000) {
    for (const [endpoint, median] of [['/a', 40], ['/b', 120]] as const) {
      const slow = t >= UPGRADE && endpoint === '/b' ? 1.3 : 1;
      const counts = new Array<number>(les.length).fill(0);
      const n = r.poisson(300);
      for (let k = 0; k < n; k++) {
        const v = Math.exp(Math.log(median * slow) + 0.5 * r.normal());
        counts[les.findIndex((le) => v <= le)]++;
      }
      let cum = 0;
      les.forEach((le, i) => {
        cum += counts[i];
        b.addHistogramBucket('hist', endpoint, t, le, cum);
      });
    }
  }
  return b.build();
}

/** The demo generator straight into a builder (as `--source demo` does), at a small scale. */
function demoWindows(): MetricWindows {
  const config = loadConfig();
  const q = demoQuery();
  const b = new WindowBuilder({ ...q, timelineIntervalMs: config.input.timelineIntervalMs, source: 'demo' });
  new DemoTelemetry({ ...q, scale: 0.5 }).generate(b);
  return b.build();
}

export const SCENARIOS: Scenario[] = [
  { name: 'small-lp', windows: () => fromFile(SMALL_LP, { upgradeAt: Date.parse('2026-11-20T14:00:00Z'), before: { start: Date.parse('2026-11-20T12:00:00Z'), stop: Date.parse('2026-11-20T14:00:00Z') }, after: { start: Date.parse('2026-11-20T14:00:00Z'), stop: Date.parse('2026-11-20T16:00:00Z') } }, false) },
  { name: 'demo-builder', windows: async () => demoWindows() },
  { name: 'histograms', windows: async () => histogramWindows() },
  {
    name: 'demo-lp-shuffled',
    windows: async (work) => {
      const plain = path.join(work, 'demo.lp');
      const shuffled = path.join(work, 'demo-shuffled.lp');
      await makeDemoLp({ out: plain, upgradeAt: DEFAULT_DEMO_UPGRADE_AT, lines: 60_000 });
      await shuffleLp(plain, shuffled, 3);
      return fromFile(shuffled, demoQuery(), false);
    },
  },
  {
    name: 'demo-lp-parallel',
    windows: async (work) => {
      const plain = path.join(work, 'demo-p.lp');
      await makeDemoLp({ out: plain, upgradeAt: DEFAULT_DEMO_UPGRADE_AT, lines: 60_000 });
      return fromFile(plain, demoQuery(), true);
    },
  },
  {
    name: 'many-series',
    windows: async (work) => {
      const file = path.join(work, 'series.lp');
      await manySeriesLp(file, 30, 40, 5);
      return fromFile(file, demoQuery(), false);
    },
  },
];

/** Report and series of one scenario as the canonical JSON text of the fixture. */
export async function referenceJson(s: Scenario, work: string): Promise<string> {
  const windows = await s.windows(work);
  const config = loadConfig();
  const { report, series } = analyze(windows, analysisSettings(config));
  if (report.source !== undefined) report.source = s.name;
  // Warnings may quote file paths: make them independent of where the repository and the work folder are.
  const root = path.join(here, '..');
  report.warnings = report.warnings.map((w) => w.split(work).join('<work>').split(root).join('<repo>'));
  return `${JSON.stringify({ scenario: s.name, report, series })}\n`;
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? REFERENCE_DIR;
  mkdirSync(out, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'aftershock-ref-'));
  try {
    for (const s of SCENARIOS) {
      const text = await referenceJson(s, work);
      writeFileSync(path.join(out, `${s.name}.json`), text);
      console.log(`${s.name}: ${(text.length / 1024).toFixed(0)} KiB`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('make-report-reference.ts')) await main();
