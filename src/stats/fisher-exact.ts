import { assertAlternative, type Alternative } from './assert-sample.ts';
import { hypergeometric } from './hypergeometric.ts';
import { searchPmfBoundary } from './search-pmf-boundary.ts';
import { checkGroup } from './two-proportion-test.ts';

export interface FisherExactResult {
  /** Sample odds ratio k1(n2−k2) / ((n1−k1)k2); Infinity when a denominator cell is 0, NaN for an empty row or column. */
  oddsRatio: number;
  pValue: number;
}

/**
 * Fisher's exact test on the 2×2 table [[k1, n1 − k1], [k2, n2 − k2]] (successes/failures of group 1 and
 * 2), equal to `scipy.stats.fisher_exact(table, alternative)`: the conditional hypergeometric
 * distribution of k1 given the margins; 'greater' = group 1 has the larger odds of success; two-sided
 * sums the probabilities of tables no more likely than the observed one, with the other tail found by
 * binary search (SciPy's algorithm). One deliberate difference: "no more likely" uses a relative
 * tolerance of 1e-7 (as R's fisher.test) instead of SciPy's 1e-14, because the pmf here is accurate to
 * ~1e-14, not to the last bit; the two agree unless two distinct table probabilities lie within 1e-7
 * of each other. Reference: Agresti, "Categorical Data Analysis" (3rd ed.) §3.5.
 *
 * @example
 * fisherExact(8, 10, 2, 10); // { oddsRatio: 16, pValue: 0.023014137565221113 }
 */
export function fisherExact(k1: number, n1: number, k2: number, n2: number, options: { alternative?: Alternative } = {}): FisherExactResult {
  const { alternative = 'two-sided' } = options;
  assertAlternative(alternative);
  checkGroup(k1, n1, 1);
  checkGroup(k2, n2, 2);
  const c01 = n1 - k1;
  const c11 = n2 - k2;
  const col1 = k1 + k2;
  const col2 = c01 + c11;
  if (col1 === 0 || col2 === 0) return { oddsRatio: NaN, pValue: 1 };
  const oddsRatio = k2 > 0 && c01 > 0 ? (k1 * c11) / (k2 * c01) : Infinity;
  // X = k1 ~ Hypergeometric(population n1 + n2, n1 "successes" (row 1), col1 draws)
  const h = hypergeometric(n1, n2, col1);
  let pValue: number;
  if (alternative === 'less') {
    pValue = h.cdf(k1);
  } else if (alternative === 'greater') {
    pValue = hypergeometric(n1, n2, col2).cdf(c01);
  } else {
    const mode = Math.floor(((col1 + 1) * (n1 + 1)) / (n1 + n2 + 2));
    const pexact = h.pmf(k1);
    const pmode = h.pmf(mode);
    const gamma = 1 + 1e-7;
    if (Math.abs(pexact - pmode) / Math.max(pexact, pmode) <= 1e-7) {
      pValue = 1;
    } else if (k1 < mode) {
      const plower = h.cdf(k1);
      if (h.pmf(col1) > pexact * gamma) return { oddsRatio, pValue: plower };
      const guess = searchPmfBoundary((x) => -h.pmf(x), -pexact * gamma, mode, col1);
      pValue = plower + h.sfFrom(guess + 1);
    } else {
      const pupper = h.sfFrom(k1);
      if (h.pmf(0) > pexact * gamma) return { oddsRatio, pValue: pupper };
      const guess = searchPmfBoundary(h.pmf, pexact * gamma, 0, mode);
      pValue = pupper + h.cdf(guess);
    }
  }
  return { oddsRatio, pValue: Math.min(1, pValue) };
}
