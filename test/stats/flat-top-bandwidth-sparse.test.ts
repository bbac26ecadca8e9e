/**
 * The sparse bandwidth rule (src/stats/flat-top-bandwidth-sparse.ts) must give exactly the dense rule's answer, or
 * none (then flatTopBandwidth runs the dense rule): checked on many seeded inputs shaped like the per-block
 * residuals of quiet endpoints (a few non-zero blocks among hundreds), and on the edge cases.
 */
import { describe, expect, it } from 'vitest';
import { bandwidthRule, sparseFlatTopBandwidth } from '../../src/stats/flat-top-bandwidth-sparse.ts';
import { denseFlatTopBandwidth, flatTopBandwidth } from '../../src/stats/flat-top-bandwidth.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/seeded-random.ts';

/** Residuals k_t − q·n_t of `requests` requests spread over `blocks` blocks, k_t of them at or below a split. */
function residuals(r: SeededRandom, blocks: number, requests: number, q: number, clumped: boolean): Float64Array {
  const trials = new Float64Array(blocks);
  const events = new Float64Array(blocks);
  const start = r.int(blocks);
  for (let i = 0; i < requests; i++) {
    const b = clumped ? (start + r.int(Math.max(1, Math.ceil(blocks / 20)))) % blocks : r.int(blocks);
    trials[b]++;
    if (r.uniform() < q) events[b]++;
  }
  const out = new Float64Array(blocks);
  for (let t = 0; t < blocks; t++) out[t] = events[t] - q * trials[t];
  return out;
}

function both(series: Float64Array[]): { sparse: number | null; dense: number } {
  const n = series.reduce((s, x) => s + x.length, 0);
  const rule = bandwidthRule(n);
  return { sparse: n < 20 ? null : sparseFlatTopBandwidth(series, n, rule), dense: denseFlatTopBandwidth(series, n, rule) };
}

describe('sparse flat-top bandwidth', () => {
  it('equals the dense rule on 20 000 seeded quiet-endpoint inputs, and decides nearly all of them', () => {
    const r = seededRandom(12);
    let decided = 0;
    let cases = 0;
    let nonZeroBandwidths = 0;
    for (let i = 0; i < 20_000; i++) {
      const blocks = [20, 60, 120, 240, 1_000][i % 5];
      const q = [0.5, 0.9, 0.95, 0.99, 0.999][r.int(5)];
      const clumped = i % 3 === 0;
      const series = [residuals(r, blocks, 1 + r.int(12), q, clumped), residuals(r, blocks, 1 + r.int(12), q, clumped)];
      const { sparse, dense } = both(series);
      // 20 blocks with up to 12 requests are mostly not sparse: left to the dense rule, as they should be.
      if (blocks > 20) cases++;
      if (sparse !== null) {
        if (blocks > 20) decided++;
        expect(sparse, `case ${i}`).toBe(dense);
      }
      if (dense > 0) nonZeroBandwidths++;
      expect(flatTopBandwidth(series)).toBe(dense);
    }
    expect(decided / cases).toBeGreaterThan(0.99);
    // The inputs reach past the first lag too, so the comparisons beyond it are checked as well.
    expect(nonZeroBandwidths).toBeGreaterThan(100);
  });

  it('equals the dense rule on large and one-series inputs', () => {
    const r = seededRandom(5);
    for (let i = 0; i < 200; i++) {
      const blocks = 5_000 + r.int(20_000);
      const series = i % 2 ? [residuals(r, blocks, 50 + r.int(500), 0.99, i % 4 === 1)] : [residuals(r, blocks, 20, 0.5, false), residuals(r, 100, 10, 0.5, true)];
      const { sparse, dense } = both(series);
      if (sparse !== null) expect(sparse).toBe(dense);
      expect(flatTopBandwidth(series)).toBe(dense);
    }
  });

  it('leaves dense, non-finite and edge inputs to the dense rule, or agrees with it', () => {
    const alternating = Float64Array.from({ length: 40 }, (_, i) => (i % 2 ? 1 : -1));
    expect(both([alternating]).sparse).toBeNull(); // every value non-zero
    const withInfinity = new Float64Array(100);
    withInfinity[3] = Infinity;
    expect(both([withInfinity]).sparse).toBeNull();
    expect(flatTopBandwidth([withInfinity])).toBe(denseFlatTopBandwidth([withInfinity], 100));
    const zeros = new Float64Array(200);
    expect(both([zeros])).toEqual({ sparse: 0, dense: 0 });
    // One value among zeros, a spike pattern repeating every 7 blocks (strong dependence), an empty series beside.
    const spike = new Float64Array(300);
    spike[150] = 0.5;
    const periodic = Float64Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 0.99 : 0));
    for (const series of [[spike], [periodic], [periodic, new Float64Array(0)], [new Float64Array(0), spike]]) {
      const { sparse, dense } = both(series);
      if (sparse !== null) expect(sparse).toBe(dense);
      expect(flatTopBandwidth(series)).toBe(dense);
    }
    expect(both([periodic]).dense).toBeGreaterThan(0);
  });

  it('gives the same bandwidth when told where the non-zero values can be (the occupied blocks)', () => {
    const r = seededRandom(31);
    for (let i = 0; i < 5_000; i++) {
      const blocks = [60, 120, 240, 1_000][i % 4];
      const q = [0.5, 0.9, 0.99][r.int(3)];
      const series = [residuals(r, blocks, 1 + r.int(12), q, i % 3 === 0), residuals(r, blocks, 1 + r.int(12), q, i % 3 === 0)];
      // Candidates: every non-zero position plus a few zero ones (an occupied block whose residual came out 0).
      const candidates = series.map((x) => Uint32Array.from(Array.from(x.keys()).filter((t) => x[t] !== 0 || r.uniform() < 0.05)));
      expect(flatTopBandwidth(series, candidates), `case ${i}`).toBe(flatTopBandwidth(series));
    }
  });
});
