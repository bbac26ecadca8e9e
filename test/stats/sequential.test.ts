// The sequential primitives of issue 11 against SciPy: the closed-form mSPRT mixture and its boundary vs numerical
// integration (scripts/reference/make_sequential_reference.py), the change point vs a brute-force profile.
import { describe, expect, it } from 'vitest';
import { msprtBoundary, msprtNormalMixture, singleChangePoint } from '../../src/stats/index.ts';
import { expectClose, fixture } from './reference.ts';

interface Ref {
  msprt: {
    lr: Array<{ estimate: number; variance: number; tau2: number; lr: number }>;
    boundary: Array<{ variance: number; tau2: number; alpha: number; boundary: number }>;
  };
  changePoint: {
    cases: Array<{ family: 'binomial' | 'poisson'; events: number[]; trials: number[]; dispersion: number; index: number; logLikelihoodRatio: number; interval: [number, number]; cutoff: number }>;
    limit: { cutoff: number; coverage: number; sims: number };
  };
}

const ref = fixture<Ref>('sequential.json');

describe('msprtNormalMixture (closed form vs SciPy quad over the mixing density)', () => {
  it('matches the numerically integrated likelihood ratio', () => {
    expect(ref.msprt.lr.length).toBeGreaterThan(100);
    for (const r of ref.msprt.lr) expectClose(msprtNormalMixture(r.estimate, r.variance, r.tau2), r.lr, 1e-9, `Λ(${r.estimate}, ${r.variance}, ${r.tau2})`);
  });

  it('boundary: Λ = 1/α where SciPy brentq finds it', () => {
    for (const r of ref.msprt.boundary) {
      expectClose(msprtBoundary(r.variance, r.tau2, r.alpha), r.boundary, 1e-9, `boundary(${r.variance}, ${r.tau2}, ${r.alpha})`);
      expectClose(msprtNormalMixture(r.boundary, r.variance, r.tau2), 1 / r.alpha, 1e-8, 'Λ at the boundary');
    }
  });

  it('rejects bad arguments by name', () => {
    expect(() => msprtNormalMixture(0.1, 0, 0.01)).toThrow(/variance/);
    expect(() => msprtNormalMixture(0.1, 0.01, -1)).toThrow(/tau2/);
    expect(() => msprtBoundary(0.01, 0.01, 1)).toThrow(/alpha/);
  });
});

describe('singleChangePoint', () => {
  it('argmax, likelihood ratio and confidence set match a brute-force SciPy profile', () => {
    for (const c of ref.changePoint.cases) {
      const r = singleChangePoint(c.events, c.trials, { family: c.family, dispersion: c.dispersion })!;
      expect(r.index, `${c.family} index`).toBe(c.index);
      expectClose(r.logLikelihoodRatio, c.logLikelihoodRatio, 1e-9, `${c.family} LR`);
      expect(r.interval).toEqual(c.interval);
      expectClose(r.cutoff, c.cutoff, 1e-12, 'cutoff');
    }
  });

  it('the cutoff covers the limiting process W(s) − |s|/2 at 95 % (SciPy Monte Carlo)', () => {
    const { coverage, sims } = ref.changePoint.limit;
    expect(Math.abs(coverage - 0.95)).toBeLessThan(4 * Math.sqrt((0.95 * 0.05) / sims));
  });

  it('null when too short, and bad counts are named', () => {
    expect(singleChangePoint([1], [10], { family: 'binomial' })).toBeNull();
    expect(() => singleChangePoint([1, 20], [10, 10], { family: 'binomial' })).toThrow(/block 1/);
  });
});
