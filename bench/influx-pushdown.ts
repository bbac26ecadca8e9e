/**
 * Raw vs aggregated push-down against a local InfluxDB 1.x (started here, like the integration tests):
 * the seeded demo telemetry at ~2.2 million points and at a tenth of that. Each fetch runs in its own child
 * process so its peak RSS is its own. Prints bytes received, wall time and peak RSS side by side; the
 * aggregated mode's transfer and memory should stay flat as the point count grows tenfold.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { influxSettingsFromUrl, type Influx1Settings, type MetricMode } from '../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../src/sources/influx/influx-v1-source.ts';
import { startInfluxd } from '../test/setup/influxdb.global.ts';
import { influxQuery, loadDemo, uniqueDbName } from '../test/sources/influx/influx-test-helpers.ts';

const UPGRADE_AT = Date.parse('2026-11-20T14:00:00Z');
const WINDOW_MS = 2 * 3_600_000;
/** Demo scale giving ≈ 2.2 M points over 2 h + 2 h (≈ 26 points/s at scale 1). */
const FULL_SCALE = 6;
const windows = { upgradeAt: UPGRADE_AT, before: { start: UPGRADE_AT - WINDOW_MS, stop: UPGRADE_AT }, after: { start: UPGRADE_AT, stop: UPGRADE_AT + WINDOW_MS } };

interface Measurement {
  bytes: number;
  ms: number;
  peakRssMb: number;
  requests: number;
}

/** Child mode: one fetch, result as JSON on stdout. */
async function child(url: string, db: string, mode: MetricMode): Promise<void> {
  const s = influxSettingsFromUrl(`influx1+${url}/${db}`, loadConfig(), {}) as Influx1Settings;
  const src = new InfluxV1Source({ ...s, modes: { requests: mode, upstreams: mode } });
  const t0 = performance.now();
  const w = await src.fetch(windows);
  const ms = performance.now() - t0;
  let requests = 0;
  for (const l of w.latency) {
    for (const set of [l.before, l.after]) requests += set.kind === 'raw' ? set.values.length : set.counts.reduce((a, b) => a + b, 0);
  }
  const out: Measurement = { bytes: src.bytesReceived, ms, peakRssMb: process.resourceUsage().maxRSS / 1024, requests };
  process.stdout.write(JSON.stringify(out));
}

function measure(url: string, db: string, mode: MetricMode): Measurement {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', url, db, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} ${db} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measurement;
}

export async function run(): Promise<void> {
  const server = await startInfluxd();
  const dbs: string[] = [];
  try {
    const rows: Array<[string, number, Measurement, Measurement]> = [];
    for (const [label, scale] of [['1/10', FULL_SCALE / 10], ['full', FULL_SCALE]] as const) {
      const db = uniqueDbName('aftershock_bench');
      dbs.push(db);
      const t0 = performance.now();
      const points = await loadDemo(server.url, db, { ...windows, seed: 1, scale });
      console.log(`loaded ${points} points (${label}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      rows.push([label, points, measure(server.url, db, 'raw'), measure(server.url, db, 'aggregated')]);
    }
    const mb = (b: number): string => (b / 1e6).toFixed(2);
    console.log('\n| points | requests | raw: MB received | raw: wall s | raw: peak RSS MB | aggregated: MB received | aggregated: wall s | aggregated: peak RSS MB |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [label, points, raw, agg] of rows) {
      if (raw.requests !== agg.requests) console.log(`!! request counts differ (${label}): raw ${raw.requests}, aggregated ${agg.requests}`);
      console.log(
        `| ${points} (${label}) | ${raw.requests} | ${mb(raw.bytes)} | ${(raw.ms / 1000).toFixed(2)} | ${raw.peakRssMb.toFixed(0)} | ${mb(agg.bytes)} | ${(agg.ms / 1000).toFixed(2)} | ${agg.peakRssMb.toFixed(0)} |`,
      );
    }
    const [small, full] = [rows[0], rows[1]];
    console.log(
      `\ngrowth ×${(full[1] / small[1]).toFixed(1)} points → raw: bytes ×${(full[2].bytes / small[2].bytes).toFixed(1)}, RSS ×${(full[2].peakRssMb / small[2].peakRssMb).toFixed(2)}; ` +
        `aggregated: bytes ×${(full[3].bytes / small[3].bytes).toFixed(2)}, RSS ×${(full[3].peakRssMb / small[3].peakRssMb).toFixed(2)}`,
    );
  } finally {
    for (const db of dbs) await influxQuery(server.url, `DROP DATABASE "${db}"`).catch(() => undefined);
    await server.stop();
  }
}

if (process.argv[2] === '--child') {
  const [url, db, mode] = process.argv.slice(3);
  await child(url, db, mode as MetricMode);
}
