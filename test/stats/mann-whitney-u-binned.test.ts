import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from '../../src/stats/mann-whitney-u.ts';
import { mannWhitneyUBinned } from '../../src/stats/mann-whitney-u-binned.ts';
import { expectClose, fixture } from './reference.ts';

type Alt = 'two-sided' | 'less' | 'greater';
const ref = fixture<{ binned: { countsX: number[]; countsY: number[]; alternative: Alt; u: number; pValue: number }[] }>('mann-whitney.json');

describe('mannWhitneyUBinned against mannwhitneyu on data expanded from the counts', () => {
  it.each(ref.binned.map((c, i) => ({ ...c, i })))('case $i, $alternative', ({ countsX, countsY, alternative, u, pValue }) => {
    const r = mannWhitneyUBinned(countsX, countsY, { alternative });
    expect(r.u).toBe(u);
    expectClose(r.pValue, pValue, 1e-12, 'pValue');
  });

  it('equals the raw test on the expanded data', () => {
    const cx = [3, 0, 7, 2];
    const cy = [1, 4, 2, 6];
    const expand = (c: number[]) => c.flatMap((n, b) => Array<number>(n).fill(b));
    expect(mannWhitneyUBinned(cx, cy)).toEqual(mannWhitneyU(expand(cx), expand(cy)));
  });

  it('rejects mismatched buckets, negative counts and empty histograms', () => {
    expect(() => mannWhitneyUBinned([1, 2], [1])).toThrow(/same buckets/);
    expect(() => mannWhitneyUBinned([1, -2], [1, 1])).toThrow(/countsX\[1\]/);
    expect(() => mannWhitneyUBinned([0, 0], [1, 1])).toThrow(/countsX holds no observations/);
    expect(() => mannWhitneyUBinned([1, Number.NaN], [1, 1])).toThrow(/countsX\[1\]/);
  });
});
