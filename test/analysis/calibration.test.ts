/**
 * Calibration: over many seeded runs where nothing changed, how often does the analysis claim something?
 * Under the global null, Benjamini-Hochberg at q = 0.05 controls the chance of ANY significant finding in a report
 * at 5 % (it reduces to Simes' test, valid for the positively dependent tests we run), and each raw p-value should
 * be uniform, so about 5 % of raw p-values fall under 0.05. Bounds below are the nominal level plus three binomial
 * standard errors; the runs are seeded, so the test is reproducible, but the bounds are not fitted to these seeds.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { defaultSettings } from './settings.ts';
import { scenario } from './scenarios.ts';

const RUNS = 400;
const FDR = 0.05;

describe('false-alarm calibration on no-change data', () => {
  const settings = defaultSettings({ quantiles: [0.5, 0.9, 0.95, 0.99], fdr: FDR });
  let anySignificant = 0;
  let failVerdicts = 0;
  let pBelow = 0;
  let pTotal = 0;
  for (let run = 0; run < RUNS; run++) {
    const { report } = analyze(
      scenario(10_000 + run, [
        { endpoint: '/a', n: 3000 },
        { endpoint: '/b', n: 2000, median: 20, sigma: 1 },
      ], [{ upstream: 'api', calls: 4000, failBefore: 0.05 }]),
      settings,
    );
    if (report.findings.some((f) => f.qValue !== null && f.qValue < FDR)) anySignificant++;
    if (report.verdict === 'fail') failVerdicts++;
    for (const f of report.findings) {
      // Only the continuous-data tests: the exact count tests are discrete (conservative by construction).
      if (f.pValue === null || f.kind !== 'tail_latency') continue;
      pTotal++;
      if (f.pValue < FDR) pBelow++;
    }
  }
  const se = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);

  it(`keeps the report-wide false-alarm rate near ${FDR} (${RUNS} runs)`, () => {
    const rate = anySignificant / RUNS;
    expect(rate).toBeLessThanOrEqual(FDR + 3 * se(FDR, RUNS));
    // Not absurdly conservative either: a test that never fires is useless.
    expect(rate).toBeGreaterThan(0.005);
  });

  it('fails the verdict on no-change data at most about half as often as the FDR level', () => {
    // A chance significance fails the verdict only if it is also for the worse (about half of them) and beyond the
    // tolerance, so the false-fail rate is bounded by fdr / 2 (plus sampling noise).
    expect(failVerdicts / RUNS).toBeLessThanOrEqual(FDR / 2 + 3 * se(FDR / 2, RUNS));
  });

  it('gives roughly uniform raw tail-test p-values (share below 0.05 near 0.05)', () => {
    const share = pBelow / pTotal;
    // Tests within a run are correlated, so the effective sample is nearer RUNS than pTotal: use RUNS for the bound.
    expect(share).toBeLessThanOrEqual(FDR + 3 * se(FDR, RUNS));
    expect(share).toBeGreaterThanOrEqual(FDR - 3 * se(FDR, RUNS));
  });
});
