import { assertAlternative, assertCount, type Alternative } from './assert-sample.ts';
import { binomialPmf } from './binomial-pmf.ts';
import { binomialTail } from './binomial-tail.ts';
import { searchPmfBoundary } from './search-pmf-boundary.ts';

/**
 * Exact binomial test p-value of k successes in n trials against success probability p, equal to
 * `scipy.stats.binomtest(k, n, p, alternative).pvalue` (and R's `binom.test`): one-sided tails, or for
 * 'two-sided' the total probability of outcomes no more likely than k (relative tolerance 1 + 1e-7),
 * the other tail's boundary found by binary search on the pmf — no O(n) loop, so n in the millions is
 * fine. Reference: SciPy `_binomtest.py`; Zar, "Biostatistical Analysis" (5th ed.).
 *
 * @example
 * binomialTest(3, 15, 0.1, 'greater'); // 0.18406106910639103
 */
export function binomialTest(k: number, n: number, p: number, alternative: Alternative = 'two-sided'): number {
  assertAlternative(alternative);
  assertCount(k, 'k');
  assertCount(n, 'n');
  if (n < 1) throw new RangeError('binomialTest: n must be at least 1');
  if (k > n) throw new RangeError(`binomialTest: k (${k}) must not exceed n (${n})`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomialTest: p must be in [0, 1] (got ${p})`);
  if (alternative === 'less') return binomialTail(k, n, p, false);
  if (alternative === 'greater') return binomialTail(k, n, p, true);
  const pmf = (x: number) => binomialPmf(x, n, p);
  const d = pmf(k);
  const rerr = 1 + 1e-7;
  let pval: number;
  if (k === p * n) {
    pval = 1;
  } else if (k < p * n) {
    const ix = searchPmfBoundary((x) => -pmf(x), -d * rerr, Math.ceil(p * n), n);
    const y = n - ix + (d * rerr === pmf(ix) ? 1 : 0);
    pval = binomialTail(k, n, p, false) + binomialTail(n - y + 1, n, p, true);
  } else {
    const ix = searchPmfBoundary(pmf, d * rerr, 0, Math.floor(p * n));
    const y = ix + 1;
    pval = binomialTail(y - 1, n, p, false) + binomialTail(k, n, p, true);
  }
  return Math.min(1, pval);
}
