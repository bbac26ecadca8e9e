import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF_BOUNDS, boundViolations, type BackoffConstants } from '../../src/actions/backoff-constants.ts';
import { attemptFailProbability, quantileOf, recommendBackoff, sortMostlyZeros } from '../../src/actions/recommend-backoff.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { BACKOFF_REGRESSION, PASSING, UNEXPLAINED_REGRESSION } from './report-fixtures.ts';

const DEMO_AFTER: BackoffConstants = { baseMs: 400, maxMs: 8000, multiplier: 2, jitter: 0.5, maxAttempts: 4 };

describe('sortMostlyZeros (the model\'s sort, on the event loop for every report with a regression)', () => {
  it('orders exactly as Float64Array#sort does: zeros, -0, negatives, NaN, and mostly non-zero input', () => {
    const r = seededRandom(14);
    for (const zeroShare of [0.99, 0.94, 0.5, 0]) {
      for (let round = 0; round < 20; round++) {
        const a = Float64Array.from({ length: 500 }, () => {
          const u = r.uniform();
          if (u < zeroShare) return 0;
          const v = r.uniform();
          return v < 0.02 ? -0 : v < 0.04 ? NaN : v < 0.2 ? -r.uniform() * 50 : r.uniform() * 1000;
        });
        const expected = Float64Array.from(a).sort();
        const got = sortMostlyZeros(Float64Array.from(a));
        expect(Array.from(got, (x) => (Object.is(x, -0) ? '-0' : String(x)))).toEqual(Array.from(expected, (x) => (Object.is(x, -0) ? '-0' : String(x))));
      }
    }
  });
});

describe('recommendBackoff', () => {
  it('solves the attempt failure probability from retries per call', () => {
    // p = 0.1, 4 attempts: 0.1 + 0.01 + 0.001 retries per call
    expect(attemptFailProbability(0.111, 4)).toBeCloseTo(0.1, 9);
    expect(attemptFailProbability(0.05, 2)).toBeCloseTo(0.05, 9);
    expect(attemptFailProbability(0, 4)).toBe(0);
    expect(quantileOf('p99.9')).toBeCloseTo(0.999, 12);
    expect(quantileOf('median_wait')).toBeNull();
  });

  it('proposes lowering baseMs alone when that brings p99 back within tolerance, with a checkable rationale', () => {
    const rec = recommendBackoff(BACKOFF_REGRESSION, { current: DEMO_AFTER, bounds: DEFAULT_BACKOFF_BOUNDS });
    expect(rec.action).toBe('tune');
    expect(rec.upstream).toBe('payments-api');
    const c = rec.constants!;
    expect({ ...c, baseMs: 0 }).toEqual({ ...DEMO_AFTER, baseMs: 0 });
    // The demo's old strategy used 50 ms; anything between it and the regressed 400 ms that meets the target.
    expect(c.baseMs).toBeGreaterThanOrEqual(50);
    expect(c.baseMs).toBeLessThan(200);
    expect(boundViolations(c, DEFAULT_BACKOFF_BOUNDS)).toEqual([]);
    const [check] = rec.checks;
    // target = before + 0.5 × max(10 % of 363.3, 5 ms)
    expect(check.targetMs).toBeCloseTo(363.3 + 0.5 * 36.33, 6);
    expect(check.predictedMs!).toBeLessThanOrEqual(check.targetMs);
    expect(check.predictedMs!).toBeCloseTo(check.afterMs - check.extraWaitCurrentMs + check.extraWaitProposedMs!, 9);
    // The model, scaled to the observed median wait, attributes most of the +288 ms to the waits.
    expect(check.extraWaitCurrentMs).toBeGreaterThan(250);
    expect(rec.model!.waitScale).toBeGreaterThan(0.8);
    expect(rec.model!.waitScale).toBeLessThan(1.25);
    expect(rec.rationale.join(' ')).toMatch(/Propose baseMs 400 → \d+/);
    expect(rec.rationale.join(' ')).toMatch(/\/checkout p99: waits add ≈ \d+(\.\d)? ms now/);
  });

  it('is deterministic (seeded model)', () => {
    const a = recommendBackoff(BACKOFF_REGRESSION, { current: DEMO_AFTER, bounds: DEFAULT_BACKOFF_BOUNDS });
    const b = recommendBackoff(BACKOFF_REGRESSION, { current: DEMO_AFTER, bounds: DEFAULT_BACKOFF_BOUNDS });
    expect(a).toEqual(b);
  });

  it('recommends the kill switch when waits cannot explain the regression, saying why', () => {
    const rec = recommendBackoff(UNEXPLAINED_REGRESSION, { current: DEMO_AFTER, bounds: DEFAULT_BACKOFF_BOUNDS });
    expect(rec.action).toBe('kill_switch');
    expect(rec.constants).toBeNull();
    expect(rec.rationale.join(' ')).toMatch(/Even the most aggressive constants within bounds \(baseMs 10,.*tuning cannot fix this/);
    expect(rec.checks[0].predictedMs!).toBeGreaterThan(rec.checks[0].targetMs);
  });

  it('recommends the kill switch when tighter bounds leave no room to tune', () => {
    const bounds = { ...DEFAULT_BACKOFF_BOUNDS, baseMs: { min: 300, max: 2000 }, multiplier: { min: 2, max: 4 } };
    const rec = recommendBackoff(BACKOFF_REGRESSION, { current: DEMO_AFTER, bounds });
    expect(rec.action).toBe('kill_switch');
  });

  it('does nothing without a tail-latency regression', () => {
    const rec = recommendBackoff(PASSING, { current: DEMO_AFTER, bounds: DEFAULT_BACKOFF_BOUNDS });
    expect(rec.action).toBe('none');
    expect(rec.rationale[0]).toMatch(/No tail-latency regression/);
  });
});
