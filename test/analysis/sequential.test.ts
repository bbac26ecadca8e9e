// The anytime-valid evidence of one guard look (analysis/sequential.ts) on hand-made reports, and how the policy uses it.
import { describe, expect, it } from 'vitest';
import { decide, type PolicyInput } from '../../src/actions/guard-policy.ts';
import { DEFAULT_SEQUENTIAL, describeLook, logChangeOf, sequentialLook } from '../../src/analysis/sequential.ts';
import { msprtNormalMixture, normalQuantile } from '../../src/stats/index.ts';
import { finding, reportWith } from '../actions/report-fixtures.ts';

const Z = normalQuantile(0.975);
/** A finding whose 95 % interval on the log scale is θ̂ ± 1.96·se. */
const withSe = (rel: number, se: number, status: 'regression' | 'no_change' = 'regression') =>
  finding({ kind: 'tail_latency', subject: '/checkout', statistic: 'p99', before: 100, after: 100 * (1 + rel), status, ci: [Math.expm1(Math.log1p(rel) - Z * se), Math.expm1(Math.log1p(rel) + Z * se)] });

describe('sequentialLook', () => {
  it('reads θ̂ and V off the finding interval and computes the mSPRT e-value with τ = 0.1', () => {
    const f = withSe(0.2, 0.05);
    const c = logChangeOf(f, 0.95)!;
    expect(c.estimate).toBeCloseTo(Math.log(1.2), 12);
    expect(c.variance).toBeCloseTo(0.0025, 12);
    const look = sequentialLook(reportWith([f]), { kinds: ['tail_latency'], look: 7, settings: DEFAULT_SEQUENTIAL });
    expect(look.threshold).toBe(20);
    expect(look.best!.eValue).toBeCloseTo(msprtNormalMixture(Math.log(1.2), 0.0025, 0.01), 6);
    expect(look.crossed).toHaveLength(1);
    expect(describeLook(look)).toMatch(/^anytime-valid: e-value [\d.,]+ ≥ 1\/α = 20 at look 7 \(shop \/checkout p99 \+20 %\)$/);
  });

  it('Bonferroni over the watched findings; a significant finding that is not a regression never crosses', () => {
    const weak = withSe(0.2, 0.08);
    const strongButWithin = withSe(0.5, 0.05, 'no_change');
    const look = sequentialLook(reportWith([weak, strongButWithin]), { kinds: ['tail_latency'], look: 3, settings: DEFAULT_SEQUENTIAL });
    expect(look.watched).toBe(2);
    expect(look.threshold).toBe(40);
    expect(look.crossed).toHaveLength(0);
    expect(describeLook(look)).toMatch(/e-value [\d.]+ < 2\/α = 40 at look 3/);
  });

  it('past maxLooks nothing crosses', () => {
    const look = sequentialLook(reportWith([withSe(0.3, 0.02)]), { kinds: ['tail_latency'], look: 5, settings: { ...DEFAULT_SEQUENTIAL, maxLooks: 4 } });
    expect(look.horizonReached).toBe(true);
    expect(look.crossed).toHaveLength(0);
    expect(describeLook(look)).toMatch(/horizon of 4 looks is over/);
  });
});

describe('guard policy with the sequential test', () => {
  const base = (over: Partial<PolicyInput>): PolicyInput => ({
    policy: { consecutive: 1, cooldownMs: 0, maxActionsPerHour: 2, tune: { enabled: false, when: [], maxPerEpisode: 0, aim: 0.5 }, killSwitch: { enabled: true, when: ['tail_latency'] } },
    nowMs: 0,
    failingKinds: ['tail_latency'],
    consecutive: 1,
    flagEnabled: true,
    lastGuardActionMs: null,
    guardActionsLastHour: 0,
    tunesThisEpisode: 0,
    recommendation: null,
    ...over,
  });

  it('a fixed-α regression without enough anytime-valid evidence does nothing, and says so', () => {
    const seq = sequentialLook(reportWith([withSe(0.15, 0.07)]), { kinds: ['tail_latency'], look: 2, settings: DEFAULT_SEQUENTIAL });
    const d = decide(base({ sequential: seq }));
    expect(d.act).toBe(false);
    expect(d.reason).toMatch(/^did nothing because the anytime-valid test has not crossed: anytime-valid: e-value .* < 1\/α = 20 at look 2/);
  });

  it('acts once the e-value crosses, with the evidence in the reason', () => {
    const seq = sequentialLook(reportWith([withSe(0.2, 0.03)]), { kinds: ['tail_latency'], look: 4, settings: DEFAULT_SEQUENTIAL });
    const d = decide(base({ sequential: seq }));
    expect(d).toMatchObject({ act: true, step: 'kill_switch' });
    expect(d.reason).toMatch(/^anytime-valid: e-value .* ≥ 1\/α = 20 at look 4 .*; kill switch: tail_latency regressed/);
  });
});
