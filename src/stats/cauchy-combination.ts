/**
 * Combined p-value of several tests of one null hypothesis by the Cauchy combination test: T = Σ w_i·tan((½ − p_i)π)
 * with weights summing to 1 (equal by default), p = ½ − arctan(T)/π. Each term is standard Cauchy under its null,
 * and a weighted sum of standard Cauchy variables is standard Cauchy whatever their dependence in the tail that
 * matters, so the combined p-value stays valid (approximately, at small levels) for correlated tests — the
 * quantiles of one endpoint, the endpoints of one service sharing minute-level noise — where Fisher's or a sum of
 * chi-squares would need them independent. It is driven by the smallest p-values, so a few strong signals among
 * many nulls are not diluted.
 * Reference: Y. Liu & J. Xie, "Cauchy combination test: a powerful test with analytic p-value calculation under
 * arbitrary dependency structures", J. Amer. Statist. Assoc. 115 (2020) 393–402.
 *
 * @example
 * cauchyCombination([0.01, 0.5, 0.8]); // 0.0312656828647328
 */
export function cauchyCombination(pValues: readonly number[], weights?: readonly number[]): number {
  if (pValues.length === 0) throw new RangeError('cauchyCombination: needs at least one p-value');
  if (weights && weights.length !== pValues.length) throw new RangeError('cauchyCombination: one weight per p-value');
  let totalWeight = 0;
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i];
    const w = weights ? weights[i] : 1;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`cauchyCombination: p-values must be in [0, 1] (got ${p})`);
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`cauchyCombination: weights must be finite and ≥ 0 (got ${w})`);
    totalWeight += w;
  }
  if (!(totalWeight > 0)) throw new RangeError('cauchyCombination: the weights sum to 0');
  let t = 0;
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i];
    const w = (weights ? weights[i] : 1) / totalWeight;
    if (w === 0) continue;
    if (p === 0) return 0;
    // tan((½ − p)π) = 1/tan(pπ); below 1e-15 its series 1/(pπ) is exact to double precision and avoids tan's rounding.
    t += w * (p < 1e-15 ? 1 / (p * Math.PI) : 1 / Math.tan(p * Math.PI));
  }
  if (t > 1e15) return 1 / (t * Math.PI); // ½ − arctan(T)/π = arctan(1/T)/π ≈ 1/(Tπ)
  return 0.5 - Math.atan(t) / Math.PI;
}
