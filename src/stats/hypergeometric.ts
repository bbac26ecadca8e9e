import { binomialPmf } from './binomial-pmf.ts';

/**
 * Hypergeometric distribution for x successes in `draws` draws without replacement from a population
 * of `successes` successes and `failures` failures: pmf via Loader's binomial saddle-point form
 * dbinom(x; K, p)·dbinom(N − x; M − K, p)/dbinom(N; M, p) with p = N/M (accurate to ~1e-14 relative at
 * any size), and tails by summing the pmf with its ratio recurrence from x outward (terms shrink, so
 * the loop stops after at most a few standard deviations' worth of terms). References: C. Loader,
 * "Fast and accurate computation of binomial probabilities" (2000); R's dhyper/phyper.
 *
 * @example
 * hypergeometric(10, 10, 10).pmf(5); // 0.3437182013033407
 */
export function hypergeometric(successes: number, failures: number, draws: number) {
  const r = successes;
  const b = failures;
  const n = draws;
  const total = r + b;
  const p = n / total;
  const q = (total - n) / total;
  const lowest = Math.max(0, n - b);
  const highest = Math.min(n, r);
  const pmf = (x: number): number => {
    if (x < lowest || x > highest || !Number.isInteger(x)) return 0;
    return (binomialPmf(x, r, p, q) * binomialPmf(n - x, b, p, q)) / binomialPmf(n, total, p, q);
  };
  // Σ_{j ≤ x} pmf(j), summing down from x (terms fall when x is at or below the mode).
  const sumDown = (x: number): number => {
    let term = pmf(x);
    let sum = term;
    for (let j = x; j > lowest; j--) {
      term *= (j * (b - n + j)) / ((r - j + 1) * (n - j + 1));
      sum += term;
      if (term <= sum * 1e-17) break;
    }
    return sum;
  };
  // Σ_{j ≥ x} pmf(j), summing up from x.
  const sumUp = (x: number): number => {
    let term = pmf(x);
    let sum = term;
    for (let j = x; j < highest; j++) {
      term *= ((r - j) * (n - j)) / ((j + 1) * (b - n + j + 1));
      sum += term;
      if (term <= sum * 1e-17) break;
    }
    return sum;
  };
  const mode = Math.floor(((n + 1) * (r + 1)) / (total + 2));
  return {
    pmf,
    /** P[X ≤ x] */
    cdf: (x: number): number => {
      x = Math.floor(x);
      if (x < lowest) return 0;
      if (x >= highest) return 1;
      return x <= mode ? sumDown(x) : 1 - sumUp(x + 1);
    },
    /** P[X ≥ x] */
    sfFrom: (x: number): number => {
      x = Math.ceil(x);
      if (x <= lowest) return 1;
      if (x > highest) return 0;
      return x >= mode ? sumUp(x) : 1 - sumDown(x - 1);
    },
  };
}
