/**
 * Welch–Satterthwaite degrees of freedom of a sum of independent variance estimates V_i with ν_i degrees of
 * freedom each: (Σ V_i)² / Σ (V_i² / ν_i). A component with ν_i = Infinity (a variance known, not estimated)
 * adds nothing to the denominator; when every component is known the result is Infinity (a normal reference).
 * Reference: F. E. Satterthwaite, "An approximate distribution of estimates of variance components",
 * Biometrics Bulletin 2 (1946) 110–114; B. L. Welch, Biometrika 34 (1947) 28–35.
 *
 * @example
 * welchSatterthwaiteDf([2, 1], [9, 4]); // 12.96
 * welchSatterthwaiteDf([2, 1], [Infinity, Infinity]); // Infinity
 */
export function welchSatterthwaiteDf(variances: readonly number[], dfs: readonly number[]): number {
  if (variances.length !== dfs.length) throw new RangeError('welchSatterthwaiteDf: one df per variance');
  let total = 0;
  let denominator = 0;
  for (let i = 0; i < variances.length; i++) {
    const v = variances[i];
    if (!(v >= 0) || !(dfs[i] > 0)) throw new RangeError(`welchSatterthwaiteDf: variances must be ≥ 0 and df > 0 (got ${v}, ${dfs[i]})`);
    total += v;
    if (dfs[i] !== Infinity) denominator += (v * v) / dfs[i];
  }
  if (denominator === 0) return Infinity;
  return (total * total) / denominator;
}
