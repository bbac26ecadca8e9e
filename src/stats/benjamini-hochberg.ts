/**
 * Benjamini-Hochberg adjusted p-values (q-values) controlling the false discovery rate, identical to R's
 * `p.adjust(p, "BH")`: q₍ᵢ₎ = min_{j ≥ i} m·p₍ⱼ₎/j over the ascending order, capped at 1, returned in
 * the input order (so q is monotone in p). An empty list gives an empty list (as R does), because a
 * report with no findings has nothing to adjust. Each p must lie in [0, 1].
 * Reference: Benjamini & Hochberg, J. R. Statist. Soc. B 57 (1995) 289–300.
 *
 * @example
 * benjaminiHochberg([0.01, 0.04, 0.03, 0.2]); // [0.04, 0.05333333333333333, 0.05333333333333333, 0.2]
 */
export function benjaminiHochberg(pValues: ArrayLike<number>): number[] {
  const m = pValues.length;
  for (let i = 0; i < m; i++) {
    const p = pValues[i];
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`pValues[${i}] must be a probability in [0, 1] (got ${String(p)})`);
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a] - pValues[b] || a - b);
  const q = new Array<number>(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, (m / (r + 1)) * pValues[i]);
    q[i] = running;
  }
  return q;
}
