/**
 * Design effects over the occupied blocks alone (BlockSeries.occupied, issue 12) are the dense ones to the last
 * bit: the same residuals, the same sums of trials, the same bandwidth. Checked on seeded quiet and busy windows,
 * clumped and spread, with and without seasonal periods and a variance history, and for both variance kinds; and the
 * occupied blocks of a view are exactly the blocks holding an observation or a histogram cell.
 */
import { describe, expect, it } from 'vitest';
import { designEffects, type BlockSeries } from '../../src/analysis/design-effect.ts';
import type { SampleView } from '../../src/analysis/sample-view.ts';
import { blockTotals, occupiedBlocks } from '../../src/analysis/time-blocks.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/seeded-random.ts';

/** Events and trials of `requests` requests over `blocks` blocks, and the blocks that got any. */
function window(r: SeededRandom, blocks: number, requests: number, share: number, clumped: boolean): Required<Pick<BlockSeries, 'events' | 'trials' | 'occupied'>> {
  const trials = new Float64Array(blocks);
  const events = new Float64Array(blocks);
  const start = r.int(blocks);
  for (let i = 0; i < requests; i++) {
    const b = clumped ? (start + r.int(Math.max(1, Math.ceil(blocks / 10)))) % blocks : r.int(blocks);
    trials[b]++;
    if (r.uniform() < share) events[b]++;
  }
  const occupied = Uint32Array.from(Array.from(trials.keys()).filter((t) => trials[t] > 0));
  return { events, trials, occupied };
}

describe('design effects over the occupied blocks', () => {
  it('equal the dense ones bit for bit on 6 000 seeded windows', () => {
    const r = seededRandom(2026);
    let clustered = 0;
    for (let i = 0; i < 6_000; i++) {
      const blocks = [30, 120, 240, 720][i % 4];
      const requests = [3, 12, 60, 2_000][r.int(4)];
      const share = [0.5, 0.9, 0.99][r.int(3)];
      const clumped = i % 2 === 0;
      const kind = i % 5 === 0 ? 'poisson' : 'binomial';
      const periods = i % 7 === 0 ? { size: blocks / 6, variance: 'between' as const, ...(i % 14 === 0 ? { levelBlocks: blocks / 2 } : {}) } : undefined;
      const b = window(r, blocks, requests, share, clumped);
      const a = window(r, blocks / (periods ? 6 : 1), requests, share, clumped);
      const withPeriods = (s: BlockSeries): BlockSeries => (periods ? { ...s, periods } : s);
      const dense = designEffects(withPeriods({ events: b.events, trials: b.trials }), { events: a.events, trials: a.trials }, share, kind);
      const sparse = designEffects(withPeriods(b), a, share, kind);
      expect(sparse, `case ${i}`).toEqual(dense);
      if (dense.before.designEffect > 1 || dense.after.designEffect > 1) clustered++;
    }
    // The inputs exercise clustered windows, not only independent ones.
    expect(clustered).toBeGreaterThan(500);
  });

  it('are the blocks with an observation (raw) or a cell (histogram), ascending', () => {
    const raw: SampleView = { kind: 'raw', n: 4, sorted: Float64Array.of(1, 2, 3, 4), timed: { blockCount: 10, values: Float64Array.of(3, 1, 4, 2), blocks: Uint32Array.of(7, 2, 7, 0) } };
    expect(Array.from(occupiedBlocks(raw) ?? [])).toEqual([0, 2, 7]);
    expect(Array.from(blockTotals(raw) ?? [])).toEqual([1, 0, 1, 0, 0, 0, 0, 2, 0, 0]);
    // A cell whose count is 0 still marks its block (the block's other counts are then read, as the dense loop did).
    const histogram: SampleView = {
      kind: 'histogram',
      n: 5,
      upperBounds: Float64Array.of(10, 20),
      counts: Float64Array.of(2, 3),
      lowerBound: 0,
      timed: { blockCount: 6, cells: { block: Uint32Array.of(5, 1, 3), bucket: Uint32Array.of(0, 1, 1), count: Float64Array.of(2, 3, 0) } },
    };
    expect(Array.from(occupiedBlocks(histogram) ?? [])).toEqual([1, 3, 5]);
    const untimed: SampleView = { kind: 'raw', n: 1, sorted: Float64Array.of(1) };
    expect(occupiedBlocks(untimed)).toBeNull();
  });

  it('stay right while the few slots they are kept in are reused by view after view', () => {
    // Sparse views (blocks listed from the values, then sorted) and dense ones (from a pass over the blocks), of
    // two block counts, each asked about after more views than there are slots, and asked twice.
    const r = seededRandom(9);
    for (let i = 0; i < 200; i++) {
      const blockCount = i % 2 ? 120 : 720;
      const n = i % 3 === 0 ? 600 : 1 + r.int(8);
      const blocks = Uint32Array.from({ length: n }, () => r.int(blockCount));
      const view: SampleView = { kind: 'raw', n, sorted: new Float64Array(n), timed: { blockCount, values: new Float64Array(n), blocks } };
      const totals = new Array<number>(blockCount).fill(0);
      for (const b of blocks) totals[b]++;
      const occupied = totals.flatMap((t, b) => (t > 0 ? [b] : []));
      for (let again = 0; again < 2; again++) {
        expect(Array.from(occupiedBlocks(view) ?? []), `view ${i}`).toEqual(occupied);
        expect(Array.from(blockTotals(view) ?? []), `view ${i}`).toEqual(totals);
      }
    }
  });
});
