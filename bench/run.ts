/**
 * `npm run bench [-- name …]`: runs the benchmarks one after another (they compete for the same 2 cores, so never
 * in parallel). Each module exports `run()` and prints its own table with the reference it compares against.
 * Names: stats (vs SciPy), analyze (2.3 M-line file end to end), influx (raw vs aggregated push-down),
 * verdict (HTTP under load vs a bare route), charts (rendering), calibration (verdict error rates and interval
 * coverage on generated telemetry with known truth, vs a Kayenta-style judge; `--seeds=N`, `--families=a,b`).
 */
const BENCHES: Record<string, string> = {
  stats: './stats-vs-scipy.ts',
  analyze: './analyze-file.ts',
  influx: './influx-pushdown.ts',
  verdict: './verdict-load.ts',
  charts: './render-charts.ts',
  calibration: './calibration.ts',
  'report-page': './report-page.ts',
  'cli-start': './cli-start.ts',
  sequential: './sequential-guard.ts',
  scale: './scale.ts',
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
let failed = 0;
for (const name of names) {
  const file = BENCHES[name];
  if (!file) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n=== bench: ${name} (${file}) ===`);
  const started = performance.now();
  try {
    const mod = (await import(file)) as { run: () => Promise<void> };
    await mod.run();
    console.log(`=== ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s ===`);
  } catch (e) {
    failed++;
    console.error(`=== ${name} FAILED: ${(e as Error).stack ?? e} ===`);
  }
}
if (failed > 0) process.exitCode = 1;
