/**
 * Interval coverage: with a known true change, the reported 95 % intervals of the relative change should contain
 * the truth about 95 % of the time. The after window is the before distribution scaled by 1.2, so every quantile
 * (and the median backoff wait, whose waits scale with the base) truly changes by +20 %; retries do not change.
 * Bound: nominal minus three binomial standard errors over the runs (seeded, but not fitted to the seeds).
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { defaultSettings } from './settings.ts';
import { scenario } from './scenarios.ts';

const RUNS = 300;
const LEVEL = 0.95;

describe('confidence interval coverage', () => {
  const settings = defaultSettings({ quantiles: [0.5, 0.9, 0.99], confidence: LEVEL });
  const covered: Record<string, number> = {};
  const truthOf = (kind: string, statistic: string) =>
    kind === 'tail_latency' || statistic === 'median_wait' ? 0.2 : statistic === 'retries_per_call' ? 0 : null;
  for (let run = 0; run < RUNS; run++) {
    const { report } = analyze(
      scenario(20_000 + run, [{ endpoint: '/a', n: 4000, after: (v) => v * 1.2 }], [
        { upstream: 'api', calls: 5000, failBefore: 0.05, baseBefore: 50, baseAfter: 60 },
      ]),
      settings,
    );
    for (const f of report.findings) {
      const truth = truthOf(f.kind, f.statistic);
      if (truth === null || !f.ci) continue;
      const key = `${f.kind} ${f.statistic}`;
      covered[key] = (covered[key] ?? 0) + (f.ci[0] <= truth && truth <= f.ci[1] ? 1 : 0);
    }
  }
  const minimum = LEVEL - 3 * Math.sqrt((LEVEL * (1 - LEVEL)) / RUNS);

  it.each(['tail_latency p50', 'tail_latency p90', 'tail_latency p99', 'retry_rate retries_per_call', 'backoff median_wait'])(
    '%s interval covers the true change at about the nominal rate',
    (key) => {
      expect(covered[key] / RUNS).toBeGreaterThanOrEqual(minimum);
    },
  );
});
