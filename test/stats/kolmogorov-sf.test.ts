import { describe, it, expect } from 'vitest';
import { kolmogorovSf } from '../../src/stats/kolmogorov-sf.ts';
import { smirnovSf } from '../../src/stats/smirnov-sf.ts';
import { expectClose, fixture } from './reference.ts';

const ref = fixture<{
  kolmogorovSf: { n: number; x: number; sf: number }[];
  smirnovSf: { n: number; x: number; sf: number }[];
}>('distributions.json');

describe('kolmogorovSf against scipy.stats.kstwo.sf (every branch of _kolmogn)', () => {
  it.each(ref.kolmogorovSf)('n=$n x=$x', ({ n, x, sf }) => {
    // SciPy's smirnov sums in double-double; this sums plain doubles in log space (see smirnov-sf.ts).
    expectClose(kolmogorovSf(n, x), sf, 1e-9);
  });
});

describe('smirnovSf against scipy.special.smirnov', () => {
  it.each(ref.smirnovSf)('n=$n x=$x', ({ n, x, sf }) => {
    expectClose(smirnovSf(n, x), sf, 1e-9);
  });

  it('rejects invalid arguments', () => {
    expect(() => smirnovSf(0, 0.5)).toThrow(RangeError);
    expect(() => kolmogorovSf(10, Number.NaN)).toThrow(/NaN/);
  });
});
