/**
 * The deviance term x·log(x/μ) + μ − x, computed without cancellation when x ≈ μ (series in
 * v = (x − μ)/(x + μ)). C. Loader, "Fast and accurate computation of binomial probabilities" (2000).
 *
 * @example
 * binomialDeviance(10, 10); // 0
 */
export function binomialDeviance(x: number, mu: number): number {
  if (Math.abs(x - mu) < 0.1 * (x + mu)) {
    let v = (x - mu) / (x + mu);
    let s = (x - mu) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / mu) + mu - x;
}
